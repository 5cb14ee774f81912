/* ch_report: a stream of records in one format over a FILE*. */
#include "report/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* One record's text may grow this large (a 16 MiB certificate of escapes, at worst). */
#define REPORT_RECORD_MAX ((size_t)256 << 20)

struct ch_report {
	ch_report_format format;
	unsigned flags;
	FILE *f;
	ch_buf buf;       /* one record, reused */
	uint64_t count;
	int64_t now;      /* for the table's "expired" note */
	ch_err write_err; /* sticky */
	ch_report_namer *namer; /* made on first use */
};

static const char *const format_names[] = {
	[CH_REPORT_TABLE] = "table",
	[CH_REPORT_JSON] = "json",
	[CH_REPORT_NDJSON] = "ndjson",
	[CH_REPORT_CSV] = "csv",
};

ch_err ch_report_format_parse(ch_report_format *out, const char *name)
{
	for (int f = CH_REPORT_TABLE; f <= CH_REPORT_CSV; f++) {
		if (name && strcmp(name, format_names[f]) == 0) {
			*out = (ch_report_format)f;
			return CH_OK;
		}
	}
	return ch_error_set(CH_ERR_INVALID, "unknown format '%s' (use table, json, ndjson or csv)",
			    name ? name : "");
}

const char *ch_report_format_name(ch_report_format f)
{
	return f >= CH_REPORT_TABLE && f <= CH_REPORT_CSV ? format_names[f] : "?";
}

ch_report_format ch_report_format_default(FILE *f)
{
	return isatty(fileno(f)) ? CH_REPORT_TABLE : CH_REPORT_NDJSON;
}

ch_err ch_report_open(ch_report **out, ch_report_format format, FILE *f, unsigned flags)
{
	ch_err err = CH_OK;
	ch_report *r = NULL;

	*out = NULL;
	if (format < CH_REPORT_TABLE || format > CH_REPORT_CSV || !f) {
		err = ch_error_set(CH_ERR_INVALID, "report: bad format or stream");
		goto out;
	}
	r = calloc(1, sizeof *r);
	if (!r) {
		err = ch_error_set(CH_ERR_NOMEM, "report: out of memory");
		goto out;
	}
	r->format = format;
	r->flags = flags;
	r->f = f;
	r->now = ch_time_now();
	ch_buf_init(&r->buf, REPORT_RECORD_MAX);
	if (format == CH_REPORT_CSV && !(flags & CH_REPORT_NO_HEADER)) {
		CH_TRY(ch_report__cert_csv_header(&r->buf));
		if (fwrite(r->buf.data, 1, r->buf.len, f) != r->buf.len)
			err = ch_error_set(CH_ERR_IO, "writing the report: %s", strerror(errno));
	}
	*out = r;
	r = NULL;
out:
	if (r) {
		ch_buf_free(&r->buf);
		free(r);
	}
	return err;
}

ch_err ch_report_cert(ch_report *r, const ch_cert *c, const ch_report_names *names,
		      const ch_report_source *src)
{
	ch_err err = CH_OK;
	ch_json j;

	if (r->write_err != CH_OK) {
		err = r->write_err;
		goto out;
	}
	if (!names) {
		if (!r->namer)
			CH_TRY(ch_report_namer_new(&r->namer));
		CH_TRY(ch_report_namer_get(r->namer, &names, c));
	}
	ch_buf_reset(&r->buf);
	switch (r->format) {
	case CH_REPORT_JSON:
	case CH_REPORT_NDJSON:
		ch_json_init(&j, &r->buf, r->format == CH_REPORT_JSON);
		ch_report__cert_json(&j, c, names, src);
		CH_TRY(ch_json_finish(&j));
		CH_TRY(ch_buf_putc(&r->buf, '\n'));
		break;
	case CH_REPORT_CSV:
		CH_TRY(ch_report__cert_csv(&r->buf, c, names, src));
		break;
	case CH_REPORT_TABLE:
		if (r->flags & CH_REPORT_COMPACT) {
			CH_TRY(ch_report__cert_line(&r->buf, c, names, src));
		} else {
			if (r->count > 0)
				CH_TRY(ch_buf_putc(&r->buf, '\n'));
			CH_TRY(ch_report__cert_table(&r->buf, c, names, src, r->now));
		}
		break;
	}
	if (fwrite(r->buf.data, 1, r->buf.len, r->f) != r->buf.len) {
		err = r->write_err = ch_error_set(CH_ERR_IO, "writing the report: %s", strerror(errno));
		goto out;
	}
	r->count++;
out:
	return err;
}

uint64_t ch_report_count(const ch_report *r)
{
	return r->count;
}

ch_err ch_report_close(ch_report *r)
{
	ch_err err = CH_OK;

	if (!r)
		goto out;
	err = r->write_err;
	if (fflush(r->f) != 0 || ferror(r->f)) {
		if (err == CH_OK)
			err = ch_error_set(CH_ERR_IO, "writing the report: %s", strerror(errno));
	}
	ch_report_namer_free(r->namer);
	ch_buf_free(&r->buf);
	free(r);
out:
	return err;
}
