/* SQLite backend: bulk loads into an empty store with the randomly keyed indexes deferred.
 *
 * Inserting into B-tree indexes keyed by random values (SHA-256, SHA-1, value texts, dates) is
 * what limits a large load: every transaction dirties pages all over them. A bulk load into an
 * empty store drops those indexes (listed once, in `indexes` below), writes rows in id order
 * only, and builds the indexes at the end with CREATE INDEX, which sorts once.
 *
 * Meanwhile the handle answers "is this certificate / value stored, and under which id?" from an
 * exact in-memory dictionary: 64-bit key -> id for every certificate (key of its SHA-256) and
 * every value (hash of attribute and stored text) written since the load began. A key match is
 * confirmed by reading the row by id (rowid lookups stay cheap), so the answers are exact; equal
 * keys of different rows simply sit side by side. The dictionary is bounded (max_bytes): when it
 * would outgrow that, the load ends early (the indexes are built) and writing goes on normally.
 *
 * The load is recorded in the store (checkpoint BULK_KEY, written with the DROP INDEX) so that
 * it always ends: any writable handle without the dictionary — a later run after a crash, or
 * another process writing meanwhile — builds the missing indexes before its first write, and
 * the loading handle, seeing that another connection wrote (PRAGMA data_version), stops
 * trusting its dictionary and ends the load itself. Closing the loading handle ends it too. */
#include "sqlite.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BULK_KEY "store:bulk"
#define DICT_FIRST 4096 /* slots; doubled at 3/4 load */

/* The deferred indexes: name and definition. The other indexes (primary keys, small tables)
 * stay, as rows are appended to them in key order. */
static const struct {
	const char *name, *def;
} indexes[] = {
	{"cert_sha256", "UNIQUE INDEX IF NOT EXISTS cert_sha256 ON cert(sha256)"},
	{"cert_sha1", "INDEX IF NOT EXISTS cert_sha1 ON cert(sha1)"},
	{"cert_not_after", "INDEX IF NOT EXISTS cert_not_after ON cert(not_after)"},
	{"cert_not_before", "INDEX IF NOT EXISTS cert_not_before ON cert(not_before)"},
	{"val_key", "UNIQUE INDEX IF NOT EXISTS val_key ON val(attr, text)"},
	{"val_nocase", "INDEX IF NOT EXISTS val_nocase ON val(attr, text COLLATE NOCASE) WHERE"
		       " attr=13 OR attr=14 OR attr=15 OR attr=16 OR attr=17 OR attr=20"},
	{"sighting_source", "INDEX IF NOT EXISTS sighting_source ON sighting(source_id, cert_id)"},
	{"sighting_ip", "INDEX IF NOT EXISTS sighting_ip ON sighting(ip, cert_id) WHERE ip IS NOT NULL"},
};
#define NUM_INDEXES (sizeof indexes / sizeof indexes[0])

/* ---- the dictionary ------------------------------------------------------------------------ */

static void dict_free(ch_sq_dict *d)
{
	free(d->slot);
	memset(d, 0, sizeof *d);
}

static size_t dict_bytes(const ch_sq_bulk *b)
{
	return (b->certs.cap + b->vals.cap) * sizeof(ch_sq_dslot);
}

static ch_err dict_grow(ch_sq_dict *d)
{
	size_t cap = d->cap ? d->cap * 2 : DICT_FIRST;
	ch_sq_dslot *s = calloc(cap, sizeof *s);

	if (!s)
		return ch_error_set(CH_ERR_NOMEM, "out of memory for the bulk load's dictionary");
	for (size_t i = 0; i < d->cap; i++) {
		size_t j;
		if (!d->slot[i].key)
			continue;
		for (j = d->slot[i].key & (cap - 1); s[j].key; j = (j + 1) & (cap - 1))
			;
		s[j] = d->slot[i];
	}
	free(d->slot);
	d->slot = s;
	d->cap = cap;
	return CH_OK;
}

static ch_err dict_put(ch_sq_dict *d, uint64_t key, int64_t id)
{
	size_t j;
	ch_err err = CH_OK;

	key |= 1; /* 0 marks an empty slot */
	if ((d->used + 1) * 4 > d->cap * 3)
		CH_TRY(dict_grow(d));
	for (j = key & (d->cap - 1); d->slot[j].key; j = (j + 1) & (d->cap - 1))
		if (d->slot[j].key == key && d->slot[j].id == id)
			return CH_OK;
	d->slot[j] = (ch_sq_dslot){key, id};
	d->used++;
out:
	return err;
}

/* ---- index definitions --------------------------------------------------------------------- */

/* each_index creates (IF NOT EXISTS) or drops (IF EXISTS) every deferred index. */
static ch_err each_index(ch_sqlite *q, bool create)
{
	char sql[512];
	ch_err err = CH_OK;

	for (size_t i = 0; i < NUM_INDEXES; i++) {
		snprintf(sql, sizeof sql, create ? "CREATE %s" : "DROP INDEX IF EXISTS %s",
			 create ? indexes[i].def : indexes[i].name);
		CH_TRY(ch_sq__exec(q, sql));
	}
out:
	return err;
}

/* marker_get: is a bulk load recorded in the store? */
static ch_err marker_get(ch_sqlite *q, bool *out)
{
	sqlite3_stmt *st;
	ch_err err = ch_sq__stmt(q, &st, SQ_CKPT_GET);
	int rc;

	if (err)
		return err;
	sqlite3_bind_text(st, 1, BULK_KEY, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return ch_sq__fail(q, "reading the bulk-load marker");
	*out = rc == SQLITE_ROW;
	return CH_OK;
}

static ch_err marker_set(ch_sqlite *q, bool on)
{
	return ch_sq__exec(q, on ? "INSERT OR REPLACE INTO checkpoint(source, data) VALUES ('" BULK_KEY
				   "', X'31')"
				 : "DELETE FROM checkpoint WHERE source='" BULK_KEY "'");
}

static int64_t data_version(ch_sqlite *q)
{
	sqlite3_stmt *st = NULL;
	int64_t dv = -1;

	if (sqlite3_prepare_v2(q->db, "PRAGMA data_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		dv = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return dv;
}

/* finish (inside a write transaction) builds what is missing and removes the marker. */
static ch_err finish(ch_sqlite *q)
{
	ch_err err = CH_OK;
	bool marked = false;

	CH_TRY(marker_get(q, &marked));
	if (marked || q->bulk.on) {
		CH_TRY(each_index(q, true));
		CH_TRY(marker_set(q, false));
	}
out:
	return err;
}

/* immediate runs fn in its own write transaction, rolled back when fn fails. */
static ch_err immediate(ch_sqlite *q, ch_err (*fn)(ch_sqlite *q))
{
	ch_err err;

	CH_TRY(ch_sq__exec(q, "BEGIN IMMEDIATE"));
	if ((err = fn(q)) != CH_OK) {
		(void)ch_sq__exec(q, "ROLLBACK");
		return err;
	}
	err = ch_sq__exec(q, "COMMIT");
out:
	return err;
}

static void forget(ch_sqlite *q)
{
	dict_free(&q->bulk.certs);
	dict_free(&q->bulk.vals);
	q->bulk.on = false;
}

/* ---- the load's life ----------------------------------------------------------------------- */

static ch_err is_empty(ch_sqlite *q, bool *out)
{
	sqlite3_stmt *st = NULL;
	ch_err err = CH_OK;

	if (sqlite3_prepare_v2(q->db, "SELECT NOT EXISTS(SELECT 1 FROM cert) AND NOT EXISTS"
				      "(SELECT 1 FROM val)", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		err = ch_sq__fail(q, "checking the store is empty");
	else
		*out = sqlite3_column_int(st, 0) != 0;
	sqlite3_finalize(st);
	return err;
}

/* start (in a write transaction) drops the indexes of an empty store with no load recorded,
 * and records the load; q->bulk.on tells whether it did. */
static ch_err start(ch_sqlite *q)
{
	bool empty = false, marked = false;
	ch_err err = CH_OK;

	CH_TRY(is_empty(q, &empty));
	CH_TRY(marker_get(q, &marked));
	if (!empty || marked)
		return CH_OK;
	CH_TRY(each_index(q, false));
	CH_TRY(marker_set(q, true));
	q->bulk.on = true;
out:
	return err;
}

ch_err ch_sq__bulk_begin(ch_store *s, size_t max_bytes, bool *out_on)
{
	ch_sqlite *q = (ch_sqlite *)s;
	ch_err err = CH_OK;

	*out_on = q->bulk.on;
	if (q->bulk.on)
		return CH_OK;
	if (q->readonly || q->in_txn)
		return ch_error_set(CH_ERR_INVALID, "store: a bulk load needs a writable handle "
				    "outside a transaction");
	if ((err = immediate(q, start)) != CH_OK || !q->bulk.on) {
		q->bulk.on = false;
		return err;
	}
	/* CREATE INDEX sorts through SQLite's temporary storage: files for a loader (the pragma
	 * cannot change inside a transaction, where an early end builds them), or building the
	 * indexes of 10M certificates would take gigabytes of memory. */
	CH_TRY(ch_sq__exec(q, "PRAGMA temp_store=FILE"));
	/* The dictionary answers exactly what the known filter guessed: the filter's random probes
	 * (several per value, in several filters) are pure cost now, and after the load the store
	 * is past the size the filter serves. */
	ch_sq__known_off(q);
	q->bulk.max_bytes = max_bytes ? max_bytes : CH_SQ_BULK_DEFAULT_BYTES;
	q->bulk.data_version = data_version(q);
	q->next_id = q->next_val = 0;
	*out_on = true;
out:
	return err;
}

ch_err ch_sq__bulk_end(ch_store *s)
{
	ch_sqlite *q = (ch_sqlite *)s;
	ch_err err;

	if (!q->bulk.on)
		return CH_OK;
	if (q->in_txn)
		return ch_error_set(CH_ERR_INVALID, "store: a bulk load ends outside a transaction");
	if ((err = immediate(q, finish)) == CH_OK)
		forget(q);
	return err;
}

/* ch_sq__bulk_txn runs at the start of each write transaction (after BEGIN IMMEDIATE). The
 * loading handle keeps loading while it is the only writer and its dictionary fits; any other
 * writer (or the loader that stops) first builds the indexes a recorded load left out. */
ch_err ch_sq__bulk_txn(ch_sqlite *q)
{
	if (q->bulk.on) {
		int64_t dv = data_version(q);
		if (dv == q->bulk.data_version && dict_bytes(&q->bulk) <= q->bulk.max_bytes)
			return CH_OK;
	}
	ch_err err = finish(q);
	if (!err)
		forget(q);
	return err;
}

/* ch_sq__bulk_close ends an unfinished load when its handle closes (best effort: if it fails,
 * the next writable open finishes it). */
void ch_sq__bulk_close(ch_sqlite *q)
{
	if (q->bulk.on && ch_sq__bulk_end(&q->base) != CH_OK)
		ch_error_clear();
	forget(q);
}

/* ch_sq__bulk_open finishes a load recorded by a handle that is gone (a crash) at a writable
 * open, so that readers get their indexes back as soon as possible. */
ch_err ch_sq__bulk_open(ch_sqlite *q)
{
	bool marked = false;
	ch_err err = CH_OK;

	CH_TRY(marker_get(q, &marked));
	if (!marked)
		return CH_OK;
	CH_TRY(ch_sq__exec(q, "PRAGMA temp_store=FILE")); /* the sorts on files, as above */
	CH_TRY(immediate(q, finish));
	err = ch_sq__exec(q, "PRAGMA temp_store=MEMORY");
out:
	return err;
}

/* ---- lookups ------------------------------------------------------------------------------- */

ch_err ch_sq__bulk_add_cert(ch_sqlite *q, const uint8_t sha256[32], int64_t id)
{
	return q->bulk.on ? dict_put(&q->bulk.certs, ch_sq__sha_key(sha256), id) : CH_OK;
}

ch_err ch_sq__bulk_add_val(ch_sqlite *q, uint64_t hash, int64_t id)
{
	return q->bulk.on ? dict_put(&q->bulk.vals, hash, id) : CH_OK;
}

/* same_cert / same_val confirm a key match by reading the row. */
static ch_err same_cert(ch_sqlite *q, bool *out, int64_t id, const uint8_t sha256[32])
{
	sqlite3_stmt *st;
	ch_err err = ch_sq__stmt(q, &st, SQ_CERT_SHA);
	int rc;

	if (err)
		return err;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW && sqlite3_column_bytes(st, 0) == 32 &&
	       !memcmp(sqlite3_column_blob(st, 0), sha256, 32);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? CH_OK : ch_sq__fail(q, "reading a certificate");
}

static ch_err same_val(ch_sqlite *q, bool *out, int64_t id, ch_store_attr attr, const char *text)
{
	sqlite3_stmt *st;
	ch_err err = ch_sq__stmt(q, &st, SQ_VAL_GET);
	int rc;

	if (err)
		return err;
	sqlite3_bind_int64(st, 1, id);
	rc = sqlite3_step(st);
	*out = rc == SQLITE_ROW && sqlite3_column_int(st, 0) == (int)attr &&
	       !strcmp((const char *)sqlite3_column_text(st, 1), text);
	sqlite3_reset(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? CH_OK : ch_sq__fail(q, "reading a value");
}

/* probe steps through the ids stored under key: *j starts at SIZE_MAX; false at the end. */
static bool probe(const ch_sq_dict *d, uint64_t key, size_t *j, int64_t *id)
{
	key |= 1;
	if (!d->cap)
		return false;
	*j = *j == SIZE_MAX ? key & (d->cap - 1) : (*j + 1) & (d->cap - 1);
	for (; d->slot[*j].key; *j = (*j + 1) & (d->cap - 1))
		if (d->slot[*j].key == key) {
			*id = d->slot[*j].id;
			return true;
		}
	return false;
}

ch_err ch_sq__bulk_find_cert(ch_sqlite *q, int64_t *out, const uint8_t sha256[32])
{
	size_t j = SIZE_MAX;
	int64_t id;
	bool same = false;
	ch_err err = CH_OK;

	*out = 0;
	while (!same && probe(&q->bulk.certs, ch_sq__sha_key(sha256), &j, &id)) {
		CH_TRY(same_cert(q, &same, id, sha256));
		*out = same ? id : 0;
	}
out:
	return err;
}

ch_err ch_sq__bulk_find_val(ch_sqlite *q, int64_t *out, uint64_t hash, ch_store_attr attr,
			    const char *text)
{
	size_t j = SIZE_MAX;
	int64_t id;
	bool same = false;
	ch_err err = CH_OK;

	*out = 0;
	while (!same && probe(&q->bulk.vals, hash, &j, &id)) {
		if ((id & CH_SQ_ATTR_MASK) != (int64_t)attr)
			continue;
		CH_TRY(same_val(q, &same, id, attr, text));
		*out = same ? id : 0;
	}
out:
	return err;
}

/* has_key: is any row stored under key (a candidate, not yet confirmed)? */
static bool has_key(const ch_sq_dict *d, uint64_t key)
{
	size_t j = SIZE_MAX;
	int64_t id;

	return probe(d, key, &j, &id);
}

bool ch_sq__bulk_maybe_cert(const ch_sqlite *q, const uint8_t sha256[32])
{
	return has_key(&q->bulk.certs, ch_sq__sha_key(sha256));
}

bool ch_sq__bulk_maybe_val(const ch_sqlite *q, uint64_t hash)
{
	return has_key(&q->bulk.vals, hash);
}
