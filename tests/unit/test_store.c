/* store + ingest on a real SQLite file: dedupe and sightings, search over the indexes (and
 * EXPLAIN QUERY PLAN proving no table scans), keyset paging, rarity, precert linking, DER
 * round trip, checkpoint atomicity, read-only reopen. Certificates: the demo set in data/demo
 * plus certificates made here with the openssl command (two sharing one key). */
#include <certhound/ingest.h>
#include <certhound/pem.h>
#include <certhound/store.h>
#include <certhound/util.h>
#include <certhound/x509.h>

#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testlib.h"

static char dir[256];

/* sh runs a shell command; returns its exit status. */
static int sh(const char *fmt, const char *a, const char *b)
{
	char cmd[4096];

	snprintf(cmd, sizeof cmd, fmt, a, b);
	return system(cmd);
}

/* make_certs writes openssl-made certificates into dir/gen: two sharing one EC key. */
static int make_certs(void)
{
	char d[300];

	snprintf(d, sizeof d, "%s/gen", dir);
	mkdir(d, 0777);
	return sh("cd %s && openssl ecparam -name prime256v1 -genkey -noout -out shared.key 2>/dev/null"
		  " && openssl req -x509 -key shared.key -subj '/O=Evil Corp/OU=Ops/CN=a.evil-one.test'"
		  " -addext subjectAltName=DNS:a.evil-one.test,DNS:www.a.evil-one.test -days 30"
		  " -addext basicConstraints=CA:FALSE"
		  " -out one.pem 2>/dev/null"
		  " && openssl req -x509 -key shared.key -subj '/O=Evil Corp/CN=b.evil-two.test'"
		  " -addext subjectAltName=DNS:b.evil-two.test,IP:198.51.100.7 -days 30"
		  " -addext basicConstraints=CA:FALSE"
		  " -out two.pem 2>/dev/null"
		  " && openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key"
		  " -subj '/CN=evil-one.test.example' -addext subjectAltName=DNS:evil-one.test.example"
		  " -addext basicConstraints=CA:FALSE -days 30 -out three.pem 2>/dev/null %s", d, "");
}

/* ingest_path feeds every certificate under path into the pipeline with a file sighting. */
static void ingest_path(ch_ingest *ig, const char *path)
{
	ch_pem *r = NULL;
	ch_pem_item it;
	ch_sighting g;

	CHECK(ch_pem_new(&r) == CH_OK);
	CHECK(ch_pem_add_path(r, path) == CH_OK);
	while (ch_pem_next(r, &it) == CH_OK) {
		if (it.err) {
			ch_ingest_reject_item(ig, "read", it.file, it.message);
			continue;
		}
		g = (ch_sighting){.kind = CH_SOURCE_FILE, .source = it.file, .index = (int64_t)it.index,
				  .timestamp = 1700000000};
		CHECK(ch_ingest_add(ig, it.der, it.der_len, &g) == CH_OK);
	}
	ch_pem_free(r);
}

static ch_filter *term(ch_field f, ch_cmp cmp, const char *text, int64_t num)
{
	ch_filter *t = calloc(1, sizeof *t);

	t->op = CH_FILTER_TERM;
	t->field = f;
	t->cmp = cmp;
	t->text = text ? strdup(text) : NULL;
	t->num = num;
	return t;
}

static ch_filter *node(ch_filter_op op, ch_filter *a, ch_filter *b)
{
	ch_filter *n = calloc(1, sizeof *n);

	n->op = op;
	n->kids = calloc(2, sizeof *n->kids);
	n->kids[n->num_kids++] = a;
	if (b)
		n->kids[n->num_kids++] = b;
	return n;
}

static void free_filter(ch_filter *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->num_kids; i++)
		free_filter(f->kids[i]);
	free(f->kids);
	free(f->text);
	free(f);
}

/* count_of returns the number of matches, also checking that paging one by one through the
 * results sees exactly as many distinct certificates as count() reports. */
static long count_of(ch_store *s, ch_filter *f)
{
	uint64_t n = 0, paged = 0;
	ch_store_page *p = NULL;
	char cur[CH_STORE_CURSOR_MAX] = "";
	uint8_t prev[32] = {0};

	CHECK(ch_store_count(s, &n, f) == CH_OK);
	for (;;) {
		CHECK(ch_store_search(s, &p, f, 1, cur) == CH_OK);
		if (!p)
			break;
		if (p->num_items) {
			CHECK(memcmp(prev, p->items[0].sha256, 32) != 0);
			memcpy(prev, p->items[0].sha256, 32);
		}
		paged += p->num_items;
		snprintf(cur, sizeof cur, "%s", p->cursor);
		ch_store_page_free(p);
		if (!*cur)
			break;
	}
	CHECK_INT(paged, n);
	free_filter(f);
	return (long)n;
}

/* no_scan asserts the plan reads every table through an index. */
static void no_scan(ch_store *s, ch_filter *f, const char *what)
{
	ch_buf b;
	static const char *tables[] = {"SCAN cert", "SCAN cv", "SCAN val", "SCAN sighting",
				       "SCAN source", "SCAN der"};

	ch_buf_init(&b, 1u << 20);
	CHECK(ch_store_explain(s, &b, f) == CH_OK);
	for (size_t i = 0; b.data && i < sizeof tables / sizeof tables[0]; i++) {
		const char *hit = strstr(b.data, tables[i]);
		/* "SCAN cv USING COVERING INDEX" would still be a scan: any SCAN of a table fails. */
		if (hit && (hit[strlen(tables[i])] == '\n' || hit[strlen(tables[i])] == ' ')) {
			fprintf(stderr, "plan for %s scans a table:\n%s\n", what, b.data);
			CHECK(!"no table scan");
		}
	}
	ch_buf_free(&b);
	free_filter(f);
}

static void test_search(ch_store *s)
{
	ch_store_strpage *np = NULL;

	CHECK_INT(count_of(s, term(CH_FIELD_NAME, CH_CMP_EQ, "api.example-shop.com", 0)), 1);
	/* example-shop.com and the names under it: web-rsa only (expired has old./legacy.). */
	CHECK_INT(count_of(s, term(CH_FIELD_NAME_UNDER, CH_CMP_EQ, "example-shop.com", 0)), 2);
	CHECK_INT(count_of(s, term(CH_FIELD_NAME_UNDER, CH_CMP_EQ, "eu.example-shop.com", 0)), 1);
	CHECK_INT(count_of(s, term(CH_FIELD_DOMAIN, CH_CMP_EQ, "evil-one.test", 0)), 1);
	/* evil-one.test.example is not under evil-one.test */
	CHECK_INT(count_of(s, term(CH_FIELD_NAME_UNDER, CH_CMP_EQ, "evil-one.test", 0)), 1);
	CHECK_INT(count_of(s, term(CH_FIELD_SUBJECT_O, CH_CMP_EQ, "evil corp", 0)), 2);
	CHECK_INT(count_of(s, term(CH_FIELD_ISSUER_O, CH_CMP_PREFIX, "demo trust", 0)), 9);
	CHECK_INT(count_of(s, term(CH_FIELD_ISSUER, CH_CMP_CONTAINS, "demo public", 0)), 7);
	CHECK_INT(count_of(s, term(CH_FIELD_IP, CH_CMP_EQ, "198.51.100.7", 0)), 1);
	CHECK_INT(count_of(s, term(CH_FIELD_KEY, CH_CMP_EQ, "ec", 256)), 7);
	CHECK_INT(count_of(s, term(CH_FIELD_CA, CH_CMP_EQ, NULL, 1)), 3);
	CHECK_INT(count_of(s, node(CH_FILTER_AND, term(CH_FIELD_SUBJECT_O, CH_CMP_EQ, "Evil Corp", 0),
				   node(CH_FILTER_NOT, term(CH_FIELD_SUBJECT_OU, CH_CMP_EQ, "Ops", 0),
					NULL))), 1);
	CHECK_INT(count_of(s, node(CH_FILTER_OR, term(CH_FIELD_DOMAIN, CH_CMP_EQ, "evil-one.test", 0),
				   term(CH_FIELD_DOMAIN, CH_CMP_EQ, "evil-two.test", 0))), 2);
	CHECK_INT(count_of(s, term(CH_FIELD_SEEN_IN, CH_CMP_EQ, "file", 0)), 14);
	CHECK_INT(count_of(s, NULL), 14);
	CHECK_INT(count_of(s, node(CH_FILTER_NOT, term(CH_FIELD_PRECERT, CH_CMP_EQ, NULL, 1), NULL)), 13);
	CHECK_INT(count_of(s, term(CH_FIELD_NOT_AFTER, CH_CMP_LT, NULL, 1700000000)), 1);

	no_scan(s, term(CH_FIELD_NAME_UNDER, CH_CMP_EQ, "example-shop.com", 0), "name under");
	no_scan(s, term(CH_FIELD_SPKI, CH_CMP_EQ, "00", 0), "spki");
	no_scan(s, term(CH_FIELD_SERIAL, CH_CMP_EQ, "0a", 0), "serial");
	no_scan(s, term(CH_FIELD_SHA256, CH_CMP_PREFIX, "abcdef01", 0), "sha256 prefix");
	no_scan(s, term(CH_FIELD_ISSUER_O, CH_CMP_EQ, "Let's Encrypt", 0), "issuer.o");
	no_scan(s, term(CH_FIELD_IP, CH_CMP_EQ, "10.0.0.1", 0), "ip");
	no_scan(s, term(CH_FIELD_SEEN_IN, CH_CMP_EQ, "some-log", 0), "seen-in");
	no_scan(s, node(CH_FILTER_AND, term(CH_FIELD_DOMAIN, CH_CMP_EQ, "a.com", 0),
			node(CH_FILTER_OR, term(CH_FIELD_JA4X, CH_CMP_EQ, "x", 0),
			     node(CH_FILTER_NOT, term(CH_FIELD_CA, CH_CMP_EQ, NULL, 1), NULL))),
		"and/or/not");
	no_scan(s, term(CH_FIELD_NOT_AFTER, CH_CMP_LT, NULL, 5), "expires");

	CHECK(ch_store_names(s, &np, NULL, 1000, NULL) == CH_OK);
	CHECK(np && np->num_items > 20);
	ch_store_strpage_free(np);
	{
		ch_filter *f = term(CH_FIELD_SUBJECT_O, CH_CMP_EQ, "Evil Corp", 0);
		CHECK(ch_store_names(s, &np, f, 2, NULL) == CH_OK);
		CHECK_INT(np->num_items, 2);
		CHECK_STR(np->items[0], "a.evil-one.test");
		CHECK_STR(np->items[1], "www.a.evil-one.test");
		CHECK(np->cursor[0] != '\0');
		char cur[CH_STORE_CURSOR_MAX];
		snprintf(cur, sizeof cur, "%s", np->cursor);
		ch_store_strpage_free(np);
		CHECK(ch_store_names(s, &np, f, 2, cur) == CH_OK);
		CHECK_INT(np->num_items, 1);
		CHECK_STR(np->items[0], "b.evil-two.test");
		CHECK_STR(np->cursor, "");
		ch_store_strpage_free(np);
		free_filter(f);
	}
}

static void test_record(ch_store *s)
{
	ch_store_page *p = NULL;
	ch_store_record *r = NULL;
	ch_filter *f;
	char hex[65];
	uint64_t n = 0;
	uint8_t *der;
	size_t der_len;
	char path[512];

	/* The web certificate: in web-rsa.pem and in bundle.pem -> one record, two sightings. */
	f = term(CH_FIELD_NAME, CH_CMP_EQ, "www.example-shop.com", 0);
	CHECK(ch_store_search(s, &p, f, 10, NULL) == CH_OK);
	free_filter(f);
	CHECK_INT(p->num_items, 1);
	ch_hex_encode(hex, p->items[0].sha256, 32);
	CHECK_STR(p->items[0].subject, "CN=www.example-shop.com,O=Example Shop Ltd,L=London,ST=London,C=GB");
	ch_store_page_free(p);
	hex[12] = '\0';
	CHECK(ch_store_get(s, &r, hex) == CH_OK);
	CHECK(r != NULL);
	if (r) {
		CHECK_INT(r->total_sightings, 2);
		snprintf(path, sizeof path, "%s/data/demo/certs/web-rsa.pem", ch_test_source_dir());
		/* DER round trip against the PEM decoded by the pem module */
		ch_pem *rd = NULL;
		ch_pem_item it;
		CHECK(ch_pem_new(&rd) == CH_OK && ch_pem_add_path(rd, path) == CH_OK);
		CHECK(ch_pem_next(rd, &it) == CH_OK);
		der = (uint8_t *)it.der;
		der_len = it.der_len;
		CHECK_INT(r->der_len, der_len);
		CHECK(r->der && memcmp(r->der, der, der_len) == 0);
		ch_buf db;
		ch_buf_init(&db, 1u << 20);
		CHECK(ch_store_get_der(s, &db, r->summary.sha256) == CH_OK);
		CHECK(db.len == der_len && memcmp(db.data, der, der_len) == 0);
		ch_buf_free(&db);
		ch_pem_free(rd);
		bool has_rarity = false;
		for (size_t i = 0; i < r->num_values; i++)
			if (r->values[i].attr == CH_SA_ISSUER_O && r->values[i].count == 9)
				has_rarity = true;
		CHECK(has_rarity);
	}
	ch_store_record_free(r);
	CHECK(ch_store_get(s, &r, "zzzz") == CH_ERR_INVALID);
	CHECK(ch_store_get(s, &r, "0000000000000000") == CH_ERR_NOTFOUND);

	/* Precert <-> final certificate through the TBS fingerprint. */
	f = term(CH_FIELD_PRECERT, CH_CMP_EQ, NULL, 1);
	CHECK(ch_store_search(s, &p, f, 10, NULL) == CH_OK);
	free_filter(f);
	CHECK_INT(p->num_items, 1);
	ch_hex_encode(hex, p->items[0].sha256, 32);
	ch_store_page_free(p);
	CHECK(ch_store_get(s, &r, hex) == CH_OK);
	CHECK(r && r->num_linked == 1);
	ch_store_record_free(r);

	/* Rarity: the shared key is carried by two certificates. */
	f = term(CH_FIELD_SUBJECT_OU, CH_CMP_EQ, "Ops", 0);
	CHECK(ch_store_search(s, &p, f, 10, NULL) == CH_OK);
	free_filter(f);
	CHECK_INT(p->num_items, 1);
	ch_store_value *v = NULL;
	size_t nv = 0;
	CHECK(ch_store_values_of(s, &v, &nv, p->items[0].sha256) == CH_OK);
	for (size_t i = 0; i < nv; i++) {
		if (v[i].attr == CH_SA_SPKI) {
			CHECK_INT(v[i].count, 2);
			CHECK(ch_store_rarity(s, &n, CH_SA_SPKI, v[i].text) == CH_OK);
			CHECK_INT(n, 2);
			ch_store_page *q = NULL;
			CHECK(ch_store_certs_with(s, &q, CH_SA_SPKI, v[i].text, 10, NULL) == CH_OK);
			CHECK_INT(q->num_items, 2);
			ch_store_page_free(q);
		}
		if (v[i].attr == CH_SA_SERIAL_ISSUER) {
			CHECK(ch_store_rarity(s, &n, CH_SA_SERIAL_ISSUER, v[i].text) == CH_OK);
			CHECK_INT(n, 1);
		}
	}
	ch_store_values_free(v, nv);
	ch_store_page_free(p);
	CHECK(ch_store_rarity(s, &n, CH_SA_SUBJECT_O, "Evil Corp") == CH_OK);
	CHECK_INT(n, 2);
	CHECK(ch_store_rarity(s, &n, CH_SA_DOMAIN, "example-shop.com") == CH_OK);
	CHECK_INT(n, 2);
	CHECK(ch_store_rarity(s, &n, CH_SA_NAME, "www.example-shop.com") == CH_OK);
	CHECK_INT(n, 1);
}

static void test_checkpoints(const char *db)
{
	ch_store *s = NULL;
	ch_ingest *ig = NULL;
	ch_buf b;
	ch_store_stats st;
	char path[512];

	ch_buf_init(&b, 1024);
	CHECK(ch_store_open(&s, db, CH_STORE_CREATE) == CH_OK);
	/* Fed and checkpointed but never flushed: nothing of it is in the store. */
	CHECK(ch_ingest_new(&ig, s, NULL) == CH_OK);
	snprintf(path, sizeof path, "%s/gen", dir);
	ingest_path(ig, path);
	CHECK(ch_ingest_checkpoint(ig, "file:gen", "3", 1) == CH_OK);
	ch_ingest_free(ig);
	CHECK(ch_store_stats_get(s, &st) == CH_OK);
	CHECK_INT(st.certificates, 0);
	CHECK(ch_store_checkpoint_get(s, &b, "file:gen") == CH_ERR_NOTFOUND);
	/* Flushed: data and checkpoint together. */
	CHECK(ch_ingest_new(&ig, s, NULL) == CH_OK);
	ingest_path(ig, path);
	CHECK(ch_ingest_checkpoint(ig, "file:gen", "3", 1) == CH_OK);
	CHECK(ch_ingest_flush(ig) == CH_OK);
	ch_ingest_free(ig);
	CHECK(ch_store_stats_get(s, &st) == CH_OK);
	CHECK_INT(st.certificates, 3);
	CHECK(ch_store_checkpoint_get(s, &b, "file:gen") == CH_OK);
	CHECK(b.len == 1 && b.data[0] == '3');
	/* Rolled back by hand: neither moves. */
	CHECK(ch_store_begin(s) == CH_OK);
	CHECK(ch_store_checkpoint_set(s, "file:gen", "9", 1) == CH_OK);
	CHECK(ch_store_rollback(s) == CH_OK);
	ch_buf_reset(&b);
	CHECK(ch_store_checkpoint_get(s, &b, "file:gen") == CH_OK);
	CHECK(b.len == 1 && b.data[0] == '3');
	ch_store_close(s);
	ch_buf_free(&b);
}

/* test_txn_reads: a read through the handle that holds a write transaction sees that
 * transaction's certificates (buffered writes are flushed first); a rollback removes them. */
static void test_txn_reads(const char *db)
{
	ch_store *s = NULL;
	ch_cert *c = NULL;
	ch_pem *r = NULL;
	ch_pem_item it;
	char path[600];
	const char *names[] = {"a.evil-one.test"}, *doms[] = {"evil-one.test"};
	uint64_t n = 99;
	ch_filter *f = term(CH_FIELD_NAME, CH_CMP_EQ, "a.evil-one.test", 0);

	snprintf(path, sizeof path, "%s/gen/one.pem", dir);
	CHECK(ch_pem_new(&r) == CH_OK && ch_pem_add_path(r, path) == CH_OK);
	CHECK(ch_pem_next(r, &it) == CH_OK && it.err == CH_OK);
	CHECK(ch_cert_new(&c) == CH_OK);
	CHECK(ch_cert_parse(c, it.der, it.der_len, CH_PARSE_ALL) == CH_OK);
	CHECK(ch_store_open(&s, db, CH_STORE_CREATE) == CH_OK);
	CHECK(ch_store_begin(s) == CH_OK);
	ch_store_put p = {.cert = c, .names = names, .num_names = 1, .domains = doms, .num_domains = 1};
	uint8_t is_new = 0;
	CHECK(ch_store_put_certs(s, &is_new, &p, 1) == CH_OK);
	CHECK_INT(is_new, 1);
	CHECK(ch_store_count(s, &n, f) == CH_OK);
	CHECK_INT(n, 1);
	CHECK(ch_store_rarity(s, &n, CH_SA_DOMAIN, "evil-one.test") == CH_OK);
	CHECK_INT(n, 1);
	CHECK(ch_store_rollback(s) == CH_OK);
	CHECK(ch_store_count(s, &n, f) == CH_OK);
	CHECK_INT(n, 0);
	CHECK(ch_store_rarity(s, &n, CH_SA_DOMAIN, "evil-one.test") == CH_OK);
	CHECK_INT(n, 0);
	ch_store_close(s);
	ch_cert_free(c);
	ch_pem_free(r);
	free_filter(f);
}

/* test_migration turns a store back into schema version 1 (no CT tables, value lists in the
 * cv_cert index instead of vlist): a read-only open refuses it (reads need version 3), a
 * writable open migrates it, and each certificate's values come back from the rebuilt lists. */
static void test_migration(const char *db)
{
	sqlite3 *raw = NULL;
	sqlite3_stmt *st = NULL;
	ch_store *s = NULL;
	ch_store_stats st2;
	ch_store_value *vals = NULL;
	size_t nv = 0;
	uint8_t sha[32] = {0}, first[32] = {0};
	int edges = -1;
	size_t n_before = 0;
	ch_buf b;

	CHECK(sqlite3_open(db, &raw) == SQLITE_OK);
	CHECK(sqlite3_prepare_v2(raw, "SELECT sha256 FROM cert ORDER BY id LIMIT 1", -1, &st, NULL) ==
	      SQLITE_OK);
	if (st && sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32)
		memcpy(first, sqlite3_column_blob(st, 0), 32);
	sqlite3_finalize(st);
	sqlite3_close(raw);
	CHECK(ch_store_open(&s, db, CH_STORE_READONLY) == CH_OK);
	CHECK(s && ch_store_values_of(s, &vals, &n_before, first) == CH_OK && n_before > 0);
	ch_store_values_free(vals, n_before);
	ch_store_close(s);
	s = NULL;
	CHECK(sqlite3_open(db, &raw) == SQLITE_OK);
	CHECK(sqlite3_exec(raw, "DROP TABLE IF EXISTS ct_entry; DROP TABLE IF EXISTS ct_log;"
			   "DROP TABLE vlist; CREATE INDEX cv_cert ON cv(cert_id, value_id);"
			   "UPDATE schema_version SET version=1", NULL, NULL, NULL) == SQLITE_OK);
	CHECK(sqlite3_prepare_v2(raw, "SELECT count(*) FROM cv WHERE cert_id=(SELECT min(id) FROM cert)",
				 -1, &st, NULL) == SQLITE_OK);
	if (st && sqlite3_step(st) == SQLITE_ROW)
		edges = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(raw);
	CHECK(edges > 0);
	CHECK(ch_store_open(&s, db, CH_STORE_READONLY) == CH_ERR_STORE);
	CHECK(strstr(ch_error_last(), "migrate") != NULL);
	ch_store_close(s);
	s = NULL;
	CHECK(ch_store_open(&s, db, 0) == CH_OK);
	CHECK(s && ch_store_stats_get(s, &st2) == CH_OK && st2.schema_version == 4 &&
	      st2.certificates == 3);
	CHECK(s && ch_store_values_of(s, &vals, &nv, first) == CH_OK && nv == n_before);
	ch_store_values_free(vals, nv);
	ch_buf_init(&b, 1u << 20);
	CHECK(ch_store_get_der(s, &b, sha) == CH_ERR_NOTFOUND);
	ch_buf_free(&b);
	ch_store_close(s);
	CHECK(ch_store_open(&s, db, CH_STORE_READONLY) == CH_OK);
	ch_store_close(s);
	CHECK(sqlite3_open(db, &raw) == SQLITE_OK);
	CHECK(sqlite3_exec(raw, "SELECT count(*) FROM ct_entry", NULL, NULL, NULL) == SQLITE_OK);
	CHECK(sqlite3_exec(raw, "SELECT count(*) FROM vlist", NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(raw);
}

/* raw_count runs a counting query on the file with a plain SQLite connection. */
static int raw_count(const char *db, const char *sql)
{
	sqlite3 *raw = NULL;
	sqlite3_stmt *st = NULL;
	int n = -1;

	if (sqlite3_open(db, &raw) == SQLITE_OK &&
	    sqlite3_prepare_v2(raw, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(raw);
	return n;
}

#define DEFERRED "SELECT count(*) FROM sqlite_schema WHERE name IN ('cert_sha256', 'val_key')"
#define MARKED "SELECT count(*) FROM checkpoint WHERE source='store:bulk'"

/* bulk_load ingests the demo certificates and three copies of one more as a bulk load. */
static void bulk_load(ch_store *s, ch_ingest_counts *c, bool end)
{
	ch_ingest *ig = NULL;
	char path[1024];

	CHECK(ch_ingest_new(&ig, s, &(ch_ingest_opts){.batch_size = 3, .bulk = true}) == CH_OK);
	if (!ig)
		return;
	snprintf(path, sizeof path, "%s/data/demo/certs", ch_test_source_dir());
	ingest_path(ig, path);
	CHECK(ch_ingest_flush(ig) == CH_OK);
	if (end) {
		snprintf(path, sizeof path, "%s/copies", dir);
		ingest_path(ig, path);
		CHECK(ch_ingest_flush(ig) == CH_OK);
	}
	ch_ingest_get_counts(ig, c);
	ch_ingest_free(ig);
}

/* test_bulk: a bulk load into an empty store defers the lookup indexes and records itself; a
 * second writer finishes it (indexes back) and the loader, seeing that, goes on writing
 * normally without a duplicate; a load cut short by a crash is finished by the next writable
 * open; a store that holds certificates is never bulk loaded. */
static void test_bulk(void)
{
	char db[1024], db2[1024];
	ch_store *s = NULL, *s2 = NULL;
	ch_ingest_counts c;
	ch_store_stats st;
	bool on = true;
	pid_t pid;
	int status = 0;

	snprintf(db, sizeof db, "%s/bulk.db", dir);
	CHECK(ch_store_open(&s, db, CH_STORE_CREATE) == CH_OK);
	if (!s)
		return;
	bulk_load(s, &c, false);
	CHECK(c.bulk);
	CHECK_INT(c.new_certs, 11);
	CHECK_INT(c.duplicates, 1);
	CHECK_INT(raw_count(db, DEFERRED), 0);
	CHECK_INT(raw_count(db, MARKED), 1);
	CHECK(ch_store_open(&s2, db, 0) == CH_OK); /* another writer: it finishes the load */
	CHECK_INT(raw_count(db, DEFERRED), 2);
	CHECK_INT(raw_count(db, MARKED), 0);
	ch_store_close(s2);
	{
		ch_ingest *ig = NULL;
		char path[1024];
		snprintf(path, sizeof path, "%s/data/demo/certs", ch_test_source_dir());
		CHECK(ch_ingest_new(&ig, s, NULL) == CH_OK);
		ingest_path(ig, path); /* all known: found through the rebuilt index */
		CHECK(ch_ingest_flush(ig) == CH_OK);
		ch_ingest_get_counts(ig, &c);
		CHECK_INT(c.new_certs, 0);
		ch_ingest_free(ig);
	}
	CHECK(ch_store_bulk_end(s) == CH_OK);
	CHECK(ch_store_stats_get(s, &st) == CH_OK);
	CHECK_INT(st.certificates, 11);
	CHECK(ch_store_check(s) == CH_OK);
	CHECK(ch_store_bulk_begin(s, 0, &on) == CH_OK && !on); /* not empty */
	ch_store_close(s);
	CHECK_INT(raw_count(db, "SELECT count(*) - count(DISTINCT sha256) FROM cert"), 0);

	/* a crash in the middle of a load */
	snprintf(db2, sizeof db2, "%s/bulk-crash.db", dir);
	fflush(NULL);
	if ((pid = fork()) == 0) {
		ch_store *k = NULL;
		if (ch_store_open(&k, db2, CH_STORE_CREATE) == CH_OK)
			bulk_load(k, &c, false);
		_exit(c.bulk ? 0 : 1); /* no close: the load stays unfinished */
	}
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid && WIFEXITED(status) &&
	      WEXITSTATUS(status) == 0);
	CHECK_INT(raw_count(db2, DEFERRED), 0);
	CHECK_INT(raw_count(db2, MARKED), 1);
	CHECK(ch_store_open(&s, db2, CH_STORE_READONLY) == CH_OK); /* readable meanwhile */
	CHECK(s && ch_store_stats_get(s, &st) == CH_OK && st.certificates == 11);
	ch_store_close(s);
	CHECK(ch_store_open(&s, db2, 0) == CH_OK);
	CHECK_INT(raw_count(db2, DEFERRED), 2);
	CHECK_INT(raw_count(db2, MARKED), 0);
	CHECK(s && ch_store_check(s) == CH_OK);
	ch_store_close(s);
}

int main(void)
{
	const char *t = ch_test_tmpdir();
	char db[1024], demo[1024], copies[1024];
	ch_store *s = NULL;
	ch_ingest *ig = NULL;
	ch_ingest_counts c;
	ch_store_stats st;

	if (!t)
		return ch_test_skip("no temporary directory");
	snprintf(dir, sizeof dir, "%s", t);
	if (make_certs() != 0)
		return ch_test_skip("openssl could not make test certificates");
	snprintf(db, sizeof db, "%s/sub/dir/store.db", dir);
	snprintf(demo, sizeof demo, "%s/data/demo/certs", ch_test_source_dir());
	CHECK(ch_store_open(&s, db, CH_STORE_READONLY) == CH_ERR_NOTFOUND);
	CHECK(ch_store_open(&s, db, CH_STORE_CREATE) == CH_OK);
	CHECK_STR(ch_store_backend(s), "sqlite");
	CHECK(ch_ingest_new(&ig, s, &(ch_ingest_opts){.batch_size = 3}) == CH_OK);
	ingest_path(ig, demo);
	snprintf(copies, sizeof copies, "%s/gen", dir);
	ingest_path(ig, copies);
	/* the same certificate in three more files: one record, three more sightings */
	{
		char cmd[4096];
		snprintf(cmd, sizeof cmd, "mkdir -p %s/copies && for i in 1 2 3; do cp %s/one.pem %s/copies/$i.pem; done",
			 dir, copies, dir);
		CHECK(system(cmd) == 0);
		snprintf(copies, sizeof copies, "%s/copies", dir);
	}
	ingest_path(ig, copies);
	CHECK(ch_ingest_flush(ig) == CH_OK);
	ch_ingest_get_counts(ig, &c);
	CHECK_INT(c.read, 18);            /* 12 demo (bundle has 4) + 3 generated + 3 copies */
	CHECK_INT(c.new_certs, 14);
	CHECK_INT(c.duplicates, 4);       /* web-rsa in the bundle, one.pem three times */
	CHECK_INT(c.rejected, 0);
	CHECK(c.batches >= 5);
	ch_ingest_free(ig);
	CHECK(ch_store_stats_get(s, &st) == CH_OK);
	CHECK_INT(st.certificates, 14);
	CHECK_INT(st.precertificates, 1);
	CHECK_INT(st.sightings, 18);
	CHECK(st.names > 30);
	CHECK(st.der_raw_bytes > st.der_bytes);
	{
		ch_store_page *p = NULL;
		ch_store_record *r = NULL;
		ch_filter *f = term(CH_FIELD_NAME, CH_CMP_EQ, "a.evil-one.test", 0);
		char hex[65];
		CHECK(ch_store_search(s, &p, f, 10, NULL) == CH_OK);
		free_filter(f);
		CHECK_INT(p->num_items, 1);
		ch_hex_encode(hex, p->items[0].sha256, 32);
		ch_store_page_free(p);
		CHECK(ch_store_get(s, &r, hex) == CH_OK);
		CHECK_INT(r ? r->total_sightings : 0, 4);
		ch_store_record_free(r);
	}
	test_search(s);
	test_record(s);
	CHECK(ch_store_check(s) == CH_OK);
	ch_store_close(s);

	/* read-only reopen sees the same store */
	CHECK(ch_store_open(&s, db, CH_STORE_READONLY) == CH_OK);
	CHECK(ch_store_stats_get(s, &st) == CH_OK);
	CHECK_INT(st.certificates, 14);
	CHECK(ch_store_begin(s) == CH_ERR_INVALID);
	ch_store_close(s);

	snprintf(db, sizeof db, "%s/ckpt.db", dir);
	test_checkpoints(db);
	test_migration(db);
	snprintf(db, sizeof db, "%s/txn.db", dir);
	test_txn_reads(db);
	test_bulk();
	return ch_test_done("store");
}
