/* certhound/report_detect.h — detect alerts as NDJSON, JSON, CSV or a terminal table.
 *
 * The report module's face for ch_detect_alert records (certhound/detect.h), kept in its own
 * header so that only the users of detect pull it in. Fields and their order are those of the
 * alert in CONTRACT.md ("Detect"); times are RFC 3339 UTC seconds (null when the source had no
 * time); docs/detect.md lists the CSV columns and the table layout. */
#ifndef CERTHOUND_REPORT_DETECT_H
#define CERTHOUND_REPORT_DETECT_H

#include <certhound/buf.h>
#include <certhound/detect.h>
#include <certhound/report.h>

/* ch_report_alert appends one alert in `format` to `out` (a full line, or for the table a block
 * preceded by a blank line when `first` is false). Text in the table and CSV forms is made
 * terminal-safe (control characters and bidi overrides escaped); JSON strings are escaped per
 * RFC 8259. */
ch_err ch_report_alert(ch_buf *out, ch_report_format format, const ch_detect_alert *a,
		       bool first) CH_WARN_UNUSED;

/* ch_report_alert_csv_header appends the CSV header line for alerts. */
ch_err ch_report_alert_csv_header(ch_buf *out) CH_WARN_UNUSED;

/* ch_report_sigma appends the rule set as Sigma rules (YAML documents separated by "---"): one
 * per category for process creation (logsource category process_creation), each rule of the
 * category a selection, and one for the network rules (logsource category dns). Regular
 * expressions reproduce certhound's matching: file names with optional extensions, whole
 * command-line words, host names at host boundaries (a CT host or a name below it). Ids are
 * UUIDs derived from the category, so a re-export keeps them. */
ch_err ch_report_sigma(ch_buf *out, const ch_detect_rules *rs) CH_WARN_UNUSED;

#endif
