/* Many logs at once, served by nginx from Debian on 127.0.0.1 (started here with a minimal
 * nginx.conf in a temporary directory; the test is skipped when nginx is not installed):
 *  - two real static-ct-api logs (ch_ct_writer, two keys, OpenSSL-made certificates) and a
 *    retired one in a CT log list v3;
 *  - `ct sync --all-usable` syncs the usable ones and leaves the retired one alone;
 *  - `ct verify` re-checks both stores offline;
 *  - `ct follow` picks up growth, and SIGINT stops it cleanly (exit 0, verified store);
 *  - SIGINT in the middle of a sync, then a restart: every entry stored exactly once. */
#include "ct_fixture.h"
#include "net_fixture.h"
#include "testlib.h"

#include <certhound/ct.h>
#include <certhound/ct_sync.h>
#include <certhound/ct_writer.h>
#include <certhound/store.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TS0 1750000000000ull

static char dir[512];
static int port;
/* Entry i of a log: <tag><i>.example, serial 5000 + i, at TS0 + i, every third a precertificate. */
static ch_test_ct_fixture fx = {.serial0 = 5000, .ts0 = TS0, .ts_step = 1, .pre_every = 3,
				.pre_at = 1};

/* ---- nginx ----------------------------------------------------------------------------------- */

static const char *nginx_path(void)
{
	static const char *const paths[] = {"/usr/sbin/nginx", "/usr/local/sbin/nginx",
					    "/usr/bin/nginx"};
	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
		if (access(paths[i], X_OK) == 0)
			return paths[i];
	return NULL;
}

static bool start_nginx(void)
{
	char conf[700], cmd[4096];
	FILE *f;

	port = ch_test_free_port();
	snprintf(conf, sizeof conf, "%s/nginx.conf", dir);
	f = fopen(conf, "w");
	if (!f)
		return false;
	fprintf(f, "%s"
		"worker_processes 1;\n"
		"pid %s/nginx.pid;\n"
		"error_log %s/nginx-error.log;\n"
		"events { worker_connections 256; }\n"
		"http {\n"
		"  access_log off;\n"
		"  client_body_temp_path %s/tmp-body;\n"
		"  proxy_temp_path %s/tmp-proxy;\n"
		"  fastcgi_temp_path %s/tmp-fastcgi;\n"
		"  uwsgi_temp_path %s/tmp-uwsgi;\n"
		"  scgi_temp_path %s/tmp-scgi;\n"
		"  default_type application/octet-stream;\n"
		"  keepalive_requests 100000;\n"
		"  server {\n"
		"    listen 127.0.0.1:%d;\n"
		"    root %s/www;\n"
		"  }\n"
		"}\n",
		geteuid() == 0 ? "user root;\n" : "", dir, dir, dir, dir, dir, dir, dir, port, dir);
	fclose(f);
	snprintf(cmd, sizeof cmd, "%s -e %s/nginx-error.log -p %s -c %s", nginx_path(), dir, dir,
		 conf);
	if (system(cmd) != 0)
		return false;
	return ch_test_wait_port(port);
}

static void stop_nginx(void)
{
	char path[700];
	uint8_t *pid;
	size_t len;

	snprintf(path, sizeof path, "%s/nginx.pid", dir);
	pid = ch_test_read_file(path, &len);
	if (pid && atoi((char *)pid) > 0)
		kill(atoi((char *)pid), SIGTERM);
	free(pid);
}

/* ---- helpers --------------------------------------------------------------------------------- */

/* write_list writes a log list v3 with logs a and b usable and a retired log c. */
static void write_list(const ch_ct_key *a, const ch_ct_key *b)
{
	const ch_ct_key *keys[3] = {a, b, a};
	const char *names[3] = {"a", "b", "c"}, *states[3] = {"usable", "usable", "retired"};
	char path[700];
	FILE *f;

	snprintf(path, sizeof path, "%s/list.json", dir);
	f = fopen(path, "w");
	fprintf(f, "{\"version\": \"1.0\", \"log_list_timestamp\": \"2025-06-01T00:00:00Z\","
		" \"operators\": [{\"name\": \"Fixture\", \"email\": [], \"logs\": [], \"tiled_logs\": [");
	for (int i = 0; i < 3; i++) {
		char key[2048], id[64];
		ch_bytes spki = ch_ct_key_spki(keys[i]);
		ch_base64_encode(key, spki.data, spki.len);
		ch_base64_encode(id, ch_ct_key_log_id(keys[i]), 32);
		fprintf(f, "%s{\"description\": \"Fixture %s\", \"log_id\": \"%s\", \"key\": \"%s\","
			" \"submission_url\": \"https://fixture.example/%s/\","
			" \"monitoring_url\": \"http://127.0.0.1:%d/%s/\", \"mmd\": 60,"
			" \"state\": {\"%s\": {\"timestamp\": \"2025-01-01T00:00:00Z\"}}}",
			i ? ", " : "", names[i], id, key, names[i], port, names[i], states[i]);
	}
	fprintf(f, "]}]}\n");
	fclose(f);
}

/* cut_checkpoint leaves the first half of log's checkpoint, written in place. */
static void cut_checkpoint(const char *log)
{
	char path[700];
	uint8_t *d;
	size_t len;

	snprintf(path, sizeof path, "%s/www/%s/checkpoint", dir, log);
	d = ch_test_read_file(path, &len);
	CHECK(d != NULL);
	if (d)
		CHECK(ch_test_write_file(path, d, len / 2));
	free(d);
}

static int run(const char *args, const char *out)
{
	char cmd[4096];
	int rc;

	snprintf(cmd, sizeof cmd, "%s %s >%s/%s 2>&1", ch_test_cli(), args, dir, out);
	rc = system(cmd);
	return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static bool out_has_quiet(const char *out, const char *what)
{
	char path[700];
	uint8_t *d;
	size_t len;
	bool ok;

	snprintf(path, sizeof path, "%s/%s", dir, out);
	d = ch_test_read_file(path, &len);
	ok = d && strstr((char *)d, what);
	free(d);
	return ok;
}

static bool out_has(const char *out, const char *what)
{
	char path[700];
	uint8_t *d;
	size_t len;

	if (out_has_quiet(out, what))
		return true;
	snprintf(path, sizeof path, "%s/%s", dir, out);
	d = ch_test_read_file(path, &len);
	fprintf(stderr, "%s lacks \"%s\":\n%s\n", out, what, d ? (char *)d : "(none)");
	free(d);
	return false;
}

/* wait_for_output waits up to 60 s for `what` to appear in the output file of a spawned run. */
static bool wait_for_output(const char *out, const char *what)
{
	struct timespec ts = {0, 50000000L};

	for (int i = 0; i < 1200 && !out_has_quiet(out, what); i++)
		nanosleep(&ts, NULL);
	return out_has(out, what);
}

/* spawn starts the CLI with args (split on spaces) and returns its pid. */
static pid_t spawn(const char *args, const char *out)
{
	char buf[4096], *argv[40], path[700], *save = NULL;
	int n = 0;
	pid_t pid;

	snprintf(buf, sizeof buf, "%s", args);
	argv[n++] = (char *)ch_test_cli();
	for (char *t = strtok_r(buf, " ", &save); t && n < 39; t = strtok_r(NULL, " ", &save))
		argv[n++] = t;
	argv[n] = NULL;
	snprintf(path, sizeof path, "%s/%s", dir, out);
	unlink(path);
	pid = fork();
	if (pid == 0) {
		/* Both appending: stdout, flushed at exit, must not write over stderr's lines. */
		freopen(path, "a", stdout);
		freopen(path, "a", stderr);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static int wait_exit(pid_t pid)
{
	int st = 0;

	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static uint64_t sightings(const char *db)
{
	char path[700];
	ch_store *s = NULL;
	ch_store_stats st = {0};

	snprintf(path, sizeof path, "%s/%s", dir, db);
	CHECK(ch_store_open(&s, path, CH_STORE_READONLY) == CH_OK);
	if (!s)
		return UINT64_MAX; /* (and do not crash: nginx must still be stopped) */
	CHECK(ch_store_stats_get(s, &st) == CH_OK);
	ch_store_close(s);
	return st.sightings;
}

/* wait_for_sightings waits up to 60 s for the store db, written by a spawned run, to hold n
 * sightings. */
static bool wait_for_sightings(const char *db, uint64_t n)
{
	struct timespec ts = {0, 50000000L};

	for (int i = 0; i < 1200 && sightings(db) != n; i++)
		nanosleep(&ts, NULL);
	return sightings(db) == n;
}

static void test_follow(void)
{
	ch_ct_writer *a = NULL, *b = NULL;
	ch_ct_key *ka = NULL, *kb = NULL;
	char path[700], keypath[700], args[2048], list[700];
	pid_t pid;

	snprintf(path, sizeof path, "%s/www/a", dir);
	snprintf(keypath, sizeof keypath, "%s/key-a.pem", dir);
	CHECK(ch_ct_writer_new(&a, path, "fixture.example/a", keypath) == CH_OK);
	snprintf(path, sizeof path, "%s/www/b", dir);
	snprintf(keypath, sizeof keypath, "%s/key-b.pem", dir);
	CHECK(ch_ct_writer_new(&b, path, "fixture.example/b", keypath) == CH_OK);
	if (!a || !b)
		goto out;
	ch_test_ct_add_range(&fx, a, "a", 0, 1500);
	ch_test_ct_add_range(&fx, b, "b", 0, 400);
	CHECK(ch_ct_writer_publish(a, TS0 + 10000, NULL) == CH_OK);
	CHECK(ch_ct_writer_publish(b, TS0 + 10000, NULL) == CH_OK);
	chmod(dir, 0755);
	if (!start_nginx()) {
		CHECK(!"nginx starts");
		goto out;
	}
	ka = ch_test_ct_log_key(dir, "www/a");
	kb = ch_test_ct_log_key(dir, "www/b");
	write_list(ka, kb);
	snprintf(list, sizeof list, "%s/list.json", dir);

	/* One pass over every usable log; the retired one (404s everywhere) is not touched. */
	snprintf(args, sizeof args, "--db %s/f.db ct sync --all-usable --log-list %s --quiet --chunk "
		 "256", dir, list);
	CHECK(run(args, "sync.out") == 0);
	CHECK(out_has("sync.out", "log Fixture a: 1500/1500 entries stored, 1500 this run"));
	CHECK(out_has("sync.out", "log Fixture b: 400/400 entries stored, 400 this run"));
	CHECK(!out_has_quiet("sync.out", "Fixture c"));
	CHECK(sightings("f.db") == 1900);
	snprintf(args, sizeof args, "--db %s/f.db ct verify --log-list %s \"Fixture a\"", dir, list);
	CHECK(run(args, "verify.out") == 0);
	CHECK(out_has("verify.out", "entries rebuilt from the store: 1500 of 1500"));

	/* Follow: the logs grow while it runs; SIGINT stops it with everything committed. Log b
	 * is served a checkpoint cut in half for a while (a mirror caught copying it): no signed
	 * statement, so no verdict; follow tries again at each poll and goes on once it is whole. */
	snprintf(args, sizeof args, "--db %s/f.db ct follow --all-usable --log-list %s --poll 0.2 "
		 "--quiet", dir, list);
	pid = spawn(args, "follow.out");
	{
		struct timespec ts = {0, 500000000L};
		nanosleep(&ts, NULL);
		ch_test_ct_add_range(&fx, a, "a", 1500, 300);
		CHECK(ch_ct_writer_publish(a, TS0 + 20000, NULL) == CH_OK);
		cut_checkpoint("b");
		CHECK(wait_for_output("follow.out", "Fixture b: log http://127.0.0.1:"));
		CHECK(out_has("follow.out", "checkpoint does not parse: note: does not end with a "
					    "newline; trying again at the next poll"));
		ch_test_ct_add_range(&fx, b, "b", 400, 100);
		CHECK(ch_ct_writer_publish(b, TS0 + 20000, NULL) == CH_OK);
		CHECK(wait_for_output("follow.out", "certhound: ct: Fixture b: synced again"));
		CHECK(wait_for_sightings("f.db", 2300));
	}
	kill(pid, SIGINT);
	CHECK(wait_exit(pid) == 0);
	CHECK(out_has("follow.out", "log Fixture a: 1800/1800 entries stored, 300 this run"));
	CHECK(out_has("follow.out", "log Fixture b: 500/500 entries stored, 100 this run"));
	CHECK(out_has("follow.out", "(stopped)"));
	CHECK(sightings("f.db") == 2300);
	snprintf(args, sizeof args, "--db %s/f.db ct verify --log-list %s \"Fixture a\"", dir, list);
	CHECK(run(args, "verify.out") == 0);
	CHECK(out_has("verify.out", "hash to the signed root"));

	/* SIGINT in the middle of a sync, then a restart: each entry once, store verified. */
	snprintf(args, sizeof args, "--db %s/g.db ct sync --all-usable --log-list %s --quiet --chunk "
		 "4 --jobs 1", dir, list);
	pid = spawn(args, "int.out");
	{
		/* The store is created after the signal handlers are in place: wait for it (a slow
		 * start, under sanitizers, must not turn the SIGINT into a plain kill), then let the
		 * sync run a little. */
		struct timespec ts = {0, 10000000L};
		char g[1100];
		struct stat sb;
		snprintf(g, sizeof g, "%s/g.db", dir);
		for (int i = 0; i < 1000 && stat(g, &sb) != 0; i++)
			nanosleep(&ts, NULL);
		ts.tv_nsec = 150000000L;
		nanosleep(&ts, NULL);
	}
	kill(pid, SIGINT);
	CHECK(wait_exit(pid) == 0);
	CHECK(out_has("int.out", "(stopped)"));
	CHECK(sightings("g.db") < 2300);
	snprintf(args, sizeof args, "--db %s/g.db ct verify --log-list %s \"Fixture a\"", dir, list);
	CHECK(run(args, "verify.out") == 0 || out_has("verify.out", "nothing is stored"));
	snprintf(args, sizeof args, "--db %s/g.db ct sync --all-usable --log-list %s --quiet", dir,
		 list);
	CHECK(run(args, "sync2.out") == 0);
	CHECK(sightings("g.db") == 2300);
	snprintf(args, sizeof args, "--db %s/g.db ct verify --log-list %s \"Fixture b\"", dir, list);
	CHECK(run(args, "verify.out") == 0);
	CHECK(out_has("verify.out", "500 of 500"));
out:
	stop_nginx();
	ch_ct_key_free(ka);
	ch_ct_key_free(kb);
	ch_ct_writer_free(a);
	ch_ct_writer_free(b);
}

int main(void)
{
	if (!nginx_path())
		return ch_test_skip("nginx is not installed (apt-get install nginx; scripts/deps.sh "
				    "installs it)");
	snprintf(dir, sizeof dir, "%s", ch_test_tmpdir());
	ch_test_ct_fixture_init(&fx, "Fixture Follow CA");
	test_follow();
	ch_test_ct_fixture_free(&fx);
	return ch_test_done("ct_follow");
}
