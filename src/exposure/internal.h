/* exposure internals: the knowledge base and helpers shared by the module's files. */
#ifndef CH_EXPOSURE_INTERNAL_H
#define CH_EXPOSURE_INTERNAL_H

#include <certhound/exposure.h>

#define CH_EXPO_KB_MAX_RULES 4096
#define CH_EXPO_LINE_MAX 1024

typedef struct ch_expo_cidr {
	uint8_t addr[16];
	bool v6;
	unsigned bits;
	char *text;
} ch_expo_cidr;

typedef struct ch_expo_sig {
	char *needle; /* lower-case */
	char *reason;
} ch_expo_sig;

typedef struct ch_expo_keyrule {
	char *type;
	char *reason;
} ch_expo_keyrule;

struct ch_exposure_kb {
	char **labels;       size_t num_labels;
	char **tlds;         size_t num_tlds;
	bool single_label;
	ch_expo_cidr *cidrs; size_t num_cidrs;
	unsigned rsa_min_bits;
	unsigned ec_min_bits;
	ch_expo_sig *sigs;   size_t num_sigs;
	ch_expo_keyrule *keys; size_t num_keys;
	size_t num_rules;
};

/* ch_exposure__default_dir returns $CERTHOUND_DATA_DIR/exposure or the shipped data/exposure. */
const char *ch_exposure__default_dir(void);

/* ch_exposure__ip_parse reads IPv4 or IPv6 text into 16 bytes (IPv4 in the first 4). */
bool ch_exposure__ip_parse(uint8_t out[16], bool *v6, const char *text);

/* ch_exposure__weak_reasons appends the weak-key/-signature reasons of one certificate to
 * *out (one reason per call of `add`). */
typedef ch_err (*ch_expo_add_fn)(void *arg, const char *reason);
ch_err ch_exposure__weak(const ch_exposure_kb *kb, const ch_exposure_cert *c, ch_expo_add_fn add,
			 void *arg) CH_WARN_UNUSED;

/* ch_exposure__strdup copies s (NULL stays NULL); sets *err on allocation failure. */
char *ch_exposure__strdup(const char *s, ch_err *err);

#endif

/* Working state of one run (collect.c fills certs, analyse.c the rest). */
typedef struct ch_expo_run {
	ch_store *store;
	const ch_exposure_kb *kb;
	struct ch_names *names;
	ch_exposure_opts o;
	ch_exposure_result *r;
	size_t *name_certs;   /* pairs (name index, cert index) flattened, built by analyse.c */
} ch_expo_run;

/* ch_exposure__collect pages through the store for r->subjects and fills r->certs. */
ch_err ch_exposure__collect(ch_expo_run *x) CH_WARN_UNUSED;

/* ch_exposure__analyse derives names, leaks, expiry, gaps, CAs, naming and weak keys. */
ch_err ch_exposure__analyse(ch_expo_run *x) CH_WARN_UNUSED;

/* ch_exposure__in_scope says whether host name `name` belongs to the report's domains (always
 * true when an organisation subject brought in certificate `c`... decided per certificate). */
bool ch_exposure__name_in_scope(const ch_exposure_result *r, const char *name, bool org_cert);

/* ch_exposure__covers: a name (possibly "*.x") covers host `host`. */
bool ch_exposure__covers(const char *name, const char *host);
