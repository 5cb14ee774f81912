/* certhound/ct_writer.h — writes a real static-ct-api log (c2sp.org/static-ct-api) to a
 * directory: level-0..N hash tiles, data tiles, issuers and a checkpoint signed with an ECDSA
 * P-256 key as an RFC6962NoteSignature. For test fixtures and benchmarks: a log to sync from
 * without the network, whose Merkle tree and signatures are real.
 *
 * Memory is O(log n): only the partial tile of each level and the current data tile are held;
 * full tiles are written as soon as they fill. */
#ifndef CERTHOUND_CT_WRITER_H
#define CERTHOUND_CT_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <certhound/err.h>

typedef struct ch_ct_writer ch_ct_writer;

/* ch_ct_writer_new starts an empty log in `dir` (created if missing) named `origin` (the
 * checkpoint origin line and note key name). The signing key is the PEM private key at
 * key_path; if that file does not exist a new P-256 key is generated and saved there. The
 * public key is written to <dir>/key.pem (PEM SPKI). Free with ch_ct_writer_free. */
ch_err ch_ct_writer_new(ch_ct_writer **out, const char *dir, const char *origin,
			const char *key_path) CH_WARN_UNUSED;

/* ch_ct_writer_add appends one entry logged at timestamp_ms: an x509_entry for a certificate,
 * or, when `precert` is true, a precert_entry for a precertificate (its TBS with the poison
 * extension removed, and issuer_key_hash from `issuer`, which is then required). `issuer`
 * (optional otherwise) becomes the entry's one-element chain and is written under issuer/. */
ch_err ch_ct_writer_add(ch_ct_writer *w, uint64_t timestamp_ms, const uint8_t *der, size_t len,
			bool precert, const uint8_t *issuer, size_t issuer_len) CH_WARN_UNUSED;

/* ch_ct_writer_add_psc appends a precert_entry for a precertificate `der` signed by a
 * Precertificate Signing Certificate `psc` (EKU 1.3.6.1.4.1.11129.2.4.4) that the CA `ca`
 * issued, as RFC 6962 section 3.1 has a log record it: the TBS with the poison removed and
 * its issuer name and authority key identifier (when present) changed to those of the final
 * issuer (the PSC's own issuer and authority key identifier), the issuer key hash of `ca`, and
 * the chain [psc, ca] (both written under issuer/). CH_ERR_INVALID when der has no poison
 * extension or has an authority key identifier but psc has none. */
ch_err ch_ct_writer_add_psc(ch_ct_writer *w, uint64_t timestamp_ms, const uint8_t *der,
			    size_t len, const uint8_t *psc, size_t psc_len, const uint8_t *ca,
			    size_t ca_len) CH_WARN_UNUSED;

/* ch_ct_writer_publish writes the partial tiles for the current size and a checkpoint signed at
 * timestamp_ms. With lie_root non-NULL the checkpoint claims that root instead (a validly
 * signed tree head that does not match the tiles: for hostile-log tests). */
ch_err ch_ct_writer_publish(ch_ct_writer *w, uint64_t timestamp_ms,
			    const uint8_t *lie_root) CH_WARN_UNUSED;

/* ch_ct_writer_size returns the number of entries added. */
uint64_t ch_ct_writer_size(const ch_ct_writer *w);

/* ch_ct_writer_root writes the Merkle root of the entries added so far. */
ch_err ch_ct_writer_root(ch_ct_writer *w, uint8_t out[32]) CH_WARN_UNUSED;

/* ch_ct_writer_free releases the writer (what was published stays on disk); NULL is a no-op. */
void ch_ct_writer_free(ch_ct_writer *w);

#endif
