/* certhound stats: what the store holds. */
#include "cli.h"

#include <certhound/report.h>
#include <certhound/store.h>

#include <string.h>

#include "cli/query_common.h"

static void stats_usage(FILE *f)
{
	fputs("usage: certhound stats [--format table|json|ndjson|csv]\n"
	      "\n"
	      "What the store holds: certificates (precertificates included), precertificates,\n"
	      "distinct host names and registrable domains, sightings, sighting sources, CT logs,\n"
	      "DER bytes stored and before compression, and the schema version.\n"
	      "The json object has at least {\"certificates\", \"precertificates\", \"names\",\n"
	      "\"sightings\", \"logs\"}. Exit status: 0, or 5 when the store cannot be read.\n",
	      f);
}

static void json_stats(ch_json *j, const ch_store_stats *st, const char *path, const char *backend)
{
	ch_json_obj_begin(j);
	ch_json_key(j, "certificates");
	ch_json_uint(j, st->certificates);
	ch_json_key(j, "precertificates");
	ch_json_uint(j, st->precertificates);
	ch_json_key(j, "names");
	ch_json_uint(j, st->names);
	ch_json_key(j, "domains");
	ch_json_uint(j, st->domains);
	ch_json_key(j, "sightings");
	ch_json_uint(j, st->sightings);
	ch_json_key(j, "sources");
	ch_json_uint(j, st->sources);
	ch_json_key(j, "logs");
	ch_json_uint(j, st->logs);
	ch_json_key(j, "der_bytes");
	ch_json_uint(j, st->der_bytes);
	ch_json_key(j, "der_raw_bytes");
	ch_json_uint(j, st->der_raw_bytes);
	ch_json_key(j, "schema_version");
	ch_json_int(j, st->schema_version);
	ch_json_key(j, "backend");
	ch_json_cstr(j, backend);
	ch_json_key(j, "path");
	ch_json_cstr(j, path);
	ch_json_obj_end(j);
}

static ch_err table_stats(ch_buf *b, const ch_store_stats *st, const char *path,
			  const char *backend, bool csv)
{
	const struct {
		const char *label;
		uint64_t v;
	} rows[] = {
		{"certificates", st->certificates}, {"precertificates", st->precertificates},
		{"names", st->names},               {"domains", st->domains},
		{"sightings", st->sightings},       {"sources", st->sources},
		{"logs", st->logs},                 {"der_bytes", st->der_bytes},
		{"der_raw_bytes", st->der_raw_bytes},
	};
	ch_err err = CH_OK;

	if (csv) {
		/* one header line and one row, RFC 4180 */
		for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
			CH_TRY(ch_buf_printf(b, "%s%s", i ? "," : "", rows[i].label));
		CH_TRY(ch_buf_puts(b, "\r\n"));
		for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
			CH_TRY(ch_buf_printf(b, "%s%llu", i ? "," : "", (unsigned long long)rows[i].v));
		err = ch_buf_puts(b, "\r\n");
		goto out;
	}
	CH_TRY(ch_buf_puts(b, "store            "));
	CH_TRY(ch_report_text_safe(b, path, strlen(path), NULL));
	CH_TRY(ch_buf_printf(b, " (%s, schema %d)\n", backend, st->schema_version));
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++)
		CH_TRY(ch_buf_printf(b, "%-16s %llu\n", rows[i].label, (unsigned long long)rows[i].v));
out:
	return err;
}

/* ch_cmd_stats: certhound stats [--format F] */
int ch_cmd_stats(ch_cli *cli, int argc, char **argv)
{
	ch_report_format format = 0;
	ch_store *s = NULL;
	ch_store_stats st;
	ch_buf b;
	ch_json j;
	ch_err err = CH_OK;
	int rc = -1;

	ch_buf_init(&b, 1 << 20);
	for (int i = 1; i < argc && rc < 0; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			stats_usage(stdout);
			rc = CH_EXIT_OK;
		} else if (!strcmp(argv[i], "--format") && i + 1 < argc) {
			rc = chq_parse_format("stats", argv[++i], &format);
		} else if (!strncmp(argv[i], "--format=", 9)) {
			rc = chq_parse_format("stats", argv[i] + 9, &format);
		} else {
			stats_usage(stderr);
			rc = ch_cli_fail(CH_EXIT_USAGE, "stats: unexpected argument '%s'", argv[i]);
		}
	}
	if (rc >= 0)
		goto out;
	if (!format)
		format = ch_report_format_default(stdout);
	if ((rc = chq_open_store(cli, "stats", &s)) >= 0)
		goto out;
	err = ch_store_stats_get(s, &st);
	if (err) {
		rc = ch_cli_fail(CH_EXIT_ENV, "stats: %s", ch_error_last());
		goto out;
	}
	if (format == CH_REPORT_TABLE || format == CH_REPORT_CSV) {
		err = table_stats(&b, &st, ch_cli_db_path(cli), ch_store_backend(s),
				  format == CH_REPORT_CSV);
	} else {
		ch_json_init(&j, &b, format == CH_REPORT_JSON);
		json_stats(&j, &st, ch_cli_db_path(cli), ch_store_backend(s));
		err = ch_json_finish(&j);
		if (err == CH_OK)
			err = ch_buf_putc(&b, '\n');
	}
	if (err)
		rc = ch_cli_fail(CH_EXIT_ENV, "stats: %s", ch_error_last());
	else if (!chq_write(&b) || fflush(stdout) != 0)
		rc = ch_cli_fail(CH_EXIT_ENV, "stats: writing the output failed");
	else
		rc = CH_EXIT_OK;
out:
	ch_store_close(s);
	ch_buf_free(&b);
	return rc;
}
