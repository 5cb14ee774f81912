/* certhound parse FILE|DIR|- ...: decode certificates and print their records, storing nothing. */
#include "cli.h"

#include <certhound/pem.h>
#include <certhound/report.h>
#include <certhound/x509.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static void parse_usage(FILE *f)
{
	fputs("usage: certhound parse [--format table|json|ndjson|csv] [--compact] [--no-header]\n"
	      "                       FILE|DIR|- ...\n"
	      "\n"
	      "Decode certificates without storing them and print one record per certificate.\n"
	      "Reads PEM (bundles, junk between blocks, TRUSTED CERTIFICATE blocks) and DER files;\n"
	      "directories are walked recursively; '-' reads standard input.\n"
	      "\n"
	      "  --format F   table (default on a terminal), ndjson (default otherwise), json, csv\n"
	      "  --compact    table: one line per certificate\n"
	      "  --no-header  csv: leave out the header line\n"
	      "\n"
	      "A certificate that cannot be decoded is reported on stderr as\n"
	      "  certhound: FILE: certificate #N (line L, offset O): why\n"
	      "and the others are still printed. Exit status: 0 all decoded, 1 no certificate found,\n"
	      "2 usage error, 3 at least one input could not be read or decoded, 5 output failed.\n"
	      "Record fields: docs/formats.md.\n",
	      f);
}

/* "N (line L, offset O)" for PEM, "N (offset O)" for DER. */
static void position(char *out, size_t n, const ch_pem_item *it)
{
	if (it->format == CH_PEM_FMT_PEM)
		snprintf(out, n, "#%zu (line %" PRIu64 ", offset %" PRIu64 ")", it->index + 1,
			 it->line, it->offset);
	else
		snprintf(out, n, "#%zu (offset %" PRIu64 ")", it->index + 1, it->offset);
}

/* The reader's message starts with the file and position, which we print our own way. */
static const char *reason_of(const ch_pem_item *it)
{
	const char *m = it->message ? it->message : "";
	size_t fl = strlen(it->file ? it->file : "");
	const char *p;

	if (fl == 0 || strncmp(m, it->file, fl) != 0)
		return m;
	p = m + fl;
	if (it->format == CH_PEM_FMT_PEM && *p == ':') {
		p++;
		while (*p >= '0' && *p <= '9')
			p++;
	} else if (it->format == CH_PEM_FMT_DER && strncmp(p, ": offset ", 9) == 0) {
		p += 9;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (strncmp(p, ": ", 2) == 0)
		return p + 2;
	return m;
}

static void report_bad_item(const ch_pem_item *it)
{
	char pos[96];

	if (it->format == CH_PEM_FMT_NONE) {
		ch_cli_fail(CH_EXIT_BAD_INPUT, "%s: %s", it->file, reason_of(it));
		return;
	}
	position(pos, sizeof pos, it);
	ch_cli_fail(CH_EXIT_BAD_INPUT, "%s: certificate %s: %s", it->file, pos, reason_of(it));
}

typedef struct parse_opts {
	ch_report_format format;
	bool have_format;
	unsigned flags;
	char **paths;
	int num_paths;
} parse_opts;

/* Returns -1 to go on, or an exit code. */
static int parse_args(parse_opts *o, int argc, char **argv)
{
	int i;

	o->paths = calloc((size_t)argc, sizeof *o->paths);
	if (!o->paths)
		return ch_cli_fail(CH_EXIT_ENV, "out of memory");
	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL;
		if (!strcmp(a, "--")) {
			for (i++; i < argc; i++)
				o->paths[o->num_paths++] = argv[i];
			break;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			parse_usage(stdout);
			return CH_EXIT_OK;
		}
		if (!strcmp(a, "--format") || !strcmp(a, "-f")) {
			if (i + 1 >= argc)
				return ch_cli_fail(CH_EXIT_USAGE, "parse: %s needs a value", a);
			v = argv[++i];
		} else if (!strncmp(a, "--format=", 9)) {
			v = a + 9;
		}
		if (v) {
			if (ch_report_format_parse(&o->format, v) != CH_OK)
				return ch_cli_fail(CH_EXIT_USAGE, "parse: %s", ch_error_last());
			o->have_format = true;
		} else if (!strcmp(a, "--compact")) {
			o->flags |= CH_REPORT_COMPACT;
		} else if (!strcmp(a, "--no-header")) {
			o->flags |= CH_REPORT_NO_HEADER;
		} else if (a[0] == '-' && a[1] != '\0') {
			parse_usage(stderr);
			return ch_cli_fail(CH_EXIT_USAGE, "parse: unknown option '%s'", a);
		} else {
			o->paths[o->num_paths++] = argv[i];
		}
	}
	if (o->num_paths == 0) {
		parse_usage(stderr);
		return ch_cli_fail(CH_EXIT_USAGE, "parse: no input given (a FILE, a DIR or - for stdin)");
	}
	if (!o->have_format)
		o->format = ch_report_format_default(stdout);
	return -1;
}

int ch_cmd_parse(ch_cli *cli, int argc, char **argv)
{
	parse_opts o = {0};
	ch_pem *rd = NULL;
	ch_cert *cert = NULL;
	ch_report *rep = NULL;
	ch_pem_item it;
	ch_err err;
	uint64_t good = 0, bad = 0;
	int rc;

	(void)cli;
	rc = parse_args(&o, argc, argv);
	if (rc >= 0)
		goto out;
	rc = CH_EXIT_ENV;
	if (ch_pem_new(&rd) != CH_OK || ch_cert_new(&cert) != CH_OK) {
		ch_cli_fail(rc, "parse: %s", ch_error_last());
		goto out;
	}
	for (int i = 0; i < o.num_paths; i++) {
		if (ch_pem_add_path(rd, o.paths[i]) != CH_OK) {
			ch_cli_fail(CH_EXIT_USAGE, "parse: %s: %s", o.paths[i], ch_error_last());
			rc = CH_EXIT_USAGE;
			goto out;
		}
	}
	if (ch_report_open(&rep, o.format, stdout, o.flags) != CH_OK) {
		ch_cli_fail(rc, "parse: %s", ch_error_last());
		goto out;
	}
	while ((err = ch_pem_next(rd, &it)) == CH_OK) {
		ch_report_source src = {it.file, it.index, it.line, it.offset};

		if (it.err != CH_OK) {
			report_bad_item(&it);
			bad++;
			continue;
		}
		if (ch_cert_parse(cert, it.der, it.der_len, CH_PARSE_ALL) != CH_OK) {
			char pos[96];
			position(pos, sizeof pos, &it);
			ch_cli_fail(CH_EXIT_BAD_INPUT, "%s: certificate %s: %s", it.file, pos,
				    ch_error_last());
			bad++;
			continue;
		}
		/* The report derives names and registrable domains itself (names module). */
		err = ch_report_cert(rep, cert, NULL, &src);
		if (err == CH_ERR_IO || err == CH_ERR_NOMEM) {
			ch_cli_fail(CH_EXIT_ENV, "parse: %s", ch_error_last());
			goto out;
		}
		if (err != CH_OK) { /* this certificate's names were refused */
			char pos[96];
			position(pos, sizeof pos, &it);
			ch_cli_fail(CH_EXIT_BAD_INPUT, "%s: certificate %s: %s", it.file, pos,
				    ch_error_last());
			bad++;
			continue;
		}
		good++;
	}
	if (err != CH_ERR_EOF) {
		ch_cli_fail(CH_EXIT_ENV, "parse: %s", ch_error_last());
		goto out;
	}
	err = ch_report_close(rep);
	rep = NULL;
	if (err != CH_OK) {
		ch_cli_fail(CH_EXIT_ENV, "parse: %s", ch_error_last());
		goto out;
	}
	if (bad > 0) {
		fprintf(stderr, "certhound: parse: %" PRIu64 " certificate%s decoded, %" PRIu64
			" input%s failed\n", good, good == 1 ? "" : "s", bad, bad == 1 ? "" : "s");
		rc = CH_EXIT_BAD_INPUT;
	} else if (good == 0) {
		ch_cli_fail(CH_EXIT_NOTHING, "parse: no certificates found");
		rc = CH_EXIT_NOTHING;
	} else {
		rc = CH_EXIT_OK;
	}
out:
	if (rep && ch_report_close(rep) != CH_OK && rc == CH_EXIT_OK)
		rc = CH_EXIT_ENV;
	ch_cert_free(cert);
	ch_pem_free(rd);
	free(o.paths);
	return rc;
}
