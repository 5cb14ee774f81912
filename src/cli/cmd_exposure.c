/* certhound exposure: an organisation's certificate exposure report (docs/exposure.md). */
#include <certhound/exposure.h>
#include <certhound/report_exposure.h>
#include <certhound/util.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "query_common.h"

#define EXPO_MAX_RULES 16

static void usage(FILE *f)
{
	fputs("usage: certhound exposure [options] DOMAIN|ORG...\n"
	      "\n"
	      "What the store's certificates reveal about an organisation: every name and\n"
	      "certificate (first/last seen, issuer, validity, key, hosts), leaked internal names\n"
	      "with the reason, certificates expiring within 7/30/90 days and whether a successor\n"
	      "exists, renewal gaps, the CAs used (and which are new), subject O/OU values, naming\n"
	      "patterns, wildcards, key reuse across unrelated hosts, weak keys and signatures.\n"
	      "\n"
	      "A subject is domain:NAME (the domain and every name below it), org:NAME (subject O,\n"
	      "exactly), or bare: text with a space, an upper-case letter or no dot is an\n"
	      "organisation, anything else a domain.\n"
	      "\n"
	      "options:\n"
	      "  --format F       table (default on a terminal), json, ndjson\n"
	      "  --html FILE      also write a self-contained HTML report with figures\n"
	      "  --now DATE       judge expiry and new CAs as of DATE (YYYY-MM-DD or RFC 3339)\n"
	      "  --new-days N     a CA first issuing within N days is new (default 30)\n"
	      "  --max-certs N    certificates examined (default 50000)\n"
	      "  --data-dir DIR   knowledge directory (default: the shipped data/exposure)\n"
	      "  --rules FILE     extra knowledge file (internal names, weak keys); repeatable\n"
	      "\n"
	      "Exit status: 0 certificates found, 1 none, 2 usage error, 5 store or data failure.\n",
	      f);
}

typedef struct expo_args {
	ch_exposure_opts o;
	ch_report_format format;
	const char *html;
	const char *data_dir;
	const char *rules[EXPO_MAX_RULES];
	size_t num_rules;
	const char *subjects[CH_EXPOSURE_MAX_SUBJECTS];
	size_t num_subjects;
} expo_args;

static bool parse_num(unsigned long *out, const char *s, unsigned long max)
{
	char *end;

	errno = 0;
	*out = strtoul(s, &end, 10);
	return !errno && end != s && !*end && s[0] != '-' && *out > 0 && *out <= max;
}

/* parse_args returns -1 or an exit code. */
static int parse_args(expo_args *a, int argc, char **argv)
{
	unsigned long v;
	int rc = -1;

	for (int i = 1; i < argc && rc < 0; i++) {
		const char *s = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
			usage(stdout);
			return CH_EXIT_OK;
		} else if (s[0] != '-') {
			if (a->num_subjects >= CH_EXPOSURE_MAX_SUBJECTS)
				rc = ch_cli_fail(CH_EXIT_USAGE, "exposure: at most %d subjects",
						 CH_EXPOSURE_MAX_SUBJECTS);
			else
				a->subjects[a->num_subjects++] = s;
			continue;
		} else if (!val) {
			rc = ch_cli_fail(CH_EXIT_USAGE, "exposure: %s needs a value", s);
		} else if (!strcmp(s, "--format")) {
			rc = chq_parse_format("exposure", val, &a->format);
		} else if (!strcmp(s, "--html")) {
			a->html = val;
		} else if (!strcmp(s, "--now")) {
			if (!ch_time_parse(&a->o.now, val))
				rc = ch_cli_fail(CH_EXIT_USAGE, "exposure: --now: bad date '%s'", val);
		} else if (!strcmp(s, "--new-days") && parse_num(&v, val, 36500)) {
			a->o.new_ca_days = (unsigned)v;
		} else if (!strcmp(s, "--max-certs") && parse_num(&v, val, 10000000)) {
			a->o.max_certs = v;
		} else if (!strcmp(s, "--data-dir")) {
			a->data_dir = val;
		} else if (!strcmp(s, "--rules") && a->num_rules < EXPO_MAX_RULES) {
			a->rules[a->num_rules++] = val;
		} else {
			usage(stderr);
			rc = ch_cli_fail(CH_EXIT_USAGE, "exposure: bad option or value '%s %s'", s, val);
		}
		i++;
	}
	if (rc < 0 && a->format == CH_REPORT_CSV)
		rc = ch_cli_fail(CH_EXIT_USAGE, "exposure: no csv format (table, json, ndjson)");
	return rc;
}

static int write_html(const char *path, const ch_exposure_result *r)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return ch_cli_fail(CH_EXIT_ENV, "exposure: %s: %s", path, strerror(errno));
	if (ch_report_exposure_html(f, r) != CH_OK) {
		fclose(f);
		return ch_cli_fail(CH_EXIT_ENV, "exposure: %s: %s", path, ch_error_last());
	}
	if (fclose(f) != 0)
		return ch_cli_fail(CH_EXIT_ENV, "exposure: %s: %s", path, strerror(errno));
	return -1;
}

/* ch_cmd_exposure: certhound exposure [options] DOMAIN|ORG... */
int ch_cmd_exposure(ch_cli *cli, int argc, char **argv)
{
	expo_args a = {0};
	ch_exposure_kb *kb = NULL;
	ch_store *store = NULL;
	ch_exposure_result *res = NULL;
	ch_err err;
	int rc = parse_args(&a, argc, argv);

	if (rc >= 0)
		return rc;
	if (!a.num_subjects) {
		usage(stderr);
		return ch_cli_fail(CH_EXIT_USAGE, "exposure: no domain or organisation given");
	}
	if (!a.format)
		a.format = ch_report_format_default(stdout);
	if (ch_exposure_kb_load(&kb, a.data_dir, a.rules, a.num_rules) != CH_OK) {
		rc = ch_cli_fail(CH_EXIT_ENV, "exposure: knowledge: %s", ch_error_last());
		goto out;
	}
	if ((rc = chq_open_store(cli, "exposure", &store)) >= 0)
		goto out;
	err = ch_exposure_run(&res, store, kb, a.subjects, a.num_subjects, &a.o);
	if (err) {
		rc = ch_cli_fail(err == CH_ERR_INVALID ? CH_EXIT_USAGE : CH_EXIT_ENV, "exposure: %s",
				 ch_error_last());
		goto out;
	}
	if (a.html && (rc = write_html(a.html, res)) >= 0)
		goto out;
	if (ch_report_exposure(stdout, a.format, res) != CH_OK) {
		rc = ch_cli_fail(CH_EXIT_ENV, "exposure: %s", ch_error_last());
		goto out;
	}
	rc = res->num_certs ? CH_EXIT_OK : CH_EXIT_NOTHING;
out:
	ch_exposure_result_free(res);
	ch_store_close(store);
	ch_exposure_kb_free(kb);
	return rc;
}
