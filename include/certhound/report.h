/* certhound/report.h — the output face: certificate records as table, JSON, NDJSON or CSV.
 *
 * Analyses hand back data; only this module turns it into text (ARCHITECTURE.md). Two layers:
 *
 *  1. ch_report: a stream of records in one format over a FILE*. Open it, add records
 *     (ch_report_cert for certificates), close it. Each record is built in a reused buffer and
 *     written with one fwrite, so printing millions of records runs in constant memory.
 *
 *  2. ch_json: the streaming JSON writer the reports use, public so that every face (stats,
 *     pivot, scan, the HTTP API) escapes text the same way. Strings are escaped per RFC 8259,
 *     NUL and control characters as \u00XX, and invalid UTF-8 is never emitted: each byte of a
 *     malformed sequence becomes U+FFFD (the decoder flags such certificates bad_utf8).
 *
 * The record fields are those of the certificate record in CONTRACT.md; docs/formats.md lists
 * them with the extras, the CSV columns and the table layout. */
#ifndef CERTHOUND_REPORT_H
#define CERTHOUND_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <certhound/buf.h>
#include <certhound/err.h>
#include <certhound/x509.h>

/* ---- formats ------------------------------------------------------------------------------ */

typedef enum ch_report_format {
	CH_REPORT_TABLE = 1, /* human, aligned "label  value" blocks (terminal-safe text) */
	CH_REPORT_JSON,      /* one indented JSON object per record, objects one after another */
	CH_REPORT_NDJSON,    /* one compact JSON object per line */
	CH_REPORT_CSV,       /* RFC 4180, a header line then one row per record */
} ch_report_format;

/* ch_report_format_parse reads "table", "json", "ndjson" or "csv" into *out; CH_ERR_INVALID
 * (with a message listing the choices) otherwise. */
ch_err ch_report_format_parse(ch_report_format *out, const char *name) CH_WARN_UNUSED;

/* ch_report_format_name returns the name of a format ("table", ...). */
const char *ch_report_format_name(ch_report_format f);

/* ch_report_format_default returns the default for a stream: table on a terminal, NDJSON
 * otherwise (pipes, files). */
ch_report_format ch_report_format_default(FILE *f);

/* ---- certificate records ------------------------------------------------------------------ */

/* The names of a certificate as the names module derived them (borrowed, UTF-8; a name may
 * hold a NUL byte, so each carries its length). */
typedef struct ch_report_names {
	const ch_str *names;   /* `names`: host names, lower-case A-labels, de-duplicated */
	size_t num_names;
	const ch_str *domains; /* `registered_domains` */
	size_t num_domains;
	const ch_str *unicode; /* `names_unicode`: U-label forms of the IDN names among `names`
	                        * (only those that differ); may be empty */
	size_t num_unicode;
} ch_report_names;

/* Where a certificate was read from (all optional; file NULL = no `source` in the record). */
typedef struct ch_report_source {
	const char *file;   /* path as given, "-" for stdin */
	size_t index;       /* 0-based position of the certificate in the file */
	uint64_t line;      /* 1-based line of the PEM BEGIN line; 0 for DER */
	uint64_t offset;    /* byte offset of the block or DER element */
} ch_report_source;

/* A namer derives ch_report_names for certificates with the names module (a public suffix
 * list context plus scratch arrays). One per thread; ch_report keeps its own. */
typedef struct ch_report_namer ch_report_namer;

/* ch_report_namer_new makes a namer in *out (loads the public suffix list). */
ch_err ch_report_namer_new(ch_report_namer **out) CH_WARN_UNUSED;

/* ch_report_namer_get derives the names of a parsed certificate into *out (owned by the namer,
 * valid until the next call or ch_report_namer_free). CH_ERR_LIMIT when the names module
 * refuses the certificate's names. */
ch_err ch_report_namer_get(ch_report_namer *n, const ch_report_names **out,
			   const ch_cert *c) CH_WARN_UNUSED;

/* ch_report_namer_free releases a namer; NULL is a no-op. */
void ch_report_namer_free(ch_report_namer *n);

/* Options for ch_report_open. */
#define CH_REPORT_COMPACT 0x1u   /* table: one line per certificate instead of a block */
#define CH_REPORT_NO_HEADER 0x2u /* csv: no header line */

typedef struct ch_report ch_report;

/* ch_report_open starts a report in `format` writing to `f` (borrowed; not closed) and returns
 * it in *out. For CSV the header line is written at once (unless CH_REPORT_NO_HEADER). */
ch_err ch_report_open(ch_report **out, ch_report_format format, FILE *f,
		      unsigned flags) CH_WARN_UNUSED;

/* ch_report_cert writes the record of one certificate, which must have been parsed with
 * CH_PARSE_ALL (its DER buffer still alive). `names` may be NULL: the report then derives them
 * with its own namer (names module). `src` may be NULL: the record then has no `source`.
 * CH_ERR_IO when writing fails (ch_error_last() says why; later calls fail the same way);
 * another error (the names module refusing the certificate) concerns this record only, and
 * nothing of it was written. */
ch_err ch_report_cert(ch_report *r, const ch_cert *c, const ch_report_names *names,
		      const ch_report_source *src) CH_WARN_UNUSED;

/* ch_report_count returns the number of records written so far. */
uint64_t ch_report_count(const ch_report *r);

/* ch_report_close flushes the stream and frees the report; returns CH_ERR_IO if any write
 * failed (also a write error found only by the final flush). NULL is a no-op returning CH_OK. */
ch_err ch_report_close(ch_report *r) CH_WARN_UNUSED;

/* ch_report_cert_json appends the JSON record of one certificate to `out` (no newline; pretty
 * with 2-space indentation when `pretty`). For callers that embed records in a larger document,
 * such as scan results' "chain" or the HTTP API. Here `names` NULL means empty name arrays:
 * get them from a ch_report_namer. */
ch_err ch_report_cert_json(ch_buf *out, const ch_cert *c, const ch_report_names *names,
			   const ch_report_source *src, bool pretty) CH_WARN_UNUSED;

/* ---- the JSON writer ---------------------------------------------------------------------- */

#define CH_JSON_MAX_DEPTH 32

/* A JSON writer appending to a ch_buf. Calls never fail individually: the first error (buffer
 * limit, out of memory, nesting deeper than CH_JSON_MAX_DEPTH, a value where a key is due)
 * sticks in `err` and later calls do nothing, so check ch_json_finish once at the end. Commas,
 * colons and (when pretty) newlines and indentation are inserted automatically. */
typedef struct ch_json {
	ch_buf *out;
	ch_err err;
	bool pretty;
	int depth;
	bool after_key;                    /* a key was written; its value comes next */
	bool first[CH_JSON_MAX_DEPTH + 1]; /* nothing written yet at this level */
	bool is_obj[CH_JSON_MAX_DEPTH + 1];
	uint64_t replaced;                 /* bytes of invalid UTF-8 replaced by U+FFFD */
} ch_json;

/* ch_json_init starts writing to `out` (appending to what it holds). */
void ch_json_init(ch_json *j, ch_buf *out, bool pretty);

void ch_json_obj_begin(ch_json *j);
void ch_json_obj_end(ch_json *j);
void ch_json_arr_begin(ch_json *j);
void ch_json_arr_end(ch_json *j);

/* ch_json_key writes an object key (a NUL-terminated string); the value must follow. */
void ch_json_key(ch_json *j, const char *key);

/* ch_json_str writes a string of `len` bytes (may contain NUL, may be invalid UTF-8). */
void ch_json_str(ch_json *j, const char *s, size_t len);

/* ch_json_cstr writes a NUL-terminated string, or null for NULL. */
void ch_json_cstr(ch_json *j, const char *s);

void ch_json_int(ch_json *j, int64_t v);
void ch_json_uint(ch_json *j, uint64_t v);
void ch_json_bool(ch_json *j, bool v);
void ch_json_null(ch_json *j);

/* ch_json_hex writes n bytes as a lowercase hex string. */
void ch_json_hex(ch_json *j, const uint8_t *p, size_t n);

/* ch_json_time writes epoch seconds as an RFC 3339 UTC string. */
void ch_json_time(ch_json *j, int64_t t);

/* ch_json_raw inserts already-encoded JSON text as one value (the caller vouches for it). */
void ch_json_raw(ch_json *j, const char *text, size_t len);

/* ch_json_finish returns the sticky error (CH_OK when all went well) and, if the document is
 * unbalanced, CH_ERR_INVALID. */
ch_err ch_json_finish(ch_json *j) CH_WARN_UNUSED;

/* ---- text helpers for the human and CSV faces --------------------------------------------- */

/* ch_report_text_safe appends `s` (len bytes) to `out` made safe for a terminal: invalid UTF-8
 * bytes and control characters (C0, DEL, C1) become "\xHH", and Unicode bidirectional controls
 * (U+202A..U+202E, U+2066..U+2069) become "\u{HHHH}", so hostile names cannot move the cursor
 * or reorder what is shown. Bytes listed in `also` (may be NULL) are written as "\xHH" too. */
ch_err ch_report_text_safe(ch_buf *out, const char *s, size_t len, const char *also) CH_WARN_UNUSED;

/* ch_report_csv_field appends one CSV field (RFC 4180): quoted when it contains a comma, quote,
 * CR or LF (quotes doubled), as-is otherwise. The text is made terminal-safe as above first. */
ch_err ch_report_csv_field(ch_buf *out, const char *s, size_t len) CH_WARN_UNUSED;

/* ---- pivot results (src/report/pivot.c) --------------------------------------------------- */

struct ch_pivot_result;

#define CH_REPORT_PIVOT_SUPPRESSED 0x1u /* table: list suppressed values, not only their count */

/* ch_report_pivot prints a pivot result (pivot.h) to f: table (ranked leads with the first path
 * that reached each, then suppressed values and bounds hit), json (the document of CONTRACT.md
 * "Pivot output", indented), ndjson (the same on one line) or csv (one row per lead).
 * CH_ERR_IO when writing fails. */
ch_err ch_report_pivot(FILE *f, ch_report_format format, const struct ch_pivot_result *r,
		       unsigned flags) CH_WARN_UNUSED;

/* ch_report_pivot_json appends the pivot JSON document to out (for the HTTP API). */
ch_err ch_report_pivot_json(ch_buf *out, const struct ch_pivot_result *r, bool pretty) CH_WARN_UNUSED;

/* Graph and exchange formats of a pivot result (src/report/pivot_{dot,stix,html}.c), appended
 * to `out`; docs/pivot.md describes each. */

/* ch_report_pivot_dot: a GraphViz digraph — seeds, certificates and values as nodes, the paths
 * as edges labelled with the shared value and its count, suppressed certificates dashed. */
ch_err ch_report_pivot_dot(ch_buf *out, const struct ch_pivot_result *r) CH_WARN_UNUSED;

/* ch_report_pivot_stix: a STIX 2.1 bundle — domain-name / ipv4-addr / ipv6-addr /
 * x509-certificate observables, one indicator per lead (confidence = score x 100), based-on and
 * related-to relationships, a certhound identity; deterministic UUIDv5 ids. `created` stamps
 * created/modified (epoch seconds). */
ch_err ch_report_pivot_stix(ch_buf *out, const struct ch_pivot_result *r, int64_t created) CH_WARN_UNUSED;

/* ch_report_pivot_html: one self-contained HTML page (inline SVG graph, leads, suppressed
 * values, bounds; inline CSS and JavaScript, nothing fetched). `created` is shown as its date. */
ch_err ch_report_pivot_html(ch_buf *out, const struct ch_pivot_result *r, int64_t created) CH_WARN_UNUSED;

/* ch_report_pivot_indicators writes the leads' indicators, one per line, strongest first, in
 * the format `certhound corroborate --indicators` reads ('#' lines are comments). */
ch_err ch_report_pivot_indicators(FILE *f, const struct ch_pivot_result *r) CH_WARN_UNUSED;

#endif
