/* certhound/report_scan.h — scan results (certhound/scan.h) as NDJSON, JSON, CSV or a table.
 *
 * The JSON object of one connection is CONTRACT.md "Scan": {"target", "ip", "port", "sni",
 * "status", "tls_version", "cipher", "alpn", "chain": [certificate records]} plus the extras
 * documented in docs/scan.md (time, phase, error, alert, starttls, selection, timings, ...). A
 * chain certificate that does not decode is {"sha256", "error"} instead of a full record. */
#ifndef CERTHOUND_REPORT_SCAN_H
#define CERTHOUND_REPORT_SCAN_H

#include <stdio.h>

#include <certhound/report.h>
#include <certhound/scan.h>

typedef struct ch_report_scan ch_report_scan;

/* ch_report_scan_open starts a stream of results in `format` on f (borrowed). For CSV the
 * header line is written at once. */
ch_err ch_report_scan_open(ch_report_scan **out, ch_report_format format, FILE *f) CH_WARN_UNUSED;

/* ch_report_scan_add writes one result (one line for ndjson, csv and table). CH_ERR_IO when
 * writing fails. */
ch_err ch_report_scan_add(ch_report_scan *rs, const ch_scan_result *r) CH_WARN_UNUSED;

/* ch_report_scan_json appends the JSON object of one result to out (no newline). cert and
 * namer are scratch state from ch_cert_new / ch_report_namer_new. */
ch_err ch_report_scan_json(ch_buf *out, const ch_scan_result *r, ch_cert *cert,
			   ch_report_namer *namer, bool pretty) CH_WARN_UNUSED;

/* ch_report_scan_close flushes and frees; returns CH_ERR_IO if a write failed. NULL: CH_OK. */
ch_err ch_report_scan_close(ch_report_scan *rs) CH_WARN_UNUSED;

#endif
