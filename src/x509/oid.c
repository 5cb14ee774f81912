/* OID names as OpenSSL spells them (table generated from OpenSSL by tools/gen_oids.c). */
#include "internal.h"

#include <string.h>

struct oid_ent {
	uint64_t key; /* first eight octets, big-endian, zero-padded */
	int len;
	const char *der;
	const char *sn;
	const char *ln;
	const char *text;
};

static const struct oid_ent table[] = {
#include "oid_table.inc"
};

static uint64_t key_of(const uint8_t *oid, size_t len)
{
	uint64_t k = 0;

	if (len >= 8) {
		for (size_t i = 0; i < 8; i++) /* compilers turn this into a load and a bswap */
			k = k << 8 | oid[i];
		return k;
	}
	for (size_t i = 0; i < 8; i++)
		k = k << 8 | (i < len ? oid[i] : 0);
	return k;
}

static const struct oid_ent *find(const uint8_t *oid, size_t len)
{
	size_t lo = 0, hi = sizeof table / sizeof table[0];
	uint64_t k = key_of(oid, len);

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct oid_ent *e = &table[mid];
		int c;
		if (e->key != k)
			c = e->key < k ? -1 : 1;
		else if ((size_t)e->len != len)
			c = (size_t)e->len < len ? -1 : 1;
		else
			c = len <= 8 ? 0 : memcmp(e->der + 8, oid + 8, len - 8);
		if (c == 0)
			return e;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

bool ch_x509__oid_eq(ch_der oid, const char *der, size_t len)
{
	return oid.len == len && memcmp(oid.data, der, len) == 0;
}

const ch_oid_memo *ch_x509__oid(ch_parse *p, ch_der oid)
{
	ch_cert_priv *priv = p->cert->priv_;
	uint64_t k;
	ch_oid_memo *m;
	const struct oid_ent *e;

	if (oid.len == 0 || oid.len > sizeof ((ch_oid_memo *)0)->der) {
		static const ch_oid_memo none = {0};
		return &none; /* not memoised; text NULL means "format it yourself" */
	}
	/* slot from the first eight octets (the table's key) and the length; a hit compares the
	 * key and length, and the rest only for OIDs longer than eight octets */
	k = key_of(oid.data, oid.len);
	{
		/* OIDs often share their first eight octets (1.2.840.113549.1.1.x): mix in the rest */
		uint64_t h = k ^ oid.len;
		for (size_t i = 8; i < oid.len; i++)
			h = (h ^ oid.data[i]) * 0x100000001b3ull;
		m = &priv->memo[((h ^ (h >> 29)) * 0x9e3779b97f4a7c15ull) >> (64 - 9)];
	}
	if (m->key == k && m->len == oid.len &&
	    (oid.len <= 8 || !memcmp(m->der + 8, oid.data + 8, oid.len - 8)))
		return m;
	m->key = k;
	m->len = (uint8_t)oid.len;
	memcpy(m->der, oid.data, oid.len);
	e = find(oid.data, oid.len);
	if (e) {
		m->sn = e->sn[0] ? e->sn : NULL;
		m->ln = e->ln[0] ? e->ln : NULL;
		m->text = e->text;
	} else {
		m->sn = m->ln = NULL;
		m->text = ch_der_oid_to_text(m->buf, sizeof m->buf, oid.data, oid.len) ? m->buf : NULL;
	}
	return m;
}

const char *ch_x509__oid_text(ch_parse *p, ch_der oid)
{
	const ch_oid_memo *m = ch_x509__oid(p, oid);
	char buf[256];

	if (m->text)
		return m->text;
	if (!ch_der_oid_to_text(buf, sizeof buf, oid.data, oid.len))
		return "?";
	return ch_x509__strndup(p->arena, buf, strlen(buf));
}

const char *ch_x509__oid_sn(ch_parse *p, ch_der oid)
{
	const ch_oid_memo *m = ch_x509__oid(p, oid);
	return m->sn ? m->sn : ch_x509__oid_text(p, oid);
}

const char *ch_x509__oid_ln(ch_parse *p, ch_der oid)
{
	const ch_oid_memo *m = ch_x509__oid(p, oid);
	return m->ln ? m->ln : ch_x509__oid_text(p, oid);
}
