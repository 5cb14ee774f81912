/* monitor over the CT follower, end to end and without the network: a real static-ct-api log
 * (ch_ct_writer) in a directory, `certhound ct follow file://...` syncing it into a store while
 * `certhound monitor --follow` watches the same store. The log grows in three steps; the monitor
 * is killed with SIGKILL in the middle and restarted. Every matching entry must alert exactly
 * once: watched names (a precertificate and its certificate are one alert), a look-alike, and
 * never the noise. */
#include "ct_fixture.h"
#include "testlib.h"

#include <certhound/ct_writer.h>

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TS0 1780000000000ull

static char dir[512];
static ch_test_ct_fixture fx;

/* log_cert logs a leaf for name with the given serial at TS0 + serial. */
static void log_cert(ch_ct_writer *w, const char *name, long serial, bool precert)
{
	ch_test_ct_add(&fx, w, name, serial, TS0 + (uint64_t)serial, precert);
}

/* grow adds entries [first, first+n): every 10th a watched name logged as a precertificate
 * and then its certificate, every 25th a look-alike, the rest noise. Returns alerts expected. */
static int grow(ch_ct_writer *w, int first, int n, uint64_t ts)
{
	char name[128];
	int alerts = 0;

	for (int i = first; i < first + n; i++) {
		if (i % 10 == 0) {
			snprintf(name, sizeof name, "host%d.example.com", i);
			log_cert(w, name, 10000 + i, true);
			log_cert(w, name, 10000 + i, false);
			alerts++;
		} else if (i % 25 == 0) {
			snprintf(name, sizeof name, "shop%d.examp1e.com", i);
			log_cert(w, name, 10000 + i, false);
			alerts++;
		} else {
			snprintf(name, sizeof name, "node%d.noise-corp.net", i);
			log_cert(w, name, 10000 + i, false);
		}
	}
	CHECK(ch_ct_writer_publish(w, ts, NULL) == CH_OK);
	return alerts;
}

static pid_t spawn(char *const argv[], const char *out)
{
	char path[700];
	pid_t pid;

	snprintf(path, sizeof path, "%s/%s", dir, out);
	pid = fork();
	if (pid == 0) {
		if (!freopen(path, "a", stderr) || !freopen(path, "a", stdout))
			_exit(126);
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

static size_t lines(const char *file, json_t **ids)
{
	char path[700], line[65536];
	FILE *f;
	size_t n = 0;

	snprintf(path, sizeof path, "%s/%s", dir, file);
	if (!(f = fopen(path, "r")))
		return 0;
	while (fgets(line, sizeof line, f)) {
		json_t *a = json_loads(line, 0, NULL);
		if (a && ids) {
			const char *id = json_string_value(json_object_get(a, "id"));
			json_object_set_new(*ids, id ? id : "?", json_integer(
				json_integer_value(json_object_get(*ids, id ? id : "?")) + 1));
		}
		json_decref(a);
		n++;
	}
	fclose(f);
	return n;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

static bool wait_lines(size_t want, int seconds)
{
	for (int i = 0; i < seconds * 10; i++) {
		if (lines("alerts.ndjson", NULL) >= want)
			return true;
		sleep_ms(100);
	}
	return false;
}

static void test_follow(void)
{
	ch_ct_writer *w = NULL;
	char logdir[700], keypath[700], url[800], pub[800], db[700], watch[700], out[700];
	pid_t ct, mon;
	int expect = 0, st;
	json_t *ids = json_object();
	FILE *f;

	snprintf(logdir, sizeof logdir, "%s/log", dir);
	snprintf(keypath, sizeof keypath, "%s/log-key.pem", dir);
	snprintf(url, sizeof url, "file://%s/", logdir);
	snprintf(pub, sizeof pub, "%s/key.pem", logdir);
	snprintf(db, sizeof db, "%s/s.db", dir);
	snprintf(watch, sizeof watch, "%s/watch", dir);
	snprintf(out, sizeof out, "%s/alerts.ndjson", dir);
	f = fopen(watch, "w");
	if (!f)
		return;
	fputs("# fixture\n.example.com\n", f);
	fclose(f);
	CHECK(ch_ct_writer_new(&w, logdir, "fixture.example/m", keypath) == CH_OK);
	if (!w)
		return;
	expect += grow(w, 0, 100, TS0 + 100000);

	char *ct_argv[] = {(char *)ch_test_cli(), "--db", db, "ct", "follow", "--key", pub, "--tiled",
			   "--origin", "fixture.example/m", "--poll", "0.2", "--quiet", url, NULL};
	char *mon_argv[] = {(char *)ch_test_cli(), "--db", db, "monitor", "--watch", watch,
			    "--follow", "--interval", "1", "--quiet", "--output", out, NULL};
	ct = spawn(ct_argv, "ct.err");
	for (int i = 0; i < 100 && access(db, F_OK) != 0; i++)
		sleep_ms(100);
	sleep_ms(500);
	mon = spawn(mon_argv, "monitor.err");
	CHECK(wait_lines((size_t)expect, 20));

	/* the log grows; the monitor is killed while the new entries arrive, then restarted */
	expect += grow(w, 100, 150, TS0 + 200000);
	sleep_ms(700);
	kill(mon, SIGKILL);
	waitpid(mon, &st, 0);
	expect += grow(w, 250, 150, TS0 + 300000);
	mon = spawn(mon_argv, "monitor.err");
	CHECK(wait_lines((size_t)expect, 30));
	sleep_ms(1500); /* a late duplicate would show up here */
	kill(mon, SIGTERM);
	waitpid(mon, &st, 0);
	CHECK(WIFEXITED(st));
	kill(ct, SIGINT);
	waitpid(ct, &st, 0);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		fprintf(stderr, "ct follow: status %d signal %d\n", WIFEXITED(st) ? WEXITSTATUS(st) : -1,
			WIFSIGNALED(st) ? WTERMSIG(st) : 0);
	CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);

	/* 40 watched names (each a precertificate + certificate: one alert) and 8 look-alikes of
	 * the keyword "example" derived from the watched domain */
	CHECK_INT(expect, 40 + 8);
	CHECK_INT(lines("alerts.ndjson", &ids), expect);
	CHECK_INT(json_object_size(ids), expect);
	{
		const char *k;
		json_t *v;
		json_object_foreach(ids, k, v) CHECK_INT(json_integer_value(v), 1);
	}
	json_decref(ids);
	ch_ct_writer_free(w);
}

int main(void)
{
	snprintf(dir, sizeof dir, "%s", ch_test_tmpdir());
	ch_test_ct_fixture_init(&fx, "Fixture Monitor CA");
	test_follow();
	ch_test_ct_fixture_free(&fx);
	return ch_test_done("monitor_ct");
}
