/* certhound/ct.h — Certificate Transparency: log keys and signatures, signed tree heads,
 * RFC 6962 entries (MerkleTreeLeaf / TimestampedEntry / extra_data), static-ct-api tiles, and the
 * CT log list v3. The Merkle tree is in merkle.h, C2SP signed notes and checkpoints in note.h.
 *
 * Everything decoded from the wire is bounded by the CH_CT_MAX_* limits below; inputs beyond
 * them are rejected (CH_ERR_LIMIT), never truncated. Decoded entries are views into the
 * caller's buffer and stay valid while it lives. */
#ifndef CERTHOUND_CT_H
#define CERTHOUND_CT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <certhound/buf.h>
#include <certhound/err.h>
#include <certhound/hash.h>
#include <certhound/util.h>

#define CH_CT_MAX_SIG 1024           /* bytes of one signature (RSA-8192 fits) */
#define CH_CT_MAX_KEY 4096           /* bytes of one DER SubjectPublicKeyInfo */
#define CH_CT_MAX_CHAIN 32           /* certificates in one entry's chain */
#define CH_CT_MAX_CERT (1u << 20)    /* bytes of one certificate or TBS in a CT entry */
#define CH_CT_MAX_JSON (64u << 20)   /* bytes of one RFC 6962 JSON response */
#define CH_CT_MAX_ENTRIES 10000      /* entries in one get-entries response */
#define CH_CT_TILE_WIDTH 256         /* hashes or entries in a full tile */
#define CH_CT_MAX_TILE (64u << 20)   /* bytes of one data tile after decompression */

/* ---- log keys and signatures ------------------------------------------------------------- */

typedef enum ch_ct_key_type {
	CH_CT_KEY_ECDSA = 1, /* RFC 6962: NIST P-256 (other curves are refused) */
	CH_CT_KEY_RSA,       /* RFC 6962: RSASSA-PKCS1-v1_5, at least 2048 bits */
	CH_CT_KEY_ED25519,   /* signed-note Ed25519 keys (not valid for RFC 6962 signatures) */
} ch_ct_key_type;

/* A public key of a log (or of a note signer). Immutable once made; may be shared read-only
 * between threads. */
typedef struct ch_ct_key ch_ct_key;

/* ch_ct_key_parse reads a public key from DER SubjectPublicKeyInfo bytes, PEM ("-----BEGIN
 * PUBLIC KEY-----") or base64 of the DER (as in log lists), and returns it in *out (free with
 * ch_ct_key_free). Its log ID is the SHA-256 of the DER SPKI (RFC 6962 §3.2). */
ch_err ch_ct_key_parse(ch_ct_key **out, const void *data, size_t len) CH_WARN_UNUSED;

/* ch_ct_key_from_ed25519 makes a key from a raw 32-byte Ed25519 public key. */
ch_err ch_ct_key_from_ed25519(ch_ct_key **out, const uint8_t pub[32]) CH_WARN_UNUSED;

/* ch_ct_key_free releases a key; NULL is a no-op. */
void ch_ct_key_free(ch_ct_key *k);

/* ch_ct_key_type_of, ch_ct_key_log_id (32 bytes, owned by the key), ch_ct_key_spki (the DER). */
ch_ct_key_type ch_ct_key_type_of(const ch_ct_key *k);
const uint8_t *ch_ct_key_log_id(const ch_ct_key *k);
ch_bytes ch_ct_key_spki(const ch_ct_key *k);

/* ch_ct_key_raw_ed25519 copies the raw public key of an Ed25519 key into out; false otherwise. */
bool ch_ct_key_raw_ed25519(const ch_ct_key *k, uint8_t out[32]);

/* ch_ct_verify_digitally_signed checks a TLS DigitallySigned structure (RFC 5246 §4.7: hash
 * algorithm byte, signature algorithm byte, uint16 length, signature) over msg with key k.
 * Only SHA-256 with the key's own algorithm is accepted. The structure must fill ds exactly.
 * CH_OK, CH_ERR_PARSE (malformed) or CH_ERR_INTEGRITY (does not verify). */
ch_err ch_ct_verify_digitally_signed(const ch_ct_key *k, const uint8_t *msg, size_t msg_len,
				     const uint8_t *ds, size_t ds_len) CH_WARN_UNUSED;

/* ch_ct_verify_ed25519 checks a raw 64-byte Ed25519 signature over msg. */
ch_err ch_ct_verify_ed25519(const ch_ct_key *k, const uint8_t *msg, size_t msg_len,
			    const uint8_t *sig, size_t sig_len) CH_WARN_UNUSED;

/* ---- signed tree heads ------------------------------------------------------------------- */

/* A signed tree head: from get-sth JSON, or from a checkpoint's RFC6962NoteSignature. */
typedef struct ch_ct_sth {
	uint64_t tree_size;
	uint64_t timestamp;          /* milliseconds since the epoch */
	uint8_t root[32];            /* sha256_root_hash */
	uint8_t sig[CH_CT_MAX_SIG];  /* the TLS DigitallySigned tree_head_signature, encoded */
	size_t sig_len;
} ch_ct_sth;

#define CH_CT_STH_SIGNED_LEN 50

/* ch_ct_sth_signed_data writes the RFC 6962 §3.5 TreeHeadSignature input (version v1,
 * signature_type tree_hash, timestamp, tree_size, root) that the signature covers. */
void ch_ct_sth_signed_data(uint8_t out[CH_CT_STH_SIGNED_LEN], const ch_ct_sth *sth);

/* ch_ct_sth_parse_json reads a get-sth response ({"tree_size", "timestamp",
 * "sha256_root_hash", "tree_head_signature"}) into *out. It does not verify. */
ch_err ch_ct_sth_parse_json(ch_ct_sth *out, const char *json, size_t len) CH_WARN_UNUSED;

/* ch_ct_sth_verify checks the tree head signature with the log's key: CH_OK or
 * CH_ERR_INTEGRITY ("signature does not verify"). */
ch_err ch_ct_sth_verify(const ch_ct_sth *sth, const ch_ct_key *key) CH_WARN_UNUSED;

/* ---- proofs as RFC 6962 JSON ------------------------------------------------------------- */

/* A list of Merkle hashes from a get-proof-by-hash (audit_path, with leaf_index) or
 * get-sth-consistency (consistency) response. */
typedef struct ch_ct_proof {
	uint64_t leaf_index;         /* get-proof-by-hash only */
	uint8_t hashes[64][32];
	size_t num_hashes;
} ch_ct_proof;

/* ch_ct_proof_parse_json reads either response kind (whichever member is present). */
ch_err ch_ct_proof_parse_json(ch_ct_proof *out, const char *json, size_t len) CH_WARN_UNUSED;

/* ---- entries ----------------------------------------------------------------------------- */

typedef enum ch_ct_entry_type {
	CH_CT_X509_ENTRY = 0,
	CH_CT_PRECERT_ENTRY = 1,
} ch_ct_entry_type;

/* One log entry, decoded. Every ch_bytes is a view into the decoded input. */
typedef struct ch_ct_entry {
	uint64_t timestamp;               /* TimestampedEntry.timestamp, milliseconds */
	ch_ct_entry_type type;
	ch_bytes cert;                    /* x509_entry: the certificate (DER) */
	uint8_t issuer_key_hash[32];      /* precert_entry: SHA-256 of the issuer's SPKI */
	ch_bytes tbs;                     /* precert_entry: the TBSCertificate as logged */
	ch_bytes precert;                 /* precert_entry: the submitted precertificate (DER),
	                                     from extra_data or the TileLeaf; empty if unknown */
	ch_bytes extensions;              /* CtExtensions, raw */
	bool has_leaf_index;              /* static-ct-api leaf_index extension present */
	uint64_t leaf_index;
	ch_bytes timestamped_entry;       /* the whole TimestampedEntry encoding */
	ch_bytes chain[CH_CT_MAX_CHAIN];  /* RFC 6962 extra_data: the chain certificates (DER) */
	size_t num_chain;
	const uint8_t *fingerprints;      /* static-ct-api: num_chain... SHA-256s, 32 bytes each */
	size_t num_fingerprints;
} ch_ct_entry;

/* ch_ct_leaf_decode decodes an RFC 6962 MerkleTreeLeaf (leaf_input) into *out (its other
 * fields cleared). The leaf hash is SHA-256(0x00 || leaf_input). */
ch_err ch_ct_leaf_decode(ch_ct_entry *out, const uint8_t *leaf, size_t len) CH_WARN_UNUSED;

/* ch_ct_extra_decode decodes an RFC 6962 extra_data for an entry already decoded by
 * ch_ct_leaf_decode: the certificate_chain (x509_entry), or the PrecertChainEntry
 * (pre_certificate + precertificate_chain). */
ch_err ch_ct_extra_decode(ch_ct_entry *e, const uint8_t *extra, size_t len) CH_WARN_UNUSED;

/* ch_ct_entry_leaf_hash computes the Merkle leaf hash of a decoded entry:
 * SHA-256(0x00 || version v1 || leaf_type timestamped_entry || timestamped_entry). */
ch_err ch_ct_entry_leaf_hash(ch_hash *h, uint8_t out[32], const ch_ct_entry *e) CH_WARN_UNUSED;

/* ch_ct_precert_tbs writes into out (reset first) the TBSCertificate of the precertificate
 * `der` with its CT poison extension removed (RFC 6962 §3.2): the bytes a precert_entry logs
 * when the precertificate was signed by the final issuer. CH_ERR_PARSE when der is not a
 * certificate carrying exactly one poison extension. */
ch_err ch_ct_precert_tbs(ch_buf *out, const uint8_t *der, size_t len) CH_WARN_UNUSED;

/* Entry records: what the store keeps of an entry beside its certificate (ch_store_ct_put), so
 * that the Merkle leaf can be rebuilt from the store. A record is 'F' + the whole
 * TimestampedEntry, 'E' + the TimestampedEntry without the certificate (x509_entry) or TBS
 * (precert_entry) bytes, which are rebuilt from the stored certificate / precertificate, or
 * 'L' + a whole MerkleTreeLeaf that did not decode. */

/* ch_ct_entry_record writes the record of decoded entry e into out; `stored` is the DER the
 * store keeps for it (the certificate, or the precertificate), NULL when none. The short form
 * is used only when the rebuilt bytes are identical. scratch is a work buffer. */
ch_err ch_ct_entry_record(ch_buf *out, const ch_ct_entry *e, const uint8_t *stored,
			  size_t stored_len, ch_buf *scratch) CH_WARN_UNUSED;

/* ch_ct_entry_rebuild writes the MerkleTreeLeaf of a record into leaf, with the certificate
 * the store returned (der, NULL when none). CH_ERR_NOTFOUND when the record needs a
 * certificate that is missing, CH_ERR_INTEGRITY when the certificate does not fit it. */
ch_err ch_ct_entry_rebuild(ch_buf *leaf, const uint8_t *rec, size_t rec_len, const uint8_t *der,
			   size_t der_len, ch_buf *scratch) CH_WARN_UNUSED;

/* A get-entries response: the base64 fields decoded into one owned buffer. */
typedef struct ch_ct_entries {
	size_t num;
	ch_bytes *leaf_input;        /* num items, views into `data` */
	ch_bytes *extra_data;
	uint8_t *data;
} ch_ct_entries;

/* ch_ct_entries_parse_json decodes a get-entries response (at most CH_CT_MAX_ENTRIES entries)
 * into *out; free with ch_ct_entries_free. */
ch_err ch_ct_entries_parse_json(ch_ct_entries *out, const char *json, size_t len) CH_WARN_UNUSED;
void ch_ct_entries_free(ch_ct_entries *e);

/* ch_ct_roots_parse_json decodes a get-roots response ({"certificates": [base64 DER...]}):
 * the DER certificates are appended to `out` back to back and their views returned in
 * *out_certs (num in *out_num; free the array with free()). The views point into out->data,
 * so `out` must not be appended to while they are in use. */
ch_err ch_ct_roots_parse_json(ch_buf *out, ch_bytes **out_certs, size_t *out_num,
			      const char *json, size_t len) CH_WARN_UNUSED;

/* ---- static-ct-api tiles ----------------------------------------------------------------- */

#define CH_CT_TILE_PATH_MAX 96

/* ch_ct_tile_path writes "tile/<kind>/<N>[.p/<W>]" with N in the x001/x234/067 encoding:
 * kind is a level ("0".."63"), "data" (static-ct-api) or "entries" (tlog-tiles); width 256 (or
 * 0) means a full tile, 1..255 a partial one. Returns the length, or 0 on a bad argument. */
size_t ch_ct_tile_path(char out[CH_CT_TILE_PATH_MAX], const char *kind, uint64_t n,
		       unsigned width);

/* ch_ct_hash_tile_check verifies a hash tile's size against its expected width (len == 32 *
 * width); CH_ERR_PARSE otherwise. */
ch_err ch_ct_hash_tile_check(size_t len, unsigned width) CH_WARN_UNUSED;

/* ch_ct_tile_leaf_next decodes the next TileLeaf of a static-ct-api data tile at *cursor
 * (advancing it on success) into *out. */
ch_err ch_ct_tile_leaf_next(ch_ct_entry *out, ch_bytes *cursor) CH_WARN_UNUSED;

/* ch_ct_bundle_next reads the next entry of a tlog-tiles entry bundle (uint16-length-prefixed
 * entries) at *cursor, advancing it; the entry's leaf hash is SHA-256(0x00 || entry). */
ch_err ch_ct_bundle_next(ch_bytes *out, ch_bytes *cursor) CH_WARN_UNUSED;

/* ch_ct_gunzip decompresses a gzip (or zlib) member into out (bounded by out->max); data that
 * is not compressed (no gzip magic) is copied as is. */
ch_err ch_ct_gunzip(ch_buf *out, const uint8_t *in, size_t len) CH_WARN_UNUSED;

/* ---- the CT log list v3 ------------------------------------------------------------------ */

typedef enum ch_ct_log_state {
	CH_CT_STATE_UNKNOWN = 0,
	CH_CT_STATE_PENDING,
	CH_CT_STATE_QUALIFIED,
	CH_CT_STATE_USABLE,
	CH_CT_STATE_READONLY,
	CH_CT_STATE_RETIRED,
	CH_CT_STATE_REJECTED,
} ch_ct_log_state;

/* ch_ct_log_state_name returns "pending", "qualified", "usable", "readonly", "retired",
 * "rejected" or "unknown". */
const char *ch_ct_log_state_name(ch_ct_log_state s);

/* One log from a log list. Strings are owned by the list. */
typedef struct ch_ct_log_info {
	const char *operator_name;
	const char *description;
	bool tiled;                    /* from "tiled_logs" (static-ct-api) */
	const char *url;               /* RFC 6962: url; tiled: monitoring_url */
	const char *submission_url;    /* tiled only, else NULL */
	uint8_t log_id[32];
	char log_id_b64[45];
	uint8_t *key;                  /* DER SPKI */
	size_t key_len;
	bool key_ok;                   /* the key parses and hashes to log_id */
	int mmd;
	ch_ct_log_state state;
	int64_t state_time;            /* epoch seconds, 0 when absent */
	bool has_interval;
	int64_t interval_start;        /* start_inclusive, epoch seconds */
	int64_t interval_end;          /* end_exclusive */
	bool has_final_tree_head;      /* readonly logs */
	uint64_t final_tree_size;
	uint8_t final_root[32];
} ch_ct_log_info;

typedef struct ch_ct_log_list {
	const char *version;
	int64_t timestamp;
	ch_ct_log_info *logs;
	size_t num_logs;
	void *priv_;
} ch_ct_log_list;

#define CH_CT_MAX_LOG_LIST (16u << 20) /* bytes of a log list file */
#define CH_CT_MAX_LOGS 4096

/* ch_ct_log_list_parse reads a log list v3 JSON document into *out (free with
 * ch_ct_log_list_free). Logs whose key does not parse are kept with key_ok false. */
ch_err ch_ct_log_list_parse(ch_ct_log_list **out, const char *json, size_t len) CH_WARN_UNUSED;

/* ch_ct_log_list_load reads a log list from a file path. */
ch_err ch_ct_log_list_load(ch_ct_log_list **out, const char *path) CH_WARN_UNUSED;

/* ch_ct_log_list_open reads a log list from a file path, or fetches it from an http, https
 * or file URL (bounded by CH_CT_MAX_LOG_LIST, retried on 429/5xx). */
ch_err ch_ct_log_list_open(ch_ct_log_list **out, const char *where) CH_WARN_UNUSED;

void ch_ct_log_list_free(ch_ct_log_list *l);

/* ch_ct_log_list_find returns the log named by `what`: its URL (with or without scheme or
 * trailing slash), base64 log ID, or description (case-insensitive); NULL when none or when a
 * description matches several logs. */
const ch_ct_log_info *ch_ct_log_list_find(const ch_ct_log_list *l, const char *what);

#endif
