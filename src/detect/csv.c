/* Microsoft Defender DeviceProcessEvents exported as CSV (advanced hunting "Export"): RFC 4180
 * rows under a header naming the columns (Timestamp, DeviceName, AccountName, FileName,
 * FolderPath, ProcessCommandLine, InitiatingProcessFileName, ...). Quoted fields may span lines;
 * a row is at most CH_PROCEV_RECORD_MAX bytes. Columns are found by name through the same map
 * as Defender JSON (json_fields.c), so their order does not matter. */
#include "detect/internal.h"

#include <stdlib.h>
#include <string.h>

#define CSV_MAX_COLS 512

struct csv_state {
	int num_cols;
	int map[CSV_MAX_COLS]; /* json map index per column, or -1 */
	bool header_done;
	bool dead;             /* the header was unusable: read nothing more */
};

void ch_detect__csv_free(csv_state *s)
{
	free(s);
}

/* Finds the end of one row in p[0..n): returns its length including the line end, 0 if the row
 * runs past n. Counts fields into *out_cols. */
static size_t row_end(const char *p, size_t n, bool at_eof, int *out_cols)
{
	bool q = false;
	int cols = 1;

	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (q) {
			if (c == '"') {
				if (i + 1 < n && p[i + 1] == '"')
					i++;
				else if (i + 1 >= n && !at_eof)
					return 0;
				else
					q = false;
			}
		} else if (c == '"') {
			q = true;
		} else if (c == ',') {
			cols++;
		} else if (c == '\n') {
			*out_cols = cols;
			return i + 1;
		}
	}
	*out_cols = cols;
	return at_eof ? n : 0;
}

/* Calls back for each field of the row p[0..n) (line end included), unquoting. */
typedef ch_err (*field_cb)(ch_procev_reader *r, int col, const char *s, size_t n, bool quoted);

static ch_err each_field(ch_procev_reader *r, const char *p, size_t n, field_cb cb,
			 const char **why)
{
	ch_err err = CH_OK;
	size_t i = 0;
	int col = 0;

	if (n > 0 && p[n - 1] == '\n')
		n--;
	if (n > 0 && p[n - 1] == '\r')
		n--;
	for (;;) {
		if (i < n && p[i] == '"') {
			size_t start = ++i, j;
			/* quoted: find the closing quote, "" inside stands for one quote */
			for (j = start; j < n; j++) {
				if (p[j] == '"') {
					if (j + 1 < n && p[j + 1] == '"')
						j++;
					else
						break;
				}
			}
			if (j >= n) {
				*why = "unterminated quoted field";
				return CH_ERR_PARSE;
			}
			CH_TRY(cb(r, col, p + start, j - start, true));
			i = j + 1;
			if (i < n && p[i] != ',') {
				*why = "text after a closing quote";
				return CH_ERR_PARSE;
			}
		} else {
			const char *comma = memchr(p + i, ',', n - i);
			size_t e = comma ? (size_t)(comma - p) : n;
			CH_TRY(cb(r, col, p + i, e - i, false));
			i = e;
		}
		if (i >= n)
			break;
		i++; /* the comma */
		col++;
	}
out:
	if (err != CH_OK && !*why)
		*why = ch_error_last();
	return err;
}

static ch_err header_cb(ch_procev_reader *r, int col, const char *s, size_t n, bool quoted)
{
	(void)quoted;
	if (col >= CSV_MAX_COLS)
		return CH_OK;
	if (col == 0 && n >= 3 && !memcmp(s, "\xef\xbb\xbf", 3)) {
		s += 3;
		n -= 3;
	}
	if (n > 6 && !memcmp(s + n - 6, " [UTC]", 6))
		n -= 6;
	r->csv->map[col] = ch_detect__json_field(JF_DEFENDER, s, n);
	return CH_OK;
}

static ch_err value_cb(ch_procev_reader *r, int col, const char *s, size_t n, bool quoted)
{
	ch_err err = CH_OK;
	int m, f;

	if (col >= r->csv->num_cols || (m = r->csv->map[col]) < 0)
		goto out;
	f = ch_detect__json_map_field(m);
	if (!quoted) {
		err = ch_detect__field_set(r, f, s, n);
		goto out;
	}
	CH_TRY(ch_detect__field_set(r, f, "", 0));
	for (size_t i = 0; i < n;) {
		const char *q = memchr(s + i, '"', n - i);
		size_t run = q ? (size_t)(q - (s + i)) + 1 : n - i; /* include one quote of "" */
		CH_TRY(ch_detect__field_append(r, f, s + i, run));
		i += run + (q ? 1 : 0);
	}
out:
	return err;
}

ch_err ch_detect__csv_next(ch_procev_reader *r, ch_procev_item *out)
{
	dsrc *s = &r->src;

	if (!r->csv) {
		r->csv = calloc(1, sizeof *r->csv);
		if (!r->csv)
			return ch_error_set(CH_ERR_NOMEM, "out of memory");
	}
	if (r->csv->dead)
		return CH_ERR_EOF;
	for (;;) {
		size_t have = ch_detect__src_fill(s, 64 << 10), len;
		const char *p, *why = NULL;
		uint64_t line = s->line;
		int cols = 0;

		for (;;) {
			p = (const char *)s->buf + s->start;
			len = row_end(p, have, s->eof, &cols);
			if (len > 0 || s->eof || have >= CH_PROCEV_RECORD_MAX)
				break;
			have = ch_detect__src_fill(s, have * 2);
		}
		if (have == 0)
			return CH_ERR_EOF;
		if (len == 0) {
			const char *l;
			size_t ln;
			bool tl;
			ch_detect__bad(r, out, line, "row longer than %zu bytes", CH_PROCEV_RECORD_MAX);
			(void)ch_detect__src_line(s, &l, &ln, &tl);
			return CH_OK;
		}
		if (len <= 2 && (p[0] == '\n' || p[0] == '\r')) { /* blank line */
			ch_detect__src_skip(s, len);
			continue;
		}
		ch_detect__fields_reset(r);
		if (!r->csv->header_done) {
			bool usable = false;
			r->csv->header_done = true;
			r->csv->num_cols = cols < CSV_MAX_COLS ? cols : CSV_MAX_COLS;
			for (int i = 0; i < CSV_MAX_COLS; i++)
				r->csv->map[i] = -1;
			if (each_field(r, p, len, header_cb, &why) != CH_OK)
				usable = false;
			else
				for (int i = 0; i < r->csv->num_cols; i++) {
					int m = r->csv->map[i];
					if (m >= 0 && (ch_detect__json_map_field(m) == F_CMD ||
						       ch_detect__json_map_field(m) == F_NAME))
						usable = true;
				}
			ch_detect__src_skip(s, len);
			if (!usable) {
				r->csv->dead = true;
				ch_detect__bad(r, out, line,
					       "not a DeviceProcessEvents CSV header (no FileName or "
					       "ProcessCommandLine column)");
				return CH_OK;
			}
			continue;
		}
		if (cols != r->csv->num_cols) {
			ch_detect__src_skip(s, len);
			ch_detect__bad(r, out, line, "row has %d fields, the header %d", cols,
				       r->csv->num_cols);
			return CH_OK;
		}
		if (each_field(r, p, len, value_cb, &why) != CH_OK) {
			ch_detect__src_skip(s, len);
			ch_detect__bad(r, out, line, "%s", why ? why : "unreadable row");
			return CH_OK;
		}
		ch_detect__src_skip(s, len);
		if (r->set[F_ACTION] && *r->field[F_ACTION].data &&
		    strcmp(r->field[F_ACTION].data, "ProcessCreated") != 0) {
			r->skipped++;
			continue;
		}
		ch_detect__emit_proc(r, out, line);
		return CH_OK;
	}
}
