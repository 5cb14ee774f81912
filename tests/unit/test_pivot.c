/* pivot on a real store: a world of certificates made with the openssl command
 * (tests/data/pivot/make-world.sh), ingested with `certhound ingest`, scan sightings added through
 * the store API. An adversary cluster linked by a reused key, a private CA and a shared subject O
 * must be found from any seed with the right paths and sensible scores; Let's Encrypt-like
 * siblings, a Cloudflare-style multi-tenant certificate, a multi-tenant SAN list and CDN / PSL
 * platform certificates must never be leads and must be in `suppressed` with the right reason;
 * bounds and depth must behave; the CLI's JSON must match the contract (checked with jansson). */
#include "testlib.h"

#include <certhound/pem.h>
#include <certhound/pivot.h>
#include <certhound/report.h>
#include <certhound/store.h>
#include <certhound/util.h>
#include <certhound/x509.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pivot/internal.h"

static char world[4096], db[4200];
static ch_pivot_kb *kb;

/* the SHA-256 (hex) and DER of world certificate NAME (in certs/ or extra/) */
static uint8_t der_buf[1 << 16];
static size_t der_len;

static const char *sha_of(const char *name)
{
	static char hex[8][65];
	static int slot;
	char path[4400];
	ch_pem *r = NULL;
	ch_pem_item it;
	ch_cert *c = NULL;
	char *out = hex[slot++ % 8];

	out[0] = '\0';
	snprintf(path, sizeof path, "%s/certs/%s.pem", world, name);
	if (access(path, R_OK) != 0)
		snprintf(path, sizeof path, "%s/extra/%s.pem", world, name);
	if (ch_pem_new(&r) == CH_OK && ch_pem_add_path(r, path) == CH_OK &&
	    ch_pem_next(r, &it) == CH_OK && it.err == CH_OK && ch_cert_new(&c) == CH_OK &&
	    ch_cert_parse(c, it.der, it.der_len, CH_PARSE_ALL) == CH_OK && it.der_len <= sizeof der_buf) {
		ch_hex_encode(out, c->sha256, 32);
		memcpy(der_buf, it.der, it.der_len);
		der_len = it.der_len;
	}
	ch_cert_free(c);
	ch_pem_free(r);
	return out;
}

static const ch_pivot_lead *lead(const ch_pivot_result *r, ch_pivot_kind k, const char *value)
{
	for (size_t i = 0; r && i < r->num_leads; i++)
		if (r->leads[i].kind == k && !strcmp(r->leads[i].value, value))
			return &r->leads[i];
	return NULL;
}

static const ch_pivot_lead *cert_lead(const ch_pivot_result *r, const char *name)
{
	return lead(r, CH_PIVOT_CERT, sha_of(name));
}

static bool has_via(const ch_pivot_lead *l, const char *attr)
{
	for (size_t i = 0; l && i < l->num_via; i++)
		if (!strcmp(l->via[i].attribute, attr))
			return true;
	return false;
}

static const ch_pivot_suppressed *supp(const ch_pivot_result *r, const char *attr,
				       const char *value, const char *reason)
{
	for (size_t i = 0; r && i < r->num_suppressed; i++) {
		const ch_pivot_suppressed *s = &r->suppressed[i];
		if (!strcmp(s->attribute, attr) && !strcmp(s->value, value) && !strcmp(s->reason, reason))
			return s;
	}
	return NULL;
}

static bool bound(const ch_pivot_result *r, const char *name)
{
	for (size_t i = 0; r && i < r->num_bounds_hit; i++)
		if (!strcmp(r->bounds_hit[i].bound, name))
			return true;
	return false;
}

/* run pivots from seeds (text; a leading '@' names a world certificate given as DER). */
static ch_pivot_result *run(ch_store *s, const ch_pivot_opts *o, const char *const *seeds, size_t n)
{
	ch_pivot *p = NULL;
	ch_pivot_result *r = NULL;

	CHECK(ch_pivot_new(&p, s, kb, o) == CH_OK);
	for (size_t i = 0; p && i < n; i++) {
		if (seeds[i][0] == '@') {
			sha_of(seeds[i] + 1);
			CHECK(ch_pivot_add_cert(p, der_buf, der_len, seeds[i] + 1) == CH_OK);
		} else {
			CHECK(ch_pivot_add_seed(p, seeds[i]) == CH_OK);
		}
	}
	if (p && ch_pivot_run(p, &r) != CH_OK) {
		fprintf(stderr, "pivot failed: %s\n", ch_error_last());
		CHECK(0);
	}
	ch_pivot_free(p);
	return r;
}

static const char *const cluster2[] = {"a1", "a2", "a3", "a4", "a5"};
static const char *const noise_certs[] = {"b1", "b2", "b5", "b10", "cf", "mt", "cdn", "glitch",
					   "isrg", "r3", "cfca", "amz", "dc"};
static const char *const noise_names[] = {"cafe-tenant1.com", "cafe-tenant12.com", "alpha-shop.com",
					  "lima-shop.com", "cloudflaressl.com", "sni48213.cloudflaressl.com",
					  "d2x8k1.cloudfront.net", "glitch.me", "bakery-1.com", "bakery-7.com"};

static void no_noise_leads(const ch_pivot_result *r)
{
	for (size_t i = 0; i < sizeof noise_certs / sizeof *noise_certs; i++) {
		if (cert_lead(r, noise_certs[i]))
			fprintf(stderr, "noise certificate %s is a lead\n", noise_certs[i]);
		CHECK(cert_lead(r, noise_certs[i]) == NULL);
	}
	for (size_t i = 0; i < sizeof noise_names / sizeof *noise_names; i++) {
		const char *n = noise_names[i];
		if (lead(r, CH_PIVOT_NAME, n) || lead(r, CH_PIVOT_DOMAIN, n))
			fprintf(stderr, "noise name %s is a lead\n", n);
		CHECK(lead(r, CH_PIVOT_NAME, n) == NULL && lead(r, CH_PIVOT_DOMAIN, n) == NULL);
	}
}

static void sorted(const ch_pivot_result *r)
{
	for (size_t i = 1; i < r->num_leads; i++)
		CHECK(r->leads[i - 1].score >= r->leads[i].score - 0.0005);
}

static void test_domain_seed(ch_store *s)
{
	const char *seeds[] = {"domain:login-bluharbor.com"};
	ch_pivot_opts o = {.depth = 2};
	ch_pivot_result *r = run(s, &o, seeds, 1);
	const ch_pivot_lead *a1, *a2, *a3, *a4, *a5, *bip, *ip;

	if (!r)
		return;
	CHECK_INT(r->num_seeds, 1);
	CHECK_STR(r->seeds[0].kind, "domain");
	CHECK_INT(r->seeds[0].certs, 2); /* a1 and the Cloudflare certificate */
	a1 = cert_lead(r, "a1");
	a2 = cert_lead(r, "a2");
	a3 = cert_lead(r, "a3");
	a4 = cert_lead(r, "a4");
	a5 = cert_lead(r, "a5");
	CHECK(a1 && a1->depth == 0 && has_via(a1, "domain"));
	CHECK(a2 && a2->depth == 1 && has_via(a2, "spki") && a2->via[0].shared_by == 3);
	CHECK(a3 && a3->depth == 1 && has_via(a3, "spki"));
	CHECK(a4 && a4->depth == 2 && has_via(a4, "subject.o") && has_via(a4, "issuer"));
	CHECK(a5 && a5->depth == 2 && has_via(a5, "issuer") && !has_via(a5, "subject.o"));
	CHECK(cert_lead(r, "a6") == NULL); /* three hops away */
	/* names and domains of the cluster */
	CHECK(lead(r, CH_PIVOT_NAME, "www.login-bluharbor.com") != NULL);
	CHECK(lead(r, CH_PIVOT_DOMAIN, "secure-bluharbour.net") != NULL);
	CHECK(lead(r, CH_PIVOT_DOMAIN, "bluharbor-portal.org") != NULL);
	CHECK(lead(r, CH_PIVOT_DOMAIN, "harbor-sync.com") != NULL);
	CHECK(lead(r, CH_PIVOT_DOMAIN, "tidewater-cdn.com") != NULL);
	CHECK(lead(r, CH_PIVOT_DOMAIN, "login-bluharbor.com") == NULL); /* the seed itself */
	/* the IP a1 was seen at, and what else was seen there */
	ip = lead(r, CH_PIVOT_IP, "198.51.100.7");
	CHECK(ip && has_via(ip, "sighting") && ip->first_seen == 1709251200);
	bip = cert_lead(r, "bip");
	CHECK(bip && bip->depth == 1 && has_via(bip, "ip"));
	/* scores: a shared key links more strongly than co-hosting; two independent paths (subject
	 * O + private issuer) beat one; deeper is weaker */
	if (a2 && a3 && a4 && a5 && bip) {
		CHECK(a2->score >= 0.9 && a3->score >= 0.9);
		CHECK(bip->score < a5->score);
		CHECK(a4->score > a5->score);
		CHECK(a3->score > a4->score);
	}
	sorted(r);
	no_noise_leads(r);
	/* noise, explained */
	CHECK(supp(r, "issuer", "CN=R3,O=Let's Encrypt,C=US", "high-volume-ca") != NULL);
	CHECK(supp(r, "name", "sni48213.cloudflaressl.com", "cdn") != NULL);
	CHECK(supp(r, "domain", "cafe-tenant3.com", "cdn") != NULL);
	CHECK(supp(r, "subject.o", "Cloudflare, Inc.", "managed-certificate") != NULL);
	CHECK(supp(r, "domain", "alpha-shop.com", "multi-tenant") != NULL);
	CHECK(supp(r, "cert", sha_of("mt"), "multi-tenant") != NULL);
	CHECK(supp(r, "cert", sha_of("cf"), "cdn") != NULL);
	CHECK(supp(r, "cert", sha_of("cdn"), "cdn") != NULL);
	CHECK(supp(r, "cert", sha_of("glitch"), "psl-private") != NULL);
	CHECK(supp(r, "name", "*.glitch.me", "psl-private") != NULL);
	{
		const ch_pivot_suppressed *x = supp(r, "issuer", "CN=R3,O=Let's Encrypt,C=US", "high-volume-ca");
		CHECK(x && x->shared_by >= 13);
	}
	CHECK(bound(r, "depth"));
	CHECK(!bound(r, "max-nodes") && !bound(r, "timeout"));
	ch_pivot_result_free(r);

	/* depth 3 reaches a6 through a5's key; depth 1 stops at the key siblings */
	o.depth = 3;
	r = run(s, &o, seeds, 1);
	CHECK(r && cert_lead(r, "a6") && cert_lead(r, "a6")->depth == 3 && has_via(cert_lead(r, "a6"), "spki"));
	ch_pivot_result_free(r);
	o.depth = 1;
	r = run(s, &o, seeds, 1);
	CHECK(r && cert_lead(r, "a2") && !cert_lead(r, "a4") && !cert_lead(r, "a5"));
	ch_pivot_result_free(r);
}

/* Every cluster member is found from any one member (depth 3 covers the longest path). */
static void test_any_seed(ch_store *s)
{
	ch_pivot_opts o = {.depth = 3};

	for (size_t i = 0; i < sizeof cluster2 / sizeof *cluster2; i++) {
		char seed[100];
		ch_pivot_result *r;
		snprintf(seed, sizeof seed, "sha256:%s", sha_of(cluster2[i]));
		r = run(s, &o, (const char *const[]){seed}, 1);
		for (size_t k = 0; r && k < sizeof cluster2 / sizeof *cluster2; k++) {
			if (k == i)
				continue;
			if (!cert_lead(r, cluster2[k]))
				fprintf(stderr, "from %s: %s not found\n", cluster2[i], cluster2[k]);
			CHECK(cert_lead(r, cluster2[k]) != NULL);
		}
		CHECK(r && cert_lead(r, cluster2[i]) == NULL); /* the seed is not a lead */
		if (r)
			no_noise_leads(r);
		ch_pivot_result_free(r);
	}
}

static void test_seed_kinds(ch_store *s)
{
	ch_pivot_opts o = {.depth = 1};
	ch_pivot_result *r;
	char spki[100];

	/* a certificate file that is not stored: its key leads to a1, a2, a3 */
	r = run(s, &o, (const char *const[]){"@a7"}, 1);
	CHECK(r && r->num_seeds == 1 && !strcmp(r->seeds[0].kind, "cert") && r->seeds[0].certs == 0);
	CHECK(r && cert_lead(r, "a1") && cert_lead(r, "a2") && cert_lead(r, "a3"));
	CHECK(r && lead(r, CH_PIVOT_DOMAIN, "bluharbor-new.com") != NULL); /* its own names */
	ch_pivot_result_free(r);
	/* a stored certificate given as a file is a seed certificate */
	r = run(s, &o, (const char *const[]){"@a4"}, 1);
	CHECK(r && r->seeds[0].certs == 1 && cert_lead(r, "a3") && !cert_lead(r, "a4"));
	ch_pivot_result_free(r);
	/* subject O, private issuer, bare SHA-256 prefix, serial with and without issuer, spki */
	r = run(s, &o, (const char *const[]){"subject.o:blue harbor logistics"}, 1);
	CHECK(r && r->seeds[0].certs == 2 && cert_lead(r, "a3") && cert_lead(r, "a4"));
	ch_pivot_result_free(r);
	r = run(s, &o, (const char *const[]){"issuer.o:Let's Encrypt"}, 1);
	CHECK(r && r->num_leads == 0 && supp(r, "issuer.o", "Let's Encrypt", "high-volume-ca"));
	ch_pivot_result_free(r);
	r = run(s, &o, (const char *const[]){"serial:0x1005/CN=Harbor Ops Root CA,O=Harbor Ops"}, 1);
	CHECK(r && r->seeds[0].certs == 1 && !strcmp(r->seeds[0].kind, "serial+issuer"));
	ch_pivot_result_free(r);
	snprintf(spki, sizeof spki, "%s", sha_of("a1"));
	r = run(s, &o, (const char *const[]){"login-bluharbor.com", "no-such-domain.example", "bogus value"}, 3);
	CHECK(r && r->num_seeds == 3);
	if (r && r->num_seeds == 3) {
		CHECK_STR(r->seeds[0].kind, "domain");
		CHECK(r->seeds[1].certs == 0 && r->seeds[1].error != NULL);
		CHECK_STR(r->seeds[2].kind, "unknown");
		CHECK(r->seeds[2].error != NULL);
	}
	CHECK(r && cert_lead(r, "a2"));
	ch_pivot_result_free(r);
	/* an IP seed finds the certificates seen there; the CDN ones are suppressed */
	r = run(s, &o, (const char *const[]){"ip:198.51.100.7"}, 1);
	CHECK(r && r->seeds[0].certs == 4 && cert_lead(r, "a1") && cert_lead(r, "bip"));
	CHECK(r && !cert_lead(r, "cdn") && supp(r, "cert", sha_of("cdn"), "cdn"));
	ch_pivot_result_free(r);
}

static void test_bounds(ch_store *s)
{
	const char *seeds[] = {"domain:login-bluharbor.com"};
	ch_pivot_opts o = {.depth = 3, .max_nodes = 4};
	ch_pivot_result *r = run(s, &o, seeds, 1);

	CHECK(r && bound(r, "max-nodes") && r->certs_visited <= 4);
	ch_pivot_result_free(r);
	o = (ch_pivot_opts){.depth = 2, .max_certs_per_value = 1};
	r = run(s, &o, seeds, 1);
	CHECK(r && bound(r, "max-certs-per-value"));
	ch_pivot_result_free(r);
}

static void test_knowledge(ch_store *s)
{
	ch_pivot_kb *k = NULL;
	const char *pat = NULL;
	char path[4400];
	FILE *f;

	CHECK(ch_pivot__glob("*.cloudfront.net", "D1.CloudFront.net"));
	CHECK(!ch_pivot__glob("*.cloudfront.net", "cloudfront.net"));
	CHECK(ch_pivot__glob("sni*.cloudflaressl.com", "sni.cloudflaressl.com"));
	CHECK(ch_pivot__glob("r1?", "R10") && !ch_pivot__glob("r1?", "R1"));
	CHECK(ch_pivot__glob("a*b*c", "axxbyyc") && !ch_pivot__glob("a*b*c", "axxbyy"));
	CHECK(ch_pivot_kb_rules(kb) > 100);
	CHECK_STR(ch_pivot_kb_match(kb, CH_SA_NAME, "SNI123.CloudflareSSL.com", &pat), "cdn");
	CHECK_STR(pat, "sni*.cloudflaressl.com");
	CHECK(ch_pivot_kb_match(kb, CH_SA_NAME, "cloudflaressl.com.evil.org", NULL) == NULL);
	CHECK_STR(ch_pivot_kb_match(kb, CH_SA_ISSUER_O, "Google Trust Services LLC", NULL), "high-volume-ca");
	CHECK(ch_pivot_kb_match(kb, CH_SA_ISSUER_O, "Harbor Ops", NULL) == NULL);
	/* malformed files name the file and line */
	CHECK(ch_pivot_kb_new(&k) == CH_OK);
	CHECK(ch_pivot_kb_parse(k, "# ok\ncdn name *.x.net\npivot nosuch 0.5\n", 36, "t.conf") == CH_ERR_PARSE);
	CHECK(strstr(ch_error_last(), "t.conf:3") != NULL);
	CHECK(ch_pivot_kb_parse(k, "set decay lots\n", 15, "u.conf") == CH_ERR_PARSE);
	ch_pivot_kb_free(k);
	/* `scope REASON value` and `pivot ATTR W confirm` */
	CHECK(ch_pivot_kb_new(&k) == CH_OK);
	if (k) {
		const char *t = "scope tool value\npivot ja4x 0.4 confirm # a comment\npivot spki 0.9\n";
		CHECK(ch_pivot_kb_parse(k, t, strlen(t), "s.conf") == CH_OK);
		CHECK(ch_pivot__value_scope(k, "tool") && !ch_pivot__value_scope(k, "cdn"));
		CHECK(k->confirm_only[CH_SA_JA4X] && !k->confirm_only[CH_SA_SPKI]);
		CHECK(k->pivot_w[CH_SA_JA4X] > 0.39 && k->pivot_w[CH_SA_JA4X] < 0.41);
		t = "scope tool cert\npivot ja4x 0.3\n"; /* later lines undo both */
		CHECK(ch_pivot_kb_parse(k, t, strlen(t), "s2.conf") == CH_OK);
		CHECK(!ch_pivot__value_scope(k, "tool") && !k->confirm_only[CH_SA_JA4X]);
		CHECK(ch_pivot_kb_parse(k, "scope tool maybe\n", 17, "s3.conf") == CH_ERR_PARSE);
		CHECK(strstr(ch_error_last(), "s3.conf:1") != NULL);
		CHECK(ch_pivot_kb_parse(k, "pivot ja4x 0.4 confirmed\n", 25, "s4.conf") == CH_ERR_PARSE);
		CHECK(ch_pivot_kb_parse(k, "pivot ja4x 0.4 confirm x\n", 25, "s5.conf") == CH_ERR_PARSE);
	}
	ch_pivot_kb_free(k);
	/* the shipped tool defaults suppress only their value */
	CHECK_STR(ch_pivot_kb_match(kb, CH_SA_SUBJECT_O, "Internet Widgits Pty Ltd", NULL), "default-value");
	CHECK(ch_pivot__value_scope(kb, "default-value") && ch_pivot__value_scope(kb, "private-address"));
	CHECK_STR(ch_pivot_kb_match(kb, CH_SA_IP, "192.168.1.1", NULL), "private-address");
	CHECK_STR(ch_pivot_kb_match(kb, CH_SA_IP, "172.20.0.5", NULL), "private-address");
	CHECK(ch_pivot_kb_match(kb, CH_SA_IP, "172.32.0.5", NULL) == NULL);
	CHECK(ch_pivot_kb_match(kb, CH_SA_IP, "198.51.100.7", NULL) == NULL);
	CHECK(kb->confirm_only[CH_SA_JA4X]);
	/* a user file extends the shipped knowledge: the portal domain becomes shared hosting */
	snprintf(path, sizeof path, "%s/extra.conf", world);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fputs("shared-hosting name *.bluharbor-portal.org\nset min_weight 0.01\n", f);
	fclose(f);
	CHECK(ch_pivot_kb_load(&k, NULL, (const char *const[]){path}, 1) == CH_OK);
	if (k) {
		ch_pivot_kb *saved = kb;
		ch_pivot_opts o = {.depth = 2};
		ch_pivot_result *r;
		kb = k;
		r = run(s, &o, (const char *const[]){"domain:login-bluharbor.com"}, 1);
		CHECK(r && !cert_lead(r, "a3") && supp(r, "cert", sha_of("a3"), "shared-hosting"));
		CHECK(r && !lead(r, CH_PIVOT_DOMAIN, "bluharbor-portal.org"));
		ch_pivot_result_free(r);
		kb = saved;
		ch_pivot_kb_free(k);
	}
}

/* run_cli runs the command line and returns its exit status, output in *out (caller frees). */
static int run_cli(char **out, const char *args)
{
	char cmd[32768];
	size_t cap = 1 << 20, n = 0;
	char *buf = malloc(cap);
	FILE *p;
	int st;

	snprintf(cmd, sizeof cmd, "'%s' --db '%s' pivot %s 2>/dev/null", ch_test_cli(), db, args);
	p = popen(cmd, "r");
	if (!p || !buf) {
		free(buf);
		*out = NULL;
		return -1;
	}
	while (n + 1 < cap && (st = (int)fread(buf + n, 1, cap - n - 1, p)) > 0)
		n += (size_t)st;
	buf[n] = '\0';
	st = pclose(p);
	*out = buf;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static bool is_hex64(const char *s)
{
	if (!s || strlen(s) != 64)
		return false;
	for (; *s; s++)
		if (!((*s >= '0' && *s <= '9') || (*s >= 'a' && *s <= 'f')))
			return false;
	return true;
}

static void check_contract(json_t *doc)
{
	static const char *const kinds[] = {"domain", "name", "ip", "cert"};
	json_t *leads = json_object_get(doc, "leads"), *l, *v;
	double prev = 2;
	size_t i, k;

	CHECK(json_is_array(json_object_get(doc, "seeds")));
	CHECK(json_is_array(leads) && json_array_size(leads) > 5);
	CHECK(json_is_array(json_object_get(doc, "suppressed")));
	CHECK(json_is_array(json_object_get(doc, "bounds_hit")));
	json_array_foreach(leads, i, l) {
		const char *kind = json_string_value(json_object_get(l, "kind"));
		double score = json_number_value(json_object_get(l, "score"));
		bool known = false;
		for (k = 0; kind && k < 4; k++)
			known |= !strcmp(kind, kinds[k]);
		CHECK(known);
		CHECK(json_is_string(json_object_get(l, "value")));
		CHECK(json_is_number(json_object_get(l, "score")) && score >= 0 && score <= 1);
		CHECK(score <= prev);
		prev = score;
		CHECK(json_is_integer(json_object_get(l, "depth")));
		CHECK(json_is_string(json_object_get(l, "first_seen")) &&
		      json_is_string(json_object_get(l, "last_seen")));
		CHECK(json_is_array(json_object_get(l, "via")) && json_array_size(json_object_get(l, "via")) > 0);
		json_array_foreach(json_object_get(l, "via"), k, v) {
			CHECK(json_is_string(json_object_get(v, "from")));
			CHECK(json_is_string(json_object_get(v, "attribute")));
			CHECK(json_is_string(json_object_get(v, "value")));
			CHECK(json_is_integer(json_object_get(v, "shared_by")));
		}
		CHECK(json_is_array(json_object_get(l, "certs")) && json_array_size(json_object_get(l, "certs")) > 0);
		json_array_foreach(json_object_get(l, "certs"), k, v)
			CHECK(is_hex64(json_string_value(v)));
		if (kind && !strcmp(kind, "cert"))
			CHECK(is_hex64(json_string_value(json_object_get(l, "value"))));
		CHECK(json_is_string(json_object_get(l, "corroborate")));
	}
	json_array_foreach(json_object_get(doc, "suppressed"), i, v) {
		CHECK(json_is_string(json_object_get(v, "attribute")) && json_is_string(json_object_get(v, "value")));
		CHECK(json_is_string(json_object_get(v, "reason")) && json_is_integer(json_object_get(v, "shared_by")));
	}
}

static void test_cli(void)
{
	char *out = NULL, args[20000], seeds[4400];
	size_t n = 0;
	json_error_t jerr;
	json_t *doc;
	FILE *f;
	int rc;

	rc = run_cli(&out, "--format json domain:login-bluharbor.com");
	CHECK_INT(rc, 0);
	doc = out ? json_loads(out, 0, &jerr) : NULL;
	if (!doc)
		fprintf(stderr, "pivot JSON does not parse: %s\n", out ? jerr.text : "no output");
	CHECK(doc != NULL);
	if (doc)
		check_contract(doc);
	json_decref(doc);
	free(out);
	/* nothing found: exit 1; no seed or a bad option: exit 2; malformed seed: exit 3 */
	CHECK_INT(run_cli(&out, "--format json domain:no-such-domain.example"), 1);
	free(out);
	CHECK_INT(run_cli(&out, "--format json"), 2);
	free(out);
	CHECK_INT(run_cli(&out, "--depth zero domain:login-bluharbor.com"), 2);
	free(out);
	CHECK_INT(run_cli(&out, "--format json 'bogus seed' domain:login-bluharbor.com"), 3);
	free(out);
	/* the table lists suppressed values with --show-suppressed */
	CHECK_INT(run_cli(&out, "--format table --show-suppressed domain:login-bluharbor.com"), 0);
	CHECK(out && strstr(out, "high-volume-ca") && strstr(out, "multi-tenant") && strstr(out, "leads ("));
	free(out);
	/* seeds from a file, a certificate file, and an indicator list for corroborate */
	snprintf(seeds, sizeof seeds, "%s/seeds.txt", world);
	f = fopen(seeds, "w");
	CHECK(f != NULL);
	if (!f)
		return;
	fprintf(f, "# campaign IOCs\n\nsha256:%s\n", sha_of("a5"));
	fclose(f);
	snprintf(args, sizeof args, "--format json --depth 1 --seeds '%s' --indicators '%s/ind.txt' '%s/extra/a7.pem'",
		 seeds, world, world);
	CHECK_INT(run_cli(&out, args), 0);
	doc = out ? json_loads(out, 0, &jerr) : NULL;
	CHECK(doc && json_array_size(json_object_get(doc, "seeds")) == 2);
	if (doc) { /* the file seed (not stored) is decoded; its key finds a1 */
		json_t *s0 = json_array_get(json_object_get(doc, "seeds"), 0);
		CHECK_STR(json_string_value(json_object_get(s0, "kind")), "cert");
		CHECK(json_object_get(s0, "error") == NULL);
		CHECK(out && strstr(out, sha_of("a1")) != NULL);
	}
	json_decref(doc);
	free(out);
	snprintf(seeds, sizeof seeds, "%s/ind.txt", world);
	out = (char *)ch_test_read_file(seeds, &n);
	CHECK(out && strstr(out, sha_of("a4")) && strstr(out, "\nlogin-bluharbor.com\n"));
	free(out);
}

static bool add_sightings(ch_store *s)
{
	const char *names[] = {"a1", "bip", "cdn", "glitch"};
	uint8_t sha[4][32];
	ch_sighting g[4];

	for (int i = 0; i < 4; i++) {
		if (ch_hex_decode(sha[i], 32, sha_of(names[i]), 64) != 32)
			return false;
		g[i] = (ch_sighting){.kind = CH_SOURCE_SCAN, .source = "198.51.100.7:443", .index = i,
				     .timestamp = 1709251200 + 86400 * i, .ip = "198.51.100.7", .port = 443};
	}
	return ch_store_begin(s) == CH_OK && ch_store_add_sightings(s, (const uint8_t(*)[32])sha, g, 4) == CH_OK &&
	       ch_store_commit(s) == CH_OK;
}

int main(void)
{
	char cmd[20000], kbdir[4200];
	ch_store *s = NULL;

	if (system("openssl version >/dev/null 2>&1") != 0)
		return ch_test_skip("the openssl command is missing");
	snprintf(world, sizeof world, "%s", ch_test_tmpdir());
	snprintf(db, sizeof db, "%s/store.db", world);
	snprintf(cmd, sizeof cmd, "bash '%s/tests/data/pivot/make-world.sh' '%s/w' >/dev/null 2>&1 && "
		 "'%s' --db '%s' ingest '%s/w/certs' >/dev/null 2>&1", ch_test_source_dir(), world,
		 ch_test_cli(), db, world);
	strcat(world, "/w");
	if (system(cmd) != 0) {
		fprintf(stderr, "cannot build the test world: %s\n", cmd);
		return 1;
	}
	snprintf(kbdir, sizeof kbdir, "%s/data/pivot", ch_test_source_dir());
	CHECK(ch_pivot_kb_load(&kb, kbdir, NULL, 0) == CH_OK);
	CHECK(ch_store_open(&s, db, 0) == CH_OK);
	if (!kb || !s)
		return ch_test_done("pivot");
	CHECK(add_sightings(s));
	test_domain_seed(s);
	test_any_seed(s);
	test_seed_kinds(s);
	test_bounds(s);
	test_knowledge(s);
	ch_store_close(s);
	test_cli();
	ch_pivot_kb_free(kb);
	return ch_test_done("pivot");
}
