/* Detect alerts as NDJSON / JSON / CSV / table (certhound/report_detect.h). */
#include "report/internal.h"

#include <certhound/report_detect.h>

#include <inttypes.h>
#include <string.h>

static int64_t secs(int64_t ms)
{
	return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
}

static void json_time(ch_json *j, int64_t ms)
{
	if (ms == INT64_MIN)
		ch_json_null(j);
	else
		ch_json_time(j, secs(ms));
}

static void text_time(char out[21], int64_t ms)
{
	if (ms == INT64_MIN)
		snprintf(out, 21, "-");
	else
		ch_time_format(out, secs(ms));
}

static ch_err alert_json(ch_buf *out, const ch_detect_alert *a, bool pretty)
{
	ch_err err;
	ch_json j;

	ch_json_init(&j, out, pretty);
	ch_json_obj_begin(&j);
	ch_json_key(&j, "time");
	json_time(&j, a->time_ms);
	ch_json_key(&j, "host");
	ch_json_cstr(&j, a->host);
	ch_json_key(&j, "user");
	ch_json_cstr(&j, a->user);
	ch_json_key(&j, "process");
	ch_json_cstr(&j, a->process);
	ch_json_key(&j, "parent");
	ch_json_cstr(&j, a->parent);
	ch_json_key(&j, "command_line");
	ch_json_cstr(&j, a->command_line);
	ch_json_key(&j, "category");
	ch_json_cstr(&j, a->category);
	ch_json_key(&j, "rule");
	ch_json_cstr(&j, a->rule);
	ch_json_key(&j, "severity");
	ch_json_cstr(&j, a->severity);
	ch_json_key(&j, "confidence");
	ch_json_cstr(&j, a->confidence);
	ch_json_key(&j, "count");
	ch_json_uint(&j, a->count);
	ch_json_key(&j, "first_seen");
	json_time(&j, a->first_seen_ms);
	ch_json_key(&j, "last_seen");
	json_time(&j, a->last_seen_ms);
	ch_json_key(&j, "source");
	ch_json_obj_begin(&j);
	ch_json_key(&j, "file");
	ch_json_cstr(&j, a->file);
	ch_json_key(&j, "line");
	ch_json_uint(&j, a->line);
	ch_json_obj_end(&j);
	ch_json_obj_end(&j);
	CH_TRY(ch_json_finish(&j));
	err = ch_buf_putc(out, '\n');
out:
	return err;
}

ch_err ch_report_alert_csv_header(ch_buf *out)
{
	return ch_buf_puts(out, "time,host,user,process,parent,command_line,category,rule,severity,"
				"confidence,count,first_seen,last_seen,source_file,source_line\r\n");
}

static ch_err csv_str(ch_buf *out, const char *s, bool comma)
{
	ch_err err = ch_report_csv_field(out, s, strlen(s));
	if (err == CH_OK && comma)
		err = ch_buf_putc(out, ',');
	return err;
}

static ch_err alert_csv(ch_buf *out, const ch_detect_alert *a)
{
	ch_err err;
	char t[21], f[21], l[21];

	text_time(t, a->time_ms);
	text_time(f, a->first_seen_ms);
	text_time(l, a->last_seen_ms);
	CH_TRY(csv_str(out, t, true));
	CH_TRY(csv_str(out, a->host, true));
	CH_TRY(csv_str(out, a->user, true));
	CH_TRY(csv_str(out, a->process, true));
	CH_TRY(csv_str(out, a->parent, true));
	CH_TRY(csv_str(out, a->command_line, true));
	CH_TRY(csv_str(out, a->category, true));
	CH_TRY(csv_str(out, a->rule, true));
	CH_TRY(csv_str(out, a->severity, true));
	CH_TRY(csv_str(out, a->confidence, true));
	CH_TRY(ch_buf_printf(out, "%" PRIu64 ",", a->count));
	CH_TRY(csv_str(out, f, true));
	CH_TRY(csv_str(out, l, true));
	CH_TRY(csv_str(out, a->file, true));
	CH_TRY(ch_buf_printf(out, "%" PRIu64 "\r\n", a->line));
out:
	return err;
}

static ch_err row(ch_buf *out, const char *label, const char *v)
{
	ch_err err;

	CH_TRY(ch_buf_printf(out, "  %-9s ", label));
	CH_TRY(ch_report_text_safe(out, v, strlen(v), NULL));
	err = ch_buf_putc(out, '\n');
out:
	return err;
}

static ch_err alert_table(ch_buf *out, const ch_detect_alert *a, bool first)
{
	ch_err err;
	char f[21], l[21];

	text_time(f, a->first_seen_ms);
	text_time(l, a->last_seen_ms);
	if (!first)
		CH_TRY(ch_buf_putc(out, '\n'));
	CH_TRY(ch_buf_printf(out, "%s  %s  severity %s  confidence %s  count %" PRIu64 "\n", f,
			     a->category, a->severity, a->confidence, a->count));
	CH_TRY(row(out, "host", a->host));
	CH_TRY(row(out, "user", a->user));
	CH_TRY(row(out, "process", a->process));
	CH_TRY(row(out, "parent", a->parent));
	CH_TRY(row(out, "command", a->command_line));
	CH_TRY(row(out, "rule", a->rule));
	if (a->count > 1)
		CH_TRY(ch_buf_printf(out, "  %-9s %s .. %s\n", "seen", f, l));
	CH_TRY(ch_buf_printf(out, "  %-9s ", "source"));
	CH_TRY(ch_report_text_safe(out, a->file, strlen(a->file), NULL));
	err = ch_buf_printf(out, ":%" PRIu64 "\n", a->line);
out:
	return err;
}

ch_err ch_report_alert(ch_buf *out, ch_report_format format, const ch_detect_alert *a, bool first)
{
	switch (format) {
	case CH_REPORT_JSON:
	case CH_REPORT_NDJSON:
		return alert_json(out, a, format == CH_REPORT_JSON);
	case CH_REPORT_CSV:
		return alert_csv(out, a);
	case CH_REPORT_TABLE:
		return alert_table(out, a, first);
	}
	return ch_error_set(CH_ERR_INVALID, "report: bad format");
}
