/* certhound/report_corroborate.h — corroborate results as JSON, NDJSON, CSV or a table.
 *
 * The report module's face for ch_corroborate (certhound/corroborate.h), in its own header so
 * that only its users pull it in. JSON is the document of CONTRACT.md "Corroborate" with
 * additions (docs/corroborate.md); times are RFC 3339 UTC seconds, null when unknown. */
#ifndef CERTHOUND_REPORT_CORROBORATE_H
#define CERTHOUND_REPORT_CORROBORATE_H

#include <stdio.h>

#include <certhound/buf.h>
#include <certhound/corroborate.h>
#include <certhound/report.h>

/* What the run read, printed beside the results (JSON "summary", table footer). */
typedef struct ch_report_corr_summary {
	uint64_t files;          /* log files read */
	uint64_t lines;          /* lines read */
	uint64_t observations;   /* observations matched */
	uint64_t bad_lines;      /* lines reported as bad */
	uint64_t bad_files;      /* files that could not be opened or read to the end */
	uint64_t indicators;
	uint64_t with_evidence;  /* indicators with any evidence */
} ch_report_corr_summary;

/* ch_report_corr_result_json appends one result object to out (no newline). */
ch_err ch_report_corr_result_json(ch_buf *out, const ch_corr_result *r,
				  bool pretty) CH_WARN_UNUSED;

/* ch_report_corroborate prints every result of the run in input order: json (one document
 * {"results": [...], "summary": {...}}), ndjson (one result per line), csv (a header line, unless
 * `no_header`, then one row per result) or table (one line per indicator with its strongest
 * evidence lines, then the summary). `sum` may be NULL. CH_ERR_IO when writing fails. */
ch_err ch_report_corroborate(FILE *f, ch_report_format format, ch_corroborate *c,
			     const ch_report_corr_summary *sum, bool no_header) CH_WARN_UNUSED;

/* ch_report_corroborate_stix prints the run as one STIX 2.1 bundle: for each indicator with
 * evidence, a sighting of its indicator (a pivot lead's indicator is referenced by the id
 * `pivot --format stix` gave it; a listed indicator is written in the bundle), the observed
 * data with the evidence lines, an identity per internal host, and a sighting of each ATT&CK
 * technique the evidence supports. `created` stamps created/modified. docs/corroborate.md. */
ch_err ch_report_corroborate_stix(FILE *f, ch_corroborate *c, int64_t created) CH_WARN_UNUSED;

#endif
