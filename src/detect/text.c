/* Text helpers for the detect module: times, UTF-8, path names, glob patterns. */
#include "detect/internal.h"

#include <certhound/util.h>

#include <string.h>

static bool dig(const char *s, size_t n, size_t at, int cnt, int *out)
{
	int v = 0;

	if (at + (size_t)cnt > n)
		return false;
	for (int i = 0; i < cnt; i++) {
		char c = s[at + (size_t)i];
		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (c - '0');
	}
	*out = v;
	return true;
}

/* Epoch seconds ("1700000000", "1700000000.123") or milliseconds (13+ digits). */
static bool parse_epoch(int64_t *out_ms, const char *s, size_t n)
{
	int64_t v = 0, frac = 0, scale = 1000;
	size_t i = 0, ndig = 0;

	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++, ndig++) {
		if (ndig >= 16)
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (ndig == 0)
		return false;
	if (i < n && s[i] == '.') {
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
			if (scale > 1) {
				scale /= 10;
				frac += (s[i] - '0') * scale;
			}
		}
	}
	if (i != n)
		return false;
	*out_ms = ndig >= 13 ? v : v * 1000 + frac;
	return true;
}

bool ch_detect__parse_time(int64_t *out_ms, const char *s, size_t n)
{
	int y, mo, d, h, mi, sec = 0, oh = 0, om = 0;
	int64_t ms = 0, scale = 100, off = 0;
	size_t i;

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	if (n > 4 && s[4] != '-')
		return parse_epoch(out_ms, s, n);
	if (!dig(s, n, 0, 4, &y) || n < 16 || s[4] != '-' || !dig(s, n, 5, 2, &mo) || s[7] != '-' ||
	    !dig(s, n, 8, 2, &d) || (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    !dig(s, n, 11, 2, &h) || s[13] != ':' || !dig(s, n, 14, 2, &mi))
		return false;
	i = 16;
	if (i < n && s[i] == ':') {
		if (!dig(s, n, 17, 2, &sec))
			return false;
		i = 19;
	}
	if (i < n && (s[i] == '.' || s[i] == ',')) {
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++) {
			ms += (s[i] - '0') * scale;
			scale /= 10;
		}
	}
	if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (i < n && (s[i] == '+' || s[i] == '-')) {
		int sign = s[i] == '-' ? -1 : 1;
		if (!dig(s, n, i + 1, 2, &oh))
			return false;
		i += 3;
		if (i < n && s[i] == ':')
			i++;
		if (i < n && !dig(s, n, i, 2, &om))
			return false;
		if (i < n)
			i += 2;
		off = sign * ((int64_t)oh * 3600 + (int64_t)om * 60);
	}
	if (i != n || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
		return false;
	*out_ms = (ch_time_from_civil(y, mo, d, h, mi, sec) - off) * 1000 + ms;
	return true;
}

bool ch_detect__utf8_valid(const char *str, size_t n)
{
	const uint8_t *s = (const uint8_t *)str;
	size_t i = 0;

	while (i < n) {
		uint8_t c = s[i];
		size_t len;
		uint8_t lo = 0x80, hi = 0xbf;
		uint64_t w;

		if (n - i >= 8) { /* ASCII runs eight bytes at a time */
			memcpy(&w, s + i, 8);
			if (!(w & 0x8080808080808080ull)) {
				i += 8;
				continue;
			}
		}
		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2;
		else if (c >= 0xe0 && c <= 0xef) {
			len = 3;
			lo = c == 0xe0 ? 0xa0 : 0x80;
			hi = c == 0xed ? 0x9f : 0xbf;
		} else if (c >= 0xf0 && c <= 0xf4) {
			len = 4;
			lo = c == 0xf0 ? 0x90 : 0x80;
			hi = c == 0xf4 ? 0x8f : 0xbf;
		} else
			return false;
		if (n - i < len || s[i + 1] < lo || s[i + 1] > hi)
			return false;
		for (size_t k = 2; k < len; k++)
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
		i += len;
	}
	return true;
}

const char *ch_detect__basename(const char *path)
{
	const char *b = path;

	for (const char *p = path; *p; p++)
		if (*p == '/' || *p == '\\')
			b = p + 1;
	return b;
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
}

bool ch_detect__ieq(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return true;
}

/* Greedy glob with one backtrack point: on a mismatch after a '*', retry one byte further.
 * Each '*' supersedes the previous one, so the work is at most len(p) * len(s). */
bool ch_detect__glob(const char *p, const char *s)
{
	const char *star = NULL, *resume = NULL;

	while (*s) {
		if (*p == '*') {
			while (*p == '*')
				p++;
			if (!*p)
				return true;
			star = p;
			resume = s;
		} else if (*p && (*p == '?' || lower(*p) == lower(*s))) {
			p++;
			s++;
		} else if (star) {
			p = star;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}
