/* pivot internals: the knowledge base, a string map, and the walk's working state. */
#ifndef CH_PIVOT_INTERNAL_H
#define CH_PIVOT_INTERNAL_H

#include <certhound/names.h>
#include <certhound/pivot.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- string map: NUL-terminated key -> size_t (open addressing, keys owned) --------------- */

typedef struct ch_pv_map {
	char **keys;
	size_t *vals;
	size_t cap;   /* power of two */
	size_t used;
} ch_pv_map;

void ch_pivot__map_free(ch_pv_map *m);
/* ch_pivot__map_get returns true and *out when key is present. */
bool ch_pivot__map_get(const ch_pv_map *m, const char *key, size_t *out);
/* ch_pivot__map_put inserts or replaces. */
ch_err ch_pivot__map_put(ch_pv_map *m, const char *key, size_t val);

/* ---- knowledge ---------------------------------------------------------------------------- */

typedef struct ch_pv_rule {
	char *reason;
	ch_store_attr attr;
	char *pattern;     /* lower-cased glob */
	char *shown;       /* the glob as written */
} ch_pv_rule;

#define PV_MAX_SCOPES 32

enum ch_pv_lead_w { PV_LEAD_NAME = 0, PV_LEAD_DOMAIN, PV_LEAD_IP, PV_LEAD_SIGHTING, PV_LEAD_COUNT_ };

struct ch_pivot_kb {
	ch_pv_rule *rules;
	size_t num_rules;
	size_t cap_rules;
	double pivot_w[CH_SA_COUNT_]; /* 0 = not a pivot */
	double lead_w[PV_LEAD_COUNT_];
	double handful;      /* rarity factor is 1 up to this many certificates */
	double decay;        /* per hop after the first */
	double min_weight;   /* weaker steps are suppressed as common-value */
	double min_score;    /* paths weaker than this are not followed further */
	double multi_tenant; /* unrelated registrable labels that make a certificate multi-tenant */
	bool confirm_only[CH_SA_COUNT_]; /* `pivot ATTR W confirm`: raises scores, makes no lead alone */
	char *value_scope[PV_MAX_SCOPES]; /* `scope REASON value`: such rules suppress the value only */
	size_t num_value_scope;
};

/* ch_pivot__value_scope returns true when rules with this reason suppress only the value they
 * match (a tool default), not the whole certificate (a CDN name). */
bool ch_pivot__value_scope(const ch_pivot_kb *kb, const char *reason);

/* ch_pivot__glob matches a lower-case pattern against text case-insensitively. */
bool ch_pivot__glob(const char *pat, const char *text);

/* ch_pivot__rarity returns the rarity factor for a value shared by n certificates. */
double ch_pivot__rarity(const ch_pivot_kb *kb, uint64_t n);

/* ch_pivot__lower_dup returns a lower-cased copy (caller frees), NULL on OOM. */
char *ch_pivot__lower_dup(const char *s);

/* ---- the walk ----------------------------------------------------------------------------- */

#define PV_NO_CERT ((size_t)-1)

/* A path step into a certificate. */
typedef struct ch_pv_edge {
	size_t to;
	size_t from_cert;     /* PV_NO_CERT when from a seed text */
	unsigned from_depth;
	char *from;           /* seed text or certificate SHA-256 hex */
	const char *attr;     /* static attribute name */
	char *value;
	uint64_t shared_by;
	double weight;        /* path score through this step */
	size_t next;          /* next edge into the same certificate, PV_NO_CERT at the end */
} ch_pv_edge;

typedef struct ch_pv_cert {
	char sha[65];
	char *label;          /* a certificate seed's label (file), else NULL */
	unsigned depth;
	double score;
	bool seed;            /* a certificate seed: never a lead */
	bool loaded;
	bool stored;
	bool weak_only;       /* reached only through confirm-only values: not a lead, not expanded */
	const char *shared_reason;  /* set when the certificate is shared (static kb/const text) */
	char *shared_detail;
	size_t tenants_listed;
	size_t best_edge;     /* the strongest incoming path (its group is the evidence this
	                         certificate stands on), PV_NO_CERT for depth 0 */
	const char *issuer_reason;  /* set when the issuer is a high-volume CA */
	char *issuer_pattern;
	char *issuer;
	int64_t not_before, not_after;
	int64_t first_seen, last_seen;
	ch_store_value *vals; /* every value with its count */
	size_t num_vals;
	char **sight_ips;     /* distinct sighting IPs */
	size_t num_sight_ips;
	size_t first_edge;    /* PV_NO_CERT when none */
} ch_pv_cert;

typedef struct ch_pv_seed_in {
	char *text;
	uint8_t *der;
	size_t der_len;
} ch_pv_seed_in;

struct ch_pivot {
	ch_store *store;
	const ch_pivot_kb *kb;
	ch_pivot_opts o;
	ch_names *names;
	ch_pv_seed_in *in;
	size_t num_in;
	ch_pivot_result *res;
	size_t cap_seeds, cap_leads, cap_supp, cap_bounds;
	ch_pv_cert *certs;
	size_t num_certs, cap_certs;
	ch_pv_edge *edges;
	size_t num_edges, cap_edges;
	ch_pv_map cert_map;    /* sha hex -> index */
	ch_pv_map visited;     /* "attr\x1fvalue" of values followed or suppressed */
	ch_pv_map supp_map;    /* "reason\x1fattr\x1fvalue" -> suppressed index */
	ch_pv_map seed_vals;   /* "kind\x1fvalue" of seed values (never leads) */
	ch_pv_map ip_counts;   /* ip -> certificates seen with it */
	ch_pv_map lead_map;    /* "kind\x1fvalue" -> lead index */
	ch_pv_map group_map;   /* "lead\x1fgroup" -> index in grp_best */
	size_t *grp_lead;      /* per (lead, evidence group): the lead and its best contribution */
	double *grp_best;
	size_t num_grp, cap_grp, cap_grp2;
	bool bound_hit[6];
	uint64_t weak_paths;   /* values not followed for min_score */
	size_t supp_dropped;   /* suppressed entries beyond CH_PIVOT_MAX_SUPPRESSED */
	uint64_t t0;
	bool timed_out;
};

enum { PV_BOUND_DEPTH = 0, PV_BOUND_NODES, PV_BOUND_PER_VALUE, PV_BOUND_TIMEOUT, PV_BOUND_MIN_SCORE,
       PV_BOUND_SUPPRESSED };

#define PV_MAX_SUPPRESSED 2000     /* suppressed entries kept in a result */
#define PV_MAX_TENANTS_LISTED 10   /* registrable domains listed per shared certificate */

/* walk.c */
ch_err ch_pivot__walk(ch_pivot *p);
ch_err ch_pivot__suppress(ch_pivot *p, const char *attr, const char *value, const char *reason,
			  const char *detail, const char *from, uint64_t shared_by);
ch_err ch_pivot__bound(ch_pivot *p, int which, const char *fmt, ...) CH_PRINTF(3, 4);
ch_err ch_pivot__cert_add(ch_pivot *p, size_t *out, const char *sha, unsigned depth, bool *out_new);
ch_err ch_pivot__follow(ch_pivot *p, size_t from_cert, const char *from, unsigned from_depth,
			double from_score, ch_store_attr attr, const char *value, uint64_t count,
			double step);
ch_err ch_pivot__edge_add(ch_pivot *p, size_t to, size_t from_cert, unsigned from_depth,
			  const char *from, const char *attr, const char *value, uint64_t shared_by,
			  double weight);
ch_err ch_pivot__ip_count(ch_pivot *p, uint64_t *out, const char *ip);
bool ch_pivot__visit(ch_pivot *p, const char *attr, const char *value, ch_err *err);

/* seed.c */
ch_err ch_pivot__seeds(ch_pivot *p);

/* leads.c */
ch_err ch_pivot__leads(ch_pivot *p);

/* result.c: growable arrays */
ch_err ch_pivot__grow(void **arr, size_t *cap, size_t n, size_t size);
char *ch_pivot__strdup(const char *s);

#endif
