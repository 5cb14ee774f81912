/* bench_ingest — end-to-end ingest rate into a fresh SQLite store, printed beside the
 * decode-only and decode+names rates of the same certificates in the same run, and beside the
 * SQLite floor: the time SQLite alone takes to write the very rows the ingest stored (see
 * sqlite_floor), so that the share of the engine and of certhound is measured, not guessed, and
 * beside the SQLite minimum: the DER and a SHA-256 key alone, the least any store can write.
 *
 *   bench_ingest [--limit N] [--db PATH] [--batch N] [--no-bulk] [--verbose] CORPUS
 *   bench_ingest --floor-of STORE --count N [--verbose]
 *
 * --verbose adds the floor's time per table and per index. --floor-of measures only the floor
 * of an existing store (bench/ct_sync.sh: the store a CT sync of N entries built), as N items.
 * CORPUS is gen_corpus output (concatenated DER or PEM), loaded into memory first so that the
 * figures time decoding and storing, not reading the file. The store is created fresh at PATH
 * (default a temporary file, removed at the end). Each certificate gets a file sighting, as
 * `certhound ingest` does. Rates are given per CPU-second of the process (all its threads) and
 * per wall-clock second, the end-to-end figure the target is judged on. See docs/bench.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/sha.h>
#include <sqlite3.h>

#include <certhound/ingest.h>
#include <certhound/names.h>
#include <certhound/store.h>
#include <certhound/x509.h>

#include "benchlib.h"

#define TARGET_INGEST 100000.0

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct phase {
	const char *name;
	double cpu, wall;
	uint64_t n;
} phase;

static void report(const phase *p)
{
	printf("%-22s %10llu certs  %10.0f certs/CPU-s  %10.0f certs/s wall\n", p->name,
	       (unsigned long long)p->n, p->cpu > 0 ? (double)p->n / p->cpu : 0.0,
	       p->wall > 0 ? (double)p->n / p->wall : 0.0);
}

static int decode_phase(phase *p, const bench_corpus *c, bool names)
{
	ch_cert *cert = NULL;
	ch_names *nm = NULL;
	const ch_cert_names *cn;
	double c0, w0;

	if (ch_cert_new(&cert) || ch_names_new(&nm)) {
		fprintf(stderr, "bench_ingest: %s\n", ch_error_last());
		return -1;
	}
	c0 = cpu_now();
	w0 = bench_now();
	for (size_t i = 0; i < c->num_certs; i++) {
		if (ch_cert_parse(cert, c->certs[i].der, c->certs[i].len, CH_PARSE_ALL) != CH_OK)
			continue;
		bench_sink += cert->sha256[0];
		if (names && ch_names_of_cert(nm, cert, &cn) == CH_OK)
			bench_sink += cn->num_names;
		p->n++;
	}
	p->cpu = cpu_now() - c0;
	p->wall = bench_now() - w0;
	ch_cert_free(cert);
	ch_names_free(nm);
	return 0;
}

/* thread_cpus reads the CPU seconds of each of this process's threads (/proc, 10 ms ticks):
 * the ingest pipeline's caller and writer, to show which one bounds the rate. */
static size_t thread_cpus(double *out, size_t max)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	size_t n = 0;

	while (d && n < max && (e = readdir(d))) {
		char path[300], buf[1024], *p;
		unsigned long ut, st;
		FILE *f;
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "/proc/self/task/%s/stat", e->d_name);
		if (!(f = fopen(path, "r")))
			continue;
		p = fgets(buf, sizeof buf, f) ? strrchr(buf, ')') : NULL;
		if (p && sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut,
				&st) == 2)
			out[n++] = (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
		fclose(f);
	}
	if (d)
		closedir(d);
	return n;
}

static int ingest_phase(phase *p, const bench_corpus *c, const char *db, size_t batch, bool bulk,
			ch_ingest_counts *out)
{
	ch_store *s = NULL;
	ch_ingest *ig = NULL;
	double c0, w0, w1, t0[8] = {0}, t1[8];
	size_t n0, nt;
	int rc = -1;

	if (ch_store_open(&s, db, CH_STORE_CREATE) != CH_OK ||
	    ch_ingest_new(&ig, s, &(ch_ingest_opts){.batch_size = batch, .bulk = bulk,
						     .bulk_max_bytes = (size_t)4 << 30}) != CH_OK)
		goto out;
	n0 = thread_cpus(t0, 8);
	c0 = cpu_now();
	w0 = bench_now();
	for (size_t i = 0; i < c->num_certs; i++) {
		ch_sighting g = {.kind = CH_SOURCE_FILE, .source = "/bench/corpus.der",
				 .index = (int64_t)i, .timestamp = 1700000000};
		if (ch_ingest_add(ig, c->certs[i].der, c->certs[i].len, &g) != CH_OK)
			goto out;
	}
	if (ch_ingest_flush(ig) != CH_OK)
		goto out;
	w1 = bench_now();
	nt = thread_cpus(t1, 8);
	for (size_t k = 0; k < nt && k < 8; k++)
		if (t1[k] - (k < n0 ? t0[k] : 0) > 0.01)
			printf("  thread %zu: %.2f s CPU while writing rows (%.1f us/cert)\n", k,
			       t1[k] - (k < n0 ? t0[k] : 0),
			       1e6 * (t1[k] - (k < n0 ? t0[k] : 0)) / (double)c->num_certs);
	if (ch_store_bulk_end(s) != CH_OK)
		goto out; /* the deferred indexes are part of the load: timed */
	p->cpu = cpu_now() - c0;
	p->wall = bench_now() - w0;
	printf("  (rows written in %.2f s wall, deferred indexes built in %.2f s)\n", w1 - w0,
	       bench_now() - w1);
	ch_ingest_get_counts(ig, out);
	p->n = out->read;
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "bench_ingest: %s\n", ch_error_last());
	ch_ingest_free(ig);
	ch_store_close(s);
	return rc;
}

/* exec_all runs SQL on db; -1 with a message on failure. */
static int exec_all(sqlite3 *db, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	fprintf(stderr, "bench_ingest: floor: %s: %s\n", sql, msg ? msg : "?");
	sqlite3_free(msg);
	return -1;
}

/* remove_db deletes a scratch database and its WAL files. */
static void remove_db(const char *path)
{
	const char *sfx[] = {"", "-wal", "-shm"};
	char f[600];

	for (int i = 0; i < 3; i++) {
		snprintf(f, sizeof f, "%s%s", path, sfx[i]);
		unlink(f);
	}
}

/* fresh_db creates an empty database at path with the store's settings for a loader: 16 KiB
 * pages, WAL, synchronous=NORMAL, the same checkpoint interval and writer page cache. */
static int fresh_db(const char *path, sqlite3 **db)
{
	remove_db(path);
	if (sqlite3_open_v2(path, db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_URI,
			    NULL) != SQLITE_OK)
		return -1;
	return exec_all(*db, "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; "
			     "PRAGMA synchronous=NORMAL; PRAGMA wal_autocheckpoint=12500; "
			     "PRAGMA cache_size=-524288; PRAGMA temp_store=FILE");
}

/* copy_schema creates built's tables in db and returns its index statements (NUL-separated in
 * idx, n of them) to run after the copy. */
static int copy_schema(sqlite3 *db, char *idx, size_t cap, size_t *n)
{
	sqlite3_stmt *st = NULL;
	size_t o = 0;
	int rc = 0;

	*n = 0;
	if (sqlite3_prepare_v2(db, "SELECT type, sql FROM src.sqlite_master WHERE sql NOT NULL AND "
				   "name NOT LIKE 'sqlite_%' ORDER BY type = 'index'", -1, &st, NULL))
		return -1;
	while (!rc && sqlite3_step(st) == SQLITE_ROW) {
		const char *type = (const char *)sqlite3_column_text(st, 0),
			   *sql = (const char *)sqlite3_column_text(st, 1);
		size_t len = strlen(sql) + 1;
		if (!strcmp(type, "table"))
			rc = exec_all(db, sql);
		else if (o + len <= cap) {
			memcpy(idx + o, sql, len);
			o += len;
			(*n)++;
		}
	}
	sqlite3_finalize(st);
	return rc;
}

/* sqlite_floor measures what SQLite alone needs to write the rows of the store just built: they
 * are copied table by table into an empty file with the same schema and settings (INSERT ...
 * SELECT in key order: no binding, no parsing, no lookups; LIMIT -1 keeps SQLite from copying
 * raw pages instead), one transaction per table, then the same indexes are built. Any ingest
 * into this schema, on this machine, is at most this fast: the baseline of the ingest figure. */
static int sqlite_floor(phase *p, const char *built, const char *scratch, size_t certs,
			bool verbose)
{
	static char idx[1 << 16];
	char sql[1200];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	size_t nidx = 0;
	double c0, w0;
	int rc = -1;

	snprintf(sql, sizeof sql, "ATTACH 'file:%s?mode=ro' AS src", built);
	if (fresh_db(scratch, &db) || exec_all(db, sql) || copy_schema(db, idx, sizeof idx, &nidx) ||
	    sqlite3_prepare_v2(db, "SELECT name FROM src.sqlite_master WHERE type = 'table' AND "
				   "name NOT LIKE 'sqlite_%'", -1, &st, NULL))
		goto out;
	c0 = cpu_now();
	w0 = bench_now();
	while (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(sql, sizeof sql, "BEGIN; INSERT INTO main.\"%s\" SELECT * FROM src.\"%s\" "
			 "LIMIT -1; COMMIT", sqlite3_column_text(st, 0), sqlite3_column_text(st, 0));
		double t = bench_now();
		if (exec_all(db, sql))
			goto out;
		if (verbose)
			printf("  floor: table %-12s %6.2f s\n", sqlite3_column_text(st, 0),
			       bench_now() - t);
	}
	for (size_t i = 0, o = 0; i < nidx; i++, o += strlen(idx + o) + 1) {
		double t = bench_now();
		if (exec_all(db, idx + o))
			goto out;
		if (verbose)
			printf("  floor: %-.50s %6.2f s\n", idx + o, bench_now() - t);
	}
	p->cpu = cpu_now() - c0;
	p->wall = bench_now() - w0;
	p->n = certs;
	rc = 0;
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	remove_db(scratch);
	return rc;
}

/* sqlite_minimum measures the least any SQLite store in WAL mode can write for these
 * certificates: each one's DER, uncompressed, in a row keyed by id, with a unique index on its
 * SHA-256 (dedupe) built after the rows, in transactions of 65,536 — no name, no value, no
 * sighting, no index for search. The SHA-256s are computed before the clock starts. An ingest
 * target above this figure cannot be met by the SQLite backend on this machine. */
static int sqlite_minimum(phase *p, const bench_corpus *c, const char *scratch)
{
	uint8_t(*sha)[32] = malloc(c->num_certs ? c->num_certs * 32 : 1);
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	double c0, w0;
	int rc = -1;

	if (!sha)
		return -1;
	for (size_t i = 0; i < c->num_certs; i++)
		SHA256(c->certs[i].der, c->certs[i].len, sha[i]);
	if (fresh_db(scratch, &db) ||
	    exec_all(db, "CREATE TABLE m(id INTEGER PRIMARY KEY, sha256 BLOB, der BLOB)") ||
	    sqlite3_prepare_v2(db, "INSERT INTO m VALUES (?, ?, ?)", -1, &st, NULL))
		goto out;
	c0 = cpu_now();
	w0 = bench_now();
	for (size_t i = 0; i < c->num_certs; i++) {
		if (i % 65536 == 0 && exec_all(db, i ? "COMMIT; BEGIN" : "BEGIN"))
			goto out;
		sqlite3_bind_int64(st, 1, (sqlite3_int64)i + 1);
		sqlite3_bind_blob(st, 2, sha[i], 32, SQLITE_STATIC);
		sqlite3_bind_blob(st, 3, c->certs[i].der, (int)c->certs[i].len, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE || sqlite3_reset(st) != SQLITE_OK)
			goto out;
	}
	if (exec_all(db, "COMMIT; CREATE UNIQUE INDEX m_sha256 ON m(sha256)"))
		goto out;
	p->cpu = cpu_now() - c0;
	p->wall = bench_now() - w0;
	p->n = c->num_certs;
	rc = 0;
out:
	if (rc && db)
		fprintf(stderr, "bench_ingest: minimum: %s\n", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	sqlite3_close(db);
	remove_db(scratch);
	free(sha);
	return rc;
}

/* floor_only prints the SQLite floor of an existing store as `count` items. */
static int floor_only(const char *store, size_t count, bool verbose)
{
	phase flo = {.name = "SQLite floor (same rows)"};
	char scratch[600];

	snprintf(scratch, sizeof scratch, "%s.floor", store);
	if (sqlite_floor(&flo, store, scratch, count, verbose))
		return 1;
	report(&flo);
	return 0;
}

int main(int argc, char **argv)
{
	bench_corpus c = {0};
	const char *db = NULL, *corpus = NULL, *floor_of = NULL;
	char tmp[] = "/tmp/bench_ingest.XXXXXX", path[512];
	size_t limit = 0, batch = 0, count = 0;
	bool bulk = true, verbose = false;
	phase dec = {.name = "decode only"}, nam = {.name = "decode + names"},
	      ing = {.name = "ingest (end to end)"}, flo = {.name = "SQLite floor (same rows)"},
	      min = {.name = "SQLite minimum (DER+key)"};
	char floor_db[600];
	ch_ingest_counts counts;
	struct stat sb;
	ch_store *s = NULL;
	ch_store_stats st = {0};

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--floor-of") && i + 1 < argc)
			floor_of = argv[++i];
		else if (!strcmp(argv[i], "--count") && i + 1 < argc)
			count = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--limit") && i + 1 < argc)
			limit = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--db") && i + 1 < argc)
			db = argv[++i];
		else if (!strcmp(argv[i], "--no-bulk"))
			bulk = false;
		else if (!strcmp(argv[i], "--verbose"))
			verbose = true;
		else if (!strcmp(argv[i], "--batch") && i + 1 < argc)
			batch = strtoull(argv[++i], NULL, 10);
		else
			corpus = argv[i];
	}
	if (floor_of && count)
		return floor_only(floor_of, count, verbose);
	if (!corpus) {
		fprintf(stderr, "usage: bench_ingest [--limit N] [--db PATH] [--batch N] [--no-bulk] "
				"[--verbose] CORPUS\n       bench_ingest --floor-of STORE --count N "
				"[--verbose]\n");
		return 2;
	}
	if (bench_corpus_load_file(&c, corpus, limit) != 0)
		return 1;
	bench_corpus_done(&c);
	if (!db) {
		if (!mkdtemp(tmp))
			return 1;
		snprintf(path, sizeof path, "%s/store.db", tmp);
		db = path;
	}
	printf("corpus: %zu certificates, %.1f MB of DER (%s)\n", c.num_certs,
	       (double)c.total_bytes / 1e6, corpus);
	if (decode_phase(&dec, &c, false) || decode_phase(&nam, &c, true) ||
	    ingest_phase(&ing, &c, db, batch, bulk, &counts))
		return 1;
	snprintf(floor_db, sizeof floor_db, "%s.floor", db);
	if (sqlite_floor(&flo, db, floor_db, c.num_certs, verbose) ||
	    sqlite_minimum(&min, &c, floor_db))
		return 1;
	report(&dec);
	report(&nam);
	report(&ing);
	report(&flo);
	report(&min);
	printf("ingest / SQLite floor: %.2f (the store's rows alone, written by SQLite with no "
	       "decoding, lookups or binding)\n",
	       flo.wall > 0 && ing.wall > 0 ? flo.wall / ing.wall : 0.0);
	printf("SQLite minimum: each certificate's DER and a unique SHA-256 key, nothing searchable "
	       "(the least any WAL store can write)\n");
	printf("new %llu, duplicates %llu, rejected %llu, batches %llu\n",
	       (unsigned long long)counts.new_certs, (unsigned long long)counts.duplicates,
	       (unsigned long long)counts.rejected, (unsigned long long)counts.batches);
	if (ch_store_open(&s, db, CH_STORE_READONLY) == CH_OK && ch_store_stats_get(s, &st) == CH_OK &&
	    stat(db, &sb) == 0 && st.certificates)
		printf("store: %.0f MB per million certificates (DER kept: %.0f MB raw, %.0f MB stored, "
		       "zstd saves %.1f%%)\n",
		       (double)sb.st_size / 1e6 * 1e6 / (double)st.certificates,
		       (double)st.der_raw_bytes / 1e6 * 1e6 / (double)st.certificates,
		       (double)st.der_bytes / 1e6 * 1e6 / (double)st.certificates,
		       st.der_raw_bytes ? 100.0 * (1.0 - (double)st.der_bytes / (double)st.der_raw_bytes) : 0);
	ch_store_close(s);
	printf("target: %.0f certs/s end to end -> %s (wall clock: the pipeline runs two threads)\n",
	       TARGET_INGEST, ing.wall > 0 && (double)ing.n / ing.wall >= TARGET_INGEST ? "met" : "NOT met");
	if (db == path) {
		remove_db(path);
		rmdir(tmp);
	}
	bench_corpus_free(&c);
	return 0;
}
