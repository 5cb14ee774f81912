/* Distinguished names: every RDN and attribute decoded to UTF-8, and the RFC 4514 text in the
 * style of `openssl x509 -nameopt RFC2253` (reversed order, ',' between RDNs, '+' inside one,
 * OpenSSL short names, dotted OIDs and #hex for what OpenSSL does not know), except that
 * non-ASCII text stays readable UTF-8 instead of \XX escapes. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static const struct {
	const char *der;
	ch_attr_id id;
} attr_ids[] = {
	{"\x55\x04\x03", CH_ATTR_CN},
	{"\x55\x04\x0a", CH_ATTR_O},
	{"\x55\x04\x0b", CH_ATTR_OU},
	{"\x55\x04\x06", CH_ATTR_C},
	{"\x55\x04\x08", CH_ATTR_ST},
	{"\x55\x04\x07", CH_ATTR_L},
};

static ch_attr_id attr_id(ch_der oid)
{
	if (oid.len == 3) {
		for (size_t i = 0; i < sizeof attr_ids / sizeof attr_ids[0]; i++)
			if (memcmp(oid.data, attr_ids[i].der, 3) == 0)
				return attr_ids[i].id;
	}
	if (CH_OID_EQ(oid, "\x2a\x86\x48\x86\xf7\x0d\x01\x09\x01"))
		return CH_ATTR_EMAIL;
	return CH_ATTR_OTHER;
}

/* Whether OpenSSL prints this value type as text (others are dumped as #hex). */
static bool text_type(unsigned tag)
{
	switch (tag) {
	case CH_DER_UTF8_STRING:
	case CH_DER_NUMERIC_STRING:
	case CH_DER_PRINTABLE_STRING:
	case CH_DER_T61_STRING:
	case CH_DER_IA5_STRING:
	case CH_DER_UTC_TIME:
	case CH_DER_GENERALIZED_TIME:
	case CH_DER_VISIBLE_STRING:
	case CH_DER_UNIVERSAL_STRING:
	case CH_DER_BMP_STRING:
		return true;
	default:
		return false;
	}
}

static size_t count_attrs(ch_parse *p, ch_der name, bool *ok)
{
	size_t n = 0;
	ch_der rdn, atv;

	*ok = true;
	while (name.len) {
		if (!ch_x509__get(p, &name, &rdn, CH_DER_SET)) {
			*ok = false;
			return 0;
		}
		while (rdn.len) {
			if (!ch_x509__get(p, &rdn, &atv, CH_DER_SEQUENCE)) {
				*ok = false;
				return 0;
			}
			n++;
		}
	}
	return n;
}

/* Escaped value text: RFC 2253 specials with '\', controls as \XX, UTF-8 kept. */
static size_t escape_value(char *o, const ch_str *v)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t k = 0;

	for (size_t i = 0; i < v->len; i++) {
		uint8_t c = (uint8_t)v->s[i];
		bool first = i == 0, last = i + 1 == v->len;
		if (c == ',' || c == '+' || c == '"' || c == '\\' || c == '<' || c == '>' || c == ';') {
			o[k++] = '\\';
			o[k++] = (char)c;
		} else if ((first && (c == '#' || c == ' ')) || (last && c == ' ')) {
			o[k++] = '\\';
			o[k++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			o[k++] = '\\';
			o[k++] = hex[c >> 4];
			o[k++] = hex[c & 15];
		} else {
			o[k++] = (char)c;
		}
	}
	return k;
}

static size_t hexdump(char *o, ch_der elem)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t k = 0;

	o[k++] = '#';
	for (size_t i = 0; i < elem.len; i++) {
		o[k++] = hex[elem.data[i] >> 4];
		o[k++] = hex[elem.data[i] & 15];
	}
	return k;
}

/* build_text renders the DN, last RDN first. raw[i] is attribute i's whole value element. */
static ch_err build_text(ch_parse *p, ch_dn *dn, const ch_der *raw)
{
	size_t cap = 1;
	char *o;
	size_t k = 0;

	for (size_t i = 0; i < dn->num_attrs; i++)
		cap += strlen(dn->attrs[i].short_name ? dn->attrs[i].short_name : dn->attrs[i].oid) +
		       2 + 3 * dn->attrs[i].value.len + 2 * raw[i].len + 2;
	o = ch_x509__alloc(p->arena, cap);
	if (!o)
		return ch_x509__fail(p, dn->der.data, "name too large");
	for (size_t j = dn->num_attrs; j-- > 0;) {
		const ch_dn_attr *a = &dn->attrs[j];
		const char *fn = a->short_name ? a->short_name : a->oid;
		if (j + 1 < dn->num_attrs)
			o[k++] = dn->attrs[j + 1].rdn == a->rdn ? '+' : ',';
		memcpy(o + k, fn, strlen(fn));
		k += strlen(fn);
		o[k++] = '=';
		if (!a->short_name || !text_type(a->tag))
			k += hexdump(o + k, raw[j]);
		else
			k += escape_value(o + k, &a->value);
	}
	o[k] = '\0';
	dn->text = o;
	return CH_OK;
}

static ch_err parse_atv(ch_parse *p, ch_dn_attr *a, ch_der *raw, ch_der atv, unsigned rdn)
{
	ch_der oid, val;
	unsigned tag;
	ch_der c = atv;

	if (!ch_x509__get(p, &c, &oid, CH_DER_OID))
		return ch_x509__fail(p, atv.data, "name attribute type");
	raw->data = c.data;
	{
		bool ber = false;
		if (!ch_der_get_fast(&c, &val, &tag, &ber) || c.len != 0)
			return ch_x509__fail(p, c.data, "name attribute value");
		if (ber)
			p->cert->anomalies |= CH_ANOM_BER;
	}
	raw->len = (size_t)(c.data - raw->data);
	a->id = attr_id(oid);
	{
		const ch_oid_memo *m = ch_x509__oid(p, oid);
		a->short_name = m->sn;
		a->oid = m->text ? m->text : ch_x509__oid_text(p, oid);
	}
	a->tag = tag;
	a->rdn = rdn;
	if (text_type(tag))
		return ch_x509__string_to_utf8(p, &a->value, tag, val);
	/* Not a string: keep the #hex form as the value so nothing is lost. */
	{
		char *o = ch_x509__alloc(p->arena, 2 * raw->len + 2);
		if (!o)
			return ch_x509__fail(p, val.data, "out of memory");
		a->value.len = hexdump(o, *raw);
		o[a->value.len] = '\0';
		a->value.s = o;
	}
	return CH_OK;
}

static ch_err decode_name(ch_parse *p, ch_dn *out, ch_der name_elem)
{
	ch_der name = name_elem, rdn, atv, *raw = NULL;
	size_t n, i = 0;
	unsigned r = 0;
	bool ok;
	ch_err err;

	memset(out, 0, sizeof *out);
	out->der.data = name_elem.data;
	out->der.len = name_elem.len;
	if (!ch_x509__get(p, &name, &name, CH_DER_SEQUENCE))
		return ch_x509__fail(p, name_elem.data, "Name is not a SEQUENCE");
	/* An attribute takes at least 9 octets (SET, SEQUENCE, a one-octet OID, an empty value),
	 * which bounds the array without a counting pass over short names; long ones are counted. */
	if (name.len <= 1024) {
		n = name.len / 9 + 1;
	} else {
		n = count_attrs(p, name, &ok);
		if (!ok)
			return ch_x509__fail(p, name.data, "malformed RelativeDistinguishedName");
		if (n > CH_CERT_MAX_ITEMS)
			return ch_x509__fail(p, name.data, "too many name attributes");
	}
	out->attrs = ch_x509__alloc(p->arena, (n ? n : 1) * sizeof *out->attrs);
	raw = ch_x509__alloc(p->arena, (n ? n : 1) * sizeof *raw);
	if (!out->attrs || !raw)
		return ch_x509__fail(p, name.data, "out of memory");
	while (name.len) {
		if (!ch_x509__get(p, &name, &rdn, CH_DER_SET))
			return ch_x509__fail(p, name.data, "malformed RelativeDistinguishedName");
		while (rdn.len) {
			if (!ch_x509__get(p, &rdn, &atv, CH_DER_SEQUENCE) || i >= n)
				return ch_x509__fail(p, rdn.data, "malformed RelativeDistinguishedName");
			err = parse_atv(p, &out->attrs[i], &raw[i], atv, r);
			if (err)
				return err;
			i++;
		}
		r++;
	}
	out->num_attrs = i;
	return build_text(p, out, raw);
}

const ch_str *ch_dn_get(const ch_dn *dn, ch_attr_id id, size_t idx)
{
	for (size_t i = 0; i < dn->num_attrs; i++)
		if (dn->attrs[i].id == id && idx-- == 0)
			return &dn->attrs[i].value;
	return NULL;
}

/* memo_store copies a decoded issuer Name into one persistent block of the context, so the
 * next certificate from the same CA reuses it (CT streams repeat a few dozen issuers). */
static void memo_store(ch_cert_priv *priv, const ch_dn *dn, unsigned anomalies)
{
	ch_dn_memo *m = &priv->dn_memo[priv->dn_memo_next];
	size_t need = dn->der.len + dn->num_attrs * sizeof(ch_dn_attr) + strlen(dn->text) + 1;
	char *blk, *w;

	if (dn->der.len > 1024 || dn->num_attrs > 32)
		return;
	for (size_t i = 0; i < dn->num_attrs; i++)
		need += dn->attrs[i].value.len + 1 + strlen(dn->attrs[i].oid) + 1;
	blk = malloc(need);
	if (!blk)
		return; /* the memo is an optimisation only */
	free(m->block);
	m->block = blk;
	m->attrs = (ch_dn_attr *)blk;
	w = blk + dn->num_attrs * sizeof(ch_dn_attr);
	memcpy(m->attrs, dn->attrs, dn->num_attrs * sizeof(ch_dn_attr));
	for (size_t i = 0; i < dn->num_attrs; i++) {
		ch_dn_attr *a = &m->attrs[i];
		memcpy(w, a->value.s, a->value.len + 1);
		a->value.s = w;
		w += a->value.len + 1;
		memcpy(w, a->oid, strlen(a->oid) + 1);
		a->oid = w;
		w += strlen(w) + 1;
	}
	memcpy(w, dn->text, strlen(dn->text) + 1);
	m->text = w;
	w += strlen(w) + 1;
	memcpy(w, dn->der.data, dn->der.len);
	m->der = (const uint8_t *)w;
	m->der_len = dn->der.len;
	m->num_attrs = dn->num_attrs;
	m->anomalies = anomalies;
	priv->dn_memo_next = (priv->dn_memo_next + 1) % CH_DN_MEMO;
}

ch_err ch_x509__parse_name(ch_parse *p, ch_dn *out, ch_der name_elem, bool memo)
{
	ch_cert_priv *priv = p->cert->priv_;
	unsigned before = p->cert->anomalies;
	ch_err err;

	if (memo) {
		for (size_t i = 0; i < CH_DN_MEMO; i++) {
			const ch_dn_memo *m = &priv->dn_memo[i];
			if (m->der_len != name_elem.len || memcmp(m->der, name_elem.data, m->der_len))
				continue;
			out->der = (ch_bytes){name_elem.data, name_elem.len};
			out->attrs = m->attrs;
			out->num_attrs = m->num_attrs;
			out->text = m->text;
			p->cert->anomalies |= m->anomalies;
			return CH_OK;
		}
	}
	p->cert->anomalies = 0;
	err = decode_name(p, out, name_elem);
	if (err == CH_OK && memo)
		memo_store(priv, out, p->cert->anomalies);
	p->cert->anomalies |= before;
	return err;
}
