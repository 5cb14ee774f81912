/* monitor: the watch list, every matching rule on planted names (and nothing on unrelated or
 * near-miss names), and passes over a real store built from openssl-made certificates: each
 * alert once, restart after a failed delivery, a pass cut short and resumed, authorization,
 * --start-at-end, de-duplication of a precertificate-like pair (same issuer and serial). */
#include "testlib.h"

#include <certhound/monitor.h>
#include <certhound/names.h>
#include <certhound/store.h>
#include <certhound/util.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

static const char WATCH[] =
	"# Example Corp\n"
	".example.com\n"
	"name www.example.org\n"
	"org \"Example Corp\"\n"
	"keyword bluebank\n"
	"allow-ca example.com Let's Encrypt\n"
	"allow-ca example.com DigiCert\n";

static ch_monitor *mon;

/* alerts_of matches one certificate with the given names / subject / issuer. */
static ch_monitor_matches mm;
static const ch_monitor_matches *run(const char *const *names, size_t n, const char *subject,
				     const char *issuer)
{
	static ch_monitor_cert c;

	c = (ch_monitor_cert){.serial_hex = "1234", .subject = subject,
			      .issuer = issuer ? issuer : "CN=R3,O=Let's Encrypt,C=US",
			      .names = names, .num_names = n};
	CHECK(ch_monitor_match(mon, &mm, &c) == CH_OK);
	return &mm;
}

static const ch_monitor_alert *find(const ch_monitor_matches *r, ch_monitor_rule rule,
				    const char *watch_value)
{
	size_t n;
	const ch_watch_entry *e = ch_monitor_entries(mon, &n);

	for (size_t i = 0; i < r->num_alerts; i++)
		if (r->alerts[i].rule == rule && !strcmp(e[r->alerts[i].entry].value, watch_value))
			return &r->alerts[i];
	return NULL;
}

/* one_name: the alerts of a certificate with one name: exactly one alert, this rule */
static void expect(const char *name, ch_monitor_rule rule, const char *watch, int distance)
{
	const char *names[1] = {name};
	const ch_monitor_matches *r = run(names, 1, "CN=x", NULL);
	const ch_monitor_alert *a = find(r, rule, watch);

	if (!a || r->num_alerts != 1) {
		fprintf(stderr, "%s: want %s on %s, got %zu alerts:", name, ch_monitor_rule_name(rule),
			watch, r->num_alerts);
		for (size_t i = 0; i < r->num_alerts; i++)
			fprintf(stderr, " %s/%s", ch_monitor_rule_name(r->alerts[i].rule), r->alerts[i].detail);
		fprintf(stderr, "\n");
	}
	CHECK(a != NULL);
	CHECK_INT(r->num_alerts, 1);
	if (a) {
		CHECK_INT(a->distance, distance);
		CHECK(a->num_names == 1 && !strcmp(a->names[0], name));
	}
}

static void expect_none(const char *name)
{
	const char *names[1] = {name};
	const ch_monitor_matches *r = run(names, 1, "CN=x", NULL);

	if (r->num_alerts)
		fprintf(stderr, "%s: unexpected %s (%s)\n", name, ch_monitor_rule_name(r->alerts[0].rule),
			r->alerts[0].detail);
	CHECK_INT(r->num_alerts, 0);
}

static void test_watch_file(void)
{
	ch_monitor *m = NULL;
	size_t n;
	const ch_watch_entry *e;

	CHECK(ch_monitor_new(&m, WATCH, strlen(WATCH), "w", NULL) == CH_OK);
	if (!m)
		return;
	e = ch_monitor_entries(m, &n);
	/* 6 entries written, "example" derived from example.com */
	CHECK_INT(n, 7);
	CHECK(e[0].kind == CH_WATCH_SUBTREE && !strcmp(e[0].value, "example.com") && e[0].line == 2);
	CHECK(e[2].kind == CH_WATCH_ORG && !strcmp(e[2].value, "example corp"));
	CHECK(e[4].kind == CH_WATCH_ALLOW_CA && !strcmp(e[4].extra, "let's encrypt"));
	CHECK(e[6].kind == CH_WATCH_KEYWORD && e[6].derived && !strcmp(e[6].value, "example"));
	ch_monitor_free(m);
	m = NULL;
	CHECK(ch_monitor_new(&m, "\nfrobnicate x\n", 14, "bad.txt", NULL) == CH_ERR_PARSE && !m);
	CHECK(strstr(ch_error_last(), "bad.txt:2") != NULL);
	CHECK(ch_monitor_new(&m, "name not a host!\n", 17, "b2", NULL) == CH_ERR_PARSE && !m);
	CHECK(ch_monitor_new(&m, "allow-ca example.com\n", 21, "b3", NULL) == CH_ERR_PARSE && !m);
	CHECK(ch_monitor_new(&m, "keyword two words\n", 18, "b4", NULL) == CH_ERR_PARSE && !m);
}

static void test_rules(void)
{
	char idn[CH_NAME_BUF], mixed[CH_NAME_BUF];
	const char *two[2] = {"www.example.com", "api.example.com"};
	const char *one[1];
	const ch_monitor_matches *r;

	/* watched names and subtrees (with the allowed CA: no unexpected-ca) */
	expect("www.example.org", CH_RULE_EXACT, "www.example.org", -1);
	expect("example.com", CH_RULE_SUBTREE, "example.com", -1);
	expect("a.b.example.com", CH_RULE_SUBTREE, "example.com", -1);
	expect("*.example.com", CH_RULE_SUBTREE, "example.com", -1);
	r = run(two, 2, "CN=www.example.com", NULL);
	CHECK(r->num_alerts == 1 && r->alerts[0].num_names == 2); /* one alert, both names */
	/* an issuer not on the allow list of example.com */
	r = run(two, 2, "CN=x", "CN=Cheap CA,O=Cheap Certs");
	CHECK(find(r, CH_RULE_UNEXPECTED_CA, "example.com") && r->num_alerts == 2);
	r = run(two, 2, "CN=x", "CN=DigiCert TLS RSA SHA256 2020 CA1,O=DigiCert Inc,C=US");
	CHECK(!find(r, CH_RULE_UNEXPECTED_CA, "example.com"));
	/* the organisation, whatever the names */
	one[0] = "portal.unrelated.net";
	r = run(one, 1, "CN=portal.unrelated.net,O=EXAMPLE CORP,C=US", NULL);
	CHECK(find(r, CH_RULE_ORG, "example corp") && r->num_alerts == 1);
	r = run(one, 1, "CN=portal.unrelated.net,O=Example Corporation", NULL);
	CHECK_INT(r->num_alerts, 0);

	/* look-alikes of the derived keyword "example" and of "bluebank" */
	expect("examp1e.com", CH_RULE_HOMOGLYPH, "example", 0);
	expect("exarnple.net", CH_RULE_HOMOGLYPH, "example", 0);
	expect("b1uebank.com", CH_RULE_HOMOGLYPH, "bluebank", 0);
	CHECK(ch_name_normalize(idn, "ex\xd0\xb0mple.com", 12) == CH_OK); /* Cyrillic a */
	expect(idn, CH_RULE_IDN_HOMOGLYPH, "example", 0);
	CHECK(strstr(mm.alerts[0].detail, "mixed-script latin+cyrillic") != NULL);
	CHECK(ch_name_normalize(mixed, "bl\xc3\xbc" "ebank.com", 12) == CH_OK); /* u-umlaut */
	expect(mixed, CH_RULE_IDN_HOMOGLYPH, "bluebank", 0);
	expect("exmaple.com", CH_RULE_TYPO, "example", 1);  /* swap */
	expect("exampe.com", CH_RULE_TYPO, "example", 1);   /* deletion */
	expect("exanple.com", CH_RULE_TYPO, "example", 1);  /* substitution */
	expect("exaample.org", CH_RULE_TYPO, "example", 1); /* insertion */
	expect("bluebamk.com", CH_RULE_TYPO, "bluebank", 1);
	expect("example-login.com", CH_RULE_KEYWORD, "example", -1);
	expect("secure.login-example.net", CH_RULE_KEYWORD, "example", -1);
	expect("secure.login-example.com", CH_RULE_EMBEDDED, "example.com", -1);
	expect("example.net", CH_RULE_KEYWORD, "example", -1);
	expect("examplesecure.com", CH_RULE_KEYWORD, "example", -1);
	expect("mybluebank.io", CH_RULE_KEYWORD, "bluebank", -1);
	expect("example.com.evil.tld", CH_RULE_EMBEDDED, "example.com", -1);
	expect("example.com-secure.net", CH_RULE_EMBEDDED, "example.com", -1);
	expect("www.example.com\\0.evil.net", CH_RULE_NUL_PREFIX, "example.com", -1);

	/* and nothing for unrelated or merely similar names */
	expect_none("www.google.com");
	expect_none("sample.com");
	expect_none("examine.com");
	expect_none("exemplary.org");
	expect_none("simple-shop.com");
	expect_none("mail.test.org");
	expect_none("blue-sky-bank.net");
	expect_none("banking-blue.org");
	expect_none("exam.com");
	expect_none("10.0.0.1");
}

/* ---- passes over a store -------------------------------------------------------------------- */

static char dir[4096], db[4200];

typedef struct sink {
	json_t *got[256];
	size_t n;
	int fail_after; /* fail deliveries after this many (-1 = never) */
} sink;

static ch_err deliver(void *arg, const char *json, size_t len)
{
	sink *s = arg;

	if (s->fail_after >= 0 && (int)s->n >= s->fail_after)
		return ch_error_set(CH_ERR_NET, "receiver down");
	if (s->n < 256)
		s->got[s->n++] = json_loadb(json, len, 0, NULL);
	return CH_OK;
}

static void sink_clear(sink *s)
{
	for (size_t i = 0; i < s->n; i++)
		json_decref(s->got[i]);
	s->n = 0;
}

static size_t count_rule(const sink *s, const char *rule)
{
	size_t k = 0;

	for (size_t i = 0; i < s->n; i++)
		k += s->got[i] && !strcmp(json_string_value(json_object_get(s->got[i], "rule")), rule);
	return k;
}

/* make CERT NAME... with openssl: a self-signed certificate with these SAN names */
static bool make(const char *sub, const char *file, const char *cn, const char *san,
		 const char *o)
{
	char cmd[20000];

	snprintf(cmd, sizeof cmd, "mkdir -p '%s/%s' && openssl req -x509 -new -newkey ec "
		 "-pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null -subj '/O=%s/CN=%s' "
		 "-days 90 -addext 'subjectAltName=%s' -out '%s/%s/%s.pem' 2>/dev/null",
		 dir, sub, o, cn, san, dir, sub, file);
	return system(cmd) == 0;
}

static bool ingest(const char *sub)
{
	char cmd[9000];

	snprintf(cmd, sizeof cmd, "'%s' --db '%s' ingest '%s/%s' >/dev/null", ch_test_cli(), db, dir, sub);
	return system(cmd) == 0;
}

static void test_passes(void)
{
	ch_store *s = NULL;
	ch_monitor_pass_result r;
	ch_monitor_pass_opts o = {.name = "t", .now = 1780272000};
	sink k = {.fail_after = -1};
	uint64_t seen;
	uint8_t sha[32];

	snprintf(dir, sizeof dir, "%s", ch_test_tmpdir());
	snprintf(db, sizeof db, "%s/s.db", dir);
	CHECK(make("a", "www", "www.example.com", "DNS:www.example.com,DNS:example.com", "Example Corp"));
	CHECK(make("a", "look", "examp1e.com", "DNS:examp1e.com,DNS:www.examp1e.com", "Nobody"));
	CHECK(make("a", "typo", "exmaple.com", "DNS:exmaple.com", "Nobody"));
	CHECK(make("a", "plain", "www.google.com", "DNS:www.google.com", "Google"));
	for (int i = 0; i < 30; i++) { /* filler: nothing to see */
		char f[32], san[64];
		snprintf(f, sizeof f, "f%d", i);
		snprintf(san, sizeof san, "DNS:shop%d.unrelated-store.com", i);
		CHECK(make("a", f, "filler", san, "Filler"));
	}
	CHECK(ingest("a"));
	CHECK(ch_store_open(&s, db, 0) == CH_OK);
	if (!s)
		return;
	/* ch_store_scan, which passes read with: every certificate once in pages, the cursor
	 * always after the last item, an empty page at the end keeps it */
	{
		char at[CH_STORE_CURSOR_MAX] = "";
		size_t total = 0, pages = 0;
		ch_store_page *pg = NULL;
		while (ch_store_scan(s, &pg, 5, at) == CH_OK && pg->num_items) {
			total += pg->num_items;
			pages++;
			CHECK(pg->cursor[0] == 'c');
			snprintf(at, sizeof at, "%s", pg->cursor);
			CHECK(pg->items[0].num_names >= 1 && pg->items[0].subject && pg->items[0].issuer);
			ch_store_page_free(pg);
			pg = NULL;
		}
		CHECK(pg && pg->num_items == 0 && !strcmp(pg->cursor, at));
		ch_store_page_free(pg);
		CHECK_INT(total, 34);
		CHECK_INT(pages, 7);
		CHECK(ch_store_scan(s, &pg, 5, "bogus") == CH_ERR_INVALID);
	}
	/* first pass: backfill, in pages of 7 */
	o.page = 7;
	CHECK(ch_monitor_pass(&r, mon, s, &o, deliver, &k) == CH_OK);
	CHECK_INT(r.certs, 34);
	/* www: subtree + org (self-signed issuer "Example Corp" is not an allowed CA) */
	CHECK_INT(count_rule(&k, "subtree"), 1);
	CHECK_INT(count_rule(&k, "org"), 1);
	CHECK_INT(count_rule(&k, "unexpected-ca"), 1);
	CHECK_INT(count_rule(&k, "homoglyph"), 1);
	CHECK_INT(count_rule(&k, "typo"), 1);
	CHECK_INT(k.n, 5);
	CHECK_INT(r.alerts, 5);
	CHECK_INT(r.delivered, 5);
	/* the alert record */
	for (size_t i = 0; i < k.n; i++)
		if (!strcmp(json_string_value(json_object_get(k.got[i], "rule")), "homoglyph")) {
			json_t *a = k.got[i];
			CHECK_STR(json_string_value(json_object_get(json_object_get(a, "watch"), "value")), "example");
			CHECK(json_integer_value(json_object_get(a, "distance")) == 0);
			CHECK(json_array_size(json_object_get(a, "names")) == 2);
			CHECK(strlen(json_string_value(json_object_get(a, "sha256"))) == 64);
			CHECK_STR(json_string_value(json_object_get(a, "time")), "2026-06-01T00:00:00Z");
		}
	sink_clear(&k);
	/* nothing new: nothing again */
	CHECK(ch_monitor_pass(&r, mon, s, &o, deliver, &k) == CH_OK);
	CHECK(r.certs == 0 && k.n == 0);

	/* new certificates; the receiver fails after one delivery: the rest stay pending */
	{
		char idn[CH_NAME_BUF], san[CH_NAME_BUF + 8];
		CHECK(ch_name_normalize(idn, "ex\xd0\xb0mple.com", 12) == CH_OK); /* Cyrillic a */
		snprintf(san, sizeof san, "DNS:%s", idn);
		CHECK(make("b", "idn", "x", san, "Nobody"));
	}
	CHECK(make("b", "kw", "example-login.com", "DNS:example-login.com", "Nobody"));
	CHECK(make("b", "emb", "example.com.evil.tld", "DNS:example.com.evil.tld", "Nobody"));
	CHECK(ingest("b"));
	k.fail_after = 1;
	CHECK(ch_monitor_pass(&r, mon, s, &o, deliver, &k) == CH_OK);
	CHECK_INT(k.n, 1);
	CHECK(r.pending >= 1); /* the pass stops examining while deliveries fail */
	seen = r.certs;
	/* "restart": a new pass delivers the pending ones, once, and examines the rest */
	k.fail_after = -1;
	CHECK(ch_monitor_pass(&r, mon, s, &o, deliver, &k) == CH_OK);
	CHECK_INT(r.certs + seen, 3);
	CHECK_INT(r.pending, 0);
	CHECK_INT(count_rule(&k, "keyword"), 1);
	CHECK_INT(count_rule(&k, "embedded-domain"), 1);
	CHECK_INT(count_rule(&k, "idn-homoglyph"), 1);
	CHECK_INT(k.n, 3);
	for (size_t i = 0; i < k.n; i++) /* each id once */
		for (size_t j = i + 1; j < k.n; j++)
			CHECK(strcmp(json_string_value(json_object_get(k.got[i], "id")),
				     json_string_value(json_object_get(k.got[j], "id"))));
	sink_clear(&k);

	/* a pass cut after 10 certificates by max_certs, then resumed: the same alerts as one
	 * pass, once each (another monitor name starts from the beginning) */
	o.name = "cut";
	o.page = 4;
	o.max_certs = 10;
	for (int i = 0; i < 10; i++)
		CHECK(ch_monitor_pass(&r, mon, s, &o, deliver, &k) == CH_OK);
	CHECK_INT(k.n, 8);
	sink_clear(&k);

	/* authorization: the www certificate is expected, a fresh monitor skips it */
	CHECK(ch_hex_decode(sha, 32, "00", 2) == 1);
	{
		ch_store_page *pg = NULL;
		ch_filter f = {.op = CH_FILTER_TERM, .field = CH_FIELD_NAME, .cmp = CH_CMP_EQ,
			       .text = "www.example.com"};
		CHECK(ch_store_search(s, &pg, &f, 10, NULL) == CH_OK && pg && pg->num_items == 1);
		if (pg && pg->num_items == 1)
			CHECK(ch_monitor_authorize(s, pg->items[0].sha256) == CH_OK);
		ch_store_page_free(pg);
	}
	o.name = "auth";
	o.max_certs = 0;
	CHECK(ch_monitor_pass(&r, mon, s, &o, deliver, &k) == CH_OK);
	CHECK_INT(r.authorized, 1);
	CHECK_INT(count_rule(&k, "subtree"), 0);
	CHECK_INT(count_rule(&k, "org"), 0);
	CHECK_INT(k.n, 5);
	sink_clear(&k);

	/* --start-at-end: a new monitor sees only what arrives after its first pass */
	o.name = "fresh";
	o.start_at_end = true;
	CHECK(ch_monitor_pass(&r, mon, s, &o, deliver, &k) == CH_OK);
	CHECK(r.certs == 0 && k.n == 0);
	ch_store_close(s);
	s = NULL;
	CHECK(make("c", "late", "login.bluebank-secure.com", "DNS:login.bluebank-secure.com", "Nobody"));
	CHECK(ingest("c"));
	CHECK(ch_store_open(&s, db, 0) == CH_OK);
	o.start_at_end = false;
	CHECK(s && ch_monitor_pass(&r, mon, s, &o, deliver, &k) == CH_OK);
	CHECK_INT(r.certs, 1);
	CHECK(k.n == 1 && count_rule(&k, "keyword") == 1);
	sink_clear(&k);
	ch_store_close(s);
}

/* A run killed after appending an alert to the file and before recording the delivery sends it
 * again on restart: the file sink must not repeat it, and a line cut short by a crash must not
 * swallow the next alert. */
static void test_file_sink_once(void)
{
	char path[4200], buf[512];
	const char *a = "{\"id\":\"a1\"}", *b = "{\"id\":\"b2\"}";
	ch_monitor_notify n = {.file = path};
	FILE *f;
	size_t len;

	snprintf(path, sizeof path, "%s/alerts.ndjson", ch_test_tmpdir());
	remove(path);
	CHECK(ch_monitor_notify_send(&n, a, strlen(a)) == CH_OK);
	CHECK(ch_monitor_notify_send(&n, a, strlen(a)) == CH_OK); /* the redelivery */
	CHECK(ch_monitor_notify_send(&n, b, strlen(b)) == CH_OK);
	CHECK((f = fopen(path, "a")) != NULL);
	if (f) {
		fputs("{\"id\":\"to", f); /* a torn line */
		fclose(f);
	}
	CHECK(ch_monitor_notify_send(&n, a, strlen(a)) == CH_OK);
	CHECK((f = fopen(path, "r")) != NULL);
	if (!f)
		return;
	len = fread(buf, 1, sizeof buf - 1, f);
	buf[len] = '\0';
	fclose(f);
	CHECK_STR(buf, "{\"id\":\"a1\"}\n{\"id\":\"b2\"}\n{\"id\":\"to\n{\"id\":\"a1\"}\n");
}

int main(void)
{
	test_watch_file();
	CHECK(ch_monitor_new(&mon, WATCH, strlen(WATCH), "watch", NULL) == CH_OK);
	if (!mon)
		return ch_test_done("monitor");
	test_rules();
	test_file_sink_once();
	if (system("openssl version >/dev/null 2>&1") == 0)
		test_passes();
	else
		fprintf(stderr, "no openssl command: store passes not tested\n");
	ch_monitor_matches_free(&mm);
	ch_monitor_free(mon);
	return ch_test_done("monitor");
}
