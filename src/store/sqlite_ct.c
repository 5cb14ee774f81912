/* SQLite backend: the CT entries the ct module records so that `ct verify` can rebuild every
 * entry's Merkle leaf from the store alone (see store.h, "CT log entries").
 *
 * Two tables, created on first write (so older stores need no migration step):
 *   ct_log(id, name)                      one row per log id
 *   ct_entry(log, idx, cert, leaf)        WITHOUT ROWID, key (log, idx): appends in index order
 *                                         go to the right edge of the b-tree
 * `cert` is the SHA-256 of the stored certificate (NULL when the entry has none); the walk joins
 * it to cert/der to hand back the DER. */
#include "sqlite.h"

#include <stdlib.h>
#include <string.h>

static const char ct_schema[] =
	"CREATE TABLE IF NOT EXISTS ct_log(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
	"CREATE TABLE IF NOT EXISTS ct_entry(log INTEGER NOT NULL, idx INTEGER NOT NULL,"
	" cert BLOB, leaf BLOB NOT NULL, PRIMARY KEY(log, idx)) WITHOUT ROWID;";

/* log_id finds (or, when `create`, adds) the ct_log row of `name`; *out = 0 when absent. */
static ch_err log_id(ch_sqlite *q, int64_t *out, const char *name, bool create)
{
	sqlite3_stmt *st = NULL;
	ch_err err = CH_OK;
	int rc;

	*out = 0;
	if (sqlite3_prepare_v2(q->db, "SELECT id FROM ct_log WHERE name=?1", -1, &st, NULL) !=
	    SQLITE_OK) {
		/* No table yet: nothing recorded. */
		if (!create)
			goto out;
		err = ch_sq__fail(q, "reading CT logs");
		goto out;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	else if (rc != SQLITE_DONE)
		err = ch_sq__fail(q, "reading CT logs");
	sqlite3_finalize(st);
	st = NULL;
	if (err || *out || !create)
		goto out;
	if (sqlite3_prepare_v2(q->db, "INSERT INTO ct_log(name) VALUES (?1)", -1, &st, NULL) !=
	    SQLITE_OK) {
		err = ch_sq__fail(q, "adding a CT log");
		goto out;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		err = ch_sq__fail(q, "adding a CT log");
	else
		*out = sqlite3_last_insert_rowid(q->db);
out:
	sqlite3_finalize(st);
	return err;
}

ch_err ch_sq__ct_put(ch_store *s, const char *log, const ch_store_ct_entry *e, size_t n)
{
	ch_sqlite *q = (ch_sqlite *)s;
	sqlite3_stmt *st = NULL;
	int64_t id;
	ch_err err = CH_OK;

	if (q->readonly)
		return ch_error_set(CH_ERR_INVALID, "store: opened read-only");
	if (!n)
		return CH_OK;
	CH_TRY(ch_sq__exec(q, ct_schema));
	CH_TRY(log_id(q, &id, log, true));
	if (sqlite3_prepare_v2(q->db, "INSERT OR REPLACE INTO ct_entry(log, idx, cert, leaf)"
			       " VALUES (?1,?2,?3,?4)", -1, &st, NULL) != SQLITE_OK) {
		err = ch_sq__fail(q, "preparing CT entries");
		goto out;
	}
	sqlite3_bind_int64(st, 1, id);
	for (size_t i = 0; i < n; i++) {
		if (e[i].index > INT64_MAX || e[i].leaf_len > CH_STORE_CT_LEAF_MAX) {
			err = ch_error_set(CH_ERR_LIMIT, "store: CT entry %llu out of range",
					   (unsigned long long)e[i].index);
			goto out;
		}
		sqlite3_bind_int64(st, 2, (int64_t)e[i].index);
		if (e[i].has_cert)
			sqlite3_bind_blob(st, 3, e[i].cert_sha256, 32, SQLITE_STATIC);
		else
			sqlite3_bind_null(st, 3);
		sqlite3_bind_blob(st, 4, e[i].leaf_len ? (const void *)e[i].leaf : "",
				  (int)e[i].leaf_len, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_DONE) {
			err = ch_sq__fail(q, "writing CT entries");
			goto out;
		}
		sqlite3_reset(st);
	}
out:
	sqlite3_finalize(st);
	return err;
}

ch_err ch_sq__ct_walk(ch_store *s, const char *log, uint64_t from, uint64_t to,
		      ch_store_ct_fn fn, void *arg)
{
	ch_sqlite *q = (ch_sqlite *)s;
	sqlite3_stmt *st = NULL;
	ZSTD_DCtx *zd = NULL;
	uint8_t *der = NULL;
	size_t der_cap = 0;
	bool began = false;
	int64_t id;
	int rc;
	ch_err err = CH_OK;

	if (from >= to)
		return CH_OK;
	if (!q->in_txn && sqlite3_get_autocommit(q->db))
		began = sqlite3_exec(q->db, "BEGIN", NULL, NULL, NULL) == SQLITE_OK;
	CH_TRY(log_id(q, &id, log, false));
	if (!id)
		goto out;
	if (sqlite3_prepare_v2(q->db, "SELECT e.idx, e.cert, e.leaf, d.z, d.raw_len, d.data"
			       " FROM ct_entry e LEFT JOIN cert c ON c.sha256=e.cert"
			       " LEFT JOIN der d ON d.id=c.id"
			       " WHERE e.log=?1 AND e.idx>=?2 AND e.idx<?3 ORDER BY e.idx", -1, &st,
			       NULL) != SQLITE_OK) {
		err = ch_sq__fail(q, "reading CT entries");
		goto out;
	}
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, from > INT64_MAX ? INT64_MAX : (int64_t)from);
	sqlite3_bind_int64(st, 3, to > INT64_MAX ? INT64_MAX : (int64_t)to);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ch_store_ct_entry e = {0};
		const uint8_t *d = NULL;
		size_t dlen = 0;

		e.index = (uint64_t)sqlite3_column_int64(st, 0);
		if (sqlite3_column_type(st, 1) == SQLITE_BLOB && sqlite3_column_bytes(st, 1) == 32) {
			e.has_cert = true;
			memcpy(e.cert_sha256, sqlite3_column_blob(st, 1), 32);
		}
		e.leaf = sqlite3_column_blob(st, 2);
		e.leaf_len = (size_t)sqlite3_column_bytes(st, 2);
		if (e.has_cert && sqlite3_column_type(st, 5) == SQLITE_BLOB) {
			size_t raw = (size_t)sqlite3_column_int64(st, 4);
			const void *z = sqlite3_column_blob(st, 5);
			size_t zlen = (size_t)sqlite3_column_bytes(st, 5);

			if (raw > CH_CERT_MAX_DER) {
				err = ch_error_set(CH_ERR_INTEGRITY, "store: DER of CT entry %llu is too "
						   "long", (unsigned long long)e.index);
				goto out;
			}
			if (raw > der_cap) {
				uint8_t *p = realloc(der, raw);
				if (!p) {
					err = ch_error_set(CH_ERR_NOMEM, "out of memory");
					goto out;
				}
				der = p;
				der_cap = raw;
			}
			if (sqlite3_column_int(st, 3) == 1) {
				size_t got;
				if (!zd && !(zd = ZSTD_createDCtx())) {
					err = ch_error_set(CH_ERR_NOMEM, "out of memory");
					goto out;
				}
				got = ZSTD_decompressDCtx(zd, der, raw, z, zlen);
				if (ZSTD_isError(got) || got != raw) {
					err = ch_error_set(CH_ERR_INTEGRITY, "store: DER of CT entry %llu is "
							   "corrupt", (unsigned long long)e.index);
					goto out;
				}
			} else if (zlen == raw) {
				memcpy(der, z, raw);
			} else {
				err = ch_error_set(CH_ERR_INTEGRITY, "store: DER length mismatch at CT "
						   "entry %llu", (unsigned long long)e.index);
				goto out;
			}
			d = der;
			dlen = raw;
		}
		if ((err = fn(arg, &e, d, dlen)) != CH_OK)
			goto out;
	}
	if (rc != SQLITE_DONE)
		err = ch_sq__fail(q, "reading CT entries");
out:
	sqlite3_finalize(st);
	if (began && sqlite3_exec(q->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		sqlite3_exec(q->db, "ROLLBACK", NULL, NULL, NULL);
	ZSTD_freeDCtx(zd);
	free(der);
	return err;
}
