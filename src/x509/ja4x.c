/* FoxIO JA4X: issuer RDN OIDs, subject RDN OIDs and extension OIDs, each as comma-separated hex
 * of the encoded OID in the order seen, SHA-256'd and truncated to 12 hex digits; an empty list
 * gives twelve zeros. */
#include "internal.h"

#include <string.h>

static ch_err part_hash(ch_hash *h, char out[13], const ch_bytes *oids, size_t n)
{
	char buf[4096];
	char hex[16];
	uint8_t md[32];
	size_t k = 0;
	ch_err err;

	if ((err = ch_hash_sha256_begin(h)))
		return err;
	for (size_t i = 0; i < n; i++) {
		size_t len = oids[i].len > 64 ? 64 : oids[i].len;
		if (k + 2 * len + 2 > sizeof buf) {
			if ((err = ch_hash_sha256_add(h, buf, k)))
				return err;
			k = 0;
		}
		if (i)
			buf[k++] = ',';
		ch_hex_encode(buf + k, oids[i].data, len);
		k += 2 * len;
	}
	if ((err = ch_hash_sha256_add(h, buf, k)) || (err = ch_hash_sha256_end(h, md)))
		return err;
	ch_hex_encode(hex, md, 6);
	memcpy(out, hex, 13);
	return CH_OK;
}

/* part: one JA4X part, through the context's memo keyed on the exact OID list (a CT stream
 * repeats a few dozen issuer, subject and extension layouts). */
static ch_err part(ch_cert_priv *priv, char out[13], const ch_bytes *oids, size_t n)
{
	uint8_t key[CH_JA4X_MEMO_KEY];
	size_t k = 0;
	uint64_t h = 14695981039346656037ull;
	ch_ja4x_memo *m;
	ch_err err;

	if (n == 0) {
		memcpy(out, "000000000000", 13);
		return CH_OK;
	}
	for (size_t i = 0; i < n; i++) {
		if (oids[i].len > 255 || k + 1 + oids[i].len > sizeof key)
			return part_hash(priv->hash, out, oids, n); /* too long to memoise */
		key[k++] = (uint8_t)oids[i].len;
		memcpy(key + k, oids[i].data, oids[i].len);
		k += oids[i].len;
	}
	for (size_t i = 0; i < k; i++)
		h = (h ^ key[i]) * 1099511628211ull;
	m = &priv->ja4x_memo[h % CH_JA4X_MEMO];
	if (m->len == k && !memcmp(m->key, key, k)) {
		memcpy(out, m->part, 13);
		return CH_OK;
	}
	if ((err = part_hash(priv->hash, out, oids, n)))
		return err;
	m->len = (uint16_t)k;
	memcpy(m->key, key, k);
	memcpy(m->part, out, 13);
	return CH_OK;
}

/* name_oids re-walks a Name for the attribute type OIDs (views into the DER). */
static size_t name_oids(ch_bytes *out, size_t cap, ch_bytes name)
{
	ch_der c = {name.data, name.len}, seq, rdn, atv, oid;
	size_t n = 0;
	unsigned tag;

	if (!ch_der_get_any_ber(&c, &seq, &tag, NULL, NULL))
		return 0;
	while (ch_der_get_any_ber(&seq, &rdn, &tag, NULL, NULL))
		while (ch_der_get_any_ber(&rdn, &atv, &tag, NULL, NULL))
			if (ch_der_get_any_ber(&atv, &oid, &tag, NULL, NULL) && tag == CH_DER_OID && n < cap)
				out[n++] = (ch_bytes){oid.data, oid.len};
	return n;
}

ch_err ch_x509__ja4x(ch_parse *p)
{
	ch_cert *c = p->cert;
	ch_cert_priv *priv = c->priv_;
	size_t cap = c->issuer.num_attrs + c->subject.num_attrs + c->num_exts + 1;
	ch_bytes *oids = ch_x509__alloc(p->arena, cap * sizeof *oids);
	char a[13], b[13], e[13];
	size_t ni, ns;
	ch_err err;

	if (!oids)
		return ch_x509__fail(p, c->der.data, "out of memory");
	ni = name_oids(oids, cap, c->issuer.der);
	if ((err = part(priv, a, oids, ni)))
		return err;
	ns = name_oids(oids, cap, c->subject.der);
	if ((err = part(priv, b, oids, ns)))
		return err;
	for (size_t i = 0; i < c->num_exts; i++)
		oids[i] = c->exts[i].oid;
	if ((err = part(priv, e, oids, c->num_exts)))
		return err;
	memcpy(c->ja4x, a, 12);
	c->ja4x[12] = '_';
	memcpy(c->ja4x + 13, b, 12);
	c->ja4x[25] = '_';
	memcpy(c->ja4x + 26, e, 12);
	c->ja4x[38] = '\0';
	return CH_OK;
}
