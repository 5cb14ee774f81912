/* bench/derw.h — a tiny growable DER writer for the benchmark corpus generator.
 *
 * Not part of the library: it exists so bench/gen_corpus can build millions of certificates
 * quickly without OpenSSL's encoder. Constructed elements are opened with dw_begin (which
 * reserves a 4-byte length) and closed with dw_end (which writes the minimal length and slides
 * the contents back), so callers write children in natural order. Only single-byte tags. */
#ifndef CH_BENCH_DERW_H
#define CH_BENCH_DERW_H

#include <stddef.h>
#include <stdint.h>

typedef struct dw {
	uint8_t *p;
	size_t len;
	size_t cap;
} dw;

/* dw_init allocates an initial capacity (aborts on out-of-memory: this is a bench tool). */
void dw_init(dw *w, size_t cap);
void dw_free(dw *w);

/* dw_grow makes room for n more bytes. */
void dw_grow(dw *w, size_t n);

static inline void dw_reserve(dw *w, size_t n)
{
	if (w->len + n > w->cap)
		dw_grow(w, n);
}

static inline void dw_raw(dw *w, const void *p, size_t n)
{
	dw_reserve(w, n);
	for (size_t i = 0; i < n; i++)
		w->p[w->len + i] = ((const uint8_t *)p)[i];
	w->len += n;
}

static inline void dw_byte(dw *w, uint8_t b)
{
	dw_reserve(w, 1);
	w->p[w->len++] = b;
}

/* dw_begin opens a constructed element with `tag`; returns the mark to pass to dw_end. */
size_t dw_begin(dw *w, uint8_t tag);

/* dw_end closes the element opened at `mark`, fixing its length to minimal DER form. */
void dw_end(dw *w, size_t mark);

/* dw_prim writes one element with tag and contents. */
void dw_prim(dw *w, uint8_t tag, const void *p, size_t n);

/* dw_uint writes an INTEGER from big-endian magnitude bytes (minimal, non-negative). */
void dw_uint(dw *w, const uint8_t *be, size_t n);

/* dw_small_int writes a small non-negative INTEGER. */
void dw_small_int(dw *w, unsigned v);

/* dw_oid writes an OBJECT IDENTIFIER from dotted text (slow path: for tables built once). */
void dw_oid(dw *w, const char *dotted);

/* dw_time writes UTCTime for years 1950..2049 and GeneralizedTime otherwise (RFC 5280). */
void dw_time(dw *w, int64_t t);

#endif
