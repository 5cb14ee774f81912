/* Names for the benchmark corpus: a universe of registrable domains whose popularity follows
 * Zipf's law (so with 100,000 domains and a million certificates the top domains carry tens of
 * thousands of certificates each, as large hosters do in CT), subdomain labels, and SAN lists
 * whose sizes follow what CT logs show: mostly one to three names, a tail up to 150. */
#include "gen.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <idn2.h>

static const char *const SYL[48] = {
	"ba", "be", "bi", "bo", "ka", "ke", "ko", "la", "le", "li", "lo", "ma",
	"me", "mi", "mo", "na", "ne", "ni", "no", "ra", "re", "ri", "ro", "sa",
	"se", "si", "so", "ta", "te", "ti", "to", "va", "ve", "vi", "zo", "tech",
	"net", "soft", "data", "cloud", "shop", "web", "lab", "hub", "go", "pro", "max", "star",
};

/* Top-level suffixes with weights (per mille), roughly as in CT. */
static const struct {
	const char *tld;
	unsigned w;
} TLDS[] = {
	{"com", 460}, {"net", 55}, {"org", 50}, {"de", 45}, {"co.uk", 30}, {"io", 28}, {"ru", 25},
	{"nl", 20}, {"fr", 20}, {"co.jp", 15}, {"com.br", 18}, {"com.au", 15}, {"dev", 15},
	{"app", 15}, {"xyz", 20}, {"info", 15}, {"ca", 15}, {"it", 15}, {"pl", 15}, {"in", 12},
	{"es", 12}, {"ch", 10}, {"online", 12}, {"site", 10}, {"cloud", 8}, {"eu", 10}, {"us", 10},
	{"cz", 8}, {"se", 8}, {"be", 8}, {"at", 8}, {"tech", 6}, {"shop", 6}, {"store", 5},
};

/* Latin-script prefixes that make a few domains IDNs (stored as A-labels, like in certificates). */
static const char *const IDN_PREFIX[] = {"mü", "café", "straße", "niño", "ålesund", "çok", "øre",
					 "ünal", "école", "żabka"};

static const char *const SUFFIX_WORD[] = {"group", "online", "shop", "systems", "labs", "media",
					  "app", "cloud", "digital", "global"};

static const char *const SUB[] = {
	"www", "mail", "api", "app", "cdn", "shop", "blog", "dev", "staging", "test", "m",
	"admin", "portal", "vpn", "login", "auth", "static", "img", "assets", "webmail",
	"autodiscover", "cpanel", "webdisk", "ftp", "smtp", "remote", "git", "status", "docs",
	"support", "secure", "my", "beta", "origin", "edge", "internal", "grafana", "jenkins",
	"k8s", "prod", "eu", "us", "ap", "store", "pay", "id", "sso", "cloud",
};
#define NUM_SUB (sizeof SUB / sizeof SUB[0])

static size_t put(char *out, size_t pos, size_t cap, const char *s)
{
	while (*s && pos + 1 < cap)
		out[pos++] = *s++;
	out[pos] = 0;
	return pos;
}

static const char *pick_tld(uint64_t h)
{
	static unsigned total;
	unsigned x;

	if (!total)
		for (size_t i = 0; i < sizeof TLDS / sizeof TLDS[0]; i++)
			total += TLDS[i].w;
	x = (unsigned)(h % total);
	for (size_t i = 0; i < sizeof TLDS / sizeof TLDS[0]; i++) {
		if (x < TLDS[i].w)
			return TLDS[i].tld;
		x -= TLDS[i].w;
	}
	return "com";
}

/* One registrable domain: a unique syllable label (rank i in base 48), sometimes with a word
 * suffix, a digit suffix or an accented prefix, and a weighted public suffix. */
static size_t make_domain(char *out, size_t cap, size_t i, uint64_t seed)
{
	uint64_t h = gen_hash64(i * 0x9e3779b97f4a7c15ull ^ seed);
	char label[128];
	size_t n = 0;
	uint64_t v = i + 48;

	if (h % 200 == 7)
		n = put(label, n, sizeof label, IDN_PREFIX[(h >> 20) % 10]);
	while (v) {
		n = put(label, n, sizeof label, SYL[v % 48]);
		v /= 48;
	}
	if ((h >> 8) % 100 < 8) {
		n = put(label, n, sizeof label, "-");
		n = put(label, n, sizeof label, SUFFIX_WORD[(h >> 16) % 10]);
	} else if ((h >> 8) % 100 < 12) {
		char num[16];
		snprintf(num, sizeof num, "%u", (unsigned)((h >> 24) % 1000));
		n = put(label, n, sizeof label, num);
	}
	if (h % 200 == 7) {
		char *ace = NULL;
		if (idn2_to_ascii_8z(label, &ace, IDN2_NONTRANSITIONAL) == IDN2_OK && strlen(ace) < 100)
			n = put(label, 0, sizeof label, ace);
		else
			n = put(label, 0, sizeof label, label + strlen(IDN_PREFIX[(h >> 20) % 10]));
		idn2_free(ace);
	}
	n = put(out, 0, cap, label);
	n = put(out, n, cap, ".");
	return put(out, n, cap, pick_tld(h >> 32));
}

int gen_domains_init(gen_domains *d, size_t n, uint64_t seed)
{
	size_t cap = n * 24 + 64, pos = 0;
	double acc = 0;

	memset(d, 0, sizeof *d);
	d->arena = malloc(cap);
	d->off = malloc(n * sizeof *d->off);
	d->len = malloc(n);
	d->cdf = malloc(n * sizeof *d->cdf);
	if (!d->arena || !d->off || !d->len || !d->cdf) {
		gen_domains_free(d);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		char name[GEN_NAME_MAX];
		size_t l = make_domain(name, sizeof name, i, seed);

		if (pos + l + 1 > cap) {
			cap *= 2;
			d->arena = realloc(d->arena, cap);
			if (!d->arena) {
				gen_domains_free(d);
				return -1;
			}
		}
		memcpy(d->arena + pos, name, l + 1);
		d->off[i] = (uint32_t)pos;
		d->len[i] = (uint8_t)l;
		pos += l + 1;
		acc += 1.0 / (double)(i + 1);
		d->cdf[i] = acc;
	}
	d->n = n;
	return 0;
}

void gen_domains_free(gen_domains *d)
{
	free(d->arena);
	free(d->off);
	free(d->len);
	free(d->cdf);
	memset(d, 0, sizeof *d);
}

size_t gen_domain_pick(const gen_domains *d, gen_rng *r)
{
	double u = gen_unit(r) * d->cdf[d->n - 1];
	size_t lo = 0, hi = d->n - 1;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (d->cdf[mid] > u)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

size_t gen_san_count(gen_rng *r)
{
	double u = gen_unit(r);

	if (u < 0.40)
		return 1;
	if (u < 0.72)
		return 2;
	if (u < 0.82)
		return 3;
	if (u < 0.94)
		return 4 + gen_below(r, 7);   /* 4..10 */
	if (u < 0.985)
		return 11 + gen_below(r, 40); /* 11..50 */
	if (u < 0.996)
		return 51 + gen_below(r, 50); /* 51..100 */
	return 101 + gen_below(r, 50);        /* 101..150 */
}

typedef enum form { F_APEX, F_WWW, F_WILD, F_WORD, F_WORDN, F_DEEP, F_HEXID, F_CUSTOMER } form;

/* Write one host name of the given form under domain `dom`; returns its length. */
static size_t host(char *out, const gen_domains *d, size_t dom, gen_rng *r, form f)
{
	static const char HEX[] = "0123456789abcdef";
	size_t n = 0;
	char tmp[32];

	switch (f) {
	case F_APEX:
		break;
	case F_WWW:
		n = put(out, n, GEN_NAME_MAX, "www.");
		break;
	case F_WILD:
		n = put(out, n, GEN_NAME_MAX, "*.");
		break;
	case F_WORD:
		n = put(out, n, GEN_NAME_MAX, SUB[gen_below(r, NUM_SUB)]);
		n = put(out, n, GEN_NAME_MAX, ".");
		break;
	case F_WORDN:
		n = put(out, n, GEN_NAME_MAX, SUB[gen_below(r, NUM_SUB)]);
		snprintf(tmp, sizeof tmp, "%u.", (unsigned)gen_below(r, 100));
		n = put(out, n, GEN_NAME_MAX, tmp);
		break;
	case F_DEEP:
		n = put(out, n, GEN_NAME_MAX, SUB[gen_below(r, NUM_SUB)]);
		n = put(out, n, GEN_NAME_MAX, ".");
		n = put(out, n, GEN_NAME_MAX, SUB[gen_below(r, NUM_SUB)]);
		n = put(out, n, GEN_NAME_MAX, ".");
		break;
	case F_HEXID: {
		uint64_t x = gen_next(r);
		for (int i = 0; i < 10; i++, x >>= 4)
			out[n++] = HEX[x & 15];
		out[n++] = '.';
		n = put(out, n, GEN_NAME_MAX, SUB[gen_below(r, NUM_SUB)]);
		n = put(out, n, GEN_NAME_MAX, ".");
		break;
	}
	case F_CUSTOMER:
		n = put(out, n, GEN_NAME_MAX, SYL[gen_below(r, 48)]);
		n = put(out, n, GEN_NAME_MAX, SYL[gen_below(r, 48)]);
		snprintf(tmp, sizeof tmp, "-%u.", (unsigned)gen_below(r, 100000));
		n = put(out, n, GEN_NAME_MAX, tmp);
		break;
	}
	memcpy(out + n, d->arena + d->off[dom], d->len[dom] + 1u);
	return n + d->len[dom];
}

/* A tiny open-addressing set of name hashes to keep SAN lists free of duplicates. */
typedef struct nameset {
	uint64_t slot[512];
} nameset;

static bool nameset_add(nameset *s, const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)p[i]) * 1099511628211ull;
	h |= 1;
	for (size_t i = h & 511;; i = (i + 1) & 511) {
		if (s->slot[i] == h)
			return false;
		if (s->slot[i] == 0) {
			s->slot[i] = h;
			return true;
		}
	}
}

static void add(gen_sans *s, nameset *set, const gen_domains *d, size_t dom, gen_rng *r, form f)
{
	char *out;
	size_t n;

	if (s->num >= GEN_MAX_SANS)
		return;
	out = s->names[s->num];
	n = host(out, d, dom, r, f);
	if (!nameset_add(set, out, n))
		return;
	s->name_len[s->num++] = (uint8_t)n;
	if (f == F_WILD)
		s->wildcard = true;
}

static form sub_form(gen_rng *r)
{
	static const form forms[] = {F_WORD, F_WORD, F_WORD, F_WORDN, F_DEEP, F_HEXID, F_CUSTOMER};
	return forms[gen_below(r, sizeof forms / sizeof forms[0])];
}

void gen_sans_make(gen_sans *s, const gen_domains *d, gen_rng *r, size_t count, bool multi_domain)
{
	nameset set;
	size_t tries = 0;
	double u = gen_unit(r);

	memset(set.slot, 0, sizeof set.slot);
	s->num = 0;
	s->num_ips = 0;
	s->wildcard = false;
	s->primary = gen_domain_pick(d, r);
	if (count > GEN_MAX_SANS)
		count = GEN_MAX_SANS;
	if (count == 1) {
		form f = u < 0.35 ? F_APEX : u < 0.50 ? F_WWW : u < 0.85 ? F_WORD : u < 0.93 ? F_WILD : F_DEEP;
		add(s, &set, d, s->primary, r, f);
		return;
	}
	if (count == 2) {
		if (u < 0.65) {
			add(s, &set, d, s->primary, r, F_APEX);
			add(s, &set, d, s->primary, r, F_WWW);
		} else if (u < 0.80) {
			add(s, &set, d, s->primary, r, F_APEX);
			add(s, &set, d, s->primary, r, F_WILD);
		}
	} else if (!multi_domain) {
		add(s, &set, d, s->primary, r, F_APEX);
		if (u < 0.7)
			add(s, &set, d, s->primary, r, F_WWW);
		if (u > 0.8)
			add(s, &set, d, s->primary, r, F_WILD);
	}
	while (s->num < count && tries++ < count * 8) {
		if (multi_domain) {
			size_t dom = s->num == 0 ? s->primary : gen_domain_pick(d, r);
			add(s, &set, d, dom, r, F_APEX);
			if (s->num < count)
				add(s, &set, d, dom, r, gen_chance(r, 0.5) ? F_WWW : F_WILD);
		} else {
			add(s, &set, d, s->primary, r, sub_form(r));
		}
	}
	/* Tiny domain universes can run out of distinct names; numbered hosts always fit. */
	while (s->num < count)
		add(s, &set, d, s->primary, r, F_CUSTOMER);
}

size_t gen_org_name(char *out, size_t cap, const gen_domains *d, size_t dom, gen_rng *r)
{
	static const char *const SUFFIX[] = {", Inc.", " LLC", " Ltd", " Corporation", " Holdings, Inc.",
					     " S.A.", " B.V.", " Pty Ltd", " AG", " S.r.l."};
	const char *name = d->arena + d->off[dom];
	const char *dot = strchr(name, '.');
	const char *tld = dot ? dot + 1 : "";
	size_t n = 0, l = dot ? (size_t)(dot - name) : strlen(name);
	uint64_t h = gen_hash64(dom);

	(void)r;
	if (strcmp(tld, "co.jp") == 0)
		n = put(out, n, cap, "株式会社");
	for (size_t i = 0; i < l && n + 1 < cap; i++)
		out[n++] = (char)(i == 0 && name[i] >= 'a' && name[i] <= 'z' ? name[i] - 32 : name[i]);
	out[n] = 0;
	if (strcmp(tld, "co.jp") == 0)
		return n;
	if (strcmp(tld, "de") == 0 || strcmp(tld, "at") == 0 || strcmp(tld, "ch") == 0)
		return put(out, n, cap, h & 1 ? " GmbH" : " Müller & Söhne KG");
	if (strcmp(tld, "fr") == 0)
		return put(out, n, cap, h & 1 ? " SAS" : " Société Anonyme");
	return put(out, n, cap, SUFFIX[h % 10]);
}
