/* certhound scan TARGET...: fetch certificate chains from TLS services in an explicit scope and
 * store them as sightings (docs/scan.md). */
#include "cli.h"

#include <certhound/filter.h>
#include <certhound/ingest.h>
#include <certhound/query.h>
#include <certhound/report_scan.h>
#include <certhound/scan.h>
#include <certhound/store.h>
#include <certhound/util.h>

#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_QUERY_NAMES 100000

static volatile int g_stop;

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

typedef struct run {
	ch_report_scan *rep;
	bool progress;
	bool printed_progress;
	bool buffered;          /* stdout has the big buffer: flush it now and then */
	uint64_t flushed_ns;
} run;

/* Results to a file or a pipe are written in large blocks (one write per result was ~5% of a
 * fast scan's CPU), and flushed at least every FLUSH_MS so that a reader still sees them come. */
#define OUT_BUFFER (256u << 10)
#define FLUSH_MS 250

static void usage(FILE *f)
{
	fputs("usage: certhound scan [options] TARGET...\n"
	      "\n"
	      "Connect to TLS services, fetch the certificate chain each one sends, and store every\n"
	      "certificate as a sighting (address, port, SNI, time). Only what is named here is\n"
	      "contacted. TARGET is host, host:port, an IPv4 or IPv6 address ([::1]:8443 with a\n"
	      "port), or a CIDR range (10.0.0.0/24, [2001:db8::/120]:443).\n"
	      "\n"
	      "Scope:\n"
	      "  -p, --ports LIST        ports for targets without one (443; e.g. 443,8443,9000-9010)\n"
	      "  -f, --targets FILE      more targets, one per line ('#' comments)\n"
	      "  --from-query QUERY      the host names of stored certificates matching QUERY\n"
	      "                          (search language, e.g. 'domain:example.com'; wildcards skipped)\n"
	      "  --exclude SPEC          never contact this address, range or name (*.example.com)\n"
	      "  --exclude-file FILE     one exclusion per line\n"
	      "  --max-range N           largest range accepted without --yes (256 = a /24)\n"
	      "  --yes                   accept larger ranges\n"
	      "  -4, -6                  IPv4 or IPv6 addresses of names only\n"
	      "  --all-addrs             every address of a name (up to 16), not one per family\n"
	      "  --resolve NAME=ADDR     probe NAME at ADDR (SNI NAME) without asking DNS\n"
	      "Probes:\n"
	      "  --no-sni-probe          names: connect without SNI only\n"
	      "  --also-default          names: also connect without SNI and compare the leaves\n"
	      "  --starttls PROTO        auto (by port: 25/587 smtp, 143 imap, 110 pop3, 21 ftp),\n"
	      "                          none, smtp, imap, pop3, ftp\n"
	      "  --alpn LIST             ALPN offer (h2,http/1.1)\n"
	      "  --cert-only             fetch the certificate only: a TLS 1.2 hello read up to the\n"
	      "                          Certificate message, no key exchange (TLS 1.3-only servers\n"
	      "                          go through OpenSSL, stopped at the certificate)\n"
	      "  --no-fast-path          --cert-only through OpenSSL for every server\n"
	      "Pace:\n"
	      "  --rate N                new connections per second (50; 0 = no limit)\n"
	      "  --host-rate N           new connections per second to one address (2; 0 = no limit)\n"
	      "  --concurrency N         connections in flight (500)\n"
	      "  --connect-timeout MS    (5000)   --handshake-timeout MS (10000)   --timeout MS (20000)\n"
	      "  --retries N             extra attempts after a timeout, reset or unreachable (1)\n"
	      "Output:\n"
	      "  --format table|json|ndjson|csv  one result per connection (table on a terminal,\n"
	      "                          ndjson otherwise)\n"
	      "  --no-store              do not store anything (no checkpoint either)\n"
	      "  --restart               ignore the checkpoint of an interrupted identical scan\n"
	      "  --no-progress           no progress line (shown only on a terminal anyway)\n"
	      "  -q, --quiet             no summary on stderr\n"
	      "\n"
	      "An interrupted scan (Ctrl-C, kill) is resumed by running the same command again.\n"
	      "Exit status: 0 certificates fetched; 1 none fetched; 2 usage; 3 bad target;\n"
	      "5 store or environment failure; 130 interrupted (progress kept).\n",
	      f);
}

static void draw(const ch_scan_progress *p, bool final)
{
	double rate = p->elapsed_s > 0 ? (double)p->connections / p->elapsed_s : 0;

	fprintf(stderr, "\r\033[K%llu/%llu targets  %llu conn  %.0f conn/s  %llu in flight  ok %llu",
		(unsigned long long)p->targets_done, (unsigned long long)p->targets_total,
		(unsigned long long)p->connections, rate, (unsigned long long)p->in_flight,
		(unsigned long long)p->ok);
	for (size_t i = 0; i < p->num_classes; i++)
		fprintf(stderr, "  %s %llu", p->classes[i].name,
			(unsigned long long)p->classes[i].count);
	if (final)
		fputc('\n', stderr);
	fflush(stderr);
}

static void on_progress(void *arg, const ch_scan_progress *p, bool final)
{
	run *r = arg;

	if (!r->progress)
		return;
	draw(p, final);
	r->printed_progress = true;
}

static ch_err on_result(void *arg, const ch_scan_result *res)
{
	run *r = arg;

	ch_err err;
	uint64_t now;

	if (!r->rep)
		return CH_OK;
	err = ch_report_scan_add(r->rep, res);
	if (err == CH_OK && r->buffered &&
	    (now = ch_monotonic_ns()) - r->flushed_ns >= (uint64_t)FLUSH_MS * 1000000u) {
		r->flushed_ns = now;
		if (fflush(stdout) != 0)
			err = ch_error_set(CH_ERR_IO, "writing the results failed");
	}
	return err;
}

static void summary(const ch_scan_progress *p, const ch_scan_opts *o, ch_ingest *ig,
		    bool stopped)
{
	ch_ingest_counts c;

	fprintf(stderr, "scan: %s: contacted %llu address%s with %llu connection%s on port%s ",
		stopped ? "interrupted" : "done", (unsigned long long)p->addresses,
		p->addresses == 1 ? "" : "es", (unsigned long long)p->connections,
		p->connections == 1 ? "" : "s", o->num_ports > 1 ? "s" : "");
	for (size_t i = 0; i < o->num_ports; i++)
		fprintf(stderr, "%s%u", i ? "," : "", o->ports[i]);
	if (!o->num_ports)
		fprintf(stderr, "%d", CH_SCAN_DEFAULT_PORT);
	fprintf(stderr, " (or the port a target names) in %.1f s", p->elapsed_s);
	if (p->fallbacks)
		fprintf(stderr, "; %llu handed from the TLS 1.2 fetch to OpenSSL",
			(unsigned long long)p->fallbacks);
	fputc('\n', stderr);
	fprintf(stderr, "scan: targets %llu/%llu", (unsigned long long)p->targets_done,
		(unsigned long long)p->targets_total);
	if (p->resumed_from)
		fprintf(stderr, " (resumed at %llu)", (unsigned long long)p->resumed_from);
	fprintf(stderr, ", excluded addresses %llu; results %llu: ok %llu",
		(unsigned long long)p->excluded, (unsigned long long)p->results,
		(unsigned long long)p->ok);
	for (size_t i = 0; i < p->num_classes; i++)
		fprintf(stderr, ", %s %llu", p->classes[i].name,
			(unsigned long long)p->classes[i].count);
	fputc('\n', stderr);
	if (ig) {
		ch_ingest_get_counts(ig, &c);
		fprintf(stderr, "scan: certificates %llu: new %llu, already stored %llu, rejected %llu\n",
			(unsigned long long)c.read, (unsigned long long)c.new_certs,
			(unsigned long long)c.duplicates, (unsigned long long)c.rejected);
	}
}

/* add_query_names adds the host names of the stored certificates matching q as targets. */
static int add_query_names(ch_scan_targets *t, ch_store *s, const char *q, size_t *out_n)
{
	ch_filter *f = NULL;
	ch_store_strpage *pg = NULL;
	char cursor[CH_STORE_CURSOR_MAX] = "";
	int rc = CH_EXIT_OK;

	*out_n = 0;
	if (ch_query_parse(&f, NULL, q, strlen(q), ch_time_now()) != CH_OK)
		return ch_cli_fail(CH_EXIT_USAGE, "--from-query: %s", ch_error_last());
	do {
		if (ch_store_names(s, &pg, f, 1000, cursor[0] ? cursor : NULL) != CH_OK) {
			rc = ch_cli_fail(CH_EXIT_ENV, "--from-query: %s", ch_error_last());
			break;
		}
		for (size_t i = 0; i < pg->num_items && *out_n < MAX_QUERY_NAMES; i++) {
			if (!strncmp(pg->items[i], "*.", 2))
				continue;
			if (ch_scan_targets_add(t, pg->items[i]) == CH_OK)
				(*out_n)++;
		}
		snprintf(cursor, sizeof cursor, "%s", pg->cursor);
		ch_store_strpage_free(pg);
		pg = NULL;
	} while (cursor[0] && *out_n < MAX_QUERY_NAMES);
	ch_filter_free(f);
	return rc;
}

static bool num_arg(double *out, const char *s, double max)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || v < 0 || v > max)
		return false;
	*out = v;
	return true;
}

enum {
	O_FROM_QUERY = 256, O_EXCLUDE, O_EXCLUDE_FILE, O_MAX_RANGE, O_YES, O_ALL_ADDRS,
	O_NO_SNI, O_ALSO_DEFAULT, O_STARTTLS, O_ALPN, O_CERT_ONLY, O_RATE, O_HOST_RATE,
	O_CONC, O_CTO, O_HTO, O_TO, O_RETRIES, O_FORMAT, O_NO_STORE, O_RESTART, O_NO_PROGRESS,
	O_MAX_CHAIN, O_RESOLVERS, O_RESOLVE, O_NO_FAST,
};

static const struct option longopts[] = {
	{"ports", required_argument, NULL, 'p'},
	{"targets", required_argument, NULL, 'f'},
	{"from-query", required_argument, NULL, O_FROM_QUERY},
	{"exclude", required_argument, NULL, O_EXCLUDE},
	{"exclude-file", required_argument, NULL, O_EXCLUDE_FILE},
	{"max-range", required_argument, NULL, O_MAX_RANGE},
	{"yes", no_argument, NULL, O_YES},
	{"all-addrs", no_argument, NULL, O_ALL_ADDRS},
	{"no-sni-probe", no_argument, NULL, O_NO_SNI},
	{"also-default", no_argument, NULL, O_ALSO_DEFAULT},
	{"starttls", required_argument, NULL, O_STARTTLS},
	{"alpn", required_argument, NULL, O_ALPN},
	{"cert-only", no_argument, NULL, O_CERT_ONLY},
	{"no-fast-path", no_argument, NULL, O_NO_FAST},
	{"rate", required_argument, NULL, O_RATE},
	{"host-rate", required_argument, NULL, O_HOST_RATE},
	{"concurrency", required_argument, NULL, O_CONC},
	{"connect-timeout", required_argument, NULL, O_CTO},
	{"handshake-timeout", required_argument, NULL, O_HTO},
	{"timeout", required_argument, NULL, O_TO},
	{"retries", required_argument, NULL, O_RETRIES},
	{"max-chain-bytes", required_argument, NULL, O_MAX_CHAIN},
	{"resolvers", required_argument, NULL, O_RESOLVERS},
	{"resolve", required_argument, NULL, O_RESOLVE},
	{"format", required_argument, NULL, O_FORMAT},
	{"no-store", no_argument, NULL, O_NO_STORE},
	{"restart", no_argument, NULL, O_RESTART},
	{"no-progress", no_argument, NULL, O_NO_PROGRESS},
	{"quiet", no_argument, NULL, 'q'},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

typedef struct cli_opts {
	ch_scan_opts so;
	const char *files[64], *excludes[CH_SCAN_MAX_EXCLUDES], *exclude_files[16];
	const char *pins[256];
	size_t num_files, num_excludes, num_exclude_files, num_pins;
	const char *query;
	ch_report_format format;
	bool have_format, no_store, restart, no_progress, quiet;
} cli_opts;

/* parse_opts reads the options; returns -1 to go on, else an exit code. */
static int parse_opts(cli_opts *o, int argc, char **argv)
{
	int c;
	double v;

	ch_scan_opts_default(&o->so);
	optind = 1;
	while ((c = getopt_long(argc, argv, "p:f:46qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (ch_scan_ports_parse(&o->so, optarg) != CH_OK)
				return ch_cli_fail(CH_EXIT_USAGE, "--ports: %s", ch_error_last());
			break;
		case 'f':
			if (o->num_files == 64)
				return ch_cli_fail(CH_EXIT_USAGE, "too many --targets files");
			o->files[o->num_files++] = optarg;
			break;
		case O_FROM_QUERY: o->query = optarg; break;
		case O_EXCLUDE:
			if (o->num_excludes == CH_SCAN_MAX_EXCLUDES)
				return ch_cli_fail(CH_EXIT_USAGE, "too many --exclude");
			o->excludes[o->num_excludes++] = optarg;
			break;
		case O_EXCLUDE_FILE:
			if (o->num_exclude_files == 16)
				return ch_cli_fail(CH_EXIT_USAGE, "too many --exclude-file");
			o->exclude_files[o->num_exclude_files++] = optarg;
			break;
		case O_MAX_RANGE:
			if (!num_arg(&v, optarg, 4294967296.0) || v < 1)
				return ch_cli_fail(CH_EXIT_USAGE, "--max-range: a count of addresses");
			o->so.max_range = (uint64_t)v;
			break;
		case O_YES: o->so.allow_large = true; break;
		case '4': o->so.family = 4; break;
		case '6': o->so.family = 6; break;
		case O_ALL_ADDRS: o->so.all_addrs = true; break;
		case O_RESOLVE:
			if (o->num_pins == 256)
				return ch_cli_fail(CH_EXIT_USAGE, "too many --resolve");
			o->pins[o->num_pins++] = optarg;
			break;
		case O_NO_SNI: o->so.sni_probe = false; break;
		case O_ALSO_DEFAULT: o->so.also_default = true; break;
		case O_STARTTLS:
			if (ch_scan_starttls_parse(&o->so.starttls, optarg) != CH_OK)
				return ch_cli_fail(CH_EXIT_USAGE, "--starttls: %s", ch_error_last());
			break;
		case O_ALPN: o->so.alpn = optarg; break;
		case O_CERT_ONLY: o->so.cert_only = true; break;
		case O_NO_FAST: o->so.no_fast_path = true; break;
#define NUM(field, max, what, conv)                                                    \
	if (!num_arg(&v, optarg, max))                                                 \
		return ch_cli_fail(CH_EXIT_USAGE, "%s: expected %s", argv[optind - 1], \
				   what);                                              \
	o->so.field = conv;                                                            \
	break;
		case O_RATE: NUM(rate, 1e9, "a rate (0 = no limit)", v)
		case O_HOST_RATE: NUM(host_rate, 1e9, "a rate (0 = no limit)", v)
		case O_CONC: NUM(concurrency, CH_SCAN_MAX_CONCURRENCY, "1..100000", (unsigned)v)
		case O_CTO: NUM(connect_ms, 3600000, "milliseconds", (unsigned)v)
		case O_HTO: NUM(handshake_ms, 3600000, "milliseconds", (unsigned)v)
		case O_TO: NUM(total_ms, 3600000, "milliseconds", (unsigned)v)
		case O_RETRIES: NUM(retries, 10, "0..10", (unsigned)v)
		case O_MAX_CHAIN: NUM(max_chain_bytes, CH_SCAN_MAX_CHAIN_BYTES, "bytes (<= 1 MiB)",
				      (size_t)v)
		case O_RESOLVERS: NUM(resolvers, 64, "1..64", (unsigned)v)
#undef NUM
		case O_FORMAT:
			if (ch_report_format_parse(&o->format, optarg) != CH_OK)
				return ch_cli_fail(CH_EXIT_USAGE, "--format: %s", ch_error_last());
			o->have_format = true;
			break;
		case O_NO_STORE: o->no_store = true; break;
		case O_RESTART: o->restart = true; break;
		case O_NO_PROGRESS: o->no_progress = true; break;
		case 'q': o->quiet = true; break;
		case 'h': usage(stdout); return CH_EXIT_OK;
		default: usage(stderr); return CH_EXIT_USAGE;
		}
	}
	if (o->so.concurrency == 0)
		return ch_cli_fail(CH_EXIT_USAGE, "--concurrency: at least 1");
	return -1;
}

/* build_scope adds targets and exclusions; returns -1 to go on, else an exit code. */
static int build_scope(ch_scan_targets *t, cli_opts *o, int argc, char **argv, ch_store *store)
{
	size_t n;
	int rc;

	for (size_t i = 0; i < o->num_excludes; i++)
		if (ch_scan_targets_exclude(t, o->excludes[i]) != CH_OK)
			return ch_cli_fail(CH_EXIT_USAGE, "--exclude: %s", ch_error_last());
	for (size_t i = 0; i < o->num_exclude_files; i++)
		if (ch_scan_targets_exclude_file(t, o->exclude_files[i]) != CH_OK)
			return ch_cli_fail(CH_EXIT_BAD_INPUT, "--exclude-file: %s", ch_error_last());
	for (size_t i = 0; i < o->num_pins; i++)
		if (ch_scan_targets_resolve(t, o->pins[i]) != CH_OK)
			return ch_cli_fail(CH_EXIT_USAGE, "--resolve: %s", ch_error_last());
	for (int i = optind; i < argc; i++) {
		ch_err err = ch_scan_targets_add(t, argv[i]);
		if (err != CH_OK)
			return ch_cli_fail(err == CH_ERR_LIMIT ? CH_EXIT_USAGE : CH_EXIT_BAD_INPUT, "%s",
					   ch_error_last());
	}
	for (size_t i = 0; i < o->num_files; i++) {
		ch_err err = ch_scan_targets_add_file(t, o->files[i]);
		if (err != CH_OK)
			return ch_cli_fail(err == CH_ERR_LIMIT ? CH_EXIT_USAGE : CH_EXIT_BAD_INPUT,
					   "--targets: %s", ch_error_last());
	}
	if (o->query) {
		rc = add_query_names(t, store, o->query, &n);
		if (rc != CH_EXIT_OK)
			return rc;
		if (!o->quiet)
			fprintf(stderr, "scan: --from-query gave %zu host name%s\n", n,
				n == 1 ? "" : "s");
	}
	return -1;
}

int ch_cmd_scan(ch_cli *cli, int argc, char **argv)
{
	cli_opts o;
	ch_scan_targets *t = NULL;
	ch_store *store = NULL;
	ch_ingest *ig = NULL;
	ch_scan_progress pr;
	ch_scan_sink sink;
	run r;
	char id[80];
	uint64_t total = 0;
	struct sigaction sa, old_int, old_term;
	int rc;
	ch_err err;

	memset(&o, 0, sizeof o);
	memset(&r, 0, sizeof r);
	memset(&sink, 0, sizeof sink);
	rc = parse_opts(&o, argc, argv);
	if (rc >= 0)
		return rc;
	if (optind >= argc && !o.num_files && !o.query) {
		usage(stderr);
		return CH_EXIT_USAGE;
	}
	if (!o.have_format)
		o.format = ch_report_format_default(stdout);
	if (ch_scan_targets_new(&t, &o.so) != CH_OK) {
		rc = ch_cli_fail(CH_EXIT_ENV, "%s", ch_error_last());
		goto out;
	}
	if (!o.no_store || o.query) {
		if (ch_store_open(&store, ch_cli_db_path(cli), CH_STORE_CREATE) != CH_OK) {
			rc = ch_cli_fail(CH_EXIT_ENV, "%s", ch_error_last());
			goto out;
		}
	}
	rc = build_scope(t, &o, argc, argv, store);
	if (rc >= 0)
		goto out;
	if (ch_scan_targets_count(t, &total) != CH_OK || !total) {
		rc = ch_cli_fail(CH_EXIT_NOTHING, "nothing to scan");
		goto out;
	}
	if (!o.no_store) {
		ch_buf b;
		uint64_t next, tot;
		if (ch_ingest_new(&ig, store, NULL) != CH_OK ||
		    ch_scan_targets_id(t, id, &o.so) != CH_OK) {
			rc = ch_cli_fail(CH_EXIT_ENV, "%s", ch_error_last());
			goto out;
		}
		ch_buf_init(&b, CH_STORE_CHECKPOINT_MAX);
		if (!o.restart && ch_store_checkpoint_get(store, &b, id) == CH_OK &&
		    ch_scan_checkpoint_parse(&next, &tot, b.data, b.len) == CH_OK && next < tot &&
		    tot == total) {
			sink.resume_from = next;
			if (!o.quiet)
				fprintf(stderr, "scan: resuming an interrupted scan at target %llu of "
					"%llu (--restart to start over)\n", (unsigned long long)next,
					(unsigned long long)tot);
		}
		ch_buf_free(&b);
		sink.ingest = ig;
		sink.checkpoint_id = id;
	}
	if (!isatty(STDOUT_FILENO)) {
		static char outbuf[OUT_BUFFER]; /* stdout's until exit */
		r.buffered = setvbuf(stdout, outbuf, _IOFBF, sizeof outbuf) == 0;
		r.flushed_ns = ch_monotonic_ns();
	}
	if (ch_report_scan_open(&r.rep, o.format, stdout) != CH_OK) {
		rc = ch_cli_fail(CH_EXIT_ENV, "%s", ch_error_last());
		goto out;
	}
	r.progress = !o.no_progress && isatty(STDERR_FILENO);
	sink.on_result = on_result;
	sink.on_progress = on_progress;
	sink.arg = &r;
	sink.stop = &g_stop;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	err = ch_scan_run(&pr, t, &o.so, &sink);
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	if (err != CH_OK && err != CH_ERR_EOF) {
		rc = ch_cli_fail(CH_EXIT_ENV, "scan: %s", ch_error_last());
		goto out;
	}
	if (ig && ch_ingest_flush(ig) != CH_OK) {
		rc = ch_cli_fail(CH_EXIT_ENV, "store: %s", ch_error_last());
		goto out;
	}
	if (ch_report_scan_close(r.rep) != CH_OK) {
		r.rep = NULL;
		rc = ch_cli_fail(CH_EXIT_ENV, "output: %s", ch_error_last());
		goto out;
	}
	r.rep = NULL;
	if (!o.quiet)
		summary(&pr, &o.so, ig, err == CH_ERR_EOF);
	rc = err == CH_ERR_EOF ? 130 : pr.ok ? CH_EXIT_OK : CH_EXIT_NOTHING;
out:
	if (r.rep && ch_report_scan_close(r.rep) != CH_OK && rc == CH_EXIT_OK)
		rc = CH_EXIT_ENV;
	ch_ingest_free(ig);
	ch_store_close(store);
	ch_scan_targets_free(t);
	return rc;
}
