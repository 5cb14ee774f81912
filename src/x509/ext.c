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
		if (!ch_x509__get(p, &it, &oid, CH_DER_OID) ||
		    !ch_der_oid_to_text(NULL, 0, oid.data, oid.len))
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
} known[] = {
	{"\x55\x1d\x11", 3, ch_x509__ext_san},
	{"\x55\x1d\x13", 3, ext_bc},
	{"\x55\x1d\x0f", 3, ext_ku},
	{"\x55\x1d\x25", 3, ext_eku},
	{"\x55\x1d\x0e", 3, ext_ski},
	{"\x55\x1d\x23", 3, ext_aki},
	{"\x55\x1d\x1f", 3, ch_x509__ext_crldp},
	{"\x55\x1d\x20", 3, ch_x509__ext_policies},
	{"\x2b\x06\x01\x05\x05\x07\x01\x01", 8, ch_x509__ext_aia},
	{"\x2b\x06\x01\x04\x01\xd6\x79\x02\x04\x03", 10, ext_poison},
	{"\x2b\x06\x01\x04\x01\xd6\x79\x02\x04\x02", 10, ext_scts},
	{"\x55\x1d\x12", 3, NULL}, /* issuerAltName */
	{"\x55\x1d\x1e", 3, NULL}, /* nameConstraints */
	{"\x55\x1d\x24", 3, NULL}, /* policyConstraints */
	{"\x55\x1d\x21", 3, NULL}, /* policyMappings */
	{"\x55\x1d\x36", 3, NULL}, /* inhibitAnyPolicy */
	{"\x55\x1d\x09", 3, NULL}, /* subjectDirectoryAttributes */
	{"\x55\x1d\x2e", 3, NULL}, /* freshestCRL */
	{"\x2b\x06\x01\x05\x05\x07\x01\x0b", 8, NULL}, /* subjectInfoAccess */
	{"\x2b\x06\x01\x05\x05\x07\x01\x18", 8, NULL}, /* TLS feature */
};
#define NUM_KNOWN (sizeof known / sizeof known[0])

static int find_known(ch_der oid)
{
	for (size_t i = 0; i < NUM_KNOWN; i++)
		if (oid.len == known[i].len && !memcmp(oid.data, known[i].oid, oid.len))
			return (int)i;
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
	e->oid_text = ch_x509__oid_text(p, oid);
	e->value.data = val.data;
	e->value.len = val.len;
	k = find_known(oid);
	e->known = k >= 0 && known[k].fn;
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

/* dup_unknown flags duplicates among extensions certhound does not decode. */
static void dup_unknown(ch_cert *c)
{
	if (c->num_exts > 512)
		return; /* quadratic; such a certificate is flagged elsewhere if at all */
	for (size_t i = 0; i < c->num_exts; i++)
		for (size_t j = i + 1; j < c->num_exts; j++)
			if (c->exts[i].oid.len == c->exts[j].oid.len &&
			    !memcmp(c->exts[i].oid.data, c->exts[j].oid.data, c->exts[i].oid.len))
				c->anomalies |= CH_ANOM_DUP_EXTENSION;
}

ch_err ch_x509__parse_extensions(ch_parse *p, ch_der exts)
{
	ch_der seq, it, ext;
	size_t n = 0;
	uint32_t seen = 0;
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
	}
	p->cert->num_exts = n;
	dup_unknown(p->cert);
	return CH_OK;
}

const ch_ext *ch_cert_ext_find(const ch_cert *c, const char *oid_text)
{
	for (size_t i = 0; i < c->num_exts; i++)
		if (!strcmp(c->exts[i].oid_text, oid_text))
			return &c->exts[i];
	return NULL;
}
