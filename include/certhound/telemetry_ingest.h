/* certhound/telemetry_ingest.h — certificates seen in telemetry into the store.
 *
 * Kept apart from telemetry.h so that readers can be used without the store. A Zeek x509 line
 * that logs the certificate (policy/protocols/ssl/log-certs-base64: the `cert` column, or a JSON
 * `cert`) and a Suricata tls event with `certificate`/`chain` (eve-log tls custom fields) carry
 * DER: each certificate is fed to the ingest pipeline with a sighting of kind telemetry (source =
 * the log file, index = the line, timestamp, server IP/port, SNI). Lines that only carry a
 * fingerprint cannot add a certificate, and the store keeps sightings only of certificates it
 * holds: they are counted as fingerprint_only and not stored (docs/telemetry.md). */
#ifndef CERTHOUND_TELEMETRY_INGEST_H
#define CERTHOUND_TELEMETRY_INGEST_H

#include <stdint.h>

#include <certhound/ingest.h>
#include <certhound/telemetry.h>

typedef struct ch_telemetry_ingest_counts {
	uint64_t certificates;     /* certificates fed to the pipeline (with their sighting) */
	uint64_t fingerprint_only; /* TLS/x509 lines with fingerprints but no certificate */
} ch_telemetry_ingest_counts;

/* ch_telemetry_ingest feeds the certificates of one observation to `ig` (nothing for other
 * kinds) and adds to *counts (may be NULL). Errors are the pipeline's (store, memory). */
ch_err ch_telemetry_ingest(ch_ingest *ig, const ch_obs *o,
			   ch_telemetry_ingest_counts *counts) CH_WARN_UNUSED;

#endif
