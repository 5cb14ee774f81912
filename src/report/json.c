/* The streaming JSON writer: RFC 8259 output, never invalid UTF-8. */
#include "report/internal.h"

#include <inttypes.h>
#include <string.h>

void ch_json_init(ch_json *j, ch_buf *out, bool pretty)
{
	memset(j, 0, sizeof *j);
	j->out = out;
	j->pretty = pretty;
	j->first[0] = true;
}

static inline __attribute__((always_inline)) void put(ch_json *j, const void *p, size_t n)
{
	ch_buf *b = j->out;

	/* Fast path: room for n bytes and the NUL (cap never exceeds max + 1, so the limit holds). */
	if (j->err == CH_OK && b->cap > b->len && n < b->cap - b->len) {
		memcpy(b->data + b->len, p, n);
		b->len += n;
		b->data[b->len] = '\0';
		return;
	}
	if (j->err == CH_OK)
		j->err = ch_buf_append(b, p, n);
}

static void newline_indent(ch_json *j)
{
	static const char spaces[] = "                                                                ";
	size_t n = (size_t)j->depth * 2;

	put(j, "\n", 1);
	while (n > 0) {
		size_t k = n < sizeof spaces - 1 ? n : sizeof spaces - 1;
		put(j, spaces, k);
		n -= k;
	}
}

/* Everything that precedes a value or a key: the comma, and the line break when pretty. */
static void before_item(ch_json *j, bool is_key)
{
	if (j->err != CH_OK)
		return;
	if (j->after_key) {
		if (is_key)
			j->err = ch_error_set(CH_ERR_INVALID, "json: a key where a value is due");
		j->after_key = false;
		return;
	}
	if (j->depth > 0 && j->is_obj[j->depth] && !is_key) {
		j->err = ch_error_set(CH_ERR_INVALID, "json: a value where a key is due");
		return;
	}
	if (j->depth > 0 && !j->is_obj[j->depth] && is_key) {
		j->err = ch_error_set(CH_ERR_INVALID, "json: a key inside an array");
		return;
	}
	if (!j->first[j->depth])
		put(j, ",", 1);
	j->first[j->depth] = false;
	if (j->pretty && j->depth > 0)
		newline_indent(j);
}

static void open_(ch_json *j, char c, bool obj)
{
	before_item(j, false);
	if (j->err != CH_OK)
		return;
	if (j->depth >= CH_JSON_MAX_DEPTH) {
		j->err = ch_error_set(CH_ERR_LIMIT, "json: nesting deeper than %d", CH_JSON_MAX_DEPTH);
		return;
	}
	put(j, &c, 1);
	j->depth++;
	j->first[j->depth] = true;
	j->is_obj[j->depth] = obj;
}

static void close_(ch_json *j, char c, bool obj)
{
	if (j->err != CH_OK)
		return;
	if (j->depth == 0 || j->is_obj[j->depth] != obj || j->after_key) {
		j->err = ch_error_set(CH_ERR_INVALID, "json: unbalanced '%c'", c);
		return;
	}
	bool empty = j->first[j->depth];
	j->depth--;
	if (j->pretty && !empty)
		newline_indent(j);
	put(j, &c, 1);
}

void ch_json_obj_begin(ch_json *j) { open_(j, '{', true); }
void ch_json_obj_end(ch_json *j) { close_(j, '}', true); }
void ch_json_arr_begin(ch_json *j) { open_(j, '[', false); }
void ch_json_arr_end(ch_json *j) { close_(j, ']', false); }

/* plain[c]: byte c is copied as it is (printable ASCII other than '"' and '\\'). */
static const bool plain[256] = {
	[0x20] = 1, [0x21] = 1, [0x23 ... 0x5b] = 1, [0x5d ... 0x7f] = 1,
};

/* The escaped body of a string, without quotes. Runs of plain bytes are copied in one go. */
static void put_escaped(ch_json *j, const uint8_t *s, size_t len)
{
	static const char hexd[] = "0123456789abcdef";
	size_t run = 0, i = 0;

	while (i < len && j->err == CH_OK) {
		uint8_t c = s[i];
		size_t n;
		char esc[8];
		size_t esc_len = 0;

		if (plain[c]) {
			i++;
			continue;
		}
		if (c >= 0x80) {
			n = ch_report__utf8_len(s + i, len - i);
			if (n > 0) {
				i += n;
				continue;
			}
		}
		/* c needs an escape or is a stray byte: flush the run before it. */
		put(j, s + run, i - run);
		switch (c) {
		case '"': memcpy(esc, "\\\"", 2); esc_len = 2; break;
		case '\\': memcpy(esc, "\\\\", 2); esc_len = 2; break;
		case '\n': memcpy(esc, "\\n", 2); esc_len = 2; break;
		case '\r': memcpy(esc, "\\r", 2); esc_len = 2; break;
		case '\t': memcpy(esc, "\\t", 2); esc_len = 2; break;
		case '\b': memcpy(esc, "\\b", 2); esc_len = 2; break;
		case '\f': memcpy(esc, "\\f", 2); esc_len = 2; break;
		default:
			if (c < 0x20) {
				memcpy(esc, "\\u00", 4);
				esc[4] = hexd[c >> 4];
				esc[5] = hexd[c & 15];
				esc_len = 6;
			} else { /* invalid UTF-8 */
				memcpy(esc, "\xef\xbf\xbd", 3);
				esc_len = 3;
				j->replaced++;
			}
		}
		put(j, esc, esc_len);
		i++;
		run = i;
	}
	put(j, s + run, len - run);
}

void ch_json_key(ch_json *j, const char *key)
{
	before_item(j, true);
	if (j->err != CH_OK)
		return;
	put(j, "\"", 1);
	put_escaped(j, (const uint8_t *)key, strlen(key));
	put(j, j->pretty ? "\": " : "\":", j->pretty ? 3 : 2);
	j->after_key = true;
}

void ch_json_str(ch_json *j, const char *s, size_t len)
{
	before_item(j, false);
	put(j, "\"", 1);
	put_escaped(j, (const uint8_t *)s, len);
	put(j, "\"", 1);
}

void ch_json_cstr(ch_json *j, const char *s)
{
	if (!s)
		ch_json_null(j);
	else
		ch_json_str(j, s, strlen(s));
}

void ch_json_raw(ch_json *j, const char *text, size_t len)
{
	before_item(j, false);
	put(j, text, len);
}

void ch_json_int(ch_json *j, int64_t v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof tmp, "%" PRId64, v);
	ch_json_raw(j, tmp, (size_t)n);
}

void ch_json_uint(ch_json *j, uint64_t v)
{
	char tmp[24];
	int n = snprintf(tmp, sizeof tmp, "%" PRIu64, v);
	ch_json_raw(j, tmp, (size_t)n);
}

void ch_json_bool(ch_json *j, bool v)
{
	ch_json_raw(j, v ? "true" : "false", v ? 4 : 5);
}

void ch_json_null(ch_json *j)
{
	ch_json_raw(j, "null", 4);
}

void ch_json_hex(ch_json *j, const uint8_t *p, size_t n)
{
	static const char hexd[] = "0123456789abcdef";
	char tmp[128];

	before_item(j, false);
	put(j, "\"", 1);
	while (n > 0) {
		size_t k = n < sizeof tmp / 2 ? n : sizeof tmp / 2;
		for (size_t i = 0; i < k; i++) {
			tmp[2 * i] = hexd[p[i] >> 4];
			tmp[2 * i + 1] = hexd[p[i] & 15];
		}
		put(j, tmp, 2 * k);
		p += k;
		n -= k;
	}
	put(j, "\"", 1);
}

void ch_json_time(ch_json *j, int64_t t)
{
	char tmp[21];

	ch_time_format(tmp, t);
	ch_json_str(j, tmp, strlen(tmp));
}

ch_err ch_json_finish(ch_json *j)
{
	if (j->err == CH_OK && (j->depth != 0 || j->after_key))
		j->err = ch_error_set(CH_ERR_INVALID, "json: unbalanced document");
	return j->err;
}
