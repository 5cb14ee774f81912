/* pivot: a small string -> index map (open addressing, FNV-1a) for the walk's node sets. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static uint64_t hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

void ch_pivot__map_free(ch_pv_map *m)
{
	for (size_t i = 0; i < m->cap; i++)
		free(m->keys[i]);
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof *m);
}

static size_t slot_of(const ch_pv_map *m, const char *key)
{
	size_t i = (size_t)hash_str(key) & (m->cap - 1);

	while (m->keys[i] && strcmp(m->keys[i], key) != 0)
		i = (i + 1) & (m->cap - 1);
	return i;
}

bool ch_pivot__map_get(const ch_pv_map *m, const char *key, size_t *out)
{
	size_t i;

	if (!m->cap)
		return false;
	i = slot_of(m, key);
	if (!m->keys[i])
		return false;
	*out = m->vals[i];
	return true;
}

static ch_err grow(ch_pv_map *m)
{
	ch_pv_map n = {0};

	n.cap = m->cap ? 2 * m->cap : 256;
	n.keys = calloc(n.cap, sizeof *n.keys);
	n.vals = calloc(n.cap, sizeof *n.vals);
	if (!n.keys || !n.vals) {
		free(n.keys);
		free(n.vals);
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < m->cap; i++)
		if (m->keys[i]) {
			size_t j = slot_of(&n, m->keys[i]);
			n.keys[j] = m->keys[i];
			n.vals[j] = m->vals[i];
		}
	n.used = m->used;
	free(m->keys);
	free(m->vals);
	*m = n;
	return CH_OK;
}

ch_err ch_pivot__map_put(ch_pv_map *m, const char *key, size_t val)
{
	size_t i;
	ch_err err;

	if ((m->used + 1) * 2 > m->cap && (err = grow(m)) != CH_OK)
		return err;
	i = slot_of(m, key);
	if (!m->keys[i]) {
		if (!(m->keys[i] = strdup(key)))
			return ch_error_set(CH_ERR_NOMEM, "out of memory");
		m->used++;
	}
	m->vals[i] = val;
	return CH_OK;
}
