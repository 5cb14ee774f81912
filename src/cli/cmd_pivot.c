/* certhound pivot: related infrastructure from seeds, with reasons and scores (docs/pivot.md). */
#include <certhound/pem.h>
#include <certhound/pivot.h>
#include <certhound/report.h>
#include <certhound/store.h>
#include <certhound/util.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "query_common.h"

#define PIVOT_MAX_NOISE 64
#define PIVOT_LINE_MAX 4096

static void usage(FILE *f)
{
	fputs("usage: certhound pivot [options] SEED...\n"
	      "\n"
	      "From seeds to the rest of the infrastructure behind them: certificates and the values\n"
	      "they share (key, serial+issuer, JA4X, subject O/OU/e-mail, private issuer, registrable\n"
	      "domain, precert link, sighting IPs), walked breadth-first, noise suppressed and\n"
	      "explained, leads scored (docs/pivot.md).\n"
	      "\n"
	      "SEED is KIND:VALUE with KIND one of domain name ip sha256 sha1 serial spki ja4x tbs\n"
	      "issuer issuer.o issuer.cn subject subject.o subject.ou subject.cn email\n"
	      "(serial:HEX/ISSUER-DN names one issuer's serial), a bare SHA-256/SHA-1, IP or host\n"
	      "name, a certificate file (PEM or DER; cert:PATH to be explicit), or - for seeds on\n"
	      "standard input, one per line.\n"
	      "\n"
	      "options:\n"
	      "  --depth N                 hops through shared values (default 2, at most 8)\n"
	      "  --max-nodes N             certificates and values visited (default 5000)\n"
	      "  --max-certs-per-value N   certificates followed from one value (default 200)\n"
	      "  --timeout MS              time budget in milliseconds (default 10000)\n"
	      "  --seeds FILE              more seeds, one per line ('#' comments; - = stdin)\n"
	      "  --format F                table (default on a terminal), json, ndjson, csv, dot\n"
	      "                            (GraphViz), svg (dot rendered by GraphViz's dot command),\n"
	      "                            stix (a STIX 2.1 bundle), html (a self-contained report)\n"
	      "  --show-suppressed         table: list every value not followed, with the reason\n"
	      "  --data-dir DIR            knowledge directory (default: the shipped data/pivot)\n"
	      "  --noise FILE              extra knowledge file (rules, weights, settings); repeatable\n"
	      "  --indicators FILE         also write the leads as an indicator list for corroborate\n"
	      "\n"
	      "Exit status: 0 leads found, 1 no lead, 2 usage error, 3 a seed was malformed or a\n"
	      "certificate file unreadable (the others were still used), 5 store or data failure.\n",
	      f);
}

static bool parse_num(size_t *out, const char *s, size_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || v == 0 || v > max || s[0] == '-')
		return false;
	*out = (size_t)v;
	return true;
}

/* add_file adds every certificate of a file as a seed; returns false if the file had errors. */
static ch_err add_file(ch_pivot *p, const char *path, bool *bad)
{
	ch_pem *r = NULL;
	ch_pem_item it;
	char label[4200];
	size_t n = 0;
	ch_err err;

	if ((err = ch_pem_new(&r)) != CH_OK || (err = ch_pem_add_path(r, path)) != CH_OK)
		goto out;
	while ((err = ch_pem_next(r, &it)) == CH_OK) {
		if (it.err != CH_OK) {
			fprintf(stderr, "certhound: pivot: %s\n", it.message);
			*bad = true;
			continue;
		}
		snprintf(label, sizeof label, "%s#%zu", it.file, it.index + 1);
		if ((err = ch_pivot_add_cert(p, it.der, it.der_len, label)) != CH_OK)
			goto out;
		n++;
	}
	if (err == CH_ERR_EOF)
		err = CH_OK;
	if (!err && !n)
		*bad = true;
out:
	ch_pem_free(r);
	return err;
}

static bool is_file(const char *s)
{
	struct stat st;

	return stat(s, &st) == 0 && S_ISREG(st.st_mode);
}

/* add_one adds a seed argument or line: a certificate file, or seed text. */
static ch_err add_one(ch_pivot *p, const char *s, bool *bad)
{
	ch_err err;

	if (!strncmp(s, "cert:", 5))
		return add_file(p, s + 5, bad);
	if (!strchr(s, ':') && is_file(s))
		return add_file(p, s, bad);
	err = ch_pivot_add_seed(p, s);
	if (err == CH_ERR_INVALID || err == CH_ERR_LIMIT) {
		fprintf(stderr, "certhound: pivot: seed '%.80s': %s\n", s, ch_error_last());
		*bad = true;
		err = CH_OK;
	}
	return err;
}

static ch_err add_lines(ch_pivot *p, const char *path, bool *bad)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char line[PIVOT_LINE_MAX];
	ch_err err = CH_OK;

	if (!f)
		return ch_error_set(CH_ERR_IO, "%s: %s", path, strerror(errno));
	while (!err && fgets(line, sizeof line, f)) {
		size_t n = strcspn(line, "\r\n");
		char *s = line;
		line[n] = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s || *s == '#')
			continue;
		err = add_one(p, s, bad);
	}
	if (!err && ferror(f))
		err = ch_error_set(CH_ERR_IO, "%s: read error", path);
	if (f != stdin)
		fclose(f);
	return err;
}

typedef struct pivot_args {
	ch_pivot_opts o;
	ch_report_format format;
	bool show_suppressed;
	const char *data_dir;
	const char *noise[PIVOT_MAX_NOISE];
	size_t num_noise;
	const char *seeds_file;
	const char *indicators;
	const char *graph;             /* "dot", "svg", "stix" or "html"; NULL: a record format */
} pivot_args;

/* parse_args returns -1 or an exit code. */
static int parse_args(pivot_args *a, int argc, char **argv)
{
	size_t v;
	int rc = -1;

	for (int i = 1; i < argc && rc < 0; i++) {
		const char *s = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(s, "--help") || !strcmp(s, "-h")) {
			usage(stdout);
			return CH_EXIT_OK;
		} else if (!strcmp(s, "--")) {
			break; /* seeds follow; add_seeds reads them */
		} else if (!strcmp(s, "--show-suppressed")) {
			a->show_suppressed = true;
		} else if (!strcmp(s, "-") || s[0] != '-') {
			continue; /* a seed: add_seeds reads them in order */
		} else if (!val) {
			rc = ch_cli_fail(CH_EXIT_USAGE, "pivot: %s needs a value", s);
		} else if (!strcmp(s, "--depth") && parse_num(&v, val, 8)) {
			a->o.depth = (unsigned)v;
			i++;
		} else if (!strcmp(s, "--max-nodes") && parse_num(&v, val, 10000000)) {
			a->o.max_nodes = v;
			i++;
		} else if (!strcmp(s, "--max-certs-per-value") && parse_num(&v, val, CH_STORE_MAX_PAGE)) {
			a->o.max_certs_per_value = v;
			i++;
		} else if (!strcmp(s, "--timeout") && parse_num(&v, val, 3600000)) {
			a->o.timeout_ms = (unsigned)v;
			i++;
		} else if (!strcmp(s, "--format")) {
			static const char *const graphs[] = {"dot", "svg", "stix", "html"};
			a->graph = NULL;
			for (size_t k = 0; k < 4; k++)
				if (!strcmp(val, graphs[k]))
					a->graph = graphs[k];
			if (!a->graph)
				rc = chq_parse_format("pivot", val, &a->format);
			i++;
		} else if (!strcmp(s, "--seeds")) {
			a->seeds_file = val;
			i++;
		} else if (!strcmp(s, "--data-dir")) {
			a->data_dir = val;
			i++;
		} else if (!strcmp(s, "--indicators")) {
			a->indicators = val;
			i++;
		} else if (!strcmp(s, "--noise") && a->num_noise < PIVOT_MAX_NOISE) {
			a->noise[a->num_noise++] = val;
			i++;
		} else {
			usage(stderr);
			rc = ch_cli_fail(CH_EXIT_USAGE, "pivot: bad option or value '%s%s%s'", s,
					 val ? " " : "", val ? val : "");
		}
	}
	return rc;
}

/* print_graph writes a graph format; svg pipes the DOT text through GraphViz's dot command.
 * Returns -1 when all went well, else the exit code. */
static int print_graph(const char *fmt, const ch_pivot_result *res)
{
	ch_buf b;
	ch_err err;
	FILE *dot;
	int rc = -1, st;

	ch_buf_init(&b, 512u << 20);
	if (!strcmp(fmt, "stix"))
		err = ch_report_pivot_stix(&b, res, ch_time_now());
	else if (!strcmp(fmt, "html"))
		err = ch_report_pivot_html(&b, res, ch_time_now());
	else
		err = ch_report_pivot_dot(&b, res);
	if (err) {
		rc = ch_cli_fail(CH_EXIT_ENV, "pivot: %s", ch_error_last());
	} else if (strcmp(fmt, "svg")) {
		if (!chq_write(&b) || fflush(stdout) != 0)
			rc = ch_cli_fail(CH_EXIT_ENV, "pivot: writing the report: %s", strerror(errno));
	} else if (system("command -v dot >/dev/null 2>&1") != 0) {
		rc = ch_cli_fail(CH_EXIT_ENV, "pivot: --format svg needs GraphViz's dot command "
				 "(apt-get install graphviz); --format dot prints the graph it would render");
	} else {
		fflush(stdout);
		if (!(dot = popen("dot -Tsvg", "w"))) {
			rc = ch_cli_fail(CH_EXIT_ENV, "pivot: running dot: %s", strerror(errno));
		} else {
			bool ok = fwrite(b.data, 1, b.len, dot) == b.len;
			st = pclose(dot);
			if (!ok || st != 0)
				rc = ch_cli_fail(CH_EXIT_ENV, "pivot: dot -Tsvg failed (status %d)", st);
		}
	}
	ch_buf_free(&b);
	return rc;
}

static bool is_option_with_value(const char *s)
{
	static const char *const opts[] = {"--depth", "--max-nodes", "--max-certs-per-value",
					   "--timeout", "--format", "--seeds", "--data-dir",
					   "--indicators", "--noise"};
	for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
		if (!strcmp(s, opts[i]))
			return true;
	return false;
}

static ch_err add_seeds(ch_pivot *p, const pivot_args *a, int argc, char **argv, bool *bad,
			size_t *out_n)
{
	ch_err err = CH_OK;
	bool rest = false;

	*out_n = 0;
	for (int i = 1; i < argc && !err; i++) {
		const char *s = argv[i];
		if (!rest && !strcmp(s, "--")) {
			rest = true;
		} else if (!rest && is_option_with_value(s)) {
			i++;
		} else if (!rest && s[0] == '-' && s[1]) {
			continue;
		} else {
			err = !strcmp(s, "-") ? add_lines(p, "-", bad) : add_one(p, s, bad);
			(*out_n)++;
		}
	}
	if (!err && a->seeds_file) {
		err = add_lines(p, a->seeds_file, bad);
		(*out_n)++;
	}
	return err;
}

/* ch_cmd_pivot: certhound pivot [options] SEED... */
int ch_cmd_pivot(ch_cli *cli, int argc, char **argv)
{
	pivot_args a = {0};
	ch_store *store = NULL;
	ch_pivot_kb *kb = NULL;
	ch_pivot *p = NULL;
	ch_pivot_result *res = NULL;
	bool bad = false;
	size_t n = 0;
	int rc = parse_args(&a, argc, argv);
	FILE *ind;

	if (rc >= 0)
		return rc;
	if (!a.format)
		a.format = ch_report_format_default(stdout);
	if (ch_pivot_kb_load(&kb, a.data_dir, a.noise, a.num_noise) != CH_OK) {
		rc = ch_cli_fail(CH_EXIT_ENV, "pivot: knowledge: %s", ch_error_last());
		goto out;
	}
	if ((rc = chq_open_store(cli, "pivot", &store)) >= 0)
		goto out;
	if (ch_pivot_new(&p, store, kb, &a.o) != CH_OK) {
		rc = ch_cli_fail(CH_EXIT_ENV, "pivot: %s", ch_error_last());
		goto out;
	}
	if (add_seeds(p, &a, argc, argv, &bad, &n) != CH_OK) {
		rc = ch_cli_fail(CH_EXIT_BAD_INPUT, "pivot: %s", ch_error_last());
		goto out;
	}
	if (!n) {
		usage(stderr);
		rc = ch_cli_fail(CH_EXIT_USAGE, "pivot: no seed given");
		goto out;
	}
	if (ch_pivot_run(p, &res) != CH_OK) {
		rc = ch_cli_fail(CH_EXIT_ENV, "pivot: %s", ch_error_last());
		goto out;
	}
	for (size_t i = 0; i < res->num_seeds; i++)
		if (res->seeds[i].error && res->seeds[i].value == NULL) {
			fprintf(stderr, "certhound: pivot: seed '%.80s': %s\n", res->seeds[i].text,
				res->seeds[i].error);
			bad = true;
		}
	if (a.graph) {
		if ((rc = print_graph(a.graph, res)) >= 0)
			goto out;
		rc = -1;
	} else if (ch_report_pivot(stdout, a.format, res,
				   a.show_suppressed ? CH_REPORT_PIVOT_SUPPRESSED : 0)) {
		rc = ch_cli_fail(CH_EXIT_ENV, "pivot: %s", ch_error_last());
		goto out;
	}
	if (a.indicators) {
		if (!(ind = fopen(a.indicators, "w"))) {
			rc = ch_cli_fail(CH_EXIT_ENV, "pivot: %s: %s", a.indicators, strerror(errno));
			goto out;
		}
		if (ch_report_pivot_indicators(ind, res) != CH_OK) {
			fclose(ind);
			rc = ch_cli_fail(CH_EXIT_ENV, "pivot: %s: %s", a.indicators, ch_error_last());
			goto out;
		}
		if (fclose(ind) != 0) {
			rc = ch_cli_fail(CH_EXIT_ENV, "pivot: %s: %s", a.indicators, strerror(errno));
			goto out;
		}
	}
	rc = bad ? CH_EXIT_BAD_INPUT : res->num_leads ? CH_EXIT_OK : CH_EXIT_NOTHING;
out:
	ch_pivot_result_free(res);
	ch_pivot_free(p);
	ch_pivot_kb_free(kb);
	ch_store_close(store);
	return rc;
}
