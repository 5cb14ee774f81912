/* certhound/ingest.h — the one pipeline by which every source adds certificates to the store.
 *
 * A source (files, CT logs, the TLS prober, telemetry readers) feeds DER certificates with their
 * provenance (a ch_sighting) and, from time to time, its progress checkpoint. The pipeline
 * decodes each certificate (x509), derives its names (names), deduplicates by SHA-256 and writes
 * them to the store in batches, one transaction per batch. A checkpoint given with
 * ch_ingest_checkpoint is written in the transaction of the batch holding everything fed before
 * it, so after a crash the store's checkpoint describes exactly what the store holds: resume from
 * it and nothing is lost and nothing is stored twice.
 *
 * The caller's thread decodes; a writer thread of the pipeline writes to the store meanwhile
 * (the store handle serialises its calls, so the caller may still read through it). Memory is
 * bounded: the pipeline holds at most three chunks of decoded certificates (256 each, and at most
 * CH_INGEST_MAX_CHUNK_BYTES of DER each) plus the pending checkpoints; the store keeps the rest
 * of the open batch. Items that cannot be stored are counted by reason, and the first
 * CH_INGEST_MAX_REJECT_DETAILS of them are kept with their message. */
#ifndef CERTHOUND_INGEST_H
#define CERTHOUND_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <certhound/err.h>
#include <certhound/store.h>

typedef struct ch_ingest ch_ingest;

#define CH_INGEST_DEFAULT_BATCH 50000         /* certificates per transaction */
#define CH_INGEST_MAX_CHUNK_BYTES (32u << 20) /* DER bytes held before writing to the store */
#define CH_INGEST_MAX_REJECT_DETAILS 100      /* rejected items kept with their message */
#define CH_INGEST_MAX_REASONS 64              /* distinct rejection reasons counted */
#define CH_INGEST_MAX_PENDING_CHECKPOINTS 256 /* distinct sources checkpointed in one batch */

typedef struct ch_ingest_opts {
	size_t batch_size;   /* certificates per transaction; 0 = CH_INGEST_DEFAULT_BATCH */
	bool keep_going;     /* reserved */
	bool bulk;           /* ask the store for a bulk load when it is empty (ch_store_bulk_begin,
			      * before the first write); the caller ends it with ch_store_bulk_end */
	size_t bulk_max_bytes; /* the bulk load's memory bound; 0 = the store's default */
} ch_ingest_opts;

/* A rejection reason with how many items it rejected. */
typedef struct ch_ingest_reason {
	char reason[64];     /* short stable code: "parse", "limit", "io", "names", ... */
	uint64_t count;
} ch_ingest_reason;

/* One rejected item, kept for the report. */
typedef struct ch_ingest_reject {
	char reason[64];
	char where[256];     /* source and position ("certs.pem:120", "log X entry 5") */
	char message[256];   /* the decoder's or reader's message */
} ch_ingest_reject;

/* Counters since ch_ingest_new. `read` = new + duplicate + rejected + pending (not yet
 * written; 0 after ch_ingest_flush). */
typedef struct ch_ingest_counts {
	uint64_t read;
	uint64_t new_certs;
	uint64_t duplicates;
	uint64_t rejected;
	uint64_t sightings;
	uint64_t batches;          /* transactions committed */
	uint64_t der_bytes;        /* DER bytes read */
	bool bulk;                 /* the store took the bulk-load hint */
	const ch_ingest_reason *reasons;  /* num_reasons entries, owned by the pipeline */
	size_t num_reasons;
	const ch_ingest_reject *rejects;  /* the first rejected items, owned by the pipeline */
	size_t num_rejects;
} ch_ingest_counts;

/* ch_ingest_new makes a pipeline writing into `store` (borrowed; it must outlive the pipeline
 * and not be used for writes by anyone else meanwhile). opts may be NULL. */
ch_err ch_ingest_new(ch_ingest **out, ch_store *store, const ch_ingest_opts *opts) CH_WARN_UNUSED;

/* ch_ingest_free discards anything not yet committed (call ch_ingest_flush first to keep it)
 * and releases the pipeline; NULL is a no-op. */
void ch_ingest_free(ch_ingest *ig);

/* ch_ingest_add feeds one DER certificate seen at `sighting` (copied; may be NULL for no
 * sighting). A certificate that does not decode is counted as rejected (reason "parse" or
 * "limit") and CH_OK is returned: per-item problems never stop the pipeline. Any other
 * return value is a store or memory failure: the open batch is rolled back and the pipeline
 * can only be freed. Store writes happen on the pipeline's writer thread, so a store failure is
 * returned by the next call (ch_ingest_add, ch_ingest_checkpoint or ch_ingest_flush). */
ch_err ch_ingest_add(ch_ingest *ig, const uint8_t *der, size_t der_len,
		     const ch_sighting *sighting) CH_WARN_UNUSED;

/* One item with what its source knows beyond the DER. Zero-initialise it and set what applies,
 * so that fields added later stay unset for older callers. */
typedef struct ch_ingest_item {
	const uint8_t *der;            /* the DER certificate (required) */
	size_t der_len;
	const ch_sighting *sighting;   /* optional: where it was seen (copied) */
	/* optional: the TBS fingerprint to store instead of the one derived from the DER
	 * (ch_store_put.tbs_sha256). The ct module gives it for precert_entries: the fingerprint
	 * of the logged TBS (ch_cert_tbs_sha256), which links a precertificate signed by a
	 * Precertificate Signing Certificate to its final certificate. 32 bytes, copied. */
	const uint8_t *tbs_sha256;
} ch_ingest_item;

/* ch_ingest_add_item is ch_ingest_add for an item with more than DER and sighting (see
 * ch_ingest_item); the same return values. */
ch_err ch_ingest_add_item(ch_ingest *ig, const ch_ingest_item *item) CH_WARN_UNUSED;

/* ch_ingest_add_at is ch_ingest_add followed by ch_ingest_checkpoint(source_id, ckpt), except
 * that the checkpoint is recorded before the batch holding this item can commit: the committed
 * checkpoint then always covers exactly the items committed, this one included. Sources that
 * checkpoint after every item use this. source_id NULL = no checkpoint. */
ch_err ch_ingest_add_at(ch_ingest *ig, const uint8_t *der, size_t der_len,
			const ch_sighting *sighting, const char *source_id, const void *ckpt,
			size_t ckpt_len) CH_WARN_UNUSED;

/* ch_ingest_reject records an item the source could not even turn into DER (bad PEM, I/O
 * error inside a file...): `reason` is a short code, `where` and `message` describe it. */
void ch_ingest_reject_item(ch_ingest *ig, const char *reason, const char *where,
			   const char *message);

/* ch_ingest_checkpoint records `source_id`'s progress blob, to be written in the same
 * transaction as every item fed before this call (a later blob for the same source replaces
 * an earlier one). Blobs are copied; at most CH_STORE_CHECKPOINT_MAX bytes. */
ch_err ch_ingest_checkpoint(ch_ingest *ig, const char *source_id, const void *data,
			    size_t len) CH_WARN_UNUSED;

/* ch_ingest_flush writes and commits everything fed so far with the pending checkpoints. */
ch_err ch_ingest_flush(ch_ingest *ig) CH_WARN_UNUSED;

/* ch_ingest_get_counts fills *out; the pointers in it stay valid until the next call on ig. */
void ch_ingest_get_counts(const ch_ingest *ig, ch_ingest_counts *out);

#endif
