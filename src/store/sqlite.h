/* The SQLite backend's private handle and helpers (see docs/store.md for the schema). */
#ifndef CH_STORE_SQLITE_H
#define CH_STORE_SQLITE_H

#include <sqlite3.h>
#include <zstd.h>

#include <certhound/names.h>

#include "internal.h"

#define CH_SQLITE_SCHEMA_VERSION 4
/* The oldest schema a read-only open accepts. Step 2 -> 3 replaced the cv_cert index by the
 * vlist table, which reads need: older stores must be opened once for writing (migrated). */
#define CH_SQLITE_MIN_READ_VERSION 3

/* A value's id carries its attribute in the low bits (id = seq << CH_SQ_ATTR_BITS | attr), so
 * the certificate -> values index (cv_cert) can be filtered by attribute without reading val. */
#define CH_SQ_ATTR_BITS 5
#define CH_SQ_ATTR_MASK 31
_Static_assert(CH_SA_COUNT_ <= 32, "attributes must fit in CH_SQ_ATTR_BITS");

/* Cached prepared statements, prepared on first use (SQL text in sqlite_db.c). */
enum ch_sq_stmt {
	SQ_BEGIN = 0,
	SQ_COMMIT,
	SQ_ROLLBACK,
	SQ_CERT_FIND,
	SQ_CERT_INS,
	SQ_DER_INS,
	SQ_VAL_UPSERT,
	SQ_VAL_ADD,
	SQ_VAL_FIND,
	SQ_CV_INS,
	SQ_SRC_FIND,
	SQ_SRC_INS,
	SQ_SIGHT_INS,
	SQ_CKPT_SET,
	SQ_CKPT_GET,
	SQ_COUNTER_ADD,
	SQ_SUMMARY,
	SQ_CERT_NAMES,
	SQ_CERT_VALUES,
	SQ_PREFIX,
	SQ_DER_GET,
	SQ_SIGHTINGS,
	SQ_SIGHT_COUNT,
	SQ_LINKED,
	SQ_SERIAL_SUM,
	SQ_COUNTERS,
	SQ_LOGS,
	SQ_CERT_SHA,
	SQ_VAL_GET,
	SQ_VAL_INS,
	SQ_COUNT_
};

/* One cached value id: (attr, text) -> id, with the count increments not yet written. */
typedef struct ch_sq_vent {
	uint64_t hash;
	int64_t id;       /* 0 = empty slot */
	int64_t delta;
	char *text;
	uint8_t attr;
	bool dirty;
} ch_sq_vent;

#define CH_SQ_VCACHE_SLOTS (1u << 17) /* power of two; cleared at half load */

/* Multi-row statements of the batched write path (sqlite_batch.c). */
#define CH_SQ_MST_SIZES 8 /* 128, 64, ..., 1 rows */
enum ch_sq_multi { SQM_VAL = 0, SQM_VALNEW, SQM_CERT, SQM_DER, SQM_CV, SQM_SIGHT, SQM_VLIST, SQM_COUNT_ };

struct ch_sq_batch;

/* The "known" filter (sqlite_known.c): Bloom filters over every value and certificate in the
 * store, so that certainly-new ones skip index lookups. */
#define CH_SQ_KNOWN_FILTERS 16
typedef struct ch_sq_bloom {
	uint64_t *bits;
	uint64_t mask;          /* bits - 1 (a power of two) */
	uint64_t items;
} ch_sq_bloom;

enum { CH_SQ_KNOWN_UNSET = 0, CH_SQ_KNOWN_ON, CH_SQ_KNOWN_OFF };

typedef struct ch_sq_known {
	int state;
	int64_t data_version;   /* PRAGMA data_version at this handle's last write transaction */
	ch_sq_bloom f[CH_SQ_KNOWN_FILTERS];
	size_t num;
	size_t bytes;
} ch_sq_known;

/* A bulk load's exact dictionary (sqlite_bulk.c): 64-bit key -> row id, open addressing. */
typedef struct ch_sq_dslot {
	uint64_t key;           /* 0 = empty */
	int64_t id;
} ch_sq_dslot;

typedef struct ch_sq_dict {
	ch_sq_dslot *slot;
	size_t cap, used;
} ch_sq_dict;

#define CH_SQ_BULK_DEFAULT_BYTES ((size_t)1 << 30)

typedef struct ch_sq_bulk {
	bool on;                /* this handle is loading with the random-key indexes deferred */
	size_t max_bytes;       /* the dictionary's bound: beyond it the load ends early */
	int64_t data_version;   /* PRAGMA data_version when the load began */
	ch_sq_dict certs, vals;
} ch_sq_bulk;

typedef struct ch_sqlite {
	ch_store base;
	sqlite3 *db;
	sqlite3_stmt *st[SQ_COUNT_];
	sqlite3_stmt *mst[SQM_COUNT_][CH_SQ_MST_SIZES]; /* multi-row statements, full size >> i */
	struct ch_sq_batch *batch;      /* scratch of one put call */
	int64_t next_id;                /* next certificate id in this transaction; 0 = unknown */
	int64_t next_val;               /* next value sequence number (id = seq << 5 | attr); 0 = unknown */
	bool readonly;
	bool in_txn;
	/* value-id cache for repeated values (issuer DNs, CAs' O/CN, key types...) */
	ch_sq_vent *vcache;
	size_t vcache_used;
	uint32_t *dirty;        /* slots with pending deltas */
	size_t num_dirty;
	/* last source looked up, for runs of sightings from one source */
	int64_t src_id;
	int src_kind;
	char *src_name;
	/* counters not yet written (flushed at the end of each put call) */
	int64_t c_certs, c_precerts, c_names, c_domains, c_sightings, c_der, c_der_raw;
	ZSTD_CCtx *zc;
	ZSTD_DCtx *zd;
	ch_store__vals vals;
	ch_buf scratch;
	ch_names *names;        /* public suffix list for name:*.D queries (made on first use) */
	ch_sq_known known;
	ch_sq_bulk bulk;
	/* DER compression sampling (sqlite_batch.c): skip zstd while it does not pay */
	uint64_t z_tried, z_in, z_out;
	uint32_t z_skip;
} ch_sqlite;

/* Statement access: the cached statement, reset and with bindings cleared. */
ch_err ch_sq__stmt(ch_sqlite *q, sqlite3_stmt **out, enum ch_sq_stmt id);

/* ch_sq__fail sets a CH_ERR_STORE message "store: what: sqlite's message". */
ch_err ch_sq__fail(ch_sqlite *q, const char *what);

/* ch_sq__step_done runs a statement expected to return no row. */
ch_err ch_sq__step_done(ch_sqlite *q, sqlite3_stmt *st, const char *what);

/* ch_sq__exec runs SQL text without results. */
ch_err ch_sq__exec(ch_sqlite *q, const char *sql);

/* The known filter (sqlite_known.c). ch_sq__known_begin runs at each write transaction's start;
 * ch_sq__known_maybe is true when h may be in the store (always, when the filter is off). */
void ch_sq__known_begin(ch_sqlite *q);
void ch_sq__known_free(ch_sqlite *q);
bool ch_sq__known_maybe(const ch_sqlite *q, uint64_t h);
void ch_sq__known_add(ch_sqlite *q, uint64_t h);
void ch_sq__known_off(ch_sqlite *q);

/* Bulk loads (sqlite_bulk.c). */
ch_err ch_sq__bulk_begin(ch_store *s, size_t max_bytes, bool *out_on);
ch_err ch_sq__bulk_end(ch_store *s);
ch_err ch_sq__bulk_txn(ch_sqlite *q);
ch_err ch_sq__bulk_open(ch_sqlite *q);
void ch_sq__bulk_close(ch_sqlite *q);
ch_err ch_sq__bulk_add_cert(ch_sqlite *q, const uint8_t sha256[32], int64_t id);
ch_err ch_sq__bulk_add_val(ch_sqlite *q, uint64_t hash, int64_t id);
ch_err ch_sq__bulk_find_cert(ch_sqlite *q, int64_t *out, const uint8_t sha256[32]);
ch_err ch_sq__bulk_find_val(ch_sqlite *q, int64_t *out, uint64_t hash, ch_store_attr attr,
			    const char *text);
bool ch_sq__bulk_maybe_val(const ch_sqlite *q, uint64_t hash);
bool ch_sq__bulk_maybe_cert(const ch_sqlite *q, const uint8_t sha256[32]);
uint64_t ch_sq__sha_key(const uint8_t sha256[32]);
/* ch_sq__val_hash: the hash of a value (attribute and stored text), never 0. */
uint64_t ch_sq__val_hash(ch_store_attr attr, const char *text);

/* Writing (sqlite_put.c, sqlite_batch.c). */
void ch_sq__batch_free(ch_sqlite *q);
bool ch_sq__cacheable(ch_store_attr a);
bool ch_sq__vcache_find(ch_sqlite *q, int64_t *out_id, ch_store_attr attr, const char *text);
ch_err ch_sq__vcache_add(ch_sqlite *q, int64_t id, ch_store_attr attr, const char *text);
ch_err ch_sq__resolve(ch_sqlite *q, int64_t *out_id, ch_store_attr attr, const char *text);
ch_err ch_sq__stored_text(ch_sqlite *q, const char **out, ch_store_attr attr, const char *text,
			  int64_t issuer_id);
ch_err ch_sq__find_cert(ch_sqlite *q, int64_t *out, const uint8_t sha256[32]);
ch_err ch_sq__source_id(ch_sqlite *q, int64_t *out, ch_source_kind kind, const char *name);
ch_err ch_sq__flush_pending(ch_sqlite *q);
ch_err ch_sq__next_val_id(ch_sqlite *q, int64_t *out, ch_store_attr attr);
ch_err ch_sq__flush_edges(ch_sqlite *q);
/* ch_sq__flush_tx writes what the open transaction keeps in memory (edges, count increments,
 * counters): before commit and before any read through the handle. */
ch_err ch_sq__flush_tx(ch_sqlite *q);
void ch_sq__drop_edges(ch_sqlite *q);
ch_err ch_sq__put_batch(ch_sqlite *q, uint8_t *out_new, const ch_store_put *items, size_t n);
ch_err ch_sq__put_certs(ch_store *s, uint8_t *out_new, const ch_store_put *items, size_t n);
ch_err ch_sq__add_sightings(ch_store *s, const uint8_t (*sha256s)[32], const ch_sighting *sg,
			    size_t n);
ch_err ch_sq__checkpoint_set(ch_store *s, const char *source_id, const void *data, size_t len);
ch_err ch_sq__checkpoint_get(ch_store *s, ch_buf *out, const char *source_id);
void ch_sq__vcache_clear(ch_sqlite *q);
void ch_sq__pending_clear(ch_sqlite *q);
ch_err ch_sq__lookup_value(ch_sqlite *q, int64_t *out_id, ch_store_attr attr, const char *text);

/* ch_sq__scan: ch_store_scan (sqlite_scan.c). */
ch_err ch_sq__scan(ch_store *s, ch_store_page **out, size_t limit, const char *after);

/* Name text as stored: labels reversed ("www.example.com" -> "com.example.www"). out must hold
 * strlen(name)+1 bytes. */
void ch_sq__reverse_labels(char *out, const char *name, size_t len);

/* Query compilation (sqlite_sql.c): the SQL for the set of certificate ids matching f (column
 * "id"), with ?1 bound to the keyset cursor (ids greater than it) and ?2.. to `params`. */
typedef struct ch_sq_param {
	bool is_text;
	bool is_blob;
	int64_t num;
	char *text;      /* owned */
	size_t len;
} ch_sq_param;

typedef struct ch_sq_query {
	ch_buf sql;
	ch_sq_param *params;
	size_t num_params;
	size_t cap_params;
	bool full_scan;  /* the filter needs a scan of every certificate (pure negation) */
	ch_sqlite *q;    /* the store, for lookups made while compiling */
} ch_sq_query;

void ch_sq__query_init(ch_sq_query *qq);
void ch_sq__query_free(ch_sq_query *qq);
ch_err ch_sq__compile(ch_sqlite *q, ch_sq_query *qq, const ch_filter *f);
ch_err ch_sq__compile_attr(ch_sqlite *q, ch_sq_query *qq, ch_store_attr attr, const char *value);
ch_err ch_sq__bind(ch_sqlite *q, sqlite3_stmt *st, const ch_sq_query *qq, int64_t after);

/* Reading (sqlite_read.c). */
ch_err ch_sq__search(ch_store *s, ch_store_page **out, const ch_filter *f, size_t limit,
		     const char *after);
ch_err ch_sq__count(ch_store *s, uint64_t *out, const ch_filter *f);
ch_err ch_sq__names(ch_store *s, ch_store_strpage **out, const ch_filter *f, size_t limit,
		    const char *after);
ch_err ch_sq__explain(ch_store *s, ch_buf *out, const ch_filter *f);
ch_err ch_sq__get(ch_store *s, ch_store_record **out, const char *sha256_hex);
ch_err ch_sq__get_der(ch_store *s, ch_buf *out, const uint8_t sha256[32]);
ch_err ch_sq__rarity(ch_store *s, uint64_t *out, ch_store_attr attr, const char *value);
ch_err ch_sq__values_of(ch_store *s, ch_store_value **out, size_t *out_num,
			const uint8_t sha256[32]);
ch_err ch_sq__certs_with(ch_store *s, ch_store_page **out, ch_store_attr attr,
			 const char *value, size_t limit, const char *after);
ch_err ch_sq__stats(ch_store *s, ch_store_stats *out);
ch_err ch_sq__check(ch_store *s);

/* CT entries (sqlite_ct.c). */
ch_err ch_sq__ct_put(ch_store *s, const char *log, const ch_store_ct_entry *e, size_t n);
ch_err ch_sq__ct_walk(ch_store *s, const char *log, uint64_t from, uint64_t to,
		      ch_store_ct_fn fn, void *arg);

#endif
