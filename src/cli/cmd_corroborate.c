/* certhound corroborate: match leads against local DNS/proxy/firewall/Zeek/Suricata logs. */
#include "cli.h"

#include <certhound/corroborate.h>
#include <certhound/hash.h>
#include <certhound/ingest.h>
#include <certhound/report.h>
#include <certhound/report_corroborate.h>
#include <certhound/store.h>
#include <certhound/telemetry.h>
#include <certhound/telemetry_ingest.h>
#include <certhound/util.h>

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define WALK_MAX_DEPTH 32
#define BAD_LINES_SHOWN 20 /* per file; the rest are counted */
#define MAX_PATHS 1000000

static void usage(FILE *f)
{
	fputs("usage: certhound corroborate (--leads FILE | --indicators FILE)... [options]\n"
	      "                             LOG|DIR|- ...\n"
	      "\n"
	      "Is anyone here talking to the infrastructure a pivot found? Matches indicators\n"
	      "(pivot leads, or domains, host names, IPs and certificate SHA-256/SHA-1) against\n"
	      "Zeek (TSV/JSON, gzip-rotated too), Suricata EVE, BIND, dnsmasq, Squid, combined-\n"
	      "format proxy and iptables/nftables logs. One result per indicator, in input order:\n"
	      "no-evidence, resolved (DNS), contacted (connection/proxy/firewall) or tls-session\n"
	      "(SNI or certificate), with hosts, first/last time, counts, evidence file:line and\n"
	      "the ATT&CK techniques the evidence supports.\n"
	      "\n"
	      "  --leads FILE         `certhound pivot --format json` output (its leads)\n"
	      "  --indicators FILE    one indicator per line ('#' comments); a name also matches\n"
	      "                       the names below it; prefixes name:, domain:, ip:, cert:\n"
	      "  --since TIME         ignore lines before TIME (2024-05-01 or RFC 3339)\n"
	      "  --until TIME         ignore lines at or after TIME\n"
	      "  --format F           table (default on a terminal), json, ndjson (default when\n"
	      "                       piped), csv, stix (STIX 2.1 sightings of the pivot's\n"
	      "                       indicators, with the evidence as observed data)\n"
	      "  --no-header          csv: leave out the header line\n"
	      "  --input-format FMT   auto (default, per file), zeek, zeek-json, eve, bind,\n"
	      "                       dnsmasq, squid, combined, netfilter, csv, jsonl\n"
	      "  --map SPEC           column mapping for csv/jsonl logs, e.g.\n"
	      "                       time=ts,src=client,host=query,kind=dns (docs/telemetry.md)\n"
	      "  --year N             year of syslog times that carry none (default: current)\n"
	      "  --max-line N         longest line accepted (default and maximum 1048576)\n"
	      "  --evidence N         evidence lines kept per verdict level (default 10)\n"
	      "  --attack FILE        ATT&CK mapping (default data/corroborate/attack.tsv)\n"
	      "  --store-sightings    also store the certificates the logs carry (Zeek x509\n"
	      "                       `cert`, Suricata tls certificate/chain) with a telemetry\n"
	      "                       sighting, through the ingest pipeline (--db)\n"
	      "  --stats              print reading statistics on stderr\n"
	      "\n"
	      "Directories are walked recursively in name order; Zeek x509 logs (names containing\n"
	      "'x509') are read first so that ssl.log file ids resolve. A cert indicator whose\n"
	      "certificate is in the store also matches its SHA-1. Bad lines are reported on\n"
	      "stderr as `certhound: FILE:LINE: why` (the first 20 per file) and skipped.\n"
	      "Exit status: 0 some evidence, 1 no evidence, 2 usage error, 3 some lines or files\n"
	      "could not be read (results still printed), 5 environment or store failure.\n"
	      "Details: docs/corroborate.md, docs/telemetry.md.\n",
	      f);
}

typedef struct opts {
	const char *leads[16], *lists[16];
	int num_leads, num_lists;
	int64_t since, until;
	ch_report_format format;
	bool have_format, no_header, store, stats, stix;
	ch_telemetry_opts topts;
	const char *map_spec, *attack_path;
	size_t evidence;
	char **paths;
	int num_paths;
} opts;

static bool parse_size(size_t *out, const char *s)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || end == s || v > SIZE_MAX)
		return false;
	*out = (size_t)v;
	return true;
}

/* Returns -1 to go on, or an exit code. */
static int parse_args(opts *o, int argc, char **argv)
{
	static const char *const valued[] = {"--leads", "--indicators", "--since", "--until",
					     "--format", "--input-format", "--map", "--year",
					     "--max-line", "--evidence", "--attack", NULL};

	o->since = INT64_MIN;
	o->until = INT64_MAX;
	if (!(o->paths = calloc((size_t)argc + 1, sizeof *o->paths)))
		return ch_cli_fail(CH_EXIT_ENV, "out of memory");
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL;
		bool takes = false;

		if (!strcmp(a, "--")) {
			for (i++; i < argc; i++)
				o->paths[o->num_paths++] = argv[i];
			break;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return CH_EXIT_OK;
		}
		for (const char *const *k = valued; *k && !takes; k++) {
			size_t kl = strlen(*k);
			if (!strcmp(a, *k)) {
				if (i + 1 >= argc)
					return ch_cli_fail(CH_EXIT_USAGE, "corroborate: %s needs a value", a);
				v = argv[++i];
				takes = true;
			} else if (!strncmp(a, *k, kl) && a[kl] == '=') {
				v = a + kl + 1;
				takes = true;
			}
			if (takes)
				a = *k;
		}
		if (takes && !strcmp(a, "--leads")) {
			if (o->num_leads >= 16)
				return ch_cli_fail(CH_EXIT_USAGE, "corroborate: at most 16 --leads");
			o->leads[o->num_leads++] = v;
		} else if (takes && !strcmp(a, "--indicators")) {
			if (o->num_lists >= 16)
				return ch_cli_fail(CH_EXIT_USAGE, "corroborate: at most 16 --indicators");
			o->lists[o->num_lists++] = v;
		} else if (takes && (!strcmp(a, "--since") || !strcmp(a, "--until"))) {
			int64_t t;
			if (!ch_time_parse(&t, v) && !ch_telemetry_parse_time(&t, NULL, v, strlen(v)))
				return ch_cli_fail(CH_EXIT_USAGE, "corroborate: %s '%s': use 2024-05-01 "
						   "or 2024-05-01T12:00:00Z", a, v);
			if (a[2] == 's')
				o->since = t;
			else
				o->until = t;
		} else if (takes && !strcmp(a, "--format")) {
			o->stix = !strcmp(v, "stix");
			if (!o->stix && ch_report_format_parse(&o->format, v) != CH_OK)
				return ch_cli_fail(CH_EXIT_USAGE, "corroborate: %s", ch_error_last());
			o->have_format = true;
		} else if (takes && !strcmp(a, "--input-format")) {
			if (ch_telemetry_format_parse(&o->topts.format, v) != CH_OK)
				return ch_cli_fail(CH_EXIT_USAGE, "corroborate: %s", ch_error_last());
		} else if (takes && !strcmp(a, "--map")) {
			o->map_spec = v;
		} else if (takes && !strcmp(a, "--year")) {
			size_t y;
			if (!parse_size(&y, v) || y < 1970 || y > 9999)
				return ch_cli_fail(CH_EXIT_USAGE, "corroborate: --year '%s'", v);
			o->topts.year = (int)y;
		} else if (takes && !strcmp(a, "--max-line")) {
			if (!parse_size(&o->topts.max_line, v) || o->topts.max_line < 256)
				return ch_cli_fail(CH_EXIT_USAGE, "corroborate: --max-line '%s' (>= 256)", v);
		} else if (takes && !strcmp(a, "--evidence")) {
			if (!parse_size(&o->evidence, v) || o->evidence < 1 || o->evidence > 200)
				return ch_cli_fail(CH_EXIT_USAGE, "corroborate: --evidence '%s' (1..200)", v);
		} else if (takes && !strcmp(a, "--attack")) {
			o->attack_path = v;
		} else if (!strcmp(a, "--no-header")) {
			o->no_header = true;
		} else if (!strcmp(a, "--store-sightings")) {
			o->store = true;
		} else if (!strcmp(a, "--stats")) {
			o->stats = true;
		} else if (a[0] == '-' && a[1] != '\0') {
			usage(stderr);
			return ch_cli_fail(CH_EXIT_USAGE, "corroborate: unknown option '%s'", a);
		} else {
			o->paths[o->num_paths++] = argv[i];
		}
	}
	if (o->num_leads + o->num_lists == 0) {
		usage(stderr);
		return ch_cli_fail(CH_EXIT_USAGE, "corroborate: give --leads FILE or --indicators FILE");
	}
	if (o->num_paths == 0) {
		usage(stderr);
		return ch_cli_fail(CH_EXIT_USAGE, "corroborate: no log given (FILE, DIR or - for stdin)");
	}
	if (o->since >= o->until)
		return ch_cli_fail(CH_EXIT_USAGE, "corroborate: --since is not before --until");
	if (!o->have_format)
		o->format = ch_report_format_default(stdout);
	return -1;
}

/* ---- the list of log files ------------------------------------------------------------------ */

typedef struct files {
	char **v;
	size_t n, cap;
	uint64_t bad;
} files;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool push(files *fs, const char *p)
{
	if (fs->n >= MAX_PATHS)
		return false;
	if (fs->n == fs->cap) {
		size_t nc = fs->cap ? fs->cap * 2 : 64;
		char **nv = realloc(fs->v, nc * sizeof *nv);
		if (!nv)
			return false;
		fs->v = nv;
		fs->cap = nc;
	}
	if (!(fs->v[fs->n] = strdup(p)))
		return false;
	fs->n++;
	return true;
}

static void walk(files *fs, const char *path, int depth)
{
	struct stat st;
	DIR *dir;
	struct dirent *de;
	size_t first = fs->n;

	if (!strcmp(path, "-") || stat(path, &st) != 0 || !S_ISDIR(st.st_mode)) {
		if (strcmp(path, "-") && stat(path, &st) == 0 && !S_ISREG(st.st_mode) && depth > 0)
			return;
		if (!push(fs, path))
			fs->bad++;
		return;
	}
	if (depth >= WALK_MAX_DEPTH || !(dir = opendir(path))) {
		ch_cli_fail(CH_EXIT_BAD_INPUT, "%s: %s", path,
			    depth >= WALK_MAX_DEPTH ? "directories nested too deeply" : strerror(errno));
		fs->bad++;
		return;
	}
	while ((de = readdir(dir)) != NULL) {
		char *full;
		if (de->d_name[0] == '.')
			continue;
		if (asprintf(&full, "%s/%s", path, de->d_name) < 0)
			break;
		if (stat(full, &st) == 0 && S_ISDIR(st.st_mode))
			walk(fs, full, depth + 1);
		else if (stat(full, &st) == 0 && S_ISREG(st.st_mode) && !push(fs, full))
			fs->bad++;
		free(full);
	}
	closedir(dir);
	qsort(fs->v + first, fs->n - first, sizeof *fs->v, cmp_str);
}

static bool is_x509(const char *path)
{
	const char *base = strrchr(path, '/');
	return strstr(base ? base + 1 : path, "x509") != NULL;
}

/* Stable partition: x509 logs first. */
static void x509_first(files *fs)
{
	char **tmp = malloc((fs->n ? fs->n : 1) * sizeof *tmp);
	size_t k = 0;

	if (!tmp)
		return;
	for (size_t i = 0; i < fs->n; i++)
		if (is_x509(fs->v[i]))
			tmp[k++] = fs->v[i];
	for (size_t i = 0; i < fs->n; i++)
		if (!is_x509(fs->v[i]))
			tmp[k++] = fs->v[i];
	memcpy(fs->v, tmp, fs->n * sizeof *tmp);
	free(tmp);
}

/* ---- the run ----------------------------------------------------------------------------- */

typedef struct run {
	opts *o;
	ch_corroborate *c;
	ch_ingest *ig;
	ch_telemetry_ingest_counts ic;
	ch_report_corr_summary sum;
	int fatal;
} run;

static void on_bad(void *arg, const char *msg)
{
	run *r = arg;
	r->sum.bad_lines++;
	ch_cli_fail(CH_EXIT_BAD_INPUT, "%s", msg);
}

static void read_log(run *r, const char *path)
{
	ch_telemetry_reader *rd = NULL;
	ch_telemetry_counts tc;
	ch_obs ob;
	ch_err err;
	uint64_t shown = 0, bad = 0;

	r->sum.files++;
	if (ch_telemetry_open(&rd, path, &r->o->topts) != CH_OK) {
		ch_cli_fail(CH_EXIT_BAD_INPUT, "%s", ch_error_last());
		r->sum.bad_files++;
		return;
	}
	for (;;) {
		err = ch_telemetry_next(rd, &ob);
		if (err == CH_ERR_PARSE) {
			if (shown++ < BAD_LINES_SHOWN)
				ch_cli_fail(CH_EXIT_BAD_INPUT, "%s", ch_error_last());
			bad++;
			continue;
		}
		if (err != CH_OK)
			break;
		r->sum.observations++;
		if (ch_corroborate_observe(r->c, &ob) != CH_OK ||
		    (r->ig && ch_telemetry_ingest(r->ig, &ob, &r->ic) != CH_OK)) {
			r->fatal = ch_cli_fail(CH_EXIT_ENV, "corroborate: %s", ch_error_last());
			break;
		}
	}
	if (err != CH_ERR_EOF && !r->fatal) {
		ch_cli_fail(CH_EXIT_BAD_INPUT, "%s", ch_error_last());
		r->sum.bad_files++;
	}
	if (bad > BAD_LINES_SHOWN)
		ch_cli_fail(CH_EXIT_BAD_INPUT, "%s: %" PRIu64 " more bad lines not shown", path,
			    bad - BAD_LINES_SHOWN);
	ch_telemetry_get_counts(rd, &tc);
	r->sum.lines += tc.lines;
	r->sum.bad_lines += bad;
	if (r->o->stats)
		fprintf(stderr, "certhound: %s: %s, %" PRIu64 " lines, %" PRIu64 " observations, %" PRIu64
			" skipped, %" PRIu64 " bad\n", path,
			ch_telemetry_format_name(ch_telemetry_get_format(rd)), tc.lines, tc.observations,
			tc.skipped, tc.bad);
	ch_telemetry_free(rd);
}

/* Cert indicators whose certificate is stored also match its SHA-1 (Suricata logs SHA-1). */
static void add_sha1_aliases(ch_cli *cli, ch_corroborate *c)
{
	ch_store *s = NULL;
	ch_hash *h = NULL;
	ch_buf der;
	size_t n = ch_corroborate_count(c);

	ch_buf_init(&der, 1u << 24);
	if (ch_store_open(&s, ch_cli_db_path(cli), CH_STORE_READONLY) != CH_OK ||
	    ch_hash_new(&h) != CH_OK)
		goto out;
	for (size_t i = 0; i < n; i++) {
		ch_corr_result res;
		uint8_t sha256[32], sha1[20];
		char hex[41];
		if (ch_corroborate_result(c, &res, i) != CH_OK || res.kind != CH_CORR_CERT ||
		    strlen(res.indicator) != 64 || ch_hex_decode(sha256, 32, res.indicator, 64) != 32)
			continue;
		ch_buf_reset(&der);
		if (ch_store_get_der(s, &der, sha256) != CH_OK ||
		    ch_hash_sha1(h, sha1, der.data, der.len) != CH_OK)
			continue;
		ch_hex_encode(hex, sha1, 20);
		if (ch_corroborate_alias(c, i, hex) != CH_OK)
			break;
	}
out:
	ch_error_clear();
	ch_hash_free(h);
	ch_store_close(s);
	ch_buf_free(&der);
}

static int load_indicators(run *r, ch_cli *cli)
{
	opts *o = r->o;

	for (int i = 0; i < o->num_leads; i++)
		if (ch_corroborate_load_leads(r->c, o->leads[i], on_bad, r) != CH_OK)
			return ch_cli_fail(CH_EXIT_USAGE, "corroborate: --leads %s", ch_error_last());
	for (int i = 0; i < o->num_lists; i++)
		if (ch_corroborate_load_list(r->c, o->lists[i], on_bad, r) != CH_OK)
			return ch_cli_fail(CH_EXIT_USAGE, "corroborate: --indicators %s",
					   ch_error_last());
	if (ch_corroborate_count(r->c) == 0)
		return ch_cli_fail(CH_EXIT_USAGE, "corroborate: no usable indicator in the input");
	add_sha1_aliases(cli, r->c);
	return -1;
}

int ch_cmd_corroborate(ch_cli *cli, int argc, char **argv)
{
	opts o = {0};
	run r = {0};
	files fs = {0};
	ch_telemetry_map *map = NULL;
	ch_corr_attack *attack = NULL;
	ch_store *store = NULL;
	ch_corroborate_opts co = {0};
	int rc = parse_args(&o, argc, argv);

	r.o = &o;
	if (rc >= 0)
		goto out;
	if (o.map_spec) {
		if (ch_telemetry_map_parse(&map, o.map_spec) != CH_OK) {
			rc = ch_cli_fail(CH_EXIT_USAGE, "corroborate: %s", ch_error_last());
			goto out;
		}
		o.topts.map = map;
	}
	if ((o.topts.format == CH_TEL_CSV || o.topts.format == CH_TEL_JSONL) && !map) {
		rc = ch_cli_fail(CH_EXIT_USAGE, "corroborate: --input-format %s needs --map",
				 ch_telemetry_format_name(o.topts.format));
		goto out;
	}
	if (ch_corr_attack_load(&attack, o.attack_path ? o.attack_path
						       : ch_corr_attack_default_path()) != CH_OK) {
		rc = ch_cli_fail(CH_EXIT_USAGE, "corroborate: %s", ch_error_last());
		goto out;
	}
	co.since = o.since;
	co.until = o.until;
	co.attack = attack;
	co.evidence_per_kind = o.evidence;
	if (ch_corroborate_new(&r.c, &co) != CH_OK) {
		rc = ch_cli_fail(CH_EXIT_ENV, "corroborate: %s", ch_error_last());
		goto out;
	}
	if ((rc = load_indicators(&r, cli)) >= 0)
		goto out;
	if (o.store) {
		if (ch_store_open(&store, ch_cli_db_path(cli), CH_STORE_CREATE) != CH_OK ||
		    ch_ingest_new(&r.ig, store, NULL) != CH_OK) {
			rc = ch_cli_fail(CH_EXIT_ENV, "corroborate: store %s: %s", ch_cli_db_path(cli),
					 ch_error_last());
			goto out;
		}
	}
	for (int i = 0; i < o.num_paths; i++)
		walk(&fs, o.paths[i], 0);
	x509_first(&fs);
	r.sum.bad_files += fs.bad;
	for (size_t i = 0; i < fs.n && !r.fatal; i++)
		read_log(&r, fs.v[i]);
	if (r.fatal) {
		rc = r.fatal;
		goto out;
	}
	if (r.ig) {
		ch_ingest_counts ic;
		if (ch_ingest_flush(r.ig) != CH_OK) {
			rc = ch_cli_fail(CH_EXIT_ENV, "corroborate: storing sightings: %s",
					 ch_error_last());
			goto out;
		}
		ch_ingest_get_counts(r.ig, &ic);
		fprintf(stderr, "certhound: corroborate: stored %" PRIu64 " certificates from the logs "
			"(%" PRIu64 " new, %" PRIu64 " sightings, %" PRIu64 " rejected); %" PRIu64
			" fingerprint-only lines not stored\n", r.ic.certificates, ic.new_certs,
			ic.sightings, ic.rejected, r.ic.fingerprint_only);
	}
	r.sum.indicators = ch_corroborate_count(r.c);
	r.sum.with_evidence = ch_corroborate_matched(r.c);
	if ((o.stix ? ch_report_corroborate_stix(stdout, r.c, ch_time_now())
		    : ch_report_corroborate(stdout, o.format, r.c, &r.sum, o.no_header)) != CH_OK) {
		rc = ch_cli_fail(CH_EXIT_ENV, "corroborate: %s", ch_error_last());
		goto out;
	}
	if (o.stats)
		fprintf(stderr, "certhound: corroborate: %" PRIu64 " files, %" PRIu64 " lines, %" PRIu64
			" observations, %" PRIu64 " bad lines, %" PRIu64 " of %" PRIu64
			" indicators with evidence\n", r.sum.files, r.sum.lines, r.sum.observations,
			r.sum.bad_lines, r.sum.with_evidence, r.sum.indicators);
	rc = (r.sum.bad_lines || r.sum.bad_files) ? CH_EXIT_BAD_INPUT
		: r.sum.with_evidence ? CH_EXIT_OK : CH_EXIT_NOTHING;
out:
	for (size_t i = 0; i < fs.n; i++)
		free(fs.v[i]);
	free(fs.v);
	ch_ingest_free(r.ig);
	ch_store_close(store);
	ch_corroborate_free(r.c);
	ch_corr_attack_free(attack);
	ch_telemetry_map_free(map);
	free(o.paths);
	return rc;
}
