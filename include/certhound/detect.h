/* certhound/detect.h — certificate-reconnaissance detection (ATT&CK T1596.003) over endpoint
 * process events and network observations.
 *
 * Three parts, each usable alone:
 *
 *  1. Readers (ch_procev_*): stream process-creation events out of Sysmon Event ID 1 XML,
 *     Winlogbeat/ECS JSON, Microsoft Defender DeviceProcessEvents (CSV and JSON), Linux auditd
 *     EXECVE/SYSCALL records and osquery process_events JSON, plus network observations
 *     (Zeek dns.log) — one normalised record at a time, in bounded memory. A malformed record
 *     comes back as an item of kind CH_PROCEV_BAD with its file:line and reason; the reader
 *     then goes on with the next record.
 *
 *  2. Rules and allow-lists (ch_detect_rules, ch_detect_allow): loaded from text files a user
 *     edits (data/detect/rules.conf, data/detect/allow.conf.example; docs/detect.md).
 *
 *  3. The detector (ch_detect): matches events against the rules, drops allow-listed ones,
 *     correlates network observations with process alerts on the same host, and aggregates
 *     alerts per host + user + category + time window. Returns alert records; printing them is
 *     the report module's job (certhound/report_detect.h).
 *
 * Nothing here has global state: one reader per file, one detector per run; rules and
 * allow-lists are read-only after loading and may be shared between threads. */
#ifndef CERTHOUND_DETECT_H
#define CERTHOUND_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <certhound/err.h>

/* Hard maximums for what the outside world feeds in. */
#define CH_PROCEV_RECORD_MAX ((size_t)1 << 20) /* one XML event / JSON record / CSV row / line */
#define CH_PROCEV_FIELD_MAX ((size_t)64 << 10) /* one decoded field (command lines: 32 KiB on Windows) */

/* ---- events -------------------------------------------------------------------------------- */

/* A normalised process-creation event. Strings are NUL-terminated UTF-8 as found in the input
 * (never NULL; "" when the source has no such field), borrowed from the reader and valid until
 * its next ch_procev_next call. */
typedef struct ch_proc_event {
	int64_t time_ms;             /* milliseconds since the epoch, UTC; INT64_MIN if unknown */
	const char *host;            /* computer / device name as the source names it */
	const char *user;            /* "DOMAIN\\user", "user" or a numeric uid */
	const char *image;           /* executable path as given (may be just a name) */
	const char *name;            /* its file name (last path component) */
	const char *command_line;
	const char *parent_image;    /* parent's executable path or name; "" if unknown */
	const char *parent_command_line;
	int64_t pid;                 /* -1 if unknown */
	const char *file;            /* source file ("-" for stdin) */
	uint64_t line;               /* 1-based line where the record starts */
} ch_proc_event;

/* A network observation: a host looked up, connected to or fetched a name (DNS query, TLS SNI,
 * HTTP/proxy URL host). Strings borrowed as for ch_proc_event. */
typedef struct ch_net_event {
	int64_t time_ms;
	const char *host;            /* the internal host: source IP address or host name */
	const char *name;            /* the queried name / SNI / URL host */
	const char *kind;            /* "dns", "sni", "http" */
	const char *file;
	uint64_t line;
} ch_net_event;

/* ---- readers ------------------------------------------------------------------------------- */

typedef enum ch_procev_format {
	CH_PROCEV_AUTO = 0,   /* decided from the first bytes of each file */
	CH_PROCEV_SYSMON_XML, /* <Events><Event>…</Event></Events>, forwarded events, one per line */
	CH_PROCEV_JSON,       /* ECS/Winlogbeat, Defender and osquery JSON, told apart per record */
	CH_PROCEV_DEFENDER_CSV,
	CH_PROCEV_AUDITD,
	CH_PROCEV_ZEEK_DNS,   /* Zeek dns.log, TSV with #fields header (network observations) */
} ch_procev_format;

/* ch_procev_format_parse reads a --input-format name ("auto", "sysmon-xml", "json",
 * "ecs-json", "defender-json", "osquery-json", "defender-csv", "auditd", "zeek-dns"). */
ch_err ch_procev_format_parse(ch_procev_format *out, const char *name) CH_WARN_UNUSED;

/* ch_procev_format_name returns the canonical name of a format. */
const char *ch_procev_format_name(ch_procev_format f);

typedef enum ch_procev_kind {
	CH_PROCEV_PROCESS = 1, /* `proc` holds a process-creation event */
	CH_PROCEV_NETWORK,     /* `net` holds a network observation */
	CH_PROCEV_BAD,         /* a record that could not be read: `line` and `reason` say why */
} ch_procev_kind;

typedef struct ch_procev_item {
	ch_procev_kind kind;
	ch_proc_event proc;
	ch_net_event net;
	const char *file;
	uint64_t line;        /* of the record (also for BAD) */
	const char *reason;   /* BAD: why, without the file:line prefix (borrowed like the fields) */
} ch_procev_item;

typedef struct ch_procev_reader ch_procev_reader;

/* ch_procev_open opens `path` ("-" = standard input) for reading events in `format` (AUTO:
 * decided from the first bytes) and returns the reader in *out. CH_ERR_IO if the file cannot be
 * opened. The path is copied. */
ch_err ch_procev_open(ch_procev_reader **out, const char *path,
		      ch_procev_format format) CH_WARN_UNUSED;

/* ch_procev_open_stream reads events from an open stream (borrowed: not closed by the reader);
 * `name` is used as the file name in items. */
ch_err ch_procev_open_stream(ch_procev_reader **out, FILE *f, const char *name,
			     ch_procev_format format) CH_WARN_UNUSED;

/* ch_procev_open_mem reads events from a caller-owned buffer (which must outlive the reader);
 * `name` is used as the file name in items. For tests and fuzzing. */
ch_err ch_procev_open_mem(ch_procev_reader **out, const void *data, size_t len, const char *name,
			  ch_procev_format format) CH_WARN_UNUSED;

/* ch_procev_next fills *out with the next item. Records that are not process creations (other
 * Sysmon event IDs, other audit records) are passed over silently and counted. Returns CH_OK with
 * an item, CH_ERR_EOF at the end, or CH_ERR_IO / CH_ERR_NOMEM when reading itself failed (the
 * reader is then finished). A bad record is an item of kind CH_PROCEV_BAD, not an error. */
ch_err ch_procev_next(ch_procev_reader *r, ch_procev_item *out) CH_WARN_UNUSED;

/* ch_procev_get_format returns the format in use (after the first ch_procev_next for AUTO). */
ch_procev_format ch_procev_get_format(const ch_procev_reader *r);

/* ch_procev_num_skipped returns how many well-formed records were passed over (not process
 * creations). */
uint64_t ch_procev_num_skipped(const ch_procev_reader *r);

/* ch_procev_free closes the file (unless stdin) and frees the reader; NULL is a no-op. */
void ch_procev_free(ch_procev_reader *r);

/* ---- rules --------------------------------------------------------------------------------- */

typedef struct ch_detect_rules ch_detect_rules;

/* A rule as loaded (borrowed from the rule set). */
typedef struct ch_detect_rule_info {
	const char *id;          /* "ct-query-http-client" */
	const char *category;    /* "CertEnumTool", "CTLogQuery", "OpenSSLProbe", "CertutilEnum" */
	const char *severity;    /* "low" | "medium" | "high" */
	const char *confidence;  /* "low" | "medium" | "high" */
	const char *description;
	/* The rule's conditions, lower-case, @lists expanded (empty when the rule has none). */
	const char *const *image;
	size_t num_image;
	const char *const *cmd_token;
	size_t num_cmd_token;
	const char *const *cmd_host;
	size_t num_cmd_host;
	const char *const *net_host;
	size_t num_net_host;
} ch_detect_rule_info;

/* ch_detect_rules_load reads a rule file (format: docs/detect.md) into *out. CH_ERR_PARSE with
 * "FILE:LINE: why" for a malformed file, CH_ERR_IO if it cannot be read. */
ch_err ch_detect_rules_load(ch_detect_rules **out, const char *path) CH_WARN_UNUSED;

/* ch_detect_rules_parse is ch_detect_rules_load over text in memory (`name` for messages). */
ch_err ch_detect_rules_parse(ch_detect_rules **out, const char *text, size_t len,
			     const char *name) CH_WARN_UNUSED;

/* ch_detect_rules_default_path returns the rule file shipped with certhound:
 * $CERTHOUND_DATA_DIR/detect/rules.conf if that variable is set, else the build's data dir. */
const char *ch_detect_rules_default_path(void);

/* ch_detect_rules_count / ch_detect_rules_get list the rules in file order. */
size_t ch_detect_rules_count(const ch_detect_rules *rs);
ch_detect_rule_info ch_detect_rules_get(const ch_detect_rules *rs, size_t i);

/* ch_detect_rules_match returns the index of the first rule (file order) the process event
 * matches, or -1. Pure: no state, safe on several threads. */
long ch_detect_rules_match(const ch_detect_rules *rs, const ch_proc_event *ev);

/* ch_detect_rules_match_host returns the index of the first network rule whose host list holds
 * `name` (the name itself or a subdomain of a listed host), or -1. */
long ch_detect_rules_match_host(const ch_detect_rules *rs, const char *name);

/* ch_detect_rules_free releases a rule set; NULL is a no-op. */
void ch_detect_rules_free(ch_detect_rules *rs);

/* ---- allow-lists --------------------------------------------------------------------------- */

typedef struct ch_detect_allow ch_detect_allow;

/* ch_detect_allow_load reads an allow-list file (format: docs/detect.md; example:
 * data/detect/allow.conf.example). Errors as for ch_detect_rules_load. */
ch_err ch_detect_allow_load(ch_detect_allow **out, const char *path) CH_WARN_UNUSED;

/* ch_detect_allow_parse is ch_detect_allow_load over text in memory. */
ch_err ch_detect_allow_parse(ch_detect_allow **out, const char *text, size_t len,
			     const char *name) CH_WARN_UNUSED;

/* ch_detect_allow_match returns the name of the first allow entry that covers the event in
 * `category`, or NULL. */
const char *ch_detect_allow_match(const ch_detect_allow *al, const ch_proc_event *ev,
				  const char *category);

/* ch_detect_allow_free releases an allow-list; NULL is a no-op. */
void ch_detect_allow_free(ch_detect_allow *al);

/* ---- the detector -------------------------------------------------------------------------- */

/* An aggregated alert (CONTRACT.md "Detect"). Strings are owned by the detector. `time` and the
 * event fields are those of the group's first event. */
typedef struct ch_detect_alert {
	int64_t time_ms;
	const char *host, *user, *process, *parent, *command_line;
	const char *category, *rule, *severity, *confidence;
	uint64_t count;
	int64_t first_seen_ms, last_seen_ms;
	const char *file;
	uint64_t line;
} ch_detect_alert;

typedef struct ch_detect_stats {
	uint64_t events;      /* process events seen */
	uint64_t network;     /* network observations seen */
	uint64_t matched;     /* events (process or network) that matched a rule */
	uint64_t allowed;     /* ... of which an allow entry suppressed */
	uint64_t correlated;  /* network observations folded into a process alert on the same host */
} ch_detect_stats;

typedef struct ch_detect ch_detect;

/* Hard maximum of matched events one detector keeps before aggregation (CH_ERR_LIMIT after). */
#define CH_DETECT_MAX_MATCHES ((size_t)4 << 20)

/* ch_detect_new makes a detector using `rules` (required) and `allow` (may be NULL); both are
 * borrowed and must outlive it. `window_s` is the aggregation window in seconds (> 0). */
ch_err ch_detect_new(ch_detect **out, const ch_detect_rules *rules, const ch_detect_allow *allow,
		     int64_t window_s) CH_WARN_UNUSED;

/* ch_detect_add_process matches one process event and keeps it if it alerts. */
ch_err ch_detect_add_process(ch_detect *d, const ch_proc_event *ev) CH_WARN_UNUSED;

/* ch_detect_add_network matches one network observation against the rules' CT host lists and
 * keeps it if it alerts. */
ch_err ch_detect_add_network(ch_detect *d, const ch_net_event *ev) CH_WARN_UNUSED;

/* ch_detect_finish aggregates what was kept and returns the alerts, sorted by first_seen, then
 * host, user and category, in *out (owned by the detector, valid until ch_detect_free).
 * A network observation whose host had a process alert of the same category within the window
 * raises that alert's confidence to "high" and makes no alert of its own. Call once. */
ch_err ch_detect_finish(ch_detect *d, const ch_detect_alert **out,
			size_t *out_num) CH_WARN_UNUSED;

/* ch_detect_get_stats returns the counters so far. */
ch_detect_stats ch_detect_get_stats(const ch_detect *d);

/* ch_detect_free releases the detector and its alerts; NULL is a no-op. */
void ch_detect_free(ch_detect *d);

/* ch_detect_parse_duration reads "90s", "15m", "1h", "2d" or plain seconds into seconds. */
bool ch_detect_parse_duration(int64_t *out_s, const char *s);

#endif
