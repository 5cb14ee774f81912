/* certhound/corroborate.h — is anyone here talking to the infrastructure a pivot found?
 *
 * A certificate match is a lead, not a detection. corroborate takes indicators (pivot leads or a
 * plain list: domains, host names, IP addresses, certificate SHA-256/SHA-1) and matches the
 * observations of the telemetry readers (certhound/telemetry.h) against them:
 *
 *   domain   the name itself and every name below it, at a label boundary (evil.com matches
 *            a.evil.com, never notevil.com), in DNS queries, HTTP hosts, proxy targets, SNI
 *   name     that exact host name
 *   ip       destination (or source) address of connections, flows, proxy peers, firewall
 *            lines, TLS sessions, and addresses in DNS answers
 *   cert     a fingerprint anywhere in a logged chain (Zeek ssl cert_chain_fps, or its
 *            cert_chain_fuids through the x509 log's file ids; Suricata tls fingerprint and
 *            certificates; Zeek x509 fingerprint)
 *
 * Each indicator gets one verdict, the strongest kind of evidence found: no-evidence < resolved
 * (DNS) < contacted (connection, flow, HTTP/proxy request, firewall) < tls-session (a TLS session
 * named it by SNI or presented its certificate), with the internal hosts, first and last time,
 * the number of matching lines, the first evidence lines per kind, and the ATT&CK techniques the
 * evidence supports (data/corroborate/attack.tsv, docs/corroborate.md). Results come back in
 * input order; printing them is the report module's job (certhound/report_corroborate.h).
 *
 * No global state: one ch_corroborate per run (one thread at a time). */
#ifndef CERTHOUND_CORROBORATE_H
#define CERTHOUND_CORROBORATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <certhound/err.h>
#include <certhound/telemetry.h>

#define CH_CORR_MAX_INDICATORS 5000000   /* indicators in one run */
#define CH_CORR_MAX_HOSTS 64             /* distinct hosts listed per indicator (all counted) */
#define CH_CORR_EVIDENCE_PER_KIND 10     /* evidence lines kept per verdict level */
#define CH_CORR_MAX_ATTACK 8             /* techniques per result */
#define CH_CORR_MAX_FUIDS 100000         /* Zeek file ids of matching certificates remembered */

typedef enum ch_corr_kind {
	CH_CORR_DOMAIN = 1,
	CH_CORR_NAME,
	CH_CORR_IP,
	CH_CORR_CERT,
} ch_corr_kind;

/* ch_corr_kind_name returns "domain", "name", "ip" or "cert". */
const char *ch_corr_kind_name(ch_corr_kind k);

typedef enum ch_verdict {
	CH_VERDICT_NONE = 0,   /* "no-evidence" */
	CH_VERDICT_RESOLVED,   /* "resolved" */
	CH_VERDICT_CONTACTED,  /* "contacted" */
	CH_VERDICT_TLS,        /* "tls-session" */
} ch_verdict;

/* ch_verdict_name returns "no-evidence", "resolved", "contacted" or "tls-session". */
const char *ch_verdict_name(ch_verdict v);

/* One line of evidence. */
typedef struct ch_corr_evidence {
	const char *file;      /* owned by the ch_corroborate */
	uint64_t line;
	int64_t time;          /* CH_OBS_NO_TIME if the line had none */
	ch_verdict verdict;    /* what this line alone shows */
	const char *log;       /* "dns", "ssl", "squid", ... (static or owned by the run) */
	const char *matched;   /* "name", "sni", "answer", "ip", "cert", "fuid" */
	const char *host;      /* the internal host ("" if the line has none) */
} ch_corr_evidence;

/* The result for one indicator (borrowed from the ch_corroborate). */
typedef struct ch_corr_result {
	const char *indicator; /* as given (normalised: lower-case, no trailing dot) */
	ch_corr_kind kind;
	ch_verdict verdict;
	const char *const *hosts;  /* distinct internal hosts, first seen first */
	size_t num_hosts;
	bool hosts_truncated;      /* more than CH_CORR_MAX_HOSTS distinct hosts were seen */
	int64_t first_seen, last_seen; /* CH_OBS_NO_TIME when no evidence line had a time */
	uint64_t count;            /* matching lines */
	uint64_t count_by[4];      /* matching lines per verdict level (index = ch_verdict) */
	const char *const *attack; /* ATT&CK technique ids, sorted */
	size_t num_attack;
	const ch_corr_evidence *evidence; /* strongest first, then in reading order */
	size_t num_evidence;
	const char *source;        /* where the indicator came from ("leads.json:3", "pivot lead") */
} ch_corr_result;

/* ATT&CK mapping rules (data/corroborate/attack.tsv). */
typedef struct ch_corr_attack ch_corr_attack;

/* ch_corr_attack_load reads a mapping file (format in the file and docs/corroborate.md);
 * CH_ERR_PARSE with "FILE:LINE: why", CH_ERR_IO. */
ch_err ch_corr_attack_load(ch_corr_attack **out, const char *path) CH_WARN_UNUSED;

/* ch_corr_attack_parse is ch_corr_attack_load over text in memory. */
ch_err ch_corr_attack_parse(ch_corr_attack **out, const char *text, size_t len,
			    const char *name) CH_WARN_UNUSED;

/* ch_corr_attack_default_path returns $CERTHOUND_DATA_DIR/corroborate/attack.tsv when that
 * variable is set, else the build's data/corroborate/attack.tsv. */
const char *ch_corr_attack_default_path(void);

void ch_corr_attack_free(ch_corr_attack *a);

typedef struct ch_corroborate_opts {
	int64_t since;       /* observations before are ignored; INT64_MIN = no bound */
	int64_t until;       /* observations at or after are ignored; INT64_MAX = no bound */
	const ch_corr_attack *attack; /* borrowed; NULL = no ATT&CK labels */
	size_t evidence_per_kind;     /* 0 = CH_CORR_EVIDENCE_PER_KIND */
} ch_corroborate_opts;

typedef struct ch_corroborate ch_corroborate;

/* ch_corroborate_new makes an empty run (opts may be NULL: no window, no labels). */
ch_err ch_corroborate_new(ch_corroborate **out, const ch_corroborate_opts *opts) CH_WARN_UNUSED;

void ch_corroborate_free(ch_corroborate *c);

/* ch_corroborate_add adds one indicator. `text` is a domain, host name, IPv4/IPv6 address or a
 * SHA-256/SHA-1 (hex, ':' allowed); kind 0 = decide from the text (names are domains). An
 * optional "domain:", "name:", "ip:", "cert:", "sha256:", "sha1:" prefix also sets the kind;
 * "*.example.com" is the domain example.com. A repeated indicator (same kind and value) is kept
 * once. `source` (may be NULL) says where it came from. CH_ERR_PARSE when the text is not a
 * usable indicator, CH_ERR_LIMIT beyond CH_CORR_MAX_INDICATORS. */
ch_err ch_corroborate_add(ch_corroborate *c, ch_corr_kind kind, const char *text,
			  const char *source) CH_WARN_UNUSED;

/* ch_corroborate_alias makes `text` (a SHA-1 or SHA-256) another fingerprint of the indicator
 * `index` (so a certificate lead's SHA-1, known from the store, matches Suricata's SHA-1). */
ch_err ch_corroborate_alias(ch_corroborate *c, size_t index, const char *text) CH_WARN_UNUSED;

/* ch_corroborate_load_list reads an indicator list: one per line, '#' comments and blank lines
 * ignored. Bad lines are reported as CH_ERR_PARSE "FILE:LINE: why" through `on_bad` (may be
 * NULL) and skipped; the return value is CH_OK unless the file cannot be read (CH_ERR_IO). */
typedef void (*ch_corr_bad_fn)(void *arg, const char *message);
ch_err ch_corroborate_load_list(ch_corroborate *c, const char *path, ch_corr_bad_fn on_bad,
				void *arg) CH_WARN_UNUSED;

/* ch_corroborate_load_leads reads a `certhound pivot --format json` document and adds each
 * lead's value (kind domain, name, ip or cert) in the document's order, with the source "lead N"
 * (the STIX writer relies on it to reference pivot's indicator). CH_ERR_PARSE when the
 * document is not a pivot result; leads with an unusable value go to on_bad. */
ch_err ch_corroborate_load_leads(ch_corroborate *c, const char *path, ch_corr_bad_fn on_bad,
				 void *arg) CH_WARN_UNUSED;

/* ch_corroborate_count returns the number of indicators. */
size_t ch_corroborate_count(const ch_corroborate *c);

/* ch_corroborate_observe matches one observation; CH_ERR_NOMEM only. Observations outside the
 * time window are ignored (those without a time are kept). Zeek x509 observations should come
 * before the ssl observations naming their file ids (read x509 logs first). */
ch_err ch_corroborate_observe(ch_corroborate *c, const ch_obs *o) CH_WARN_UNUSED;

/* ch_corroborate_result returns the result of indicator i (0-based, input order), valid until
 * the next ch_corroborate_observe or ch_corroborate_free. */
ch_err ch_corroborate_result(ch_corroborate *c, ch_corr_result *out, size_t i) CH_WARN_UNUSED;

/* ch_corroborate_matched returns how many indicators have any evidence. */
size_t ch_corroborate_matched(const ch_corroborate *c);

#endif
