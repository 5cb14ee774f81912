/* ch_names_of_cert: a certificate's host-like names, their display forms and registrable
 * domains. Strings live in one arena addressed by offsets (the arena may move while it grows);
 * pointers are made once at the end. De-duplication uses open-addressing hash sets. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 1099511628211ull;
	}
	return h;
}

static void set_clear(names_set *set)
{
	if (set->cap)
		memset(set->slots, 0, set->cap * sizeof *set->slots);
}

/* set_find returns the slot holding `s` or the empty slot where it would go. */
static size_t set_find(const names_set *set, const char *arena, const size_t *offs, const char *s,
		       uint64_t h)
{
	size_t mask = set->cap - 1, i = (size_t)h & mask;

	while (set->slots[i] && strcmp(arena + offs[set->slots[i] - 1], s) != 0)
		i = (i + 1) & mask;
	return i;
}

/* set_grow keeps the load under one half. */
static ch_err set_grow(names_set *set, size_t count, const char *arena, const size_t *offs)
{
	size_t cap = set->cap ? set->cap : 64;
	uint32_t *slots;

	if (count * 2 < set->cap)
		return CH_OK;
	while (count * 2 >= cap)
		cap *= 2;
	slots = calloc(cap, sizeof *slots);
	if (!slots)
		return ch_error_set(CH_ERR_NOMEM, "out of memory de-duplicating names");
	free(set->slots);
	set->slots = slots;
	set->cap = cap;
	for (size_t k = 0; k < count; k++) {
		const char *s = arena + offs[k];
		set->slots[set_find(set, arena, offs, s, hash_str(s))] = (uint32_t)(k + 1);
	}
	return CH_OK;
}

static ch_err grow(void **p, size_t *cap, size_t need, size_t elem)
{
	size_t c = *cap ? *cap : 16;
	void *n;

	if (need <= *cap)
		return CH_OK;
	while (c < need)
		c *= 2;
	n = realloc(*p, c * elem);
	if (!n)
		return ch_error_set(CH_ERR_NOMEM, "out of memory collecting names");
	*p = n;
	*cap = c;
	return CH_OK;
}

/* store copies a string into the arena and returns its offset in *out. */
static ch_err store(ch_names *n, const char *s, size_t *out)
{
	size_t len = strlen(s) + 1;

	ch_err err;

	*out = n->arena.len;
	err = ch_buf_append(&n->arena, s, len);
	if (err == CH_ERR_LIMIT)
		err = ch_error_set(CH_ERR_LIMIT, "the names of one certificate exceed %u bytes",
				   NAMES_ARENA_MAX);
	return err;
}

static ch_err reserve_names(ch_names *n)
{
	size_t cap = n->cap_names;
	ch_err err;

	if (n->num_names >= CH_NAMES_MAX_PER_CERT)
		return ch_error_set(CH_ERR_LIMIT, "more than %u names in one certificate",
				    CH_NAMES_MAX_PER_CERT);
	if (n->num_names < cap)
		return CH_OK;
	err = grow((void **)&n->name_off, &cap, n->num_names + 1, sizeof *n->name_off);
	if (!err)
		err = grow((void **)&n->uni_off, &(size_t){n->cap_names}, cap, sizeof *n->uni_off);
	if (!err)
		err = grow((void **)&n->dom_of, &(size_t){n->cap_names}, cap, sizeof *n->dom_of);
	if (!err)
		err = grow((void **)&n->kinds, &(size_t){n->cap_names}, cap, sizeof *n->kinds);
	if (!err)
		n->cap_names = cap;
	return err;
}

/* add_domain records the registrable domain at arena offset `off` if it is new. */
static ch_err add_domain(ch_names *n, size_t off)
{
	const char *s = n->arena.data + off;
	uint64_t h = hash_str(s);
	size_t slot, cap = n->cap_rd;
	ch_err err;

	err = set_grow(&n->rd_set, n->num_rd, n->arena.data, n->rd_off);
	if (err)
		return err;
	slot = set_find(&n->rd_set, n->arena.data, n->rd_off, s, h);
	if (n->rd_set.slots[slot])
		return CH_OK;
	err = grow((void **)&n->rd_off, &cap, n->num_rd + 1, sizeof *n->rd_off);
	if (!err)
		err = grow((void **)&n->rd_type, &(size_t){n->cap_rd}, cap, sizeof *n->rd_type);
	if (err)
		return err;
	n->cap_rd = cap;
	n->rd_off[n->num_rd] = off;
	n->rd_type[n->num_rd] = ch_names_suffix_type(n, s);
	n->rd_set.slots[slot] = (uint32_t)++n->num_rd;
	return CH_OK;
}

/* add_candidate normalises one SAN dNSName or CN and keeps it if host-like and new. */
static ch_err add_candidate(ch_names *n, const char *p, size_t len)
{
	char norm[CH_NAME_BUF], uni[CH_NAME_BUF];
	ch_name_kind kind;
	const char *rd;
	size_t slot, off, i;
	ch_err err;

	if (ch_name_normalize(norm, p, len) != CH_OK ||
	    (kind = ch_name_classify(norm)) == CH_NAME_NOT_HOST) {
		n->result.num_dropped++;
		return CH_OK;
	}
	err = set_grow(&n->name_set, n->num_names, n->arena.data, n->name_off);
	if (err)
		return err;
	slot = set_find(&n->name_set, n->arena.data, n->name_off, norm, hash_str(norm));
	if (n->name_set.slots[slot])
		return CH_OK;
	err = reserve_names(n);
	if (!err)
		err = store(n, norm, &off);
	if (err)
		return err;
	i = n->num_names++;
	n->name_set.slots[slot] = (uint32_t)n->num_names;
	n->name_off[i] = off;
	n->uni_off[i] = off;
	n->kinds[i] = kind;
	n->dom_of[i] = SIZE_MAX;
	if (strstr(norm, "\\0"))
		n->result.has_nul = true;
	if (strstr(norm, "xn--") && ch_name_to_unicode(uni, norm)) {
		n->result.has_idn = true;
		err = store(n, uni, &n->uni_off[i]);
		if (err)
			return err;
	}
	rd = ch_names_registered_domain(n, norm);
	if (rd) {
		n->dom_of[i] = off + (size_t)(rd - norm); /* a suffix of the stored name */
		err = add_domain(n, n->dom_of[i]);
	}
	return err;
}

/* publish turns offsets into the pointer arrays of n->result. */
static ch_err publish(ch_names *n)
{
	size_t need = 3 * n->num_names + n->num_rd;
	const char **p;
	ch_err err = grow((void **)&n->ptrs, &n->cap_ptrs, need ? need : 1, sizeof *n->ptrs);
	const char *a = n->arena.data;

	if (err)
		return err;
	p = n->ptrs;
	for (size_t i = 0; i < n->num_names; i++) {
		p[i] = a + n->name_off[i];
		p[n->num_names + i] = a + n->uni_off[i];
		p[2 * n->num_names + i] = n->dom_of[i] == SIZE_MAX ? NULL : a + n->dom_of[i];
	}
	for (size_t i = 0; i < n->num_rd; i++)
		p[3 * n->num_names + i] = a + n->rd_off[i];
	n->result.names = p;
	n->result.unicode = p + n->num_names;
	n->result.domains = p + 2 * n->num_names;
	n->result.kinds = n->kinds;
	n->result.num_names = n->num_names;
	n->result.registered_domains = p + 3 * n->num_names;
	n->result.suffix_types = n->rd_type;
	n->result.num_registered_domains = n->num_rd;
	return CH_OK;
}

ch_err ch_names_of_cert(ch_names *n, const ch_cert *c, const ch_cert_names **out)
{
	ch_err err = CH_OK;

	*out = NULL;
	ch_buf_reset(&n->arena);
	set_clear(&n->name_set);
	set_clear(&n->rd_set);
	n->num_names = n->num_rd = 0;
	memset(&n->result, 0, sizeof n->result);
	for (size_t i = 0; i < c->san.num_dns; i++)
		CH_TRY(add_candidate(n, c->san.dns[i].s, c->san.dns[i].len));
	for (size_t i = 0; i < c->subject.num_attrs; i++) {
		const ch_dn_attr *at = &c->subject.attrs[i];
		if (at->id == CH_ATTR_CN)
			CH_TRY(add_candidate(n, at->value.s, at->value.len));
	}
	CH_TRY(publish(n));
	*out = &n->result;
out:
	return err;
}
