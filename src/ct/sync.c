/* Verified, resumable sync of one CT log into the ingest pipeline (see ct_sync.h).
 *
 * Invariant: the stored checkpoint holds a verified tree head T and the compact range of the
 * entries [0, next) that are stored, and that range is proven to be a prefix of T. A chunk of new
 * entries is fetched, hashed onto a copy of the range, proven to be a prefix of the (possibly
 * newer, consistency-checked) tree head, and only then fed to the pipeline together with the
 * new checkpoint. */
#include <certhound/ct_sync.h>

#include <certhound/merkle.h>
#include <certhound/note.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define MAX_BLOBS 256         /* responses or data tiles held in one chunk (65,536 entries) */
#define TILE_CACHE 12         /* hash tiles kept for proofs */
#define BODY_MAX CH_CT_MAX_JSON
#define SEEN_SLOTS 4096       /* issuers already kept by this sync (open addressing) */
#define MAX_PENDING 256       /* new issuers of one chunk */
#define PF_MAX 32             /* responses fetched ahead, concurrently */

typedef struct item {
	ch_bytes der;       /* the certificate or precertificate to store; empty when undecodable */
	uint64_t ts;        /* entry timestamp, ms */
	ch_bytes raw;       /* RFC 6962: the whole MerkleTreeLeaf */
	ch_bytes te;        /* the TimestampedEntry (empty when undecodable) */
	bool has_tbs;       /* precert_entry: tbs is the fingerprint of the logged TBS */
	uint8_t tbs[32];
	size_t rec_off;     /* its entry record (ct.h) in sync.recs */
	size_t rec_len;
	char why[160];      /* why it is undecodable */
} item;

typedef struct blob {
	ch_ct_entries es;   /* RFC 6962 */
	ch_buf tile;        /* static-ct-api data tile */
} blob;

typedef struct tile {
	bool used;
	unsigned level;
	uint64_t n;
	unsigned width;
	uint64_t stamp;
	uint8_t hashes[CH_CT_TILE_WIDTH][32];
} tile;

typedef struct sync {
	const ch_ct_sync_log *log;
	ch_ct_sync_opts o;
	ch_ct_sync_result *res;
	ch_store *store;
	ch_ingest *ig;
	ch_ct_http *http;
	ch_hash *h;
	char base[2048];
	char origin[CH_NOTE_MAX_NAME];
	ch_note_verifier v;
	char source_id[64];
	ch_ct__start start;  /* --start-at-end: where the stored entries start (loaded or set) */
	ch_buf body;
	unsigned batch;
	/* responses fetched ahead (parallel > 1): get() takes them in place of a request */
	struct prefetched {
		char path[128];
		ch_buf body;
		ch_err err;
	} pf[PF_MAX];
	size_t num_pf;
	tile cache[TILE_CACHE];
	uint64_t clock;
	blob blobs[MAX_BLOBS];
	size_t num_blobs;
	item *items;
	size_t num_items, cap_items;
	ch_buf recs;        /* entry records of the chunk's items */
	ch_buf scratch;
	ch_store_ct_entry *rows;
	size_t cap_rows;
	/* issuers (chain certificates) kept once each: fingerprints seen, and those of the chunk
	 * still to store (der empty: tiled, to fetch from issuer/<hex>) */
	uint8_t (*seen)[32];
	size_t num_seen;
	struct pending_issuer {
		uint8_t fp[32];
		ch_bytes der;
	} pending[MAX_PENDING];
	size_t num_pending;
} sync;

static void fmt_sth(char *out, size_t n, const ch_ct_sth *s)
{
	char b64[48];

	ch_base64_encode(b64, s->root, 32);
	snprintf(out, n, "size %" PRIu64 ", timestamp %" PRIu64 ", root %s", s->tree_size,
		 s->timestamp, b64);
}

/* evidence records what the log did and returns CH_ERR_INTEGRITY with the same message. */
static ch_err evidence(sync *s, const char *fmt, ...) CH_PRINTF(2, 3);
static ch_err evidence(sync *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(s->res->evidence, sizeof s->res->evidence, fmt, ap);
	va_end(ap);
	return ch_error_set(CH_ERR_INTEGRITY, "log %s: %s", s->log->url, s->res->evidence);
}

/* fetched_ahead returns the prefetched, not yet used response for path, or NULL. */
static struct prefetched *fetched_ahead(sync *s, const char *path)
{
	for (size_t i = 0; i < s->num_pf; i++)
		if (s->pf[i].err == CH_OK && !strcmp(s->pf[i].path, path))
			return &s->pf[i];
	return NULL;
}

/* taken swaps a prefetched response for path into s->body; false when there is none. */
static bool taken(sync *s, const char *path)
{
	struct prefetched *p = fetched_ahead(s, path);
	ch_buf t;

	if (!p)
		return false;
	t = s->body;
	s->body = p->body;
	p->body = t;
	p->err = CH_ERR_NOTFOUND; /* used */
	return true;
}

/* prefetch fetches paths[0..n) concurrently (kept for get()); failures are simply fetched
 * again, one at a time with retries, when get() asks for them. */
static void prefetch(sync *s, char (*paths)[128], size_t n)
{
	char urls[PF_MAX][2300];
	const char *u[PF_MAX] = {NULL};
	ch_buf bodies[PF_MAX];
	ch_err errs[PF_MAX];

	s->num_pf = 0;
	if (strlen(s->base) + 128 >= sizeof urls[0])
		return; /* an unusually long base URL: one request at a time */
	for (size_t i = 0; i < n; i++) {
		snprintf(s->pf[i].path, sizeof s->pf[i].path, "%s", paths[i]);
		snprintf(urls[i], sizeof urls[i], "%s%s", s->base, paths[i]);
		u[i] = urls[i];
		bodies[i] = s->pf[i].body;
	}
	ch_ct__http_get_many(s->http, u, bodies, errs, n, s->o.parallel);
	for (size_t i = 0; i < n; i++) {
		s->pf[i].body = bodies[i];
		s->pf[i].err = errs[i];
	}
	s->num_pf = n;
	s->res->requests = ch_ct__http_requests(s->http);
}

/* window: how many responses to fetch ahead (0: one at a time). */
static size_t window(const sync *s)
{
	size_t w = (size_t)s->o.parallel * 2;

	return s->o.parallel <= 1 ? 0 : w > PF_MAX ? PF_MAX : w;
}

static ch_err get(sync *s, const char *path)
{
	char url[4096];
	ch_err err;

	if (taken(s, path))
		return CH_OK;
	snprintf(url, sizeof url, "%s%s", s->base, path);
	err = ch_ct__http_get(s->http, url, &s->body);
	s->res->requests = ch_ct__http_requests(s->http);
	return err;
}

/* ---- checkpoint blobs ----------------------------------------------------------------------- */

/* put_head writes a tree head's lines, each key prefixed with `pre` ("" or "start-"). */
static ch_err put_head(ch_buf *b, const char *pre, const ch_ct_sth *sth)
{
	char b64[CH_CT_MAX_SIG * 2];
	ch_err err;

	ch_base64_encode(b64, sth->root, 32);
	CH_TRY(ch_buf_printf(b, "%ssize %" PRIu64 "\n%stimestamp %" PRIu64 "\n%sroot %s\n", pre,
			     sth->tree_size, pre, sth->timestamp, pre, b64));
	ch_base64_encode(b64, sth->sig, sth->sig_len);
	CH_TRY(ch_buf_printf(b, "%ssig %s\n", pre, sth->sig_len ? b64 : "-"));
out:
	return err;
}

/* put_range writes a compact range's hashes as the line `<pre>range h1 h2 ...`. */
static ch_err put_range(ch_buf *b, const char *pre, const ch_merkle_range *r)
{
	char b64[48];
	ch_err err;

	CH_TRY(ch_buf_printf(b, "%srange", pre));
	for (unsigned i = 0; i < r->num_hashes; i++) {
		ch_base64_encode(b64, r->hashes[i], 32);
		CH_TRY(ch_buf_printf(b, " %s", b64));
	}
	CH_TRY(ch_buf_puts(b, "\n"));
out:
	return err;
}

/* save_checkpoint writes the sync state (docs/ct.md "Sync invariant"): the tree head, the
 * position and its range, and the --start-at-end start when there is one. */
static ch_err save_checkpoint(sync *s, const ch_ct_sth *sth, const ch_merkle_range *r)
{
	ch_buf b;
	ch_err err;

	ch_buf_init(&b, CH_STORE_CHECKPOINT_MAX);
	CH_TRY(ch_buf_printf(&b, "certhound-ct 2\nurl %s\n", s->log->url));
	CH_TRY(put_head(&b, "", sth));
	CH_TRY(ch_buf_printf(&b, "next %" PRIu64 "\n", r->size));
	CH_TRY(put_range(&b, "", r));
	if (s->start.range.size) {
		CH_TRY(ch_buf_printf(&b, "start %" PRIu64 "\n", s->start.range.size));
		CH_TRY(put_head(&b, "start-", &s->start.sth));
		CH_TRY(put_range(&b, "start-", &s->start.range));
	}
	if (!s->o.no_store)
		CH_TRY(ch_ingest_checkpoint(s->ig, s->source_id, b.data, b.len));
out:
	ch_buf_free(&b);
	return err;
}

/* parse_field reads one `key value` line of a tree head and its range into sth / r; false when
 * the key is not one of them. */
static bool parse_field(const char *key, char *v, ch_ct_sth *sth, ch_merkle_range *r, bool *bad)
{
	uint8_t tmp[CH_CT_MAX_SIG + 8];
	char *tok, *tsave = NULL;
	long n;

	if (!strcmp(key, "size"))
		sth->tree_size = strtoull(v, NULL, 10);
	else if (!strcmp(key, "timestamp"))
		sth->timestamp = strtoull(v, NULL, 10);
	else if (!strcmp(key, "root")) {
		if (ch_base64_decode(tmp, sizeof tmp, v, strlen(v)) == 32)
			memcpy(sth->root, tmp, 32);
	} else if (!strcmp(key, "sig")) {
		if (strcmp(v, "-") && (n = ch_base64_decode(tmp, sizeof tmp, v, strlen(v))) > 0 &&
		    (size_t)n <= sizeof sth->sig) {
			memcpy(sth->sig, tmp, (size_t)n);
			sth->sig_len = (size_t)n;
		}
	} else if (!strcmp(key, "range")) {
		for (tok = strtok_r(v, " ", &tsave); tok; tok = strtok_r(NULL, " ", &tsave)) {
			if (r->num_hashes == CH_MERKLE_MAX_DEPTH ||
			    ch_base64_decode(tmp, sizeof tmp, tok, strlen(tok)) != 32) {
				*bad = true;
				break;
			}
			memcpy(r->hashes[r->num_hashes++], tmp, 32);
		}
	} else
		return false;
	return true;
}

/* ch_ct__checkpoint_parse reads a checkpoint blob written by save_checkpoint (modifies buf).
 * Version 1 blobs (before the start was kept) read as version 2 without a start. */
ch_err ch_ct__checkpoint_parse(char *buf, size_t len, ch_ct_sth *sth, ch_merkle_range *r,
			       ch_ct__start *start, char *url, size_t url_size)
{
	ch_ct__start st;
	char *line, *save = NULL;
	bool bad = false, has_start = false;

	memset(sth, 0, sizeof *sth);
	memset(&st, 0, sizeof st);
	ch_merkle_range_init(r);
	if (start)
		memset(start, 0, sizeof *start);
	if (url_size)
		url[0] = '\0';
	if (len < 15 || (strncmp(buf, "certhound-ct 1\n", 15) != 0 &&
			 strncmp(buf, "certhound-ct 2\n", 15) != 0))
		return ch_error_set(CH_ERR_STORE, "not a certhound CT checkpoint");
	for (line = strtok_r(buf, "\n", &save); line && !bad; line = strtok_r(NULL, "\n", &save)) {
		char *v = strchr(line, ' ');
		if (!v)
			continue;
		*v++ = '\0';
		if (!strcmp(line, "url") && url_size)
			snprintf(url, url_size, "%s", v);
		else if (!strcmp(line, "next"))
			r->size = strtoull(v, NULL, 10);
		else if (!strcmp(line, "start")) {
			st.range.size = strtoull(v, NULL, 10);
			has_start = true;
		} else if (!strncmp(line, "start-", 6))
			has_start |= parse_field(line + 6, v, &st.sth, &st.range, &bad);
		else
			parse_field(line, v, sth, r, &bad);
	}
	if (bad)
		return ch_error_set(CH_ERR_STORE, "bad compact range");
	if (ch_merkle_range_check(r) != CH_OK || r->size > sth->tree_size)
		return ch_error_set(CH_ERR_STORE, "inconsistent checkpoint");
	/* The start: the whole tree of its head, at or below the position and the current head. */
	if (has_start && (st.range.size == 0 || ch_merkle_range_check(&st.range) != CH_OK ||
			  st.sth.tree_size != st.range.size || st.range.size > r->size ||
			  st.sth.tree_size > sth->tree_size))
		return ch_error_set(CH_ERR_STORE, "inconsistent --start-at-end start in checkpoint");
	if (start)
		*start = st;
	return CH_OK;
}

/* load_checkpoint reads the stored state; *found false when there is none. */
static ch_err load_checkpoint(sync *s, bool *found, ch_ct_sth *sth, ch_merkle_range *r)
{
	ch_buf b;
	ch_err err = CH_OK;

	*found = false;
	memset(sth, 0, sizeof *sth);
	ch_merkle_range_init(r);
	if (!s->store)
		return CH_OK;
	ch_buf_init(&b, CH_STORE_CHECKPOINT_MAX);
	err = ch_store_checkpoint_get(s->store, &b, s->source_id);
	if (err == CH_ERR_NOTFOUND) {
		err = CH_OK;
		goto out;
	}
	if (err)
		goto out;
	if ((err = ch_ct__checkpoint_parse(b.data, b.len, sth, r, &s->start, NULL, 0)) != CH_OK) {
		err = ch_error_prefix(CH_ERR_STORE, "stored checkpoint of %s", s->source_id);
		goto out;
	}
	*found = true;
out:
	ch_buf_free(&b);
	return err;
}

/* ---- tree heads ------------------------------------------------------------------------------ */

static ch_err fetch_head(sync *s, ch_ct_sth *out)
{
	ch_checkpoint cp;
	ch_err err;

	if (!s->log->tiled) {
		CH_TRY(get(s, "ct/v1/get-sth"));
		CH_TRY(ch_ct_sth_parse_json(out, s->body.data, s->body.len));
		err = ch_ct_sth_verify(out, s->log->key);
		if (err == CH_ERR_INTEGRITY || err == CH_ERR_PARSE) {
			char t[200];
			fmt_sth(t, sizeof t, out);
			return evidence(s, "get-sth (%s): tree head signature does not verify", t);
		}
		return err;
	}
	CH_TRY(get(s, "checkpoint"));
	err = ch_checkpoint_verify(&cp, s->body.data ? s->body.data : "", s->body.len, s->origin,
				   &s->v, 1);
	/* A note that does not parse is not a signed statement: the log cannot be held to it (a
	 * mirror's half-copied file, a proxy's error page). It fails this sync like a network
	 * error, and ct follow tries again at the next poll. A note that parses and is not
	 * signed by the log's key, or names another log, is evidence. */
	if (err == CH_ERR_PARSE)
		return ch_error_prefix(CH_ERR_PARSE, "log %s: checkpoint does not parse",
				       s->log->url);
	if (err == CH_ERR_INTEGRITY)
		return evidence(s, "checkpoint rejected: %s", ch_error_last());
	if (err)
		return err;
	if (!cp.has_sth)
		return evidence(s, "checkpoint has no RFC 6962 tree head signature by the log key");
	*out = cp.sth;
out:
	return err;
}

/* ---- hash tiles ------------------------------------------------------------------------------ */

/* get_tile returns hash tile (level, n) of the tree of `size` entries, from the cache or fetched. */
static ch_err get_tile(sync *s, const tile **out, unsigned level, uint64_t n, uint64_t size)
{
	uint64_t span = (uint64_t)1 << (8 * level); /* entries per hash at this level */
	unsigned width;
	char path[CH_CT_TILE_PATH_MAX], kind[4];
	tile *t = &s->cache[0];
	ch_err err;

	width = (size / span) / CH_CT_TILE_WIDTH > n ? CH_CT_TILE_WIDTH
						     : (unsigned)((size / span) % CH_CT_TILE_WIDTH);
	for (int i = 0; i < TILE_CACHE; i++) {
		tile *c = &s->cache[i];
		if (c->used && c->level == level && c->n == n && c->width >= width) {
			c->stamp = ++s->clock;
			*out = c;
			return CH_OK;
		}
		if (!t || !c->used || (t->used && c->stamp < t->stamp))
			t = c;
	}
	snprintf(kind, sizeof kind, "%u", level);
	ch_ct_tile_path(path, kind, n, width);
	err = get(s, path);
	if (err == CH_ERR_NOTFOUND && width < CH_CT_TILE_WIDTH) {
		/* The partial tile may be gone once the full one exists. */
		ch_ct_tile_path(path, kind, n, 0);
		if ((err = get(s, path)) == CH_OK)
			width = CH_CT_TILE_WIDTH;
	}
	if (err)
		return err;
	if (ch_ct_hash_tile_check(s->body.len, width) != CH_OK)
		return evidence(s, "hash tile %s has %zu bytes, not %u hashes", path, s->body.len,
				width);
	memcpy(t->hashes, s->body.data, s->body.len);
	t->used = true;
	t->level = level;
	t->n = n;
	t->width = width;
	t->stamp = ++s->clock;
	*out = t;
	return CH_OK;
}

/* subtree_hash computes the hash of the complete subtree [pos, pos + 2^k) of the tree of `size`
 * entries from its hash tiles. */
static ch_err subtree_hash(sync *s, uint8_t out[32], uint64_t pos, unsigned k, uint64_t size)
{
	unsigned level = k / 8;
	uint64_t first = pos >> (8 * level), cnt = (uint64_t)1 << (k - 8 * level);
	const tile *t = NULL;
	ch_err err;

	if (level > 7)
		return ch_error_set(CH_ERR_LIMIT, "tree too large");
	CH_TRY(get_tile(s, &t, level, first / CH_CT_TILE_WIDTH, size));
	if (first % CH_CT_TILE_WIDTH + cnt > t->width)
		return evidence(s, "hash tile %u/%" PRIu64 " is too narrow for tree size %" PRIu64,
				level, t->n, size);
	CH_TRY(ch_merkle_root(s->h, out,
			      (const uint8_t(*)[32])t->hashes[first % CH_CT_TILE_WIDTH], cnt));
out:
	return err;
}

/* extend_from_tiles grows range r (a prefix of the tree of `size` entries) to `to` entries with
 * subtree hashes read from that tree's tiles. */
static ch_err extend_from_tiles(sync *s, ch_merkle_range *r, uint64_t to, uint64_t size)
{
	ch_err err = CH_OK;

	while (r->size < to) {
		unsigned k = 0;
		uint8_t h[32];

		while (k < 62 && (r->size & (((uint64_t)2 << k) - 1)) == 0 &&
		       r->size + ((uint64_t)2 << k) <= to)
			k++;
		CH_TRY(subtree_hash(s, h, r->size, k, size));
		CH_TRY(ch_merkle_range_append_subtree(r, s->h, k, h));
	}
out:
	return err;
}

/* prove_prefix checks that range r is a prefix of the signed tree head `sth`. */
static ch_err prove_prefix(sync *s, const ch_merkle_range *r, const ch_ct_sth *sth)
{
	uint8_t root[32];
	ch_merkle_range full;
	ch_ct_proof proof;
	char path[128], t[200];
	ch_err err;

	CH_TRY(ch_merkle_range_root(r, s->h, root));
	fmt_sth(t, sizeof t, sth);
	if (r->size == sth->tree_size) {
		if (memcmp(root, sth->root, 32) != 0)
			return evidence(s, "entries [0, %" PRIu64 ") do not hash to the signed root of "
					"the tree head (%s)", r->size, t);
		return CH_OK;
	}
	if (r->size == 0)
		return CH_OK;
	if (!s->log->tiled) {
		snprintf(path, sizeof path, "ct/v1/get-sth-consistency?first=%" PRIu64
			 "&second=%" PRIu64, r->size, sth->tree_size);
		CH_TRY(get(s, path));
		if (ch_ct_proof_parse_json(&proof, s->body.data, s->body.len) != CH_OK ||
		    ch_merkle_verify_consistency(s->h, r->size, sth->tree_size, root, sth->root,
						 (const uint8_t(*)[32])proof.hashes,
						 proof.num_hashes) != CH_OK)
			return evidence(s, "entries [0, %" PRIu64 ") are not a prefix of the tree head "
					"(%s): %s", r->size, t, ch_error_last());
		return CH_OK;
	}
	full = *r;
	CH_TRY(extend_from_tiles(s, &full, sth->tree_size, sth->tree_size));
	CH_TRY(ch_merkle_range_root(&full, s->h, root));
	if (memcmp(root, sth->root, 32) != 0)
		return evidence(s, "entries [0, %" PRIu64 ") and the hash tiles do not hash to the "
				"signed root of the tree head (%s)", r->size, t);
out:
	return err;
}

/* range_at_end_rfc6962 sets r to the compact range of the whole tree of `sth` without fetching
 * its entries (--start-at-end): from the last entry and its audit path (rfc_end.c). */
static ch_err range_at_end_rfc6962(sync *s, ch_merkle_range *r, const ch_ct_sth *sth)
{
	char t[200], why[CH_CT_EVIDENCE_MAX - 256];
	ch_err err;

	if (sth->tree_size == 0)
		return CH_OK; /* an empty start; prove_prefix checks the empty root */
	err = ch_ct__rfc6962_end(r, s->http, s->h, s->base, sth, &s->body);
	s->res->requests = ch_ct__http_requests(s->http);
	if (err != CH_ERR_INTEGRITY)
		return err;
	snprintf(why, sizeof why, "%s", ch_error_last());
	fmt_sth(t, sizeof t, sth);
	return evidence(s, "--start-at-end at the tree head (%s): %s", t, why);
}

/* check_consistent verifies that tree heads a (older, stored) and b (new) are consistent. */
static ch_err check_consistent(sync *s, const ch_ct_sth *a, const ch_ct_sth *b)
{
	const ch_ct_sth *small = a->tree_size <= b->tree_size ? a : b;
	const ch_ct_sth *big = small == a ? b : a;
	char ta[200], tb[200], path[128];
	ch_ct_proof proof;
	ch_merkle_range r;
	uint8_t root[32];
	ch_err err = CH_OK;

	fmt_sth(ta, sizeof ta, a);
	fmt_sth(tb, sizeof tb, b);
	if (small->tree_size == 0)
		return CH_OK;
	if (small->tree_size == big->tree_size) {
		if (memcmp(small->root, big->root, 32) != 0)
			return evidence(s, "two signed tree heads of the same size with different "
					"roots (a fork): stored (%s), new (%s)", ta, tb);
		return CH_OK;
	}
	if (!s->log->tiled) {
		snprintf(path, sizeof path, "ct/v1/get-sth-consistency?first=%" PRIu64
			 "&second=%" PRIu64, small->tree_size, big->tree_size);
		CH_TRY(get(s, path));
		if (ch_ct_proof_parse_json(&proof, s->body.data, s->body.len) != CH_OK ||
		    ch_merkle_verify_consistency(s->h, small->tree_size, big->tree_size, small->root,
						 big->root, (const uint8_t(*)[32])proof.hashes,
						 proof.num_hashes) != CH_OK)
			return evidence(s, "inconsistent tree heads: stored (%s), new (%s): %s", ta, tb,
					ch_error_last());
		return CH_OK;
	}
	ch_merkle_range_init(&r);
	CH_TRY(extend_from_tiles(s, &r, small->tree_size, big->tree_size));
	CH_TRY(ch_merkle_range_root(&r, s->h, root));
	if (memcmp(root, small->root, 32) != 0)
		return evidence(s, "inconsistent tree heads: the tiles of the tree (%s) do not contain "
				"the tree (%s)", big == a ? ta : tb, big == a ? tb : ta);
	CH_TRY(extend_from_tiles(s, &r, big->tree_size, big->tree_size));
	CH_TRY(ch_merkle_range_root(&r, s->h, root));
	if (memcmp(root, big->root, 32) != 0)
		return evidence(s, "the hash tiles do not hash to the signed root of (%s)",
				big == a ? ta : tb);
out:
	return err;
}

/* ---- chunks ---------------------------------------------------------------------------------- */

static void chunk_reset(sync *s)
{
	for (size_t i = 0; i < s->num_blobs; i++) {
		ch_ct_entries_free(&s->blobs[i].es);
		ch_buf_reset(&s->blobs[i].tile);
	}
	s->num_blobs = 0;
	s->num_items = 0;
	ch_buf_reset(&s->recs);
}

/* note_issuer queues a chain certificate (by fingerprint; der may be empty for tiled logs) to be
 * stored with the chunk, unless this sync has kept it already. */
static ch_err note_issuer(sync *s, const uint8_t fp[32], const ch_bytes *der)
{
	uint64_t h;
	size_t i;

	if (s->o.no_store)
		return CH_OK;
	if (!s->seen && !(s->seen = calloc(SEEN_SLOTS, 32)))
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	memcpy(&h, fp, 8);
	for (i = h % SEEN_SLOTS;; i = (i + 1) % SEEN_SLOTS) {
		static const uint8_t zero[32];
		if (!memcmp(s->seen[i], fp, 32))
			return CH_OK;
		if (!memcmp(s->seen[i], zero, 32))
			break;
	}
	if (s->num_seen >= SEEN_SLOTS / 2 || s->num_pending == MAX_PENDING)
		return CH_OK; /* a log with that many issuers: keep the first ones only */
	memcpy(s->seen[i], fp, 32);
	s->num_seen++;
	memcpy(s->pending[s->num_pending].fp, fp, 32);
	s->pending[s->num_pending].der = der ? *der : (ch_bytes){0};
	s->num_pending++;
	return CH_OK;
}

static ch_err push_item(sync *s, const ch_ct_entry *e, bool ok, const char *why,
		       const ch_bytes *raw)
{
	item *it;
	ch_buf rec;
	ch_err err = CH_OK;

	if (s->num_items == s->cap_items) {
		size_t cap = s->cap_items ? s->cap_items * 2 : 1024;
		item *p = realloc(s->items, cap * sizeof *p);
		if (!p)
			return ch_error_set(CH_ERR_NOMEM, "out of memory");
		s->items = p;
		s->cap_items = cap;
	}
	it = &s->items[s->num_items++];
	memset(it, 0, sizeof *it);
	if (raw)
		it->raw = *raw;
	if (ok) {
		it->der = e->type == CH_CT_X509_ENTRY ? e->cert : e->precert;
		it->ts = e->timestamp;
		it->te = e->timestamped_entry;
	} else {
		snprintf(it->why, sizeof it->why, "%s", why);
	}
	if (s->o.no_store || !ok)
		return CH_OK;
	/* The store links a precertificate to its final certificate by the logged TBS's
	 * fingerprint (the final issuer's even when a Precertificate Signing Certificate signed
	 * it); a logged TBS that cannot be walked leaves the one derived from the DER. */
	if (e->type == CH_CT_PRECERT_ENTRY) {
		it->has_tbs = ch_cert_tbs_sha256(it->tbs, s->h, e->tbs.data, e->tbs.len) == CH_OK;
		if (!it->has_tbs)
			ch_error_clear();
	}
	for (size_t i = 0; i < e->num_fingerprints; i++)
		CH_TRY(note_issuer(s, e->fingerprints + 32 * i, NULL));
	for (size_t i = 0; i < e->num_chain && !e->num_fingerprints; i++) {
		uint8_t fp[32];
		CH_TRY(ch_hash_sha256(s->h, fp, e->chain[i].data, e->chain[i].len));
		CH_TRY(note_issuer(s, fp, &e->chain[i]));
	}
	/* The record that lets ct verify rebuild this leaf from the stored certificate. */
	ch_buf_init(&rec, CH_STORE_CT_LEAF_MAX);
	err = ch_ct_entry_record(&rec, e, it->der.len ? it->der.data : NULL, it->der.len,
				 &s->scratch);
	it->rec_off = s->recs.len;
	it->rec_len = rec.len;
	if (!err)
		err = ch_buf_append(&s->recs, rec.data, rec.len);
	ch_buf_free(&rec);
out:
	return err;
}

/* keep_issuers stores the chunk's new chain certificates (no sighting: they are not entries);
 * a tiled log's are fetched from issuer/<hex> and must hash to their fingerprint. */
static ch_err keep_issuers(sync *s)
{
	char path[128], hex[65], where[160];
	uint8_t fp[32];
	ch_err err = CH_OK;

	for (size_t i = 0; i < s->num_pending; i++) {
		struct pending_issuer *p = &s->pending[i];
		ch_bytes der = p->der;

		ch_hex_encode(hex, p->fp, 32);
		if (!der.len) {
			snprintf(path, sizeof path, "issuer/%s", hex);
			err = get(s, path);
			snprintf(where, sizeof where, "log %s issuer %s", s->res->log_id, hex);
			if (err == CH_ERR_NOTFOUND || err == CH_ERR_NET) {
				ch_ingest_reject_item(s->ig, "ct-issuer", where, ch_error_last());
				err = CH_OK;
				continue;
			}
			if (err)
				return err;
			der.data = (const uint8_t *)s->body.data;
			der.len = s->body.len;
			CH_TRY(ch_hash_sha256(s->h, fp, der.data, der.len));
			if (memcmp(fp, p->fp, 32) != 0) {
				ch_ingest_reject_item(s->ig, "ct-issuer", where, "the served issuer does "
						      "not hash to its fingerprint");
				continue;
			}
		}
		CH_TRY(ch_ingest_add(s->ig, der.data, der.len, NULL));
	}
	s->num_pending = 0;
out:
	return err;
}

/* prefetch_pages fetches ahead the get-entries pages from `from` (the log's page size as known). */
static void prefetch_pages(sync *s, uint64_t from, uint64_t m)
{
	char paths[PF_MAX][128];
	size_t n = 0, room = MAX_BLOBS - s->num_blobs, w = window(s);

	for (uint64_t at = from; at < m && n < w && n < room; n++) {
		uint64_t want = m - at < s->batch ? m - at : s->batch;
		snprintf(paths[n], sizeof paths[n], "ct/v1/get-entries?start=%" PRIu64 "&end=%" PRIu64,
			 at, at + want - 1);
		at += want;
	}
	prefetch(s, paths, n);
}

/* prefetch_tiles fetches ahead the data tiles from entry `from`. */
static void prefetch_tiles(sync *s, uint64_t from, uint64_t m, uint64_t size)
{
	char paths[PF_MAX][128];
	size_t n = 0, room = MAX_BLOBS - s->num_blobs, w = window(s);

	for (uint64_t t = from / CH_CT_TILE_WIDTH; t * CH_CT_TILE_WIDTH < m && n < w && n < room; t++) {
		unsigned width = size / CH_CT_TILE_WIDTH > t ? CH_CT_TILE_WIDTH
							      : (unsigned)(size % CH_CT_TILE_WIDTH);
		ch_ct_tile_path(paths[n++], "data", t, width);
	}
	prefetch(s, paths, n);
}

/* fetch_rfc6962 fetches entries [r->size, m) (or fewer) and hashes them onto r. */
static ch_err fetch_rfc6962(sync *s, ch_merkle_range *r, uint64_t m, bool *bad)
{
	char path[128];
	ch_err err = CH_OK;

	*bad = false;
	while (r->size < m && s->num_blobs < MAX_BLOBS) {
		uint64_t want = m - r->size < s->batch ? m - r->size : s->batch;
		ch_ct_entries *es = &s->blobs[s->num_blobs].es;

		snprintf(path, sizeof path, "ct/v1/get-entries?start=%" PRIu64 "&end=%" PRIu64,
			 r->size, r->size + want - 1);
		if (window(s) && !fetched_ahead(s, path))
			prefetch_pages(s, r->size, m);
		CH_TRY(get(s, path));
		err = ch_ct_entries_parse_json(es, s->body.data, s->body.len);
		*bad = err != CH_OK;
		if (err)
			return evidence(s, "get-entries from %" PRIu64 ": %s", r->size, ch_error_last());
		s->num_blobs++;
		*bad = es->num == 0;
		if (es->num == 0)
			return evidence(s, "get-entries from %" PRIu64 " returned no entries", r->size);
		if (es->num < want)
			s->batch = (unsigned)es->num; /* the log's own page size */
		for (size_t i = 0; i < es->num && i < want; i++) {
			ch_ct_entry e;
			uint8_t lh[32];
			ch_err de;

			CH_TRY(ch_merkle_leaf_hash(s->h, lh, es->leaf_input[i].data, es->leaf_input[i].len));
			de = ch_ct_leaf_decode(&e, es->leaf_input[i].data, es->leaf_input[i].len);
			if (!de)
				de = ch_ct_extra_decode(&e, es->extra_data[i].data, es->extra_data[i].len);
			CH_TRY(push_item(s, &e, de == CH_OK, ch_error_last(), &es->leaf_input[i]));
			CH_TRY(ch_merkle_range_append(r, s->h, lh));
		}
	}
out:
	return err;
}

/* fetch_tiled fetches data tiles for entries [r->size, m) and hashes them onto r. A TileLeaf
 * that does not decode stops the chunk there (*bad set, evidence written). */
static ch_err fetch_tiled(sync *s, ch_merkle_range *r, uint64_t m, uint64_t size, bool *bad)
{
	char path[CH_CT_TILE_PATH_MAX];
	ch_err err = CH_OK;

	*bad = false;
	while (r->size < m && s->num_blobs < MAX_BLOBS) {
		uint64_t n = r->size / CH_CT_TILE_WIDTH, skip = r->size % CH_CT_TILE_WIDTH, idx;
		unsigned width = size / CH_CT_TILE_WIDTH > n ? CH_CT_TILE_WIDTH
							      : (unsigned)(size % CH_CT_TILE_WIDTH);
		ch_buf *t = &s->blobs[s->num_blobs].tile;
		ch_bytes cur;

		ch_ct_tile_path(path, "data", n, width);
		if (window(s) && !fetched_ahead(s, path))
			prefetch_tiles(s, r->size, m, size);
		err = get(s, path);
		if (err == CH_ERR_NOTFOUND && width < CH_CT_TILE_WIDTH) {
			ch_ct_tile_path(path, "data", n, 0);
			err = get(s, path);
		}
		if (err)
			return err;
		ch_buf_reset(t);
		CH_TRY(ch_ct_gunzip(t, (const uint8_t *)s->body.data, s->body.len));
		s->num_blobs++;
		cur.data = (const uint8_t *)t->data;
		cur.len = t->len;
		for (idx = n * CH_CT_TILE_WIDTH; idx < n * CH_CT_TILE_WIDTH + width && r->size < m;
		     idx++) {
			ch_ct_entry e;
			uint8_t lh[32];

			if (ch_ct_tile_leaf_next(&e, &cur) != CH_OK) {
				*bad = true;
				return evidence(s, "data tile %s: entry %" PRIu64 " does not decode: %s",
						path, idx, ch_error_last());
			}
			if (idx < n * CH_CT_TILE_WIDTH + skip)
				continue;
			if (e.has_leaf_index && e.leaf_index != idx) {
				*bad = true;
				return evidence(s, "data tile %s: entry %" PRIu64 " claims leaf index %"
						PRIu64, path, idx, e.leaf_index);
			}
			CH_TRY(ch_ct_entry_leaf_hash(s->h, lh, &e));
			CH_TRY(push_item(s, &e, true, "", NULL));
			CH_TRY(ch_merkle_range_append(r, s->h, lh));
		}
		if (idx < n * CH_CT_TILE_WIDTH + width && r->size < m) {
			*bad = true;
			return evidence(s, "data tile %s is short", path);
		}
	}
out:
	return err;
}

/* full_record makes the record of an entry whose certificate is not stored: the whole
 * TimestampedEntry ('F'), or the raw leaf ('L') when it did not decode. */
static ch_err full_record(sync *s, item *it)
{
	ch_err err = CH_OK;

	it->rec_off = s->recs.len;
	if (it->te.len) {
		CH_TRY(ch_buf_putc(&s->recs, 'F'));
		CH_TRY(ch_buf_append(&s->recs, it->te.data, it->te.len));
	} else {
		CH_TRY(ch_buf_putc(&s->recs, 'L'));
		CH_TRY(ch_buf_append(&s->recs, it->raw.data, it->raw.len));
	}
	it->rec_len = s->recs.len - it->rec_off;
out:
	return err;
}

/* feed hands a verified chunk to the pipeline, then records its entries (ch_store_ct_put) and
 * its checkpoint. The certificates are committed first, then the entry records and the
 * checkpoint in one transaction: a committed checkpoint always has its entries and records. */
static ch_err feed(sync *s, uint64_t first, const ch_ct_sth *sth, const ch_merkle_range *r)
{
	ch_ingest_counts c;
	uint64_t rejected;
	ch_err err = CH_OK;

	if (s->o.no_store)
		goto done;
	if (s->num_items > s->cap_rows) {
		ch_store_ct_entry *p = realloc(s->rows, s->num_items * sizeof *p);
		if (!p)
			return ch_error_set(CH_ERR_NOMEM, "out of memory");
		s->rows = p;
		s->cap_rows = s->num_items;
	}
	CH_TRY(keep_issuers(s));
	ch_ingest_get_counts(s->ig, &c);
	rejected = c.rejected;
	for (size_t i = 0; i < s->num_items; i++) {
		item *it = &s->items[i];
		ch_store_ct_entry *row = &s->rows[i];
		ch_sighting sg = {.kind = CH_SOURCE_CT, .source = s->res->log_id,
				  .index = (int64_t)(first + i), .timestamp = (int64_t)(it->ts / 1000)};
		ch_ingest_item item_in = {.sighting = &sg};
		char where[128];

		memset(row, 0, sizeof *row);
		row->index = first + i;
		if (it->der.len == 0) {
			snprintf(where, sizeof where, "log %s entry %" PRIu64, s->res->log_id, first + i);
			ch_ingest_reject_item(s->ig, "ct-entry", where, it->why);
			s->res->undecodable++;
			CH_TRY(full_record(s, it));
			rejected++;
			continue;
		}
		item_in.der = it->der.data;
		item_in.der_len = it->der.len;
		item_in.tbs_sha256 = it->has_tbs ? it->tbs : NULL;
		CH_TRY(ch_ingest_add_item(s->ig, &item_in));
		ch_ingest_get_counts(s->ig, &c);
		if (c.rejected != rejected) { /* the pipeline did not store it */
			rejected = c.rejected;
			CH_TRY(full_record(s, it));
			continue;
		}
		row->has_cert = true;
		CH_TRY(ch_hash_sha256(s->h, row->cert_sha256, it->der.data, it->der.len));
	}
	for (size_t i = 0; i < s->num_items; i++) {
		s->rows[i].leaf = (const uint8_t *)s->recs.data + s->items[i].rec_off;
		s->rows[i].leaf_len = s->items[i].rec_len;
	}
	CH_TRY(ch_ingest_flush(s->ig));
	CH_TRY(ch_store_begin(s->store));
	err = ch_store_ct_put(s->store, s->source_id, s->rows, s->num_items);
	if (err || (err = ch_store_commit(s->store)) != CH_OK) {
		char msg[512];
		snprintf(msg, sizeof msg, "%s", ch_error_last());
		if (ch_store_rollback(s->store) != CH_OK)
			ch_error_clear();
		return ch_error_set(err, "%s", msg);
	}
done:
	CH_TRY(save_checkpoint(s, sth, r));
	s->res->entries += s->num_items;
	s->res->next = r->size;
out:
	return err;
}

/* ---- the sync -------------------------------------------------------------------------------- */

void ch_ct_sync_source_id(char out[64], const ch_ct_key *key)
{
	memcpy(out, "ct:", 3);
	ch_base64_encode(out + 3, ch_ct_key_log_id(key), 32);
}

static ch_err setup(sync *s)
{
	const char *u = s->log->url, *p;
	size_t n = strlen(u);
	ch_ct_http_opts ho = {s->o.retries, s->o.stall_seconds, s->o.backoff_ms, s->o.max_rps};
	ch_err err;

	if (n + 2 > sizeof s->base)
		return ch_error_set(CH_ERR_INVALID, "log URL too long");
	snprintf(s->base, sizeof s->base, "%s%s", u, n && u[n - 1] == '/' ? "" : "/");
	ch_base64_encode(s->res->log_id, ch_ct_key_log_id(s->log->key), 32);
	ch_ct_sync_source_id(s->source_id, s->log->key);
	if (s->log->tiled) {
		if (s->log->origin) {
			snprintf(s->origin, sizeof s->origin, "%s", s->log->origin);
		} else {
			p = strstr(u, "://") ? strstr(u, "://") + 3 : u;
			snprintf(s->origin, sizeof s->origin, "%s", p);
			for (n = strlen(s->origin); n && s->origin[n - 1] == '/';)
				s->origin[--n] = '\0';
		}
		CH_TRY(ch_note_verifier_rfc6962(&s->v, s->origin, s->log->key));
	}
	ch_buf_init(&s->body, BODY_MAX);
	ch_buf_init(&s->recs, (size_t)MAX_BLOBS * CH_CT_MAX_TILE);
	ch_buf_init(&s->scratch, CH_CT_MAX_CERT);
	for (size_t i = 0; i < MAX_BLOBS; i++)
		ch_buf_init(&s->blobs[i].tile, CH_CT_MAX_TILE);
	CH_TRY(ch_hash_new(&s->h));
	CH_TRY(ch_ct__http_new(&s->http, &ho));
out:
	return err;
}

/* run_chunks fetches, proves and feeds chunks until the tree head or max_entries. */
static ch_err run_chunks(sync *s, ch_merkle_range *range, const ch_ct_sth *target)
{
	uint64_t stop = target->tree_size;
	ch_err err = CH_OK;

	if (s->o.max_entries && range->size + s->o.max_entries < stop)
		stop = range->size + s->o.max_entries;
	while (range->size < stop) {
		ch_merkle_range r2 = *range;
		uint64_t m;
		bool bad = false;
		ch_err ferr;

		if (s->o.stop && atomic_load(s->o.stop)) {
			s->res->stopped = true;
			break;
		}
		m = range->size + s->o.chunk < stop ? range->size + s->o.chunk : stop;

		chunk_reset(s);
		if (s->log->tiled)
			ferr = fetch_tiled(s, &r2, m, target->tree_size, &bad);
		else
			ferr = fetch_rfc6962(s, &r2, m, &bad);
		if (ferr && !bad)
			return ferr;
		/* Keep the good entries before a bad one: prove and store them, then report. */
		if (r2.size > range->size) {
			char saved[CH_CT_EVIDENCE_MAX];
			snprintf(saved, sizeof saved, "%s", s->res->evidence);
			CH_TRY(prove_prefix(s, &r2, target));
			CH_TRY(feed(s, range->size, target, &r2));
			*range = r2;
			snprintf(s->res->evidence, sizeof s->res->evidence, "%s", saved);
		}
		if (ferr) {
			ch_error_set(ferr, "log %s: %s", s->log->url, s->res->evidence);
			return ferr;
		}
		if (s->o.progress) {
			ch_ct_sync_progress p = {range->size, target->tree_size, s->res->entries,
						 s->res->requests};
			s->o.progress(s->o.progress_arg, &p);
		}
	}
out:
	return err;
}

ch_err ch_ct_sync(ch_ct_sync_result *out, ch_store *store, ch_ingest *ig,
		  const ch_ct_sync_log *log, const ch_ct_sync_opts *opts)
{
	static const ch_ct_sync_opts defaults = {0};
	sync *s = calloc(1, sizeof *s);
	ch_ct_sth stored, head, target;
	ch_merkle_range range;
	bool found;
	ch_err err = CH_OK;

	memset(out, 0, sizeof *out);
	if (!s)
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	s->log = log;
	s->o = opts ? *opts : defaults;
	s->o.batch = s->o.batch ? s->o.batch : 1000;
	s->o.chunk = s->o.chunk ? s->o.chunk : 8192;
	s->o.retries = opts ? s->o.retries : 4;
	s->o.stall_seconds = s->o.stall_seconds ? s->o.stall_seconds : 30;
	s->o.backoff_ms = s->o.backoff_ms ? s->o.backoff_ms : 250;
	s->batch = s->o.batch;
	s->o.parallel = s->o.max_rps > 0 ? 1 : s->o.parallel ? s->o.parallel : 4;
	for (size_t i = 0; i < PF_MAX; i++)
		ch_buf_init(&s->pf[i].body, BODY_MAX);
	s->res = out;
	s->store = store;
	s->ig = ig;
	if (!ig && !s->o.no_store) {
		err = ch_error_set(CH_ERR_INVALID, "ct sync: no ingest pipeline");
		goto out;
	}
	CH_TRY(setup(s));
	CH_TRY(load_checkpoint(s, &found, &stored, &range));
	out->start = out->next = range.size;
	CH_TRY(fetch_head(s, &head));
	target = head;
	if (found) {
		CH_TRY(check_consistent(s, &stored, &head));
		if (head.tree_size < stored.tree_size)
			target = stored; /* a stale front end: keep the newer head we already had */
	} else if (s->o.start_at_end) {
		if (log->tiled)
			CH_TRY(extend_from_tiles(s, &range, head.tree_size, head.tree_size));
		else
			CH_TRY(range_at_end_rfc6962(s, &range, &head));
		CH_TRY(prove_prefix(s, &range, &head));
		if (range.size) { /* kept for ct verify: entries below it are not stored */
			s->start.sth = head;
			s->start.range = range;
		}
		CH_TRY(save_checkpoint(s, &head, &range));
		out->start = out->next = range.size;
	}
	out->sth = target;
	CH_TRY(run_chunks(s, &range, &target));
	if (!s->o.no_store) {
		/* A newer head with nothing new fetched still moves the stored head forward. */
		CH_TRY(save_checkpoint(s, &target, &range));
		CH_TRY(ch_ingest_flush(ig));
	}
out:
	if (s) {
		chunk_reset(s);
		for (size_t i = 0; i < MAX_BLOBS; i++)
			ch_buf_free(&s->blobs[i].tile);
		free(s->items);
		free(s->rows);
		free(s->seen);
		ch_buf_free(&s->recs);
		ch_buf_free(&s->scratch);
		ch_buf_free(&s->body);
		for (size_t i = 0; i < PF_MAX; i++)
			ch_buf_free(&s->pf[i].body);
		ch_hash_free(s->h);
		ch_ct__http_free(s->http);
		out->requests = s->http ? out->requests : 0;
		free(s);
	}
	return err;
}
