/* Certificate encoding for the benchmark corpus: issuing-CA profiles modelled on today's big
 * public CAs plus a private CA and self-signed certificates, and the DER of one leaf certificate
 * (plain, CT precertificate with the poison extension, or final certificate with an embedded SCT
 * list). Per-CA and per-key pieces are encoded once; per-certificate work is a few memcpys. The
 * signature is random bytes of the right length: nothing is signed. */
#include "gen_cert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <certhound/util.h>

/* Attribute OIDs as DER contents octets, with the string tag the encoder uses. */
typedef struct attr_type {
	const char *name;
	uint8_t oid[12];
	uint8_t oid_len;
	uint8_t tag; /* 0: PrintableString when possible, else UTF8String */
} attr_type;

static const attr_type ATTRS[] = {
	{"C", {0x55, 0x04, 0x06}, 3, 0x13},
	{"ST", {0x55, 0x04, 0x08}, 3, 0},
	{"L", {0x55, 0x04, 0x07}, 3, 0},
	{"O", {0x55, 0x04, 0x0a}, 3, 0},
	{"OU", {0x55, 0x04, 0x0b}, 3, 0},
	{"CN", {0x55, 0x04, 0x03}, 3, 0},
	{"serialNumber", {0x55, 0x04, 0x05}, 3, 0x13},
	{"businessCategory", {0x55, 0x04, 0x0f}, 3, 0},
	{"jurisdictionC", {0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x3c, 0x02, 0x01, 0x03}, 11, 0x13},
	{"DC", {0x09, 0x92, 0x26, 0x89, 0x93, 0xf2, 0x2c, 0x64, 0x01, 0x19}, 10, 0x16},
	{"emailAddress", {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01}, 9, 0x16},
};

static const attr_type *attr_find(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof ATTRS / sizeof ATTRS[0]; i++)
		if (strlen(ATTRS[i].name) == n && memcmp(ATTRS[i].name, name, n) == 0)
			return &ATTRS[i];
	return NULL;
}

/* PrintableString's alphabet (X.680 41.4), as Go's encoder uses it to choose the string type. */
static bool printable(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      strchr(" '()+,-./:=?", c)))
			return false;
	}
	return true;
}

/* One RDN with one attribute. */
static void put_rdn(dw *w, const attr_type *a, const char *v, size_t n)
{
	size_t set = dw_begin(w, 0x31);
	size_t seq = dw_begin(w, 0x30);
	uint8_t tag = a->tag ? a->tag : printable(v, n) ? 0x13 : 0x0c;

	dw_prim(w, 0x06, a->oid, a->oid_len);
	dw_prim(w, tag, v, n);
	dw_end(w, seq);
	dw_end(w, set);
}

static void put_attr(dw *w, const char *name, const char *v, size_t n)
{
	put_rdn(w, attr_find(name, strlen(name)), v, n);
}

/* Encode a Name from "C=US/O=Let's Encrypt/CN=R10" (table text; '/' separates RDNs). */
static void put_dn_text(dw *w, const char *text)
{
	size_t name = dw_begin(w, 0x30);
	const char *p = text;

	while (*p) {
		const char *eq = strchr(p, '=');
		const char *end = strchr(eq, '/');
		if (!end)
			end = eq + strlen(eq);
		put_rdn(w, attr_find(p, (size_t)(eq - p)), eq + 1, (size_t)(end - eq - 1));
		p = *end ? end + 1 : end;
	}
	dw_end(w, name);
}

/* The issuing CAs. Weights are per mille of issuances, roughly in line with CT log shares in
 * 2024-2025; URLs and DNs are the CAs' real ones. */
static const gen_ca CAS[] = {
	{"LE R10", "C=US/O=Let's Encrypt/CN=R10", GEN_RSA2048, 220, 90, "http://r10.o.lencr.org",
	 "http://r10.i.lencr.org/", NULL, "2.23.140.1.2.1", NULL, NULL, STYLE_DV, 0, true, 18, 2, 0.2, true},
	{"LE R11", "C=US/O=Let's Encrypt/CN=R11", GEN_RSA2048, 190, 90, "http://r11.o.lencr.org",
	 "http://r11.i.lencr.org/", NULL, "2.23.140.1.2.1", NULL, NULL, STYLE_DV, 0, true, 18, 2, 0.2, true},
	{"LE E5", "C=US/O=Let's Encrypt/CN=E5", GEN_P384, 90, 90, "http://e5.o.lencr.org",
	 "http://e5.i.lencr.org/", NULL, "2.23.140.1.2.1", NULL, NULL, STYLE_DV, 100, true, 18, 2, 0.2, true},
	{"LE E6", "C=US/O=Let's Encrypt/CN=E6", GEN_P384, 50, 90, "http://e6.o.lencr.org",
	 "http://e6.i.lencr.org/", NULL, "2.23.140.1.2.1", NULL, NULL, STYLE_DV, 100, true, 18, 2, 0.2, true},
	{"GTS WR1", "C=US/O=Google Trust Services/CN=WR1", GEN_RSA2048, 110, 90, "http://o.pki.goog/wr1",
	 "http://i.pki.goog/wr1.crt", "http://c.pki.goog/wr1/GSyT1N4PBrg.crl", "2.23.140.1.2.1", NULL,
	 NULL, STYLE_DV, 30, true, 16, 2, 0.3, false},
	{"GTS WE1", "C=US/O=Google Trust Services/CN=WE1", GEN_P256, 40, 90, "http://o.pki.goog/s/we1/",
	 "http://i.pki.goog/we1.crt", "http://c.pki.goog/we1/4NUsdGyO4gA.crl", "2.23.140.1.2.1", NULL,
	 NULL, STYLE_DV, 100, true, 16, 2, 0.3, false},
	{"Sectigo DV",
	 "C=GB/ST=Greater Manchester/L=Salford/O=Sectigo Limited/CN=Sectigo RSA Domain Validation Secure Server CA",
	 GEN_RSA2048, 60, 365, "http://ocsp.sectigo.com",
	 "http://crt.sectigo.com/SectigoRSADomainValidationSecureServerCA.crt", NULL,
	 "1.3.6.1.4.1.6449.1.2.2.7", "2.23.140.1.2.1", "https://sectigo.com/CPS", STYLE_DV, 10, true, 16,
	 3, 0.25, false},
	{"DigiCert OV", "C=US/O=DigiCert Inc/CN=DigiCert Global G2 TLS RSA SHA256 2020 CA1", GEN_RSA2048, 40,
	 396, "http://ocsp.digicert.com",
	 "http://cacerts.digicert.com/DigiCertGlobalG2TLSRSASHA2562020CA1-1.crt",
	 "http://crl3.digicert.com/DigiCertGlobalG2TLSRSASHA2562020CA1-1.crl", "2.23.140.1.2.2", NULL,
	 NULL, STYLE_OV, 20, true, 16, 3, 0.25, false},
	{"DigiCert EV", "C=US/O=DigiCert Inc/CN=DigiCert EV RSA CA G2", GEN_RSA2048, 8, 365,
	 "http://ocsp.digicert.com", "http://cacerts.digicert.com/DigiCertEVRSACAG2.crt",
	 "http://crl3.digicert.com/DigiCertEVRSACAG2.crl", "2.23.140.1.1", NULL, NULL, STYLE_EV, 0, true,
	 16, 3, 0.1, false},
	{"ZeroSSL", "C=AT/O=ZeroSSL/CN=ZeroSSL RSA Domain Secure Site CA", GEN_RSA4096, 40, 90,
	 "http://zerossl.ocsp.sectigo.com", "http://zerossl.crt.sectigo.com/ZeroSSLRSADomainSecureSiteCA.crt",
	 NULL, "1.3.6.1.4.1.6449.1.2.2.78", "2.23.140.1.2.1", "https://sectigo.com/CPS", STYLE_DV, 15,
	 true, 16, 2, 0.2, false},
	{"Amazon M02", "C=US/O=Amazon/CN=Amazon RSA 2048 M02", GEN_RSA2048, 50, 395,
	 "http://ocsp.r2m02.amazontrust.com", "http://crt.r2m02.amazontrust.com/r2m02.cer",
	 "http://crl.r2m02.amazontrust.com/r2m02.crl", "2.23.140.1.2.1", NULL, NULL, STYLE_DV, 0, true,
	 16, 3, 0.3, false},
	{"Cloudflare", "C=US/O=Cloudflare, Inc./CN=Cloudflare Inc ECC CA-3", GEN_P256, 20, 365,
	 "http://ocsp.digicert.com", "http://cacerts.digicert.com/CloudflareIncECCCA-3.crt",
	 "http://crl3.digicert.com/CloudflareIncECCCA-3.crl", "2.23.140.1.2.2", NULL, NULL, STYLE_OV,
	 100, true, 16, 3, 0.8, false},
	{"Private CA", "DC=com/DC=examplecorp/CN=ExampleCorp Issuing CA 02", GEN_RSA4096, 20, 730, NULL,
	 "http://pki.examplecorp.com/aia/IssuingCA02.crt", "http://pki.examplecorp.com/crl/IssuingCA02.crl",
	 NULL, NULL, NULL, STYLE_PRIVATE, 20, false, 19, 0, 0.0, false},
	{"self-signed", NULL, GEN_RSA2048, 20, 0, NULL, NULL, NULL, NULL, NULL, NULL, STYLE_SELF, 40,
	 false, 20, 0, 0.0, false},
};
#define NUM_CAS (sizeof CAS / sizeof CAS[0])

/* Real RFC 6962 log IDs (base64, from a 2026 log list) so SCTs name logs that exist. */
static const char *const LOG_IDS[] = {
	"EvFONL1TckyEBhnDjz96E/jntWKHiJxtMAWE6+WGJjo=", "DleUvPOuqT4zGyyZB7P3kN+bwj1xMiXdIaklrGHFTiE=",
	"3dzKNJXX4RYF55Uy+sef+D0cUN/bADoUEnYKLKy7yCo=", "lpdkv1VYl633Q4doNwhCd+nwOtX2pPM2bkakPw/KqcY=",
	"zPsPaoVxCWX+lZtTzumyfCLphVwNl422qX5UwP5MDbA=", "yzj3FYl8hKFEX1vB3fvJbvKaWc1HCmkFhbDLFMMUWOc=",
	"7TxL1ugGwqSiAFfbyyTiOAHfUS/txIbFcA8g3bc+P+A=", "ZBHEbKQS7KeJHKICLgC8q08oB9QeNSer6v7VA8l9zfA=",
	"pELFBklgYVSPD9TqnPt6LSZFTYepfy/fRVn2J086hFQ=", "DR28iUTp9QBVQtctPhRMzEMIKrbqHpTf1wZlfS6G8wE=",
	"XKV30pt/i69Bntjsq/tty67DhTcC1XRvF02tPJNKqWo=", "KOKBOP2DIUXpqdaqdTdtg3eohRKzwH9yQUgh3L3pjGY=",
};
#define NUM_LOGS (sizeof LOG_IDS / sizeof LOG_IDS[0])

static const uint8_t SIG_RSA_SHA256[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
					 0x0d, 0x01, 0x01, 0x0b, 0x05, 0x00};
static const uint8_t SIG_ECDSA_SHA256[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48,
					   0xce, 0x3d, 0x04, 0x03, 0x02};
static const uint8_t SIG_ECDSA_SHA384[] = {0x30, 0x0a, 0x06, 0x08, 0x2a, 0x86, 0x48,
					   0xce, 0x3d, 0x04, 0x03, 0x03};

/* Open an Extension: SEQUENCE { extnID, [critical], extnValue OCTET STRING { ... } }.
 * Returns the two marks packed; close with ext_end. */
typedef struct ext_mark {
	size_t seq, oct;
} ext_mark;

static ext_mark ext_begin(dw *w, const char *oid, bool critical)
{
	ext_mark m;

	m.seq = dw_begin(w, 0x30);
	dw_oid(w, oid);
	if (critical)
		dw_raw(w, "\x01\x01\xff", 3);
	m.oct = dw_begin(w, 0x04);
	return m;
}

static void ext_end(dw *w, ext_mark m)
{
	dw_end(w, m.oct);
	dw_end(w, m.seq);
}

static gen_blob save(dw *w, size_t start)
{
	gen_blob b = {start, w->len - start};
	return b;
}

/* Encode the per-CA constant pieces once. */
static void build_ca(gen_issuer *ci, const gen_ca *ca, size_t idx, dw *w)
{
	size_t s;
	ext_mark m;
	uint64_t x = gen_hash64(0xca000 + idx);

	ci->ca = ca;
	for (int i = 0; i < 20; i++) {
		if (i % 8 == 0)
			x = gen_hash64(x);
		ci->ski[i] = (uint8_t)(x >> (8 * (i % 8)));
	}
	if (ca->dn) {
		s = w->len;
		put_dn_text(w, ca->dn);
		ci->issuer = save(w, s);
	}
	s = w->len;
	m = ext_begin(w, "2.5.29.35", false);
	{
		size_t seq = dw_begin(w, 0x30);
		dw_prim(w, 0x80, ci->ski, 20);
		dw_end(w, seq);
	}
	ext_end(w, m);
	ci->aki = save(w, s);
	s = w->len;
	if (ca->ocsp || ca->ca_issuers) {
		size_t seq, ad;
		m = ext_begin(w, "1.3.6.1.5.5.7.1.1", false);
		seq = dw_begin(w, 0x30);
		if (ca->ocsp) {
			ad = dw_begin(w, 0x30);
			dw_oid(w, "1.3.6.1.5.5.7.48.1");
			dw_prim(w, 0x86, ca->ocsp, strlen(ca->ocsp));
			dw_end(w, ad);
		}
		if (ca->ca_issuers) {
			ad = dw_begin(w, 0x30);
			dw_oid(w, "1.3.6.1.5.5.7.48.2");
			dw_prim(w, 0x86, ca->ca_issuers, strlen(ca->ca_issuers));
			dw_end(w, ad);
		}
		dw_end(w, seq);
		ext_end(w, m);
	}
	ci->aia = save(w, s);
	s = w->len;
	if (ca->crl) {
		size_t seq, dp, dpn, full;
		m = ext_begin(w, "2.5.29.31", false);
		seq = dw_begin(w, 0x30);
		dp = dw_begin(w, 0x30);
		dpn = dw_begin(w, 0xa0);
		full = dw_begin(w, 0xa0);
		dw_prim(w, 0x86, ca->crl, strlen(ca->crl));
		dw_end(w, full);
		dw_end(w, dpn);
		dw_end(w, dp);
		if (strstr(ca->crl, "crl3.digicert.com")) { /* DigiCert lists a second CRL host */
			char alt[256];
			snprintf(alt, sizeof alt, "%s", ca->crl);
			memcpy(strstr(alt, "crl3"), "crl4", 4);
			dp = dw_begin(w, 0x30);
			dpn = dw_begin(w, 0xa0);
			full = dw_begin(w, 0xa0);
			dw_prim(w, 0x86, alt, strlen(alt));
			dw_end(w, full);
			dw_end(w, dpn);
			dw_end(w, dp);
		}
		dw_end(w, seq);
		ext_end(w, m);
	}
	ci->crl = save(w, s);
	s = w->len;
	if (ca->policy) {
		size_t seq, pi, quals, q;
		m = ext_begin(w, "2.5.29.32", false);
		seq = dw_begin(w, 0x30);
		pi = dw_begin(w, 0x30);
		dw_oid(w, ca->policy);
		if (ca->cps) {
			quals = dw_begin(w, 0x30);
			q = dw_begin(w, 0x30);
			dw_oid(w, "1.3.6.1.5.5.7.2.1");
			dw_prim(w, 0x16, ca->cps, strlen(ca->cps));
			dw_end(w, q);
			dw_end(w, quals);
		}
		dw_end(w, pi);
		if (ca->policy2) {
			pi = dw_begin(w, 0x30);
			dw_oid(w, ca->policy2);
			dw_end(w, pi);
		}
		dw_end(w, seq);
		ext_end(w, m);
	}
	ci->policies = save(w, s);
}

static void build_const(gen_ctx *g, dw *w)
{
	size_t s, seq;
	ext_mark m;

	s = w->len;
	m = ext_begin(w, "2.5.29.15", true);
	dw_raw(w, "\x03\x02\x05\xa0", 4); /* digitalSignature, keyEncipherment */
	ext_end(w, m);
	g->ku_rsa = save(w, s);
	s = w->len;
	m = ext_begin(w, "2.5.29.15", true);
	dw_raw(w, "\x03\x02\x07\x80", 4); /* digitalSignature */
	ext_end(w, m);
	g->ku_ec = save(w, s);
	s = w->len;
	m = ext_begin(w, "2.5.29.15", true);
	dw_raw(w, "\x03\x02\x01\x86", 4); /* digitalSignature, keyCertSign, cRLSign */
	ext_end(w, m);
	g->ku_ca = save(w, s);
	s = w->len;
	m = ext_begin(w, "2.5.29.37", false);
	seq = dw_begin(w, 0x30);
	dw_oid(w, "1.3.6.1.5.5.7.3.1");
	dw_oid(w, "1.3.6.1.5.5.7.3.2");
	dw_end(w, seq);
	ext_end(w, m);
	g->eku = save(w, s);
	s = w->len;
	m = ext_begin(w, "2.5.29.19", true);
	dw_raw(w, "\x30\x00", 2);
	ext_end(w, m);
	g->bc_leaf = save(w, s);
	s = w->len;
	m = ext_begin(w, "2.5.29.19", true);
	dw_raw(w, "\x30\x03\x01\x01\xff", 5);
	ext_end(w, m);
	g->bc_ca = save(w, s);
	s = w->len;
	m = ext_begin(w, "1.3.6.1.4.1.11129.2.4.3", true);
	dw_raw(w, "\x05\x00", 2);
	ext_end(w, m);
	g->poison = save(w, s);
	s = w->len;
	dw_oid(w, "1.3.6.1.4.1.11129.2.4.2");
	g->sct_oid = save(w, s);
}

int gen_ctx_init(gen_ctx *g, const gen_keypool *keys, const gen_domains *doms)
{
	memset(g, 0, sizeof *g);
	g->keys = keys;
	g->doms = doms;
	dw_init(&g->blobs, 16384);
	build_const(g, &g->blobs);
	g->num_cas = NUM_CAS;
	for (size_t i = 0; i < NUM_CAS; i++) {
		build_ca(&g->cas[i], &CAS[i], i, &g->blobs);
		g->ca_weight_total += CAS[i].weight;
	}
	for (size_t i = 0; i < NUM_LOGS; i++)
		if (ch_base64_decode(g->log_ids[i], 32, LOG_IDS[i], strlen(LOG_IDS[i])) != 32)
			return -1;
	/* Per key: the SKI extension, so leaves only copy it. */
	g->ski_ext = calloc(keys->num_keys, sizeof *g->ski_ext);
	if (!g->ski_ext)
		return -1;
	for (size_t i = 0; i < keys->num_keys; i++) {
		size_t s = g->blobs.len;
		ext_mark m = ext_begin(&g->blobs, "2.5.29.14", false);
		dw_prim(&g->blobs, 0x04, keys->keys[i].ski, 20);
		ext_end(&g->blobs, m);
		g->ski_ext[i] = save(&g->blobs, s);
	}
	dw_init(&g->subject, 4096);
	return 0;
}

void gen_ctx_free(gen_ctx *g)
{
	dw_free(&g->blobs);
	dw_free(&g->subject);
	free(g->ski_ext);
}

static void put_blob(dw *w, const gen_ctx *g, gen_blob b)
{
	dw_raw(w, g->blobs.p + b.off, b.len);
}

/* Country, state and city for an OV/EV subject, chosen by the domain's suffix. */
static void locality(const char *domain, const char **c, const char **st, const char **l)
{
	static const struct {
		const char *suffix, *c, *st, *l;
	} T[] = {
		{".de", "DE", "Bayern", "München"}, {".fr", "FR", "Île-de-France", "Paris"},
		{".co.uk", "GB", "England", "London"}, {".co.jp", "JP", "Tokyo", "Minato-ku"},
		{".com.br", "BR", "São Paulo", "São Paulo"}, {".com.au", "AU", "New South Wales", "Sydney"},
		{".ca", "CA", "Ontario", "Toronto"}, {".it", "IT", "Lombardia", "Milano"},
		{".nl", "NL", "Noord-Holland", "Amsterdam"}, {".ch", "CH", "Zürich", "Zürich"},
	};
	size_t dl = strlen(domain);

	for (size_t i = 0; i < sizeof T / sizeof T[0]; i++) {
		size_t sl = strlen(T[i].suffix);
		if (dl > sl && memcmp(domain + dl - sl, T[i].suffix, sl) == 0) {
			*c = T[i].c, *st = T[i].st, *l = T[i].l;
			return;
		}
	}
	*c = "US", *st = "California", *l = "San Francisco";
}

/* Build the subject Name of an issuance into g->subject. */
static void build_subject(gen_ctx *g, gen_issuance *is, gen_rng *r)
{
	dw *w = &g->subject;
	const char *dom = g->doms->arena + g->doms->off[is->sans->primary];
	const char *cn = is->sans->num ? is->sans->names[0] : dom;
	size_t cnl = is->sans->num ? is->sans->name_len[0] : strlen(dom);
	char org[256];
	const char *c, *st, *l;
	size_t name;

	w->len = 0;
	name = dw_begin(w, 0x30);
	switch (is->ca->style) {
	case STYLE_DV:
		put_attr(w, "CN", cn, cnl);
		break;
	case STYLE_EV: {
		char num[16];
		snprintf(num, sizeof num, "%u", (unsigned)(gen_hash64(is->sans->primary) % 9000000 + 1000000));
		locality(dom, &c, &st, &l);
		put_attr(w, "jurisdictionC", c, 2);
		put_attr(w, "businessCategory", "Private Organization", 20);
		put_attr(w, "serialNumber", num, strlen(num));
	}
		/* fall through */
	case STYLE_OV:
		locality(dom, &c, &st, &l);
		put_attr(w, "C", c, 2);
		put_attr(w, "ST", st, strlen(st));
		put_attr(w, "L", l, strlen(l));
		put_attr(w, "O", org, gen_org_name(org, sizeof org, g->doms, is->sans->primary, r));
		put_attr(w, "CN", cn, cnl);
		break;
	case STYLE_PRIVATE: {
		static const char *const OU[] = {"IT Infrastructure", "Platform Engineering", "Corporate IT",
						 "R&D", "Network Operations"};
		const char *ou = OU[gen_below(r, 5)];
		put_attr(w, "C", "US", 2);
		put_attr(w, "O", "ExampleCorp", 11);
		put_attr(w, "OU", ou, strlen(ou));
		put_attr(w, "CN", cn, cnl);
		break;
	}
	case STYLE_SELF:
		switch (is->self_variant) {
		case 0:
			put_attr(w, "CN", cn, cnl);
			break;
		case 1: /* openssl req's defaults */
			put_attr(w, "C", "AU", 2);
			put_attr(w, "ST", "Some-State", 10);
			put_attr(w, "O", "Internet Widgits Pty Ltd", 24);
			put_attr(w, "CN", cn, cnl);
			break;
		case 2: /* Go's crypto/tls generate_cert */
			put_attr(w, "O", "Acme Co", 7);
			break;
		default: {
			char email[GEN_NAME_MAX + 8];
			int n = snprintf(email, sizeof email, "admin@%s", dom);
			locality(dom, &c, &st, &l);
			put_attr(w, "C", c, 2);
			put_attr(w, "ST", st, strlen(st));
			put_attr(w, "L", l, strlen(l));
			put_attr(w, "O", org, gen_org_name(org, sizeof org, g->doms, is->sans->primary, r));
			put_attr(w, "OU", "IT", 2);
			put_attr(w, "CN", cn, cnl);
			put_attr(w, "emailAddress", email, (size_t)n);
			break;
		}
		}
		break;
	}
	dw_end(w, name);
}

const gen_ca *gen_pick_ca(const gen_ctx *g, gen_rng *r, size_t *out_idx)
{
	uint64_t x = gen_below(r, g->ca_weight_total);

	for (size_t i = 0; i < g->num_cas; i++) {
		if (x < g->cas[i].ca->weight) {
			*out_idx = i;
			return g->cas[i].ca;
		}
		x -= g->cas[i].ca->weight;
	}
	*out_idx = 0;
	return g->cas[0].ca;
}

/* 2023-01-01 .. 2026-01-01: the span notBefore dates are drawn from. */
#define NB_FROM 1672531200
#define NB_SPAN (3 * 365 * 86400)

void gen_issuance_make(gen_ctx *g, gen_issuance *is, gen_rng *r)
{
	const gen_keypool *kp = g->keys;
	size_t ci, count, kind, stable;

	is->ca = gen_pick_ca(g, r, &ci);
	is->issuer = &g->cas[ci];
	count = gen_san_count(r);
	gen_sans_make(is->sans, g->doms, r, count, count >= 4 && gen_chance(r, is->ca->multi_domain));
	if (is->ca->style == STYLE_PRIVATE && gen_chance(r, 0.3)) {
		uint8_t *ip = is->sans->ips[is->sans->num_ips];
		ip[0] = 10, ip[1] = (uint8_t)gen_below(r, 256), ip[2] = (uint8_t)gen_below(r, 256);
		ip[3] = (uint8_t)(1 + gen_below(r, 254));
		is->sans->ip_len[is->sans->num_ips++] = 4;
	}
	is->self_variant = (int)gen_below(r, 4);
	if (is->ca->style == STYLE_SELF && gen_chance(r, 0.25)) {
		static const uint8_t V6_LOOPBACK[16] = {[15] = 1};
		uint8_t *ip = is->sans->ips[is->sans->num_ips];
		ip[0] = 192, ip[1] = 168, ip[2] = (uint8_t)gen_below(r, 256), ip[3] = 1;
		is->sans->ip_len[is->sans->num_ips++] = 4;
		memcpy(is->sans->ips[is->sans->num_ips], V6_LOOPBACK, 16);
		is->sans->ip_len[is->sans->num_ips++] = 16;
	}
	/* The subject key: the CA's usual key type; a domain tends to keep its key across renewals. */
	if (gen_below(r, 100) < is->ca->ec_pct)
		kind = gen_chance(r, 0.85) ? GEN_P256 : GEN_P384;
	else
		kind = gen_chance(r, 0.92) ? GEN_RSA2048 : GEN_RSA4096;
	stable = gen_hash64(is->sans->primary * 31 + kind) % kp->num_by_kind[kind];
	is->key = kp->by_kind[kind][gen_chance(r, 0.6) ? stable : gen_below(r, kp->num_by_kind[kind])];
	is->serial_len = is->ca->serial_len;
	gen_fill(r, is->serial, is->serial_len);
	is->serial[0] &= 0x7f;
	if (is->serial[0] == 0)
		is->serial[0] = 0x01;
	is->not_before = NB_FROM + (int64_t)gen_below(r, NB_SPAN);
	if (is->ca->style == STYLE_SELF) {
		static const int64_t DAYS[] = {365, 825, 3650, 36500};
		is->not_after = is->not_before + DAYS[gen_below(r, 4)] * 86400;
		is->self_ca = gen_chance(r, 0.5);
	} else {
		is->not_after = is->not_before + (int64_t)is->ca->days * 86400 - 1;
		is->self_ca = false;
	}
	is->sct_ms = ((uint64_t)is->not_before + 3600) * 1000 + gen_below(r, 60000);
	for (size_t i = 0; i < is->ca->nscts; i++) {
		size_t pick;
		bool dup;
		do {
			pick = gen_below(r, NUM_LOGS);
			dup = false;
			for (size_t j = 0; j < i; j++)
				dup |= is->sct_logs[j] == pick;
		} while (dup);
		is->sct_logs[i] = pick;
	}
	build_subject(g, is, r);
}

/* An ECDSA-Sig-Value with random r and s of the curve's size. */
static void put_ecdsa_sig(dw *w, gen_rng *r, size_t n)
{
	uint8_t v[48];
	size_t seq = dw_begin(w, 0x30);

	gen_fill(r, v, n);
	dw_uint(w, v, n);
	gen_fill(r, v, n);
	dw_uint(w, v, n);
	dw_end(w, seq);
}

/* The embedded SCT list (RFC 6962 3.3): OCTET STRING wrapping the TLS-encoded list. */
static void put_sct_ext(dw *w, const gen_ctx *g, const gen_issuance *is, gen_rng *r)
{
	size_t seq = dw_begin(w, 0x30), oct, inner, list_at;
	uint8_t sig[80];

	put_blob(w, g, g->sct_oid);
	oct = dw_begin(w, 0x04);
	inner = dw_begin(w, 0x04);
	list_at = w->len;
	dw_raw(w, "\0\0", 2);
	for (size_t i = 0; i < is->ca->nscts; i++) {
		size_t sct_at = w->len, sig_at;
		uint64_t ts = is->sct_ms + i * 37;
		uint8_t tsb[8];
		dw sw = {sig, 0, sizeof sig};

		dw_raw(w, "\0\0\0", 3); /* length, version v1 */
		dw_raw(w, g->log_ids[is->sct_logs[i]], 32);
		for (int b = 0; b < 8; b++)
			tsb[b] = (uint8_t)(ts >> (56 - 8 * b));
		dw_raw(w, tsb, 8);
		dw_raw(w, "\0\0\x04\x03\0\0", 6); /* no extensions, sha256/ecdsa, sig length */
		sig_at = w->len;
		put_ecdsa_sig(&sw, r, 32);
		dw_raw(w, sig, sw.len);
		w->p[sig_at - 2] = (uint8_t)(sw.len >> 8);
		w->p[sig_at - 1] = (uint8_t)sw.len;
		w->p[sct_at] = (uint8_t)((w->len - sct_at - 2) >> 8);
		w->p[sct_at + 1] = (uint8_t)(w->len - sct_at - 2);
	}
	w->p[list_at] = (uint8_t)((w->len - list_at - 2) >> 8);
	w->p[list_at + 1] = (uint8_t)(w->len - list_at - 2);
	dw_end(w, inner);
	dw_end(w, oct);
	dw_end(w, seq);
}

static void put_san_ext(dw *w, const gen_sans *s)
{
	size_t ext = dw_begin(w, 0x30), oct, seq;

	dw_raw(w, "\x06\x03\x55\x1d\x11", 5); /* subjectAltName */
	oct = dw_begin(w, 0x04);
	seq = dw_begin(w, 0x30);

	for (size_t i = 0; i < s->num; i++)
		dw_prim(w, 0x82, s->names[i], s->name_len[i]);
	for (size_t i = 0; i < s->num_ips; i++)
		dw_prim(w, 0x87, s->ips[i], s->ip_len[i]);
	dw_end(w, seq);
	dw_end(w, oct);
	dw_end(w, ext);
}

void gen_cert_encode(gen_ctx *g, const gen_issuance *is, gen_ct_mode mode, dw *w, gen_rng *r)
{
	const gen_key *key = &g->keys->keys[is->key];
	const gen_issuer *ci = is->issuer;
	bool self = is->ca->style == STYLE_SELF;
	gen_key_kind signer = self ? key->kind : is->ca->ca_key;
	bool ec_key = key->kind == GEN_P256 || key->kind == GEN_P384;
	size_t cert, tbs, exts, list;
	const uint8_t *sigalg;
	size_t sigalg_len;

	if (signer == GEN_P256)
		sigalg = SIG_ECDSA_SHA256, sigalg_len = sizeof SIG_ECDSA_SHA256;
	else if (signer == GEN_P384)
		sigalg = SIG_ECDSA_SHA384, sigalg_len = sizeof SIG_ECDSA_SHA384;
	else
		sigalg = SIG_RSA_SHA256, sigalg_len = sizeof SIG_RSA_SHA256;

	w->len = 0;
	cert = dw_begin(w, 0x30);
	tbs = dw_begin(w, 0x30);
	dw_raw(w, "\xa0\x03\x02\x01\x02", 5); /* version v3 */
	dw_uint(w, is->serial, is->serial_len);
	dw_raw(w, sigalg, sigalg_len);
	if (self)
		dw_raw(w, g->subject.p, g->subject.len);
	else
		put_blob(w, g, ci->issuer);
	{
		size_t v = dw_begin(w, 0x30);
		dw_time(w, is->not_before);
		dw_time(w, is->not_after);
		dw_end(w, v);
	}
	dw_raw(w, g->subject.p, g->subject.len);
	dw_raw(w, key->spki, key->spki_len);
	exts = dw_begin(w, 0xa3);
	list = dw_begin(w, 0x30);
	if (self) {
		put_blob(w, g, is->self_ca ? g->ku_ca : ec_key ? g->ku_ec : g->ku_rsa);
		if (!is->self_ca)
			put_blob(w, g, g->eku);
		put_blob(w, g, is->self_ca ? g->bc_ca : g->bc_leaf);
		put_blob(w, g, g->ski_ext[is->key]);
		put_san_ext(w, is->sans);
	} else if (is->ca->le_order) {
		put_blob(w, g, ec_key ? g->ku_ec : g->ku_rsa);
		put_blob(w, g, g->eku);
		put_blob(w, g, g->bc_leaf);
		put_blob(w, g, g->ski_ext[is->key]);
		put_blob(w, g, ci->aki);
		put_blob(w, g, ci->aia);
		put_san_ext(w, is->sans);
		put_blob(w, g, ci->policies);
		put_blob(w, g, ci->crl);
	} else {
		put_blob(w, g, ci->aki);
		put_blob(w, g, g->ski_ext[is->key]);
		put_san_ext(w, is->sans);
		put_blob(w, g, ec_key ? g->ku_ec : g->ku_rsa);
		put_blob(w, g, g->eku);
		put_blob(w, g, ci->crl);
		put_blob(w, g, ci->policies);
		put_blob(w, g, ci->aia);
		put_blob(w, g, g->bc_leaf);
	}
	if (mode == GEN_PRECERT)
		put_blob(w, g, g->poison);
	else if (mode == GEN_FINAL)
		put_sct_ext(w, g, is, r);
	dw_end(w, list);
	dw_end(w, exts);
	dw_end(w, tbs);
	dw_raw(w, sigalg, sigalg_len);
	{
		size_t bits = dw_begin(w, 0x03);
		dw_byte(w, 0);
		if (signer == GEN_P256 || signer == GEN_P384) {
			put_ecdsa_sig(w, r, signer == GEN_P256 ? 32 : 48);
		} else {
			size_t n = signer == GEN_RSA4096 ? 512 : 256;
			dw_reserve(w, n);
			gen_fill(r, w->p + w->len, n);
			w->len += n;
		}
		dw_end(w, bits);
	}
	dw_end(w, cert);
}

void gen_fill(gen_rng *r, uint8_t *out, size_t n)
{
	while (n >= 8) {
		uint64_t x = gen_next(r);
		memcpy(out, &x, 8);
		out += 8;
		n -= 8;
	}
	if (n) {
		uint64_t x = gen_next(r);
		memcpy(out, &x, n);
	}
}
