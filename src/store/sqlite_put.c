/* SQLite backend: writing certificates, their values, sightings and checkpoints.
 *
 * Speed comes from three things: prepared statements cached in the handle, one upsert per value
 * that both finds the value's id and counts it, and an in-memory cache of the ids of values that
 * repeat across certificates (issuer DNs, CA organisations, key types...), whose count increments
 * are summed in memory and written once per put call. */
#include "sqlite.h"

#include <stdlib.h>
#include <string.h>

#define ZSTD_LEVEL 1
#define COMPRESS_MIN_GAIN 8 /* percent: store compressed DER only when it saves at least this */

void ch_sq__reverse_labels(char *out, const char *name, size_t len)
{
	size_t o = 0, end = len;

	/* Copy labels from the last to the first: "a.b.c" -> "c.b.a". */
	while (end > 0) {
		size_t start = end;
		while (start > 0 && name[start - 1] != '.')
			start--;
		memcpy(out + o, name + start, end - start);
		o += end - start;
		if (start > 0)
			out[o++] = '.';
		end = start > 0 ? start - 1 : 0;
	}
	out[o] = '\0';
}

bool ch_sq__cacheable(ch_store_attr a)
{
	switch (a) {
	case CH_SA_DOMAIN:
	case CH_SA_JA4X:
	case CH_SA_ISSUER_DN:
	case CH_SA_ISSUER_O:
	case CH_SA_ISSUER_CN:
	case CH_SA_SUBJECT_O:
	case CH_SA_SUBJECT_OU:
	case CH_SA_FLAG:
	case CH_SA_KEY:
	case CH_SA_SIG:
		return true;
	default:
		return false;
	}
}

static uint64_t vhash(ch_store_attr attr, const char *text)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)attr;

	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		h = (h ^ *p) * 1099511628211ull;
	return h | 1;
}

/* flush_deltas writes the summed count increments of cached values. */
static ch_err flush_deltas(ch_sqlite *q)
{
	sqlite3_stmt *st;
	ch_err err = CH_OK;

	for (size_t i = 0; i < q->num_dirty && !err; i++) {
		ch_sq_vent *e = &q->vcache[q->dirty[i]];
		if (!e->dirty)
			continue;
		err = ch_sq__stmt(q, &st, SQ_VAL_ADD);
		if (err)
			break;
		sqlite3_bind_int64(st, 1, e->delta);
		sqlite3_bind_int64(st, 2, e->id);
		err = ch_sq__step_done(q, st, "counting values");
		e->delta = 0;
		e->dirty = false;
	}
	q->num_dirty = 0;
	return err;
}

void ch_sq__vcache_clear(ch_sqlite *q)
{
	for (size_t i = 0; q->vcache && q->vcache_used && i < CH_SQ_VCACHE_SLOTS; i++) {
		free(q->vcache[i].text);
		memset(&q->vcache[i], 0, sizeof q->vcache[i]);
	}
	q->vcache_used = 0;
	q->num_dirty = 0;
}

void ch_sq__pending_clear(ch_sqlite *q)
{
	q->c_certs = q->c_precerts = q->c_names = q->c_domains = 0;
	q->c_sightings = q->c_der = q->c_der_raw = 0;
	q->src_id = 0;
	q->next_id = 0;
	q->next_val = 0;
}

/* ch_sq__next_val_id hands out the id for a new value of `attr` (unused if the value exists). */
ch_err ch_sq__next_val_id(ch_sqlite *q, int64_t *out, ch_store_attr attr)
{
	sqlite3_stmt *st = NULL;
	ch_err err = CH_OK;

	if (!q->next_val) {
		if (sqlite3_prepare_v2(q->db, "SELECT coalesce(max(id), 0) FROM val", -1, &st, NULL) !=
			    SQLITE_OK ||
		    sqlite3_step(st) != SQLITE_ROW)
			err = ch_sq__fail(q, "reading the next value id");
		else
			q->next_val = (sqlite3_column_int64(st, 0) >> CH_SQ_ATTR_BITS) + 1;
		sqlite3_finalize(st);
		if (err)
			return err;
	}
	*out = (q->next_val++ << CH_SQ_ATTR_BITS) | (int64_t)attr;
	return CH_OK;
}

/* bulk_upsert is upsert during a bulk load, without the (attr, text) index: the load's
 * dictionary finds the value, or it is inserted as new with id `fresh`. */
static ch_err bulk_upsert(ch_sqlite *q, int64_t *out_id, ch_store_attr attr, const char *text,
			  int64_t fresh)
{
	uint64_t h = ch_sq__val_hash(attr, text);
	sqlite3_stmt *st;
	ch_err err = CH_OK;

	CH_TRY(ch_sq__bulk_find_val(q, out_id, h, attr, text));
	if (*out_id) {
		CH_TRY(ch_sq__stmt(q, &st, SQ_VAL_ADD));
		sqlite3_bind_int64(st, 1, 1);
		sqlite3_bind_int64(st, 2, *out_id);
		return ch_sq__step_done(q, st, "counting a value");
	}
	CH_TRY(ch_sq__stmt(q, &st, SQ_VAL_INS));
	sqlite3_bind_int(st, 1, (int)attr);
	sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, fresh);
	CH_TRY(ch_sq__step_done(q, st, "storing a value"));
	*out_id = fresh;
	q->c_names += attr == CH_SA_NAME;
	q->c_domains += attr == CH_SA_DOMAIN;
	ch_sq__known_add(q, h);
	err = ch_sq__bulk_add_val(q, h, fresh);
out:
	return err;
}

/* upsert counts one more certificate carrying (attr, text) and returns the value's id. */
static ch_err upsert(ch_sqlite *q, int64_t *out_id, ch_store_attr attr, const char *text)
{
	sqlite3_stmt *st;
	int64_t fresh;
	ch_err err = ch_sq__next_val_id(q, &fresh, attr);
	int rc;

	if (err)
		return err;
	if (q->bulk.on)
		return bulk_upsert(q, out_id, attr, text, fresh);
	if ((err = ch_sq__stmt(q, &st, SQ_VAL_UPSERT)))
		return err;
	sqlite3_bind_int(st, 1, (int)attr);
	sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, fresh);
	rc = sqlite3_step(st);
	if (rc != SQLITE_ROW) {
		sqlite3_reset(st);
		return ch_sq__fail(q, "storing a value");
	}
	*out_id = sqlite3_column_int64(st, 0);
	if (sqlite3_column_int64(st, 1) == 1) {
		q->c_names += attr == CH_SA_NAME;
		q->c_domains += attr == CH_SA_DOMAIN;
	}
	sqlite3_reset(st);
	return CH_OK;
}

/* ch_sq__vcache_find looks (attr, text) up in the value-id cache; on a hit it counts one more
 * certificate carrying it (written later by flush_deltas) and returns true. */
bool ch_sq__vcache_find(ch_sqlite *q, int64_t *out_id, ch_store_attr attr, const char *text)
{
	uint64_t h = vhash(attr, text);
	ch_sq_vent *e;

	for (size_t i = h & (CH_SQ_VCACHE_SLOTS - 1); q->vcache[i].id;
	     i = (i + 1) & (CH_SQ_VCACHE_SLOTS - 1)) {
		e = &q->vcache[i];
		if (e->hash == h && e->attr == attr && !strcmp(e->text, text)) {
			e->delta++;
			if (!e->dirty) {
				e->dirty = true;
				q->dirty[q->num_dirty++] = (uint32_t)i;
			}
			*out_id = e->id;
			return true;
		}
	}
	return false;
}

/* ch_sq__vcache_add remembers a value id just written (its count is already in the store). */
ch_err ch_sq__vcache_add(ch_sqlite *q, int64_t id, ch_store_attr attr, const char *text)
{
	uint64_t h = vhash(attr, text);
	ch_sq_vent *e;
	size_t i;
	ch_err err = CH_OK;

	if (q->vcache_used >= CH_SQ_VCACHE_SLOTS / 2) {
		/* Full: write what is pending and start again (bounded memory). */
		CH_TRY(flush_deltas(q));
		ch_sq__vcache_clear(q);
	}
	for (i = h & (CH_SQ_VCACHE_SLOTS - 1); q->vcache[i].id; i = (i + 1) & (CH_SQ_VCACHE_SLOTS - 1))
		if (q->vcache[i].hash == h && q->vcache[i].attr == attr && !strcmp(q->vcache[i].text, text))
			return CH_OK;
	e = &q->vcache[i];
	e->text = ch_store__strdup(text);
	if (!e->text)
		return ch_error_set(CH_ERR_NOMEM, "out of memory caching values");
	e->hash = h;
	e->id = id;
	e->attr = (uint8_t)attr;
	e->delta = 0;
	e->dirty = false;
	q->vcache_used++;
out:
	return err;
}

/* ch_sq__resolve counts one more certificate carrying (attr, text) and returns the value's id,
 * through the cache for values that repeat. */
ch_err ch_sq__resolve(ch_sqlite *q, int64_t *out_id, ch_store_attr attr, const char *text)
{
	ch_err err;

	if (!ch_sq__cacheable(attr))
		return upsert(q, out_id, attr, text);
	if (ch_sq__vcache_find(q, out_id, attr, text))
		return CH_OK;
	err = upsert(q, out_id, attr, text);
	if (!err)
		err = ch_sq__vcache_add(q, *out_id, attr, text);
	return err;
}

/* stored_text maps a value to its stored text: names reversed, serials joined with the id of
 * their issuer DN. Returns a pointer to `text` itself or into q->scratch. */
ch_err ch_sq__stored_text(ch_sqlite *q, const char **out, ch_store_attr attr, const char *text,
			  int64_t issuer_id)
{
	size_t n = strlen(text);
	ch_err err = CH_OK;

	*out = text;
	if (attr != CH_SA_NAME && attr != CH_SA_SERIAL)
		return CH_OK;
	ch_buf_reset(&q->scratch);
	if (attr == CH_SA_NAME) {
		CH_TRY(ch_buf_reserve(&q->scratch, n + 1));
		ch_sq__reverse_labels(q->scratch.data, text, n);
	} else {
		CH_TRY(ch_buf_printf(&q->scratch, "%s/%lld", text, (long long)issuer_id));
	}
	*out = q->scratch.data;
out:
	return err;
}

ch_err ch_sq__source_id(ch_sqlite *q, int64_t *out, ch_source_kind kind, const char *name)
{
	sqlite3_stmt *st;
	ch_err err = CH_OK;
	char *copy;

	if (q->src_id && q->src_kind == (int)kind && !strcmp(q->src_name, name)) {
		*out = q->src_id;
		return CH_OK;
	}
	CH_TRY(ch_sq__stmt(q, &st, SQ_SRC_FIND));
	sqlite3_bind_int(st, 1, (int)kind);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
	} else {
		sqlite3_reset(st);
		CH_TRY(ch_sq__stmt(q, &st, SQ_SRC_INS));
		sqlite3_bind_int(st, 1, (int)kind);
		sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
		CH_TRY(ch_sq__step_done(q, st, "storing a source"));
		*out = sqlite3_last_insert_rowid(q->db);
	}
	copy = ch_store__strdup(name);
	if (!copy) {
		err = ch_error_set(CH_ERR_NOMEM, "out of memory");
		goto out;
	}
	free(q->src_name);
	q->src_name = copy;
	q->src_kind = (int)kind;
	q->src_id = *out;
out:
	return err;
}

static ch_err add_sighting(ch_sqlite *q, int64_t cert_id, const ch_sighting *g)
{
	sqlite3_stmt *st;
	int64_t sid;
	ch_err err = CH_OK;

	if (!g->source || (int)g->kind < CH_SOURCE_FILE || g->kind > CH_SOURCE_TELEMETRY)
		return ch_error_set(CH_ERR_INVALID, "store: a sighting needs a kind and a source");
	CH_TRY(ch_sq__source_id(q, &sid, g->kind, g->source));
	CH_TRY(ch_sq__stmt(q, &st, SQ_SIGHT_INS));
	sqlite3_bind_int64(st, 1, cert_id);
	sqlite3_bind_int64(st, 2, sid);
	sqlite3_bind_int64(st, 3, g->index);
	sqlite3_bind_int64(st, 4, g->timestamp);
	if (g->ip)
		sqlite3_bind_text(st, 5, g->ip, -1, SQLITE_STATIC);
	if (g->port)
		sqlite3_bind_int(st, 6, g->port);
	if (g->sni)
		sqlite3_bind_text(st, 7, g->sni, -1, SQLITE_STATIC);
	CH_TRY(ch_sq__step_done(q, st, "storing a sighting"));
	q->c_sightings += sqlite3_changes(q->db);
out:
	return err;
}

static ch_err counter_add(ch_sqlite *q, const char *name, int64_t *n)
{
	sqlite3_stmt *st;
	ch_err err;

	if (!*n)
		return CH_OK;
	err = ch_sq__stmt(q, &st, SQ_COUNTER_ADD);
	if (err)
		return err;
	sqlite3_bind_int64(st, 1, *n);
	sqlite3_bind_text(st, 2, name, -1, SQLITE_STATIC);
	err = ch_sq__step_done(q, st, "updating counters");
	*n = 0;
	return err;
}

/* flush_pending writes count increments and counters, so readers in this transaction (and
 * after commit, everyone) see exact figures. */
ch_err ch_sq__flush_pending(ch_sqlite *q)
{
	ch_err err = CH_OK;

	CH_TRY(flush_deltas(q));
	CH_TRY(counter_add(q, "certs", &q->c_certs));
	CH_TRY(counter_add(q, "precerts", &q->c_precerts));
	CH_TRY(counter_add(q, "names", &q->c_names));
	CH_TRY(counter_add(q, "domains", &q->c_domains));
	CH_TRY(counter_add(q, "sightings", &q->c_sightings));
	CH_TRY(counter_add(q, "der_bytes", &q->c_der));
	CH_TRY(counter_add(q, "der_raw_bytes", &q->c_der_raw));
out:
	return err;
}

ch_err ch_sq__find_cert(ch_sqlite *q, int64_t *out, const uint8_t sha256[32])
{
	sqlite3_stmt *st;
	ch_err err;
	int rc;

	if (q->bulk.on)
		return ch_sq__bulk_find_cert(q, out, sha256);
	if ((err = ch_sq__stmt(q, &st, SQ_CERT_FIND)))
		return err;
	sqlite3_bind_blob(st, 1, sha256, 32, SQLITE_STATIC);
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return ch_sq__fail(q, "looking up a certificate");
	return CH_OK;
}

/* with_txn opens an implicit transaction when the caller has none; *opened says so. */
static ch_err with_txn(ch_sqlite *q, bool *opened)
{
	*opened = false;
	if (q->readonly)
		return ch_error_set(CH_ERR_INVALID, "store: opened read-only");
	if (q->in_txn)
		return CH_OK;
	*opened = true;
	return q->base.ops->begin(&q->base);
}

static ch_err end_txn(ch_sqlite *q, bool opened, ch_err err)
{
	if (!opened)
		return err;
	if (err) {
		(void)q->base.ops->rollback(&q->base);
		return err;
	}
	return q->base.ops->commit(&q->base);
}

ch_err ch_sq__put_certs(ch_store *s, uint8_t *out_new, const ch_store_put *items, size_t n)
{
	ch_sqlite *q = (ch_sqlite *)s;
	bool opened;
	ch_err err = with_txn(q, &opened);

	if (err)
		return err;
	/* Count increments and counters stay in memory until commit (or a read through this
	 * handle): written once per transaction, not once per chunk. */
	err = ch_sq__put_batch(q, out_new, items, n);
	return end_txn(q, opened, err);
}

ch_err ch_sq__add_sightings(ch_store *s, const uint8_t (*sha256s)[32], const ch_sighting *sg,
			    size_t n)
{
	ch_sqlite *q = (ch_sqlite *)s;
	bool opened;
	int64_t id;
	char hex[65];
	ch_err err = with_txn(q, &opened);

	if (err)
		return err;
	for (size_t i = 0; i < n; i++) {
		CH_TRY(ch_sq__find_cert(q, &id, sha256s[i]));
		if (!id) {
			ch_hex_encode(hex, sha256s[i], 32);
			CH_TRY(ch_error_set(CH_ERR_NOTFOUND, "store: no certificate %s", hex));
		}
		CH_TRY(add_sighting(q, id, &sg[i]));
	}
out:
	return end_txn(q, opened, err);
}

ch_err ch_sq__checkpoint_set(ch_store *s, const char *source_id, const void *data, size_t len)
{
	ch_sqlite *q = (ch_sqlite *)s;
	sqlite3_stmt *st;
	bool opened;
	ch_err err = with_txn(q, &opened);

	if (err)
		return err;
	CH_TRY(ch_sq__stmt(q, &st, SQ_CKPT_SET));
	sqlite3_bind_text(st, 1, source_id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, len ? data : "", (int)len, SQLITE_STATIC);
	err = ch_sq__step_done(q, st, "writing a checkpoint");
out:
	return end_txn(q, opened, err);
}

ch_err ch_sq__checkpoint_get(ch_store *s, ch_buf *out, const char *source_id)
{
	ch_sqlite *q = (ch_sqlite *)s;
	sqlite3_stmt *st;
	ch_err err = ch_sq__stmt(q, &st, SQ_CKPT_GET);
	int rc;

	if (err)
		return err;
	sqlite3_bind_text(st, 1, source_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		err = ch_buf_append(out, sqlite3_column_blob(st, 0), (size_t)sqlite3_column_bytes(st, 0));
	else if (rc == SQLITE_DONE)
		err = ch_error_set(CH_ERR_NOTFOUND, "store: no checkpoint for %s", source_id);
	else
		err = ch_sq__fail(q, "reading a checkpoint");
	sqlite3_reset(st);
	return err;
}

/* ch_sq__lookup_value finds the id of a stored value without counting it; 0 when absent. */
ch_err ch_sq__lookup_value(ch_sqlite *q, int64_t *out_id, ch_store_attr attr, const char *text)
{
	sqlite3_stmt *st;
	ch_err err = ch_sq__stmt(q, &st, SQ_VAL_FIND);
	int rc;

	if (err)
		return err;
	sqlite3_bind_int(st, 1, (int)attr);
	sqlite3_bind_text(st, 2, text, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	*out_id = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return ch_sq__fail(q, "looking up a value");
	return CH_OK;
}

ch_err ch_sq__flush_tx(ch_sqlite *q)
{
	ch_err err = ch_sq__flush_edges(q);

	if (!err)
		err = ch_sq__flush_pending(q);
	return err;
}
