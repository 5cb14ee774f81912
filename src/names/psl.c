/* The names handle: a libpsl context for registrable domains and PSL sections. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static ch_err make(ch_names **out, psl_ctx_t *psl, const char *source)
{
	ch_names *n = calloc(1, sizeof *n);
	ch_err err = CH_OK;

	*out = NULL;
	if (!n || !(n->source = strdup(source))) {
		free(n);
		psl_free(psl);
		err = ch_error_set(CH_ERR_NOMEM, "out of memory creating a names handle");
		goto out;
	}
	n->psl = psl;
	ch_buf_init(&n->arena, NAMES_ARENA_MAX);
	*out = n;
out:
	return err;
}

ch_err ch_names_new(ch_names **out)
{
	psl_ctx_t *psl = psl_latest(NULL);
	const char *source = psl_dist_filename();

	if (!psl || psl == psl_builtin()) {
		psl = (psl_ctx_t *)psl_builtin();
		source = "builtin";
	}
	if (!psl) {
		*out = NULL;
		return ch_error_set(CH_ERR_IO, "no public suffix list: neither %s nor libpsl's built-in "
					       "list could be loaded", psl_dist_filename());
	}
	return make(out, psl, source && *source ? source : "builtin");
}

ch_err ch_names_new_from(ch_names **out, const char *psl_file)
{
	psl_ctx_t *psl;

	if (!psl_file)
		return ch_names_new(out);
	psl = psl_load_file(psl_file);
	if (!psl) {
		*out = NULL;
		return ch_error_set(CH_ERR_IO, "%s: cannot load the public suffix list", psl_file);
	}
	return make(out, psl, psl_file);
}

void ch_names_free(ch_names *n)
{
	if (!n)
		return;
	if (n->psl != psl_builtin())
		psl_free(n->psl);
	free(n->source);
	ch_buf_free(&n->arena);
	free(n->name_off);
	free(n->uni_off);
	free(n->dom_of);
	free(n->kinds);
	free(n->rd_off);
	free(n->rd_type);
	free(n->name_set.slots);
	free(n->rd_set.slots);
	free(n->ptrs);
	free(n);
}

const char *ch_names_psl_source(const ch_names *n)
{
	return n->source;
}

const char *ch_names_registered_domain(const ch_names *n, const char *norm)
{
	ch_name_kind k = ch_name_classify(norm);

	if (k == CH_NAME_IPV4 || k == CH_NAME_IPV6 || !norm || !*norm)
		return NULL;
	if (norm[0] == '*' && norm[1] == '.')
		norm += 2;
	return psl_registrable_domain(n->psl, norm);
}

ch_suffix_type ch_names_suffix_type(const ch_names *n, const char *norm)
{
	const char *rd, *suffix;
	ch_name_kind k = ch_name_classify(norm);

	if (k == CH_NAME_IPV4 || k == CH_NAME_IPV6 || !norm || !*norm)
		return CH_SUFFIX_NONE;
	if (norm[0] == '*' && norm[1] == '.')
		norm += 2;
	rd = psl_registrable_domain(n->psl, norm);
	suffix = rd ? strchr(rd, '.') : NULL;
	suffix = suffix ? suffix + 1 : norm;
	if (psl_is_public_suffix2(n->psl, suffix, PSL_TYPE_PRIVATE | PSL_TYPE_NO_STAR_RULE))
		return CH_SUFFIX_PRIVATE;
	if (psl_is_public_suffix2(n->psl, suffix, PSL_TYPE_ICANN | PSL_TYPE_NO_STAR_RULE))
		return CH_SUFFIX_ICANN;
	return CH_SUFFIX_NONE;
}
