/* gen_world — the demo world for `certhound pivot`: a few thousand certificates from a realistic
 * Internet with two adversary campaigns planted in it, and the ground truth.
 *
 *   gen_world --out DIR [--seed S] [--ct-log] [--quiet]
 *
 * Writes DIR/certs/ct-sample-NN.pem (PEM bundles, the certificates shuffled so the campaigns are
 * spread among the rest) and DIR/truth.json (the campaigns' members, the shared certificates
 * planted as noise). With --ct-log it also writes the same certificates, in the same order, as a
 * local static-ct-api log in DIR/ct-log (ct_writer.h; entry timestamps one hour after each
 * certificate's notBefore; origin CH_WORLD_LOG_ORIGIN; the signing key is DIR/ct-log-key.pem,
 * made on the first run, the public key DIR/ct-log/key.pem), for `certhound ct sync --tiled
 * --key DIR/ct-log/key.pem --origin ORIGIN file://DIR/ct-log`. The same seed gives
 * byte-identical certificate files: keys are derived from the seed
 * (EC P-256/P-384 points computed with OpenSSL from seeded scalars; RSA moduli are seeded random
 * odd numbers, not real keys), and, as in gen_corpus, nothing is signed — the signature is random
 * bytes of the right length. Certificates are encoded by the corpus generator (gen_cert.c: the
 * issuing CA profiles, extensions, SCT lists); this file only decides who gets which certificate.
 *
 * The world (docs/pivot.md "The demo world"):
 *  - ~1400 small sites with Let's Encrypt / Google Trust Services / ZeroSSL / Sectigo / Amazon DV
 *    certificates, renewed every 60 days, some keeping their key across renewals;
 *  - ~30 companies with DigiCert OV/EV certificates (a shared subject O over their domains),
 *    among them the bank the first campaign imitates;
 *  - Cloudflare-style shared certificates (sniNNNNN.cloudflaressl.com) with 80-300 SANs;
 *  - shared-hosting certificates: one server name plus a dozen to thirty customer domains;
 *  - cloud platforms (*.cloudfront.net, *.herokuapp.com, *.azurewebsites.net, *.github.io,
 *    *.netlify.app, *.vercel.app), a platform key kept across rotations;
 *  - self-signed appliances and test servers with tool defaults ("Internet Widgits Pty Ltd",
 *    "Default Company Ltd", "Acme Co", private IPs) and a private corporate CA.
 * Campaign A (phishing, "Northwind Bank" look-alikes): one RSA key reused on Let's Encrypt,
 * ZeroSSL and GTS certificates for look-alike domains, one of which sits on a Cloudflare shared
 * certificate and one on a shared-hosting certificate; a later certificate with a new key for a
 * domain already on a reused-key certificate.
 * Campaign B (C2): self-signed certificates with a default-looking subject (C=XX, L=Default
 * City, O=Default Company Ltd) plus odd fields the operator kept everywhere (an OU and, on some,
 * an e-mail address), some sharing a subject (and so an issuer) DN, public IPs in the SAN. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include <certhound/ct_writer.h>
#include <certhound/names.h>
#include <certhound/util.h>

#include "gen.h"
#include "gen_cert.h"

#define WORLD_FILES 8
#define CH_WORLD_LOG_ORIGIN "demo-world.certhound.example/log"
#define DAY 86400
#define T0 1735689600 /* 2025-01-01: the world's first issuance */

/* ---- names ---------------------------------------------------------------------------------- */

static const char *const ADJ[] = {
	"blue", "red", "green", "silver", "golden", "quiet", "bright", "swift", "north", "south",
	"little", "grand", "urban", "happy", "lucky", "wild", "crystal", "iron", "cedar", "maple",
	"oak", "pine", "river", "lake", "stone", "sunny", "misty", "royal", "prime", "smart", "fresh",
	"bold", "clever", "modern", "classic", "alpine", "coastal", "rapid", "solar", "lunar", "polar",
	"velvet", "amber", "coral", "ivory", "copper", "hidden", "open", "orchard", "harbor",
};
static const char *const NOUN[] = {
	"bakery", "studio", "garden", "market", "labs", "works", "media", "travel", "dental",
	"fitness", "coffee", "books", "design", "motors", "apparel", "kitchen", "pets", "consulting",
	"legal", "farm", "brewing", "cycles", "photo", "music", "games", "health", "realty", "tutors",
	"florist", "outfitters", "yoga", "printing", "hardware", "logistics", "energy", "solutions",
	"systems", "analytics", "cloud", "software", "partners", "clinic", "academy", "foods", "wines",
	"crafts", "homes", "tours", "events", "supply",
};
#define N_ADJ (sizeof ADJ / sizeof ADJ[0])
#define N_NOUN (sizeof NOUN / sizeof NOUN[0])

static const struct {
	const char *tld;
	unsigned w;
} TLDS[] = {
	{"com", 480}, {"net", 60}, {"org", 60}, {"io", 40}, {"de", 50}, {"co.uk", 40}, {"fr", 30},
	{"nl", 25}, {"app", 20}, {"dev", 15}, {"shop", 15}, {"xyz", 20}, {"info", 20}, {"ca", 25},
	{"com.au", 25}, {"it", 20}, {"es", 20}, {"eu", 15},
};
#define N_TLDS (sizeof TLDS / sizeof TLDS[0])

static const char *const SUBS[] = {"mail", "api", "shop", "blog", "app", "portal", "cdn", "m",
				   "webmail", "status", "docs", "support"};
#define N_SUBS (sizeof SUBS / sizeof SUBS[0])

/* ---- the world's state ---------------------------------------------------------------------- */

typedef struct planted {
	char sha[65];
	char *tag;      /* "A", "B" or a noise class */
	char *names;    /* JSON array text */
	char *domains;  /* JSON array text */
	char *ips;      /* JSON array text */
	char *note;
} planted;

typedef struct world {
	gen_rng r;
	gen_keypool kp;
	size_t next_key[GEN_KEY_KINDS];
	gen_domains nodoms;
	gen_ctx g;
	gen_sans *sans;
	ch_names *names;
	/* the certificate being built */
	const char *attr_name[12];
	char attr_val[12][256];
	size_t num_attrs;
	char doms[GEN_MAX_SANS][256]; /* registrable domains of the SAN list */
	size_t num_doms;
	/* output */
	char **pem;             /* every certificate's PEM block, shuffled before writing */
	uint8_t **ders;         /* and its DER (length in der_len), for the CT log */
	size_t *der_len;
	int64_t *nb;            /* its notBefore */
	size_t num_pem, cap_pem;
	planted *pl;
	size_t num_pl, cap_pl;
	dw der;
	char *b64;
	/* benign domains */
	char (*site)[64];
	size_t num_sites;
} world;

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n);

	if (!q) {
		fprintf(stderr, "gen_world: out of memory\n");
		exit(1);
	}
	return q;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d) {
		fprintf(stderr, "gen_world: out of memory\n");
		exit(1);
	}
	return d;
}

/* ---- deterministic keys --------------------------------------------------------------------- */

static void ski_of(gen_key *k)
{
	/* the subjectPublicKey bits are the SPKI's last element: skip to the BIT STRING */
	const uint8_t *p = k->spki;
	size_t n = k->spki_len, i = 0, len;

	i += 1 + ((p[1] & 0x80) ? 1 + (p[1] & 0x7f) : 1); /* outer SEQUENCE header */
	len = p[i + 1];                                   /* AlgorithmIdentifier (short form) */
	i += 2 + len;
	i += 1 + ((p[i + 1] & 0x80) ? 1 + (p[i + 1] & 0x7f) : 1); /* BIT STRING header */
	EVP_Digest(p + i + 1, n - i - 1, k->ski, NULL, EVP_sha1(), NULL);
}

static int ec_key(gen_key *k, gen_rng *r, gen_key_kind kind)
{
	static const uint8_t P256[] = {0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01,
				       0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
	static const uint8_t P384[] = {0x30, 0x10, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02,
				       0x01, 0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
	bool p256 = kind == GEN_P256;
	EC_GROUP *grp = EC_GROUP_new_by_curve_name(p256 ? NID_X9_62_prime256v1 : NID_secp384r1);
	EC_POINT *pt = grp ? EC_POINT_new(grp) : NULL;
	BIGNUM *d = BN_new();
	uint8_t scalar[48], point[97];
	size_t flen = p256 ? 32 : 48, plen;
	dw w;
	int rc = -1;

	if (!grp || !pt || !d)
		goto out;
	gen_fill(r, scalar, flen);
	scalar[0] &= 0x7f; /* below the group order */
	scalar[0] |= 0x01;
	if (!BN_bin2bn(scalar, (int)flen, d) || !EC_POINT_mul(grp, pt, d, NULL, NULL, NULL))
		goto out;
	plen = EC_POINT_point2oct(grp, pt, POINT_CONVERSION_UNCOMPRESSED, point, sizeof point, NULL);
	if (plen != 2 * flen + 1)
		goto out;
	dw_init(&w, 160);
	{
		size_t seq = dw_begin(&w, 0x30), bits;
		dw_raw(&w, p256 ? P256 : P384, p256 ? sizeof P256 : sizeof P384);
		bits = dw_begin(&w, 0x03);
		dw_byte(&w, 0);
		dw_raw(&w, point, plen);
		dw_end(&w, bits);
		dw_end(&w, seq);
	}
	k->kind = kind;
	k->spki = w.p;
	k->spki_len = w.len;
	ski_of(k);
	rc = 0;
out:
	BN_free(d);
	EC_POINT_free(pt);
	EC_GROUP_free(grp);
	return rc;
}

static int rsa_key(gen_key *k, gen_rng *r, gen_key_kind kind)
{
	static const uint8_t ALG[] = {0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7,
				      0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};
	size_t n = kind == GEN_RSA4096 ? 512 : 256;
	uint8_t mod[512];
	dw w;

	gen_fill(r, mod, n);
	mod[0] |= 0xc0; /* a full-length modulus */
	mod[n - 1] |= 0x01;
	dw_init(&w, n + 64);
	{
		size_t seq = dw_begin(&w, 0x30), bits, pub;
		dw_raw(&w, ALG, sizeof ALG);
		bits = dw_begin(&w, 0x03);
		dw_byte(&w, 0);
		pub = dw_begin(&w, 0x30);
		dw_uint(&w, mod, n);
		dw_raw(&w, "\x02\x03\x01\x00\x01", 5);
		dw_end(&w, pub);
		dw_end(&w, bits);
		dw_end(&w, seq);
	}
	k->kind = kind;
	k->spki = w.p;
	k->spki_len = w.len;
	ski_of(k);
	return 0;
}

/* keys_make fills the pool with `per_kind` keys of each kind, all derived from the seed. */
static int keys_make(gen_keypool *kp, gen_rng *r, const size_t per_kind[GEN_KEY_KINDS])
{
	size_t total = 0, at = 0;

	for (int k = 0; k < GEN_KEY_KINDS; k++)
		total += per_kind[k];
	memset(kp, 0, sizeof *kp);
	kp->keys = calloc(total, sizeof *kp->keys);
	if (!kp->keys)
		return -1;
	for (int k = 0; k < GEN_KEY_KINDS; k++) {
		kp->by_kind[k] = calloc(per_kind[k] ? per_kind[k] : 1, sizeof(size_t));
		if (!kp->by_kind[k])
			return -1;
		for (size_t i = 0; i < per_kind[k]; i++, at++) {
			int rc = k == GEN_P256 || k == GEN_P384 ? ec_key(&kp->keys[at], r, (gen_key_kind)k)
								 : rsa_key(&kp->keys[at], r, (gen_key_kind)k);
			if (rc)
				return -1;
			kp->by_kind[k][kp->num_by_kind[k]++] = at;
		}
	}
	kp->num_keys = total;
	return 0;
}

/* new_key hands out the next unused key of a kind. */
static size_t new_key(world *w, gen_key_kind kind)
{
	if (w->next_key[kind] >= w->kp.num_by_kind[kind]) {
		fprintf(stderr, "gen_world: key pool exhausted\n");
		exit(1);
	}
	return w->kp.by_kind[kind][w->next_key[kind]++];
}

/* key_for draws a key of the kind a CA's customers usually have. */
static size_t key_for(world *w, const gen_ca *ca)
{
	gen_key_kind kind;

	if (gen_below(&w->r, 100) < ca->ec_pct)
		kind = gen_chance(&w->r, 0.85) ? GEN_P256 : GEN_P384;
	else
		kind = gen_chance(&w->r, 0.95) ? GEN_RSA2048 : GEN_RSA4096;
	return new_key(w, kind);
}

/* ---- building one certificate --------------------------------------------------------------- */

static const gen_issuer *issuer(world *w, const char *label)
{
	for (size_t i = 0; i < w->g.num_cas; i++)
		if (!strcmp(w->g.cas[i].ca->label, label))
			return &w->g.cas[i];
	fprintf(stderr, "gen_world: no CA profile '%s' in gen_cert.c\n", label);
	exit(1);
}

static void cert_begin(world *w)
{
	w->sans->num = 0;
	w->sans->num_ips = 0;
	w->sans->wildcard = false;
	w->sans->primary = 0;
	w->num_attrs = 0;
	w->num_doms = 0;
}

/* san adds a DNS name and records its registrable domain. */
static void san(world *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void san(world *w, const char *fmt, ...)
{
	gen_sans *s = w->sans;
	const char *reg;
	char name[GEN_NAME_MAX];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(name, sizeof name, fmt, ap);
	va_end(ap);
	if (n <= 0 || n >= GEN_NAME_MAX || s->num >= GEN_MAX_SANS)
		return;
	memcpy(s->names[s->num], name, (size_t)n + 1);
	s->name_len[s->num++] = (uint8_t)n;
	if (name[0] == '*')
		s->wildcard = true;
	reg = ch_names_registered_domain(w->names, name[0] == '*' ? name + 2 : name);
	if (!reg)
		return;
	for (size_t i = 0; i < w->num_doms; i++)
		if (!strcmp(w->doms[i], reg))
			return;
	snprintf(w->doms[w->num_doms++], sizeof w->doms[0], "%s", reg);
}

static void san_ip(world *w, unsigned a, unsigned b, unsigned c, unsigned d)
{
	gen_sans *s = w->sans;
	uint8_t *ip = s->ips[s->num_ips];

	if (s->num_ips >= 4)
		return;
	ip[0] = (uint8_t)a, ip[1] = (uint8_t)b, ip[2] = (uint8_t)c, ip[3] = (uint8_t)d;
	s->ip_len[s->num_ips++] = 4;
}

static void subj(world *w, const char *attr, const char *value)
{
	if (w->num_attrs >= 12)
		return;
	w->attr_name[w->num_attrs] = attr;
	snprintf(w->attr_val[w->num_attrs++], sizeof w->attr_val[0], "%s", value);
}

static const struct {
	const char *name, *oid;
	uint8_t tag; /* 0: PrintableString when possible, else UTF8String */
} ATTR_OIDS[] = {
	{"C", "2.5.4.6", 0x13}, {"ST", "2.5.4.8", 0}, {"L", "2.5.4.7", 0}, {"O", "2.5.4.10", 0},
	{"OU", "2.5.4.11", 0}, {"CN", "2.5.4.3", 0}, {"serialNumber", "2.5.4.5", 0x13},
	{"businessCategory", "2.5.4.15", 0}, {"jurisdictionC", "1.3.6.1.4.1.311.60.2.1.3", 0x13},
	{"emailAddress", "1.2.840.113549.1.9.1", 0x16},
};

static bool printable(const char *s)
{
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		      strchr(" '()+,-./:=?", *s)))
			return false;
	return true;
}

/* subject_encode writes the subject Name into the encoder's g.subject. */
static void subject_encode(world *w)
{
	dw *d = &w->g.subject;
	size_t name;

	d->len = 0;
	name = dw_begin(d, 0x30);
	for (size_t i = 0; i < w->num_attrs; i++) {
		size_t k = 0, set, seq;
		while (strcmp(ATTR_OIDS[k].name, w->attr_name[i]))
			k++;
		set = dw_begin(d, 0x31);
		seq = dw_begin(d, 0x30);
		dw_oid(d, ATTR_OIDS[k].oid);
		dw_prim(d, ATTR_OIDS[k].tag ? ATTR_OIDS[k].tag : printable(w->attr_val[i]) ? 0x13 : 0x0c,
			w->attr_val[i], strlen(w->attr_val[i]));
		dw_end(d, seq);
		dw_end(d, set);
	}
	dw_end(d, name);
}

/* json_list appends `"a","b"` for n strings to a growable text. */
static char *json_list(char (*items)[256], size_t n)
{
	size_t cap = 16, len = 0;
	char *out = xrealloc(NULL, cap);

	out[len++] = '[';
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(items[i]);
		if (len + l + 8 > cap) {
			cap = 2 * (len + l + 8);
			out = xrealloc(out, cap);
		}
		len += (size_t)sprintf(out + len, "%s\"%s\"", i ? "," : "", items[i]);
	}
	out[len++] = ']';
	out[len] = '\0';
	return out;
}

/* plant records a certificate of the ground truth (a campaign member or a noise certificate). */
static void plant(world *w, const char *sha, const char *tag, const char *note)
{
	planted *p;
	char (*tmp)[256] = xrealloc(NULL, (GEN_MAX_SANS + 4) * sizeof *tmp);
	size_t n;

	if (w->num_pl == w->cap_pl) {
		w->cap_pl = w->cap_pl ? 2 * w->cap_pl : 64;
		w->pl = xrealloc(w->pl, w->cap_pl * sizeof *w->pl);
	}
	p = &w->pl[w->num_pl++];
	memcpy(p->sha, sha, 65);
	p->tag = xstrdup(tag);
	p->note = xstrdup(note ? note : "");
	/* host names as the store lists them: SAN dNSNames without wildcards, plus a host-like CN */
	n = 0;
	for (size_t i = 0; i < w->sans->num; i++)
		if (w->sans->names[i][0] != '*')
			memcpy(tmp[n++], w->sans->names[i], (size_t)w->sans->name_len[i] + 1);
	for (size_t i = 0; i < w->num_attrs; i++) {
		const char *cn = w->attr_val[i];
		bool dup = false;
		if (strcmp(w->attr_name[i], "CN") || cn[strspn(cn, "abcdefghijklmnopqrstuvwxyz0123456789.-")])
			continue;
		for (size_t k = 0; k < n; k++)
			dup |= !strcmp(tmp[k], cn);
		if (!dup)
			snprintf(tmp[n++], 256, "%s", cn);
	}
	p->names = json_list(tmp, n);
	p->domains = json_list(w->doms, w->num_doms);
	for (n = 0; n < w->sans->num_ips; n++) {
		const uint8_t *ip = w->sans->ips[n];
		snprintf(tmp[n], 256, "%u.%u.%u.%u", ip[0], ip[1], ip[2], ip[3]);
	}
	p->ips = json_list(tmp, n);
	free(tmp);
}

/* emit encodes the certificate built so far, issued by CA `label` for key `key`, valid from
 * `nb` for `days` (0: the CA's usual validity), and keeps its PEM. `tag` (may be NULL) puts it
 * in the ground truth. Returns nothing: the SHA-256 goes to out_sha when not NULL. */
static void emit(world *w, const char *label, size_t key, int64_t nb, unsigned days, const char *tag,
		 const char *note, char *out_sha)
{
	const gen_issuer *ci = issuer(w, label);
	gen_issuance is;
	uint8_t sha[32];
	char hex[65], *pem;
	size_t bl, len = 0;

	memset(&is, 0, sizeof is);
	is.ca = ci->ca;
	is.issuer = ci;
	is.sans = w->sans;
	is.key = key;
	is.serial_len = ci->ca->serial_len;
	gen_fill(&w->r, is.serial, is.serial_len);
	is.serial[0] &= 0x7f;
	if (!is.serial[0])
		is.serial[0] = 1;
	is.not_before = nb;
	is.not_after = nb + (int64_t)(days ? days : ci->ca->days) * DAY - 1;
	is.sct_ms = ((uint64_t)nb + 3600) * 1000 + gen_below(&w->r, 60000);
	for (size_t i = 0; i < ci->ca->nscts; i++) {
		bool dup;
		do {
			is.sct_logs[i] = gen_below(&w->r, 12);
			dup = false;
			for (size_t j = 0; j < i; j++)
				dup |= is.sct_logs[j] == is.sct_logs[i];
		} while (dup);
	}
	is.self_ca = ci->ca->style == STYLE_SELF && gen_chance(&w->r, 0.5);
	if (!w->num_attrs && w->sans->num)
		subj(w, "CN", w->sans->names[0]);
	subject_encode(w);
	gen_cert_encode(&w->g, &is, ci->ca->ct ? GEN_FINAL : GEN_PLAIN, &w->der, &w->r);
	EVP_Digest(w->der.p, w->der.len, sha, NULL, EVP_sha256(), NULL);
	ch_hex_encode(hex, sha, 32);
	if (out_sha)
		memcpy(out_sha, hex, 65);
	bl = ch_base64_encode(w->b64, w->der.p, w->der.len);
	pem = xrealloc(NULL, bl + bl / 64 + 64);
	len += (size_t)sprintf(pem, "-----BEGIN CERTIFICATE-----\n");
	for (size_t i = 0; i < bl; i += 64)
		len += (size_t)sprintf(pem + len, "%.*s\n", (int)(bl - i < 64 ? bl - i : 64), w->b64 + i);
	sprintf(pem + len, "-----END CERTIFICATE-----\n");
	if (w->num_pem == w->cap_pem) {
		w->cap_pem = w->cap_pem ? 2 * w->cap_pem : 1024;
		w->pem = xrealloc(w->pem, w->cap_pem * sizeof *w->pem);
		w->ders = xrealloc(w->ders, w->cap_pem * sizeof *w->ders);
		w->der_len = xrealloc(w->der_len, w->cap_pem * sizeof *w->der_len);
		w->nb = xrealloc(w->nb, w->cap_pem * sizeof *w->nb);
	}
	w->ders[w->num_pem] = xrealloc(NULL, w->der.len);
	memcpy(w->ders[w->num_pem], w->der.p, w->der.len);
	w->der_len[w->num_pem] = w->der.len;
	w->nb[w->num_pem] = nb;
	w->pem[w->num_pem++] = pem;
	if (tag)
		plant(w, hex, tag, note);
}

/* ---- the benign Internet -------------------------------------------------------------------- */

static const char *pick_tld(world *w)
{
	unsigned total = 0, x;

	for (size_t i = 0; i < N_TLDS; i++)
		total += TLDS[i].w;
	x = (unsigned)gen_below(&w->r, total);
	for (size_t i = 0; i < N_TLDS; i++) {
		if (x < TLDS[i].w)
			return TLDS[i].tld;
		x -= TLDS[i].w;
	}
	return "com";
}

static bool site_known(const world *w, const char *s)
{
	for (size_t i = 0; i < w->num_sites; i++)
		if (!strcmp(w->site[i], s))
			return true;
	return false;
}

static void make_sites(world *w, size_t n)
{
	w->site = xrealloc(NULL, n * sizeof *w->site);
	while (w->num_sites < n) {
		char s[64];
		const char *a = ADJ[gen_below(&w->r, N_ADJ)], *b = NOUN[gen_below(&w->r, N_NOUN)];
		snprintf(s, sizeof s, "%s%s%s.%s", a, gen_chance(&w->r, 0.3) ? "-" : "", b, pick_tld(w));
		if (!site_known(w, s) && !strstr(s, "northwind"))
			memcpy(w->site[w->num_sites++], s, sizeof s);
	}
}

static const char *const DV_CAS[] = {"LE R10", "LE R11", "LE E5", "LE E6", "GTS WR1", "GTS WE1",
				     "ZeroSSL", "Sectigo DV", "Amazon M02"};
static const unsigned DV_W[] = {260, 230, 100, 50, 110, 40, 60, 70, 50};

/* small_sites: every site gets DV certificates from one CA, renewed every 60 days. */
static void small_sites(world *w, size_t *count)
{
	for (size_t i = 0; i < w->num_sites; i++) {
		const char *dom = w->site[i], *ca = DV_CAS[0];
		unsigned x = (unsigned)gen_below(&w->r, 1000 + 120), issues;
		bool keep_key = gen_chance(&w->r, 0.4), le;
		int64_t nb = T0 + (int64_t)gen_below(&w->r, 120) * DAY;
		size_t key = 0, extra = 0;
		double u = gen_unit(&w->r);

		if (x >= 970)
			continue; /* only on shared certificates */
		for (size_t k = 0; k < sizeof DV_W / sizeof DV_W[0]; k++) {
			if (x < DV_W[k]) {
				ca = DV_CAS[k];
				break;
			}
			x -= DV_W[k];
		}
		le = !strncmp(ca, "LE", 2) || !strncmp(ca, "GTS", 3) || !strcmp(ca, "ZeroSSL");
		issues = le ? 1 + (unsigned)gen_below(&w->r, 3) : 1 + (unsigned)gen_below(&w->r, 2);
		if (u > 0.8)
			extra = 1 + gen_below(&w->r, 2);
		for (unsigned k = 0; k < issues; k++) {
			cert_begin(w);
			if (u < 0.1) {
				san(w, "*.%s", dom);
				san(w, "%s", dom);
			} else {
				san(w, "%s", dom);
				if (u < 0.85)
					san(w, "www.%s", dom);
				for (size_t e = 0; e < extra; e++)
					san(w, "%s.%s", SUBS[gen_hash64(i * 7 + e) % N_SUBS], dom);
			}
			if (k == 0 || !keep_key)
				key = key_for(w, issuer(w, ca)->ca);
			emit(w, ca, key, nb, 0, NULL, NULL, NULL);
			(*count)++;
			nb += (le ? 60 : 330) * DAY;
		}
	}
}

static const char *const CORP_SUFFIX[] = {" Inc.", " LLC", " Ltd", " plc", " GmbH", " S.A.",
					  " Corporation", " AG"};

/* companies: OV/EV certificates with the company's name in subject O over its domains. */
static void companies(world *w, size_t *count)
{
	static const char *const CITY[][3] = {
		{"US", "New York", "New York"}, {"US", "California", "San Jose"}, {"GB", "London", "London"},
		{"DE", "Hessen", "Frankfurt am Main"}, {"FR", "Ile-de-France", "Paris"},
		{"NL", "Noord-Holland", "Amsterdam"},
	};

	for (size_t c = 0; c < 30; c++) {
		const char *a = ADJ[(c * 7 + 3) % N_ADJ], *b = NOUN[(c * 11 + 5) % N_NOUN];
		char org[128], dom[2][64];
		size_t nd = 1 + (c % 3 == 0), ncerts = 2 + gen_below(&w->r, 5);
		const char *const *loc = CITY[c % 6];
		bool ev = c % 5 == 0;

		snprintf(org, sizeof org, "%c%s %c%s%s", a[0] - 32, a + 1, b[0] - 32, b + 1,
			 CORP_SUFFIX[c % 8]);
		snprintf(dom[0], sizeof dom[0], "%s%s.com", a, b);
		snprintf(dom[1], sizeof dom[1], "%s%s.%s", a, b, c % 2 ? "de" : "co.uk");
		for (size_t k = 0; k < ncerts; k++) {
			static const char *const HOSTS[] = {"www", "mail", "vpn", "api", "sso", "shop"};
			const char *d = dom[k % nd], *h = HOSTS[k % 6];
			bool this_ev = ev && k == 0;
			cert_begin(w);
			if (this_ev) {
				subj(w, "jurisdictionC", loc[0]);
				subj(w, "businessCategory", "Private Organization");
				subj(w, "serialNumber", "0481516");
			}
			subj(w, "C", loc[0]);
			subj(w, "ST", loc[1]);
			subj(w, "L", loc[2]);
			subj(w, "O", org);
			if (k == 0) {
				char cn[128];
				snprintf(cn, sizeof cn, "%s", d);
				subj(w, "CN", cn);
				san(w, "%s", d);
				san(w, "www.%s", d);
			} else {
				char cn[128];
				snprintf(cn, sizeof cn, "%s.%s", h, d);
				subj(w, "CN", cn);
				san(w, "%s.%s", h, d);
			}
			emit(w, this_ev ? "DigiCert EV" : "DigiCert OV",
			     key_for(w, issuer(w, "DigiCert OV")->ca),
			     T0 + (int64_t)gen_below(&w->r, 300) * DAY, 0, NULL, NULL, NULL);
			(*count)++;
		}
	}
}

/* the bank campaign A imitates: a company like the others */
static void bank(world *w, size_t *count)
{
	static const char *const HOSTS[] = {"www", "online", "api", "mail", "careers"};

	for (size_t k = 0; k < 6; k++) {
		bool ev = k < 2;
		const char *d = k % 3 == 2 ? "northwindbank.co.uk" : "northwind-bank.com";
		char cn[128];
		cert_begin(w);
		if (ev) {
			subj(w, "jurisdictionC", "GB");
			subj(w, "businessCategory", "Private Organization");
			subj(w, "serialNumber", "02981736");
		}
		subj(w, "C", "GB");
		subj(w, "ST", "London");
		subj(w, "L", "London");
		subj(w, "O", "Northwind Bank plc");
		snprintf(cn, sizeof cn, "%s.%s", HOSTS[k % 5], d);
		subj(w, "CN", cn);
		san(w, "%s", cn);
		if (k == 0)
			san(w, "%s", d);
		emit(w, ev ? "DigiCert EV" : "DigiCert OV", key_for(w, issuer(w, "DigiCert OV")->ca),
		     T0 + (int64_t)(20 + 60 * k) * DAY, 0, NULL, NULL, NULL);
		(*count)++;
	}
}

/* cdn_shared: Cloudflare-style certificates shared by 40-150 unrelated customers; `extra` (may be
 * NULL) is one more tenant (campaign A hides a look-alike here). */
static void cdn_cert(world *w, size_t idx, const char *extra, size_t *count)
{
	size_t tenants = 40 + gen_below(&w->r, 111);
	char sha[65], note[64], cn[64];
	int64_t nb = T0 + (int64_t)gen_below(&w->r, 200) * DAY;

	cert_begin(w);
	snprintf(cn, sizeof cn, "sni%05u.cloudflaressl.com", (unsigned)(10000 + gen_hash64(idx) % 90000));
	subj(w, "C", "US");
	subj(w, "ST", "CA");
	subj(w, "L", "San Francisco");
	subj(w, "O", "Cloudflare, Inc.");
	subj(w, "CN", cn);
	san(w, "%s", cn);
	if (extra) {
		san(w, "%s", extra);
		san(w, "*.%s", extra);
	}
	for (size_t t = 0; t < tenants; t++) {
		const char *d = w->site[gen_below(&w->r, w->num_sites)];
		san(w, "%s", d);
		san(w, "*.%s", d);
	}
	snprintf(note, sizeof note, "%zu SANs", w->sans->num);
	emit(w, "Cloudflare", key_for(w, issuer(w, "Cloudflare")->ca), nb, 0, "cdn-shared", note, sha);
	(*count)++;
}

/* hosting_cert: a shared-hosting server certificate listing 12-30 customer domains. */
static void hosting_cert(world *w, size_t idx, const char *extra, size_t *count)
{
	static const char *const HOSTERS[] = {"hostnest.net", "webcastle-hosting.com", "cpanelbox.eu"};
	size_t customers = 12 + gen_below(&w->r, 19);
	const char *ca = idx % 2 ? "Sectigo DV" : "LE R11";

	cert_begin(w);
	san(w, "server%02zu.%s", 10 + idx, HOSTERS[idx % 3]);
	if (extra) {
		san(w, "%s", extra);
		san(w, "www.%s", extra);
	}
	for (size_t t = 0; t < customers; t++) {
		const char *d = w->site[gen_below(&w->r, w->num_sites)];
		san(w, "%s", d);
		san(w, "www.%s", d);
	}
	emit(w, ca, key_for(w, issuer(w, ca)->ca), T0 + (int64_t)gen_below(&w->r, 250) * DAY, 0,
	     "multi-tenant", HOSTERS[idx % 3], NULL);
	(*count)++;
}

/* platforms: cloud hosting wildcard certificates, each platform keeping its key across two or
 * three rotations (a key shared by certificates of a public-suffix platform is not a link). */
static void platforms(world *w, size_t *count)
{
	static const struct {
		const char *ca, *o, *names[3];
	} P[] = {
		{"Amazon M02", NULL, {"*.cloudfront.net", "cloudfront.net", NULL}},
		{"Amazon M02", NULL, {"*.herokuapp.com", "herokuapp.com", NULL}},
		{"DigiCert OV", "Microsoft Corporation", {"*.azurewebsites.net", "*.scm.azurewebsites.net", "*.sso.azurewebsites.net"}},
		{"DigiCert OV", "GitHub, Inc.", {"*.github.io", "github.io", "*.githubusercontent.com"}},
		{"LE R11", NULL, {"*.netlify.app", "netlify.app", NULL}},
		{"LE R10", NULL, {"*.vercel.app", "vercel.app", NULL}},
	};

	for (size_t p = 0; p < sizeof P / sizeof P[0]; p++) {
		size_t key = key_for(w, issuer(w, P[p].ca)->ca);
		for (size_t k = 0; k < 3; k++) {
			cert_begin(w);
			if (P[p].o) {
				subj(w, "C", "US");
				subj(w, "ST", "Washington");
				subj(w, "L", "Redmond");
				subj(w, "O", P[p].o);
			}
			subj(w, "CN", P[p].names[0]);
			for (size_t n = 0; n < 3 && P[p].names[n]; n++)
				san(w, "%s", P[p].names[n]);
			emit(w, P[p].ca, key, T0 + (int64_t)(k * 100 + p) * DAY, 0, "platform", P[p].names[0],
			     NULL);
			(*count)++;
		}
	}
}

/* self_signed: appliances and test servers with the defaults of the tools that made them. */
static void self_signed(world *w, size_t *count)
{
	static const char *const VENDORS[][2] = {{"Synology Inc.", "nas"}, {"Ubiquiti Inc.", "unifi"},
						 {"Fortinet", "fortigate"}, {"Hikvision", "camera"}};
	char cn[128], email[160];

	for (size_t i = 0; i < 190; i++) {
		const char *site = w->site[gen_below(&w->r, w->num_sites)];
		size_t kind = i % 6;
		unsigned days = (unsigned[]){365, 825, 3650, 36500}[gen_below(&w->r, 4)];
		cert_begin(w);
		switch (kind) {
		case 0: /* openssl req's defaults */
			snprintf(cn, sizeof cn, "dev%zu.%s", i, site);
			subj(w, "C", "AU");
			subj(w, "ST", "Some-State");
			subj(w, "O", "Internet Widgits Pty Ltd");
			subj(w, "CN", cn);
			san(w, "%s", cn);
			break;
		case 1: /* the defaults of Red Hat's openssl.cnf */
			snprintf(cn, sizeof cn, "host%zu.%s", i, site);
			subj(w, "C", "XX");
			subj(w, "L", "Default City");
			subj(w, "O", "Default Company Ltd");
			subj(w, "CN", cn);
			san(w, "%s", cn);
			break;
		case 2: /* Go's generate_cert */
			subj(w, "O", "Acme Co");
			san(w, "localhost");
			san_ip(w, 127, 0, 0, 1);
			break;
		case 3: { /* an appliance */
			const char *const *v = VENDORS[i % 4];
			snprintf(cn, sizeof cn, "%s-%04x", v[1], (unsigned)(gen_hash64(i) & 0xffff));
			subj(w, "O", v[0]);
			subj(w, "CN", cn);
			san_ip(w, 192, 168, (unsigned)gen_below(&w->r, 4), 1);
			break;
		}
		case 4: /* every openssl req field filled in */
			snprintf(cn, sizeof cn, "intranet.%s", site);
			snprintf(email, sizeof email, "admin@%s", site);
			subj(w, "C", "US");
			subj(w, "ST", "Texas");
			subj(w, "L", "Austin");
			subj(w, "O", site);
			subj(w, "OU", "IT");
			subj(w, "CN", cn);
			subj(w, "emailAddress", email);
			san(w, "%s", cn);
			break;
		default:
			subj(w, "CN", "localhost");
			san(w, "localhost");
			san_ip(w, 10, (unsigned)gen_below(&w->r, 256), (unsigned)gen_below(&w->r, 256), 1);
			break;
		}
		emit(w, "self-signed", key_for(w, issuer(w, "self-signed")->ca),
		     T0 + (int64_t)gen_below(&w->r, 330) * DAY, days, NULL, NULL, NULL);
		(*count)++;
	}
}

/* corp_ca: a company's private CA for internal hosts. */
static void corp_ca(world *w, size_t *count)
{
	static const char *const OU[] = {"IT Infrastructure", "Platform Engineering", "Corporate IT"};
	static const char *const HOST[] = {"jira", "git", "wiki", "grafana", "vault", "ldap", "print",
					   "hr", "build", "backup"};

	for (size_t i = 0; i < 40; i++) {
		char cn[128];
		snprintf(cn, sizeof cn, "%s%zu.corp.examplecorp.com", HOST[i % 10], i / 10 + 1);
		cert_begin(w);
		subj(w, "C", "US");
		subj(w, "O", "ExampleCorp");
		subj(w, "OU", OU[i % 3]);
		subj(w, "CN", cn);
		san(w, "%s", cn);
		if (i % 3 == 0)
			san_ip(w, 10, 20, (unsigned)(i / 4), (unsigned)(10 + i));
		emit(w, "Private CA", key_for(w, issuer(w, "Private CA")->ca),
		     T0 + (int64_t)gen_below(&w->r, 300) * DAY, 0, NULL, NULL, NULL);
		(*count)++;
	}
}

/* ---- the campaigns ---------------------------------------------------------------------------- */

/* Campaign A: phishing for Northwind Bank. One RSA key on look-alike domains from three CAs. */
static void campaign_a(world *w, size_t *count)
{
	static const struct {
		const char *ca;
		const char *names[3];
		int day;
	} A[] = {
		{"LE R10", {"northwind-bank-login.com", "www.northwind-bank-login.com", NULL}, 95},
		{"LE R11", {"northwind-bank-login.com", "www.northwind-bank-login.com", NULL}, 155},
		{"LE R10", {"northwlnd-bank.com", "www.northwlnd-bank.com", NULL}, 101},
		{"LE R11", {"secure-northwindbank.net", NULL, NULL}, 108},
		{"ZeroSSL", {"northwind-verify.com", "northwind-account-help.com", NULL}, 117},
		{"GTS WR1", {"online-northwind.co", "www.online-northwind.co", NULL}, 126},
		{"LE R10", {"nortwind-bank.app", NULL, NULL}, 140},
		{"LE R11", {"northwind-bank.support", "auth.northwind-bank.support", NULL}, 147},
	};
	size_t key = new_key(w, GEN_RSA2048);

	for (size_t i = 0; i < sizeof A / sizeof A[0]; i++) {
		cert_begin(w);
		for (size_t n = 0; n < 3 && A[i].names[n]; n++)
			san(w, "%s", A[i].names[n]);
		emit(w, A[i].ca, key, T0 + (int64_t)A[i].day * DAY, 0, "A", "reused key", NULL);
		(*count)++;
	}
	/* the kit moved to a new key for one of its domains */
	cert_begin(w);
	san(w, "northwind-account-help.com");
	san(w, "www.northwind-account-help.com");
	emit(w, "LE E5", new_key(w, GEN_P256), T0 + 171 * DAY, 0, "A", "new key, shared domain", NULL);
	(*count)++;
}

/* Campaign B: C2 servers with self-signed certificates that look like tool defaults. */
static void campaign_b(world *w, size_t *count)
{
	static const struct {
		const char *cn, *dns;
		unsigned ip[4];
		bool email;
	} B[] = {
		{"update-gateway", "cdn-telemetry-sync.com", {203, 0, 113, 24}, true},
		{"update-gateway", "msedge-update-check.net", {203, 0, 113, 57}, false},
		{"update-gateway", "cloud-metrics-report.org", {198, 51, 100, 183}, true},
		{"update-gateway", "winsvc-health.com", {198, 51, 100, 183}, false},
		{"api.statuspage-relay.net", "statuspage-relay.net", {203, 0, 113, 91}, true},
		{"files.docs-preview-cdn.com", "files.docs-preview-cdn.com", {0, 0, 0, 0}, false},
		{"sync.office-addin-store.com", "sync.office-addin-store.com", {198, 51, 100, 12}, true},
		{"gw.telemetry-ingest.io", "gw.telemetry-ingest.io", {0, 0, 0, 0}, true},
	};

	for (size_t i = 0; i < sizeof B / sizeof B[0]; i++) {
		cert_begin(w);
		subj(w, "C", "XX");
		subj(w, "ST", "Default");
		subj(w, "L", "Default City");
		subj(w, "O", "Default Company Ltd");
		subj(w, "OU", "Helpdesk Unit 9");
		subj(w, "CN", B[i].cn);
		if (B[i].email)
			subj(w, "emailAddress", "hostmaster@mailbox-relay.xyz");
		san(w, "%s", B[i].dns);
		if (B[i].ip[0])
			san_ip(w, B[i].ip[0], B[i].ip[1], B[i].ip[2], B[i].ip[3]);
		emit(w, "self-signed", new_key(w, i % 3 ? GEN_RSA2048 : GEN_P256),
		     T0 + (int64_t)(60 + 23 * i) * DAY, 365, "B", "self-signed C2", NULL);
		(*count)++;
	}
}

/* ---- output ----------------------------------------------------------------------------------- */

static int write_truth(world *w, const char *dir, uint64_t seed, size_t total)
{
	char path[4200];
	FILE *f;

	snprintf(path, sizeof path, "%s/truth.json", dir);
	if (!(f = fopen(path, "w")))
		return -1;
	fprintf(f, "{\"generator\": \"bench/gen_world\", \"seed\": %llu, \"certificates\": %zu,\n"
		   " \"campaigns\": [\n"
		   "  {\"id\": \"A\", \"description\": \"phishing look-alikes of northwind-bank.com: one RSA key "
		   "reused across Let's Encrypt, ZeroSSL and GTS certificates; a look-alike also on a Cloudflare "
		   "shared certificate and one on a shared-hosting certificate; a later certificate with a new key "
		   "for a domain already on a reused-key certificate\"},\n"
		   "  {\"id\": \"B\", \"description\": \"C2 servers with self-signed certificates that look like "
		   "tool defaults (C=XX, L=Default City, O=Default Company Ltd) with odd fields kept everywhere "
		   "(OU=Helpdesk Unit 9, an e-mail address on some), some with the same subject DN, public IPs "
		   "in the SAN\"}],\n"
		   " \"certs\": [\n",
		(unsigned long long)seed, total);
	for (size_t i = 0; i < w->num_pl; i++) {
		const planted *p = &w->pl[i];
		fprintf(f, "  {\"sha256\": \"%s\", \"class\": \"%s\", \"note\": \"%s\", \"names\": %s, "
			   "\"domains\": %s, \"ips\": %s}%s\n",
			p->sha, p->tag, p->note, p->names, p->domains, p->ips,
			i + 1 < w->num_pl ? "," : "");
	}
	fputs(" ]}\n", f);
	return fclose(f) == 0 ? 0 : -1;
}

static int write_certs(world *w, const char *dir)
{
	char path[4200];

	/* shuffle so that nothing about a certificate's position gives a campaign away */
	for (size_t i = w->num_pem; i > 1; i--) {
		size_t j = gen_below(&w->r, i), tl;
		char *t = w->pem[i - 1];
		uint8_t *td = w->ders[i - 1];
		int64_t tn = w->nb[i - 1];
		w->pem[i - 1] = w->pem[j];
		w->pem[j] = t;
		w->ders[i - 1] = w->ders[j];
		w->ders[j] = td;
		tl = w->der_len[i - 1];
		w->der_len[i - 1] = w->der_len[j];
		w->der_len[j] = tl;
		w->nb[i - 1] = w->nb[j];
		w->nb[j] = tn;
	}
	snprintf(path, sizeof path, "%s/certs", dir);
	if (mkdir(path, 0755) != 0 && errno != EEXIST)
		return -1;
	for (size_t f = 0; f < WORLD_FILES; f++) {
		FILE *out;
		snprintf(path, sizeof path, "%s/certs/ct-sample-%02zu.pem", dir, f);
		if (!(out = fopen(path, "w")))
			return -1;
		for (size_t i = f; i < w->num_pem; i += WORLD_FILES)
			fputs(w->pem[i], out);
		if (fclose(out) != 0)
			return -1;
	}
	return 0;
}

static void world_free(world *w)
{
	if (!w)
		return;
	for (size_t i = 0; i < w->num_pem; i++) {
		free(w->pem[i]);
		free(w->ders[i]);
	}
	free(w->pem);
	free(w->ders);
	free(w->der_len);
	free(w->nb);
	for (size_t i = 0; i < w->num_pl; i++) {
		free(w->pl[i].tag);
		free(w->pl[i].names);
		free(w->pl[i].domains);
		free(w->pl[i].ips);
		free(w->pl[i].note);
	}
	free(w->pl);
	for (size_t i = 0; i < w->kp.num_keys; i++)
		free(w->kp.keys[i].spki);
	free(w->kp.keys);
	for (int k = 0; k < GEN_KEY_KINDS; k++)
		free(w->kp.by_kind[k]);
	if (w->g.blobs.p)
		gen_ctx_free(&w->g);
	dw_free(&w->der);
	ch_names_free(w->names);
	free(w->sans);
	free(w->b64);
	free(w->site);
	free(w);
}

/* write_log writes the certificates, in file order, as a local static-ct-api log. */
static int write_log(world *w, const char *dir)
{
	char path[4200], key[4200];
	ch_ct_writer *cw = NULL;
	int64_t last = 0;
	int rc = -1;

	snprintf(path, sizeof path, "%s/ct-log", dir);
	snprintf(key, sizeof key, "%s/ct-log-key.pem", dir);
	if (ch_ct_writer_new(&cw, path, CH_WORLD_LOG_ORIGIN, key) != CH_OK)
		goto out;
	/* the order the bundle files list them in: file 0's certificates, then file 1's, ... */
	for (size_t f = 0; f < WORLD_FILES; f++)
		for (size_t i = f; i < w->num_pem; i += WORLD_FILES) {
			int64_t ts = w->nb[i] + 3600;
			if (ch_ct_writer_add(cw, (uint64_t)ts * 1000, w->ders[i], w->der_len[i], false, NULL,
					     0) != CH_OK)
				goto out;
			if (ts > last)
				last = ts;
		}
	if (ch_ct_writer_publish(cw, (uint64_t)(last + 3600) * 1000, NULL) != CH_OK)
		goto out;
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "gen_world: CT log: %s\n", ch_error_last());
	ch_ct_writer_free(cw);
	return rc;
}

int main(int argc, char **argv)
{
	const char *dir = NULL;
	uint64_t seed = 2025;
	bool quiet = false, ct_log = false;
	size_t per_kind[GEN_KEY_KINDS] = {[GEN_RSA2048] = 3000, [GEN_RSA4096] = 200,
					  [GEN_P256] = 2500, [GEN_P384] = 500};
	size_t count = 0;
	world *w = calloc(1, sizeof *w);
	int rc = 1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--out") && i + 1 < argc)
			dir = argv[++i];
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--quiet"))
			quiet = true;
		else if (!strcmp(argv[i], "--ct-log"))
			ct_log = true;
		else
			dir = NULL, i = argc;
	}
	if (!dir || !w) {
		fprintf(stderr, "usage: gen_world --out DIR [--seed S] [--ct-log] [--quiet]\n");
		free(w);
		return 2;
	}
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		fprintf(stderr, "gen_world: %s: %s\n", dir, strerror(errno));
		goto out;
	}
	gen_rng_seed(&w->r, seed);
	w->sans = calloc(1, sizeof *w->sans);
	w->b64 = malloc(4 * ((1u << 16) + 2) / 3 + 8);
	if (!w->sans || !w->b64 || keys_make(&w->kp, &w->r, per_kind) != 0 ||
	    ch_names_new(&w->names) != CH_OK || gen_ctx_init(&w->g, &w->kp, &w->nodoms) != 0) {
		fprintf(stderr, "gen_world: setup failed\n");
		goto out;
	}
	dw_init(&w->der, 1 << 16);
	make_sites(w, 1400);
	small_sites(w, &count);
	companies(w, &count);
	bank(w, &count);
	for (size_t i = 0; i < 12; i++)
		cdn_cert(w, i, i == 4 ? "northwlnd-bank.com" : i == 9 ? "statuspage-relay.net" : NULL, &count);
	for (size_t i = 0; i < 12; i++)
		hosting_cert(w, i, i == 7 ? "secure-northwindbank.net" : NULL, &count);
	platforms(w, &count);
	self_signed(w, &count);
	corp_ca(w, &count);
	campaign_a(w, &count);
	campaign_b(w, &count);
	if (write_certs(w, dir) != 0 || write_truth(w, dir, seed, count) != 0) {
		fprintf(stderr, "gen_world: writing %s failed: %s\n", dir, strerror(errno));
		goto out;
	}
	if (ct_log && write_log(w, dir) != 0)
		goto out;
	if (!quiet)
		fprintf(stderr, "gen_world: %zu certificates in %s/certs (%d files)%s, ground truth in "
				"%s/truth.json\n", count, dir, WORLD_FILES,
			ct_log ? " and a CT log in ct-log/ (origin " CH_WORLD_LOG_ORIGIN ")" : "", dir);
	rc = 0;
out:
	world_free(w);
	return rc;
}
