/* certhound/exposure.h — an organisation's certificate exposure, as an adversary mining CT
 * (ATT&CK T1596.003) would see it: built from the store for one or more registrable domains or
 * subject organisation names.
 *
 * The analysis returns data (ch_exposure_result); the report module prints it as a table, the
 * JSON document of CONTRACT.md "Exposure" or a self-contained HTML report
 * (certhound/report_exposure.h). What counts as an internal name and as a weak key or signature
 * lives in data/exposure/ (docs/exposure.md describes the file format).
 *
 * Times are seconds since the epoch (UTC); `now` is an input so a report is reproducible. */
#ifndef CERTHOUND_EXPOSURE_H
#define CERTHOUND_EXPOSURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <certhound/err.h>
#include <certhound/store.h>

/* ---- knowledge (the .conf files of data/exposure) ---------------------------------------------------- */

typedef struct ch_exposure_kb ch_exposure_kb;

/* ch_exposure_kb_load reads every *.conf file of `dir` (NULL = the shipped data/exposure) and
 * then each of `extra` (n_extra files) into *out. CH_ERR_PARSE with "FILE:LINE: why" for a bad
 * line, CH_ERR_IO when a file cannot be read. Free with ch_exposure_kb_free. */
ch_err ch_exposure_kb_load(ch_exposure_kb **out, const char *dir, const char *const *extra,
			   size_t n_extra) CH_WARN_UNUSED;

/* ch_exposure_kb_parse adds the rules in text[0..len) (one file's content, `label` naming it in
 * errors) to kb; with *kb NULL a new empty knowledge base is made first. */
ch_err ch_exposure_kb_parse(ch_exposure_kb **kb, const char *text, size_t len,
			    const char *label) CH_WARN_UNUSED;

void ch_exposure_kb_free(ch_exposure_kb *kb);

/* ch_exposure_internal_reason writes into out (cap bytes) why the host name or IP text `name`
 * looks internal ("label:jenkins", "tld:.local", "single-label", "private-ip:10.0.0.0/8") and
 * returns true, or returns false when no rule matches. `registered` is the name's registrable
 * domain (NULL when none): labels are only looked at left of it. */
bool ch_exposure_internal_reason(const ch_exposure_kb *kb, char *out, size_t cap,
				 const char *name, const char *registered);

/* ---- the analysis ------------------------------------------------------------------------ */

#define CH_EXPOSURE_MAX_SUBJECTS 64
#define CH_EXPOSURE_DEFAULT_MAX_CERTS 50000
#define CH_EXPOSURE_MAX_IPS 64       /* hosts kept per certificate */

typedef struct ch_exposure_opts {
	int64_t now;             /* 0 = the current time */
	unsigned new_ca_days;    /* a CA whose first issuance is this recent is `new` (default 30) */
	size_t max_certs;        /* certificates examined (default CH_EXPOSURE_DEFAULT_MAX_CERTS) */
	bool include_expired;    /* reserved: expired certificates are always in the inventory */
} ch_exposure_opts;

/* A subject of the report: what the user asked for. */
typedef enum ch_exposure_subject_kind {
	CH_EXPOSURE_DOMAIN = 1, /* the domain and every name below it */
	CH_EXPOSURE_ORG,        /* certificates whose subject O equals the value */
} ch_exposure_subject_kind;

typedef struct ch_exposure_subject {
	ch_exposure_subject_kind kind;
	char *value;            /* normalised (domains lower-case A-labels) */
	uint64_t certs;         /* certificates it brought in */
} ch_exposure_subject;

/* One certificate of the inventory. */
typedef struct ch_exposure_cert {
	uint8_t sha256[32];
	char *serial;
	char *subject;          /* DN text */
	char *issuer;           /* DN text */
	char *issuer_name;      /* issuer O (and CN): "Let's Encrypt R3" */
	char *subject_o;        /* first subject O, or NULL */
	char *subject_ou;       /* first subject OU, or NULL */
	int64_t not_before, not_after;
	int64_t first_seen, last_seen; /* sightings' timestamps; not_before when none */
	char *key;              /* "rsa-2048", "ec-256", ... */
	unsigned key_bits;
	char *sig_alg;
	uint8_t spki[32];
	bool precert;
	bool has_final;         /* a precertificate whose final certificate is in the store */
	bool is_ca;
	char **names;           /* host names (all of the certificate's) */
	size_t num_names;
	char **ips;             /* IPs where it was seen (sightings), de-duplicated */
	size_t num_ips;
	char **san_ips;         /* SAN iPAddress entries */
	size_t num_san_ips;
	bool by_org;            /* an organisation subject brought it in: all its names count */
	uint64_t sightings;
} ch_exposure_cert;

/* A host name of the inventory. */
typedef struct ch_exposure_name {
	char *name;
	uint64_t certs;
	int64_t first_seen, last_seen; /* earliest / latest sighting of its certificates */
	int64_t first_issued;          /* earliest not_before of its certificates */
	int64_t valid_until;           /* latest not_after of its certificates */
	char *reason;                  /* why it looks internal, or NULL */
	bool wildcard;
} ch_exposure_name;

/* A name (or SAN IP) that looks internal. */
typedef struct ch_exposure_leak {
	char *name;
	char *reason;           /* see ch_exposure_internal_reason */
	size_t *certs;          /* indexes into result->certs */
	size_t num_certs;
} ch_exposure_leak;

/* A certificate expiring within the largest window. */
typedef struct ch_exposure_expiring {
	size_t cert;            /* index into certs */
	int64_t days_left;      /* whole days from now to not_after */
	unsigned window;        /* 7, 30 or 90: the smallest window it falls in */
	bool has_successor;
	size_t successor;       /* index into certs when has_successor */
} ch_exposure_expiring;

/* A hole in a name's certificate history: no valid certificate between `from` and `to`. */
typedef struct ch_exposure_gap {
	char *name;
	int64_t from, to;
	size_t before, after;   /* certificates ending / starting the gap (indexes into certs) */
} ch_exposure_gap;

/* A CA issuing for the subjects. */
typedef struct ch_exposure_ca {
	char *issuer;           /* issuer DN text */
	char *name;             /* issuer O / CN for display */
	uint64_t count;         /* issuances (a precertificate with its final certificate = 1) */
	int64_t first_seen, last_seen; /* earliest / latest not_before */
	bool is_new;            /* first_seen within new_ca_days of now */
	uint64_t *per_month;    /* issuances per month from result->month0, num_months entries */
} ch_exposure_ca;

/* A value with a count (subject O, OU, name pattern, wildcard). */
typedef struct ch_exposure_count {
	char *value;
	uint64_t count;
	char *example;          /* name patterns: one name that has it; else NULL */
} ch_exposure_count;

/* A key used by certificates for unrelated hosts (no name in common). */
typedef struct ch_exposure_reuse {
	uint8_t spki[32];
	size_t *certs;
	size_t num_certs;
	size_t groups;          /* groups of certificates sharing names */
} ch_exposure_reuse;

typedef struct ch_exposure_weak {
	size_t cert;
	char *reason;           /* "rsa-1024 < 2048", "signature sha1WithRSAEncryption (SHA-1)" */
} ch_exposure_weak;

typedef struct ch_exposure_result {
	int64_t now;
	ch_exposure_subject *subjects;  size_t num_subjects;
	ch_exposure_cert *certs;        size_t num_certs;   /* sorted by not_before, then sha256 */
	bool certs_truncated;           /* max_certs reached */
	ch_exposure_name *names;        size_t num_names;   /* sorted by reversed labels */
	ch_exposure_leak *leaks;        size_t num_leaks;
	ch_exposure_expiring *expiring; size_t num_expiring; /* soonest first */
	ch_exposure_gap *gaps;          size_t num_gaps;
	ch_exposure_ca *cas;            size_t num_cas;      /* most issuances first */
	int month0;                     /* first month of per_month: year*12 + month-1 */
	size_t num_months;
	ch_exposure_count *orgs;        size_t num_orgs;     /* subject O values */
	ch_exposure_count *org_units;   size_t num_org_units;
	ch_exposure_count *wildcards;   size_t num_wildcards;
	ch_exposure_count *patterns;    size_t num_patterns; /* first-label shapes ("web#") */
	ch_exposure_reuse *reuse;       size_t num_reuse;
	ch_exposure_weak *weak;         size_t num_weak;
} ch_exposure_result;

/* ch_exposure_run builds the report for `subjects` (n strings: "domain:D", "org:O", or bare —
 * bare text with a space, an upper-case letter or no dot is an organisation, otherwise a domain)
 * from the store, and returns it in *out (free with ch_exposure_result_free). kb NULL = the
 * shipped knowledge; opts NULL = defaults. CH_ERR_INVALID for an empty or unusable subject. */
ch_err ch_exposure_run(ch_exposure_result **out, ch_store *s, const ch_exposure_kb *kb,
		       const char *const *subjects, size_t n,
		       const ch_exposure_opts *opts) CH_WARN_UNUSED;

void ch_exposure_result_free(ch_exposure_result *r);

#endif
