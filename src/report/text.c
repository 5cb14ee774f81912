/* Text safety for the human faces: UTF-8 validation, terminal-safe escaping, CSV fields. */
#include "report/internal.h"

#include <string.h>

size_t ch_report__utf8_len(const uint8_t *p, size_t n)
{
	uint8_t c = p[0];
	size_t len;
	uint8_t lo = 0x80, hi = 0xbf; /* allowed range of the second byte */

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef) {
		len = 3;
		if (c == 0xe0)
			lo = 0xa0; /* overlong */
		else if (c == 0xed)
			hi = 0x9f; /* surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		len = 4;
		if (c == 0xf0)
			lo = 0x90; /* overlong */
		else if (c == 0xf4)
			hi = 0x8f; /* above U+10FFFF */
	} else
		return 0;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

static ch_err put_hex_escape(ch_buf *out, uint8_t c)
{
	static const char hexd[] = "0123456789abcdef";
	char esc[4] = {'\\', 'x', hexd[c >> 4], hexd[c & 15]};
	return ch_buf_append(out, esc, 4);
}

/* Code point of a valid sequence of length n. */
static uint32_t decode(const uint8_t *p, size_t n)
{
	if (n == 2)
		return ((uint32_t)(p[0] & 0x1f) << 6) | (p[1] & 0x3f);
	if (n == 3)
		return ((uint32_t)(p[0] & 0x0f) << 12) | ((uint32_t)(p[1] & 0x3f) << 6) | (p[2] & 0x3f);
	return ((uint32_t)(p[0] & 0x07) << 18) | ((uint32_t)(p[1] & 0x3f) << 12) |
	       ((uint32_t)(p[2] & 0x3f) << 6) | (p[3] & 0x3f);
}

static bool is_bidi_control(uint32_t cp)
{
	return (cp >= 0x202a && cp <= 0x202e) || (cp >= 0x2066 && cp <= 0x2069);
}

ch_err ch_report_text_safe(ch_buf *out, const char *str, size_t len, const char *also)
{
	const uint8_t *s = (const uint8_t *)str;
	ch_err err = CH_OK;
	size_t i = 0, run = 0;
	uint8_t extra[16] = {0}; /* bit set of the ASCII bytes in `also` */

	for (const char *a = also; a && *a; a++)
		if ((uint8_t)*a < 0x80)
			extra[(uint8_t)*a >> 3] |= (uint8_t)(1u << (*a & 7));
	while (i < len) {
		uint8_t c = s[i];
		size_t n = 1;
		bool escape;

		if (c < 0x80) {
			escape = c < 0x20 || c == 0x7f || (extra[c >> 3] & (1u << (c & 7)));
		} else {
			n = ch_report__utf8_len(s + i, len - i);
			if (n == 0) {
				escape = true;
				n = 1;
			} else {
				uint32_t cp = decode(s + i, n);
				escape = (cp >= 0x80 && cp <= 0x9f) || is_bidi_control(cp);
			}
		}
		if (!escape) {
			i += n;
			continue;
		}
		CH_TRY(ch_buf_append(out, s + run, i - run));
		if (n == 1) {
			CH_TRY(put_hex_escape(out, c));
		} else {
			uint32_t cp = decode(s + i, n);
			if (cp <= 0x9f) /* C1 control: show its code point as a byte */
				CH_TRY(put_hex_escape(out, (uint8_t)cp));
			else
				CH_TRY(ch_buf_printf(out, "\\u{%04x}", (unsigned)cp));
		}
		i += n;
		run = i;
	}
	err = ch_buf_append(out, s + run, len - run);
out:
	return err;
}

ch_err ch_report_csv_field(ch_buf *out, const char *s, size_t len)
{
	ch_err err = CH_OK;
	size_t start = out->len;
	bool quote = false;

	CH_TRY(ch_report_text_safe(out, s, len, NULL));
	for (size_t i = start; i < out->len; i++) {
		char c = out->data[i];
		if (c == ',' || c == '"' || c == '\r' || c == '\n') {
			quote = true;
			break;
		}
	}
	if (!quote)
		goto out;
	/* Re-write the field quoted, doubling quotes: take a copy of the safe text first. */
	{
		size_t flen = out->len - start;
		ch_buf tmp;
		ch_buf_init(&tmp, flen + 1);
		err = ch_buf_append(&tmp, out->data + start, flen);
		if (err == CH_OK) {
			out->len = start;
			err = ch_buf_putc(out, '"');
			for (size_t i = 0; i < flen && err == CH_OK; i++) {
				if (tmp.data[i] == '"')
					err = ch_buf_putc(out, '"');
				if (err == CH_OK)
					err = ch_buf_putc(out, tmp.data[i]);
			}
			if (err == CH_OK)
				err = ch_buf_putc(out, '"');
		}
		ch_buf_free(&tmp);
	}
out:
	return err;
}

ch_err ch_report__join_safe(ch_buf *out, const ch_str *items, size_t n, const char *sep,
			    const char *also)
{
	ch_err err = CH_OK;

	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			CH_TRY(ch_buf_puts(out, sep));
		CH_TRY(ch_report_text_safe(out, items[i].s, items[i].len, also));
	}
out:
	return err;
}
