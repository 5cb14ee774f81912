#include "ct_fixture.h"

#include "testlib.h"

#include <stdlib.h>

#include <openssl/x509v3.h>

/* add_ext adds extension nid, written as OpenSSL's config string v, to x. */
static void add_ext(X509 *x, X509V3_CTX *ctx, int nid, const char *v)
{
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, ctx, nid, v);

	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
}

X509 *ch_test_ct_cert(const ch_test_ct_fixture *fx, const char *cn, long serial, EVP_PKEY *key,
		      bool precert)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	char san[300];
	X509V3_CTX ctx;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, fx->ca ? X509_get_subject_name(fx->ca) : n);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 90L * 86400);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&ctx, fx->ca ? fx->ca : x, x, NULL, NULL, 0);
	if (fx->www)
		snprintf(san, sizeof san, "DNS:%s,DNS:www.%s", cn, cn);
	else
		snprintf(san, sizeof san, "DNS:%s", cn);
	if (fx->ca)
		add_ext(x, &ctx, NID_subject_alt_name, san);
	else
		add_ext(x, &ctx, NID_basic_constraints, "critical,CA:TRUE");
	if (precert)
		add_ext(x, &ctx, NID_ct_precert_poison, "critical,NULL");
	X509_sign(x, fx->ca_key, EVP_sha256());
	X509_NAME_free(n);
	return x;
}

void ch_test_ct_fixture_init(ch_test_ct_fixture *fx, const char *ca_cn)
{
	fx->ca = NULL;
	fx->ca_der = NULL;
	fx->ca_key = EVP_EC_gen("P-256");
	fx->leaf_key = EVP_EC_gen("P-256");
	fx->ca = ch_test_ct_cert(fx, ca_cn, 1, fx->ca_key, false);
	fx->ca_der_len = i2d_X509(fx->ca, &fx->ca_der);
}

void ch_test_ct_fixture_free(ch_test_ct_fixture *fx)
{
	OPENSSL_free(fx->ca_der);
	X509_free(fx->ca);
	EVP_PKEY_free(fx->ca_key);
	EVP_PKEY_free(fx->leaf_key);
}

void ch_test_ct_add(const ch_test_ct_fixture *fx, ch_ct_writer *w, const char *cn, long serial,
		    uint64_t ts, bool precert)
{
	X509 *x = ch_test_ct_cert(fx, cn, serial, fx->leaf_key, precert);
	uint8_t *der = NULL;
	int len = i2d_X509(x, &der);

	CHECK(ch_ct_writer_add(w, ts, der, (size_t)len, precert, fx->ca_der,
			       (size_t)fx->ca_der_len) == CH_OK);
	OPENSSL_free(der);
	X509_free(x);
}

void ch_test_ct_add_range(const ch_test_ct_fixture *fx, ch_ct_writer *w, const char *tag,
			  int first, int n)
{
	for (int i = first; i < first + n; i++) {
		char cn[64];

		snprintf(cn, sizeof cn, "%s%d.example", tag, i);
		ch_test_ct_add(fx, w, cn, fx->serial0 + i, fx->ts0 + (uint64_t)i * fx->ts_step,
			       i % fx->pre_every == fx->pre_at);
	}
}

ch_ct_key *ch_test_ct_log_key(const char *root, const char *log)
{
	char path[700];
	uint8_t *pem;
	size_t len;
	ch_ct_key *k = NULL;

	snprintf(path, sizeof path, "%s/%s/key.pem", root, log);
	pem = ch_test_read_file(path, &len);
	CHECK(pem && ch_ct_key_parse(&k, pem, len) == CH_OK);
	free(pem);
	return k;
}
