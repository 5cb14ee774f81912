/* ASN.1 character strings to UTF-8. Latin-1 for the 8-bit legacy types (as OpenSSL does),
 * UTF-16 for BMPString, UCS-4 for UniversalString; invalid input is replaced by U+FFFD and
 * flagged, never dropped or truncated. */
#include "internal.h"

#include <string.h>

static size_t put_utf8(char *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (char)(0xc0 | cp >> 6);
		o[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (char)(0xe0 | cp >> 12);
		o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* utf8_next decodes one code point; returns its length or 0 if the sequence is invalid
 * (overlong, surrogate, > U+10FFFF, truncated). */
static size_t utf8_next(const uint8_t *s, size_t n, uint32_t *cp)
{
	uint8_t b = s[0];
	size_t len;
	uint32_t v, min;

	if (b < 0x80) {
		*cp = b;
		return 1;
	}
	if ((b & 0xe0) == 0xc0)
		len = 2, v = b & 0x1f, min = 0x80;
	else if ((b & 0xf0) == 0xe0)
		len = 3, v = b & 0x0f, min = 0x800;
	else if ((b & 0xf8) == 0xf0)
		len = 4, v = b & 0x07, min = 0x10000;
	else
		return 0;
	if (len > n)
		return 0;
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if (v < min || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return len;
}

/* X.680 41.4: PrintableString is A-Z a-z 0-9 space ' ( ) + , - . / : = ? */
static const uint8_t printable_tab[128] = {
	[' '] = 1, ['\''] = 1, ['('] = 1, [')'] = 1, ['+'] = 1, [','] = 1, ['-'] = 1, ['.'] = 1,
	['/'] = 1, [':'] = 1, ['='] = 1, ['?'] = 1,
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
	['8'] = 1, ['9'] = 1,
	['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1,
	['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1,
	['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
	['Y'] = 1, ['Z'] = 1,
	['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1,
	['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1,
	['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
	['y'] = 1, ['z'] = 1,
};

static inline bool printable_char(uint8_t c)
{
	return c < 128 && printable_tab[c];
}

static bool char_ok(unsigned tag, uint8_t c)
{
	switch (tag) {
	case CH_DER_PRINTABLE_STRING: return c != 0 && printable_char(c);
	case CH_DER_NUMERIC_STRING: return (c >= '0' && c <= '9') || c == ' ';
	case CH_DER_IA5_STRING: return c < 0x80;
	case CH_DER_VISIBLE_STRING: return c >= 0x20 && c < 0x7f;
	default: return true;
	}
}

/* ascii_ok: every byte printable ASCII and legal for the type (no NUL, no controls). */
static bool ascii_ok(unsigned tag, ch_der b)
{
	const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
	size_t i = 0;

	if (tag != CH_DER_PRINTABLE_STRING && tag != CH_DER_NUMERIC_STRING) {
		/* eight bytes at a time: no byte below 0x20 and none above 0x7e (exact tests) */
		for (; i + 8 <= b.len; i += 8) {
			uint64_t w;
			memcpy(&w, b.data + i, 8);
			if (((w - ones * 0x20) & ~w & highs) || (((w + ones * (127 - 0x7e)) | w) & highs))
				return false;
		}
	}
	for (; i < b.len; i++) {
		uint8_t c = b.data[i];
		if (c < 0x20 || c >= 0x7f)
			return false;
		if (tag == CH_DER_PRINTABLE_STRING && !printable_char(c))
			return false;
		if (tag == CH_DER_NUMERIC_STRING && !((c >= '0' && c <= '9') || c == ' '))
			return false;
	}
	return true;
}

/* decode_8bit: one byte per character, Latin-1 above 0x7f. */
static size_t decode_8bit(ch_parse *p, char *o, unsigned tag, ch_der b)
{
	size_t k = 0;

	for (size_t i = 0; i < b.len; i++) {
		if (!char_ok(tag, b.data[i]))
			p->cert->anomalies |= CH_ANOM_BAD_STRING;
		k += put_utf8(o + k, b.data[i]);
	}
	return k;
}

static size_t decode_utf8(ch_parse *p, char *o, ch_der b)
{
	size_t k = 0, i = 0;

	while (i < b.len) {
		uint32_t cp;
		size_t n = utf8_next(b.data + i, b.len - i, &cp);
		if (n == 0) {
			p->cert->anomalies |= CH_ANOM_BAD_UTF8;
			k += put_utf8(o + k, 0xfffd);
			i++;
			continue;
		}
		memcpy(o + k, b.data + i, n);
		k += n;
		i += n;
	}
	return k;
}

static size_t decode_bmp(ch_parse *p, char *o, ch_der b)
{
	size_t k = 0, i = 0;

	if (b.len % 2)
		p->cert->anomalies |= CH_ANOM_BAD_STRING;
	for (; i + 1 < b.len; i += 2) {
		uint32_t cp = (uint32_t)b.data[i] << 8 | b.data[i + 1];
		if (cp >= 0xd800 && cp <= 0xdbff && i + 3 < b.len) {
			uint32_t lo = (uint32_t)b.data[i + 2] << 8 | b.data[i + 3];
			if (lo >= 0xdc00 && lo <= 0xdfff) {
				cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
				i += 2;
			}
		}
		if (cp >= 0xd800 && cp <= 0xdfff) {
			p->cert->anomalies |= CH_ANOM_BAD_STRING;
			cp = 0xfffd;
		}
		k += put_utf8(o + k, cp);
	}
	return k;
}

static size_t decode_ucs4(ch_parse *p, char *o, ch_der b)
{
	size_t k = 0;

	if (b.len % 4)
		p->cert->anomalies |= CH_ANOM_BAD_STRING;
	for (size_t i = 0; i + 3 < b.len; i += 4) {
		uint32_t cp = (uint32_t)b.data[i] << 24 | (uint32_t)b.data[i + 1] << 16 |
			      (uint32_t)b.data[i + 2] << 8 | b.data[i + 3];
		if (cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
			p->cert->anomalies |= CH_ANOM_BAD_STRING;
			cp = 0xfffd;
		}
		k += put_utf8(o + k, cp);
	}
	return k;
}

ch_err ch_x509__string_to_utf8(ch_parse *p, ch_str *out, unsigned tag, ch_der body)
{
	/* Worst case growth: 1 byte -> 3 (U+FFFD for a bad byte, or Latin-1 -> 2). */
	char *o = ch_x509__alloc(p->arena, body.len * 3 + 1);
	size_t k;

	if (!o)
		return ch_x509__fail(p, body.data, "string too large");
	if (tag != CH_DER_BMP_STRING && tag != CH_DER_UNIVERSAL_STRING && ascii_ok(tag, body)) {
		/* the common case: plain ASCII, nothing to convert */
		memcpy(o, body.data, body.len);
		k = body.len;
		o[k] = '\0';
		out->s = o;
		out->len = k;
		return CH_OK;
	}
	if (tag == CH_X509_IA5_AS_UTF8) {
		for (size_t i = 0; i < body.len; i++)
			if (body.data[i] >= 0x80) {
				p->cert->anomalies |= CH_ANOM_BAD_STRING;
				break;
			}
		tag = CH_DER_UTF8_STRING;
	}
	switch (tag) {
	case CH_DER_UTF8_STRING: k = decode_utf8(p, o, body); break;
	case CH_DER_BMP_STRING: k = decode_bmp(p, o, body); break;
	case CH_DER_UNIVERSAL_STRING: k = decode_ucs4(p, o, body); break;
	default: k = decode_8bit(p, o, tag, body); break;
	}
	o[k] = '\0';
	if (memchr(o, '\0', k))
		p->cert->anomalies |= CH_ANOM_NUL_IN_NAME;
	out->s = o;
	out->len = k;
	return CH_OK;
}

static bool embeds_ipv4(const uint8_t *a)
{
	for (int i = 0; i < 10; i++)
		if (a[i])
			return false;
	if (a[10] == 0xff && a[11] == 0xff)
		return true;
	if (a[10] || a[11])
		return false;
	return a[12] || a[13] || a[14] || a[15] > 1; /* not :: or ::1 */
}

ch_err ch_x509__ip_text(ch_parse *p, ch_str *out, ch_der raw)
{
	char buf[64];
	size_t n = 0;

	if (raw.len == 4) {
		n = (size_t)snprintf(buf, sizeof buf, "%u.%u.%u.%u", raw.data[0], raw.data[1],
				     raw.data[2], raw.data[3]);
	} else if (raw.len == 16 && embeds_ipv4(raw.data)) {
		/* RFC 5952 5: IPv4-mapped (::ffff:0:0/96) and IPv4-compatible (::/96) in mixed form */
		const uint8_t *a = raw.data + 12;
		n = (size_t)snprintf(buf, sizeof buf, "::%s%u.%u.%u.%u", raw.data[10] ? "ffff:" : "",
				     a[0], a[1], a[2], a[3]);
	} else if (raw.len == 16) {
		uint16_t w[8];
		int best = -1, bestlen = 1, cur = -1;
		for (int i = 0; i < 8; i++)
			w[i] = (uint16_t)(raw.data[2 * i] << 8 | raw.data[2 * i + 1]);
		/* RFC 5952 4.2: compress the longest run of two or more zero groups (first wins) */
		for (int i = 0; i <= 8; i++) {
			if (i < 8 && w[i] == 0) {
				if (cur < 0)
					cur = i;
			} else if (cur >= 0) {
				if (i - cur > bestlen)
					best = cur, bestlen = i - cur;
				cur = -1;
			}
		}
		for (int i = 0; i < 8; i++) {
			if (i == best) {
				n += (size_t)snprintf(buf + n, sizeof buf - n, "::");
				i += bestlen - 1;
				continue;
			}
			n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%x",
					      (i > 0 && i != best + bestlen) ? ":" : "", w[i]);
		}
	} else {
		return CH_ERR_PARSE; /* caller flags bad_ip_san */
	}
	out->s = ch_x509__strndup(p->arena, buf, n);
	out->len = n;
	return out->s ? CH_OK : ch_x509__fail(p, raw.data, "out of memory");
}
