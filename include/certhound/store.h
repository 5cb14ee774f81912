/* certhound/store.h — the certificate store: one interface, several backends.
 *
 * A ch_store is a handle over a backend reached through a table of function pointers
 * (src/store/internal.h); the first backend is SQLite (one file, see docs/store.md), a
 * distributed one can follow behind the same calls. Nothing in this header is SQLite-specific
 * and nothing above the store writes SQL.
 *
 * Data model:
 *  - a certificate is stored once, keyed by the SHA-256 of its DER (which is kept);
 *  - each certificate carries "values" (ch_store_attr, text): its names, registrable domains,
 *    IPs, e-mails, serial, SPKI, TBS fingerprint, JA4X, issuer/subject DN and attributes.
 *    Values form the bipartite certificate<->value graph that search and pivot walk, and each
 *    value has a count of the certificates carrying it (rarity), kept current on insert;
 *  - a sighting says where a certificate was seen (file, CT log entry, scanned host, telemetry);
 *  - a checkpoint is an opaque blob per source id, written in the same transaction as the data
 *    it covers so that a crash loses nothing and repeats nothing.
 *
 * A handle is used by one thread at a time; open one handle per thread. Strings are UTF-8.
 * Hex is lower-case. Times are seconds since the epoch (UTC). */
#ifndef CERTHOUND_STORE_H
#define CERTHOUND_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <certhound/buf.h>
#include <certhound/err.h>
#include <certhound/filter.h>
#include <certhound/x509.h>

typedef struct ch_store ch_store;

/* ---- opening ------------------------------------------------------------------------------ */

#define CH_STORE_CREATE 0x1u   /* create the store (and its parent directory) if missing */
#define CH_STORE_READONLY 0x2u /* never write; fails with CH_ERR_NOTFOUND if missing */

/* ch_store_open opens the store at `path` (a file path selects SQLite; "sqlite:PATH" also does;
 * other schemes are reserved for later backends) and returns the handle in *out. The schema is
 * created or migrated to the current version unless CH_STORE_READONLY is given (a read-only
 * open of an older schema fails with CH_ERR_STORE). Free with ch_store_close. */
ch_err ch_store_open(ch_store **out, const char *path, unsigned flags) CH_WARN_UNUSED;

/* ch_store_close rolls back an open transaction and releases the handle; NULL is a no-op. */
void ch_store_close(ch_store *s);

/* ch_store_backend returns the backend's short name ("sqlite"). */
const char *ch_store_backend(const ch_store *s);

/* ---- transactions ------------------------------------------------------------------------- */

/* ch_store_begin starts a write transaction. Writes outside a transaction run in an implicit
 * one each (slow); the ingest pipeline always batches. Transactions do not nest. */
ch_err ch_store_begin(ch_store *s) CH_WARN_UNUSED;

/* ch_store_commit makes everything since ch_store_begin durable at once. */
ch_err ch_store_commit(ch_store *s) CH_WARN_UNUSED;

/* ch_store_rollback discards everything since ch_store_begin. */
ch_err ch_store_rollback(ch_store *s) CH_WARN_UNUSED;

/* ch_store_bulk_begin announces a large load into an empty store: the backend may defer the
 * maintenance of its lookup indexes until ch_store_bulk_end (SQLite builds them once, sorted, at
 * the end), keeping an exact in-memory dictionary of what was written meanwhile, bounded by
 * max_bytes (0: the backend's default; beyond it the load ends early by itself). *out_on tells
 * whether the backend took the hint: not on a store that holds certificates, not when the
 * backend has no such mode. Everything stays correct either way, for every handle: searches
 * during a load are merely slower, and a load cut short by a crash is finished by the next
 * writable open. Call it outside a transaction. */
ch_err ch_store_bulk_begin(ch_store *s, size_t max_bytes, bool *out_on) CH_WARN_UNUSED;

/* ch_store_bulk_end builds what the load deferred (may take a while: about a second per million
 * certificates and index) and returns to normal writing. A no-op when no load is on. */
ch_err ch_store_bulk_end(ch_store *s) CH_WARN_UNUSED;

/* ---- values (the attributes search and pivot use) ----------------------------------------- */

/* The kinds of value a certificate carries. Text forms (what `value` arguments and results hold):
 *   NAME            host name as in the certificate record's `names` ("www.example.com",
 *                   "*.example.com"); searchable exactly and by suffix (CH_FIELD_NAME_UNDER)
 *   DOMAIN          registrable domain ("example.com")
 *   IP              SAN iPAddress text (IPv4 dotted, IPv6 RFC 5952)
 *   EMAIL           SAN rfc822Name or subject emailAddress, lower-cased
 *   URI             SAN URI
 *   SERIAL          serial hex as ch_cert.serial_hex
 *   SERIAL_ISSUER   "<serial_hex>/<issuer DN text>" (split at the first '/'): counted only,
 *                   not a search field (search serial AND issuer instead)
 *   SPKI, TBS       SHA-256 hex of the SubjectPublicKeyInfo / of the TBS without CT parts
 *   JA4X            the JA4X string
 *   ISSUER_DN, SUBJECT_DN   DN text as ch_dn.text
 *   ISSUER_O, ISSUER_CN, SUBJECT_O, SUBJECT_OU, SUBJECT_CN   attribute values as decoded
 *   FLAG            "ca", "self-signed", "precert" (present only when true)
 *   KEY             the key type ("rsa", "ec", "ed25519", "ed448", "dsa", "other") and, when the
 *                   size is known, "<type>-<bits>" ("rsa-2048", "ec-256"); a CH_FIELD_KEY term
 *                   with num = bits matches the second form
 *   SIG             signature algorithm short name */
typedef enum ch_store_attr {
	CH_SA_NAME = 1,
	CH_SA_DOMAIN,
	CH_SA_IP,
	CH_SA_EMAIL,
	CH_SA_URI,
	CH_SA_SERIAL,
	CH_SA_SERIAL_ISSUER,
	CH_SA_SPKI,
	CH_SA_TBS,
	CH_SA_JA4X,
	CH_SA_ISSUER_DN,
	CH_SA_SUBJECT_DN,
	CH_SA_ISSUER_O,
	CH_SA_ISSUER_CN,
	CH_SA_SUBJECT_O,
	CH_SA_SUBJECT_OU,
	CH_SA_SUBJECT_CN,
	CH_SA_FLAG,
	CH_SA_KEY,
	CH_SA_SIG,
	CH_SA_COUNT_ /* number of kinds + 1; not a kind */
} ch_store_attr;

/* ch_store_attr_name returns a stable short name ("spki", "subject.o", "serial+issuer", ...)
 * for an attribute kind, or "?". ch_store_attr_from_name is the inverse (0 when unknown). */
const char *ch_store_attr_name(ch_store_attr a);
ch_store_attr ch_store_attr_from_name(const char *name);

/* One value of a certificate with the number of certificates in the store that carry it. */
typedef struct ch_store_value {
	ch_store_attr attr;
	char *text;          /* owned by the enclosing result */
	uint64_t count;      /* certificates carrying this (attr, text) */
} ch_store_value;

/* ---- writing ------------------------------------------------------------------------------ */

/* Where a sighting comes from. */
typedef enum ch_source_kind {
	CH_SOURCE_FILE = 1,  /* source = file path, index = certificate index in the file */
	CH_SOURCE_CT,        /* source = log id (base64 or URL as the ct module names logs),
	                        index = entry index, timestamp = entry timestamp (ms -> s) */
	CH_SOURCE_SCAN,      /* source = "host:port", ip/port/sni set, index = probe time (ms) */
	CH_SOURCE_TELEMETRY, /* source = log file path, index = line number */
} ch_source_kind;

/* ch_source_kind_name returns "file", "ct", "scan", "telemetry" or "?". */
const char *ch_source_kind_name(ch_source_kind k);

/* A sighting: the identity of a sighting is (certificate, kind, source, index); adding the
 * same sighting again changes nothing, so replays after a crash never duplicate sightings. */
typedef struct ch_sighting {
	ch_source_kind kind;
	const char *source;  /* required */
	int64_t index;       /* position within the source (see ch_source_kind) */
	int64_t timestamp;   /* when seen (epoch seconds); 0 = unknown */
	const char *ip;      /* optional (NULL) */
	int port;            /* 0 = none */
	const char *sni;     /* optional (NULL) */
} ch_sighting;

/* One certificate to store. The store derives every value from `cert` (which must have been
 * parsed with CH_PARSE_ALL and whose DER buffer must still be alive) plus the names and
 * registrable domains the names module derived, except the TBS fingerprint when the source
 * knows a better one (tbs_sha256 below). Values are derived when a certificate is first
 * stored; a later copy of it adds only its sighting. */
typedef struct ch_store_put {
	const ch_cert *cert;
	const char *const *names;      /* normalised host names (the record's `names`) */
	size_t num_names;
	const char *const *domains;    /* registrable domains (the record's `registered_domains`) */
	size_t num_domains;
	const ch_sighting *sighting;   /* optional: where this copy was seen */
	/* optional: how to keep the DER, decided by the caller (the ingest pipeline compresses on
	 * its own thread): CH_STORE_DER_AUTO (0) lets the store decide, CH_STORE_DER_RAW keeps it
	 * as is, CH_STORE_DER_ZSTD keeps der_z, a zstd frame of the whole DER. */
	int der_form;
	const uint8_t *der_z;
	size_t der_z_len;
	/* optional (NULL: cert->tbs_sha256): the 32-byte TBS fingerprint to store as the CH_SA_TBS
	 * value, for a precertificate whose CT log entry recorded a TBS other than its own: one
	 * signed by a Precertificate Signing Certificate, whose logged TBS (ch_cert_tbs_sha256)
	 * names the final issuer and so links it to its final certificate. */
	const uint8_t *tbs_sha256;
	/* optional: the values ch_store_derive made of this very put ahead of the call (the
	 * ingest pipeline derives on its caller's thread); NULL: the store derives them. */
	const struct ch_store_derived *derived;
} ch_store_put;

/* Values derived from a certificate ahead of storing it (backend-neutral: every backend stores
 * exactly these). Reusable: each ch_store_derive replaces the previous contents. */
typedef struct ch_store_derived ch_store_derived;

ch_err ch_store_derived_new(ch_store_derived **out) CH_WARN_UNUSED;
void ch_store_derived_free(ch_store_derived *v);

/* ch_store_derive fills v with the values the store would derive from p (its cert, names and
 * domains must stay alive and unchanged until p is stored with p->derived = v). */
ch_err ch_store_derive(ch_store_derived *v, const ch_store_put *p) CH_WARN_UNUSED;

enum { CH_STORE_DER_AUTO = 0, CH_STORE_DER_RAW = 1, CH_STORE_DER_ZSTD = 2 };

/* ch_store_put_certs stores n certificates, deduplicated by SHA-256 (a certificate already
 * stored, or repeated inside the batch, is not stored again, but its sighting is still added).
 * If out_new is not NULL, out_new[i] is set to 1 for a certificate stored for the first time and
 * 0 for a duplicate. Rarity counts are current when the call returns. Call inside a
 * transaction for speed; on failure the caller should roll back. */
ch_err ch_store_put_certs(ch_store *s, uint8_t *out_new, const ch_store_put *items,
			  size_t n) CH_WARN_UNUSED;

/* ch_store_add_sightings adds sightings of already-stored certificates, sha256s[i] naming the
 * certificate of sightings[i]. CH_ERR_NOTFOUND if a certificate is not stored (nothing of the
 * call is kept then if inside a transaction that the caller rolls back). */
ch_err ch_store_add_sightings(ch_store *s, const uint8_t (*sha256s)[32],
			      const ch_sighting *sightings, size_t n) CH_WARN_UNUSED;

/* ---- checkpoints -------------------------------------------------------------------------- */

#define CH_STORE_CHECKPOINT_MAX 65536 /* bytes in one checkpoint blob */

/* ch_store_checkpoint_set stores an opaque blob under `source_id` (e.g. "file:/path", a CT log
 * id), replacing the previous one. Written in the current transaction, so it becomes durable
 * exactly when the data it describes does. */
ch_err ch_store_checkpoint_set(ch_store *s, const char *source_id, const void *data,
			       size_t len) CH_WARN_UNUSED;

/* ch_store_checkpoint_get appends the blob stored under `source_id` to `out`;
 * CH_ERR_NOTFOUND when there is none. */
ch_err ch_store_checkpoint_get(ch_store *s, ch_buf *out, const char *source_id) CH_WARN_UNUSED;

/* ---- CT log entries ----------------------------------------------------------------------- */

/* What the ct module keeps per CT log entry so that the entry's Merkle leaf can be rebuilt from
 * the store alone (certhound ct verify): the stored certificate the entry carries, if any, and
 * the rest of the leaf (opaque to the store). Keyed by (log, index); putting an index again
 * replaces it, so replays after a crash are harmless. */
typedef struct ch_store_ct_entry {
	uint64_t index;
	bool has_cert;             /* cert_sha256 names a stored certificate or precertificate */
	uint8_t cert_sha256[32];
	const uint8_t *leaf;       /* at most CH_STORE_CT_LEAF_MAX bytes */
	size_t leaf_len;
} ch_store_ct_entry;

#define CH_STORE_CT_LEAF_MAX (2u << 20)

/* ch_store_ct_put records n entries of `log` (the ct module's log id). Call inside a
 * transaction for speed. */
ch_err ch_store_ct_put(ch_store *s, const char *log, const ch_store_ct_entry *e,
		       size_t n) CH_WARN_UNUSED;

/* Called by ch_store_ct_walk for each entry with the DER of its certificate (NULL and 0 when the
 * entry has none or the certificate is not in the store). A non-CH_OK return stops the walk. */
typedef ch_err (*ch_store_ct_fn)(void *arg, const ch_store_ct_entry *e, const uint8_t *der,
				 size_t der_len);

/* ch_store_ct_walk calls fn for the recorded entries of `log` with from <= index < to, in index
 * order (missing indexes are simply not visited), in one read snapshot. Returns fn's first
 * non-CH_OK result, or a store error. */
ch_err ch_store_ct_walk(ch_store *s, const char *log, uint64_t from, uint64_t to,
			ch_store_ct_fn fn, void *arg) CH_WARN_UNUSED;

/* ---- reading: search ---------------------------------------------------------------------- */

#define CH_STORE_F_CA 0x1u
#define CH_STORE_F_SELF_SIGNED 0x2u
#define CH_STORE_F_PRECERT 0x4u

/* A certificate in a search result. */
typedef struct ch_store_summary {
	uint8_t sha256[32];
	char *serial_hex;
	char *subject;       /* subject DN text */
	char *issuer;        /* issuer DN text */
	int64_t not_before;
	int64_t not_after;
	unsigned flags;      /* CH_STORE_F_* */
	char **names;        /* host names, sorted */
	size_t num_names;
} ch_store_summary;

#define CH_STORE_CURSOR_MAX 512

/* One page of results. `cursor` is an opaque, printable token (at most CH_STORE_CURSOR_MAX-1
 * characters) to pass as `after` for the next page; it is "" when this is the last page. Paging
 * is keyset-based: stable while the store grows (new certificates appear at the end) and of
 * constant cost per page. Free with ch_store_page_free. */
typedef struct ch_store_page {
	ch_store_summary *items;
	size_t num_items;
	char cursor[CH_STORE_CURSOR_MAX];
} ch_store_page;

/* A page of strings (distinct names), same cursor rules. Free with ch_store_strpage_free. */
typedef struct ch_store_strpage {
	char **items;
	size_t num_items;
	char cursor[CH_STORE_CURSOR_MAX];
} ch_store_strpage;

#define CH_STORE_MAX_PAGE 100000 /* largest `limit` accepted */

/* ch_store_search returns in *out up to `limit` certificates matching `f` (NULL = all), in a
 * stable store order, starting after `after` (NULL or "" = from the start; otherwise a cursor
 * from a previous page of the same filter). CH_ERR_INVALID for a bad cursor or an
 * unsupported term (ch_error_last() says which). */
ch_err ch_store_search(ch_store *s, ch_store_page **out, const ch_filter *f, size_t limit,
		       const char *after) CH_WARN_UNUSED;

/* ch_store_scan returns in *out up to `limit` certificates stored after the position `after`
 * (NULL or "" = the beginning) in store order — the order of an unfiltered ch_store_search, in
 * which new certificates come last — with their summaries. Unlike a search page, *out's cursor
 * is always the position after the last item returned (`after` itself when none was), so a
 * reader following the store as it grows resumes exactly where it stopped. Cheaper per
 * certificate than ch_store_search (a page is read with two range reads). */
ch_err ch_store_scan(ch_store *s, ch_store_page **out, size_t limit,
		     const char *after) CH_WARN_UNUSED;

/* ch_store_count sets *out to the number of certificates matching `f` (NULL = all). */
ch_err ch_store_count(ch_store *s, uint64_t *out, const ch_filter *f) CH_WARN_UNUSED;

/* ch_store_names returns the distinct host names (CH_SA_NAME values) of the certificates
 * matching `f`, grouped by domain (ordered by reversed labels: "com.example", then
 * "com.example.api", "com.example.www", ...), paged like ch_store_search. */
ch_err ch_store_names(ch_store *s, ch_store_strpage **out, const ch_filter *f, size_t limit,
		      const char *after) CH_WARN_UNUSED;

/* ch_store_explain appends the backend's plan for `f` (for SQLite: the SQL and EXPLAIN QUERY
 * PLAN lines) to `out`; for tests and `search --explain`. */
ch_err ch_store_explain(ch_store *s, ch_buf *out, const ch_filter *f) CH_WARN_UNUSED;

void ch_store_page_free(ch_store_page *p);
void ch_store_strpage_free(ch_store_strpage *p);

/* ---- reading: one certificate ------------------------------------------------------------- */

#define CH_STORE_MAX_SIGHTINGS 1000 /* sightings returned by ch_store_get (oldest first) */

typedef struct ch_store_sighting {
	ch_source_kind kind;
	char *source;
	int64_t index;
	int64_t timestamp;
	char *ip;            /* NULL when none */
	int port;
	char *sni;           /* NULL when none */
} ch_store_sighting;

/* Everything the store knows about one certificate. */
typedef struct ch_store_record {
	ch_store_summary summary;
	uint8_t *der;                  /* the certificate as stored (decompressed) */
	size_t der_len;
	ch_store_sighting *sightings;  /* at most CH_STORE_MAX_SIGHTINGS */
	size_t num_sightings;
	uint64_t total_sightings;      /* all of them */
	uint8_t (*linked)[32];         /* other certificates with the same TBS fingerprint
	                                  (precertificate <-> certificate) */
	size_t num_linked;
	ch_store_value *values;        /* every value with its rarity count */
	size_t num_values;
} ch_store_record;

/* ch_store_get finds one certificate by SHA-256 hex or a unique hex prefix (>= 4 digits) and
 * returns its record in *out (free with ch_store_record_free). CH_ERR_NOTFOUND when nothing
 * matches, CH_ERR_INVALID when the prefix is ambiguous or not hex. */
ch_err ch_store_get(ch_store *s, ch_store_record **out, const char *sha256_hex) CH_WARN_UNUSED;

void ch_store_record_free(ch_store_record *r);

/* ch_store_get_der appends the DER of the stored certificate `sha256` to `out` (the light call
 * for printing many full records: no sightings, values or links). CH_ERR_NOTFOUND if absent. */
ch_err ch_store_get_der(ch_store *s, ch_buf *out, const uint8_t sha256[32]) CH_WARN_UNUSED;

/* ---- pivot support ------------------------------------------------------------------------ */

/* ch_store_rarity sets *out to how many stored certificates carry (attr, value) — 0 when none.
 * O(1): the counts are maintained on insert. For CH_SA_NAME give the name as printed. */
ch_err ch_store_rarity(ch_store *s, uint64_t *out, ch_store_attr attr,
		       const char *value) CH_WARN_UNUSED;

/* ch_store_values_of returns every value of the certificate `sha256` with its count, in
 * *out_values / *out_num (free with ch_store_values_free). CH_ERR_NOTFOUND if not stored. */
ch_err ch_store_values_of(ch_store *s, ch_store_value **out_values, size_t *out_num,
			  const uint8_t sha256[32]) CH_WARN_UNUSED;

void ch_store_values_free(ch_store_value *v, size_t n);

/* ch_store_certs_with returns the certificates carrying (attr, value), paged like
 * ch_store_search (CH_SA_SERIAL_ISSUER included). */
ch_err ch_store_certs_with(ch_store *s, ch_store_page **out, ch_store_attr attr,
			   const char *value, size_t limit, const char *after) CH_WARN_UNUSED;

/* ---- statistics --------------------------------------------------------------------------- */

typedef struct ch_store_stats {
	uint64_t certificates;     /* all stored certificates, precertificates included */
	uint64_t precertificates;
	uint64_t names;            /* distinct host names */
	uint64_t domains;          /* distinct registrable domains */
	uint64_t sightings;
	uint64_t sources;          /* distinct sighting sources */
	uint64_t logs;             /* distinct CT logs */
	uint64_t der_bytes;        /* DER bytes as stored (after compression) */
	uint64_t der_raw_bytes;    /* DER bytes before compression */
	int schema_version;
} ch_store_stats;

/* ch_store_stats_get fills *out; O(1) (counters maintained on insert). */
ch_err ch_store_stats_get(ch_store *s, ch_store_stats *out) CH_WARN_UNUSED;

/* ch_store_check runs the backend's integrity check; CH_ERR_INTEGRITY with the first problem in
 * ch_error_last() when something is wrong. */
ch_err ch_store_check(ch_store *s) CH_WARN_UNUSED;

#endif
