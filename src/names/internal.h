/* names module internals: the handle (PSL context + the scratch of ch_names_of_cert). */
#ifndef CH_NAMES_INTERNAL_H
#define CH_NAMES_INTERNAL_H

#include <certhound/buf.h>
#include <certhound/names.h>

#include <libpsl.h>

#define NAMES_ARENA_MAX (64u << 20) /* bytes of name text kept for one certificate */

/* An open-addressing set of indices into an offset array (0 = empty slot). */
typedef struct names_set {
	uint32_t *slots;
	size_t cap;      /* a power of two, or 0 */
} names_set;

struct ch_names {
	psl_ctx_t *psl;
	char *source;
	/* ch_names_of_cert scratch */
	ch_buf arena;           /* NUL-separated strings */
	size_t *name_off, *uni_off, *dom_of; /* offsets into arena; dom_of SIZE_MAX = none */
	ch_name_kind *kinds;
	size_t num_names, cap_names;
	size_t *rd_off;
	ch_suffix_type *rd_type;
	size_t num_rd, cap_rd;
	names_set name_set, rd_set;
	const char **ptrs;      /* names, unicode, domains, registered_domains (4 blocks) */
	size_t cap_ptrs;
	ch_cert_names result;
};

#endif
