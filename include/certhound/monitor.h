/* certhound/monitor.h — watch certificates as they arrive for an organisation's names and for
 * look-alikes of them.
 *
 * A watch list (a text file, docs/monitor.md) holds exact names, domain subtrees, subject
 * organisation names, brand keywords and allowed CAs. A ch_monitor matches certificates against
 * it: watched names, subtrees and organisations, an issuer not allowed for a watched domain, and
 * look-alikes of the keywords (the watched domains' own labels included): homoglyphs and
 * mixed-script IDN labels (a confusables table in data/monitor), one-edit typos, keyword
 * combinations ("example-login.com", "examplesecure.net", "example.net"), a watched domain
 * embedded in a foreign name ("example.com.evil.tld") and NUL-prefix tricks.
 *
 * A pass (ch_monitor_pass) reads the certificates added to the store since the previous pass
 * (whatever added them: CT sync/follow, ingest, scan), in store order, from a cursor kept in the
 * store. Alerts are recorded in the store in the same transaction as the cursor, de-duplicated by
 * (rule, watch entry, issuer + serial) — so a precertificate and its certificate are one alert —
 * and kept as "pending" until delivered: a restart never repeats a delivered alert and never
 * skips one. Matching is pure (ch_monitor_match) and needs no store. */
#ifndef CERTHOUND_MONITOR_H
#define CERTHOUND_MONITOR_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <certhound/buf.h>
#include <certhound/err.h>
#include <certhound/store.h>

/* ---- the watch list ---------------------------------------------------------------------- */

#define CH_MONITOR_MAX_ENTRIES 1000000
#define CH_MONITOR_LINE_MAX 1024

typedef enum ch_watch_kind {
	CH_WATCH_NAME = 1,   /* "name www.example.com": exactly this name */
	CH_WATCH_SUBTREE,    /* "domain example.com" or ".example.com": it and everything below */
	CH_WATCH_ORG,        /* "org Example Corp": subject O, case-insensitive */
	CH_WATCH_KEYWORD,    /* "keyword example": look-alikes of a brand */
	CH_WATCH_ALLOW_CA,   /* "allow-ca example.com Let's Encrypt": issuers allowed for a domain */
} ch_watch_kind;

typedef struct ch_watch_entry {
	ch_watch_kind kind;
	char *value;         /* normalised: names/domains lower-case A-labels, keywords lower-case */
	char *extra;         /* ALLOW_CA: the issuer text (matched case-insensitively in the issuer
	                        DN); else NULL */
	unsigned line;       /* line in the watch file; 0 for derived keywords */
	bool derived;        /* a keyword derived from a watched domain's first label */
} ch_watch_entry;

typedef struct ch_monitor ch_monitor;

/* Options of the matcher. */
typedef struct ch_monitor_opts {
	const char *data_dir;     /* NULL = the shipped data/monitor (confusables.txt, lures.txt) */
	unsigned min_keyword_len; /* shorter keywords are only matched exactly (default 4) */
	bool no_derived_keywords; /* do not derive keywords from watched domains */
} ch_monitor_opts;

/* ch_monitor_new parses a watch list (text[0..len), `label` naming it in errors: "FILE:LINE: why"
 * with CH_ERR_PARSE) and builds the matcher in *out. opts may be NULL. */
ch_err ch_monitor_new(ch_monitor **out, const char *text, size_t len, const char *label,
		      const ch_monitor_opts *opts) CH_WARN_UNUSED;

/* ch_monitor_load is ch_monitor_new over a file (at most 64 MiB). */
ch_err ch_monitor_load(ch_monitor **out, const char *path, const ch_monitor_opts *opts) CH_WARN_UNUSED;

void ch_monitor_free(ch_monitor *m);

/* ch_monitor_entries returns the watch entries (derived keywords included) and their count. */
const ch_watch_entry *ch_monitor_entries(const ch_monitor *m, size_t *out_n);

/* ---- matching ---------------------------------------------------------------------------- */

typedef enum ch_monitor_rule {
	CH_RULE_EXACT = 1,      /* a watched name */
	CH_RULE_SUBTREE,        /* a name in a watched subtree */
	CH_RULE_ORG,            /* subject O is a watched organisation */
	CH_RULE_UNEXPECTED_CA,  /* a watched domain's certificate from an issuer not allowed */
	CH_RULE_HOMOGLYPH,      /* a label that looks like a keyword (ASCII look-alikes: 0/o, rn/m) */
	CH_RULE_IDN_HOMOGLYPH,  /* an IDN label that looks like a keyword (confusables) */
	CH_RULE_TYPO,           /* one edit (insert, delete, substitute, swap) from a keyword */
	CH_RULE_KEYWORD,        /* a keyword combined with other words, or under another suffix */
	CH_RULE_EMBEDDED,       /* a watched domain inside a foreign name (example.com.evil.tld) */
	CH_RULE_NUL_PREFIX,     /* a watched name before a NUL byte */
} ch_monitor_rule;

/* ch_monitor_rule_name returns "exact", "subtree", "org", "unexpected-ca", "homoglyph",
 * "idn-homoglyph", "typo", "keyword", "embedded-domain", "nul-prefix" or "?". */
const char *ch_monitor_rule_name(ch_monitor_rule r);

/* What the matcher looks at (borrowed; names as the store holds them). */
typedef struct ch_monitor_cert {
	uint8_t sha256[32];
	const char *serial_hex;
	const char *subject;     /* DN text */
	const char *issuer;      /* DN text */
	int64_t not_before, not_after;
	bool precert;
	const char *const *names;
	size_t num_names;
} ch_monitor_cert;

#define CH_MONITOR_MAX_ALERT_NAMES 64

/* One alert: a certificate, the watch entry and rule it matched, the names that did. */
typedef struct ch_monitor_alert {
	char id[17];               /* hex: hash of (rule, entry, issuer, serial) */
	ch_monitor_rule rule;
	size_t entry;              /* index into ch_monitor_entries */
	int distance;              /* edit distance for typos, 0 for homoglyphs, -1 otherwise */
	char detail[256];          /* what made it match ("rn->m", "mixed-script latin+cyrillic") */
	char *names[CH_MONITOR_MAX_ALERT_NAMES]; /* owned by the result */
	size_t num_names;
	const ch_monitor_cert *cert;
} ch_monitor_alert;

typedef struct ch_monitor_matches {
	ch_monitor_alert *alerts;
	size_t num_alerts;
	size_t cap;
} ch_monitor_matches;

/* ch_monitor_match adds the alerts of one certificate to *out (reset first; reuse it across
 * certificates, free with ch_monitor_matches_free). The alerts point at `c`. */
ch_err ch_monitor_match(ch_monitor *m, ch_monitor_matches *out,
			const ch_monitor_cert *c) CH_WARN_UNUSED;

void ch_monitor_matches_free(ch_monitor_matches *mm);

/* ch_monitor_alert_json appends an alert as one compact JSON object (docs/monitor.md). `now` is
 * the detection time. */
ch_err ch_monitor_alert_json(ch_buf *out, const ch_monitor *m, const ch_monitor_alert *a,
			     int64_t now) CH_WARN_UNUSED;

/* ---- passes over the store --------------------------------------------------------------- */

/* Called with each alert to deliver, as the JSON of ch_monitor_alert_json (fields: id, time,
 * rule, watch{kind,value,line}, names, distance, detail, sha256, serial, issuer, subject,
 * not_before, not_after, precert). Return CH_OK once delivered; any other value leaves it (and
 * the ones after it) pending for the next pass. */
typedef ch_err (*ch_monitor_deliver_fn)(void *arg, const char *json, size_t len);

typedef struct ch_monitor_pass_opts {
	const char *name;        /* the monitor's name: its cursor and alerts ("default") */
	bool start_at_end;       /* no cursor yet: start after what the store holds (no backfill) */
	size_t page;             /* certificates per transaction (default 1000) */
	uint64_t max_certs;      /* stop after this many (0 = until caught up) */
	int64_t now;             /* detection time (0 = the clock) */
	const atomic_int *stop;  /* stop cleanly between pages when non-zero */
} ch_monitor_pass_opts;

typedef struct ch_monitor_pass_result {
	uint64_t certs;          /* certificates examined */
	uint64_t alerts;         /* new alerts recorded */
	uint64_t duplicates;     /* alerts already recorded before (not delivered again) */
	uint64_t delivered;      /* alerts delivered (new and previously pending) */
	uint64_t pending;        /* alerts still waiting for delivery */
	uint64_t authorized;     /* certificates skipped because authorized */
} ch_monitor_pass_result;

/* ch_monitor_pass delivers what is pending, then examines the certificates stored since the
 * previous pass of the same name and delivers their new alerts through `deliver`. The store must
 * be writable. */
ch_err ch_monitor_pass(ch_monitor_pass_result *out, ch_monitor *m, ch_store *s,
		       const ch_monitor_pass_opts *opts, ch_monitor_deliver_fn deliver,
		       void *arg) CH_WARN_UNUSED;

/* ch_monitor_authorize marks the certificate `sha256` as expected: no pass alerts on it. */
ch_err ch_monitor_authorize(ch_store *s, const uint8_t sha256[32]) CH_WARN_UNUSED;

/* ---- notification transports ------------------------------------------------------------- */

typedef struct ch_monitor_notify {
	const char *file;        /* append each alert as one line */
	const char *hook;        /* /bin/sh -c HOOK with CERTHOUND_ALERT_* in the environment */
	const char *webhook;     /* POST the JSON to this http(s) URL; 2xx = delivered */
	bool syslog;             /* syslog(LOG_WARNING) "certhound: RULE NAME ..." */
	long timeout_ms;         /* webhook and hook time limit (default 10000) */
} ch_monitor_notify;

/* ch_monitor_notify_send delivers one alert JSON through every transport set in n; CH_ERR_IO /
 * CH_ERR_NET with a message when one fails (the alert then stays pending). */
ch_err ch_monitor_notify_send(const ch_monitor_notify *n, const char *json,
			      size_t len) CH_WARN_UNUSED;

#endif
