/* A growable DER writer for the benchmark corpus generator (see derw.h). */
#include "derw.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <certhound/util.h>

void dw_init(dw *w, size_t cap)
{
	w->p = malloc(cap);
	w->len = 0;
	w->cap = cap;
	if (!w->p) {
		fprintf(stderr, "gen_corpus: out of memory\n");
		exit(1);
	}
}

void dw_free(dw *w)
{
	free(w->p);
	w->p = NULL;
	w->len = w->cap = 0;
}

void dw_grow(dw *w, size_t n)
{
	size_t cap = w->cap ? w->cap : 256;

	while (cap < w->len + n)
		cap *= 2;
	w->p = realloc(w->p, cap);
	if (!w->p) {
		fprintf(stderr, "gen_corpus: out of memory\n");
		exit(1);
	}
	w->cap = cap;
}

/* Length octets (X.690 8.1.3): short form below 128, else the minimal long form. */
static size_t put_len(uint8_t out[5], size_t n)
{
	if (n < 0x80) {
		out[0] = (uint8_t)n;
		return 1;
	}
	if (n < 0x100) {
		out[0] = 0x81;
		out[1] = (uint8_t)n;
		return 2;
	}
	if (n < 0x10000) {
		out[0] = 0x82;
		out[1] = (uint8_t)(n >> 8);
		out[2] = (uint8_t)n;
		return 3;
	}
	out[0] = 0x83;
	out[1] = (uint8_t)(n >> 16);
	out[2] = (uint8_t)(n >> 8);
	out[3] = (uint8_t)n;
	return 4;
}

size_t dw_begin(dw *w, uint8_t tag)
{
	size_t mark = w->len;

	dw_reserve(w, 5);
	w->p[w->len] = tag;
	w->len += 5;
	return mark;
}

void dw_end(dw *w, size_t mark)
{
	size_t body = w->len - (mark + 5);
	uint8_t hdr[5];
	size_t hl = put_len(hdr, body);

	if (hl != 4)
		memmove(w->p + mark + 1 + hl, w->p + mark + 5, body);
	memcpy(w->p + mark + 1, hdr, hl);
	w->len -= 4 - hl;
}

void dw_prim(dw *w, uint8_t tag, const void *p, size_t n)
{
	uint8_t hdr[5];
	size_t hl = put_len(hdr, n);

	dw_reserve(w, 1 + hl + n);
	w->p[w->len] = tag;
	memcpy(w->p + w->len + 1, hdr, hl);
	if (n)
		memcpy(w->p + w->len + 1 + hl, p, n);
	w->len += 1 + hl + n;
}

void dw_uint(dw *w, const uint8_t *be, size_t n)
{
	while (n > 1 && be[0] == 0)
		be++, n--;
	if (n == 0 || be[0] & 0x80) {
		size_t m = dw_begin(w, 0x02);
		dw_byte(w, 0);
		dw_raw(w, be, n);
		dw_end(w, m);
		return;
	}
	dw_prim(w, 0x02, be, n);
}

void dw_small_int(dw *w, unsigned v)
{
	uint8_t be[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};

	dw_uint(w, be, 4);
}

void dw_oid(dw *w, const char *dotted)
{
	unsigned long arcs[64];
	size_t n = 0;
	const char *s = dotted;
	uint8_t body[256];
	size_t bl = 0;

	while (*s && n < 64) {
		char *end;
		arcs[n++] = strtoul(s, &end, 10);
		s = *end == '.' ? end + 1 : end;
	}
	for (size_t i = 1; i < n; i++) {
		unsigned long v = i == 1 ? arcs[0] * 40 + arcs[1] : arcs[i];
		uint8_t tmp[10];
		size_t k = 0;

		do {
			tmp[k++] = v & 0x7f;
			v >>= 7;
		} while (v);
		while (k--)
			body[bl++] = tmp[k] | (k ? 0x80 : 0);
	}
	dw_prim(w, 0x06, body, bl);
}

static void put2(char *p, int v)
{
	p[0] = (char)('0' + v / 10 % 10);
	p[1] = (char)('0' + v % 10);
}

void dw_time(dw *w, int64_t t)
{
	int y, mo, d, h, mi, s;
	char buf[16];
	char *p = buf;

	ch_time_to_civil(t, &y, &mo, &d, &h, &mi, &s);
	if (y < 0)
		y = 0;
	if (y > 9999)
		y = 9999;
	if (y < 1950 || y >= 2050) {
		put2(p, y / 100);
		p += 2;
	}
	put2(p, y % 100);
	put2(p + 2, mo);
	put2(p + 4, d);
	put2(p + 6, h);
	put2(p + 8, mi);
	put2(p + 10, s);
	p[12] = 'Z';
	dw_prim(w, y >= 1950 && y < 2050 ? 0x17 : 0x18, buf, (size_t)(p + 13 - buf));
}
