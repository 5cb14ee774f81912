/* report: corroborate results (CONTRACT.md "Corroborate") as JSON, NDJSON, CSV and a table. */
#include "internal.h"

#include <certhound/report_corroborate.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define CORR_RECORD_MAX (16u << 20)

static void json_time_or_null(ch_json *j, int64_t t)
{
	if (t == CH_OBS_NO_TIME)
		ch_json_null(j);
	else
		ch_json_time(j, t);
}

static void result_json(ch_json *j, const ch_corr_result *r)
{
	ch_json_obj_begin(j);
	ch_json_key(j, "indicator");
	ch_json_cstr(j, r->indicator);
	ch_json_key(j, "kind");
	ch_json_cstr(j, ch_corr_kind_name(r->kind));
	ch_json_key(j, "verdict");
	ch_json_cstr(j, ch_verdict_name(r->verdict));
	ch_json_key(j, "hosts");
	ch_json_arr_begin(j);
	for (size_t i = 0; i < r->num_hosts; i++)
		ch_json_cstr(j, r->hosts[i]);
	ch_json_arr_end(j);
	ch_json_key(j, "hosts_truncated");
	ch_json_bool(j, r->hosts_truncated);
	ch_json_key(j, "first_seen");
	json_time_or_null(j, r->first_seen);
	ch_json_key(j, "last_seen");
	json_time_or_null(j, r->last_seen);
	ch_json_key(j, "count");
	ch_json_uint(j, r->count);
	ch_json_key(j, "counts");
	ch_json_obj_begin(j);
	ch_json_key(j, "resolved");
	ch_json_uint(j, r->count_by[CH_VERDICT_RESOLVED]);
	ch_json_key(j, "contacted");
	ch_json_uint(j, r->count_by[CH_VERDICT_CONTACTED]);
	ch_json_key(j, "tls-session");
	ch_json_uint(j, r->count_by[CH_VERDICT_TLS]);
	ch_json_obj_end(j);
	ch_json_key(j, "attack");
	ch_json_arr_begin(j);
	for (size_t i = 0; i < r->num_attack; i++)
		ch_json_cstr(j, r->attack[i]);
	ch_json_arr_end(j);
	ch_json_key(j, "evidence");
	ch_json_arr_begin(j);
	for (size_t i = 0; i < r->num_evidence; i++) {
		const ch_corr_evidence *e = &r->evidence[i];
		ch_json_obj_begin(j);
		ch_json_key(j, "file");
		ch_json_cstr(j, e->file);
		ch_json_key(j, "line");
		ch_json_uint(j, e->line);
		ch_json_key(j, "time");
		json_time_or_null(j, e->time);
		ch_json_key(j, "shows");
		ch_json_cstr(j, ch_verdict_name(e->verdict));
		ch_json_key(j, "log");
		ch_json_cstr(j, e->log);
		ch_json_key(j, "matched");
		ch_json_cstr(j, e->matched);
		ch_json_key(j, "host");
		ch_json_cstr(j, e->host);
		ch_json_obj_end(j);
	}
	ch_json_arr_end(j);
	ch_json_key(j, "evidence_total");
	ch_json_uint(j, r->count);
	ch_json_key(j, "source");
	ch_json_cstr(j, r->source);
	ch_json_obj_end(j);
}

ch_err ch_report_corr_result_json(ch_buf *out, const ch_corr_result *r, bool pretty)
{
	ch_json j;

	ch_json_init(&j, out, pretty);
	result_json(&j, r);
	return ch_json_finish(&j);
}

static void summary_json(ch_json *j, const ch_report_corr_summary *s)
{
	ch_json_obj_begin(j);
	ch_json_key(j, "indicators");
	ch_json_uint(j, s->indicators);
	ch_json_key(j, "with_evidence");
	ch_json_uint(j, s->with_evidence);
	ch_json_key(j, "files");
	ch_json_uint(j, s->files);
	ch_json_key(j, "lines");
	ch_json_uint(j, s->lines);
	ch_json_key(j, "observations");
	ch_json_uint(j, s->observations);
	ch_json_key(j, "bad_lines");
	ch_json_uint(j, s->bad_lines);
	ch_json_key(j, "bad_files");
	ch_json_uint(j, s->bad_files);
	ch_json_obj_end(j);
}

static ch_err flush_buf(FILE *f, ch_buf *b)
{
	if (b->len && fwrite(b->data, 1, b->len, f) != b->len)
		return ch_error_set(CH_ERR_IO, "writing the report: %s", strerror(errno));
	ch_buf_reset(b);
	return CH_OK;
}

static ch_err safe(ch_buf *b, const char *s)
{
	return ch_report_text_safe(b, s, strlen(s), NULL);
}

static ch_err csv_row(ch_buf *b, const ch_corr_result *r)
{
	char t1[21] = "", t2[21] = "", tmp[64];
	ch_buf cell;
	ch_err err = CH_OK;

	ch_buf_init(&cell, CORR_RECORD_MAX);
	if (r->first_seen != CH_OBS_NO_TIME)
		ch_time_format(t1, r->first_seen);
	if (r->last_seen != CH_OBS_NO_TIME)
		ch_time_format(t2, r->last_seen);
	CH_TRY(ch_report_csv_field(b, r->indicator, strlen(r->indicator)));
	CH_TRY(ch_buf_printf(b, ",%s,%s,%" PRIu64 ",", ch_corr_kind_name(r->kind),
			     ch_verdict_name(r->verdict), r->count));
	for (size_t i = 0; i < r->num_hosts; i++)
		CH_TRY(ch_buf_printf(&cell, "%s%s", i ? " " : "", r->hosts[i]));
	CH_TRY(ch_report_csv_field(b, cell.data ? cell.data : "", cell.len));
	CH_TRY(ch_buf_printf(b, ",%s,%s,", t1, t2));
	ch_buf_reset(&cell);
	for (size_t i = 0; i < r->num_attack; i++)
		CH_TRY(ch_buf_printf(&cell, "%s%s", i ? " " : "", r->attack[i]));
	CH_TRY(ch_report_csv_field(b, cell.data ? cell.data : "", cell.len));
	CH_TRY(ch_buf_putc(b, ','));
	ch_buf_reset(&cell);
	for (size_t i = 0; i < r->num_evidence; i++) {
		snprintf(tmp, sizeof tmp, ":%" PRIu64, r->evidence[i].line);
		CH_TRY(ch_buf_printf(&cell, "%s%s%s", i ? " " : "", r->evidence[i].file, tmp));
	}
	CH_TRY(ch_report_csv_field(b, cell.data ? cell.data : "", cell.len));
	CH_TRY(ch_buf_puts(b, "\r\n"));
out:
	ch_buf_free(&cell);
	return err;
}

static ch_err table_row(ch_buf *b, const ch_corr_result *r)
{
	char t1[21] = "-", t2[21] = "-";
	ch_err err = CH_OK;

	if (r->first_seen != CH_OBS_NO_TIME)
		ch_time_format(t1, r->first_seen);
	if (r->last_seen != CH_OBS_NO_TIME)
		ch_time_format(t2, r->last_seen);
	CH_TRY(ch_buf_printf(b, "%-12s %-7s ", ch_verdict_name(r->verdict), ch_corr_kind_name(r->kind)));
	CH_TRY(safe(b, r->indicator));
	if (r->verdict == CH_VERDICT_NONE) {
		err = ch_buf_putc(b, '\n');
		goto out;
	}
	CH_TRY(ch_buf_printf(b, "\n    %" PRIu64 " line%s, %s .. %s, hosts:", r->count,
			     r->count == 1 ? "" : "s", t1, t2));
	for (size_t i = 0; i < r->num_hosts && i < 8; i++) {
		CH_TRY(ch_buf_putc(b, ' '));
		CH_TRY(safe(b, r->hosts[i]));
	}
	if (r->num_hosts > 8 || r->hosts_truncated)
		CH_TRY(ch_buf_puts(b, " ..."));
	if (r->num_hosts == 0)
		CH_TRY(ch_buf_puts(b, " (none logged)"));
	if (r->num_attack) {
		CH_TRY(ch_buf_puts(b, "\n    ATT&CK:"));
		for (size_t i = 0; i < r->num_attack; i++)
			CH_TRY(ch_buf_printf(b, " %s", r->attack[i]));
	}
	for (size_t i = 0; i < r->num_evidence && i < 3; i++) {
		const ch_corr_evidence *e = &r->evidence[i];
		CH_TRY(ch_buf_puts(b, "\n    "));
		CH_TRY(safe(b, e->file));
		CH_TRY(ch_buf_printf(b, ":%" PRIu64 "  %s %s by %s", e->line, ch_verdict_name(e->verdict),
				     e->log, e->matched));
		if (*e->host) {
			CH_TRY(ch_buf_puts(b, " from "));
			CH_TRY(safe(b, e->host));
		}
	}
	{
		uint64_t shown = r->num_evidence < 3 ? r->num_evidence : 3;
		if (r->count > shown)
			CH_TRY(ch_buf_printf(b, "\n    ... %" PRIu64 " more line%s", r->count - shown,
					     r->count - shown == 1 ? "" : "s"));
	}
	CH_TRY(ch_buf_putc(b, '\n'));
out:
	return err;
}

ch_err ch_report_corroborate(FILE *f, ch_report_format format, ch_corroborate *c,
			     const ch_report_corr_summary *sum, bool no_header)
{
	ch_buf b;
	ch_json j;
	ch_err err = CH_OK;
	size_t n = ch_corroborate_count(c);

	ch_buf_init(&b, CORR_RECORD_MAX);
	if (format == CH_REPORT_JSON) {
		ch_json_init(&j, &b, true);
		ch_json_obj_begin(&j);
		ch_json_key(&j, "results");
		ch_json_arr_begin(&j);
	} else if (format == CH_REPORT_CSV && !no_header) {
		CH_TRY(ch_buf_puts(&b, "indicator,kind,verdict,count,hosts,first_seen,last_seen,"
				       "attack,evidence\r\n"));
	}
	for (size_t i = 0; i < n; i++) {
		ch_corr_result r;
		CH_TRY(ch_corroborate_result(c, &r, i));
		if (format == CH_REPORT_JSON) {
			result_json(&j, &r);
			CH_TRY(j.err);
		} else if (format == CH_REPORT_NDJSON) {
			CH_TRY(ch_report_corr_result_json(&b, &r, false));
			CH_TRY(ch_buf_putc(&b, '\n'));
		} else if (format == CH_REPORT_CSV) {
			CH_TRY(csv_row(&b, &r));
		} else {
			CH_TRY(table_row(&b, &r));
		}
		if (b.len > (1u << 20))
			CH_TRY(flush_buf(f, &b));
	}
	if (format == CH_REPORT_JSON) {
		ch_json_arr_end(&j);
		if (sum) {
			ch_json_key(&j, "summary");
			summary_json(&j, sum);
		}
		ch_json_obj_end(&j);
		CH_TRY(ch_json_finish(&j));
		CH_TRY(ch_buf_putc(&b, '\n'));
	} else if (format == CH_REPORT_TABLE && sum) {
		CH_TRY(ch_buf_printf(&b, "\n%" PRIu64 " of %" PRIu64 " indicators with evidence; %" PRIu64
				     " files, %" PRIu64 " lines, %" PRIu64 " bad lines\n",
				     sum->with_evidence, sum->indicators, sum->files, sum->lines,
				     sum->bad_lines));
	}
	CH_TRY(flush_buf(f, &b));
	if (fflush(f) != 0)
		err = ch_error_set(CH_ERR_IO, "writing the report: %s", strerror(errno));
out:
	ch_buf_free(&b);
	return err;
}
