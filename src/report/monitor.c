/* report: monitor alerts as NDJSON, indented JSON or one table line each. */
#include "internal.h"

#include <certhound/report_monitor.h>

#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define ALERT_LINE_MAX (1u << 20)

static ch_err put_safe(ch_buf *b, const char *s)
{
	return ch_report_text_safe(b, s ? s : "-", strlen(s ? s : "-"), NULL);
}

static ch_err table_line(ch_buf *b, json_t *d)
{
	json_t *names = json_object_get(d, "names"), *w = json_object_get(d, "watch"), *v;
	json_t *dist = json_object_get(d, "distance");
	size_t i;
	ch_err err = CH_OK;

	CH_TRY(ch_buf_printf(b, "%-15s ", json_string_value(json_object_get(d, "rule"))));
	json_array_foreach(names, i, v) {
		if (i >= 4) {
			CH_TRY(ch_buf_printf(b, " (+%zu)", json_array_size(names) - 4));
			break;
		}
		CH_TRY(ch_buf_puts(b, i ? "," : ""));
		CH_TRY(put_safe(b, json_string_value(v)));
	}
	CH_TRY(ch_buf_puts(b, "  watch "));
	CH_TRY(put_safe(b, json_string_value(json_object_get(w, "kind"))));
	CH_TRY(ch_buf_puts(b, ":"));
	CH_TRY(put_safe(b, json_string_value(json_object_get(w, "value"))));
	if (json_is_integer(dist))
		CH_TRY(ch_buf_printf(b, "  distance %lld", (long long)json_integer_value(dist)));
	CH_TRY(ch_buf_printf(b, "  %.16s  ", json_string_value(json_object_get(d, "sha256"))));
	CH_TRY(put_safe(b, json_string_value(json_object_get(d, "issuer"))));
	if (json_is_string(json_object_get(d, "detail"))) {
		CH_TRY(ch_buf_puts(b, "  ("));
		CH_TRY(put_safe(b, json_string_value(json_object_get(d, "detail"))));
		CH_TRY(ch_buf_puts(b, ")"));
	}
	CH_TRY(ch_buf_puts(b, "\n"));
out:
	return err;
}

ch_err ch_report_monitor_alert(FILE *f, ch_report_format format, const char *json, size_t len)
{
	json_t *d = NULL;
	ch_buf b;
	ch_err err = CH_OK;
	char *pretty = NULL;

	ch_buf_init(&b, ALERT_LINE_MAX);
	if (format == CH_REPORT_NDJSON || format == CH_REPORT_CSV) {
		CH_TRY(ch_buf_append(&b, json, len));
		CH_TRY(ch_buf_putc(&b, '\n'));
	} else {
		if (!(d = json_loadb(json, len, 0, NULL)) || !json_is_object(d))
			CH_TRY(ch_error_set(CH_ERR_PARSE, "monitor: not an alert"));
		if (format == CH_REPORT_TABLE) {
			CH_TRY(table_line(&b, d));
		} else {
			if (!(pretty = json_dumps(d, JSON_INDENT(2) | JSON_PRESERVE_ORDER)))
				CH_TRY(ch_error_set(CH_ERR_NOMEM, "out of memory"));
			CH_TRY(ch_buf_puts(&b, pretty));
			CH_TRY(ch_buf_putc(&b, '\n'));
		}
	}
	if (fwrite(b.data, 1, b.len, f) != b.len || fflush(f) != 0)
		err = ch_error_set(CH_ERR_IO, "writing alerts: %s", strerror(errno));
out:
	free(pretty);
	json_decref(d);
	ch_buf_free(&b);
	return err;
}
