/* Fuzz target: ch_cert_parse with CH_PARSE_ALL on arbitrary bytes, plus a differential check
 * against OpenSSL's d2i_X509 (linked): when both accept the input and it is plain DER (OpenSSL's
 * re-encoding equals the bytes it consumed, so its fingerprint is of the same bytes), the
 * SHA-256, the certificate's length and the serial must agree, or we abort().
 *
 * Every string and array of an accepted record is read end to end, so a length that points
 * past the decoder's arena shows up under ASan.
 *
 * The same bytes also go to ch_cert_tbs_sha256 as a bare TBSCertificate (what a CT log records
 * for a precertificate), and for an accepted certificate its TBS element must give exactly the
 * record's tbs_sha256, or we abort(). */
#include <certhound/x509.h>

#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static volatile unsigned sink;

static void touch(const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		sink += b[i];
}

static void touch_strs(const ch_str *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		touch(v[i].s, v[i].len + 1); /* includes the terminating NUL */
}

static void touch_dn(const ch_dn *dn)
{
	touch(dn->der.data, dn->der.len);
	touch(dn->text, strlen(dn->text) + 1);
	for (size_t i = 0; i < dn->num_attrs; i++) {
		touch(dn->attrs[i].oid, strlen(dn->attrs[i].oid));
		touch(dn->attrs[i].value.s, dn->attrs[i].value.len + 1);
		if (dn->attrs[i].short_name)
			touch(dn->attrs[i].short_name, strlen(dn->attrs[i].short_name));
	}
}

static void touch_cert(const ch_cert *c)
{
	touch(c->der.data, c->der.len);
	touch(c->serial_hex, strlen(c->serial_hex));
	touch(c->sig_alg, strlen(c->sig_alg));
	touch_dn(&c->issuer);
	touch_dn(&c->subject);
	touch(c->key.spki.data, c->key.spki.len);
	if (c->key.curve)
		touch(c->key.curve, strlen(c->key.curve));
	touch_strs(c->san.dns, c->san.num_dns);
	touch_strs(c->san.ip, c->san.num_ip);
	touch_strs(c->san.email, c->san.num_email);
	touch_strs(c->san.uri, c->san.num_uri);
	for (size_t i = 0; i < c->san.num_other; i++)
		touch(c->san.other[i].raw.data, c->san.other[i].raw.len);
	for (size_t i = 0; i < c->num_exts; i++) {
		touch(c->exts[i].value.data, c->exts[i].value.len);
		touch(c->exts[i].oid_text, strlen(c->exts[i].oid_text));
	}
	for (size_t i = 0; i < c->num_eku; i++)
		touch(c->eku[i], strlen(c->eku[i]));
	for (size_t i = 0; i < c->num_policies; i++)
		touch(c->policies[i], strlen(c->policies[i]));
	touch_strs(c->ocsp, c->num_ocsp);
	touch_strs(c->ca_issuers, c->num_ca_issuers);
	touch_strs(c->crl_dps, c->num_crl_dps);
	touch(c->scts, c->num_scts * sizeof *c->scts);
	touch(c->ski.data, c->ski.len);
	touch(c->aki.data, c->aki.len);
	touch(c->ja4x, strlen(c->ja4x));
}

/* serial_text renders OpenSSL's serial the way the contract asks: magnitude in hex without
 * leading zero bytes ("00" for zero), "-" in front when negative. */
static void serial_text(char *out, size_t cap, const ASN1_INTEGER *s)
{
	const unsigned char *p = ASN1_STRING_get0_data(s);
	size_t n = (size_t)ASN1_STRING_length(s), o = 0;

	while (n > 0 && p[0] == 0)
		p++, n--;
	if (ASN1_STRING_type(s) == V_ASN1_NEG_INTEGER && o + 1 < cap)
		out[o++] = '-';
	if (n == 0 && o + 2 < cap)
		out[o++] = '0', out[o++] = '0';
	for (size_t i = 0; i < n && o + 2 < cap; i++, o += 2)
		snprintf(out + o, 3, "%02x", p[i]);
	out[o] = 0;
}

static void differential(const ch_cert *c, const uint8_t *data, size_t size)
{
	const unsigned char *p = data;
	X509 *x = d2i_X509(NULL, &p, (long)size);
	unsigned char *enc = NULL, md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	size_t consumed;
	int n;
	char serial[2 * 1024 + 4];

	if (!x)
		return;
	consumed = (size_t)(p - data);
	n = i2d_X509(x, &enc);
	if (n > 0 && (size_t)n == consumed && memcmp(enc, data, consumed) == 0 &&
	    X509_digest(x, EVP_sha256(), md, &mdlen) && mdlen == 32) {
		if (c->der.len != consumed || memcmp(md, c->sha256, 32) != 0) {
			fprintf(stderr, "fuzz_x509: sha256/length differ from OpenSSL's (%zu vs %zu)\n",
				c->der.len, consumed);
			abort();
		}
		if ((size_t)ASN1_STRING_length(X509_get0_serialNumber(x)) < 1024) {
			serial_text(serial, sizeof serial, X509_get0_serialNumber(x));
			if (strcmp(serial, c->serial_hex) != 0) {
				fprintf(stderr, "fuzz_x509: serial %s, OpenSSL %s\n", c->serial_hex, serial);
				abort();
			}
		}
	}
	OPENSSL_free(enc);
	X509_free(x);
}

/* same_tbs checks that the bare-TBS fingerprint of an accepted certificate's TBS is its
 * tbs_sha256. */
static void same_tbs(ch_hash *h, const ch_cert *c)
{
	uint8_t fp[32];

	if (ch_cert_tbs_sha256(fp, h, c->tbs.data, c->tbs.len) != CH_OK ||
	    memcmp(fp, c->tbs_sha256, 32) != 0) {
		fprintf(stderr, "fuzz_x509: ch_cert_tbs_sha256 of the TBS differs from tbs_sha256\n");
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static ch_cert *c;
	static ch_hash *h;
	uint8_t fp[32];

	if ((!c && ch_cert_new(&c) != CH_OK) || (!h && ch_hash_new(&h) != CH_OK))
		abort();
	if (ch_cert_tbs_sha256(fp, h, data, size) == CH_OK)
		touch(fp, sizeof fp);
	if (ch_cert_parse(c, data, size, CH_PARSE_ALL) == CH_OK) {
		touch_cert(c);
		differential(c, data, size);
		same_tbs(h, c);
	}
	return 0;
}
