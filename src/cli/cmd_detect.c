/* certhound detect: certificate-reconnaissance alerts from process events and network logs. */
#include "cli.h"

#include <certhound/detect.h>
#include <certhound/report.h>
#include <certhound/report_detect.h>

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define WALK_MAX_DEPTH 32

static void detect_usage(FILE *f)
{
	fputs("usage: certhound detect [--rules FILE] [--allow FILE] [--window DURATION]\n"
	      "                        [--format ndjson|json|table|csv] [--input-format FMT]\n"
	      "                        [--no-header] [--stats] FILE|DIR|- ...\n"
	      "       certhound detect [--rules FILE] --export-sigma\n"
	      "\n"
	      "Certificate reconnaissance (ATT&CK T1596.003) run from monitored endpoints: TLS\n"
	      "scanners, openssl/certutil certificate probing, and queries to certificate-\n"
	      "transparency search services, found in process-creation events and DNS/TLS/HTTP\n"
	      "logs. Directories are walked recursively; '-' reads standard input.\n"
	      "\n"
	      "  --rules FILE         rule file (default: the shipped data/detect/rules.conf,\n"
	      "                       or $CERTHOUND_DATA_DIR/detect/rules.conf)\n"
	      "  --allow FILE         allow-list of authorised activity (see\n"
	      "                       data/detect/allow.conf.example)\n"
	      "  --window DURATION    aggregation window per host+user+category: 90s, 15m, 1h\n"
	      "                       (default), 1d\n"
	      "  --format F           ndjson (default when piped), table (default on a terminal),\n"
	      "                       json, csv\n"
	      "  --input-format FMT   auto (default: from each file's first bytes), sysmon-xml,\n"
	      "                       json, ecs-json, defender-json, osquery-json, defender-csv,\n"
	      "                       auditd, zeek-dns\n"
	      "  --no-header          csv: leave out the header line\n"
	      "  --stats              print event, match, allow and correlation counts on stderr\n"
	      "  --export-sigma       print the rules as Sigma rules (one per category, and one\n"
	      "                       for the DNS rules) instead of reading events\n"
	      "\n"
	      "A record that cannot be read is reported on stderr as\n"
	      "  certhound: FILE:LINE: why\n"
	      "and the others are still read. Exit status: 0 alerts printed, 1 no alert, 2 usage\n"
	      "error (also a malformed rule or allow file), 3 some records or files could not be\n"
	      "read (alerts still printed), 5 environment or output failure.\n"
	      "Formats, rule and allow-list syntax: docs/detect.md.\n",
	      f);
}

typedef struct detect_opts {
	const char *rules_path, *allow_path;
	int64_t window_s;
	ch_report_format format;
	bool have_format, no_header, stats, sigma;
	ch_procev_format input_format;
	char **paths;
	int num_paths;
} detect_opts;

/* Returns -1 to go on, or an exit code. */
static int parse_args(detect_opts *o, int argc, char **argv)
{
	o->window_s = 3600;
	o->paths = calloc((size_t)argc, sizeof *o->paths);
	if (!o->paths)
		return ch_cli_fail(CH_EXIT_ENV, "out of memory");
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL;
		static const char *const valued[] = {"--rules", "--allow", "--window", "--format",
						     "--input-format", NULL};
		bool takes = false;

		if (!strcmp(a, "--")) {
			for (i++; i < argc; i++)
				o->paths[o->num_paths++] = argv[i];
			break;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			detect_usage(stdout);
			return CH_EXIT_OK;
		}
		for (const char *const *k = valued; *k; k++) {
			size_t kl = strlen(*k);
			if (!strcmp(a, *k)) {
				if (i + 1 >= argc)
					return ch_cli_fail(CH_EXIT_USAGE, "detect: %s needs a value", a);
				v = argv[++i];
				takes = true;
			} else if (!strncmp(a, *k, kl) && a[kl] == '=') {
				v = a + kl + 1;
				takes = true;
			}
			if (takes) {
				a = *k;
				break;
			}
		}
		if (takes && !strcmp(a, "--rules")) {
			o->rules_path = v;
		} else if (takes && !strcmp(a, "--allow")) {
			o->allow_path = v;
		} else if (takes && !strcmp(a, "--window")) {
			if (!ch_detect_parse_duration(&o->window_s, v))
				return ch_cli_fail(CH_EXIT_USAGE, "detect: --window '%s': use 90s, 15m, "
						   "1h or 1d", v);
		} else if (takes && !strcmp(a, "--format")) {
			if (ch_report_format_parse(&o->format, v) != CH_OK)
				return ch_cli_fail(CH_EXIT_USAGE, "detect: %s", ch_error_last());
			o->have_format = true;
		} else if (takes && !strcmp(a, "--input-format")) {
			if (ch_procev_format_parse(&o->input_format, v) != CH_OK)
				return ch_cli_fail(CH_EXIT_USAGE, "detect: %s", ch_error_last());
		} else if (!strcmp(a, "--no-header")) {
			o->no_header = true;
		} else if (!strcmp(a, "--stats")) {
			o->stats = true;
		} else if (!strcmp(a, "--export-sigma")) {
			o->sigma = true;
		} else if (a[0] == '-' && a[1] != '\0') {
			detect_usage(stderr);
			return ch_cli_fail(CH_EXIT_USAGE, "detect: unknown option '%s'", a);
		} else {
			o->paths[o->num_paths++] = argv[i];
		}
	}
	if (o->num_paths == 0 && !o->sigma) {
		detect_usage(stderr);
		return ch_cli_fail(CH_EXIT_USAGE, "detect: no input given (a FILE, a DIR or - for stdin)");
	}
	if (!o->have_format)
		o->format = ch_report_format_default(stdout);
	return -1;
}

typedef struct run {
	detect_opts *o;
	ch_detect *det;
	uint64_t bad, files;
	int fatal; /* an exit code when reading must stop */
} run;

static void read_file(run *r, const char *path)
{
	ch_procev_reader *rd = NULL;
	ch_procev_item it;
	ch_err err;

	r->files++;
	if (ch_procev_open(&rd, path, r->o->input_format) != CH_OK) {
		ch_cli_fail(CH_EXIT_BAD_INPUT, "%s", ch_error_last());
		r->bad++;
		return;
	}
	while ((err = ch_procev_next(rd, &it)) == CH_OK) {
		if (it.kind == CH_PROCEV_BAD) {
			ch_cli_fail(CH_EXIT_BAD_INPUT, "%s:%" PRIu64 ": %s", it.file, it.line, it.reason);
			r->bad++;
			continue;
		}
		err = it.kind == CH_PROCEV_PROCESS ? ch_detect_add_process(r->det, &it.proc)
						   : ch_detect_add_network(r->det, &it.net);
		if (err != CH_OK) {
			r->fatal = ch_cli_fail(CH_EXIT_ENV, "detect: %s", ch_error_last());
			break;
		}
	}
	if (err != CH_OK && err != CH_ERR_EOF && !r->fatal) {
		ch_cli_fail(CH_EXIT_BAD_INPUT, "%s", ch_error_last());
		r->bad++;
	}
	ch_procev_free(rd);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads a file, or every regular file below a directory in name order. */
static void read_path(run *r, const char *path, int depth)
{
	struct stat st;
	DIR *dir;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0;

	if (strcmp(path, "-") == 0 || stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		if (strcmp(path, "-") != 0 && stat(path, &st) == 0 && !S_ISREG(st.st_mode) &&
		    depth > 0)
			return; /* sockets, fifos inside a walk */
		read_file(r, path);
		return;
	}
	if (depth >= WALK_MAX_DEPTH || !(dir = opendir(path))) {
		ch_cli_fail(CH_EXIT_BAD_INPUT, "%s: %s", path,
			    depth >= WALK_MAX_DEPTH ? "directories nested too deeply" : strerror(errno));
		r->bad++;
		return;
	}
	while ((de = readdir(dir)) != NULL) {
		char *full;
		if (de->d_name[0] == '.')
			continue;
		if (n == cap) {
			char **nn = realloc(names, (cap ? cap * 2 : 64) * sizeof *nn);
			if (!nn)
				break;
			names = nn;
			cap = cap ? cap * 2 : 64;
		}
		if (asprintf(&full, "%s/%s", path, de->d_name) < 0)
			break;
		names[n++] = full;
	}
	closedir(dir);
	qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i < n; i++) {
		if (!r->fatal)
			read_path(r, names[i], depth + 1);
		free(names[i]);
	}
	free(names);
}

static int print_alerts(detect_opts *o, const ch_detect_alert *a, size_t n)
{
	ch_buf b;
	int rc = CH_EXIT_OK;

	ch_buf_init(&b, (size_t)1 << 24);
	if (o->format == CH_REPORT_CSV && !o->no_header &&
	    (ch_report_alert_csv_header(&b) != CH_OK || fwrite(b.data, 1, b.len, stdout) != b.len))
		rc = CH_EXIT_ENV;
	for (size_t i = 0; i < n && rc == CH_EXIT_OK; i++) {
		ch_buf_reset(&b);
		if (ch_report_alert(&b, o->format, &a[i], i == 0) != CH_OK ||
		    fwrite(b.data, 1, b.len, stdout) != b.len)
			rc = CH_EXIT_ENV;
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		rc = CH_EXIT_ENV;
	if (rc != CH_EXIT_OK)
		ch_cli_fail(rc, "detect: writing the alerts failed");
	ch_buf_free(&b);
	return rc;
}

int ch_cmd_detect(ch_cli *cli, int argc, char **argv)
{
	detect_opts o = {0};
	ch_detect_rules *rules = NULL;
	ch_detect_allow *allow = NULL;
	run r = {0};
	const ch_detect_alert *alerts;
	size_t num_alerts = 0;
	int rc;

	(void)cli;
	rc = parse_args(&o, argc, argv);
	if (rc >= 0)
		goto out;
	if (ch_detect_rules_load(&rules, o.rules_path ? o.rules_path
						      : ch_detect_rules_default_path()) != CH_OK) {
		rc = ch_cli_fail(o.rules_path ? CH_EXIT_USAGE : CH_EXIT_ENV, "detect: rules: %s",
				 ch_error_last());
		goto out;
	}
	if (o.sigma) {
		ch_buf b;
		ch_buf_init(&b, (size_t)1 << 24);
		rc = CH_EXIT_OK;
		if (ch_report_sigma(&b, rules) != CH_OK)
			rc = ch_cli_fail(CH_EXIT_ENV, "detect: %s", ch_error_last());
		else if (fwrite(b.data, 1, b.len, stdout) != b.len || fflush(stdout) != 0)
			rc = ch_cli_fail(CH_EXIT_ENV, "detect: writing the Sigma rules failed");
		ch_buf_free(&b);
		goto out;
	}
	if (o.allow_path && ch_detect_allow_load(&allow, o.allow_path) != CH_OK) {
		rc = ch_cli_fail(CH_EXIT_USAGE, "detect: allow-list: %s", ch_error_last());
		goto out;
	}
	if (ch_detect_new(&r.det, rules, allow, o.window_s) != CH_OK) {
		rc = ch_cli_fail(CH_EXIT_ENV, "detect: %s", ch_error_last());
		goto out;
	}
	r.o = &o;
	for (int i = 0; i < o.num_paths && !r.fatal; i++)
		read_path(&r, o.paths[i], 0);
	if (r.fatal) {
		rc = r.fatal;
		goto out;
	}
	if (ch_detect_finish(r.det, &alerts, &num_alerts) != CH_OK) {
		rc = ch_cli_fail(CH_EXIT_ENV, "detect: %s", ch_error_last());
		goto out;
	}
	rc = print_alerts(&o, alerts, num_alerts);
	if (rc != CH_EXIT_OK)
		goto out;
	if (o.stats) {
		ch_detect_stats s = ch_detect_get_stats(r.det);
		fprintf(stderr, "certhound: detect: %" PRIu64 " process events, %" PRIu64
			" network observations, %" PRIu64 " matched, %" PRIu64 " allowed, %" PRIu64
			" correlated, %zu alerts, %" PRIu64 " unreadable records\n",
			s.events, s.network, s.matched, s.allowed, s.correlated, num_alerts, r.bad);
	}
	if (r.bad > 0) {
		fprintf(stderr, "certhound: detect: %zu alert%s, %" PRIu64 " record%s or file%s could "
			"not be read\n", num_alerts, num_alerts == 1 ? "" : "s", r.bad,
			r.bad == 1 ? "" : "s", r.bad == 1 ? "" : "s");
		rc = CH_EXIT_BAD_INPUT;
	} else {
		rc = num_alerts > 0 ? CH_EXIT_OK : CH_EXIT_NOTHING;
	}
out:
	ch_detect_free(r.det);
	ch_detect_allow_free(allow);
	ch_detect_rules_free(rules);
	free(o.paths);
	return rc;
}
