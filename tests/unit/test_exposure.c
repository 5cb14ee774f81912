/* exposure on a real store: Example Corp's certificate history made with `openssl ca`
 * (tests/data/exposure/make-world.sh), ingested with `certhound ingest`, one scan sighting added
 * through the store API. Judged as of 2026-06-01: the exact inventory and names, each planted leak
 * with its reason and nothing else, expiry windows with and without successors, the renewal gap,
 * the new CA, O/OU values, the naming pattern, key reuse and weak keys; the CLI's JSON checked
 * against the contract with jansson; knowledge-file rules and errors. */
#include "testlib.h"

#include <certhound/exposure.h>
#include <certhound/pem.h>
#include <certhound/report_exposure.h>
#include <certhound/store.h>
#include <certhound/util.h>
#include <certhound/x509.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static char world[4096], db[4200];
static const int64_t NOW = 1780272000; /* 2026-06-01T00:00:00Z */

/* sha_of returns the SHA-256 hex of world certificate NAME (certs/NAME.pem) */
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
	if (ch_pem_new(&r) == CH_OK && ch_pem_add_path(r, path) == CH_OK &&
	    ch_pem_next(r, &it) == CH_OK && it.err == CH_OK && ch_cert_new(&c) == CH_OK &&
	    ch_cert_parse(c, it.der, it.der_len, CH_PARSE_ALL) == CH_OK)
		ch_hex_encode(out, c->sha256, 32);
	ch_cert_free(c);
	ch_pem_free(r);
	return out;
}

static const char *hex_of(const uint8_t sha[32])
{
	static char h[4][65];
	static int slot;
	char *o = h[slot++ % 4];

	ch_hex_encode(o, sha, 32);
	return o;
}

static const ch_exposure_cert *cert(const ch_exposure_result *r, const char *name)
{
	const char *want = sha_of(name);

	for (size_t i = 0; i < r->num_certs; i++)
		if (!strcmp(hex_of(r->certs[i].sha256), want))
			return &r->certs[i];
	return NULL;
}

static const ch_exposure_leak *leak(const ch_exposure_result *r, const char *name)
{
	for (size_t i = 0; i < r->num_leaks; i++)
		if (!strcmp(r->leaks[i].name, name))
			return &r->leaks[i];
	return NULL;
}

static const ch_exposure_expiring *expiring(const ch_exposure_result *r, const char *cert_name)
{
	const char *want = sha_of(cert_name);

	for (size_t i = 0; i < r->num_expiring; i++)
		if (!strcmp(hex_of(r->certs[r->expiring[i].cert].sha256), want))
			return &r->expiring[i];
	return NULL;
}

static const ch_exposure_ca *ca(const ch_exposure_result *r, const char *issuer)
{
	for (size_t i = 0; i < r->num_cas; i++)
		if (!strcmp(r->cas[i].issuer, issuer))
			return &r->cas[i];
	return NULL;
}

static bool add_sighting(ch_store *s)
{
	uint8_t sha[1][32];
	ch_sighting g = {.kind = CH_SOURCE_SCAN, .source = "203.0.113.10:443", .index = 1,
			 .timestamp = NOW - 86400, .ip = "203.0.113.10", .port = 443,
			 .sni = "www.example.com"};

	if (ch_hex_decode(sha[0], 32, sha_of("www5"), 64) != 32)
		return false;
	return ch_store_begin(s) == CH_OK &&
	       ch_store_add_sightings(s, (const uint8_t(*)[32])sha, &g, 1) == CH_OK &&
	       ch_store_commit(s) == CH_OK;
}

static void test_inventory(const ch_exposure_result *r)
{
	static const char *const names[] = {
		"example.com", "*.example.com", "api.example.com", "cdn-assets.example.com",
		"jenkins.example.com", "legacy.example.com", "mail.example.com", "md5.example.com",
		"pay.example.com",
		"shop.example.com", "staging-api.example.com", "vpn01.example.com",
		"web01.example.com", "web02.example.com", "web03.example.com", "wiki.example.com",
		"www.example.com", "fileserver", "printer.local"};
	static const char *const certs[] = {"www1", "www2", "www3", "www4", "www5", "api",
					    "leaky", "corp", "legacy", "md5", "shop", "mail",
					    "cdn", "web", "wild", "pay-pre", "pay-final"};
	const ch_exposure_cert *c;

	CHECK_INT(r->num_subjects, 2);
	CHECK_STR(r->subjects[0].value, "example.com");
	CHECK_INT(r->subjects[1].kind, CH_EXPOSURE_ORG);
	CHECK_INT(r->subjects[1].certs, 2);
	/* every certificate of the company, nothing of other.org / examp1e.com, no CA */
	CHECK_INT(r->num_certs, 17);
	for (size_t i = 0; i < sizeof certs / sizeof *certs; i++)
		CHECK(cert(r, certs[i]) != NULL);
	CHECK(cert(r, "other") == NULL);
	/* names in label order (domain, then below it), out-of-domain names of the org's own
	 * certificate included */
	CHECK_INT(r->num_names, sizeof names / sizeof *names);
	for (size_t i = 0; i < r->num_names && i < sizeof names / sizeof *names; i++)
		CHECK_STR(r->names[i].name, names[i]);
	CHECK_INT(r->names[0].certs, 5);
	/* first issued / valid until of www.example.com across its five certificates */
	CHECK_INT(r->names[16].first_issued, ch_time_from_civil(2024, 1, 10, 0, 0, 0));
	CHECK_INT(r->names[16].valid_until, ch_time_from_civil(2026, 8, 23, 0, 0, 0));
	/* the precertificate knows its certificate is stored; both are in the inventory */
	c = cert(r, "pay-pre");
	CHECK(c && c->precert && c->has_final);
	c = cert(r, "pay-final");
	CHECK(c && !c->precert && !c->has_final);
	/* one certificate in full */
	c = cert(r, "www5");
	if (c) {
		CHECK_STR(c->issuer, "CN=R3,O=Let's Encrypt,C=US");
		CHECK_STR(c->issuer_name, "Let's Encrypt R3");
		CHECK_STR(c->key, "ec-256");
		CHECK_STR(c->sig_alg, "ecdsa-with-SHA256");
		CHECK_INT(c->not_before, ch_time_from_civil(2026, 5, 25, 0, 0, 0));
		CHECK_INT(c->num_ips, 1);
		CHECK(c->num_ips == 1 && !strcmp(c->ips[0], "203.0.113.10"));
		CHECK_INT(c->sightings, 2);
		/* the scan sighting's time and the file sighting's (the ingest): two ends */
		CHECK(c->first_seen == NOW - 86400 || c->last_seen == NOW - 86400);
		CHECK(c->last_seen > c->first_seen);
	}
	c = cert(r, "corp");
	CHECK(c && c->num_san_ips == 1 && !strcmp(c->san_ips[0], "10.1.2.3"));
	CHECK(c && c->subject_ou && !strcmp(c->subject_ou, "IT Operations"));
}

static void test_leaks(const ch_exposure_result *r)
{
	static const char *const want[][2] = {
		{"jenkins.example.com", "label:jenkins"},
		{"staging-api.example.com", "label:staging"},
		{"vpn01.example.com", "label:vpn"},
		{"printer.local", "tld:.local"},
		{"fileserver", "single-label"},
		{"10.1.2.3", "private-ip:10.0.0.0/8"},
	};

	/* each planted leak with its reason, and nothing else flagged */
	CHECK_INT(r->num_leaks, 6);
	for (size_t i = 0; i < 6; i++) {
		const ch_exposure_leak *l = leak(r, want[i][0]);
		CHECK(l != NULL);
		if (!l)
			continue;
		CHECK_STR(l->reason, want[i][1]);
		CHECK_INT(l->num_certs, 1);
	}
	CHECK(leak(r, "jenkins.example.com") &&
	      !strcmp(hex_of(r->certs[leak(r, "jenkins.example.com")->certs[0]].sha256), sha_of("leaky")));
}

static void test_expiry(const ch_exposure_result *r)
{
	const ch_exposure_expiring *e;

	CHECK_INT(r->num_expiring, 3);
	/* soonest first */
	CHECK(r->num_expiring == 3 && !strcmp(hex_of(r->certs[r->expiring[0].cert].sha256), sha_of("www4")));
	e = expiring(r, "www4"); /* 7 days, renewed by www5 */
	CHECK(e && e->window == 7 && e->days_left == 7 && e->has_successor &&
	      !strcmp(hex_of(r->certs[e->successor].sha256), sha_of("www5")));
	e = expiring(r, "api"); /* 19 days, nothing replaces it */
	CHECK(e && e->window == 30 && e->days_left == 19 && !e->has_successor);
	e = expiring(r, "www5"); /* 83 days, no successor yet */
	CHECK(e && e->window == 90 && e->days_left == 83 && !e->has_successor);
	/* expired and far-off certificates are not listed; nor is the wildcard a successor of api
	 * (issued before it) */
	CHECK(expiring(r, "www1") == NULL);
	CHECK(expiring(r, "corp") == NULL);
	/* the renewal gap of www.example.com and example.com, 2025-04-05 -> 2025-06-01 */
	CHECK_INT(r->num_gaps, 2);
	for (size_t i = 0; i < r->num_gaps; i++) {
		CHECK_INT(r->gaps[i].from, ch_time_from_civil(2025, 4, 5, 0, 0, 0));
		CHECK_INT(r->gaps[i].to, ch_time_from_civil(2025, 6, 1, 0, 0, 0));
		CHECK_STR(hex_of(r->certs[r->gaps[i].before].sha256), sha_of("www2"));
		CHECK_STR(hex_of(r->certs[r->gaps[i].after].sha256), sha_of("www3"));
	}
}

static void test_cas_naming(const ch_exposure_result *r)
{
	const ch_exposure_ca *le = ca(r, "CN=R3,O=Let's Encrypt,C=US");
	const ch_exposure_ca *old = ca(r, "CN=Old Trust RSA CA,O=Old Trust");
	const ch_exposure_ca *fresh = ca(r, "CN=Fresh DV CA,O=Fresh Certs");

	CHECK_INT(r->num_cas, 3);
	/* R3: 9 issuances, pay's precertificate and certificate counted once */
	CHECK(le && le->count == 9 && !le->is_new &&
	      le->first_seen == ch_time_from_civil(2025, 1, 5, 0, 0, 0));
	CHECK(old && old->count == 6 && !old->is_new);
	CHECK(fresh && fresh->count == 1 && fresh->is_new);
	CHECK(r->num_cas == 3 && r->cas[0].count == 9); /* most issuances first */
	/* issuance per month: 2024-01 .. 2026-05 */
	CHECK_INT(r->num_months, 29);
	CHECK(old && old->per_month[0] == 1 && old->per_month[20] == 2);
	CHECK(fresh && fresh->per_month[28] == 1);
	/* subject O / OU, the wildcard, the web# pattern */
	CHECK(r->num_orgs == 1 && !strcmp(r->orgs[0].value, "Example Corp") && r->orgs[0].count == 2);
	CHECK_INT(r->num_org_units, 2);
	CHECK(r->num_wildcards == 1 && !strcmp(r->wildcards[0].value, "*.example.com"));
	CHECK(r->num_patterns == 1 && !strcmp(r->patterns[0].value, "web#.example.com") &&
	      r->patterns[0].count == 3);
	/* key reuse: mail and cdn-assets share a key and no name */
	CHECK_INT(r->num_reuse, 1);
	CHECK(r->num_reuse == 1 && r->reuse[0].num_certs == 2 && r->reuse[0].groups == 2);
	/* weak: the RSA-1024 SHA-1 legacy certificate (two reasons) and the MD5 one */
	CHECK_INT(r->num_weak, 3);
	for (size_t i = 0; i < r->num_weak; i++) {
		const char *h = hex_of(r->certs[r->weak[i].cert].sha256);
		CHECK(!strcmp(h, sha_of("legacy")) || !strcmp(h, sha_of("md5")));
	}
	CHECK(r->num_weak == 3 && strstr(r->weak[0].reason, "rsa-1024") &&
	      strstr(r->weak[1].reason, "SHA-1") && strstr(r->weak[2].reason, "MD5"));
}

/* a domain alone: the org-only names (printer.local, fileserver) are not in scope */
static void test_domain_only(ch_store *s, const ch_exposure_kb *kb)
{
	const char *subj[] = {"example.com"};
	ch_exposure_opts o = {.now = NOW, .new_ca_days = 5};
	ch_exposure_result *r = NULL;

	CHECK(ch_exposure_run(&r, s, kb, subj, 1, &o) == CH_OK);
	if (!r)
		return;
	CHECK_INT(r->num_certs, 17);
	CHECK_INT(r->num_names, 17);
	CHECK(leak(r, "printer.local") == NULL && leak(r, "fileserver") == NULL);
	CHECK(leak(r, "10.1.2.3") != NULL); /* SAN IPs are always looked at */
	/* --new-days 5: the CA first seen 12 days ago is no longer new */
	CHECK(ca(r, "CN=Fresh DV CA,O=Fresh Certs") && !ca(r, "CN=Fresh DV CA,O=Fresh Certs")->is_new);
	ch_exposure_result_free(r);
	/* nothing for an unknown domain; a bad subject is refused */
	subj[0] = "nothing-here.example";
	CHECK(ch_exposure_run(&r, s, kb, subj, 1, &o) == CH_OK);
	CHECK(r && r->num_certs == 0 && r->num_names == 0);
	ch_exposure_result_free(r);
	r = NULL;
	subj[0] = "domain:bad domain!";
	CHECK(ch_exposure_run(&r, s, kb, subj, 1, &o) == CH_ERR_INVALID && r == NULL);
}

static void test_kb(void)
{
	ch_exposure_kb *kb = NULL;
	char why[256];
	static const char text[] = "label build   # CI\ntld home.arpa\ncidr 192.0.2.0/24\n"
				   "rsa-min-bits 3072\nsig sha224 SHA-224 is short\n";

	CHECK(ch_exposure_kb_parse(&kb, text, strlen(text), "t.conf") == CH_OK);
	CHECK(ch_exposure_internal_reason(kb, why, sizeof why, "build-7.eu.example.com", "example.com"));
	CHECK_STR(why, "label:build");
	CHECK(!ch_exposure_internal_reason(kb, why, sizeof why, "builder.example.com", "example.com"));
	/* the registrable domain's own label is never an internal label */
	CHECK(!ch_exposure_internal_reason(kb, why, sizeof why, "build.com", "build.com"));
	CHECK(ch_exposure_internal_reason(kb, why, sizeof why, "nas.home.arpa", NULL));
	CHECK_STR(why, "tld:.home.arpa");
	CHECK(ch_exposure_internal_reason(kb, why, sizeof why, "192.0.2.77", NULL));
	CHECK_STR(why, "private-ip:192.0.2.0/24");
	CHECK(!ch_exposure_internal_reason(kb, why, sizeof why, "192.0.3.1", NULL));
	/* no single-label rule in this file */
	CHECK(!ch_exposure_internal_reason(kb, why, sizeof why, "jenkins", NULL));
	ch_exposure_kb_free(kb);
	kb = NULL;
	CHECK(ch_exposure_kb_parse(&kb, "label\n", 6, "bad.conf") == CH_ERR_PARSE);
	CHECK(strstr(ch_error_last(), "bad.conf:1") != NULL);
	ch_exposure_kb_free(kb);
	kb = NULL;
	CHECK(ch_exposure_kb_parse(&kb, "\ncidr 10.0.0.0/33\n", 18, "b2") == CH_ERR_PARSE);
	CHECK(strstr(ch_error_last(), "b2:2") != NULL);
	ch_exposure_kb_free(kb);
	/* the shipped knowledge: IPv6 ULA, fe80::, single labels, .internal */
	kb = NULL;
	CHECK(ch_exposure_kb_load(&kb, NULL, NULL, 0) == CH_OK);
	CHECK(kb && ch_exposure_internal_reason(kb, why, sizeof why, "fd12:3456::1", NULL));
	CHECK(kb && ch_exposure_internal_reason(kb, why, sizeof why, "jenkins", NULL) &&
	      !strcmp(why, "single-label"));
	CHECK(kb && ch_exposure_internal_reason(kb, why, sizeof why, "git.corp.internal", NULL) &&
	      !strcmp(why, "tld:.internal"));
	CHECK(kb && !ch_exposure_internal_reason(kb, why, sizeof why, "8.8.8.8", NULL));
	CHECK(kb && !ch_exposure_internal_reason(kb, why, sizeof why, "www.example.com", "example.com"));
	ch_exposure_kb_free(kb);
}

static json_t *run_cli_json(const char *args, int *rc)
{
	char cmd[9000];
	FILE *p;
	json_error_t je;
	json_t *doc;
	int st;

	snprintf(cmd, sizeof cmd, "'%s' --db '%s' exposure --format json --now 2026-06-01 %s",
		 ch_test_cli(), db, args);
	if (!(p = popen(cmd, "r")))
		return NULL;
	doc = json_loadf(p, 0, &je);
	st = pclose(p);
	*rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return doc;
}

static bool has_keys(json_t *o, const char *const *keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!json_object_get(o, keys[i])) {
			fprintf(stderr, "missing key %s\n", keys[i]);
			return false;
		}
	return true;
}

static void test_cli(void)
{
	static const char *const top[] = {"subjects", "names", "certificates", "leaked_internal",
					  "expiring", "cas", "org_units", "weak"};
	static const char *const lk[] = {"name", "reason", "certs"};
	static const char *const ex[] = {"sha256", "names", "not_after", "days_left", "successor"};
	static const char *const ck[] = {"issuer", "count", "first_seen", "last_seen", "new"};
	static const char *const ou[] = {"value", "count"};
	static const char *const wk[] = {"sha256", "reason"};
	int rc = -1;
	json_t *d = run_cli_json("example.com 'org:Example Corp'", &rc), *a;
	size_t i;
	json_t *v;
	char cmd[9000];

	CHECK_INT(rc, 0);
	CHECK(d && json_is_object(d));
	if (!d)
		return;
	CHECK(has_keys(d, top, 8));
	CHECK(json_is_array(json_object_get(d, "subjects")) &&
	      json_is_string(json_array_get(json_object_get(d, "subjects"), 0)));
	CHECK(json_is_array(json_object_get(d, "names")) &&
	      json_array_size(json_object_get(d, "names")) == 19 &&
	      json_is_string(json_array_get(json_object_get(d, "names"), 0)));
	CHECK(json_is_integer(json_object_get(d, "certificates")) &&
	      json_integer_value(json_object_get(d, "certificates")) == 17);
	a = json_object_get(d, "leaked_internal");
	CHECK(json_array_size(a) == 6);
	json_array_foreach(a, i, v) {
		CHECK(has_keys(v, lk, 3) && json_is_string(json_object_get(v, "reason")) &&
		      json_is_array(json_object_get(v, "certs")) &&
		      strlen(json_string_value(json_array_get(json_object_get(v, "certs"), 0))) == 64);
	}
	a = json_object_get(d, "expiring");
	CHECK(json_array_size(a) == 3);
	json_array_foreach(a, i, v) {
		json_t *s = json_object_get(v, "successor");
		CHECK(has_keys(v, ex, 5) && (json_is_null(s) || json_is_string(s)) &&
		      json_is_integer(json_object_get(v, "days_left")) &&
		      json_is_array(json_object_get(v, "names")));
	}
	CHECK(!strcmp(json_string_value(json_object_get(json_array_get(a, 0), "successor")), sha_of("www5")));
	CHECK(json_is_null(json_object_get(json_array_get(a, 1), "successor")));
	CHECK_STR(json_string_value(json_object_get(json_array_get(a, 0), "not_after")), "2026-06-08T00:00:00Z");
	a = json_object_get(d, "cas");
	CHECK(json_array_size(a) == 3);
	json_array_foreach(a, i, v) {
		CHECK(has_keys(v, ck, 5) && json_is_boolean(json_object_get(v, "new")) &&
		      json_is_integer(json_object_get(v, "count")));
		CHECK(json_is_true(json_object_get(v, "new")) ==
		      !strcmp(json_string_value(json_object_get(v, "issuer")), "CN=Fresh DV CA,O=Fresh Certs"));
	}
	a = json_object_get(d, "org_units");
	CHECK(json_array_size(a) == 2);
	json_array_foreach(a, i, v) CHECK(has_keys(v, ou, 2));
	a = json_object_get(d, "weak");
	CHECK(json_array_size(a) == 3);
	json_array_foreach(a, i, v) CHECK(has_keys(v, wk, 2));
	json_decref(d);

	/* exit codes: nothing found = 1, no subject / csv = 2 */
	d = run_cli_json("nothing-here.example", &rc);
	CHECK_INT(rc, 1);
	json_decref(d);
	snprintf(cmd, sizeof cmd, "'%s' --db '%s' exposure >/dev/null 2>&1", ch_test_cli(), db);
	CHECK_INT(WEXITSTATUS(system(cmd)), 2);
	snprintf(cmd, sizeof cmd, "'%s' --db '%s' exposure --format csv example.com >/dev/null 2>&1",
		 ch_test_cli(), db);
	CHECK_INT(WEXITSTATUS(system(cmd)), 2);
	/* a user rules file adds a label */
	snprintf(cmd, sizeof cmd, "printf 'label wiki\\n' > '%s/extra.conf'", world);
	CHECK(system(cmd) == 0);
	snprintf(cmd, sizeof cmd, "--rules '%s/extra.conf' example.com", world);
	d = run_cli_json(cmd, &rc);
	CHECK(d && json_array_size(json_object_get(d, "leaked_internal")) == 5); /* + wiki, - org-only */
	json_decref(d);
	/* the table names the sections */
	snprintf(cmd, sizeof cmd, "'%s' --db '%s' exposure --format table --now 2026-06-01 example.com "
		 "| grep -q 'NO SUCCESSOR'", ch_test_cli(), db);
	CHECK(system(cmd) == 0);
}

int main(void)
{
	char cmd[20000];
	const char *subj[] = {"example.com", "org:Example Corp"};
	ch_exposure_opts o = {.now = NOW};
	ch_exposure_kb *kb = NULL;
	ch_exposure_result *r = NULL;
	ch_store *s = NULL;

	test_kb();
	if (system("openssl version >/dev/null 2>&1") != 0)
		return ch_test_skip("the openssl command is missing");
	snprintf(world, sizeof world, "%s", ch_test_tmpdir());
	snprintf(db, sizeof db, "%s/store.db", world);
	snprintf(cmd, sizeof cmd, "bash '%s/tests/data/exposure/make-world.sh' '%s/w' >/dev/null && "
		 "'%s' --db '%s' ingest '%s/w/certs' >/dev/null", ch_test_source_dir(), world,
		 ch_test_cli(), db, world);
	strcat(world, "/w");
	if (system(cmd) != 0) {
		fprintf(stderr, "cannot build the test world: %s\n", cmd);
		return 1;
	}
	CHECK(ch_store_open(&s, db, 0) == CH_OK);
	CHECK(ch_exposure_kb_load(&kb, NULL, NULL, 0) == CH_OK);
	if (!s || !kb)
		return ch_test_done("exposure");
	CHECK(add_sighting(s));
	CHECK(ch_exposure_run(&r, s, kb, subj, 2, &o) == CH_OK);
	if (r) {
		test_inventory(r);
		test_leaks(r);
		test_expiry(r);
		test_cas_naming(r);
	}
	ch_exposure_result_free(r);
	test_domain_only(s, kb);
	ch_store_close(s);
	ch_exposure_kb_free(kb);
	test_cli();
	return ch_test_done("exposure");
}
