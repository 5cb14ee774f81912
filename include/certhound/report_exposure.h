/* certhound/report_exposure.h — exposure results (certhound/exposure.h) as a table, the JSON
 * document of CONTRACT.md "Exposure" (with additions, docs/exposure.md) or a self-contained HTML
 * report whose figures are drawn in the browser from that same JSON document. */
#ifndef CERTHOUND_REPORT_EXPOSURE_H
#define CERTHOUND_REPORT_EXPOSURE_H

#include <stdbool.h>
#include <stdio.h>

#include <certhound/buf.h>
#include <certhound/exposure.h>
#include <certhound/report.h>

/* ch_report_exposure_json appends the JSON document to out (indented when `pretty`). */
ch_err ch_report_exposure_json(ch_buf *out, const ch_exposure_result *r,
			       bool pretty) CH_WARN_UNUSED;

/* ch_report_exposure prints the result to f: table (sections for names, certificates, leaks,
 * expiry, gaps, CAs, naming, key reuse, weak keys), json (indented) or ndjson (the same
 * document on one line); csv is refused with CH_ERR_INVALID (the report is not one table).
 * CH_ERR_IO when writing fails. */
ch_err ch_report_exposure(FILE *f, ch_report_format format,
			  const ch_exposure_result *r) CH_WARN_UNUSED;

/* ch_report_exposure_html writes a self-contained HTML page (inline CSS, JavaScript and SVG, no
 * network access) with the JSON document embedded and three figures drawn from it: issuance
 * per month per CA (svg#fig-issuance), an expiry calendar of the next 91 days
 * (svg#fig-expiry), and the names as a tree of labels (svg#fig-names). */
ch_err ch_report_exposure_html(FILE *f, const ch_exposure_result *r) CH_WARN_UNUSED;

#endif
