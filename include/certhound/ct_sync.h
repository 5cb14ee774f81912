/* certhound/ct_sync.h — resumable, verified sync of one CT log (RFC 6962 or static-ct-api)
 * into the store through the ingest pipeline.
 *
 * A sync fetches the log's signed tree head (get-sth, or the checkpoint note) and verifies its
 * signature; checks that it is consistent with the tree head stored by the previous sync
 * (get-sth-consistency, or recomputation from hash tiles); then fetches entries from the stored
 * position in chunks. Each chunk's leaf hashes are appended to the stored compact range and the
 * chunk is proven to be a prefix of the signed tree (a consistency proof from the chunk's end,
 * or the tiles to the right of it) BEFORE any of its certificates reaches the ingest pipeline;
 * the new position, compact range and tree head go into the same transaction as the chunk
 * (ch_ingest_checkpoint). Kill it at any moment and start again: every entry is stored once.
 *
 * A log that lies (bad signature, root mismatch, inconsistent tree heads, entries that do not
 * decode) stops the sync with CH_ERR_INTEGRITY and a description of the evidence; what was
 * verified before stays stored. */
#ifndef CERTHOUND_CT_SYNC_H
#define CERTHOUND_CT_SYNC_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <certhound/ct.h>
#include <certhound/ingest.h>
#include <certhound/store.h>

/* The log to sync. */
typedef struct ch_ct_sync_log {
	const char *url;        /* RFC 6962 base URL or tiled monitoring prefix (http, https, file) */
	bool tiled;             /* static-ct-api */
	const char *origin;     /* tiled: checkpoint origin; NULL = url without scheme and '/' */
	const ch_ct_key *key;   /* the log's public key (borrowed) */
} ch_ct_sync_log;

typedef struct ch_ct_sync_progress {
	uint64_t next;          /* entries below this index are stored */
	uint64_t tree_size;     /* the verified tree head being synced to */
	uint64_t entries;       /* entries stored by this run */
	uint64_t requests;      /* HTTP requests made */
} ch_ct_sync_progress;

typedef struct ch_ct_sync_opts {
	uint64_t max_entries;   /* stop after this many entries (0 = up to the tree head) */
	bool start_at_end;      /* first sync of a log: skip history, start at the tree head
	                           (tiled: from hash tiles; RFC 6962: from the last entry and its
	                           get-proof-by-hash audit path); ignored once a sync state exists */
	unsigned batch;         /* entries asked per get-entries (default 1000; logs may cap it) */
	unsigned chunk;         /* entries verified and committed together (default 8192) */
	unsigned retries;       /* HTTP retries (4 when opts is NULL; 0 here means none) */
	long stall_seconds;     /* abort a stalled transfer after this long (default 30) */
	unsigned backoff_ms;    /* first retry delay (default 250) */
	unsigned parallel;      /* concurrent requests to the log (tiles, get-entries pages) over
	                           kept-alive connections; 0 = 4, 1 = one at a time; a max_rps
	                           limit makes it 1 */
	double max_rps;         /* politeness limit: at most this many HTTP requests per second to
	                           the log, retries included (0 = none); a 429's Retry-After is
	                           honoured either way */
	bool no_store;          /* verify and decode only; nothing goes to the ingest pipeline
	                           (and `ig` may be NULL): for measuring fetch + decode */
	void (*progress)(void *arg, const ch_ct_sync_progress *p);
	void *progress_arg;
	const atomic_int *stop; /* when set and non-zero, stop cleanly after the current chunk
	                           (everything verified so far committed with its checkpoint) */
} ch_ct_sync_opts;

#define CH_CT_EVIDENCE_MAX 2048

typedef struct ch_ct_sync_result {
	char log_id[45];        /* base64 log ID: the sightings' source */
	uint64_t start;         /* index this run started at */
	uint64_t next;          /* entries below this index are stored and verified */
	ch_ct_sth sth;          /* the verified tree head synced to */
	uint64_t entries;       /* entries stored by this run */
	uint64_t undecodable;   /* entries in the tree whose certificate did not decode */
	uint64_t requests;
	bool stopped;           /* opts->stop ended the run before the tree head */
	char evidence[CH_CT_EVIDENCE_MAX]; /* on CH_ERR_INTEGRITY: the tree heads and index */
} ch_ct_sync_result;

/* ch_ct_sync runs one sync of `log` up to its current tree head (see above). `store` is read
 * for the previous checkpoint; everything is written through `ig`, which is flushed before
 * returning CH_OK. opts may be NULL. */
ch_err ch_ct_sync(ch_ct_sync_result *out, ch_store *store, ch_ingest *ig,
		  const ch_ct_sync_log *log, const ch_ct_sync_opts *opts) CH_WARN_UNUSED;

/* ch_ct_sync_source_id writes the checkpoint source id of a log ("ct:" + base64 log ID). */
void ch_ct_sync_source_id(char out[64], const ch_ct_key *key);

/* ---- verifying what is stored ---------------------------------------------------------------- */

typedef struct ch_ct_verify_result {
	char log_id[45];        /* base64 log ID */
	char url[2048];         /* the log URL recorded by the last sync */
	ch_ct_sth sth;          /* the stored (signed) tree head */
	uint64_t next;          /* the stored position: entries [start, next) are stored */
	uint64_t start;         /* first sync with --start-at-end: entries [0, start) are not held
	                           (0 otherwise); the range of [0, start) was checked instead */
	ch_ct_sth start_sth;    /* start > 0: the signed tree head of `start` entries it was
	                           proven against */
	uint64_t entries;       /* entries whose leaf was rebuilt from the store and hashed */
	uint64_t from_certs;    /* of them, rebuilt from a stored certificate or precertificate */
	bool root_checked;      /* next == tree size: the rebuilt root was compared with the head */
	char evidence[CH_CT_EVIDENCE_MAX]; /* on CH_ERR_INTEGRITY */
} ch_ct_verify_result;

/* ch_ct_verify re-checks, without any network access, what ct sync stored for the log of `key`:
 * the stored tree head's signature; every entry [start, next) present once, its Merkle leaf
 * rebuilt from the stored certificate (or precertificate) and entry record, its certificate's
 * DER hashing to the recorded SHA-256 and its leaf_index (tiled logs) equal to its index; the
 * compact range rebuilt from them equal to the stored one; and, when the whole tree is stored,
 * the rebuilt root equal to the signed root. start is 0 unless the first sync used
 * --start-at-end: then the range of [0, start) kept at that sync must hash to the signed root of
 * the tree head kept with it, whose signature is checked too, and the entries are hashed onto
 * it. CH_ERR_NOTFOUND when nothing is stored for the log, CH_ERR_INTEGRITY with evidence (the
 * index, the tree head, the two roots) on any mismatch. */
ch_err ch_ct_verify(ch_ct_verify_result *out, ch_store *store,
		    const ch_ct_key *key) CH_WARN_UNUSED;

#endif
