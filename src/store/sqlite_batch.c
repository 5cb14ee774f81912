/* SQLite backend: the batched write path of ch_store_put_certs.
 *
 * One put call (a chunk of a few hundred certificates) is written with a handful of multi-row
 * statements instead of dozens of single-row statements per certificate:
 *  1. each certificate is looked up by SHA-256 (store, then earlier in this call); new ones get
 *     the next id of the transaction and their derived values;
 *  2. values already in the value-id cache are counted in memory; the others are gathered,
 *     distinct, with how many certificates of the call carry them, and written with multi-row
 *     upserts (INSERT ... ON CONFLICT DO UPDATE SET n=n+excluded.n RETURNING id);
 *  3. certificate rows, DER rows, edges (sorted by value, then certificate, for locality) and
 *     sightings follow as multi-row inserts. */
#include "sqlite.h"

#include <stdlib.h>
#include <string.h>

#define ZSTD_LEVEL 1
#define COMPRESS_MIN_GAIN 8 /* percent: store compressed DER only when it saves at least this */
#define EDGES_MAX (1u << 20) /* edges buffered before writing (16 MiB) */

typedef struct mentry {
	uint64_t hash;
	size_t off;      /* text in b->text */
	int64_t id;
	int64_t mult;    /* certificates of this call carrying the value */
	size_t pos;      /* first-seen position: refs use it, as slots move on rehash */
	bool seen_before; /* the value was already stored before this call */
	uint8_t attr;
	bool used;
} mentry;

typedef struct edge {
	int64_t ref;     /* > 0 value id; < 0 -(map slot + 1) */
	int64_t cert;
} edge;

typedef struct crow {
	int64_t id;
	size_t item;
	int64_t serial_ref, subject_ref, issuer_id;
	size_t z_off, z_len;  /* compressed DER in b->z, z_len 0 = stored raw */
	size_t e_first, e_num; /* its edges in b->edges */
	size_t l_off, l_len;  /* its value-id list (JSON array) in b->vl */
} crow;

typedef struct srow {
	int64_t cert;
	size_t item;
} srow;

struct ch_sq_batch {
	ch_buf text;
	mentry *map;
	size_t map_cap, map_used;
	size_t *order;        /* used slots in first-seen order */
	edge *edges;          /* the open transaction's edges, written sorted at commit */
	size_t num_edges, cap_edges;
	edge *sorted;         /* sort_edges' second buffer, cap_sorted of them */
	size_t cap_sorted;
	bool cert_order;      /* edges were appended in non-decreasing certificate order */
	size_t call_edges;    /* where this call's edges start */
	crow *rows;
	size_t num_rows, cap_rows;
	srow *sights;
	size_t num_sights, cap_sights;
	ch_buf z;
	ch_buf vl;            /* value-id lists of this call's new certificates */
	int64_t *ids;         /* per item: certificate id */
	size_t cap_ids;
};

static const struct {
	const char *head, *row, *tail;
	int rows;
} mdef[SQM_COUNT_] = {
	[SQM_VAL] = {"INSERT INTO val(id, attr, text, n) VALUES ", "(?,?,?,?)",
		     " ON CONFLICT(attr, text) DO UPDATE SET n=n+excluded.n RETURNING id, attr, text, n", 64},
	[SQM_VALNEW] = {"INSERT INTO val(id, attr, text, n) VALUES ", "(?,?,?,?)", "", 64},
	[SQM_CERT] = {"INSERT INTO cert(id, sha256, sha1, serial_id, subject_id, issuer_id, not_before,"
		      " not_after, flags) VALUES ", "(?,?,?,?,?,?,?,?,?)", "", 32},
	[SQM_DER] = {"INSERT INTO der(id, z, raw_len, data) VALUES ", "(?,?,?,?)", "", 32},
	[SQM_CV] = {"INSERT OR IGNORE INTO cv(value_id, cert_id) VALUES ", "(?,?)", "", 128},
	[SQM_SIGHT] = {"INSERT OR IGNORE INTO sighting(cert_id, source_id, idx, ts, ip, port, sni) VALUES ",
		       "(?,?,?,?,?,?,?)", "", 64},
	[SQM_VLIST] = {"INSERT INTO vlist(id, ids) VALUES ", "(?,?)", "", 64},
};

/* batch_rows is how many rows of kind k the next statement writes when `left` remain: the
 * largest power of two up to the full size, so that every size used is prepared once. */
static int batch_rows(enum ch_sq_multi k, size_t left)
{
	int rows = mdef[k].rows;

	while ((size_t)rows > left && rows > 1)
		rows /= 2;
	return rows;
}

/* mstmt returns the (cached) statement inserting `rows` rows of kind k, rows a power of two
 * from batch_rows. */
static ch_err mstmt(ch_sqlite *q, sqlite3_stmt **out, enum ch_sq_multi k, int rows)
{
	sqlite3_stmt **slot;
	ch_buf sql;
	int size = 0;
	ch_err err = CH_OK;

	while ((mdef[k].rows >> size) > rows)
		size++;
	if (size >= CH_SQ_MST_SIZES || (mdef[k].rows >> size) != rows)
		return ch_error_set(CH_ERR_INVALID, "store: no batch statement of %d rows", rows);
	slot = &q->mst[k][size];
	if (*slot) {
		sqlite3_reset(*slot);
		sqlite3_clear_bindings(*slot);
		*out = *slot;
		return CH_OK;
	}
	ch_buf_init(&sql, 1u << 20);
	CH_TRY(ch_buf_puts(&sql, mdef[k].head));
	for (int i = 0; i < rows; i++)
		CH_TRY(ch_buf_printf(&sql, "%s%s", i ? "," : "", mdef[k].row));
	CH_TRY(ch_buf_puts(&sql, mdef[k].tail));
	if (sqlite3_prepare_v3(q->db, sql.data, -1, SQLITE_PREPARE_PERSISTENT, out, NULL) !=
	    SQLITE_OK)
		CH_TRY(ch_sq__fail(q, "preparing a batch statement"));
	*slot = *out;
out:
	ch_buf_free(&sql);
	return err;
}

void ch_sq__batch_free(ch_sqlite *q)
{
	struct ch_sq_batch *b = q->batch;

	for (int k = 0; k < SQM_COUNT_; k++)
		for (int i = 0; i < CH_SQ_MST_SIZES; i++) {
			sqlite3_finalize(q->mst[k][i]);
			q->mst[k][i] = NULL;
		}
	if (!b)
		return;
	ch_buf_free(&b->text);
	ch_buf_free(&b->z);
	ch_buf_free(&b->vl);
	free(b->map);
	free(b->order);
	free(b->edges);
	free(b->sorted);
	free(b->rows);
	free(b->sights);
	free(b->ids);
	free(b);
	q->batch = NULL;
}

static ch_err grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t c = *cap ? *cap : 64;
	void *np;

	if (need <= *cap)
		return CH_OK;
	while (c < need)
		c *= 2;
	np = realloc(*p, c * elem);
	if (!np)
		return ch_error_set(CH_ERR_NOMEM, "out of memory batching certificates");
	*p = np;
	*cap = c;
	return CH_OK;
}

static ch_err batch_reset(ch_sqlite *q, size_t n)
{
	struct ch_sq_batch *b = q->batch;
	ch_err err = CH_OK;

	if (!b) {
		if (!(b = q->batch = calloc(1, sizeof *b)))
			return ch_error_set(CH_ERR_NOMEM, "out of memory");
		ch_buf_init(&b->text, 256u << 20);
		ch_buf_init(&b->z, 256u << 20);
		ch_buf_init(&b->vl, 256u << 20);
	}
	ch_buf_reset(&b->text);
	ch_buf_reset(&b->z);
	ch_buf_reset(&b->vl);
	for (size_t k = 0; k < b->map_used; k++) /* the used slots only: the map is large */
		b->map[b->order[k]] = (mentry){0};
	b->map_used = b->num_rows = b->num_sights = 0;
	b->call_edges = b->num_edges;
	CH_TRY(grow((void **)&b->ids, &b->cap_ids, n, sizeof *b->ids));
out:
	return err;
}

uint64_t ch_sq__val_hash(ch_store_attr attr, const char *text)
{
	uint64_t h = 14695981039346656037ull ^ ((uint64_t)attr << 56);

	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return h | 1;
}

static ch_err map_rehash(struct ch_sq_batch *b)
{
	size_t cap = b->map_cap ? b->map_cap * 2 : 4096;
	mentry *m = calloc(cap, sizeof *m), *old = b->map;
	size_t *order = realloc(b->order, 3 * cap * sizeof *order); /* + write_values' lists */

	if (!m || !order) {
		free(m);
		if (order)
			b->order = order;
		return ch_error_set(CH_ERR_NOMEM, "out of memory batching values");
	}
	b->order = order;
	for (size_t k = 0; k < b->map_used; k++) {
		mentry *e = &old[b->order[k]];
		size_t i = e->hash & (cap - 1);
		while (m[i].used)
			i = (i + 1) & (cap - 1);
		m[i] = *e;
		b->order[k] = i;
	}
	free(old);
	b->map = m;
	b->map_cap = cap;
	return CH_OK;
}

/* map_find returns the slot of (attr, text) in the call's value map, or the empty slot where it
 * belongs. */
static size_t map_find(struct ch_sq_batch *b, uint64_t h, ch_store_attr attr, const char *text)
{
	size_t i = h & (b->map_cap - 1);

	while (b->map[i].used && !(b->map[i].hash == h && b->map[i].attr == attr &&
				    !strcmp(b->text.data + b->map[i].off, text)))
		i = (i + 1) & (b->map_cap - 1);
	return i;
}

/* map_add counts one more certificate carrying (attr, text); *out_ref = -(slot + 1). */
static ch_err map_add(struct ch_sq_batch *b, int64_t *out_ref, ch_store_attr attr, const char *text)
{
	uint64_t h = ch_sq__val_hash(attr, text);
	size_t i;
	ch_err err = CH_OK;

	if (b->map_used * 2 >= b->map_cap)
		CH_TRY(map_rehash(b));
	i = map_find(b, h, attr, text);
	if (!b->map[i].used) {
		b->map[i] = (mentry){.hash = h, .off = b->text.len, .attr = (uint8_t)attr, .used = true,
				     .pos = b->map_used};
		CH_TRY(ch_buf_append(&b->text, text, strlen(text) + 1));
		b->order[b->map_used++] = i;
	}
	b->map[i].mult++;
	*out_ref = -(int64_t)(b->map[i].pos + 1);
out:
	return err;
}

static int64_t ref_id(const struct ch_sq_batch *b, int64_t ref)
{
	return ref >= 0 ? ref : b->map[b->order[-ref - 1]].id;
}

static ch_err add_edge(struct ch_sq_batch *b, int64_t ref, int64_t cert)
{
	ch_err err = grow((void **)&b->edges, &b->cap_edges, b->num_edges + 1, sizeof *b->edges);

	if (err)
		return err;
	if (!b->num_edges)
		b->cert_order = true;
	else if (cert < b->edges[b->num_edges - 1].cert)
		b->cert_order = false;
	b->edges[b->num_edges++] = (edge){ref, cert};
	return CH_OK;
}

static ch_err compress_der(ch_sqlite *q, crow *r, const ch_store_put *p)
{
	struct ch_sq_batch *b = q->batch;
	const ch_cert *c = p->cert;
	size_t bound = ZSTD_compressBound(c->der.len), zn;
	ch_err err = CH_OK;

	r->z_len = 0;
	if (p->der_form == CH_STORE_DER_ZSTD && p->der_z && p->der_z_len) {
		/* compressed by the caller: copied, as the caller's buffer is reused */
		CH_TRY(ch_buf_reserve(&b->z, p->der_z_len));
		memcpy(b->z.data + b->z.len, p->der_z, p->der_z_len);
		r->z_off = b->z.len;
		r->z_len = p->der_z_len;
		b->z.len += p->der_z_len;
		return CH_OK;
	}
	if (c->der.len < 256 || p->der_form == CH_STORE_DER_RAW)
		return CH_OK;
	CH_TRY(ch_buf_reserve(&b->z, bound));
	zn = ZSTD_compressCCtx(q->zc, b->z.data + b->z.len, bound, c->der.data, c->der.len, ZSTD_LEVEL);
	if (!ZSTD_isError(zn) && zn * 100 <= c->der.len * (100 - COMPRESS_MIN_GAIN)) {
		r->z_off = b->z.len;
		r->z_len = zn;
		b->z.len += zn;
	}
out:
	return err;
}

/* add_new derives a new certificate's values and queues its rows. The first-seen-order index of
 * a map value is stable, so refs stay valid across map growth. */
static ch_err add_new(ch_sqlite *q, size_t item, const ch_store_put *p, int64_t id)
{
	struct ch_sq_batch *b = q->batch;
	const ch_store__vals *v = p->derived;
	crow r = {.id = id, .item = item};
	const char *text;
	int64_t ref;
	ch_err err = CH_OK;

	if (!v) { /* not derived ahead by the caller */
		CH_TRY(ch_store__derive(&q->vals, p));
		v = &q->vals;
	}
	r.e_first = b->num_edges;
	for (size_t i = 0; i < v->n; i++)
		if (v->v[i].attr == CH_SA_ISSUER_DN) {
			CH_TRY(ch_sq__resolve(q, &r.issuer_id, CH_SA_ISSUER_DN, v->v[i].text));
			CH_TRY(add_edge(b, r.issuer_id, id));
		}
	for (size_t i = 0; i < v->n; i++) {
		ch_store_attr a = v->v[i].attr;
		if (a == CH_SA_ISSUER_DN)
			continue;
		CH_TRY(ch_sq__stored_text(q, &text, a, v->v[i].text, r.issuer_id));
		if (!ch_sq__vcache_find(q, &ref, a, text))
			CH_TRY(map_add(b, &ref, a, text));
		CH_TRY(add_edge(b, ref, id));
		if (a == CH_SA_SUBJECT_DN)
			r.subject_ref = ref;
		else if (a == CH_SA_SERIAL)
			r.serial_ref = ref;
	}
	r.e_num = b->num_edges - r.e_first;
	CH_TRY(compress_der(q, &r, p));
	CH_TRY(grow((void **)&b->rows, &b->cap_rows, b->num_rows + 1, sizeof *b->rows));
	b->rows[b->num_rows++] = r;
out:
	return err;
}

/* cache_value caches a value just written if it is worth it: the attributes that repeat by
 * nature, and any value seen a second time (popular names, shared keys), so that values met
 * once do not push them out. */
static ch_err cache_value(ch_sqlite *q, const mentry *e)
{
	struct ch_sq_batch *b = q->batch;
	ch_err err = CH_OK;

	if (!e->id)
		return ch_error_set(CH_ERR_STORE, "store: a value was not returned");
	ch_sq__known_add(q, e->hash);
	CH_TRY(ch_sq__bulk_add_val(q, e->hash, e->id));
	if (ch_sq__cacheable((ch_store_attr)e->attr) || e->seen_before || e->mult > 1)
		return ch_sq__vcache_add(q, e->id, (ch_store_attr)e->attr, b->text.data + e->off);
out:
	return err;
}

static int new_cmp(const void *x, const void *y, void *arg)
{
	const struct ch_sq_batch *sb = arg;
	const mentry *a = &sb->map[*(const size_t *)x], *c = &sb->map[*(const size_t *)y];

	if (a->attr != c->attr)
		return (int)a->attr - (int)c->attr;
	return strcmp(sb->text.data + a->off, sb->text.data + c->off);
}

/* write_new inserts the values the known filter says are certainly not stored: plain inserts
 * (no lookup, no RETURNING), sorted by (attr, text) so that the unique index is walked in key
 * order. `slots` lists their map slots. */
static ch_err write_new(ch_sqlite *q, size_t *slots, size_t n)
{
	struct ch_sq_batch *b = q->batch;
	sqlite3_stmt *st = NULL;
	ch_err err = CH_OK;
	int rc;

	qsort_r(slots, n, sizeof *slots, new_cmp, b);
	for (size_t at = 0; at < n;) {
		int rows = batch_rows(SQM_VALNEW, n - at);
		CH_TRY(mstmt(q, &st, SQM_VALNEW, rows));
		for (int k = 0; k < rows; k++) {
			mentry *e = &b->map[slots[at + (size_t)k]];
			CH_TRY(ch_sq__next_val_id(q, &e->id, (ch_store_attr)e->attr));
			sqlite3_bind_int64(st, 4 * k + 1, e->id);
			sqlite3_bind_int(st, 4 * k + 2, e->attr);
			sqlite3_bind_text(st, 4 * k + 3, b->text.data + e->off, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 4 * k + 4, e->mult);
			q->c_names += e->attr == CH_SA_NAME;
			q->c_domains += e->attr == CH_SA_DOMAIN;
		}
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		st = NULL;
		if (rc != SQLITE_DONE)
			CH_TRY(ch_sq__fail(q, "storing values"));
		for (int k = 0; k < rows; k++)
			CH_TRY(cache_value(q, &b->map[slots[at + (size_t)k]]));
		at += (size_t)rows;
	}
out:
	if (st)
		sqlite3_reset(st);
	return err;
}

/* bulk_existing (bulk load) resolves the "maybe stored" values of a call with the load's
 * dictionary: a stored one is counted and cached, the others join `fresh`. */
static ch_err bulk_existing(ch_sqlite *q, const size_t *maybe, size_t n, size_t *fresh,
			    size_t *nfresh)
{
	struct ch_sq_batch *b = q->batch;
	sqlite3_stmt *st;
	ch_err err = CH_OK;

	for (size_t k = 0; k < n; k++) {
		mentry *e = &b->map[maybe[k]];
		CH_TRY(ch_sq__bulk_find_val(q, &e->id, e->hash, (ch_store_attr)e->attr,
					    b->text.data + e->off));
		if (!e->id) {
			fresh[(*nfresh)++] = maybe[k];
			continue;
		}
		e->seen_before = true;
		CH_TRY(ch_sq__stmt(q, &st, SQ_VAL_ADD));
		sqlite3_bind_int64(st, 1, e->mult);
		sqlite3_bind_int64(st, 2, e->id);
		CH_TRY(ch_sq__step_done(q, st, "counting values"));
		CH_TRY(cache_value(q, e));
	}
out:
	return err;
}

/* write_values writes the call's distinct values that are not in the value-id cache: the
 * certainly new ones with plain inserts (write_new), the others with multi-row upserts that
 * count them and return their ids, K rows per statement. */
static ch_err write_values(ch_sqlite *q)
{
	struct ch_sq_batch *b = q->batch;
	sqlite3_stmt *st = NULL;
	ch_err err = CH_OK;
	size_t *up = b->order + b->map_cap, nup = 0, *fresh = up + b->map_cap, nfresh = 0;
	int rc;

	/* b->order has room for 3 * map_cap slots (map_rehash): order, then the two lists. */
	for (size_t k = 0; k < b->map_used; k++) {
		size_t i = b->order[k];
		if (ch_sq__known_maybe(q, b->map[i].hash) &&
		    (!q->bulk.on || ch_sq__bulk_maybe_val(q, b->map[i].hash)))
			up[nup++] = i;
		else
			fresh[nfresh++] = i;
	}
	if (q->bulk.on) {
		/* no (attr, text) index to upsert against: the dictionary decides */
		CH_TRY(bulk_existing(q, up, nup, fresh, &nfresh));
		nup = 0;
	}
	if (nfresh)
		CH_TRY(write_new(q, fresh, nfresh));
	for (size_t at = 0; at < nup;) {
		int rows = batch_rows(SQM_VAL, nup - at);
		CH_TRY(mstmt(q, &st, SQM_VAL, rows));
		for (int k = 0; k < rows; k++) {
			mentry *e = &b->map[up[at + (size_t)k]];
			int64_t id;
			CH_TRY(ch_sq__next_val_id(q, &id, (ch_store_attr)e->attr));
			sqlite3_bind_int64(st, 4 * k + 1, id);
			sqlite3_bind_int(st, 4 * k + 2, e->attr);
			sqlite3_bind_text(st, 4 * k + 3, b->text.data + e->off, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 4 * k + 4, e->mult);
		}
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			ch_store_attr a = (ch_store_attr)sqlite3_column_int(st, 1);
			const char *t = (const char *)sqlite3_column_text(st, 2);
			size_t i = map_find(b, ch_sq__val_hash(a, t), a, t);
			if (!b->map[i].used)
				continue;
			b->map[i].id = sqlite3_column_int64(st, 0);
			if (sqlite3_column_int64(st, 3) == b->map[i].mult) { /* it did not exist */
				q->c_names += a == CH_SA_NAME;
				q->c_domains += a == CH_SA_DOMAIN;
			} else {
				b->map[i].seen_before = true;
			}
		}
		sqlite3_reset(st);
		st = NULL;
		if (rc != SQLITE_DONE)
			CH_TRY(ch_sq__fail(q, "storing values"));
		for (int k = 0; k < rows; k++)
			CH_TRY(cache_value(q, &b->map[up[at + (size_t)k]]));
		at += (size_t)rows;
	}
out:
	if (st)
		sqlite3_reset(st);
	return err;
}

/* write_rows runs `bind` for every row of kind k, K rows per statement. */
typedef void (*bind_fn)(ch_sqlite *q, const ch_store_put *items, sqlite3_stmt *st, int base,
			size_t row);

static ch_err write_rows(ch_sqlite *q, const ch_store_put *items, enum ch_sq_multi k, size_t n,
			 int cols, bind_fn bind, int64_t *out_changes)
{
	sqlite3_stmt *st = NULL;
	ch_err err = CH_OK;
	int rc;

	for (size_t at = 0; at < n;) {
		int rows = batch_rows(k, n - at);
		CH_TRY(mstmt(q, &st, k, rows));
		for (int r = 0; r < rows; r++)
			bind(q, items, st, r * cols, at + (size_t)r);
		rc = sqlite3_step(st);
		sqlite3_reset(st);
		st = NULL;
		if (rc != SQLITE_DONE)
			CH_TRY(ch_sq__fail(q, "storing certificates"));
		if (out_changes)
			*out_changes += sqlite3_changes(q->db);
		at += (size_t)rows;
	}
out:
	return err;
}

static void bind_cert(ch_sqlite *q, const ch_store_put *items, sqlite3_stmt *st, int base,
		      size_t row)
{
	const crow *r = &q->batch->rows[row];
	const ch_cert *c = items[r->item].cert;
	unsigned flags = (c->is_ca ? CH_STORE_F_CA : 0) | (c->self_signed ? CH_STORE_F_SELF_SIGNED : 0) |
			 (c->precert ? CH_STORE_F_PRECERT : 0);

	sqlite3_bind_int64(st, base + 1, r->id);
	sqlite3_bind_blob(st, base + 2, c->sha256, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, base + 3, c->sha1, 20, SQLITE_STATIC);
	sqlite3_bind_int64(st, base + 4, ref_id(q->batch, r->serial_ref));
	sqlite3_bind_int64(st, base + 5, ref_id(q->batch, r->subject_ref));
	sqlite3_bind_int64(st, base + 6, r->issuer_id);
	sqlite3_bind_int64(st, base + 7, c->not_before);
	sqlite3_bind_int64(st, base + 8, c->not_after);
	sqlite3_bind_int(st, base + 9, (int)flags);
	q->c_certs++;
	q->c_precerts += c->precert;
}

static void bind_der(ch_sqlite *q, const ch_store_put *items, sqlite3_stmt *st, int base,
		     size_t row)
{
	const crow *r = &q->batch->rows[row];
	const ch_cert *c = items[r->item].cert;

	sqlite3_bind_int64(st, base + 1, r->id);
	sqlite3_bind_int(st, base + 2, r->z_len != 0);
	sqlite3_bind_int64(st, base + 3, (sqlite3_int64)c->der.len);
	if (r->z_len)
		sqlite3_bind_blob(st, base + 4, q->batch->z.data + r->z_off, (int)r->z_len, SQLITE_STATIC);
	else
		sqlite3_bind_blob(st, base + 4, c->der.data, (int)c->der.len, SQLITE_STATIC);
	q->c_der += r->z_len ? (int64_t)r->z_len : (int64_t)c->der.len;
	q->c_der_raw += (int64_t)c->der.len;
}

static void bind_edge(ch_sqlite *q, const ch_store_put *items, sqlite3_stmt *st, int base,
		      size_t row)
{
	const edge *e = &q->batch->edges[row];

	(void)items;
	sqlite3_bind_int64(st, base + 1, e->ref);
	sqlite3_bind_int64(st, base + 2, e->cert);
}

static void bind_sight(ch_sqlite *q, const ch_store_put *items, sqlite3_stmt *st, int base,
		       size_t row)
{
	const srow *s = &q->batch->sights[row];
	const ch_sighting *g = items[s->item].sighting;

	sqlite3_bind_int64(st, base + 1, s->cert);
	sqlite3_bind_int64(st, base + 2, q->batch->ids[s->item]); /* source id, see write_sightings */
	sqlite3_bind_int64(st, base + 3, g->index);
	sqlite3_bind_int64(st, base + 4, g->timestamp);
	if (g->ip)
		sqlite3_bind_text(st, base + 5, g->ip, -1, SQLITE_STATIC);
	if (g->port)
		sqlite3_bind_int(st, base + 6, g->port);
	if (g->sni)
		sqlite3_bind_text(st, base + 7, g->sni, -1, SQLITE_STATIC);
}

static void bind_vlist(ch_sqlite *q, const ch_store_put *items, sqlite3_stmt *st, int base,
		       size_t row)
{
	const crow *r = &q->batch->rows[row];

	(void)items;
	sqlite3_bind_int64(st, base + 1, r->id);
	sqlite3_bind_text(st, base + 2, q->batch->vl.data + r->l_off, (int)r->l_len, SQLITE_STATIC);
}

/* put_id writes a value id in decimal. */
static size_t put_id(char *out, int64_t v)
{
	char tmp[24];
	size_t n = 0, o = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		out[o++] = tmp[--n];
	return o;
}

/* build_vlists makes each new certificate's value-id list, a JSON array of its (resolved)
 * edges' value ids, read back with json_each. */
static ch_err build_vlists(struct ch_sq_batch *b)
{
	ch_err err = CH_OK;

	for (size_t k = 0; k < b->num_rows; k++) {
		crow *r = &b->rows[k];
		char *p;
		CH_TRY(ch_buf_reserve(&b->vl, r->e_num * 21 + 3));
		p = b->vl.data + b->vl.len;
		r->l_off = b->vl.len;
		*p++ = '[';
		for (size_t i = 0; i < r->e_num; i++) {
			if (i)
				*p++ = ',';
			p += put_id(p, b->edges[r->e_first + i].ref);
		}
		*p++ = ']';
		r->l_len = (size_t)(p - (b->vl.data + r->l_off));
		b->vl.len += r->l_len;
	}
out:
	return err;
}

static int edge_cmp(const void *a, const void *b)
{
	const edge *x = a, *y = b;

	if (x->ref != y->ref)
		return x->ref < y->ref ? -1 : 1;
	return (x->cert > y->cert) - (x->cert < y->cert);
}

/* same_in_call finds a certificate stored earlier in this call (a repeat inside the batch). */
static int64_t same_in_call(const struct ch_sq_batch *b, const ch_store_put *items,
			    const uint8_t *sha)
{
	for (size_t k = b->num_rows; k-- > 0;)
		if (!memcmp(items[b->rows[k].item].cert->sha256, sha, 32))
			return b->rows[k].id;
	return 0;
}

static ch_err load_next_id(ch_sqlite *q)
{
	sqlite3_stmt *st = NULL;
	ch_err err = CH_OK;

	if (q->next_id)
		return CH_OK;
	if (sqlite3_prepare_v2(q->db, "SELECT coalesce(max(id), 0) + 1 FROM cert", -1, &st, NULL) !=
		    SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		err = ch_sq__fail(q, "reading the next certificate id");
	else
		q->next_id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return err;
}

#define RADIX_BITS 11
#define RADIX (1u << RADIX_BITS)

/* radix_pass moves n edges from src to dst, stably ordered by the value-id digit at `shift`;
 * false (nothing moved) when every edge has the same digit there. */
static bool radix_pass(const edge *src, edge *dst, size_t n, unsigned shift)
{
	static _Thread_local size_t count[RADIX];
	size_t sum = 0;

	memset(count, 0, sizeof count);
	for (size_t i = 0; i < n; i++)
		count[((uint64_t)src[i].ref >> shift) & (RADIX - 1)]++;
	if (count[((uint64_t)src[0].ref >> shift) & (RADIX - 1)] == n)
		return false;
	for (size_t d = 0; d < RADIX; d++) {
		size_t c = count[d];
		count[d] = sum;
		sum += c;
	}
	for (size_t i = 0; i < n; i++)
		dst[count[((uint64_t)src[i].ref >> shift) & (RADIX - 1)]++] = src[i];
	return true;
}

/* sort_edges orders the edges by (value, certificate). They were appended in certificate order
 * (ids are handed out in increasing order), so a stable LSD radix sort on the value id alone
 * does it, a few linear passes instead of a comparison sort; any other order falls back to
 * qsort. */
static ch_err sort_edges(struct ch_sq_batch *b)
{
	size_t n = b->num_edges;
	uint64_t top = 0;
	edge *src = b->edges, *dst;
	ch_err err = CH_OK;

	if (!b->cert_order || n < 1024) {
		qsort(b->edges, n, sizeof *b->edges, edge_cmp);
		return CH_OK;
	}
	CH_TRY(grow((void **)&b->sorted, &b->cap_sorted, n, sizeof *b->sorted));
	dst = b->sorted;
	for (size_t i = 0; i < n; i++)
		top |= (uint64_t)b->edges[i].ref;
	for (unsigned shift = 0; shift < 64 && (top >> shift); shift += RADIX_BITS)
		if (radix_pass(src, dst, n, shift)) {
			edge *t = src;
			src = dst;
			dst = t;
		}
	if (src != b->edges) { /* the sorted edges are in the second buffer: swap the buffers */
		size_t cap = b->cap_edges;
		b->sorted = b->edges;
		b->cap_edges = b->cap_sorted;
		b->cap_sorted = cap;
		b->edges = src;
	}
out:
	return err;
}

/* ch_sq__flush_edges writes the transaction's edges sorted by (value, certificate): one pass
 * over the cv B-tree in key order per transaction instead of scattered inserts per call. Runs
 * before commit and before any read through this handle. */
ch_err ch_sq__flush_edges(ch_sqlite *q)
{
	struct ch_sq_batch *b = q->batch;
	ch_err err;

	if (!b || !b->num_edges)
		return CH_OK;
	err = sort_edges(b);
	if (!err)
		err = write_rows(q, NULL, SQM_CV, b->num_edges, 2, bind_edge, NULL);
	b->num_edges = b->call_edges = 0;
	return err;
}

/* ch_sq__drop_edges forgets unwritten edges (rollback). */
void ch_sq__drop_edges(ch_sqlite *q)
{
	if (q->batch)
		q->batch->num_edges = q->batch->call_edges = 0;
}

ch_err ch_sq__put_batch(ch_sqlite *q, uint8_t *out_new, const ch_store_put *items, size_t n)
{
	struct ch_sq_batch *b;
	int64_t id, sid;
	uint64_t sk;
	ch_err err = CH_OK;

	CH_TRY(batch_reset(q, n));
	CH_TRY(load_next_id(q));
	b = q->batch;
	for (size_t i = 0; i < n; i++) {
		const ch_cert *c = items[i].cert;
		if (!c || !c->der.data)
			CH_TRY(ch_error_set(CH_ERR_INVALID, "store: item %zu has no certificate", i));
		sk = ch_sq__sha_key(c->sha256);
		id = 0;
		if (ch_sq__known_maybe(q, sk) || q->bulk.on) {
			CH_TRY(ch_sq__find_cert(q, &id, c->sha256));
			/* a repeat inside this call is in the load's dictionary (not yet readable) */
			if (!id && (!q->bulk.on || ch_sq__bulk_maybe_cert(q, c->sha256)))
				id = same_in_call(b, items, c->sha256);
		}
		if (out_new)
			out_new[i] = id == 0;
		if (!id) {
			id = q->next_id++;
			CH_TRY(add_new(q, i, &items[i], id));
			ch_sq__known_add(q, sk);
			CH_TRY(ch_sq__bulk_add_cert(q, c->sha256, id));
		}
		if (items[i].sighting) {
			const ch_sighting *g = items[i].sighting;
			if (!g->source || (int)g->kind < CH_SOURCE_FILE || g->kind > CH_SOURCE_TELEMETRY)
				CH_TRY(ch_error_set(CH_ERR_INVALID, "store: a sighting needs a kind and a source"));
			CH_TRY(ch_sq__source_id(q, &sid, g->kind, g->source));
			b->ids[i] = sid;
			CH_TRY(grow((void **)&b->sights, &b->cap_sights, b->num_sights + 1, sizeof *b->sights));
			b->sights[b->num_sights++] = (srow){id, i};
		}
	}
	CH_TRY(write_values(q));
	CH_TRY(write_rows(q, items, SQM_CERT, b->num_rows, 9, bind_cert, NULL));
	CH_TRY(write_rows(q, items, SQM_DER, b->num_rows, 4, bind_der, NULL));
	for (size_t i = b->call_edges; i < b->num_edges; i++)
		b->edges[i].ref = ref_id(b, b->edges[i].ref);
	CH_TRY(build_vlists(b));
	CH_TRY(write_rows(q, items, SQM_VLIST, b->num_rows, 2, bind_vlist, NULL));
	CH_TRY(write_rows(q, items, SQM_SIGHT, b->num_sights, 7, bind_sight, &q->c_sightings));
	if (b->num_edges >= EDGES_MAX)
		CH_TRY(ch_sq__flush_edges(q));
out:
	if (err)
		q->next_id = q->next_val = 0; /* the caller rolls back; read them again next time */
	return err;
}
