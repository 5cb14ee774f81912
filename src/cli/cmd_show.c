/* certhound show SHA256-or-prefix: one stored certificate in full, with where it was seen, the
 * linked precertificate/certificate and how rare each of its pivotable values is. */
#include "cli.h"

#include <certhound/query.h>
#include <certhound/report.h>
#include <certhound/store.h>
#include <certhound/util.h>

#include <stdlib.h>
#include <string.h>

#include "cli/query_common.h"

static void show_usage(FILE *f)
{
	fputs("usage: certhound show [--format table|json|ndjson|csv] [--no-pem] SHA256\n"
	      "\n"
	      "One stored certificate in full. SHA256 is the certificate's SHA-256 in hex or a\n"
	      "unique prefix of it (at least 4 digits; ':' separators allowed). Prints the\n"
	      "certificate record, the PEM, every sighting (file, CT log entry, scanned host), the\n"
	      "linked precertificate or certificate (same TBS), and for each pivotable value how\n"
	      "many stored certificates share it.\n"
	      "\n"
	      "  --format F   table (default on a terminal), json or ndjson (default otherwise):\n"
	      "               the certificate record with extra members \"pem\", \"sightings\",\n"
	      "               \"total_sightings\", \"linked\" and \"rarity\"; csv: the record only\n"
	      "  --no-pem     leave the PEM out\n"
	      "\n"
	      "Exit status: 0 shown, 1 no such certificate, 2 usage error or ambiguous prefix,\n"
	      "5 store failure.\n",
	      f);
}

static ch_err put_pem(ch_buf *b, const ch_store_record *r)
{
	size_t n = 4 * ((r->der_len + 2) / 3) + 1;
	char *text = malloc(n);
	size_t len;
	ch_err err = CH_OK;

	if (!text)
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	len = ch_base64_encode(text, r->der, r->der_len);
	CH_TRY(ch_buf_puts(b, "-----BEGIN CERTIFICATE-----\n"));
	for (size_t i = 0; i < len; i += 64) {
		CH_TRY(ch_buf_append(b, text + i, len - i < 64 ? len - i : 64));
		CH_TRY(ch_buf_putc(b, '\n'));
	}
	err = ch_buf_puts(b, "-----END CERTIFICATE-----\n");
out:
	free(text);
	return err;
}

static const char *linked_label(const ch_store_record *r)
{
	return (r->summary.flags & CH_STORE_F_PRECERT) ? "certificate" : "precertificate";
}

/* ---- json ---------------------------------------------------------------------------------- */

static void json_sightings(ch_json *j, const ch_store_record *r)
{
	ch_json_key(j, "sightings");
	ch_json_arr_begin(j);
	for (size_t i = 0; i < r->num_sightings; i++) {
		const ch_store_sighting *s = &r->sightings[i];
		ch_json_obj_begin(j);
		ch_json_key(j, "kind");
		ch_json_cstr(j, ch_source_kind_name(s->kind));
		ch_json_key(j, "source");
		ch_json_cstr(j, s->source);
		ch_json_key(j, "index");
		ch_json_int(j, s->index);
		ch_json_key(j, "timestamp");
		if (s->timestamp)
			ch_json_time(j, s->timestamp);
		else
			ch_json_null(j);
		if (s->ip) {
			ch_json_key(j, "ip");
			ch_json_cstr(j, s->ip);
		}
		if (s->port) {
			ch_json_key(j, "port");
			ch_json_int(j, s->port);
		}
		if (s->sni) {
			ch_json_key(j, "sni");
			ch_json_cstr(j, s->sni);
		}
		ch_json_obj_end(j);
	}
	ch_json_arr_end(j);
	ch_json_key(j, "total_sightings");
	ch_json_uint(j, r->total_sightings);
}

static void json_extras(ch_json *j, const ch_store_record *r, const ch_buf *pem)
{
	if (pem) {
		ch_json_key(j, "pem");
		ch_json_str(j, pem->data, pem->len);
	}
	json_sightings(j, r);
	ch_json_key(j, "linked");
	ch_json_arr_begin(j);
	for (size_t i = 0; i < r->num_linked; i++) {
		ch_json_obj_begin(j);
		ch_json_key(j, "kind");
		ch_json_cstr(j, linked_label(r));
		ch_json_key(j, "sha256");
		ch_json_hex(j, r->linked[i], 32);
		ch_json_obj_end(j);
	}
	ch_json_arr_end(j);
	ch_json_key(j, "rarity");
	ch_json_arr_begin(j);
	for (size_t i = 0; i < r->num_values; i++) {
		ch_json_obj_begin(j);
		ch_json_key(j, "attribute");
		ch_json_cstr(j, ch_store_attr_name(r->values[i].attr));
		ch_json_key(j, "value");
		ch_json_cstr(j, r->values[i].text);
		ch_json_key(j, "shared_by");
		ch_json_uint(j, r->values[i].count);
		ch_json_obj_end(j);
	}
	ch_json_arr_end(j);
}

/* The record comes from the report module as a complete object; the extra members are added
 * by reopening it: drop its closing brace and continue as a writer inside that object. */
static ch_err show_json(ch_buf *b, const ch_query_cert *qc, const ch_buf *pem, bool pretty)
{
	ch_report_names nm = chq_names(qc);
	ch_json j;
	ch_err err = CH_OK;

	CH_TRY(ch_report_cert_json(b, qc->cert, &nm, NULL, pretty));
	while (b->len && b->data[b->len - 1] != '}')
		b->len--;
	if (!b->len)
		return ch_error_set(CH_ERR_INVALID, "the record is not a JSON object");
	b->len--;
	while (b->len && (b->data[b->len - 1] == '\n' || b->data[b->len - 1] == ' '))
		b->len--;
	b->data[b->len] = '\0';
	ch_json_init(&j, b, pretty);
	j.depth = 1;
	j.first[1] = false;
	j.is_obj[1] = true;
	json_extras(&j, qc->record, pem);
	ch_json_obj_end(&j);
	CH_TRY(ch_json_finish(&j));
	err = ch_buf_putc(b, '\n');
out:
	return err;
}

/* ---- table --------------------------------------------------------------------------------- */

static ch_err table_extras(ch_buf *b, const ch_store_record *r, const ch_buf *pem)
{
	ch_err err = CH_OK;
	char t[21], hex[65];

	CH_TRY(ch_buf_printf(b, "\nsightings (%llu", (unsigned long long)r->total_sightings));
	if (r->total_sightings > r->num_sightings)
		CH_TRY(ch_buf_printf(b, ", first %zu shown", r->num_sightings));
	CH_TRY(ch_buf_puts(b, "):\n"));
	for (size_t i = 0; i < r->num_sightings; i++) {
		const ch_store_sighting *s = &r->sightings[i];
		if (s->timestamp)
			ch_time_format(t, s->timestamp);
		else
			snprintf(t, sizeof t, "-");
		CH_TRY(ch_buf_printf(b, "  %-9s  %-20s  ", ch_source_kind_name(s->kind), t));
		CH_TRY(ch_report_text_safe(b, s->source, strlen(s->source), NULL));
		CH_TRY(ch_buf_printf(b, "  #%lld", (long long)s->index));
		if (s->ip)
			CH_TRY(ch_buf_printf(b, "  ip %s", s->ip));
		if (s->port)
			CH_TRY(ch_buf_printf(b, "  port %d", s->port));
		if (s->sni) {
			CH_TRY(ch_buf_puts(b, "  sni "));
			CH_TRY(ch_report_text_safe(b, s->sni, strlen(s->sni), NULL));
		}
		CH_TRY(ch_buf_putc(b, '\n'));
	}
	if (r->num_linked) {
		CH_TRY(ch_buf_puts(b, "\nlinked:\n"));
		for (size_t i = 0; i < r->num_linked; i++) {
			ch_hex_encode(hex, r->linked[i], 32);
			CH_TRY(ch_buf_printf(b, "  %-14s  %s\n", linked_label(r), hex));
		}
	}
	CH_TRY(ch_buf_puts(b, "\nrarity (certificates sharing each value):\n"));
	for (size_t i = 0; i < r->num_values; i++) {
		const char *v = r->values[i].text ? r->values[i].text : "";
		CH_TRY(ch_buf_printf(b, "  %-14s  %8llu  ", ch_store_attr_name(r->values[i].attr),
				     (unsigned long long)r->values[i].count));
		CH_TRY(ch_report_text_safe(b, v, strlen(v), NULL));
		CH_TRY(ch_buf_putc(b, '\n'));
	}
	if (pem) {
		CH_TRY(ch_buf_putc(b, '\n'));
		err = ch_buf_append(b, pem->data, pem->len);
	}
out:
	return err;
}

/* show_record prints the record in table (with the extra sections) or csv (the record only). */
static int show_record(const ch_query_cert *qc, const ch_buf *pem, ch_report_format format)
{
	ch_report *rep = NULL;
	ch_report_names nm = chq_names(qc);
	ch_buf b;
	ch_err err = CH_OK;

	ch_buf_init(&b, 1 << 26);
	CH_TRY(ch_report_open(&rep, format, stdout, 0));
	CH_TRY(ch_report_cert(rep, qc->cert, &nm, NULL));
	err = ch_report_close(rep);
	rep = NULL;
	CH_TRY(err);
	if (format == CH_REPORT_TABLE)
		CH_TRY(table_extras(&b, qc->record, pem));
	if (!chq_write(&b) || fflush(stdout) != 0)
		err = ch_error_set(CH_ERR_IO, "writing the output failed");
out:
	if (rep && ch_report_close(rep) != CH_OK) {
		/* already failing: the first error is the one reported */
	}
	ch_buf_free(&b);
	return err ? ch_cli_fail(CH_EXIT_ENV, "show: %s", ch_error_last()) : CH_EXIT_OK;
}

/* strip_colons copies a hex argument without ':' separators. */
static void strip_colons(char *out, size_t cap, const char *in)
{
	size_t k = 0;

	for (; *in && k + 1 < cap; in++)
		if (*in != ':')
			out[k++] = *in;
	out[k] = '\0';
}

/* ch_cmd_show: certhound show [--format F] [--no-pem] SHA256-or-prefix */
int ch_cmd_show(ch_cli *cli, int argc, char **argv)
{
	ch_report_format format = 0;
	const char *id = NULL;
	bool no_pem = false;
	char hex[160];
	ch_query_cert qc = {0};
	ch_store *s = NULL;
	ch_buf pem, b;
	ch_err err;
	int rc = -1;

	ch_buf_init(&pem, 1 << 26);
	ch_buf_init(&b, 1 << 26);
	for (int i = 1; i < argc && rc < 0; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			show_usage(stdout);
			rc = CH_EXIT_OK;
		} else if (!strcmp(a, "--format") && i + 1 < argc) {
			rc = chq_parse_format("show", argv[++i], &format);
		} else if (!strncmp(a, "--format=", 9)) {
			rc = chq_parse_format("show", a + 9, &format);
		} else if (!strcmp(a, "--no-pem")) {
			no_pem = true;
		} else if (a[0] == '-' || id) {
			show_usage(stderr);
			rc = ch_cli_fail(CH_EXIT_USAGE, "show: unexpected argument '%s'", a);
		} else {
			id = a;
		}
	}
	if (rc >= 0)
		goto out;
	if (!id) {
		show_usage(stderr);
		rc = ch_cli_fail(CH_EXIT_USAGE, "show: a certificate SHA-256 (or prefix) is required");
		goto out;
	}
	if (!format)
		format = ch_report_format_default(stdout);
	strip_colons(hex, sizeof hex, id);
	if ((rc = chq_open_store(cli, "show", &s)) >= 0)
		goto out;
	err = ch_query_cert_load(&qc, s, hex);
	if (err) {
		rc = ch_cli_fail(chq_exit_for(err), "show: %s", ch_error_last());
		goto out;
	}
	if (!no_pem && put_pem(&pem, qc.record) != CH_OK) {
		rc = ch_cli_fail(CH_EXIT_ENV, "show: %s", ch_error_last());
		goto out;
	}
	if (format == CH_REPORT_TABLE || format == CH_REPORT_CSV) {
		rc = show_record(&qc, no_pem ? NULL : &pem, format);
		goto out;
	}
	if (show_json(&b, &qc, no_pem ? NULL : &pem, format == CH_REPORT_JSON) != CH_OK)
		rc = ch_cli_fail(CH_EXIT_ENV, "show: %s", ch_error_last());
	else if (!chq_write(&b) || fflush(stdout) != 0)
		rc = ch_cli_fail(CH_EXIT_ENV, "show: writing the output failed");
	else
		rc = CH_EXIT_OK;
out:
	ch_query_cert_clear(&qc);
	ch_store_close(s);
	ch_buf_free(&pem);
	ch_buf_free(&b);
	return rc;
}
