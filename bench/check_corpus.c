/* check_corpus — verify a gen_corpus output with OpenSSL's own parser (used by the bench_corpus
 * ctest; it asserts correctness and shape, never speed).
 *
 *   check_corpus FILE EXPECTED_COUNT
 *
 * Every certificate must be read by d2i_X509 using exactly its bytes, carry a usable public key
 * and valid times, and every extension OpenSSL knows must decode with OpenSSL's decoder
 * (SAN, key usage, AIA, CRL DP, policies, the CT poison and the SCT list among them). The corpus
 * as a whole must have the promised shape: mostly 1-3 SANs with a tail past 100, wildcards,
 * precertificates and final certificates, at least a dozen issuers, all four key kinds, and a
 * popular registrable domain. Prints "digest <sha256 of all DER>" so runs can be compared. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpsl.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "benchlib.h"

typedef struct count {
	char *key;
	unsigned long n;
} count;

/* A small string counter (linear probing); enough for issuers and registrable domains. */
typedef struct counter {
	count *slot;
	size_t cap, used;
} counter;

static void counter_add(counter *c, const char *key)
{
	uint64_t h = 1469598103934665603ull;

	if (c->used * 2 >= c->cap) {
		counter old = *c;
		c->cap = c->cap ? c->cap * 2 : 1024;
		c->slot = calloc(c->cap, sizeof *c->slot);
		c->used = 0;
		for (size_t i = 0; i < old.cap; i++) {
			if (old.slot[i].key) {
				for (unsigned long k = 0; k < old.slot[i].n; k++)
					counter_add(c, old.slot[i].key);
				free(old.slot[i].key);
			}
		}
		free(old.slot);
	}
	for (const char *p = key; *p; p++)
		h = (h ^ (uint8_t)*p) * 1099511628211ull;
	for (size_t i = h & (c->cap - 1);; i = (i + 1) & (c->cap - 1)) {
		if (!c->slot[i].key) {
			c->slot[i].key = strdup(key);
			c->slot[i].n = 1;
			c->used++;
			return;
		}
		if (strcmp(c->slot[i].key, key) == 0) {
			c->slot[i].n++;
			return;
		}
	}
}

static void counter_free(counter *c)
{
	for (size_t i = 0; i < c->cap; i++)
		free(c->slot[i].key);
	free(c->slot);
	memset(c, 0, sizeof *c);
}

static const count *counter_top(const counter *c)
{
	const count *best = NULL;

	for (size_t i = 0; i < c->cap; i++)
		if (c->slot[i].key && (!best || c->slot[i].n > best->n))
			best = &c->slot[i];
	return best;
}

static int failures;

#define FAIL(...)                                          \
	do {                                               \
		fprintf(stderr, "check_corpus: " __VA_ARGS__); \
		fputc('\n', stderr);                       \
		failures++;                                \
	} while (0)

/* Every extension OpenSSL has a decoder for must decode. */
static void check_exts(X509 *x, size_t idx, bool *precert, bool *sct)
{
	int n = X509_get_ext_count(x);

	for (int i = 0; i < n; i++) {
		X509_EXTENSION *ext = X509_get_ext(x, i);
		int nid = OBJ_obj2nid(X509_EXTENSION_get_object(ext));
		const X509V3_EXT_METHOD *m = X509V3_EXT_get(ext);

		if (nid == NID_ct_precert_poison) {
			*precert = true;
			if (!X509_EXTENSION_get_critical(ext))
				FAIL("certificate %zu: poison extension not critical", idx);
		}
		if (nid == NID_ct_precert_scts)
			*sct = true;
		if (m) {
			void *v = X509V3_EXT_d2i(ext);
			if (!v)
				FAIL("certificate %zu: OpenSSL cannot decode extension %s", idx,
				     OBJ_nid2sn(nid));
			else if (m->it)
				ASN1_item_free(v, ASN1_ITEM_ptr(m->it));
			else if (m->ext_free)
				m->ext_free(v);
		}
	}
}

int main(int argc, char **argv)
{
	bench_corpus c = {0};
	counter issuers = {0}, domains = {0};
	psl_ctx_t *psl_loaded;
	const psl_ctx_t *psl;
	unsigned long hist_1_3 = 0, max_sans = 0, ge100 = 0, wild = 0, pre = 0, fin = 0, zero = 0;
	unsigned long kinds[4] = {0};
	unsigned char md[32];
	EVP_MD_CTX *all = EVP_MD_CTX_new();
	unsigned long expected;

	if (argc != 3) {
		fprintf(stderr, "usage: check_corpus FILE EXPECTED_COUNT\n");
		return 2;
	}
	expected = strtoul(argv[2], NULL, 10);
	if (bench_corpus_load_file(&c, argv[1], 0) != 0)
		return 1;
	bench_corpus_done(&c);
	psl_loaded = psl_latest(NULL);
	psl = psl_loaded ? psl_loaded : psl_builtin();
	if (!psl) {
		fprintf(stderr, "check_corpus: no public suffix data\n");
		return 1;
	}
	EVP_DigestInit_ex(all, EVP_sha256(), NULL);
	if (c.num_certs != expected)
		FAIL("%zu certificates, expected %lu", c.num_certs, expected);
	for (size_t i = 0; i < c.num_certs; i++) {
		const unsigned char *p = c.certs[i].der;
		X509 *x = d2i_X509(NULL, &p, (long)c.certs[i].len);
		GENERAL_NAMES *gens;
		EVP_PKEY *pk;
		bool precert = false, sct = false, has_wild = false;
		char *iss;
		int ndns = 0;

		EVP_DigestUpdate(all, c.certs[i].der, c.certs[i].len);
		if (!x || p != c.certs[i].der + c.certs[i].len) {
			FAIL("certificate %zu: d2i_X509 %s", i, x ? "left bytes over" : "refused it");
			X509_free(x);
			continue;
		}
		pk = X509_get_pubkey(x);
		if (!pk) {
			FAIL("certificate %zu: no usable public key", i);
		} else {
			int bits = EVP_PKEY_get_bits(pk);
			if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_RSA)
				kinds[bits > 3000 ? 1 : 0]++;
			else
				kinds[bits > 300 ? 3 : 2]++;
			EVP_PKEY_free(pk);
		}
		if (!ASN1_TIME_check(X509_get0_notBefore(x)) || !ASN1_TIME_check(X509_get0_notAfter(x)) ||
		    ASN1_TIME_compare(X509_get0_notBefore(x), X509_get0_notAfter(x)) >= 0)
			FAIL("certificate %zu: bad validity", i);
		check_exts(x, i, &precert, &sct);
		if (precert && sct)
			FAIL("certificate %zu: both poison and SCT list", i);
		pre += precert;
		fin += sct;
		iss = X509_NAME_oneline(X509_get_issuer_name(x), NULL, 0);
		counter_add(&issuers, iss ? iss : "?");
		OPENSSL_free(iss);
		gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
		{
			counter seen = {0};
			for (int k = 0; gens && k < sk_GENERAL_NAME_num(gens); k++) {
				GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, k);
				const char *s;
				const char *reg;
				if (g->type != GEN_DNS)
					continue;
				s = (const char *)ASN1_STRING_get0_data(g->d.dNSName);
				ndns++;
				has_wild |= s[0] == '*';
				counter_add(&seen, s);
				if (k == 0) {
					reg = psl_registrable_domain(psl, s[0] == '*' ? s + 2 : s);
					counter_add(&domains, reg ? reg : s);
				}
			}
			if (seen.used != (size_t)ndns)
				FAIL("certificate %zu: duplicate SAN entries", i);
			counter_free(&seen);
		}
		GENERAL_NAMES_free(gens);
		zero += ndns == 0;
		hist_1_3 += ndns >= 1 && ndns <= 3;
		ge100 += ndns >= 100;
		wild += has_wild;
		if ((unsigned long)ndns > max_sans)
			max_sans = (unsigned long)ndns;
		X509_free(x);
	}
	EVP_DigestFinal_ex(all, md, NULL);
	EVP_MD_CTX_free(all);
	if (c.num_certs) {
		double n = (double)c.num_certs;
		const count *top = counter_top(&domains);
		printf("certificates %zu, 1-3 SANs %.1f%%, max SANs %lu, >=100 SANs %lu, wildcard %.1f%%\n",
		       c.num_certs, 100 * hist_1_3 / n, max_sans, ge100, 100 * wild / n);
		printf("precertificates %.1f%%, final with SCTs %.1f%%, issuers %zu, keys RSA-2048 %lu "
		       "RSA-4096 %lu P-256 %lu P-384 %lu\n",
		       100 * pre / n, 100 * fin / n, issuers.used, kinds[0], kinds[1], kinds[2], kinds[3]);
		printf("top registrable domain %s: %lu certificates (%.1f%%)\n", top ? top->key : "-",
		       top ? top->n : 0, top ? 100 * top->n / n : 0);
		if (zero)
			FAIL("%lu certificates without a DNS SAN", zero);
		if (hist_1_3 < 0.6 * n)
			FAIL("only %.1f%% of certificates have 1-3 SANs (want most)", 100 * hist_1_3 / n);
		if (c.num_certs >= 10000 && (max_sans < 100 || max_sans > 160 || ge100 == 0))
			FAIL("SAN tail: max %lu (want 100..160)", max_sans);
		if (wild < 0.03 * n)
			FAIL("too few wildcard certificates");
		if (pre < 0.2 * n || fin < 0.15 * n)
			FAIL("precertificates %lu / final %lu: too few", pre, fin);
		if (issuers.used < 12)
			FAIL("only %zu issuers (want a dozen or more)", issuers.used);
		if (!kinds[0] || !kinds[1] || !kinds[2] || !kinds[3])
			FAIL("not every key kind is present");
		if (!top || top->n < 0.05 * n)
			FAIL("no popular registrable domain");
	}
	printf("digest ");
	for (int i = 0; i < 32; i++)
		printf("%02x", md[i]);
	printf("\n");
	bench_corpus_free(&c);
	counter_free(&issuers);
	counter_free(&domains);
	psl_free(psl_loaded);
	return failures ? 1 : 0;
}
