/* certhound search QUERY: search the store with the query language (certhound/query.h). */
#include "cli.h"

#include <certhound/query.h>
#include <certhound/report.h>
#include <certhound/store.h>
#include <certhound/util.h>

#include <stdlib.h>
#include <string.h>

#include "cli/query_common.h"

#define DEFAULT_LIMIT 100
#define DEFAULT_ALL_PAGE 1000
#define MAX_QUERY_ARGS_BYTES (CH_QUERY_MAX_LEN + 1)

static void search_usage(FILE *f)
{
	fputs("usage: certhound search [options] QUERY...\n"
	      "\n"
	      "Search the store. QUERY is the search language (several arguments are joined with\n"
	      "spaces; put '--' before a query that starts with '--'):\n"
	      "  field:value terms, AND (also implicit), OR, NOT or a leading '-', ( ), \"quotes\".\n"
	      "  Precedence: NOT, then AND, then OR. AND/OR/NOT are keywords only in upper case.\n"
	      "  Fields: name (name:*.example.com = the domain and every name below it), domain,\n"
	      "  san, cn, ip, email, sha256, sha1 (8+ hex digit prefixes allowed), serial, spki,\n"
	      "  tbs, ja4x, issuer, subject (DN substring), issuer.o, issuer.cn, subject.o,\n"
	      "  subject.ou, subject.cn (a trailing * matches a prefix), key (rsa, rsa-2048, ec-p256,\n"
	      "  ed25519), sig, ca, self-signed, precert (true/false), valid-at:DATE|now,\n"
	      "  expires:<30d, expires:>=2025-01-01, issued:>2024-01-01, issued:>7d, seen-in:LOG.\n"
	      "  A word without a field matches a host name or a subject CN exactly (and an IP\n"
	      "  address also matches ip:).\n"
	      "  Durations: h, d, w, y; they count forward from now for expires and valid-at,\n"
	      "  backward for issued; +N/-N are explicit. A bare date compares as a whole day.\n"
	      "\n"
	      "options:\n"
	      "  --limit N        results per page (default 100, at most 100000)\n"
	      "  --after CURSOR   the next page: the cursor printed by the previous page\n"
	      "  --all            every page, one after another (--limit is then the page size)\n"
	      "  --count          print only the number of matching certificates\n"
	      "  --names          print the distinct host names of the matching certificates\n"
	      "                   (with --count: how many distinct names)\n"
	      "  --format F       table (default on a terminal), ndjson (default otherwise),\n"
	      "                   json, csv. ndjson/csv/json print full certificate records;\n"
	      "                   json is {\"results\": [...], \"next\": CURSOR|null}\n"
	      "  --now TIME       resolve relative times (30d, now) as of TIME (YYYY-MM-DD...)\n"
	      "  --explain        print the parsed query and the store's plan, search nothing\n"
	      "\n"
	      "When more results exist, the cursor of the next page is printed on stderr as\n"
	      "  certhound: search: more results: --after CURSOR\n"
	      "(in the json format it is the \"next\" member instead).\n"
	      "Exit status: 0 found, 1 nothing matched, 2 bad query or usage, 5 store failure.\n",
	      f);
}

typedef struct sopts {
	ch_report_format format;
	bool have_format;
	size_t limit;
	const char *after;
	bool all, count, names, explain;
	int64_t now;
	ch_buf query;
} sopts;

static int parse_size(const char *v, size_t *out)
{
	char *end;
	unsigned long long n = strtoull(v, &end, 10);

	if (!*v || *end || v[0] == '-' || n < 1 || n > CH_STORE_MAX_PAGE)
		return ch_cli_fail(CH_EXIT_USAGE, "search: --limit takes a number from 1 to %d",
				   CH_STORE_MAX_PAGE);
	*out = (size_t)n;
	return -1;
}

static int add_query_word(sopts *o, const char *w)
{
	if ((o->query.len && ch_buf_putc(&o->query, ' ') != CH_OK) ||
	    ch_buf_puts(&o->query, w) != CH_OK)
		return ch_cli_fail(CH_EXIT_USAGE, "search: column %d: query longer than %d bytes",
				   CH_QUERY_MAX_LEN + 1, CH_QUERY_MAX_LEN);
	return -1;
}

/* value_of returns the value of "--opt V" or "--opt=V" (advancing *i), or NULL if a is not opt. */
static const char *value_of(int argc, char **argv, int *i, const char *opt, bool *missing)
{
	size_t l = strlen(opt);
	const char *a = argv[*i];

	if (!strcmp(a, opt)) {
		if (*i + 1 >= argc) {
			*missing = true;
			return NULL;
		}
		return argv[++*i];
	}
	if (!strncmp(a, opt, l) && a[l] == '=')
		return a + l + 1;
	return NULL;
}

static int parse_args(sopts *o, int argc, char **argv)
{
	static const char *const with_value[] = {"--limit", "--after", "--format", "--now"};
	int rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = NULL;
		bool missing = false;
		size_t which = 0;

		if (!strcmp(a, "--")) {
			for (i++; i < argc; i++)
				if ((rc = add_query_word(o, argv[i])) >= 0)
					return rc;
			break;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			search_usage(stdout);
			return CH_EXIT_OK;
		}
		if (strncmp(a, "--", 2) != 0) {
			if ((rc = add_query_word(o, a)) >= 0)
				return rc;
			continue;
		}
		for (which = 0; which < 4 && !v && !missing; which++)
			v = value_of(argc, argv, &i, with_value[which], &missing);
		if (missing)
			return ch_cli_fail(CH_EXIT_USAGE, "search: %s needs a value", a);
		if (v) {
			switch (which - 1) {
			case 0:
				if ((rc = parse_size(v, &o->limit)) >= 0)
					return rc;
				break;
			case 1:
				o->after = v;
				break;
			case 2:
				if ((rc = chq_parse_format("search", v, &o->format)) >= 0)
					return rc;
				o->have_format = true;
				break;
			case 3:
				if (!ch_time_parse(&o->now, v) && strcmp(v, "now") != 0)
					return ch_cli_fail(CH_EXIT_USAGE,
							   "search: --now takes YYYY-MM-DD or "
							   "YYYY-MM-DDTHH:MM:SSZ");
				break;
			}
		} else if (!strcmp(a, "--all")) {
			o->all = true;
		} else if (!strcmp(a, "--count")) {
			o->count = true;
		} else if (!strcmp(a, "--names")) {
			o->names = true;
		} else if (!strcmp(a, "--explain")) {
			o->explain = true;
		} else {
			search_usage(stderr);
			return ch_cli_fail(CH_EXIT_USAGE, "search: unknown option '%s'", a);
		}
	}
	if (o->query.len == 0) {
		search_usage(stderr);
		return ch_cli_fail(CH_EXIT_USAGE, "search: a query is required");
	}
	if (!o->limit)
		o->limit = o->all ? DEFAULT_ALL_PAGE : DEFAULT_LIMIT;
	if (!o->have_format)
		o->format = ch_report_format_default(stdout);
	return -1;
}

static int store_fail(ch_err err)
{
	return ch_cli_fail(chq_exit_for(err) == CH_EXIT_USAGE ? CH_EXIT_USAGE : CH_EXIT_ENV,
			   "search: %s", ch_error_last());
}

static int write_fail(void)
{
	return ch_cli_fail(CH_EXIT_ENV, "search: writing the results: %s", ch_error_last());
}

static void more(const char *cursor)
{
	fprintf(stderr, "certhound: search: more results: --after %s\n", cursor);
}

/* ---- --count ------------------------------------------------------------------------------- */

static int run_count(ch_store *s, const ch_filter *f, const sopts *o)
{
	uint64_t n = 0;
	ch_err err = ch_store_count(s, &n, f);

	if (err)
		return store_fail(err);
	/* A bare number unless a format was asked for: n=$(certhound search --count Q) works. */
	if (!o->have_format)
		printf("%llu\n", (unsigned long long)n);
	else if (o->format == CH_REPORT_JSON || o->format == CH_REPORT_NDJSON)
		printf("{\"count\":%llu}\n", (unsigned long long)n);
	else if (o->format == CH_REPORT_CSV)
		printf("count\r\n%llu\r\n", (unsigned long long)n);
	else
		printf("%llu\n", (unsigned long long)n);
	return n ? CH_EXIT_OK : CH_EXIT_NOTHING;
}

/* ---- --names ------------------------------------------------------------------------------- */

static ch_err name_line(ch_buf *b, const char *name, const sopts *o, bool first)
{
	ch_json j;
	ch_err err = CH_OK;

	switch (o->format) {
	case CH_REPORT_JSON:
	case CH_REPORT_NDJSON:
		if (o->format == CH_REPORT_JSON && !first)
			CH_TRY(ch_buf_puts(b, ",\n    "));
		ch_json_init(&j, b, false);
		if (o->format == CH_REPORT_NDJSON) {
			ch_json_obj_begin(&j);
			ch_json_key(&j, "name");
		}
		ch_json_cstr(&j, name);
		if (o->format == CH_REPORT_NDJSON)
			ch_json_obj_end(&j);
		CH_TRY(ch_json_finish(&j));
		if (o->format == CH_REPORT_NDJSON)
			CH_TRY(ch_buf_putc(b, '\n'));
		break;
	case CH_REPORT_CSV:
		CH_TRY(ch_report_csv_field(b, name, strlen(name)));
		CH_TRY(ch_buf_puts(b, "\r\n"));
		break;
	case CH_REPORT_TABLE:
		CH_TRY(ch_report_text_safe(b, name, strlen(name), NULL));
		CH_TRY(ch_buf_putc(b, '\n'));
		break;
	}
out:
	return err;
}

static ch_err json_tail(ch_buf *b, const char *cursor)
{
	ch_json j;

	if (ch_buf_puts(b, "\n  ],\n  \"next\": ") != CH_OK)
		return CH_ERR_LIMIT;
	ch_json_init(&j, b, false);
	if (cursor && *cursor)
		ch_json_cstr(&j, cursor);
	else
		ch_json_null(&j);
	if (ch_json_finish(&j) != CH_OK)
		return CH_ERR_LIMIT;
	return ch_buf_puts(b, "\n}\n");
}

static int run_names(ch_store *s, const ch_filter *f, const sopts *o)
{
	ch_store_strpage *pg = NULL;
	char cursor[CH_STORE_CURSOR_MAX] = "";
	uint64_t total = 0;
	ch_buf b;
	ch_err err = CH_OK;
	int rc = -1;

	ch_buf_init(&b, 1 << 20);
	if (o->after)
		snprintf(cursor, sizeof cursor, "%s", o->after);
	if (o->format == CH_REPORT_JSON && !o->count)
		CH_TRY(ch_buf_puts(&b, "{\n  \"names\": [\n    "));
	if (o->format == CH_REPORT_CSV && !o->count)
		CH_TRY(ch_buf_puts(&b, "name\r\n"));
	do {
		err = ch_store_names(s, &pg, f, o->limit, cursor[0] ? cursor : NULL);
		if (err) {
			rc = store_fail(err);
			goto out;
		}
		for (size_t i = 0; i < pg->num_items && !o->count; i++)
			CH_TRY(name_line(&b, pg->items[i], o, total + i == 0));
		total += pg->num_items;
		snprintf(cursor, sizeof cursor, "%s", pg->cursor);
		ch_store_strpage_free(pg);
		pg = NULL;
		if (!chq_write(&b)) {
			rc = write_fail();
			goto out;
		}
		ch_buf_reset(&b);
	} while (cursor[0] && (o->all || o->count));
	if (o->count)
		printf(!o->have_format || o->format == CH_REPORT_TABLE ? "%llu\n"
		       : o->format == CH_REPORT_CSV ? "count\r\n%llu\r\n" : "{\"count\":%llu}\n",
		       (unsigned long long)total);
	else if (o->format == CH_REPORT_JSON)
		CH_TRY(json_tail(&b, cursor));
	else if (cursor[0])
		more(cursor);
	if (!chq_write(&b) || fflush(stdout) != 0)
		rc = write_fail();
out:
	if (err && rc < 0)
		rc = ch_cli_fail(CH_EXIT_ENV, "search: %s", ch_error_last());
	ch_store_strpage_free(pg);
	ch_buf_free(&b);
	return rc >= 0 ? rc : total ? CH_EXIT_OK : CH_EXIT_NOTHING;
}

/* ---- certificates ------------------------------------------------------------------------- */

typedef struct certout {
	const sopts *o;
	ch_store *s;
	ch_report *rep;     /* ndjson, csv */
	ch_query_cert qc;   /* reused across records */
	ch_buf b, tmp;
	uint64_t n;
} certout;

static const char *kind_of(unsigned flags)
{
	if (flags & CH_STORE_F_PRECERT)
		return "precert";
	if ((flags & CH_STORE_F_CA) && (flags & CH_STORE_F_SELF_SIGNED))
		return "root";
	if (flags & CH_STORE_F_CA)
		return "ca";
	return "leaf";
}

/* table_row: sha256 prefix, validity, kind, issuer "CN (O)", first names. */
static ch_err table_row(ch_buf *b, const ch_store_summary *r)
{
	char hex[65], nb[21], na[21], cn[256], org[256], iss[520];
	ch_err err = CH_OK;
	size_t shown = r->num_names < 3 ? r->num_names : 3;
	size_t start;

	ch_hex_encode(hex, r->sha256, 32);
	hex[16] = '\0';
	ch_time_format(nb, r->not_before);
	ch_time_format(na, r->not_after);
	nb[10] = na[10] = '\0';
	if (!chq_dn_attr(cn, sizeof cn, r->issuer, "CN"))
		cn[0] = '\0';
	if (!chq_dn_attr(org, sizeof org, r->issuer, "O"))
		org[0] = '\0';
	if (cn[0] && org[0] && strcmp(cn, org) != 0)
		snprintf(iss, sizeof iss, "%s (%s)", cn, org);
	else
		snprintf(iss, sizeof iss, "%s", cn[0] ? cn : org[0] ? org : r->issuer ? r->issuer : "");
	CH_TRY(ch_buf_printf(b, "%-16s  %-10s  %-10s  %-7s  ", hex, nb, na, kind_of(r->flags)));
	/* at most 30 characters, cut on a UTF-8 boundary */
	for (size_t i = 0, chars = 0, cut = 0; iss[i]; i++) {
		if (((unsigned char)iss[i] & 0xc0) == 0x80)
			continue;
		if (++chars == 29)
			cut = i;
		if (chars > 30) {
			snprintf(iss + cut, 3, "..");
			break;
		}
	}
	start = b->len;
	CH_TRY(ch_report_text_safe(b, iss, strlen(iss), NULL));
	for (size_t w = b->len - start; w < 30; w++)
		CH_TRY(ch_buf_putc(b, ' '));
	CH_TRY(ch_buf_puts(b, "  "));
	for (size_t i = 0; i < shown; i++) {
		if (i)
			CH_TRY(ch_buf_puts(b, ", "));
		CH_TRY(ch_report_text_safe(b, r->names[i], strlen(r->names[i]), ","));
	}
	if (r->num_names > shown)
		CH_TRY(ch_buf_printf(b, " (+%zu)", r->num_names - shown));
	if (!r->num_names && r->subject)
		CH_TRY(ch_report_text_safe(b, r->subject, strlen(r->subject), NULL));
	err = ch_buf_putc(b, '\n');
out:
	return err;
}

static ch_err cert_record(certout *c, const ch_store_summary *r)
{
	char hex[65];
	ch_report_names nm;
	ch_err err = CH_OK;

	ch_hex_encode(hex, r->sha256, 32);
	CH_TRY(ch_query_cert_load(&c->qc, c->s, hex));
	nm = chq_names(&c->qc);
	if (c->o->format == CH_REPORT_JSON) {
		ch_json j;
		ch_buf_reset(&c->tmp);
		CH_TRY(ch_report_cert_json(&c->tmp, c->qc.cert, &nm, NULL, false));
		if (c->n)
			CH_TRY(ch_buf_puts(&c->b, ",\n    "));
		ch_json_init(&j, &c->b, false);
		ch_json_raw(&j, c->tmp.data, c->tmp.len);
		CH_TRY(ch_json_finish(&j));
	} else {
		CH_TRY(ch_report_cert(c->rep, c->qc.cert, &nm, NULL));
	}
out:
	return err;
}

static ch_err cert_out(certout *c, const ch_store_summary *r)
{
	ch_err err;

	if (c->o->format == CH_REPORT_TABLE)
		err = table_row(&c->b, r);
	else
		err = cert_record(c, r);
	if (err == CH_OK)
		c->n++;
	return err;
}

static int run_certs(ch_store *s, const ch_filter *f, const sopts *o)
{
	certout c = {.o = o, .s = s};
	ch_store_page *pg = NULL;
	char cursor[CH_STORE_CURSOR_MAX] = "";
	ch_err err = CH_OK;
	int rc = -1;

	ch_buf_init(&c.b, 1 << 24);
	ch_buf_init(&c.tmp, 1 << 24);
	if (o->after)
		snprintf(cursor, sizeof cursor, "%s", o->after);
	if (o->format == CH_REPORT_NDJSON || o->format == CH_REPORT_CSV)
		CH_TRY(ch_report_open(&c.rep, o->format, stdout, 0));
	if (o->format == CH_REPORT_JSON)
		CH_TRY(ch_buf_puts(&c.b, "{\n  \"results\": [\n    "));
	do {
		err = ch_store_search(s, &pg, f, o->limit, cursor[0] ? cursor : NULL);
		if (err) {
			rc = store_fail(err);
			goto out;
		}
		if (o->format == CH_REPORT_TABLE && c.n == 0 && pg->num_items)
			CH_TRY(ch_buf_printf(&c.b, "%-16s  %-10s  %-10s  %-7s  %-30s  %s\n", "SHA256",
					     "NOT_BEFORE", "NOT_AFTER", "KIND", "ISSUER", "NAMES"));
		for (size_t i = 0; i < pg->num_items; i++) {
			CH_TRY(cert_out(&c, &pg->items[i]));
			if (c.b.len > (1u << 16)) {
				if (!chq_write(&c.b)) {
					rc = write_fail();
					goto out;
				}
				ch_buf_reset(&c.b);
			}
		}
		snprintf(cursor, sizeof cursor, "%s", pg->cursor);
		ch_store_page_free(pg);
		pg = NULL;
	} while (cursor[0] && o->all);
	if (o->format == CH_REPORT_JSON)
		CH_TRY(json_tail(&c.b, cursor));
	else if (cursor[0])
		more(cursor);
	if (!chq_write(&c.b))
		rc = write_fail();
	err = ch_report_close(c.rep);
	c.rep = NULL;
	if (err == CH_OK && fflush(stdout) != 0)
		err = ch_error_set(CH_ERR_IO, "writing the results failed");
out:
	if (err && rc < 0)
		rc = ch_cli_fail(CH_EXIT_ENV, "search: %s", ch_error_last());
	ch_store_page_free(pg);
	if (c.rep && ch_report_close(c.rep) != CH_OK) {
		/* already failing: the first error is the one reported */
	}
	ch_query_cert_clear(&c.qc);
	ch_buf_free(&c.b);
	ch_buf_free(&c.tmp);
	return rc >= 0 ? rc : c.n ? CH_EXIT_OK : CH_EXIT_NOTHING;
}

static int run_explain(ch_store *s, const ch_filter *f)
{
	ch_buf b;
	int rc = CH_EXIT_OK;

	ch_buf_init(&b, 1 << 20);
	if (ch_query_describe(&b, f) != CH_OK || ch_buf_putc(&b, '\n') != CH_OK ||
	    ch_store_explain(s, &b, f) != CH_OK)
		rc = ch_cli_fail(CH_EXIT_ENV, "search: %s", ch_error_last());
	else if (!chq_write(&b))
		rc = write_fail();
	ch_buf_free(&b);
	return rc;
}

/* ch_cmd_search: certhound search [options] QUERY... */
int ch_cmd_search(ch_cli *cli, int argc, char **argv)
{
	sopts o = {.now = ch_time_now()};
	ch_filter *f = NULL;
	ch_store *s = NULL;
	int rc;

	ch_buf_init(&o.query, MAX_QUERY_ARGS_BYTES);
	if ((rc = parse_args(&o, argc, argv)) >= 0)
		goto out;
	if (ch_query_parse(&f, NULL, o.query.data, o.query.len, o.now) != CH_OK) {
		rc = ch_cli_fail(CH_EXIT_USAGE, "search: %s", ch_error_last());
		goto out;
	}
	if ((rc = chq_open_store(cli, "search", &s)) >= 0)
		goto out;
	if (o.explain)
		rc = run_explain(s, f);
	else if (o.names)
		rc = run_names(s, f, &o);
	else if (o.count)
		rc = run_count(s, f, &o);
	else
		rc = run_certs(s, f, &o);
out:
	ch_store_close(s);
	ch_filter_free(f);
	ch_buf_free(&o.query);
	return rc;
}
