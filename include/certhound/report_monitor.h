/* certhound/report_monitor.h — monitor alerts (certhound/monitor.h) on a stream. */
#ifndef CERTHOUND_REPORT_MONITOR_H
#define CERTHOUND_REPORT_MONITOR_H

#include <stdio.h>

#include <certhound/report.h>

/* ch_report_monitor_alert prints one alert given as its JSON (ch_monitor_alert_json): ndjson
 * (the JSON on one line), json (indented, one object after another) or table (one line: rule,
 * names, the watch entry, distance, certificate, issuer). CH_ERR_IO when writing fails,
 * CH_ERR_PARSE when `json` is not an alert. */
ch_err ch_report_monitor_alert(FILE *f, ch_report_format format, const char *json,
			       size_t len) CH_WARN_UNUSED;

#endif
