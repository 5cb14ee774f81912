/* monitor: a small string multimap (open addressing, FNV-1a), the confusables table and the
 * skeleton that folds look-alike characters to ASCII. */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t ch_mon__hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h ? h : 1;
}

static ch_err grow(ch_mon_map *m)
{
	ch_mon_map n = {0};
	size_t cap = m->cap ? m->cap * 2 : 64;

	n.cap = cap;
	n.hash = calloc(cap, sizeof *n.hash);
	n.key = calloc(cap, sizeof *n.key);
	n.klen = calloc(cap, sizeof *n.klen);
	n.val = calloc(cap, sizeof *n.val);
	if (!n.hash || !n.key || !n.klen || !n.val) {
		free(n.hash);
		free(n.key);
		free(n.klen);
		free(n.val);
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	}
	for (size_t i = 0; i < m->cap; i++) {
		size_t j;
		if (!m->hash[i])
			continue;
		for (j = m->hash[i] & (cap - 1); n.hash[j]; j = (j + 1) & (cap - 1))
			;
		n.hash[j] = m->hash[i];
		n.key[j] = m->key[i];
		n.klen[j] = m->klen[i];
		n.val[j] = m->val[i];
	}
	n.n = m->n;
	free(m->hash);
	free(m->key);
	free(m->klen);
	free(m->val);
	*m = n;
	return CH_OK;
}

ch_err ch_mon__map_put(ch_mon_map *m, const char *key, size_t len, uint32_t val)
{
	uint64_t h = ch_mon__hash(key, len);
	size_t j;
	char *k;
	ch_err err;

	/* the same (key, value) twice is stored once */
	{
		ch_mon_iter it;
		uint32_t v;
		ch_mon__map_find(&it, m, key, len);
		while (ch_mon__map_next(&it, &v))
			if (v == val)
				return CH_OK;
	}
	if ((m->n + 1) * 2 > m->cap && (err = grow(m)) != CH_OK)
		return err;
	if (!(k = malloc(len + 1)))
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	memcpy(k, key, len);
	k[len] = '\0';
	for (j = h & (m->cap - 1); m->hash[j]; j = (j + 1) & (m->cap - 1))
		;
	m->hash[j] = h;
	m->key[j] = k;
	m->klen[j] = (uint32_t)len;
	m->val[j] = val;
	m->n++;
	return CH_OK;
}

void ch_mon__map_free(ch_mon_map *m)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->hash[i])
			free(m->key[i]);
	free(m->hash);
	free(m->key);
	free(m->klen);
	free(m->val);
	memset(m, 0, sizeof *m);
}

void ch_mon__map_find(ch_mon_iter *it, const ch_mon_map *m, const char *key, size_t len)
{
	it->m = m;
	it->key = key;
	it->len = len;
	it->h = ch_mon__hash(key, len);
	it->done = m->cap == 0;
	it->i = m->cap ? it->h & (m->cap - 1) : 0;
}

bool ch_mon__map_next(ch_mon_iter *it, uint32_t *val)
{
	const ch_mon_map *m = it->m;

	while (!it->done && m->hash[it->i]) {
		size_t i = it->i;
		it->i = (it->i + 1) & (m->cap - 1);
		if (m->hash[i] == it->h && m->klen[i] == it->len && !memcmp(m->key[i], it->key, it->len)) {
			*val = m->val[i];
			return true;
		}
	}
	it->done = true;
	return false;
}

bool ch_mon__map_has(const ch_mon_map *m, const char *key, size_t len)
{
	ch_mon_iter it;
	uint32_t v;

	ch_mon__map_find(&it, m, key, len);
	return ch_mon__map_next(&it, &v);
}

/* ---- confusables --------------------------------------------------------------------------- */

static int cmp_conf(const void *a, const void *b)
{
	uint32_t x = ((const ch_mon_conf *)a)->cp, y = ((const ch_mon_conf *)b)->cp;

	return (x > y) - (x < y);
}

/* copy8 copies a string already checked to be shorter than 8 bytes into an 8-byte field. */
static void copy8(char dst[8], const char *src)
{
	size_t n = strnlen(src, 7);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static ch_err conf_line(ch_monitor *m, char *line, const char *where)
{
	char from[64], to[64];
	void *a;

	if (sscanf(line, "%63s %63s", from, to) != 2 || strlen(to) >= 8)
		return ch_error_set(CH_ERR_PARSE, "%s: wants SOURCE TARGET", where);
	if (!strncmp(from, "U+", 2)) {
		char *end;
		unsigned long cp = strtoul(from + 2, &end, 16);
		if (*end || cp > 0x10ffff)
			return ch_error_set(CH_ERR_PARSE, "%s: bad code point %s", where, from);
		if (!(a = realloc(m->conf, (m->num_conf + 1) * sizeof *m->conf)))
			return ch_error_set(CH_ERR_NOMEM, "out of memory");
		m->conf = a;
		m->conf[m->num_conf].cp = (uint32_t)cp;
		copy8(m->conf[m->num_conf].to, to);
		m->num_conf++;
		return CH_OK;
	}
	if (strlen(from) >= 8)
		return ch_error_set(CH_ERR_PARSE, "%s: source longer than 7 bytes", where);
	if (!(a = realloc(m->seq, (m->num_seq + 1) * sizeof *m->seq)))
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	m->seq = a;
	copy8(m->seq[m->num_seq].from, from);
	copy8(m->seq[m->num_seq].to, to);
	m->seq[m->num_seq].from_len = strlen(from);
	m->num_seq++;
	return CH_OK;
}

ch_err ch_mon__load_confusables(ch_monitor *m, const char *dir)
{
	char path[4200], line[512], where[4300];
	FILE *f;
	unsigned n = 0;
	ch_err err = CH_OK;

	snprintf(path, sizeof path, "%s/confusables.txt", dir);
	if (!(f = fopen(path, "r")))
		return ch_error_set(CH_ERR_IO, "%s: %s", path, strerror(errno));
	while (!err && fgets(line, sizeof line, f)) {
		char *hash = strchr(line, '#'), *p = line;
		n++;
		if (hash)
			*hash = '\0';
		while (*p == ' ' || *p == '\t')
			p++;
		if (!*p || *p == '\n' || *p == '\r')
			continue;
		snprintf(where, sizeof where, "%s:%u", path, n);
		err = conf_line(m, p, where);
	}
	fclose(f);
	if (!err && m->num_conf > 1)
		qsort(m->conf, m->num_conf, sizeof *m->conf, cmp_conf);
	return err;
}

/* utf8 decodes one code point at s (n bytes left) into *cp; returns its length (1 on bad). */
static size_t utf8(const unsigned char *s, size_t n, uint32_t *cp)
{
	if (s[0] < 0x80 || n < 2) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		*cp = ((uint32_t)(s[0] & 0x1f) << 6) | (s[1] & 0x3f);
		return 2;
	}
	if ((s[0] & 0xf0) == 0xe0 && n >= 3) {
		*cp = ((uint32_t)(s[0] & 0x0f) << 12) | ((uint32_t)(s[1] & 0x3f) << 6) | (s[2] & 0x3f);
		return 3;
	}
	if ((s[0] & 0xf8) == 0xf0 && n >= 4) {
		*cp = ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3f) << 12) |
		      ((uint32_t)(s[2] & 0x3f) << 6) | (s[3] & 0x3f);
		return 4;
	}
	*cp = 0xfffd;
	return 1;
}

static unsigned script_of(uint32_t cp)
{
	if (cp < 0x80)
		return isalpha((int)cp) ? CH_MON_SCRIPT_LATIN : 0;
	if (cp < 0x250 || (cp >= 0x1e00 && cp <= 0x1eff))
		return CH_MON_SCRIPT_LATIN;
	if (cp >= 0x370 && cp <= 0x3ff)
		return CH_MON_SCRIPT_GREEK;
	if (cp >= 0x400 && cp <= 0x52f)
		return CH_MON_SCRIPT_CYRILLIC;
	return CH_MON_SCRIPT_OTHER;
}

static void put(char *out, size_t cap, size_t *k, const char *s, size_t n)
{
	for (size_t i = 0; i < n && *k + 1 < cap; i++)
		out[(*k)++] = s[i];
}

size_t ch_mon__skeleton(const ch_monitor *m, char *out, size_t cap, const char *s, size_t len,
			unsigned *scripts)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, k = 0;

	*scripts = 0;
	while (i < len) {
		uint32_t cp;
		size_t n, q;
		const ch_mon_seq *hit = NULL;
		if (u[i] < 0x80) {
			for (size_t j = 0; j < m->num_seq && !hit; j++)
				if (m->seq[j].from_len <= len - i &&
				    !memcmp(m->seq[j].from, s + i, m->seq[j].from_len))
					hit = &m->seq[j];
			*scripts |= script_of(u[i]);
			if (hit) {
				put(out, cap, &k, hit->to, strlen(hit->to));
				i += hit->from_len;
			} else {
				char c = (char)tolower(u[i]);
				put(out, cap, &k, &c, 1);
				i++;
			}
			continue;
		}
		n = utf8(u + i, len - i, &cp);
		*scripts |= script_of(cp);
		{
			ch_mon_conf key = {.cp = cp}, *c = m->num_conf ?
				bsearch(&key, m->conf, m->num_conf, sizeof key, cmp_conf) : NULL;
			if (c)
				put(out, cap, &k, c->to, strlen(c->to));
			else
				put(out, cap, &k, s + i, n);
		}
		q = n;
		i += q;
	}
	out[k < cap ? k : cap - 1] = '\0';
	return k;
}

bool ch_mon__damerau1(const char *a, size_t al, const char *b, size_t bl)
{
	size_t i = 0;

	if (al == bl) {
		while (i < al && a[i] == b[i])
			i++;
		if (i == al)
			return false; /* equal */
		if (!memcmp(a + i + 1, b + i + 1, al - i - 1))
			return true; /* one substitution */
		return i + 1 < al && a[i] == b[i + 1] && a[i + 1] == b[i] &&
		       !memcmp(a + i + 2, b + i + 2, al - i - 2); /* a swap */
	}
	if (al + 1 == bl || bl + 1 == al) {
		const char *l = al > bl ? a : b, *s = al > bl ? b : a;
		size_t sl = al > bl ? bl : al;
		while (i < sl && l[i] == s[i])
			i++;
		return !memcmp(l + i + 1, s + i, sl - i);
	}
	return false;
}
