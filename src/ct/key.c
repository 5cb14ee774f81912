/* Log public keys (ECDSA P-256, RSA, Ed25519) and TLS DigitallySigned verification via EVP. */
#include <certhound/ct.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

struct ch_ct_key {
	EVP_PKEY *pkey;
	ch_ct_key_type type;
	uint8_t log_id[32];
	uint8_t *spki;
	size_t spki_len;
};

/* TLS 1.2 HashAlgorithm / SignatureAlgorithm code points (RFC 5246 §7.4.1.4.1). */
enum { TLS_HASH_SHA256 = 4, TLS_SIG_RSA = 1, TLS_SIG_ECDSA = 3 };

void ch_ct_key_free(ch_ct_key *k)
{
	if (!k)
		return;
	EVP_PKEY_free(k->pkey);
	free(k->spki);
	free(k);
}

/* classify sets k->type from the EVP key, refusing what RFC 6962 and signed-note do not allow. */
static ch_err classify(ch_ct_key *k)
{
	char curve[64];
	size_t curve_len = 0;

	switch (EVP_PKEY_get_base_id(k->pkey)) {
	case EVP_PKEY_EC:
		if (!EVP_PKEY_get_utf8_string_param(k->pkey, OSSL_PKEY_PARAM_GROUP_NAME, curve,
						    sizeof curve, &curve_len) ||
		    strcmp(curve, "prime256v1") != 0)
			return ch_error_set(CH_ERR_PARSE, "ct key: ECDSA keys must be on P-256 (got %s)",
					    curve_len ? curve : "unknown curve");
		k->type = CH_CT_KEY_ECDSA;
		return CH_OK;
	case EVP_PKEY_RSA:
		if (EVP_PKEY_get_bits(k->pkey) < 2048)
			return ch_error_set(CH_ERR_PARSE, "ct key: RSA key of %d bits is too short",
					    EVP_PKEY_get_bits(k->pkey));
		k->type = CH_CT_KEY_RSA;
		return CH_OK;
	case EVP_PKEY_ED25519:
		k->type = CH_CT_KEY_ED25519;
		return CH_OK;
	default:
		return ch_error_set(CH_ERR_PARSE, "ct key: unsupported key algorithm");
	}
}

/* from_der builds a key from DER SPKI bytes, which must be exactly one SubjectPublicKeyInfo. */
static ch_err from_der(ch_ct_key **out, const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	ch_ct_key *k = NULL;
	ch_err err = CH_OK;

	*out = NULL;
	if (len == 0 || len > CH_CT_MAX_KEY)
		return ch_error_set(CH_ERR_LIMIT, "ct key: %zu bytes is not a plausible key", len);
	k = calloc(1, sizeof *k);
	if (!k || !(k->spki = malloc(len))) {
		err = ch_error_set(CH_ERR_NOMEM, "out of memory");
		goto out;
	}
	k->pkey = d2i_PUBKEY(NULL, &p, (long)len);
	if (!k->pkey || p != der + len) {
		err = ch_error_set(CH_ERR_PARSE, "ct key: not a DER SubjectPublicKeyInfo");
		goto out;
	}
	CH_TRY(classify(k));
	memcpy(k->spki, der, len);
	k->spki_len = len;
	if (!EVP_Digest(der, len, k->log_id, NULL, EVP_sha256(), NULL)) {
		err = ch_error_set(CH_ERR_NOMEM, "ct key: SHA-256 failed");
		goto out;
	}
	*out = k;
	k = NULL;
out:
	ch_ct_key_free(k);
	return err;
}

/* pem_body finds the base64 body between PEM armour lines, if the text has them. */
static bool pem_body(const char *s, size_t len, const char **body, size_t *body_len)
{
	static const char begin[] = "-----BEGIN PUBLIC KEY-----";
	static const char end[] = "-----END PUBLIC KEY-----";
	const char *b = memmem(s, len, begin, sizeof begin - 1), *e;

	if (!b)
		return false;
	b += sizeof begin - 1;
	e = memmem(b, len - (size_t)(b - s), end, sizeof end - 1);
	if (!e)
		return false;
	*body = b;
	*body_len = (size_t)(e - b);
	return true;
}

ch_err ch_ct_key_parse(ch_ct_key **out, const void *data, size_t len)
{
	const uint8_t *d = data;
	const char *text = data, *body = text;
	size_t body_len = len;
	uint8_t der[CH_CT_MAX_KEY];
	long n;

	*out = NULL;
	if (len > 0 && d[0] == 0x30 && !pem_body(text, len, &body, &body_len))
		return from_der(out, d, len);
	if (len > 4 * CH_CT_MAX_KEY)
		return ch_error_set(CH_ERR_LIMIT, "ct key: %zu bytes of text is too long", len);
	pem_body(text, len, &body, &body_len);
	n = ch_base64_decode(der, sizeof der, body, body_len);
	if (n <= 0)
		return ch_error_set(CH_ERR_PARSE, "ct key: neither DER, PEM nor base64 DER");
	return from_der(out, der, (size_t)n);
}

ch_err ch_ct_key_from_ed25519(ch_ct_key **out, const uint8_t pub[32])
{
	/* SubjectPublicKeyInfo for id-Ed25519 (RFC 8410 §4) followed by the 32 key bytes. */
	static const uint8_t prefix[] = {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65,
					 0x70, 0x03, 0x21, 0x00};
	uint8_t der[sizeof prefix + 32];

	memcpy(der, prefix, sizeof prefix);
	memcpy(der + sizeof prefix, pub, 32);
	return from_der(out, der, sizeof der);
}

ch_ct_key_type ch_ct_key_type_of(const ch_ct_key *k)
{
	return k->type;
}

const uint8_t *ch_ct_key_log_id(const ch_ct_key *k)
{
	return k->log_id;
}

ch_bytes ch_ct_key_spki(const ch_ct_key *k)
{
	ch_bytes b = {k->spki, k->spki_len};
	return b;
}

bool ch_ct_key_raw_ed25519(const ch_ct_key *k, uint8_t out[32])
{
	size_t n = 32;

	return k->type == CH_CT_KEY_ED25519 && EVP_PKEY_get_raw_public_key(k->pkey, out, &n) &&
	       n == 32;
}

/* verify_evp runs EVP_DigestVerify with SHA-256 (md NULL for Ed25519). */
static ch_err verify_evp(const ch_ct_key *k, const EVP_MD *md, const uint8_t *msg, size_t msg_len,
			 const uint8_t *sig, size_t sig_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	ch_err err = CH_OK;
	int rc;

	if (!ctx)
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	if (EVP_DigestVerifyInit(ctx, NULL, md, NULL, k->pkey) != 1) {
		err = ch_error_set(CH_ERR_INTEGRITY, "signature: cannot set up verification");
		goto out;
	}
	rc = EVP_DigestVerify(ctx, sig, sig_len, msg, msg_len);
	if (rc != 1)
		err = ch_error_set(CH_ERR_INTEGRITY, "signature does not verify");
out:
	EVP_MD_CTX_free(ctx);
	return err;
}

ch_err ch_ct_verify_digitally_signed(const ch_ct_key *k, const uint8_t *msg, size_t msg_len,
				     const uint8_t *ds, size_t ds_len)
{
	size_t sig_len;
	int want;

	if (ds_len < 4)
		return ch_error_set(CH_ERR_PARSE, "DigitallySigned: %zu bytes is too short", ds_len);
	sig_len = ((size_t)ds[2] << 8) | ds[3];
	if (sig_len + 4 != ds_len)
		return ch_error_set(CH_ERR_PARSE,
				    "DigitallySigned: signature length %zu does not fill %zu bytes",
				    sig_len, ds_len);
	if (ds[0] != TLS_HASH_SHA256)
		return ch_error_set(CH_ERR_INTEGRITY, "DigitallySigned: hash algorithm %u is not SHA-256",
				    ds[0]);
	want = k->type == CH_CT_KEY_ECDSA ? TLS_SIG_ECDSA : k->type == CH_CT_KEY_RSA ? TLS_SIG_RSA : -1;
	if (ds[1] != want)
		return ch_error_set(CH_ERR_INTEGRITY,
				    "DigitallySigned: signature algorithm %u does not match the log key",
				    ds[1]);
	return verify_evp(k, EVP_sha256(), msg, msg_len, ds + 4, sig_len);
}

ch_err ch_ct_verify_ed25519(const ch_ct_key *k, const uint8_t *msg, size_t msg_len,
			    const uint8_t *sig, size_t sig_len)
{
	if (k->type != CH_CT_KEY_ED25519)
		return ch_error_set(CH_ERR_INTEGRITY, "signature: key is not Ed25519");
	if (sig_len != 64)
		return ch_error_set(CH_ERR_INTEGRITY, "Ed25519 signature of %zu bytes", sig_len);
	return verify_evp(k, NULL, msg, msg_len, sig, sig_len);
}
