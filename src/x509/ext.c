/* Extensions: the list itself (duplicates, unknown critical ones) and dispatch to decoders.
 * A known extension that fails to decode is flagged bad_extension and kept raw. */
#include "internal.h"

#include <string.h>

typedef bool (*ext_fn)(ch_parse *p, ch_der value);

bool ch_x509__ext_san(ch_parse *p, ch_der v);
bool ch_x509__ext_aia(ch_parse *p, ch_der v);
bool ch_x509__ext_crldp(ch_parse *p, ch_der v);
bool ch_x509__ext_policies(ch_parse *p, ch_der v);

static bool ext_bc(ch_parse *p, ch_der v)
{
	ch_der seq;
	uint64_t pl;
	bool lax = false;

	bool ca = false;
	int path_len = -1;

	if (!ch_x509__get(p, &v, &seq, CH_DER_SEQUENCE) || v.len)
		return false;
	if (ch_der_peek_tag(&seq, CH_DER_BOOLEAN) && !ch_der_get_bool(&seq, &ca, &lax))
		return false;
	p->cert->has_basic_constraints = true;
	p->cert->is_ca = ca;
	if (seq.len) {
		/* a negative or huge pathLen leaves cA readable; the extension is flagged */
		if (!ch_der_get_small_uint(&seq, &pl) || pl > 0x7fffffff)
			return false;
		path_len = (int)pl;
	}
	p->cert->path_len = path_len;
	return seq.len == 0;
}

static bool ext_ku(ch_parse *p, ch_der v)
{
	ch_der bits;
	unsigned ku = 0;

	if (!ch_x509__get(p, &v, &bits, CH_DER_BIT_STRING) || v.len || bits.len < 1 ||
	    bits.data[0] > 7)
		return false;
	for (size_t i = 1; i < bits.len && i < 3; i++)
		for (int b = 0; b < 8; b++)
			if (bits.data[i] & (0x80 >> b))
				ku |= 1u << ((i - 1) * 8 + (size_t)b);
	p->cert->has_key_usage = true;
	p->cert->key_usage = ku & 0x1ff;
	return true;
}

static bool ext_eku(ch_parse *p, ch_der v)
{
	ch_der seq, it, oid;
	size_t n = 0;

	if (!ch_x509__get(p, &v, &seq, CH_DER_SEQUENCE) || v.len)
		return false;
	for (it = seq; it.len; n++)
		if (!ch_x509__get(p, &it, &oid, CH_DER_OID) || !ch_x509__oid(p, oid)->text)
			return false; /* X.690 8.19: an OID has at least one well-formed subidentifier */
	p->cert->eku = ch_x509__alloc(p->arena, (n ? n : 1) * sizeof(char *));
	if (!p->cert->eku)
		return false;
	for (n = 0; ch_x509__get(p, &seq, &oid, CH_DER_OID); n++) {
		p->cert->eku[n] = ch_x509__oid_sn(p, oid);
	}
	p->cert->num_eku = n;
	return true;
}

static bool ext_ski(ch_parse *p, ch_der v)
{
	ch_der id;

	if (!ch_x509__get(p, &v, &id, CH_DER_OCTET_STRING) || v.len)
		return false;
	p->cert->ski.data = id.data;
	p->cert->ski.len = id.len;
	return true;
}

static bool ext_aki(ch_parse *p, ch_der v)
{
	ch_der seq, id;
	bool present;

	if (!ch_x509__get(p, &v, &seq, CH_DER_SEQUENCE) || v.len ||
	    !ch_der_get_optional(&seq, &id, &present, CH_DER_CTX(0)))
		return false;
	if (present) {
		p->cert->aki.data = id.data;
		p->cert->aki.len = id.len;
	}
	return true;
}

static bool ext_poison(ch_parse *p, ch_der v)
{
	p->cert->precert = true;
	return v.len == 2 && v.data[0] == 0x05 && v.data[1] == 0x00;
}

static bool ext_scts(ch_parse *p, ch_der v)
{
	ch_der os;

	if (!ch_x509__get(p, &v, &os, CH_DER_OCTET_STRING) || v.len)
		return false;
	return ch_x509__parse_scts(p, os) == CH_OK;
}

/* Extensions certhound decodes, and the standard ones it recognises without decoding (so that
 * a critical one is not "unknown"). */
static const struct {
	const char *oid;
	size_t len;
	ext_fn fn;
	const char *text;
} known[] = {
	{"\x55\x1d\x11", 3, ch_x509__ext_san, "2.5.29.17"},
	{"\x55\x1d\x13", 3, ext_bc, "2.5.29.19"},
	{"\x55\x1d\x0f", 3, ext_ku, "2.5.29.15"},
	{"\x55\x1d\x25", 3, ext_eku, "2.5.29.37"},
	{"\x55\x1d\x0e", 3, ext_ski, "2.5.29.14"},
	{"\x55\x1d\x23", 3, ext_aki, "2.5.29.35"},
	{"\x55\x1d\x1f", 3, ch_x509__ext_crldp, "2.5.29.31"},
	{"\x55\x1d\x20", 3, ch_x509__ext_policies, "2.5.29.32"},
	{"\x2b\x06\x01\x05\x05\x07\x01\x01", 8, ch_x509__ext_aia, "1.3.6.1.5.5.7.1.1"},
	{"\x2b\x06\x01\x04\x01\xd6\x79\x02\x04\x03", 10, ext_poison, "1.3.6.1.4.1.11129.2.4.3"},
	{"\x2b\x06\x01\x04\x01\xd6\x79\x02\x04\x02", 10, ext_scts, "1.3.6.1.4.1.11129.2.4.2"},
	{"\x55\x1d\x12", 3, NULL, "2.5.29.18"}, /* issuerAltName */
	{"\x55\x1d\x1e", 3, NULL, "2.5.29.30"}, /* nameConstraints */
	{"\x55\x1d\x24", 3, NULL, "2.5.29.36"}, /* policyConstraints */
	{"\x55\x1d\x21", 3, NULL, "2.5.29.33"}, /* policyMappings */
	{"\x55\x1d\x36", 3, NULL, "2.5.29.54"}, /* inhibitAnyPolicy */
	{"\x55\x1d\x09", 3, NULL, "2.5.29.9"}, /* subjectDirectoryAttributes */
	{"\x55\x1d\x2e", 3, NULL, "2.5.29.46"}, /* freshestCRL */
	{"\x2b\x06\x01\x05\x05\x07\x01\x0b", 8, NULL, "1.3.6.1.5.5.7.1.11"}, /* subjectInfoAccess */
	{"\x2b\x06\x01\x05\x05\x07\x01\x18", 8, NULL, "1.3.6.1.5.5.7.1.24"}, /* TLS feature */
};
#define NUM_KNOWN (sizeof known / sizeof known[0])

static int find_known(ch_der oid)
{
	const uint8_t *d = oid.data;

	if (oid.len == 3 && d[0] == 0x55 && d[1] == 0x1d) {
		switch (d[2]) {
		case 0x11: return 0;
		case 0x13: return 1;
		case 0x0f: return 2;
		case 0x25: return 3;
		case 0x0e: return 4;
		case 0x23: return 5;
		case 0x1f: return 6;
		case 0x20: return 7;
		case 0x12: return 11;
		case 0x1e: return 12;
		case 0x24: return 13;
		case 0x21: return 14;
		case 0x36: return 15;
		case 0x09: return 16;
		case 0x2e: return 17;
		default: return -1;
		}
	}
	if (oid.len == 8 && !memcmp(d, "\x2b\x06\x01\x05\x05\x07\x01", 7))
		return d[7] == 0x01 ? 8 : d[7] == 0x0b ? 18 : d[7] == 0x18 ? 19 : -1;
	if (oid.len == 10 && !memcmp(d, "\x2b\x06\x01\x04\x01\xd6\x79\x02\x04", 9))
		return d[9] == 0x03 ? 9 : d[9] == 0x02 ? 10 : -1;
	return -1;
}

static ch_err parse_one(ch_parse *p, ch_ext *e, ch_der ext, uint32_t *seen)
{
	ch_der oid, val;
	bool lax = false;
	int k;

	e->critical = false;
	if (!ch_x509__get(p, &ext, &oid, CH_DER_OID))
		return ch_x509__fail(p, ext.data, "extension: extnID");
	if (ch_der_peek_tag(&ext, CH_DER_BOOLEAN) && !ch_der_get_bool(&ext, &e->critical, &lax))
		return ch_x509__fail(p, ext.data, "extension: critical");
	if (lax)
		p->cert->anomalies |= CH_ANOM_BER;
	if (!ch_x509__get(p, &ext, &val, CH_DER_OCTET_STRING) || ext.len)
		return ch_x509__fail(p, ext.data, "extension: extnValue");
	e->oid.data = oid.data;
	e->oid.len = oid.len;
	k = find_known(oid);
	e->oid_text = k >= 0 ? known[k].text : ch_x509__oid_text(p, oid);
	e->value.data = val.data;
	e->value.len = val.len;
	e->known = k >= 0 && known[k].fn;
	e->recognised = k >= 0;
	if (k < 0 && e->critical)
		p->cert->anomalies |= CH_ANOM_UNKNOWN_CRITICAL;
	if (k >= 0) {
		if (*seen & (1u << k)) {
			p->cert->anomalies |= CH_ANOM_DUP_EXTENSION;
			return CH_OK; /* like OpenSSL's lookups, the first occurrence wins */
		}
		*seen |= 1u << k;
		if (known[k].fn && !known[k].fn(p, val))
			p->cert->anomalies |= CH_ANOM_BAD_EXTENSION;
	}
	return CH_OK;
}

/* dup_unknown flags duplicates among the extensions certhound does not recognise (the
 * recognised ones are checked with the `seen` bits); quadratic, so only the first 512. */
static void dup_unknown(ch_cert *c, const uint16_t *unknown, size_t n)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++) {
			const ch_ext *a = &c->exts[unknown[i]], *b = &c->exts[unknown[j]];
			if (a->oid.len == b->oid.len && !memcmp(a->oid.data, b->oid.data, a->oid.len))
				c->anomalies |= CH_ANOM_DUP_EXTENSION;
		}
}

ch_err ch_x509__parse_extensions(ch_parse *p, ch_der exts)
{
	ch_der seq, it, ext;
	size_t n = 0;
	uint32_t seen = 0;
	uint16_t unknown[512];
	size_t num_unknown = 0;
	ch_err err;

	if (!ch_x509__get(p, &exts, &seq, CH_DER_SEQUENCE) || exts.len)
		return ch_x509__fail(p, exts.data, "extensions: not a SEQUENCE");
	for (it = seq; it.len; n++)
		if (!ch_x509__get(p, &it, &ext, CH_DER_SEQUENCE))
			return ch_x509__fail(p, it.data, "extensions: malformed Extension");
	if (n > CH_CERT_MAX_ITEMS)
		return ch_x509__fail(p, seq.data, "extensions: too many");
	p->cert->exts = ch_x509__alloc(p->arena, (n ? n : 1) * sizeof *p->cert->exts);
	if (!p->cert->exts)
		return ch_x509__fail(p, seq.data, "out of memory");
	for (size_t i = 0; i < n; i++) {
		(void)ch_x509__get(p, &seq, &ext, CH_DER_SEQUENCE);
		err = parse_one(p, &p->cert->exts[i], ext, &seen);
		if (err)
			return err;
		if (!p->cert->exts[i].recognised && num_unknown < 512)
			unknown[num_unknown++] = (uint16_t)i;
	}
	p->cert->num_exts = n;
	dup_unknown(p->cert, unknown, num_unknown);
	return CH_OK;
}

const ch_ext *ch_cert_ext_find(const ch_cert *c, const char *oid_text)
{
	for (size_t i = 0; i < c->num_exts; i++)
		if (!strcmp(c->exts[i].oid_text, oid_text))
			return &c->exts[i];
	return NULL;
}
