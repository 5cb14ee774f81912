/* The indicator table: open addressing over (tag, key bytes), several indicators per key through
 * a chain, so that a log line costs a few probes whatever the number of indicators. */
#include "corroborate/internal.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

uint64_t ch_corroborate__hash(uint8_t tag, const void *key, size_t n)
{
	const uint8_t *p = key;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ ((uint64_t)n * 0xff51afd7ed558ccdull) ^ tag;
	uint64_t v;

	while (n >= 8) {
		memcpy(&v, p, 8);
		h = (h ^ v) * 0xbf58476d1ce4e5b9ull;
		h ^= h >> 31;
		p += 8;
		n -= 8;
	}
	v = 0;
	memcpy(&v, p, n);
	h = (h ^ v) * 0x94d049bb133111ebull;
	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ull;
	h ^= h >> 32;
	return h;
}

uint32_t ch_corroborate__find(const corr_table *t, uint8_t tag, const void *key, size_t n,
			      uint64_t h)
{
	if (!t->slots)
		return 0;
	for (size_t i = h & t->mask;; i = (i + 1) & t->mask) {
		uint64_t v = t->slots[i];
		uint32_t s = (uint32_t)v;
		const corr_entry *e;
		if (!v)
			return 0;
		if ((v >> 32) != (h >> 32)) /* most misses end here, without touching the entry */
			continue;
		e = &t->e[s - 1];
		if (e->h == h && e->tag == tag && e->len == n && !memcmp(t->keys + e->off, key, n))
			return s;
	}
}

static ch_err grow_slots(corr_table *t)
{
	size_t nsz = t->slots ? (t->mask + 1) * 2 : 1024;
	uint64_t *ns = calloc(nsz, sizeof *ns);

	if (!ns)
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	for (size_t k = 0; t->slots && k <= t->mask; k++) {
		uint64_t s = t->slots[k];
		size_t i;
		if (!s)
			continue;
		for (i = t->e[(uint32_t)s - 1].h & (nsz - 1); ns[i]; i = (i + 1) & (nsz - 1))
			;
		ns[i] = s;
	}
	free(t->slots);
	t->slots = ns;
	t->mask = nsz - 1;
	return CH_OK;
}

ch_err ch_corroborate__insert(corr_table *t, uint8_t tag, const void *key, size_t n, uint32_t ind)
{
	uint64_t h = ch_corroborate__hash(tag, key, n);
	uint32_t head, s;
	corr_entry *e;

	if (n > 0xffff)
		return ch_error_set(CH_ERR_LIMIT, "indicator key too long");
	head = ch_corroborate__find(t, tag, key, n, h);
	for (s = head; s; s = t->e[s - 1].next)
		if (t->e[s - 1].ind == ind)
			return CH_OK;
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 1024;
		corr_entry *ne = realloc(t->e, nc * sizeof *ne);
		if (!ne)
			return ch_error_set(CH_ERR_NOMEM, "out of memory");
		t->e = ne;
		t->cap = nc;
	}
	if (t->keys_len + n > t->keys_cap) {
		size_t nc = t->keys_cap ? t->keys_cap * 2 : 65536;
		uint8_t *nk;
		while (nc < t->keys_len + n)
			nc *= 2;
		if (nc > 0xffffffffu || !(nk = realloc(t->keys, nc)))
			return ch_error_set(CH_ERR_NOMEM, "out of memory (indicator keys)");
		t->keys = nk;
		t->keys_cap = nc;
	}
	e = &t->e[t->n];
	e->h = h;
	e->off = (uint32_t)t->keys_len;
	e->len = (uint16_t)n;
	e->tag = tag;
	e->ind = ind;
	e->next = 0;
	memcpy(t->keys + t->keys_len, key, n);
	t->keys_len += n;
	t->n++;
	if (head) { /* append to the key's chain */
		for (s = head; t->e[s - 1].next; s = t->e[s - 1].next)
			;
		t->e[s - 1].next = (uint32_t)t->n;
		return CH_OK;
	}
	if (!t->slots || (t->heads + 1) * 2 > t->mask + 1) {
		ch_err err = grow_slots(t);
		if (err != CH_OK) {
			t->n--;
			return err;
		}
	}
	{
		size_t i;
		for (i = h & t->mask; t->slots[i]; i = (i + 1) & t->mask)
			;
		t->slots[i] = (h >> 32) << 32 | (uint32_t)t->n;
	}
	t->heads++;
	return CH_OK;
}

void ch_corroborate__table_free(corr_table *t)
{
	free(t->slots);
	free(t->e);
	free(t->keys);
	memset(t, 0, sizeof *t);
}

size_t ch_corroborate__ip(uint8_t out[16], const char *s)
{
	/* IPv4 fast path */
	unsigned part = 0, dots = 0, digits = 0;
	const char *p = s;

	for (;; p++) {
		if (*p >= '0' && *p <= '9') {
			part = part * 10 + (unsigned)(*p - '0');
			if (++digits > 3 || part > 255)
				break;
		} else if (*p == '.' && digits && dots < 3) {
			out[dots++] = (uint8_t)part;
			part = digits = 0;
		} else if (*p == '\0' && digits && dots == 3) {
			out[3] = (uint8_t)part;
			return 4;
		} else {
			break;
		}
	}
	if (strchr(s, ':')) {
		char tmp[64];
		const char *pct = strchr(s, '%'); /* zone index: fe80::1%eth0 */
		size_t n = pct ? (size_t)(pct - s) : strlen(s);
		if (n >= sizeof tmp)
			return 0;
		memcpy(tmp, s, n);
		tmp[n] = '\0';
		if (inet_pton(AF_INET6, tmp, out) != 1)
			return 0;
		if (!memcmp(out, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12)) {
			memmove(out, out + 12, 4);
			return 4;
		}
		return 16;
	}
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t ch_corroborate__fp(uint8_t out[32], const char *s, size_t n)
{
	size_t k = 0;
	int hi = -1;

	for (size_t i = 0; i < n; i++) {
		int v;
		if (s[i] == ':')
			continue;
		if ((v = hexval(s[i])) < 0)
			return 0;
		if (hi < 0) {
			hi = v;
		} else {
			if (k >= 32)
				return 0;
			out[k++] = (uint8_t)(hi * 16 + v);
			hi = -1;
		}
	}
	return hi < 0 && (k == 20 || k == 32) ? k : 0;
}
