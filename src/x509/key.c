/* SubjectPublicKeyInfo: key type, size in bits and curve, without building an OpenSSL key. */
#include "internal.h"

#include <string.h>

static const struct {
	const char *name;
	unsigned bits;
} curve_bits[] = {
	{"prime256v1", 256}, {"secp384r1", 384}, {"secp521r1", 521}, {"secp224r1", 224},
	{"prime192v1", 192}, {"secp256k1", 256}, {"brainpoolP256r1", 256},
	{"brainpoolP384r1", 384}, {"brainpoolP512r1", 512}, {"secp192k1", 192},
	{"secp224k1", 224}, {"brainpoolP224r1", 224}, {"brainpoolP320r1", 320},
	{"SM2", 256}, {"secp160r1", 161}, {"secp160k1", 161},
};

/* int_bits returns the bit length of a non-negative INTEGER's contents. */
static unsigned int_bits(ch_der v)
{
	while (v.len && v.data[0] == 0) {
		v.data++;
		v.len--;
	}
	if (!v.len)
		return 0;
	unsigned b = (unsigned)(v.len - 1) * 8;
	for (uint8_t top = v.data[0]; top; top >>= 1)
		b++;
	return b;
}

static unsigned rsa_bits(ch_parse *p, ch_der bits)
{
	ch_der seq, n;

	if (!ch_der_skip(&bits, 1) || !ch_x509__get(p, &bits, &seq, CH_DER_SEQUENCE) ||
	    !ch_x509__get(p, &seq, &n, CH_DER_INTEGER))
		return 0;
	return int_bits(n);
}

/* ec_params: a named curve, or explicit ECParameters whose order gives the size. */
static void ec_params(ch_parse *p, ch_key *k, ch_der params)
{
	ch_der oid, seq, skip, order;

	if (ch_x509__get(p, &params, &oid, CH_DER_OID)) {
		k->curve = ch_x509__oid_sn(p, oid);
		for (size_t i = 0; i < sizeof curve_bits / sizeof curve_bits[0]; i++)
			if (!strcmp(k->curve, curve_bits[i].name))
				k->bits = curve_bits[i].bits;
		return;
	}
	/* ECParameters ::= SEQUENCE { version, fieldID, curve, base, order, cofactor } */
	if (ch_x509__get(p, &params, &seq, CH_DER_SEQUENCE) &&
	    ch_x509__get(p, &seq, &skip, CH_DER_INTEGER) &&
	    ch_x509__get(p, &seq, &skip, CH_DER_SEQUENCE) &&
	    ch_x509__get(p, &seq, &skip, CH_DER_SEQUENCE) &&
	    ch_x509__get(p, &seq, &skip, CH_DER_OCTET_STRING) &&
	    ch_x509__get(p, &seq, &order, CH_DER_INTEGER))
		k->bits = int_bits(order);
}

static void dsa_params(ch_parse *p, ch_key *k, ch_der params)
{
	ch_der seq, prime;

	if (ch_x509__get(p, &params, &seq, CH_DER_SEQUENCE) &&
	    ch_x509__get(p, &seq, &prime, CH_DER_INTEGER))
		k->bits = int_bits(prime);
}

ch_err ch_x509__parse_key(ch_parse *p, ch_key *k, ch_der spki_elem)
{
	ch_der spki = spki_elem, alg, oid, bits;

	memset(k, 0, sizeof *k);
	k->spki.data = spki_elem.data;
	k->spki.len = spki_elem.len;
	if (!ch_x509__get(p, &spki, &spki, CH_DER_SEQUENCE) ||
	    !ch_x509__get(p, &spki, &alg, CH_DER_SEQUENCE) ||
	    !ch_x509__get(p, &alg, &oid, CH_DER_OID) ||
	    !ch_x509__get(p, &spki, &bits, CH_DER_BIT_STRING))
		return ch_x509__fail(p, spki_elem.data, "subjectPublicKeyInfo");
	k->alg = ch_x509__oid_ln(p, oid);
	if (CH_OID_EQ(oid, "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01") ||
	    CH_OID_EQ(oid, "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0a")) {
		k->type = CH_KEY_RSA;
		k->bits = rsa_bits(p, bits);
	} else if (CH_OID_EQ(oid, "\x2a\x86\x48\xce\x3d\x02\x01")) {
		k->type = CH_KEY_EC;
		ec_params(p, k, alg);
	} else if (CH_OID_EQ(oid, "\x2b\x65\x70")) {
		k->type = CH_KEY_ED25519;
		k->bits = 256;
	} else if (CH_OID_EQ(oid, "\x2b\x65\x71")) {
		k->type = CH_KEY_ED448;
		k->bits = 456;
	} else if (CH_OID_EQ(oid, "\x2a\x86\x48\xce\x38\x04\x01")) {
		k->type = CH_KEY_DSA;
		dsa_params(p, k, alg);
	}
	return CH_OK;
}
