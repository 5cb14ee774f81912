/* ct sync end to end: real static-ct-api logs written by ch_ct_writer from OpenSSL-made
 * certificates, served by a real HTTP server (python3 -m http.server) on 127.0.0.1, synced into
 * a real SQLite store through the ingest pipeline. Then the same against logs that lie: a bad
 * signature, a signed root that the tiles do not hash to, a fork (two inconsistent tree heads
 * under the same key), and a garbage entry in the middle of a data tile. --start-at-end, tiled and
 * RFC 6962 (the last entry and its get-proof-by-hash audit path), with proofs that lie. */
#include "ct_fixture.h"
#include "net_fixture.h"
#include "testlib.h"

#include <certhound/ct_sync.h>
#include <certhound/ct_writer.h>
#include <certhound/ingest.h>
#include <certhound/store.h>
#include <certhound/x509.h>

#include <sqlite3.h>

#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#define ORIGIN "fixture.example/log"
#define TS0 1750000000000ull

static char root_dir[512], key_path[600];
static int port, port2;
static pid_t server, server2;
/* Entry i of a log: <tag><i>.example (and www.), serial 1000 + i, at TS0 + 1000 i, every fourth
 * a precertificate. */
static ch_test_ct_fixture fx = {.www = true, .serial0 = 1000, .ts0 = TS0, .ts_step = 1000,
				.pre_every = 4, .pre_at = 3};

/* ---- the HTTP server ------------------------------------------------------------------------- */

static bool start_server(void)
{
	char ps[16];

	port = ch_test_free_port();
	snprintf(ps, sizeof ps, "%d", port);
	server = fork();
	if (server == 0) {
		freopen("/dev/null", "w", stderr);
		execlp("python3", "python3", "-m", "http.server", ps, "--bind", "127.0.0.1",
		       "--directory", root_dir, (char *)NULL);
		_exit(127);
	}
	ch_test_wait_port(port);
	/* The RFC 6962 face of the same logs. */
	port2 = ch_test_free_port();
	snprintf(ps, sizeof ps, "%d", port2);
	server2 = fork();
	if (server2 == 0) {
		char script[1024];
		freopen("/dev/null", "w", stderr);
		snprintf(script, sizeof script, "%s/tests/ct_rfc6962_server.py", ch_test_source_dir());
		execlp("python3", "python3", script, root_dir, ps, (char *)NULL);
		_exit(127);
	}
	return ch_test_wait_port(port2) && ch_test_port_up(port);
}

/* ---- syncing --------------------------------------------------------------------------------- */

typedef struct db {
	ch_store *store;
	ch_ingest *ig;
} db;

static void db_open(db *d, const char *name)
{
	char path[700];

	snprintf(path, sizeof path, "%s/%s.db", root_dir, name);
	CHECK(ch_store_open(&d->store, path, CH_STORE_CREATE) == CH_OK);
	CHECK(ch_ingest_new(&d->ig, d->store, NULL) == CH_OK);
}

static void db_close(db *d)
{
	ch_ingest_free(d->ig);
	ch_store_close(d->store);
}

static ch_err sync_dir(ch_ct_sync_result *res, db *d, const char *dir, const ch_ct_key *key,
		       uint64_t max_entries)
{
	char url[256];
	ch_ct_sync_log log = {url, true, ORIGIN, key};
	ch_ct_sync_opts o = {.max_entries = max_entries, .chunk = 100, .retries = 1,
			     .stall_seconds = 5, .backoff_ms = 10};
	ch_err err;

	snprintf(url, sizeof url, "http://127.0.0.1:%d/%s/", port, dir);
	err = ch_ct_sync(res, d->store, d->ig, &log, &o);
	if (err == CH_ERR_INTEGRITY)
		CHECK(ch_ingest_flush(d->ig) == CH_OK); /* keep what was verified */
	return err;
}

/* sync_rfc syncs through the RFC 6962 server; mode is its transport behaviour. */
static ch_err sync_rfc(ch_ct_sync_result *res, db *d, const char *mode, const char *dir,
		       const ch_ct_key *key, uint64_t max_entries)
{
	char url[256];
	ch_ct_sync_log log = {url, false, NULL, key};
	ch_ct_sync_opts o = {.max_entries = max_entries, .chunk = 100, .batch = 50, .retries = 2,
			     .stall_seconds = 1, .backoff_ms = 10};
	ch_err err;

	snprintf(url, sizeof url, "http://127.0.0.1:%d/%s/%s", port2, mode, dir);
	err = ch_ct_sync(res, d->store, d->ig, &log, &o);
	if (err == CH_ERR_INTEGRITY)
		CHECK(ch_ingest_flush(d->ig) == CH_OK);
	return err;
}

static ch_store_stats stats(db *d)
{
	ch_store_stats st;

	memset(&st, 0, sizeof st);
	CHECK(ch_store_stats_get(d->store, &st) == CH_OK);
	return st;
}

/* corrupt_checkpoint breaks the checkpoint of dir: one signature byte changed, or (cut) only
 * its first half left, as in a half-copied file of a mirror. */
static void corrupt_checkpoint(const char *dir, bool cut)
{
	char path[700];
	uint8_t *d;
	size_t len;

	snprintf(path, sizeof path, "%s/%s/checkpoint", root_dir, dir);
	d = ch_test_read_file(path, &len);
	if (!d)
		return;
	/* Base64 characters near the end of the last line are signature bytes; not the very last
	 * ones, whose low bits may be padding (a changed padding bit decodes to the same bytes,
	 * which made this test pass the bad signature now and then). */
	if (cut)
		len /= 2;
	else
		d[len - 10] = d[len - 10] == 'A' ? 'B' : 'A';
	ch_test_write_file(path, d, len);
	free(d);
}

/* corrupt_entry makes entry `idx` of data tile 000 undecodable (an unknown entry type). */
static void corrupt_entry(const char *dir, unsigned idx)
{
	char path[700];
	uint8_t *d;
	size_t len;
	ch_bytes cur;
	ch_ct_entry e;

	snprintf(path, sizeof path, "%s/%s/tile/data/000", root_dir, dir);
	d = ch_test_read_file(path, &len);
	if (!d)
		return;
	cur.data = d;
	cur.len = len;
	for (unsigned i = 0; i < idx; i++)
		CHECK(ch_ct_tile_leaf_next(&e, &cur) == CH_OK);
	d[cur.data - d + 8] = 0x7f;
	ch_test_write_file(path, d, len);
	free(d);
}

/* The same logs through RFC 6962 endpoints, including a hostile transport. */
static void test_rfc6962(const ch_ct_key *key)
{
	static const char *const modes[] = {"429", "drop", "stall"};
	ch_ct_sync_result res;
	db d, t;

	db_open(&d, "rfc");
	/* The log pages 7 entries at a time: the client adapts its batch. */
	CHECK(sync_rfc(&res, &d, "page", "good", key, 0) == CH_OK);
	CHECK(res.next == 550 && res.entries == 550 && res.sth.tree_size == 550);
	CHECK(stats(&d).certificates == 551 && stats(&d).sightings == 550);
	CHECK(sync_rfc(&res, &d, "ok", "good", key, 0) == CH_OK && res.entries == 0);
	CHECK(sync_rfc(&res, &d, "ok", "fork", key, 0) == CH_ERR_INTEGRITY);
	CHECK(strstr(res.evidence, "inconsistent tree heads") != NULL);
	CHECK(stats(&d).certificates == 551);
	db_close(&d);
	db_open(&d, "rfc-liars");
	CHECK(sync_rfc(&res, &d, "ok", "liar", key, 0) == CH_ERR_INTEGRITY);
	CHECK(strstr(res.evidence, "not a prefix of the tree head") != NULL);
	CHECK(sync_rfc(&res, &d, "ok", "badsig", key, 0) == CH_ERR_INTEGRITY);
	CHECK(strstr(res.evidence, "signature does not verify") != NULL);
	CHECK(stats(&d).certificates == 0);
	db_close(&d);
	/* Politeness: at most max_rps requests a second, whatever the log could serve (without
	 * the limit this sync takes about half a second here). */
	{
		char url[256];
		ch_ct_sync_log log = {url, false, NULL, key};
		ch_ct_sync_opts o = {.max_entries = 70, .chunk = 100, .batch = 50, .retries = 2,
				     .stall_seconds = 1, .backoff_ms = 10, .max_rps = 5};
		struct timespec a, b;
		double secs;
		db_open(&t, "rfc-polite");
		snprintf(url, sizeof url, "http://127.0.0.1:%d/page/good", port2);
		clock_gettime(CLOCK_MONOTONIC, &a);
		CHECK(ch_ct_sync(&res, t.store, t.ig, &log, &o) == CH_OK);
		clock_gettime(CLOCK_MONOTONIC, &b);
		secs = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
		CHECK(res.next == 70 && res.requests >= 10);
		CHECK(secs >= (double)(res.requests - 1) / 5.0 * 0.95); /* unlimited: ~0.5 s */
		db_close(&t);
	}
	/* A log far away (0.25 s a request): 8 requests at a time over kept-alive connections
	 * fetch the same entries, verified the same, in a fraction of the time one at a time
	 * takes (the fixture server's own Python work per request is serialised by its GIL, so
	 * the gain is below 8x here). */
	{
		char url[256];
		ch_ct_sync_log log = {url, false, NULL, key};
		ch_ct_sync_opts o = {.max_entries = 300, .chunk = 300, .batch = 50, .retries = 2,
				     .stall_seconds = 5, .backoff_ms = 10};
		double secs[2];
		uint64_t next[2], sights[2];
		snprintf(url, sizeof url, "http://127.0.0.1:%d/slow/good", port2);
		for (int k = 0; k < 2; k++) {
			struct timespec a, b;
			db_open(&t, k ? "rfc-par8" : "rfc-par1");
			o.parallel = k ? 8 : 1;
			clock_gettime(CLOCK_MONOTONIC, &a);
			CHECK(ch_ct_sync(&res, t.store, t.ig, &log, &o) == CH_OK);
			clock_gettime(CLOCK_MONOTONIC, &b);
			secs[k] = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
			next[k] = res.next;
			sights[k] = stats(&t).sightings;
			db_close(&t);
		}
		CHECK(next[0] == 300 && next[1] == 300 && sights[0] == 300 && sights[1] == 300);
		CHECK(secs[1] < secs[0] * 0.7); /* 6 pages + head and proof: ~2.4 s vs ~1.1 s */
	}
	/* 429s, dropped connections and stalls are retried; nothing is lost or repeated. */
	for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
		char name[32];
		snprintf(name, sizeof name, "rfc-%s", modes[i]);
		db_open(&t, name);
		CHECK(sync_rfc(&res, &t, modes[i], "good", key, 120) == CH_OK);
		CHECK(res.next == 120 && stats(&t).sightings == 120);
		db_close(&t);
	}
}

/* sql runs a statement on a store file directly (to play a corrupted or tampered store). */
static void sql(const char *db, const char *stmt)
{
	char path[700];
	sqlite3 *h = NULL;

	snprintf(path, sizeof path, "%s/%s.db", root_dir, db);
	CHECK(sqlite3_open(path, &h) == SQLITE_OK);
	CHECK(sqlite3_exec(h, stmt, NULL, NULL, NULL) == SQLITE_OK);
	sqlite3_close(h);
}

static ch_err verify_db(ch_ct_verify_result *res, const char *name, const ch_ct_key *key)
{
	char path[700];
	ch_store *st = NULL;
	ch_err err;

	snprintf(path, sizeof path, "%s/%s.db", root_dir, name);
	CHECK(ch_store_open(&st, path, CH_STORE_READONLY) == CH_OK);
	err = ch_ct_verify(res, st, key);
	ch_store_close(st);
	return err;
}

/* tampered: store `name`, changed by stmt (NULL: changed already), fails ct verify as an
 * integrity failure whose evidence contains `why`. */
static bool tampered(const char *name, const char *stmt, const ch_ct_key *key, const char *why)
{
	ch_ct_verify_result v;

	if (stmt)
		sql(name, stmt);
	return verify_db(&v, name, key) == CH_ERR_INTEGRITY && strstr(v.evidence, why) != NULL;
}

/* flip_after changes the base64 character right after `key` (e.g. "start-range ": the first
 * byte of its first hash) in the CT checkpoint blob of store `db`, through sqlite3 on the test's
 * own file. Returns false when the blob has no such key. */
static bool flip_after(const char *db, const char *key)
{
	char path[700], *buf = NULL, *p;
	sqlite3 *h = NULL;
	sqlite3_stmt *st = NULL;
	int len = 0;
	bool done = false;

	snprintf(path, sizeof path, "%s/%s.db", root_dir, db);
	CHECK(sqlite3_open(path, &h) == SQLITE_OK);
	CHECK(sqlite3_prepare_v2(h, "SELECT data FROM checkpoint WHERE source LIKE 'ct:%'", -1, &st,
				 NULL) == SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW) {
		len = sqlite3_column_bytes(st, 0);
		buf = calloc(1, (size_t)len + 1);
		memcpy(buf, sqlite3_column_blob(st, 0), (size_t)len);
	}
	sqlite3_finalize(st);
	if (buf && (p = strstr(buf, key)) != NULL) {
		p += strlen(key);
		*p = *p == 'A' ? 'B' : 'A';
		CHECK(sqlite3_prepare_v2(h, "UPDATE checkpoint SET data=?1 WHERE source LIKE 'ct:%'",
					 -1, &st, NULL) == SQLITE_OK);
		sqlite3_bind_blob(st, 1, buf, len, SQLITE_STATIC);
		CHECK(sqlite3_step(st) == SQLITE_DONE);
		sqlite3_finalize(st);
		done = true;
	}
	free(buf);
	sqlite3_close(h);
	return done;
}

/* checkpoint_has tells whether the CT checkpoint blob of the store open in d contains `text`. */
static bool checkpoint_has(db *d, const ch_ct_key *key, const char *text)
{
	char source[64];
	ch_buf b;
	bool has;

	ch_ct_sync_source_id(source, key);
	ch_buf_init(&b, CH_STORE_CHECKPOINT_MAX);
	CHECK(ch_store_checkpoint_get(d->store, &b, source) == CH_OK);
	CHECK(ch_buf_putc(&b, '\0') == CH_OK);
	has = strstr(b.data, text) != NULL;
	ch_buf_free(&b);
	return has;
}

/* sync_end syncs with start_at_end set (as ct follow --start-at-end does on every pass) through
 * the tiled face (mode NULL) or the RFC 6962 face in `mode`. */
static ch_err sync_end(ch_ct_sync_result *res, db *d, const char *mode, const char *dir,
		       const ch_ct_key *key)
{
	char url[256];
	ch_ct_sync_log log = {url, mode == NULL, mode ? NULL : ORIGIN, key};
	ch_ct_sync_opts o = {.start_at_end = true, .chunk = 100, .batch = 50, .retries = 1,
			     .stall_seconds = 5, .backoff_ms = 10};

	if (mode)
		snprintf(url, sizeof url, "http://127.0.0.1:%d/%s/%s", port2, mode, dir);
	else
		snprintf(url, sizeof url, "http://127.0.0.1:%d/%s/", port, dir);
	return ch_ct_sync(res, d->store, d->ig, &log, &o);
}

/* has_state tells whether a sync state (checkpoint) is stored for the log of key. */
static bool has_state(db *d, const ch_ct_key *key)
{
	char source[64];
	ch_buf b;
	ch_err err;

	ch_ct_sync_source_id(source, key);
	ch_buf_init(&b, CH_STORE_CHECKPOINT_MAX);
	err = ch_store_checkpoint_get(d->store, &b, source);
	ch_buf_free(&b);
	CHECK(err == CH_OK || err == CH_ERR_NOTFOUND);
	return err == CH_OK;
}

/* --start-at-end, tiled and RFC 6962 (last entry + get-proof-by-hash): the first sync stores no
 * entry and records the verified tree head; once the log grows, the next sync proves
 * consistency and stores exactly the new entries. A proof that lies, a signed root that the
 * honest proof does not reach, or an index naming another leaf leave no sync state. */
static void test_start_at_end(const ch_ct_key *key)
{
	static const char *const liars[][3] = {
		{"lieproof", "grow", "do not hash to the signed root"},
		{"lieindex", "grow", "names leaf_index 298 and does not prove it"},
		{"ok", "liar", "do not hash to the signed root"},
	};
	ch_ct_writer *w = NULL, *e = NULL;
	ch_ct_sync_result res;
	ch_ct_verify_result v;
	char path[700];
	db d[2], t;

	snprintf(path, sizeof path, "%s/grow", root_dir);
	CHECK(ch_ct_writer_new(&w, path, ORIGIN, key_path) == CH_OK);
	ch_test_ct_add_range(&fx, w, "grow", 0, 300);
	CHECK(ch_ct_writer_publish(w, TS0 + 400000, NULL) == CH_OK);
	for (int k = 0; k < 2; k++) {
		db_open(&d[k], k ? "end-rfc" : "end-tiled");
		CHECK(sync_end(&res, &d[k], k ? "ok" : NULL, "grow", key) == CH_OK);
		CHECK(res.start == 300 && res.next == 300 && res.entries == 0);
		CHECK(res.sth.tree_size == 300 && has_state(&d[k], key));
		CHECK(stats(&d[k]).certificates == 0 && stats(&d[k]).sightings == 0);
		/* RFC 6962: get-sth, get-entries of entry 299 alone, get-proof-by-hash */
		CHECK(!k || res.requests == 3);
		/* The start is kept in the checkpoint, and ct verify checks it instead of entry 0. */
		CHECK(checkpoint_has(&d[k], key, "certhound-ct 2\n"));
		CHECK(checkpoint_has(&d[k], key, "\nstart 300\n"));
		CHECK(checkpoint_has(&d[k], key, "\nstart-size 300\n"));
		CHECK(verify_db(&v, k ? "end-rfc" : "end-tiled", key) == CH_OK);
		CHECK(v.start == 300 && v.next == 300 && v.entries == 0 && v.root_checked);
		CHECK(v.start_sth.tree_size == 300 && v.sth.tree_size == 300);
		CHECK(!memcmp(v.start_sth.root, res.sth.root, 32));
	}
	/* Liars: exit 4, nothing stored, no state (a later plain sync starts at 0). */
	for (size_t i = 0; i < sizeof liars / sizeof liars[0]; i++) {
		char name[32];
		snprintf(name, sizeof name, "end-liar-%zu", i);
		db_open(&t, name);
		CHECK(sync_end(&res, &t, liars[i][0], liars[i][1], key) == CH_ERR_INTEGRITY);
		CHECK(strstr(res.evidence, liars[i][2]) != NULL);
		CHECK(strstr(res.evidence, "--start-at-end") != NULL);
		CHECK(!has_state(&t, key) && stats(&t).certificates == 0);
		CHECK(sync_rfc(&res, &t, "ok", "grow", key, 10) == CH_OK);
		CHECK(res.start == 0 && res.next == 10);
		db_close(&t);
	}
	/* The last entry's leaf also at index 0: no lie shown, no audit path either. */
	db_open(&t, "end-dup");
	CHECK(sync_end(&res, &t, "dupleaf", "grow", key) == CH_ERR_NOTFOUND);
	CHECK(strstr(ch_error_last(), "same leaf hash as entry 0") != NULL);
	CHECK(!has_state(&t, key) && stats(&t).certificates == 0);
	db_close(&t);

	/* The log grows by 250: exactly those are stored, after a consistency proof. */
	ch_test_ct_add_range(&fx, w, "grow", 300, 250);
	CHECK(ch_ct_writer_publish(w, TS0 + 900000, NULL) == CH_OK);
	for (int k = 0; k < 2; k++) {
		CHECK(sync_end(&res, &d[k], k ? "ok" : NULL, "grow", key) == CH_OK);
		CHECK(res.start == 300 && res.next == 550 && res.entries == 250);
		CHECK(res.sth.tree_size == 550);
		CHECK(stats(&d[k]).sightings == 250 && stats(&d[k]).certificates == 251);
		/* Entries 300..549 are re-checked on the range of [0, 300) kept at the start. */
		CHECK(verify_db(&v, k ? "end-rfc" : "end-tiled", key) == CH_OK);
		CHECK(v.start == 300 && v.next == 550 && v.entries == 250 && v.from_certs == 250);
		CHECK(v.root_checked && v.sth.tree_size == 550 && v.start_sth.tree_size == 300);
		CHECK(sync_end(&res, &d[k], k ? "ok" : NULL, "grow", key) == CH_OK);
		CHECK(res.start == 550 && res.entries == 0);
		/* Later syncs keep the start. */
		CHECK(checkpoint_has(&d[k], key, "\nstart 300\n"));
		db_close(&d[k]);
	}

	/* An empty log: an empty start, then its first entries. */
	snprintf(path, sizeof path, "%s/empty", root_dir);
	CHECK(ch_ct_writer_new(&e, path, ORIGIN, key_path) == CH_OK);
	CHECK(ch_ct_writer_publish(e, TS0, NULL) == CH_OK);
	db_open(&t, "end-empty");
	CHECK(sync_end(&res, &t, "ok", "empty", key) == CH_OK);
	CHECK(res.next == 0 && res.sth.tree_size == 0 && has_state(&t, key));
	ch_test_ct_add_range(&fx, e, "empty", 0, 5);
	CHECK(ch_ct_writer_publish(e, TS0 + 10000, NULL) == CH_OK);
	CHECK(sync_end(&res, &t, "ok", "empty", key) == CH_OK);
	CHECK(res.start == 0 && res.next == 5 && res.entries == 5 && stats(&t).sightings == 5);
	/* An empty start keeps no start: the entries are checked from 0. */
	CHECK(!checkpoint_has(&t, key, "\nstart "));
	CHECK(verify_db(&v, "end-empty", key) == CH_OK);
	CHECK(v.start == 0 && v.entries == 5 && v.root_checked);
	db_close(&t);
	ch_ct_writer_free(w);
	ch_ct_writer_free(e);
}

/* certhound ct sync: output and exit codes. */
static void test_cli(const ch_ct_key *key)
{
	char cmd[4096], keyfile[700];
	int rc;

	(void)key;
	snprintf(keyfile, sizeof keyfile, "%s/good/key.pem", root_dir);
	snprintf(cmd, sizeof cmd, "%s --db %s/cli.db ct sync --key %s --tiled --origin %s "
		 "http://127.0.0.1:%d/good/ >%s/cli.out 2>&1", ch_test_cli(), root_dir, keyfile,
		 ORIGIN, port, root_dir);
	rc = system(cmd);
	CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == 0);
	snprintf(cmd, sizeof cmd, "grep -q 'entries stored: 550' %s/cli.out && grep -q 'tree size: "
		 "550' %s/cli.out", root_dir, root_dir);
	CHECK(system(cmd) == 0);
	snprintf(cmd, sizeof cmd, "%s --db %s/cli.db ct sync --key %s --tiled --origin %s "
		 "http://127.0.0.1:%d/fork/ >%s/cli.out 2>&1", ch_test_cli(), root_dir, keyfile,
		 ORIGIN, port, root_dir);
	rc = system(cmd);
	CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == 4);
	snprintf(cmd, sizeof cmd, "grep -q 'evidence: inconsistent tree heads' %s/cli.out", root_dir);
	CHECK(system(cmd) == 0);
	snprintf(cmd, sizeof cmd, "%s --db %s/cli2.db ct sync --key %s http://127.0.0.1:%d/ok/liar "
		 ">%s/cli.out 2>&1", ch_test_cli(), root_dir, keyfile, port2, root_dir);
	rc = system(cmd);
	CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == 4);
	/* --start-at-end on an RFC 6962 log (grown to 550 by test_start_at_end), then a liar. */
	snprintf(cmd, sizeof cmd, "%s --db %s/cli3.db ct sync --key %s --start-at-end "
		 "http://127.0.0.1:%d/ok/grow >%s/cli.out 2>&1", ch_test_cli(), root_dir, keyfile,
		 port2, root_dir);
	rc = system(cmd);
	CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == 0);
	snprintf(cmd, sizeof cmd, "grep -q 'entries stored: 0 (from index 550 to 550)' %s/cli.out && "
		 "grep -q 'tree size: 550' %s/cli.out", root_dir, root_dir);
	CHECK(system(cmd) == 0);
	/* ct verify on it: the skipped prefix reported, exit 0. */
	snprintf(cmd, sizeof cmd, "%s --db %s/cli3.db ct verify --key %s >%s/cli.out 2>&1",
		 ch_test_cli(), root_dir, keyfile, root_dir);
	rc = system(cmd);
	CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == 0);
	snprintf(cmd, sizeof cmd, "grep -q 'entries 0..549 not held: synced with --start-at-end at "
		 "550' %s/cli.out && grep -q 'entries rebuilt from the store: 0 of 0' %s/cli.out && "
		 "grep -q 'verified: the stored entries hash to the signed root' %s/cli.out", root_dir,
		 root_dir, root_dir);
	CHECK(system(cmd) == 0);
	snprintf(cmd, sizeof cmd, "%s --db %s/cli4.db ct sync --key %s --start-at-end "
		 "http://127.0.0.1:%d/lieproof/grow >%s/cli.out 2>&1", ch_test_cli(), root_dir,
		 keyfile, port2, root_dir);
	rc = system(cmd);
	CHECK(WIFEXITED(rc) && WEXITSTATUS(rc) == 4);
	snprintf(cmd, sizeof cmd, "grep -q 'evidence: --start-at-end at the tree head' %s/cli.out",
		 root_dir);
	CHECK(system(cmd) == 0);
}

/* ct verify after --start-at-end (the stores of test_start_at_end: the start at 300, entries
 * 300..549 stored): tampered copies of the tiled one, and a checkpoint of the old format. */
static void test_verify_start(const ch_ct_key *key)
{
	static const char *const copies[] = {"s1", "s2", "s3", "s4", "s5", "s6"};
	ch_ct_verify_result v;
	char cmd[8192];

	for (size_t i = 0; i < sizeof copies / sizeof copies[0]; i++) {
		snprintf(cmd, sizeof cmd, "cp %s/end-tiled.db %s/%s.db", root_dir, root_dir, copies[i]);
		CHECK(system(cmd) == 0);
	}
	/* The start range no longer hashing to the root of the start's tree head. */
	CHECK(flip_after("s1", "\nstart-range "));
	CHECK(verify_db(&v, "s1", key) == CH_ERR_INTEGRITY);
	CHECK(strstr(v.evidence, "the range of entries [0, 300) kept by --start-at-end hashes to "
		     "") != NULL);
	CHECK(strstr(v.evidence, "not to the signed root of its tree head (size 300,") != NULL);
	/* The start's root changed with it (so the range no longer matches either): its
	 * signature. */
	CHECK(flip_after("s2", "\nstart-root "));
	CHECK(verify_db(&v, "s2", key) == CH_ERR_INTEGRITY);
	CHECK(strstr(v.evidence, "tree head kept by --start-at-end (size 300,") != NULL);
	CHECK(strstr(v.evidence, "not signed by the log's key") != NULL);
	/* Missing entries at or above the start are still missing. */
	CHECK(tampered("s3", "DELETE FROM ct_entry WHERE idx=300", key, "entry 300 is missing"));
	CHECK(tampered("s4", "DELETE FROM ct_entry WHERE idx=417", key, "entry 417 is missing"));
	/* A changed leaf above the start: the rebuilt range differs. */
	CHECK(tampered("s5", "UPDATE ct_entry SET leaf=substr(leaf,1,5)||x'ff'||substr(leaf,7) "
		       "WHERE idx=450", key, "the --start-at-end range of [0, 300) and entries "
		       "[300, 550) rebuilt from the store hash to"));
	/* A checkpoint without the start (as before it was kept): checked from entry 0, which
	 * this store does not hold. */
	sql("s6", "UPDATE checkpoint SET data=substr(data, 1, instr(data, X'0a7374617274')) WHERE "
	    "source LIKE 'ct:%'");
	CHECK(verify_db(&v, "s6", key) == CH_ERR_INTEGRITY);
	CHECK(v.start == 0 && strstr(v.evidence, "entry 0 is missing") != NULL);

	/* Old-format checkpoints of stores synced from 0 still load and verify. */
	snprintf(cmd, sizeof cmd, "cp %s/main.db %s/s7.db", root_dir, root_dir);
	CHECK(system(cmd) == 0);
	sql("s7", "UPDATE checkpoint SET data=replace(data, 'certhound-ct 2', 'certhound-ct 1') "
	    "WHERE source LIKE 'ct:%'");
	CHECK(verify_db(&v, "s7", key) == CH_OK);
	CHECK(v.start == 0 && v.entries == 550 && v.root_checked);

	/* The command: the skipped prefix reported with exit 0; the tampered start exit 4. */
	snprintf(cmd, sizeof cmd, "%s --db %s/end-rfc.db ct verify --key %s/good/key.pem >%s/v.out "
		 "2>&1 && grep -q 'entries 0..299 not held: synced with --start-at-end at 300' "
		 "%s/v.out && grep -q 'entries rebuilt from the store: 250 of 250' %s/v.out && grep -q "
		 "'verified: the stored entries hash to the signed root' %s/v.out", ch_test_cli(),
		 root_dir, root_dir, root_dir, root_dir, root_dir, root_dir);
	CHECK(system(cmd) == 0);
	snprintf(cmd, sizeof cmd, "%s --db %s/s1.db ct verify --key %s/good/key.pem >%s/v.out 2>&1",
		 ch_test_cli(), root_dir, root_dir, root_dir);
	CHECK(WEXITSTATUS(system(cmd)) == 4);
	snprintf(cmd, sizeof cmd, "grep -q 'evidence: the range of entries \\[0, 300) kept by "
		 "--start-at-end hashes to' %s/v.out", root_dir);
	CHECK(system(cmd) == 0);
}

/* ct verify: the stores synced above are re-checked offline, then tampered with. */
static void test_verify(const ch_ct_key *key)
{
	ch_ct_verify_result v;
	char cmd[8192];

	/* Tiled (550 entries, a quarter precertificates rebuilt from the stored precertificates). */
	CHECK(verify_db(&v, "main", key) == CH_OK);
	CHECK(v.entries == 550 && v.from_certs == 550 && v.root_checked && v.sth.tree_size == 550);
	CHECK(v.start == 0);
	/* RFC 6962, synced 7 entries per page. */
	CHECK(verify_db(&v, "rfc", key) == CH_OK);
	CHECK(v.entries == 550 && v.root_checked && v.start == 0);
	/* A sync that stopped at a garbage entry: the prefix is checked against the proven range. */
	CHECK(verify_db(&v, "liars", key) == CH_OK);
	CHECK(v.entries == 150 && v.next == 150 && !v.root_checked);
	/* Nothing stored for a log. */
	CHECK(verify_db(&v, "rfc-liars", key) == CH_ERR_NOTFOUND);

	/* Tampering: a certificate's DER, a missing entry, a changed leaf, a forged tree head. */
	snprintf(cmd, sizeof cmd, "cp %s/main.db %s/t1.db && cp %s/main.db %s/t2.db && cp %s/main.db "
		 "%s/t3.db && cp %s/main.db %s/t4.db", root_dir, root_dir, root_dir, root_dir, root_dir,
		 root_dir, root_dir, root_dir);
	CHECK(system(cmd) == 0);
	CHECK(tampered("t1", "UPDATE der SET z=0, data=zeroblob(raw_len) WHERE id=(SELECT id FROM "
		       "cert LIMIT 1 OFFSET 41)", key, "does not hash to its SHA-256"));
	CHECK(tampered("t2", "DELETE FROM ct_entry WHERE idx=77", key, "entry 77 is missing"));
	/* One timestamp byte of entry 300's leaf record. */
	CHECK(tampered("t3", "UPDATE ct_entry SET leaf=substr(leaf,1,5)||x'ff'||substr(leaf,7) "
		       "WHERE idx=300", key, "rebuilt from the store hash to"));
	CHECK(tampered("t4", "UPDATE checkpoint SET data=replace(data, 'size 550', 'size 551') "
		       "WHERE source LIKE 'ct:%'", key, "not signed by the log's key"));

	/* The command: exit 0, then 4 with the evidence. */
	snprintf(cmd, sizeof cmd, "%s --db %s/main.db ct verify --key %s/good/key.pem >%s/v.out 2>&1 "
		 "&& grep -q 'hash to the signed root' %s/v.out", ch_test_cli(), root_dir, root_dir,
		 root_dir, root_dir);
	CHECK(system(cmd) == 0);
	snprintf(cmd, sizeof cmd, "%s --db %s/t2.db ct verify --key %s/good/key.pem >%s/v.out 2>&1",
		 ch_test_cli(), root_dir, root_dir, root_dir);
	CHECK(WEXITSTATUS(system(cmd)) == 4);
	snprintf(cmd, sizeof cmd, "grep -q 'evidence: entry 77 is missing' %s/v.out", root_dir);
	CHECK(system(cmd) == 0);
	snprintf(cmd, sizeof cmd, "grep -q 'not held' %s/v.out", root_dir);
	CHECK(system(cmd) != 0);

	test_verify_start(key);
}

/* final_of makes the final certificate of a precertificate: the poison replaced by an SCT list,
 * signed again by the CA. */
static X509 *final_of(X509 *pre)
{
	static const uint8_t sct_ext[] = {
		0x04, 0x37, 0x00, 0x35, 0x00, 0x33, 0x00, /* OCTET STRING, list, one SCT, v1 */
		1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
		25, 26, 27, 28, 29, 30, 31, 32,           /* log ID */
		0, 0, 1, 0x97, 0x5c, 0x2e, 0x10, 0x00,    /* timestamp */
		0, 0, 4, 3, 0, 4, 1, 2, 3, 4};            /* no extensions, sha256/ecdsa, signature */
	X509 *x = X509_dup(pre);
	ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
	X509_EXTENSION *ext;

	X509_EXTENSION_free(X509_delete_ext(x, X509_get_ext_by_NID(x, NID_ct_precert_poison, -1)));
	ASN1_OCTET_STRING_set(os, sct_ext, sizeof sct_ext);
	ext = X509_EXTENSION_create_by_NID(NULL, NID_ct_precert_scts, 0, os);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	ASN1_OCTET_STRING_free(os);
	X509_sign(x, fx.ca_key, EVP_sha256());
	return x;
}

/* A precertificate entry, then its final certificate in an x509 entry: the store links the two
 * (same TBS fingerprint), and the precertificate's issuer key hash names the stored issuer,
 * fetched once from issuer/<hex>. */
static void test_link(const ch_ct_key *key)
{
	static EVP_PKEY *k;
	ch_ct_writer *w = NULL;
	X509 *pre, *fin;
	uint8_t *pd = NULL, *fd = NULL, ikh[32], fsha[32];
	int pl, fl;
	char path[700], hex[65];
	ch_ct_sync_result res;
	ch_store_record *rec = NULL;
	uint64_t n = 0;
	db d;

	if (!k)
		k = EVP_EC_gen("P-256");
	pre = ch_test_ct_cert(&fx, "linked.example", 77, k, true);
	fin = final_of(pre);
	pl = i2d_X509(pre, &pd);
	fl = i2d_X509(fin, &fd);
	snprintf(path, sizeof path, "%s/link", root_dir);
	CHECK(ch_ct_writer_new(&w, path, ORIGIN, key_path) == CH_OK);
	CHECK(ch_ct_writer_add(w, TS0, pd, (size_t)pl, true, fx.ca_der, (size_t)fx.ca_der_len) ==
	      CH_OK);
	CHECK(ch_ct_writer_add(w, TS0 + 1, fd, (size_t)fl, false, fx.ca_der,
			       (size_t)fx.ca_der_len) == CH_OK);
	CHECK(ch_ct_writer_publish(w, TS0 + 2, NULL) == CH_OK);
	db_open(&d, "link");
	CHECK(sync_dir(&res, &d, "link", key, 0) == CH_OK && res.next == 2);
	CHECK(stats(&d).certificates == 3 && stats(&d).precertificates == 1);
	/* precertificate -> final certificate */
	{
		uint8_t psha[32];
		EVP_Digest(pd, (size_t)pl, psha, NULL, EVP_sha256(), NULL);
		EVP_Digest(fd, (size_t)fl, fsha, NULL, EVP_sha256(), NULL);
		ch_hex_encode(hex, psha, 32);
	}
	CHECK(ch_store_get(d.store, &rec, hex) == CH_OK);
	CHECK(rec && rec->num_linked == 1 && !memcmp(rec->linked[0], fsha, 32));
	ch_store_record_free(rec);
	/* the issuer key hash of the precert entry is the SPKI hash of a stored certificate */
	{
		const unsigned char *p = fx.ca_der;
		X509 *c = d2i_X509(NULL, &p, fx.ca_der_len);
		uint8_t *spki = NULL;
		int sl = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(c), &spki);
		EVP_Digest(spki, (size_t)sl, ikh, NULL, EVP_sha256(), NULL);
		OPENSSL_free(spki);
		X509_free(c);
	}
	ch_hex_encode(hex, ikh, 32);
	CHECK(ch_store_rarity(d.store, &n, CH_SA_SPKI, hex) == CH_OK && n == 1);
	db_close(&d);
	ch_ct_writer_free(w);
	OPENSSL_free(pd);
	OPENSSL_free(fd);
	X509_free(pre);
	X509_free(fin);
}

/* ---- precertificates signed by a Precertificate Signing Certificate ------------------------- */

/* One RFC 6962 section 3.1 case: a CA, a PSC it issued, a precertificate the PSC signed and the
 * final certificate the CA signed. DER, owned. */
typedef struct psc_set {
	uint8_t *der[4];
	int len[4];
} psc_set;

enum { PS_CA, PS_PSC, PS_PRE, PS_FINAL };

static bool psc_load(psc_set *ps, const char *dir, const char *const names[4])
{
	bool ok = true;

	for (int i = 0; i < 4; i++) {
		char path[1200];
		FILE *f;
		X509 *x = NULL;
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		if ((f = fopen(path, "r"))) {
			x = PEM_read_X509(f, NULL, NULL, NULL);
			fclose(f);
		}
		ps->der[i] = NULL;
		ps->len[i] = x ? i2d_X509(x, &ps->der[i]) : 0;
		ok = ok && ps->len[i] > 0;
		X509_free(x);
	}
	return ok;
}

static void psc_free(psc_set *ps)
{
	for (int i = 0; i < 4; i++)
		OPENSSL_free(ps->der[i]);
}

/* der_tbs is the TBS fingerprint ch_cert_parse derives from a certificate's own DER. */
static void der_tbs(uint8_t out[32], const uint8_t *der, int len)
{
	ch_cert *c = NULL;

	memset(out, 0, 32);
	CHECK(ch_cert_new(&c) == CH_OK);
	if (c && ch_cert_parse(c, der, (size_t)len, CH_PARSE_ALL) == CH_OK)
		memcpy(out, c->tbs_sha256, 32);
	ch_cert_free(c);
}

/* tbs_hits returns how many stored certificates carry tbs:<fp>, and which of a and b are
 * among them (bits 1 and 2). */
static size_t tbs_hits(ch_store *s, unsigned *out_which, const uint8_t fp[32],
		       const uint8_t a[32], const uint8_t b[32])
{
	ch_store_page *pg = NULL;
	char hex[65];
	size_t n = 0;

	*out_which = 0;
	ch_hex_encode(hex, fp, 32);
	CHECK(ch_store_certs_with(s, &pg, CH_SA_TBS, hex, 100, NULL) == CH_OK);
	for (size_t i = 0; pg && i < pg->num_items; i++) {
		*out_which |= !memcmp(pg->items[i].sha256, a, 32) ? 1u : 0u;
		*out_which |= !memcmp(pg->items[i].sha256, b, 32) ? 2u : 0u;
	}
	n = pg ? pg->num_items : 0;
	ch_store_page_free(pg);
	return n;
}

/* linked_to checks that the store links certificate `sha` to `other` (ch_store_get). */
static bool linked_to(ch_store *s, const uint8_t sha[32], const uint8_t other[32])
{
	ch_store_record *r = NULL;
	char hex[65];
	bool ok;

	ch_hex_encode(hex, sha, 32);
	ok = ch_store_get(s, &r, hex) == CH_OK && r->num_linked == 1 &&
	     !memcmp(r->linked[0], other, 32);
	ch_store_record_free(r);
	return ok;
}

/* check_psc_linked: the store links the precertificate and its final certificate by the logged
 * TBS's fingerprint (= the final certificate's), which the precertificate's own DER does not
 * give: without the logged TBS they would not be linked. */
static void check_psc_linked(ch_store *s, const psc_set *ps)
{
	uint8_t pre_fp[32], fin_fp[32], pre_sha[32], fin_sha[32];
	char hex[65];
	unsigned which;
	uint64_t n = 99;

	der_tbs(pre_fp, ps->der[PS_PRE], ps->len[PS_PRE]);
	der_tbs(fin_fp, ps->der[PS_FINAL], ps->len[PS_FINAL]);
	CHECK(memcmp(pre_fp, fin_fp, 32) != 0);
	EVP_Digest(ps->der[PS_PRE], (size_t)ps->len[PS_PRE], pre_sha, NULL, EVP_sha256(), NULL);
	EVP_Digest(ps->der[PS_FINAL], (size_t)ps->len[PS_FINAL], fin_sha, NULL, EVP_sha256(), NULL);
	CHECK(tbs_hits(s, &which, fin_fp, pre_sha, fin_sha) == 2 && which == 3);
	ch_hex_encode(hex, pre_fp, 32);
	CHECK(ch_store_rarity(s, &n, CH_SA_TBS, hex) == CH_OK && n == 0);
	CHECK(linked_to(s, pre_sha, fin_sha));
	CHECK(linked_to(s, fin_sha, pre_sha));
}

/* test_psc: a log records PSC-signed precertificates the RFC 6962 way (issuer and AKI of the
 * CA, no poison); synced through both faces of the fixture log into SQLite, each precertificate
 * is linked to its final certificate. Cases: one made here with the openssl command
 * (tests/ct_psc_certs.sh), and the real PreCA test chain of google/certificate-transparency in
 * ../shared/corpus when present. Ingested as plain files instead (no logged TBS), the
 * precertificate keeps its own DER's fingerprint and is not linked. */
static void test_psc(const ch_ct_key *key)
{
	static const char *const made[4] = {"ca.pem", "psc.pem", "pre.pem", "final.pem"};
	static const char *const ctcpp[4] = {"ca-cert.pem", "ca-pre-cert.pem",
					     "test-embedded-with-preca-pre-cert.pem",
					     "test-embedded-with-preca-cert.pem"};
	psc_set sets[2];
	size_t num_sets = 0;
	char dir[1200], cmd[4096], hex[65];
	ch_ct_writer *w = NULL;
	ch_ct_sync_result res;
	ch_ct_verify_result v;
	db d;

	memset(sets, 0, sizeof sets);
	if (system("openssl version >/dev/null 2>&1") != 0) {
		fprintf(stderr, "ct_sync: PSC case skipped: no openssl command\n");
		return;
	}
	snprintf(dir, sizeof dir, "%s/psc-certs", root_dir);
	snprintf(cmd, sizeof cmd, "bash %s/tests/ct_psc_certs.sh %s", ch_test_source_dir(), dir);
	CHECK(system(cmd) == 0);
	CHECK(psc_load(&sets[num_sets++], dir, made));
	if (ch_test_shared_dir()) {
		snprintf(dir, sizeof dir, "%s/corpus/certs/ct-cpp/test/testdata", ch_test_shared_dir());
		if (psc_load(&sets[num_sets], dir, ctcpp))
			num_sets++;
		else
			fprintf(stderr, "ct_sync: the ct-cpp PreCA chain is absent: not used\n");
	}
	snprintf(dir, sizeof dir, "%s/psc", root_dir);
	CHECK(ch_ct_writer_new(&w, dir, ORIGIN, key_path) == CH_OK);
	for (size_t i = 0; w && i < num_sets; i++) {
		psc_set *ps = &sets[i];
		CHECK(ch_ct_writer_add_psc(w, TS0 + 2 * i, ps->der[PS_PRE], (size_t)ps->len[PS_PRE],
					   ps->der[PS_PSC], (size_t)ps->len[PS_PSC], ps->der[PS_CA],
					   (size_t)ps->len[PS_CA]) == CH_OK);
		CHECK(ch_ct_writer_add(w, TS0 + 2 * i + 1, ps->der[PS_FINAL], (size_t)ps->len[PS_FINAL],
				       false, ps->der[PS_CA], (size_t)ps->len[PS_CA]) == CH_OK);
	}
	CHECK(w && ch_ct_writer_publish(w, TS0 + 10, NULL) == CH_OK);
	ch_ct_writer_free(w);

	/* Tiled (TileLeaf) and RFC 6962 (leaf_input + PrecertChainEntry), then ct verify. */
	for (int face = 0; face < 2; face++) {
		const char *name = face ? "psc-rfc" : "psc-tiled";
		db_open(&d, name);
		CHECK((face ? sync_rfc(&res, &d, "ok", "psc", key, 0)
			    : sync_dir(&res, &d, "psc", key, 0)) == CH_OK);
		CHECK(res.next == 2 * num_sets);
		for (size_t i = 0; i < num_sets; i++)
			check_psc_linked(d.store, &sets[i]);
		db_close(&d);
		CHECK(verify_db(&v, name, key) == CH_OK && v.entries == 2 * num_sets && v.root_checked);
	}
	/* What a user sees: `search tbs:` finds both; `show` prints the stored fingerprint. */
	{
		uint8_t fp[32];
		der_tbs(fp, sets[0].der[PS_FINAL], sets[0].len[PS_FINAL]);
		ch_hex_encode(hex, fp, 32);
		snprintf(cmd, sizeof cmd, "test \"$(%s --db %s/psc-tiled.db search --format ndjson "
			 "tbs:%s | grep -c '\"tbs_sha256\":\"%s\"')\" = 2", ch_test_cli(), root_dir, hex,
			 hex);
		CHECK(system(cmd) == 0);
	}
	/* Outside CT: no logged TBS, the fingerprint of the DER (today's behaviour). */
	db_open(&d, "psc-files");
	for (size_t i = 0; i < num_sets; i++) {
		uint8_t pre_fp[32], fin_fp[32], pre_sha[32], fin_sha[32];
		unsigned which;
		for (int k = PS_PRE; k <= PS_FINAL; k++) {
			ch_sighting g = {.kind = CH_SOURCE_FILE, .source = k == PS_PRE ? "pre" : "final"};
			CHECK(ch_ingest_add(d.ig, sets[i].der[k], (size_t)sets[i].len[k], &g) == CH_OK);
		}
		CHECK(ch_ingest_flush(d.ig) == CH_OK);
		der_tbs(pre_fp, sets[i].der[PS_PRE], sets[i].len[PS_PRE]);
		der_tbs(fin_fp, sets[i].der[PS_FINAL], sets[i].len[PS_FINAL]);
		EVP_Digest(sets[i].der[PS_PRE], (size_t)sets[i].len[PS_PRE], pre_sha, NULL,
			   EVP_sha256(), NULL);
		EVP_Digest(sets[i].der[PS_FINAL], (size_t)sets[i].len[PS_FINAL], fin_sha, NULL,
			   EVP_sha256(), NULL);
		CHECK(tbs_hits(d.store, &which, pre_fp, pre_sha, fin_sha) == 1 && which == 1);
		CHECK(tbs_hits(d.store, &which, fin_fp, pre_sha, fin_sha) == 1 && which == 2);
	}
	db_close(&d);
	for (size_t i = 0; i < num_sets; i++)
		psc_free(&sets[i]);
}

static void test_sync(void)
{
	ch_ct_writer *good = NULL, *fork = NULL, *liar = NULL, *garbage = NULL, *badsig = NULL,
		     *halfcopy = NULL;
	ch_ct_key *key;
	ch_ct_sync_result res;
	db d, d2, d3;
	uint8_t lie[32] = {1};
	char path[700];

	snprintf(path, sizeof path, "%s/good", root_dir);
	CHECK(ch_ct_writer_new(&good, path, ORIGIN, key_path) == CH_OK);
	ch_test_ct_add_range(&fx, good, "good", 0, 300);
	CHECK(ch_ct_writer_publish(good, TS0 + 400000, NULL) == CH_OK);
	snprintf(path, sizeof path, "%s/fork", root_dir);
	CHECK(ch_ct_writer_new(&fork, path, ORIGIN, key_path) == CH_OK);
	ch_test_ct_add_range(&fx, fork, "good", 0, 200);
	ch_test_ct_add_range(&fx, fork, "evil", 200, 400);
	CHECK(ch_ct_writer_publish(fork, TS0 + 500000, NULL) == CH_OK);
	snprintf(path, sizeof path, "%s/liar", root_dir);
	CHECK(ch_ct_writer_new(&liar, path, ORIGIN, key_path) == CH_OK);
	ch_test_ct_add_range(&fx, liar, "good", 0, 300);
	CHECK(ch_ct_writer_publish(liar, TS0 + 400000, lie) == CH_OK);
	snprintf(path, sizeof path, "%s/badsig", root_dir);
	CHECK(ch_ct_writer_new(&badsig, path, ORIGIN, key_path) == CH_OK);
	ch_test_ct_add_range(&fx, badsig, "good", 0, 10);
	CHECK(ch_ct_writer_publish(badsig, TS0 + 400000, NULL) == CH_OK);
	corrupt_checkpoint("badsig", false);
	snprintf(path, sizeof path, "%s/halfcopy", root_dir);
	CHECK(ch_ct_writer_new(&halfcopy, path, ORIGIN, key_path) == CH_OK);
	ch_test_ct_add_range(&fx, halfcopy, "good", 0, 10);
	CHECK(ch_ct_writer_publish(halfcopy, TS0 + 400000, NULL) == CH_OK);
	corrupt_checkpoint("halfcopy", true);
	snprintf(path, sizeof path, "%s/garbage", root_dir);
	CHECK(ch_ct_writer_new(&garbage, path, ORIGIN, key_path) == CH_OK);
	ch_test_ct_add_range(&fx, garbage, "good", 0, 300);
	CHECK(ch_ct_writer_publish(garbage, TS0 + 400000, NULL) == CH_OK);
	corrupt_entry("garbage", 150);
	key = ch_test_ct_log_key(root_dir, "good");
	if (!key || !start_server()) {
		CHECK(!"fixture server starts");
		goto out;
	}

	/* A good log, in chunks of 100 proven against the checkpoint through the hash tiles. The
	 * certificates are the entries plus their issuer (fetched once from issuer/<hex>). */
	db_open(&d, "main");
	CHECK(sync_dir(&res, &d, "good", key, 0) == CH_OK);
	CHECK(res.start == 0 && res.next == 300 && res.entries == 300 && res.sth.tree_size == 300);
	CHECK(stats(&d).certificates == 301 && stats(&d).sightings == 300);
	CHECK(stats(&d).precertificates == 75);
	/* Again: nothing new. */
	CHECK(sync_dir(&res, &d, "good", key, 0) == CH_OK);
	CHECK(res.start == 300 && res.entries == 0);
	/* The log grows: only the new entries are fetched, after a consistency check. */
	ch_test_ct_add_range(&fx, good, "good", 300, 250);
	CHECK(ch_ct_writer_publish(good, TS0 + 900000, NULL) == CH_OK);
	CHECK(sync_dir(&res, &d, "good", key, 0) == CH_OK);
	CHECK(res.start == 300 && res.next == 550 && res.entries == 250);
	CHECK(stats(&d).certificates == 551 && stats(&d).sightings == 550);
	/* A fork: a validly signed tree head that does not extend the stored one. */
	CHECK(sync_dir(&res, &d, "fork", key, 0) == CH_ERR_INTEGRITY);
	CHECK(strstr(res.evidence, "inconsistent tree heads") != NULL);
	CHECK(stats(&d).certificates == 551);
	db_close(&d);

	/* Interrupted syncs resume exactly where they stopped. */
	db_open(&d2, "resume");
	CHECK(sync_dir(&res, &d2, "good", key, 130) == CH_OK);
	CHECK(res.next == 130 && stats(&d2).sightings == 130);
	CHECK(sync_dir(&res, &d2, "good", key, 1) == CH_OK);
	CHECK(res.start == 130 && res.next == 131);
	CHECK(sync_dir(&res, &d2, "good", key, 0) == CH_OK);
	CHECK(res.start == 131 && res.next == 550);
	CHECK(stats(&d2).sightings == 550 && stats(&d2).certificates == 551);
	db_close(&d2);

	/* Liars: nothing unverified is stored. */
	db_open(&d3, "liars");
	CHECK(sync_dir(&res, &d3, "liar", key, 0) == CH_ERR_INTEGRITY);
	CHECK(strstr(res.evidence, "do not hash to the signed root") != NULL);
	CHECK(stats(&d3).certificates == 0);
	CHECK(sync_dir(&res, &d3, "badsig", key, 0) == CH_ERR_INTEGRITY);
	CHECK(strstr(res.evidence, "checkpoint rejected") != NULL);
	CHECK(stats(&d3).certificates == 0);
	/* A garbage entry: the 150 entries before it are proven and kept, then the sync stops. */
	CHECK(sync_dir(&res, &d3, "garbage", key, 0) == CH_ERR_INTEGRITY);
	CHECK(strstr(res.evidence, "entry 150 does not decode") != NULL);
	CHECK(res.next == 150 && stats(&d3).sightings == 150);
	db_close(&d3);

	/* A checkpoint cut in half is no signed statement: a plain parse error (ct follow retries
	 * it at the next poll), no evidence, nothing stored; once the file is whole, it syncs. */
	db_open(&d3, "halfcopy");
	CHECK(sync_dir(&res, &d3, "halfcopy", key, 0) == CH_ERR_PARSE);
	CHECK(strstr(ch_error_last(), "checkpoint does not parse") != NULL);
	CHECK(res.evidence[0] == '\0' && stats(&d3).certificates == 0);
	CHECK(ch_ct_writer_publish(halfcopy, TS0 + 400000, NULL) == CH_OK);
	CHECK(sync_dir(&res, &d3, "halfcopy", key, 0) == CH_OK);
	CHECK(res.next == 10 && stats(&d3).sightings == 10);
	db_close(&d3);

	test_rfc6962(key);
	test_start_at_end(key);
	test_cli(key);
	test_verify(key);
	test_link(key);
	test_psc(key);
out:
	ch_ct_key_free(key);
	ch_ct_writer_free(good);
	ch_ct_writer_free(fork);
	ch_ct_writer_free(liar);
	ch_ct_writer_free(badsig);
	ch_ct_writer_free(garbage);
	ch_ct_writer_free(halfcopy);
}

int main(void)
{
	const char *tmp = ch_test_tmpdir();

	if (system("python3 -c 'import http.server' >/dev/null 2>&1") != 0)
		return ch_test_skip("python3 is needed for the fixture HTTP server");
	snprintf(root_dir, sizeof root_dir, "%s", tmp);
	snprintf(key_path, sizeof key_path, "%s/log-key.pem", root_dir);
	ch_test_ct_fixture_init(&fx, "Fixture CA");
	test_sync();
	if (server > 0) {
		kill(server, SIGTERM);
		waitpid(server, NULL, 0);
	}
	if (server2 > 0) {
		kill(server2, SIGTERM);
		waitpid(server2, NULL, 0);
	}
	ch_test_ct_fixture_free(&fx);
	return ch_test_done("ct_sync");
}
