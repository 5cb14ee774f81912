/* store internals: the backend vtable, the handle header every backend embeds, and the
 * backend-neutral derivation of a certificate's values. */
#ifndef CH_STORE_INTERNAL_H
#define CH_STORE_INTERNAL_H

#include <pthread.h>

#include <certhound/buf.h>
#include <certhound/store.h>

/* The operations a backend implements; each mirrors the public ch_store_* call of that name. */
typedef struct ch_store_ops {
	const char *name;
	void (*close)(ch_store *s);
	ch_err (*begin)(ch_store *s);
	ch_err (*commit)(ch_store *s);
	ch_err (*rollback)(ch_store *s);
	ch_err (*put_certs)(ch_store *s, uint8_t *out_new, const ch_store_put *items, size_t n);
	ch_err (*add_sightings)(ch_store *s, const uint8_t (*sha256s)[32],
				const ch_sighting *sightings, size_t n);
	ch_err (*checkpoint_set)(ch_store *s, const char *source_id, const void *data, size_t len);
	ch_err (*checkpoint_get)(ch_store *s, ch_buf *out, const char *source_id);
	ch_err (*search)(ch_store *s, ch_store_page **out, const ch_filter *f, size_t limit,
			 const char *after);
	ch_err (*count)(ch_store *s, uint64_t *out, const ch_filter *f);
	ch_err (*names)(ch_store *s, ch_store_strpage **out, const ch_filter *f, size_t limit,
			const char *after);
	ch_err (*explain)(ch_store *s, ch_buf *out, const ch_filter *f);
	ch_err (*get)(ch_store *s, ch_store_record **out, const char *sha256_hex);
	ch_err (*get_der)(ch_store *s, ch_buf *out, const uint8_t sha256[32]);
	ch_err (*rarity)(ch_store *s, uint64_t *out, ch_store_attr attr, const char *value);
	ch_err (*values_of)(ch_store *s, ch_store_value **out, size_t *out_num,
			    const uint8_t sha256[32]);
	ch_err (*certs_with)(ch_store *s, ch_store_page **out, ch_store_attr attr,
			     const char *value, size_t limit, const char *after);
	ch_err (*stats)(ch_store *s, ch_store_stats *out);
	ch_err (*check)(ch_store *s);
	ch_err (*ct_put)(ch_store *s, const char *log, const ch_store_ct_entry *e, size_t n);
	ch_err (*ct_walk)(ch_store *s, const char *log, uint64_t from, uint64_t to,
			  ch_store_ct_fn fn, void *arg);
	ch_err (*scan)(ch_store *s, ch_store_page **out, size_t limit, const char *after);
	/* optional: NULL when the backend has no bulk-load mode */
	ch_err (*bulk_begin)(ch_store *s, size_t max_bytes, bool *out_on);
	ch_err (*bulk_end)(ch_store *s);
} ch_store_ops;

/* Every backend's handle starts with this header. `lock` (recursive) is held by every public
 * call, so one handle may be used from two threads (the ingest pipeline's writer and its
 * caller); set up by ch_store_open. */
struct ch_store {
	const ch_store_ops *ops;
	pthread_mutex_t lock;
};

/* Backend constructors. */
ch_err ch_store__sqlite_open(ch_store **out, const char *path, unsigned flags);

/* One derived value of a certificate. `text` is NUL-terminated (a DN or attribute value with
 * an embedded NUL is cut there: such values are not searchable beyond the NUL). */
typedef struct ch_store__val {
	ch_store_attr attr;
	const char *text;
} ch_store__val;

/* A reusable list of derived values (the public ch_store_derived); `scratch` holds the strings
 * the derivation had to build (lower-cased e-mails, hex digests, key labels). */
typedef struct ch_store_derived {
	ch_store__val *v;
	size_t n;
	size_t cap;
	char *scratch;
	size_t scratch_len;
	size_t scratch_cap;
} ch_store__vals;

/* ch_store__derive fills `out` (reset first) with every value of one certificate to store,
 * sorted by (attribute, text), each once. */
ch_err ch_store__derive(ch_store__vals *out, const ch_store_put *p);

/* ch_store__vals_free releases the list's memory. */
void ch_store__vals_free(ch_store__vals *v);

/* Owned-result helpers shared by backends. */
void ch_store__summary_clear(ch_store_summary *s);
char *ch_store__strdup(const char *s);

#endif
