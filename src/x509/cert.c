/* ch_cert_parse: Certificate and TBSCertificate (RFC 5280 4.1). Structure errors are fatal
 * and name the structure and byte offset; oddities that leave the certificate readable are
 * recorded in `anomalies`. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static const char *const anomaly_names[CH_ANOM_COUNT] = {
	"nul_in_name", "bad_utf8", "negative_serial", "oversized_serial", "dup_extension",
	"unknown_critical_extension", "trailing_data", "ber_encoding", "validity_inverted",
	"bad_ip_san", "bad_extension", "sig_alg_mismatch", "bad_string", "bad_time",
	"extensions_in_v1", "zero_serial", "empty_issuer", "non_minimal_integer", "bad_version",
};

const char *ch_anomaly_name(unsigned bit)
{
	for (unsigned i = 0; i < CH_ANOM_COUNT; i++)
		if (bit == 1u << i)
			return anomaly_names[i];
	return NULL;
}

ch_err ch_cert_new(ch_cert **out)
{
	ch_cert *c = calloc(1, sizeof *c);
	ch_cert_priv *priv = calloc(1, sizeof *priv);
	ch_err err = CH_OK;

	*out = NULL;
	if (!c || !priv) {
		err = ch_error_set(CH_ERR_NOMEM, "out of memory");
		goto fail;
	}
	if ((err = ch_hash_new(&priv->hash)))
		goto fail;
	c->priv_ = priv;
	*out = c;
	return CH_OK;
fail:
	free(priv);
	free(c);
	return err;
}

void ch_cert_free(ch_cert *c)
{
	ch_cert_priv *priv;

	if (!c)
		return;
	priv = c->priv_;
	if (priv) {
		for (size_t i = 0; i < CH_DN_MEMO; i++)
			free(priv->dn_memo[i].block);
		ch_x509__arena_free(&priv->arena);
		ch_hash_free(priv->hash);
		free(priv);
	}
	free(c);
}

ch_err ch_x509__fail(const ch_parse *p, const uint8_t *at, const char *what)
{
	return ch_error_set(CH_ERR_PARSE, "%s at byte offset %zu", what, (size_t)(at - p->base));
}

bool ch_x509__get_elem(ch_parse *p, ch_der *c, ch_der *out, unsigned tag)
{
	const uint8_t *start = c->data;
	ch_der body;

	if (!ch_x509__get(p, c, &body, tag))
		return false;
	out->data = start;
	out->len = (size_t)(c->data - start);
	return true;
}

static ch_err parse_serial(ch_parse *p, ch_der *tbs)
{
	ch_cert *c = p->cert;
	ch_der v;
	const uint8_t *mag;
	size_t n;
	char *hex;
	bool neg;

	if (!ch_x509__get(p, tbs, &v, CH_DER_INTEGER) || v.len == 0)
		return ch_x509__fail(p, tbs->data, "tbsCertificate.serialNumber");
	c->serial.data = v.data;
	c->serial.len = v.len;
	neg = v.data[0] & 0x80;
	if (v.len > 1 && ((v.data[0] == 0 && !(v.data[1] & 0x80)) ||
			  (v.data[0] == 0xff && (v.data[1] & 0x80))))
		c->anomalies |= CH_ANOM_NON_MINIMAL_INT;
	if (neg)
		c->anomalies |= CH_ANOM_NEGATIVE_SERIAL;
	if (v.len > 20 + (v.data[0] == 0))
		c->anomalies |= CH_ANOM_LONG_SERIAL;
	hex = ch_x509__alloc(p->arena, 2 * v.len + 4);
	uint8_t *tmp = ch_x509__alloc(p->arena, v.len);
	if (!hex || !tmp)
		return ch_x509__fail(p, v.data, "out of memory");
	memcpy(tmp, v.data, v.len);
	if (neg) { /* two's complement magnitude */
		int carry = 1;
		for (size_t i = v.len; i-- > 0;) {
			int x = (uint8_t)~tmp[i] + carry;
			tmp[i] = (uint8_t)x;
			carry = x >> 8;
		}
	}
	mag = tmp;
	n = v.len;
	while (n > 1 && mag[0] == 0)
		mag++, n--;
	if (n == 1 && mag[0] == 0)
		c->anomalies |= CH_ANOM_ZERO_SERIAL;
	hex[0] = '-';
	ch_hex_encode(hex + (neg ? 1 : 0), mag, n);
	c->serial_hex = hex;
	return CH_OK;
}

static ch_err parse_version(ch_parse *p, ch_der *tbs)
{
	ch_der v;
	bool present;
	uint64_t ver;

	p->cert->version = 1;
	if (!ch_der_get_optional(tbs, &v, &present, CH_DER_CTX_C(0)))
		return ch_x509__fail(p, tbs->data, "tbsCertificate.version");
	if (!present)
		return CH_OK;
	if (!ch_der_get_small_uint(&v, &ver) || v.len || ver > 255)
		return ch_x509__fail(p, tbs->data, "tbsCertificate.version: not a small INTEGER");
	if (ver > 2)
		p->cert->anomalies |= CH_ANOM_BAD_VERSION;
	if (ver == 0)
		p->cert->anomalies |= CH_ANOM_BER; /* DEFAULT value encoded (X.690 11.5) */
	p->cert->version = (int)ver + 1;
	return CH_OK;
}

static ch_err alg_name(ch_parse *p, ch_der alg_elem, const char **out)
{
	ch_der body = alg_elem, oid;

	if (!ch_x509__get(p, &body, &body, CH_DER_SEQUENCE) || !ch_x509__get(p, &body, &oid, CH_DER_OID))
		return ch_x509__fail(p, alg_elem.data, "AlgorithmIdentifier: no algorithm OID");
	*out = ch_x509__oid_ln(p, oid);
	return CH_OK;
}

static ch_err parse_validity(ch_parse *p, ch_der *tbs)
{
	ch_der v;
	ch_err err;

	if (!ch_x509__get(p, tbs, &v, CH_DER_SEQUENCE))
		return ch_x509__fail(p, tbs->data, "tbsCertificate.validity");
	if ((err = ch_x509__parse_time(p, &p->cert->not_before, &v)) ||
	    (err = ch_x509__parse_time(p, &p->cert->not_after, &v)))
		return err;
	if (v.len)
		return ch_x509__fail(p, v.data, "tbsCertificate.validity: trailing data");
	if (p->cert->not_after < p->cert->not_before)
		p->cert->anomalies |= CH_ANOM_VALIDITY_INVERTED;
	return CH_OK;
}

/* parse_tail_fields: issuer/subject unique IDs and extensions, after the SPKI. */
static ch_err parse_tail_fields(ch_parse *p, ch_der *tbs)
{
	ch_der uid, ext;
	bool present;
	ch_err err;

	for (unsigned t = 1; t <= 2; t++) {
		if (!ch_der_get_optional(tbs, &uid, &present, CH_DER_CTX(t)) &&
		    !ch_der_get_optional(tbs, &uid, &present, CH_DER_CTX_C(t)))
			return ch_x509__fail(p, tbs->data, "tbsCertificate.uniqueIdentifier");
		if (present && p->cert->version < 2)
			p->cert->anomalies |= CH_ANOM_EXT_IN_V1;
	}
	if (tbs->len && ch_der_peek_tag(tbs, CH_DER_CTX_C(3))) {
		const uint8_t *start = tbs->data;
		if (!ch_x509__get(p, tbs, &ext, CH_DER_CTX_C(3)))
			return ch_x509__fail(p, start, "tbsCertificate.extensions");
		p->exts_elem.data = start;
		p->exts_elem.len = (size_t)(tbs->data - start);
		if (p->cert->version < 3)
			p->cert->anomalies |= CH_ANOM_EXT_IN_V1;
		{
			ch_der probe = ext;
			(void)ch_x509__get(p, &probe, &p->exts_list, CH_DER_SEQUENCE);
		}
		if ((err = ch_x509__parse_extensions(p, ext)))
			return err;
	}
	if (tbs->len)
		return ch_x509__fail(p, tbs->data, "tbsCertificate: unexpected data after the fields");
	return CH_OK;
}

static ch_err parse_tbs(ch_parse *p, ch_der tbs_elem)
{
	ch_cert *c = p->cert;
	ch_der tbs = tbs_elem, alg, name;
	ch_err err;

	if (!ch_x509__get(p, &tbs, &tbs, CH_DER_SEQUENCE))
		return ch_x509__fail(p, tbs_elem.data, "tbsCertificate");
	p->tbs_body = tbs;
	if ((err = parse_version(p, &tbs)) || (err = parse_serial(p, &tbs)))
		return err;
	if (!ch_x509__get_elem(p, &tbs, &alg, CH_DER_SEQUENCE))
		return ch_x509__fail(p, tbs.data, "tbsCertificate.signature");
	if (alg.len != c->sig_alg_der.len || memcmp(alg.data, c->sig_alg_der.data, alg.len))
		c->anomalies |= CH_ANOM_SIG_ALG_MISMATCH;
	{
		const char *tbs_alg; /* must be well-formed even though the outer one is reported */
		if ((err = alg_name(p, alg, &tbs_alg)))
			return err;
	}
	if (!ch_x509__get_elem(p, &tbs, &name, CH_DER_SEQUENCE))
		return ch_x509__fail(p, tbs.data, "tbsCertificate.issuer");
	if ((err = ch_x509__parse_name(p, &c->issuer, name, true)))
		return err;
	if (c->issuer.num_attrs == 0)
		c->anomalies |= CH_ANOM_EMPTY_ISSUER;
	if ((err = parse_validity(p, &tbs)))
		return err;
	if (!ch_x509__get_elem(p, &tbs, &name, CH_DER_SEQUENCE))
		return ch_x509__fail(p, tbs.data, "tbsCertificate.subject");
	if ((err = ch_x509__parse_name(p, &c->subject, name, false)))
		return err;
	if (!ch_x509__get_elem(p, &tbs, &name, CH_DER_SEQUENCE))
		return ch_x509__fail(p, tbs.data, "tbsCertificate.subjectPublicKeyInfo");
	if ((err = ch_x509__parse_key(p, &c->key, name)))
		return err;
	return parse_tail_fields(p, &tbs);
}

static void derive_self_signed(ch_cert *c)
{
	c->self_signed = c->issuer.der.len == c->subject.der.len &&
			 !memcmp(c->issuer.der.data, c->subject.der.data, c->issuer.der.len);
	if (c->self_signed && c->aki.len && c->ski.len)
		c->self_signed = c->aki.len == c->ski.len && !memcmp(c->aki.data, c->ski.data, c->ski.len);
}

static void reset(ch_cert *c)
{
	void *priv = c->priv_;

	memset(c, 0, sizeof *c);
	c->priv_ = priv;
	c->path_len = -1;
}

ch_err ch_cert_parse(ch_cert *out, const uint8_t *der, size_t der_len, unsigned flags)
{
	ch_cert_priv *priv = out->priv_;
	ch_parse p = {.cert = out, .arena = &priv->arena, .base = der};
	ch_der in, cert, tbs, alg, sig;
	ch_err err;

	ch_x509__arena_reset(&priv->arena);
	reset(out);
	if (der_len > CH_CERT_MAX_DER)
		return ch_error_set(CH_ERR_LIMIT, "certificate larger than %u bytes", CH_CERT_MAX_DER);
	ch_der_init(&in, der, der_len);
	if (!ch_x509__get_elem(&p, &in, &cert, CH_DER_SEQUENCE))
		return ch_x509__fail(&p, der, "Certificate: not a complete SEQUENCE");
	if (in.len)
		out->anomalies |= CH_ANOM_TRAILING_DATA;
	out->der = (ch_bytes){cert.data, cert.len};
	(void)ch_x509__get(&p, &cert, &cert, CH_DER_SEQUENCE);
	if (!ch_x509__get_elem(&p, &cert, &tbs, CH_DER_SEQUENCE))
		return ch_x509__fail(&p, cert.data, "tbsCertificate: not a SEQUENCE");
	if (!ch_x509__get_elem(&p, &cert, &alg, CH_DER_SEQUENCE))
		return ch_x509__fail(&p, cert.data, "signatureAlgorithm: not a SEQUENCE");
	if (!ch_x509__get(&p, &cert, &sig, CH_DER_BIT_STRING))
		return ch_x509__fail(&p, cert.data, "signatureValue: not a BIT STRING");
	if (cert.len)
		return ch_x509__fail(&p, cert.data, "Certificate: data after the signature");
	out->tbs = (ch_bytes){tbs.data, tbs.len};
	out->sig_alg_der = (ch_bytes){alg.data, alg.len};
	if ((err = alg_name(&p, alg, &out->sig_alg)))
		return err;
	if ((err = parse_tbs(&p, tbs)))
		return err;
	derive_self_signed(out);
	if ((flags & CH_PARSE_DIGESTS) && (err = ch_x509__digests(&p, priv->hash)))
		return err;
	if ((flags & CH_PARSE_JA4X) && (err = ch_x509__ja4x(&p)))
		return err;
	return CH_OK;
}
