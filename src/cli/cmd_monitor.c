/* certhound monitor: alerts for new certificates of watched names and their look-alikes
 * (docs/monitor.md). */
#include <certhound/monitor.h>
#include <certhound/report_monitor.h>
#include <certhound/store.h>
#include <certhound/util.h>

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "query_common.h"

#define MON_MAX_AUTH 256

static atomic_int g_stop;

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&g_stop, 1);
}

static void usage(FILE *f)
{
	fputs("usage: certhound monitor --watch FILE [options]\n"
	      "       certhound monitor --authorize SHA256...\n"
	      "\n"
	      "Examines the certificates added to the store since the previous run (by ct sync /\n"
	      "ct follow, ingest or scan) against a watch list: watched names and subtrees,\n"
	      "organisations, issuers not allowed for a domain, and look-alikes of brand keywords\n"
	      "(homoglyphs, IDN confusables, one-edit typos, keyword combinations, embedded\n"
	      "domains, NUL-prefix names). Alerts are recorded in the store: a restart never\n"
	      "repeats a delivered alert and never skips one.\n"
	      "\n"
	      "options:\n"
	      "  --watch FILE         the watch list (docs/monitor.md)\n"
	      "  --name NAME          this monitor's cursor and alerts (default \"default\")\n"
	      "  --start-at-end       first run: skip what the store already holds (no backfill)\n"
	      "  --follow             keep running, one pass every --interval seconds, until\n"
	      "                       SIGINT/SIGTERM (run `certhound ct follow` beside it)\n"
	      "  --interval SECONDS   pause between passes with --follow (default 5)\n"
	      "  --format F           ndjson (default), json, table: alerts on standard output\n"
	      "  --quiet              nothing on standard output\n"
	      "  --output FILE        append each alert to FILE (NDJSON)\n"
	      "  --hook CMD           run `/bin/sh -c CMD` per alert, CERTHOUND_ALERT_* set\n"
	      "  --webhook URL        POST each alert (JSON) to URL; 2xx = delivered\n"
	      "  --syslog             log each alert to syslog\n"
	      "  --authorize SHA256   mark a certificate as expected (no alerts); repeatable\n"
	      "  --page N             certificates per transaction (default 1000)\n"
	      "  --now DATE           the alerts' detection time (tests)\n"
	      "  --data-dir DIR       knowledge directory (default: the shipped data/monitor)\n"
	      "  --stats              print the pass counters on standard error\n"
	      "\n"
	      "Exit status: 0 alerts delivered, 1 none, 2 usage error, 3 some alerts could not be\n"
	      "delivered (they stay pending), 5 store or environment failure.\n",
	      f);
}

typedef struct mon_args {
	const char *watch;
	ch_monitor_pass_opts po;
	ch_monitor_notify n;
	ch_report_format format;
	bool quiet, follow, stats;
	unsigned long interval;
	const char *data_dir;
	const char *auth[MON_MAX_AUTH];
	size_t num_auth;
} mon_args;

static bool num(unsigned long *out, const char *s, unsigned long max)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return !errno && end != s && !*end && s[0] != '-' && *out > 0 && *out <= max;
}

static int parse_args(mon_args *a, int argc, char **argv)
{
	unsigned long v;
	int rc = -1;

	for (int i = 1; i < argc && rc < 0; i++) {
		const char *s = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		bool flag = true;
		if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
			usage(stdout);
			return CH_EXIT_OK;
		} else if (!strcmp(s, "--start-at-end")) {
			a->po.start_at_end = true;
		} else if (!strcmp(s, "--follow")) {
			a->follow = true;
		} else if (!strcmp(s, "--quiet")) {
			a->quiet = true;
		} else if (!strcmp(s, "--syslog")) {
			a->n.syslog = true;
		} else if (!strcmp(s, "--stats")) {
			a->stats = true;
		} else {
			flag = false;
		}
		if (flag)
			continue;
		if (!val) {
			rc = ch_cli_fail(CH_EXIT_USAGE, "monitor: %s needs a value", s);
		} else if (!strcmp(s, "--watch")) {
			a->watch = val;
		} else if (!strcmp(s, "--name")) {
			a->po.name = val;
		} else if (!strcmp(s, "--interval") && num(&v, val, 86400)) {
			a->interval = v;
		} else if (!strcmp(s, "--format")) {
			rc = chq_parse_format("monitor", val, &a->format);
		} else if (!strcmp(s, "--output")) {
			a->n.file = val;
		} else if (!strcmp(s, "--hook")) {
			a->n.hook = val;
		} else if (!strcmp(s, "--webhook")) {
			a->n.webhook = val;
		} else if (!strcmp(s, "--authorize") && a->num_auth < MON_MAX_AUTH) {
			a->auth[a->num_auth++] = val;
		} else if (!strcmp(s, "--page") && num(&v, val, CH_STORE_MAX_PAGE)) {
			a->po.page = v;
		} else if (!strcmp(s, "--now")) {
			if (!ch_time_parse(&a->po.now, val))
				rc = ch_cli_fail(CH_EXIT_USAGE, "monitor: --now: bad date '%s'", val);
		} else if (!strcmp(s, "--data-dir")) {
			a->data_dir = val;
		} else {
			usage(stderr);
			rc = ch_cli_fail(CH_EXIT_USAGE, "monitor: bad option or value '%s %s'", s, val);
		}
		i++;
	}
	return rc;
}

typedef struct deliver_ctx {
	const mon_args *a;
	uint64_t failed;
} deliver_ctx;

static ch_err deliver(void *arg, const char *json, size_t len)
{
	deliver_ctx *d = arg;
	ch_err err = ch_monitor_notify_send(&d->a->n, json, len);

	if (err) {
		fprintf(stderr, "certhound: monitor: %s (the alert stays pending)\n", ch_error_last());
		d->failed++;
		return err;
	}
	if (!d->a->quiet && (err = ch_report_monitor_alert(stdout, d->a->format, json, len)) != CH_OK)
		d->failed++;
	return err;
}

static int authorize(ch_store *s, const mon_args *a)
{
	uint8_t sha[32];

	for (size_t i = 0; i < a->num_auth; i++) {
		if (strlen(a->auth[i]) != 64 || ch_hex_decode(sha, 32, a->auth[i], 64) != 32)
			return ch_cli_fail(CH_EXIT_USAGE, "monitor: --authorize wants a SHA-256 in hex, "
					   "not '%.80s'", a->auth[i]);
		if (ch_monitor_authorize(s, sha) != CH_OK)
			return ch_cli_fail(CH_EXIT_ENV, "monitor: %s", ch_error_last());
	}
	return -1;
}

static void pause_s(unsigned long s)
{
	for (unsigned long i = 0; i < s * 10 && !atomic_load(&g_stop); i++)
		nanosleep(&(struct timespec){0, 100 * 1000000L}, NULL);
}

/* ch_cmd_monitor: certhound monitor --watch FILE [options] */
int ch_cmd_monitor(ch_cli *cli, int argc, char **argv)
{
	mon_args a = {.interval = 5};
	ch_monitor_opts mo = {0};
	ch_monitor *m = NULL;
	ch_store *s = NULL;
	ch_monitor_pass_result r, total = {0};
	deliver_ctx dc = {&a, 0};
	const char *path = ch_cli_db_path(cli);
	struct stat st;
	int rc = parse_args(&a, argc, argv);

	if (rc >= 0)
		return rc;
	if (!a.watch && !a.num_auth) {
		usage(stderr);
		return ch_cli_fail(CH_EXIT_USAGE, "monitor: --watch FILE or --authorize SHA256 needed");
	}
	if (!a.format || a.format == CH_REPORT_CSV)
		a.format = CH_REPORT_NDJSON;
	mo.data_dir = a.data_dir;
	if (a.watch && ch_monitor_load(&m, a.watch, &mo) != CH_OK) {
		rc = ch_cli_fail(CH_EXIT_USAGE, "monitor: %s", ch_error_last());
		goto out;
	}
	if (strncmp(path, "sqlite:", 7) && stat(path, &st) != 0) {
		rc = ch_cli_fail(CH_EXIT_ENV, "monitor: no store at %s", path);
		goto out;
	}
	if (ch_store_open(&s, path, 0) != CH_OK) {
		rc = ch_cli_fail(CH_EXIT_ENV, "monitor: %s: %s", path, ch_error_last());
		goto out;
	}
	if ((rc = authorize(s, &a)) >= 0 || !m) {
		rc = rc >= 0 ? rc : CH_EXIT_OK;
		goto out;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	a.po.stop = &g_stop;
	do {
		if (ch_monitor_pass(&r, m, s, &a.po, deliver, &dc) != CH_OK) {
			rc = ch_cli_fail(CH_EXIT_ENV, "monitor: %s", ch_error_last());
			goto out;
		}
		total.certs += r.certs;
		total.alerts += r.alerts;
		total.duplicates += r.duplicates;
		total.delivered += r.delivered;
		total.authorized += r.authorized;
		total.pending = r.pending;
		a.po.start_at_end = false;
		if (a.follow)
			pause_s(a.interval);
	} while (a.follow && !atomic_load(&g_stop));
	if (a.stats)
		fprintf(stderr, "certificates %llu, new alerts %llu, duplicates %llu, delivered %llu, "
			"pending %llu, authorized skipped %llu\n", (unsigned long long)total.certs,
			(unsigned long long)total.alerts, (unsigned long long)total.duplicates,
			(unsigned long long)total.delivered, (unsigned long long)total.pending,
			(unsigned long long)total.authorized);
	rc = total.pending ? CH_EXIT_BAD_INPUT : total.delivered ? CH_EXIT_OK : CH_EXIT_NOTHING;
out:
	ch_store_close(s);
	ch_monitor_free(m);
	return rc;
}
