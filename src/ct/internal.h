/* ct module private helpers: a bounds-checked reader for TLS presentation-language structures
 * (RFC 8446 §3), used for MerkleTreeLeaf, extra_data, TileLeaf and note signatures. */
#ifndef CH_CT_INTERNAL_H
#define CH_CT_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <certhound/ct.h>
#include <certhound/merkle.h>

/* A view that only advances on success (like the DER cursor). */
typedef struct ch_tls {
	const uint8_t *p;
	size_t len;
} ch_tls;

static inline bool ch_tls_uint(ch_tls *t, unsigned nbytes, uint64_t *out)
{
	uint64_t v = 0;

	if (t->len < nbytes)
		return false;
	for (unsigned i = 0; i < nbytes; i++)
		v = (v << 8) | t->p[i];
	t->p += nbytes;
	t->len -= nbytes;
	*out = v;
	return true;
}

static inline bool ch_tls_bytes(ch_tls *t, size_t n, ch_bytes *out)
{
	if (t->len < n)
		return false;
	out->data = t->p;
	out->len = n;
	t->p += n;
	t->len -= n;
	return true;
}

/* ch_tls_vec reads an opaque vector with an nbytes-long length prefix. */
static inline bool ch_tls_vec(ch_tls *t, unsigned nbytes, ch_bytes *out)
{
	ch_tls save = *t;
	uint64_t n;

	if (!ch_tls_uint(t, nbytes, &n) || !ch_tls_bytes(t, (size_t)n, out)) {
		*t = save;
		return false;
	}
	return true;
}

/* ch_ct__decode_extensions finds the static-ct-api leaf_index in CtExtensions (one-byte type,
 * uint16-prefixed data). Unknown extension types are skipped; duplicates are an error. */
ch_err ch_ct__decode_extensions(ch_ct_entry *e) CH_WARN_UNUSED;

/* ch_ct__decode_timestamped_entry decodes a TimestampedEntry at *t into e (advancing t). */
ch_err ch_ct__decode_timestamped_entry(ch_ct_entry *e, ch_tls *t) CH_WARN_UNUSED;

/* Where a log's stored entries start when its first sync used --start-at-end: the verified tree
 * head of that moment and the compact range of its whole tree [0, sth.tree_size). Entries below
 * range.size are not held. range.size == 0: the entries start at 0 (no start kept). */
typedef struct ch_ct__start {
	ch_ct_sth sth;
	ch_merkle_range range;
} ch_ct__start;

/* ch_ct__checkpoint_parse reads the checkpoint blob ct sync stores for a log ("certhound-ct 2"
 * text, or the older "certhound-ct 1" without a start: url, tree head, next index, compact range
 * and, for a --start-at-end sync, the start of ch_ct__start); buf is modified. url may be NULL
 * with url_size 0; start may be NULL (a start is still checked for form). CH_ERR_STORE when
 * malformed. */
ch_err ch_ct__checkpoint_parse(char *buf, size_t len, ch_ct_sth *sth, ch_merkle_range *r,
			       ch_ct__start *start, char *url, size_t url_size) CH_WARN_UNUSED;

/* ---- a small HTTP client (libcurl easy handle, keep-alive, gzip, bounded bodies) ---- */

typedef struct ch_ct_http ch_ct_http;

typedef struct ch_ct_http_opts {
	unsigned retries;      /* extra attempts on 429, 5xx, timeouts and dropped connections */
	long stall_seconds;    /* abort a transfer that moves no byte for this long */
	unsigned backoff_ms;   /* first retry delay, doubled each time (capped at 10 s) */
	double max_rps;        /* politeness: at most this many requests per second (0 = no limit) */
} ch_ct_http_opts;

ch_err ch_ct__http_new(ch_ct_http **out, const ch_ct_http_opts *opts) CH_WARN_UNUSED;
void ch_ct__http_free(ch_ct_http *c);

/* ch_ct__http_get fetches url into out (reset first; bounded by out->max). CH_ERR_NOTFOUND on
 * 404, CH_ERR_NET for other failures after the retries, CH_ERR_LIMIT for an oversized body. */
ch_err ch_ct__http_get(ch_ct_http *c, const char *url, ch_buf *out) CH_WARN_UNUSED;

/* ch_ct__http_get_many fetches urls[0..n) concurrently, at most `parallel` at a time, over the
 * client's own pool of kept-alive connections: outs[i] gets the body and errs[i] CH_OK, or
 * errs[i] is set (no retries here: the caller fetches failures again with ch_ct__http_get). */
void ch_ct__http_get_many(ch_ct_http *c, const char *const *urls, ch_buf *outs, ch_err *errs,
			  size_t n, unsigned parallel);

/* ch_ct__http_requests returns how many requests (attempts included) were made. */
uint64_t ch_ct__http_requests(const ch_ct_http *c);

/* ---- --start-at-end for RFC 6962 logs ---- */

/* ch_ct__rfc6962_end (rfc_end.c) sets *out to the compact range of the whole tree of the verified
 * tree head sth (tree_size > 0) of the RFC 6962 log at base (ending in '/'): entry
 * tree_size - 1 from get-entries, its audit path from get-proof-by-hash, the range rebuilt from
 * both and checked against the signed root (--start-at-end). body is a work buffer.
 * CH_ERR_INTEGRITY when the log's answers do not hash to the signed root (the message says
 * how), CH_ERR_NOTFOUND when the log names an earlier index holding the same leaf, network
 * errors as ch_ct__http_get. */
ch_err ch_ct__rfc6962_end(ch_merkle_range *out, ch_ct_http *http, ch_hash *h, const char *base,
			  const ch_ct_sth *sth, ch_buf *body) CH_WARN_UNUSED;

#endif
