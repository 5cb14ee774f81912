/* Extensions holding GeneralNames and URLs: subjectAltName, authorityInfoAccess, CRL
 * distribution points, and certificate policies (with the validation level). */
#include "internal.h"

#include <string.h>

#define GN_EMAIL CH_DER_CTX(1)
#define GN_DNS CH_DER_CTX(2)
#define GN_URI CH_DER_CTX(6)
#define GN_IP CH_DER_CTX(7)

/* ia5_text decodes an IA5String GeneralName: bytes kept (UTF-8 passes through, anything else
 * becomes U+FFFD and is flagged), never truncated at a NUL. */
static bool ia5_text(ch_parse *p, ch_str *out, ch_der v)
{
	return ch_x509__string_to_utf8(p, out, CH_X509_IA5_AS_UTF8, v) == CH_OK;
}

static ch_str *alloc_strs(ch_parse *p, size_t n)
{
	return ch_x509__alloc(p->arena, (n ? n : 1) * sizeof(ch_str));
}

bool ch_x509__ext_san(ch_parse *p, ch_der v)
{
	ch_der seq, it, gn;
	unsigned tag;
	size_t nd = 0, ni = 0, ne = 0, nu = 0, no = 0;
	ch_san *s = &p->cert->san;
	bool ok = true;

	if (!ch_x509__get(p, &v, &seq, CH_DER_SEQUENCE))
		return false;
	ok = v.len == 0; /* trailing bytes: decode what is there, flag the extension */
	for (it = seq; it.len;) {
		if (!ch_der_get_fast(&it, &gn, &tag, NULL))
			return false;
		tag &= ~CH_DER_CONSTRUCTED;
		nd += tag == GN_DNS, ni += tag == GN_IP, ne += tag == GN_EMAIL, nu += tag == GN_URI;
		no += tag != GN_DNS && tag != GN_IP && tag != GN_EMAIL && tag != GN_URI;
	}
	if (nd + ni + ne + nu + no > CH_CERT_MAX_ITEMS)
		return false;
	s->dns = alloc_strs(p, nd);
	s->ip = alloc_strs(p, ni);
	s->email = alloc_strs(p, ne);
	s->uri = alloc_strs(p, nu);
	/* an iPAddress of the wrong length is kept in `other`: room for every one of them */
	s->other = ch_x509__alloc(p->arena, (no + ni ? no + ni : 1) * sizeof *s->other);
	if (!s->dns || !s->ip || !s->email || !s->uri || !s->other)
		return false;
	while (ch_der_get_fast(&seq, &gn, &tag, NULL)) {
		unsigned t = tag & ~CH_DER_CONSTRUCTED;
		if (t == GN_DNS)
			ok &= ia5_text(p, &s->dns[s->num_dns++], gn);
		else if (t == GN_EMAIL)
			ok &= ia5_text(p, &s->email[s->num_email++], gn);
		else if (t == GN_URI)
			ok &= ia5_text(p, &s->uri[s->num_uri++], gn);
		else if (t == GN_IP) {
			if (ch_x509__ip_text(p, &s->ip[s->num_ip], gn) == CH_OK)
				s->num_ip++;
			else {
				p->cert->anomalies |= CH_ANOM_BAD_IP_SAN;
				s->other[s->num_other].type = 7;
				s->other[s->num_other].raw = (ch_bytes){gn.data, gn.len};
				s->num_other++;
			}
		} else {
			s->other[s->num_other].type = t & CH_DER_NUMBER_MASK;
			s->other[s->num_other].raw = (ch_bytes){gn.data, gn.len};
			s->num_other++;
		}
	}
	return ok;
}

/* push_uri appends a URI GeneralName to a list in the arena. Capacities are 4, 8, 16...:
 * the list grows (by copying) only when its length reaches a power of two from 4 on. */
static bool push_uri(ch_parse *p, ch_str **list, size_t *n, ch_der v)
{
	if (*n >= 1024)
		return true; /* keep the first 1024 */
	if (*n == 0 || (*n >= 4 && (*n & (*n - 1)) == 0)) {
		ch_str *grown = alloc_strs(p, *n ? 2 * *n : 4);
		if (!grown)
			return false;
		if (*n)
			memcpy(grown, *list, *n * sizeof **list);
		*list = grown;
	}
	return ia5_text(p, &(*list)[(*n)++], v);
}

bool ch_x509__ext_aia(ch_parse *p, ch_der v)
{
	ch_der seq, ad, method, loc;
	unsigned tag;

	if (!ch_x509__get(p, &v, &seq, CH_DER_SEQUENCE) || v.len)
		return false;
	while (seq.len) {
		if (!ch_x509__get(p, &seq, &ad, CH_DER_SEQUENCE) ||
		    !ch_x509__get(p, &ad, &method, CH_DER_OID) ||
		    !ch_der_get_fast(&ad, &loc, &tag, NULL))
			return false;
		if (tag != GN_URI)
			continue;
		if (CH_OID_EQ(method, "\x2b\x06\x01\x05\x05\x07\x30\x01")) {
			if (!push_uri(p, &p->cert->ocsp, &p->cert->num_ocsp, loc))
				return false;
		} else if (CH_OID_EQ(method, "\x2b\x06\x01\x05\x05\x07\x30\x02")) {
			if (!push_uri(p, &p->cert->ca_issuers, &p->cert->num_ca_issuers, loc))
				return false;
		}
	}
	return true;
}

bool ch_x509__ext_crldp(ch_parse *p, ch_der v)
{
	ch_der seq, dp, dpn, full, gn;
	bool present;
	unsigned tag;

	if (!ch_x509__get(p, &v, &seq, CH_DER_SEQUENCE) || v.len)
		return false;
	while (seq.len) {
		if (!ch_x509__get(p, &seq, &dp, CH_DER_SEQUENCE) ||
		    !ch_der_get_optional(&dp, &dpn, &present, CH_DER_CTX_C(0)))
			return false;
		if (!present || !ch_der_get_optional(&dpn, &full, &present, CH_DER_CTX_C(0)))
			continue;
		while (present && full.len) {
			if (!ch_der_get_fast(&full, &gn, &tag, NULL))
				return false;
			if (tag == GN_URI && !push_uri(p, &p->cert->crl_dps, &p->cert->num_crl_dps, gn))
				return false;
		}
	}
	return true;
}

/* CA/Browser Forum reserved policy OIDs (2.23.140.1.*) give the validation level. */
static void validation_of(ch_cert *c, ch_der oid)
{
	ch_validation v = CH_VALIDATION_UNKNOWN;

	if (CH_OID_EQ(oid, "\x67\x81\x0c\x01\x02\x01"))
		v = CH_VALIDATION_DV;
	else if (CH_OID_EQ(oid, "\x67\x81\x0c\x01\x02\x02"))
		v = CH_VALIDATION_OV;
	else if (CH_OID_EQ(oid, "\x67\x81\x0c\x01\x02\x03"))
		v = CH_VALIDATION_IV;
	else if (CH_OID_EQ(oid, "\x67\x81\x0c\x01\x01"))
		v = CH_VALIDATION_EV;
	if (v > c->validation)
		c->validation = v;
}

bool ch_x509__ext_policies(ch_parse *p, ch_der v)
{
	ch_der seq, it, pi, oid;
	size_t n = 0;

	if (!ch_x509__get(p, &v, &seq, CH_DER_SEQUENCE) || v.len)
		return false;
	for (it = seq; it.len; n++)
		if (!ch_x509__get(p, &it, &pi, CH_DER_SEQUENCE))
			return false;
	if (n > CH_CERT_MAX_ITEMS)
		return false;
	p->cert->policies = ch_x509__alloc(p->arena, (n ? n : 1) * sizeof(char *));
	if (!p->cert->policies)
		return false;
	for (n = 0; ch_x509__get(p, &seq, &pi, CH_DER_SEQUENCE); n++) {
		if (!ch_x509__get(p, &pi, &oid, CH_DER_OID))
			return false;
		p->cert->policies[n] = ch_x509__oid_text(p, oid);
		validation_of(p->cert, oid);
	}
	p->cert->num_policies = n;
	return true;
}
