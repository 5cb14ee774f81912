/* OID names as OpenSSL spells them (table generated from OpenSSL by tools/gen_oids.c). */
#include "internal.h"

#include <string.h>

struct oid_ent {
	int len;
	const char *der;
	const char *sn;
	const char *ln;
	const char *text;
};

static const struct oid_ent table[] = {
#include "oid_table.inc"
};

static const struct oid_ent *find(const uint8_t *oid, size_t len)
{
	size_t lo = 0, hi = sizeof table / sizeof table[0];

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct oid_ent *e = &table[mid];
		size_t n = (size_t)e->len < len ? (size_t)e->len : len;
		int c = memcmp(e->der, oid, n);
		if (c == 0)
			c = (size_t)e->len < len ? -1 : (size_t)e->len > len ? 1 : 0;
		if (c == 0)
			return e;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

const char *ch_x509__oid_sn(const uint8_t *oid, size_t len)
{
	const struct oid_ent *e = find(oid, len);
	return e && e->sn[0] ? e->sn : NULL;
}

const char *ch_x509__oid_ln(const uint8_t *oid, size_t len)
{
	const struct oid_ent *e = find(oid, len);
	return e && e->ln[0] ? e->ln : NULL;
}

const char *ch_x509__oid_text(ch_arena *a, const uint8_t *oid, size_t len)
{
	char buf[256];
	const struct oid_ent *e = find(oid, len);

	if (e)
		return e->text;
	if (!ch_der_oid_to_text(buf, sizeof buf, oid, len))
		return "?";
	return ch_x509__strndup(a, buf, strlen(buf));
}

bool ch_x509__oid_eq(ch_der oid, const char *der, size_t len)
{
	return oid.len == len && memcmp(oid.data, der, len) == 0;
}
