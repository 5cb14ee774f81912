/* Private helpers of the report module. */
#ifndef CH_REPORT_INTERNAL_H
#define CH_REPORT_INTERNAL_H

#include <certhound/report.h>
#include <certhound/util.h>

/* ch_report__utf8_len returns the length (1..4) of the well-formed UTF-8 sequence at p (n bytes
 * available): no overlong forms, no surrogates, nothing above U+10FFFF. 0 when malformed. */
size_t ch_report__utf8_len(const uint8_t *p, size_t n);

/* ch_report__join_safe appends list items made terminal-safe, separated by `sep`; bytes in
 * `also` inside an item are escaped as \xHH (so a separator inside an item stays unambiguous). */
ch_err ch_report__join_safe(ch_buf *out, const ch_str *items, size_t n, const char *sep,
			    const char *also) CH_WARN_UNUSED;

/* Names used by every format. */
const char *ch_report__key_type_name(ch_key_type t);
const char *ch_report__validation_name(ch_validation v); /* NULL when unknown */
extern const char *const ch_report__ku_names[9];
const char *ch_report__anomaly_code(unsigned bit_index);
void ch_report__sct_time(char out[32], uint64_t ms);

/* The record writers, appending to a buffer. */
void ch_report__cert_json(ch_json *j, const ch_cert *c, const ch_report_names *nm,
			  const ch_report_source *src);
ch_err ch_report__cert_csv_header(ch_buf *out) CH_WARN_UNUSED;
ch_err ch_report__cert_csv(ch_buf *out, const ch_cert *c, const ch_report_names *nm,
			   const ch_report_source *src) CH_WARN_UNUSED;
ch_err ch_report__cert_table(ch_buf *out, const ch_cert *c, const ch_report_names *nm,
			     const ch_report_source *src, int64_t now) CH_WARN_UNUSED;
ch_err ch_report__cert_line(ch_buf *out, const ch_cert *c, const ch_report_names *nm,
			    const ch_report_source *src) CH_WARN_UNUSED;

#endif
