/* certhound/pivot.h — from seeds (a domain, an IP, a fingerprint, a key, an odd subject...) to
 * the rest of the infrastructure behind them: ranked, explained leads, with the noise that
 * shared certificates create suppressed and listed.
 *
 * Certificates and the values they carry form a bipartite graph in the store (store.h). A pivot
 * walks it breadth-first from the seeds: certificate -> pivotable value (shared key, serial +
 * issuer, JA4X, subject O/OU/e-mail, the issuer DN of private CAs, registrable domain, TBS
 * fingerprint, IPs from sightings) -> the other certificates carrying that value, up to a depth.
 * Every value is checked against the noise knowledge (data/pivot/, docs/pivot.md) and its rarity
 * before it is followed; what is not followed goes to `suppressed` with the reason.
 *
 * Results are data: the report module prints them (report.h: ch_report_pivot). The algorithm,
 * the scoring formula and the knowledge file format are in docs/pivot.md.
 *
 * A ch_pivot handle borrows one ch_store handle and is used by one thread at a time; the
 * knowledge (ch_pivot_kb) is read-only once loaded and may be shared between threads. */
#ifndef CERTHOUND_PIVOT_H
#define CERTHOUND_PIVOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <certhound/err.h>
#include <certhound/store.h>

/* ---- knowledge ---------------------------------------------------------------------------- */

/* Noise rules, weights and settings read from the knowledge files. */
typedef struct ch_pivot_kb ch_pivot_kb;

#define CH_PIVOT_KB_MAX_FILE (4u << 20) /* bytes in one knowledge file */
#define CH_PIVOT_KB_MAX_RULES 100000u   /* rules over all files */

/* ch_pivot_kb_default_dir returns the knowledge directory shipped with certhound:
 * $CERTHOUND_DATA_DIR/pivot when that variable is set, else the build's data/pivot. */
const char *ch_pivot_kb_default_dir(void);

/* ch_pivot_kb_load reads every *.conf and *.txt file of `dir` (NULL = the default dir) in name
 * order, then each of `extra` (user files, later lines win for settings and weights), into *out
 * (free with ch_pivot_kb_free). CH_ERR_PARSE with "FILE:LINE: why" for a bad line, CH_ERR_IO
 * when a file cannot be read. */
ch_err ch_pivot_kb_load(ch_pivot_kb **out, const char *dir, const char *const *extra,
			size_t num_extra) CH_WARN_UNUSED;

/* ch_pivot_kb_parse adds the rules of one file's text (`name` for messages) to kb. */
ch_err ch_pivot_kb_parse(ch_pivot_kb *kb, const char *text, size_t len,
			 const char *name) CH_WARN_UNUSED;

/* ch_pivot_kb_new returns an empty knowledge base (built-in defaults for settings, no rule and
 * no pivotable attribute until weights are added). */
ch_err ch_pivot_kb_new(ch_pivot_kb **out) CH_WARN_UNUSED;

/* ch_pivot_kb_match returns the reason of the first rule matching (attr, value) and sets
 * *out_pattern to the rule's pattern (both static for the kb's lifetime), or NULL when no rule
 * matches. Patterns are case-insensitive globs ('*' any run, '?' one character). */
const char *ch_pivot_kb_match(const ch_pivot_kb *kb, ch_store_attr attr, const char *value,
			      const char **out_pattern);

/* ch_pivot_kb_rules returns how many rules were loaded. */
size_t ch_pivot_kb_rules(const ch_pivot_kb *kb);

void ch_pivot_kb_free(ch_pivot_kb *kb);

/* ---- options ------------------------------------------------------------------------------ */

typedef struct ch_pivot_opts {
	unsigned depth;              /* hops through shared values (default 2, at most 8) */
	size_t max_nodes;            /* certificates + values visited (default 5000) */
	size_t max_certs_per_value;  /* certificates followed from one value (default 200) */
	unsigned timeout_ms;         /* wall-clock budget (default 10000; 0 = default) */
	int64_t now;                 /* "now" for validity (0 = the clock) */
} ch_pivot_opts;

/* ---- results ------------------------------------------------------------------------------ */

typedef enum ch_pivot_kind {
	CH_PIVOT_DOMAIN = 1, /* a registrable domain */
	CH_PIVOT_NAME,       /* a full host name */
	CH_PIVOT_IP,
	CH_PIVOT_CERT,       /* a certificate, by SHA-256 hex */
} ch_pivot_kind;

/* ch_pivot_kind_name returns "domain", "name", "ip" or "cert". */
const char *ch_pivot_kind_name(ch_pivot_kind k);

/* One step of the path that reached a lead: `from` (a seed's text or a certificate SHA-256)
 * shares `attribute` = `value` with the lead, a value `shared_by` certificates in the store
 * carry. `weight` is the step's score contribution (docs/pivot.md). */
typedef struct ch_pivot_via {
	char *from;
	char *attribute;   /* "spki", "serial+issuer", "ja4x", "subject.o", "san", "sighting" ... */
	char *value;
	uint64_t shared_by;
	double weight;
} ch_pivot_via;

typedef struct ch_pivot_lead {
	ch_pivot_kind kind;
	char *value;
	double score;          /* 0..1 */
	unsigned depth;        /* hops from the nearest seed */
	ch_pivot_via *via;     /* strongest first */
	size_t num_via;
	int64_t first_seen;    /* from sightings, else validity; 0 = unknown */
	int64_t last_seen;
	char **certs;          /* SHA-256 hex of the certificates behind the lead */
	size_t num_certs;
	char *issuer;          /* cert leads: issuer DN (NULL otherwise) */
	char *cert_name;       /* cert leads: a host name it carries, for display (may be NULL) */
	int64_t not_before;    /* cert leads: validity */
	int64_t not_after;
	char *corroborate;     /* the indicator to feed to `certhound corroborate` */
} ch_pivot_lead;

/* A value that was not followed, and why. */
typedef struct ch_pivot_suppressed {
	char *attribute;
	char *value;
	char *reason;     /* "high-volume-ca", "cdn", "shared-hosting", "managed-certificate",
	                     "psl-private", "multi-tenant", "common-value", ... (docs/pivot.md) */
	char *detail;     /* the rule or figure behind the reason */
	char *from;       /* the certificate (or seed) carrying it */
	uint64_t shared_by;
} ch_pivot_suppressed;

/* A bound that cut the walk. */
typedef struct ch_pivot_bound {
	char *bound;      /* "depth", "max-nodes", "max-certs-per-value", "timeout" */
	char *detail;
} ch_pivot_bound;

/* How a seed was understood. */
typedef struct ch_pivot_seed {
	char *text;       /* as given */
	char *kind;       /* "domain", "name", "ip", "cert", "spki", "serial", "serial+issuer", ... */
	char *value;      /* normalised value (a certificate seed: its SHA-256 hex) */
	uint64_t certs;   /* certificates in the store carrying it */
	char *error;      /* NULL, or why the seed could not be used */
} ch_pivot_seed;

typedef struct ch_pivot_result {
	ch_pivot_seed *seeds;             size_t num_seeds;
	ch_pivot_lead *leads;             size_t num_leads;    /* score descending */
	ch_pivot_suppressed *suppressed;  size_t num_suppressed;
	ch_pivot_bound *bounds_hit;       size_t num_bounds_hit;
	uint64_t certs_visited;
	uint64_t values_followed;
	double elapsed_ms;
} ch_pivot_result;

void ch_pivot_result_free(ch_pivot_result *r);

/* ---- running ------------------------------------------------------------------------------ */

typedef struct ch_pivot ch_pivot;

/* ch_pivot_new makes a pivot over `store` (borrowed) with `kb` (borrowed) and `opts` (copied;
 * NULL = defaults). Add seeds, then run. */
ch_err ch_pivot_new(ch_pivot **out, ch_store *store, const ch_pivot_kb *kb,
		    const ch_pivot_opts *opts) CH_WARN_UNUSED;

void ch_pivot_free(ch_pivot *p);

#define CH_PIVOT_MAX_SEEDS 10000
#define CH_PIVOT_MAX_SEED_LEN 2048

/* ch_pivot_add_seed adds one seed in text form: "domain:D", "name:H", "ip:A", "sha256:HEX"
 * (a unique prefix of 8+ digits will do), "sha1:HEX", "serial:HEX" or "serial:HEX/ISSUER DN",
 * "spki:HEX", "ja4x:X", "tbs:HEX", "issuer.o:O", "subject.o:O", "subject.ou:OU", "email:E",
 * "issuer:DN"; without a prefix, 64 hex digits are a SHA-256, 40 a SHA-1, an IP literal an IP, a
 * host name a name (or a domain when it is a registrable domain). CH_ERR_INVALID (with why)
 * for text that is none of these; seeds that match nothing are reported in the result. */
ch_err ch_pivot_add_seed(ch_pivot *p, const char *text) CH_WARN_UNUSED;

/* ch_pivot_add_cert adds a certificate (DER, copied) as a seed: its values are the starting
 * points whether or not it is stored. `label` names it in the output (a file name). */
ch_err ch_pivot_add_cert(ch_pivot *p, const uint8_t *der, size_t der_len,
			 const char *label) CH_WARN_UNUSED;

/* ch_pivot_run walks the graph and returns the result in *out (free with
 * ch_pivot_result_free). Bounds are not errors: they are listed in bounds_hit. */
ch_err ch_pivot_run(ch_pivot *p, ch_pivot_result **out) CH_WARN_UNUSED;

#endif
