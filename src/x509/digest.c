/* Fingerprints: SHA-256 and SHA-1 of the certificate, SHA-256 of the SPKI as encoded, and the
 * TBS fingerprint with the CT poison and SCT-list extensions removed (the same value for a
 * precertificate and its final certificate, like Censys' tbs_no_ct_fingerprint). */
#include "internal.h"

#include <string.h>

static size_t der_header(uint8_t *out, uint8_t tag, size_t len)
{
	size_t n = 0, k = 0;
	uint8_t tmp[sizeof(size_t)];

	out[n++] = tag;
	if (len < 0x80) {
		out[n++] = (uint8_t)len;
		return n;
	}
	for (size_t v = len; v; v >>= 8)
		tmp[k++] = (uint8_t)v;
	out[n++] = (uint8_t)(0x80 | k);
	while (k)
		out[n++] = tmp[--k];
	return n;
}

static bool is_ct_ext(ch_der ext)
{
	ch_der oid;

	unsigned tag;

	if (!ch_der_get_any_ber(&ext, &oid, &tag, NULL, NULL) || tag != CH_DER_OID)
		return false;
	return CH_OID_EQ(oid, "\x2b\x06\x01\x04\x01\xd6\x79\x02\x04\x03") ||
	       CH_OID_EQ(oid, "\x2b\x06\x01\x04\x01\xd6\x79\x02\x04\x02");
}

/* kept_len sums the lengths of the extensions that are not CT ones; *out_any_ct says whether
 * anything was removed. */
static size_t kept_len(ch_der list, bool *out_any_ct)
{
	ch_der it = list, elem;
	size_t n = 0;
	unsigned tag;

	*out_any_ct = false;
	while (it.len) {
		ch_der start = it;
		if (!ch_der_get_any_ber(&it, &elem, &tag, NULL, NULL))
			break;
		if (is_ct_ext(elem))
			*out_any_ct = true;
		else
			n += (size_t)(it.data - start.data);
	}
	return n;
}

/* tbs_no_ct hashes the TBSCertificate `tbs` (the whole element; `body` its contents) without
 * its CT extensions. exts_elem is the [3] element inside body (empty when there is none) and
 * exts_list the contents of its Extensions SEQUENCE. A TBS without CT extensions is hashed as
 * is; otherwise the headers are re-encoded (definite, minimal) around what is kept. */
static ch_err tbs_no_ct(ch_hash *h, uint8_t out[32], ch_der tbs, ch_der body, ch_der exts_elem,
			ch_der exts_list)
{
	const uint8_t *ext = exts_elem.data;
	size_t pre, post, kept, seq_len, ctx_len;
	uint8_t hdr[3][16];
	size_t hl[3];
	ch_der it = exts_list, elem;
	unsigned tag;
	bool any;
	ch_err err;

	kept = exts_elem.len ? kept_len(exts_list, &any) : 0;
	if (!exts_elem.len || !any)
		return ch_hash_sha256(h, out, tbs.data, tbs.len);
	pre = (size_t)(ext - body.data);
	post = body.len - pre - exts_elem.len;
	hl[2] = der_header(hdr[2], 0x30, kept);
	seq_len = hl[2] + kept;
	hl[1] = der_header(hdr[1], 0xa3, seq_len);
	ctx_len = hl[1] + seq_len;
	hl[0] = der_header(hdr[0], 0x30, pre + ctx_len + post);
	if ((err = ch_hash_sha256_begin(h)) || (err = ch_hash_sha256_add(h, hdr[0], hl[0])) ||
	    (err = ch_hash_sha256_add(h, body.data, pre)) ||
	    (err = ch_hash_sha256_add(h, hdr[1], hl[1])) ||
	    (err = ch_hash_sha256_add(h, hdr[2], hl[2])))
		return err;
	while (it.len) {
		ch_der start = it;
		if (!ch_der_get_any_ber(&it, &elem, &tag, NULL, NULL))
			break;
		if (!is_ct_ext(elem) &&
		    (err = ch_hash_sha256_add(h, start.data, (size_t)(it.data - start.data))))
			return err;
	}
	if ((err = ch_hash_sha256_add(h, ext + exts_elem.len, post)))
		return err;
	return ch_hash_sha256_end(h, out);
}

/* ch_cert_tbs_sha256: see x509.h. The TBS is walked element by element (BER lengths tolerated,
 * as ch_cert_parse does) only to find its [3] extensions, which must come last. */
ch_err ch_cert_tbs_sha256(uint8_t out[32], ch_hash *h, const uint8_t *tbs, size_t tbs_len)
{
	ch_der in, body, it, el, exts_elem = {0}, exts_list = {0};
	unsigned tag;

	ch_der_init(&in, tbs, tbs_len);
	if (!ch_der_get_any_ber(&in, &body, &tag, NULL, NULL) || tag != CH_DER_SEQUENCE || in.len)
		return ch_error_set(CH_ERR_PARSE, "TBSCertificate: not one complete SEQUENCE");
	it = body;
	while (it.len) {
		const uint8_t *at = it.data;
		if (exts_elem.len)
			return ch_error_set(CH_ERR_PARSE, "TBSCertificate: data after the extensions "
					    "at byte offset %zu", (size_t)(at - tbs));
		if (!ch_der_get_any_ber(&it, &el, &tag, NULL, NULL))
			return ch_error_set(CH_ERR_PARSE, "TBSCertificate: bad element at byte "
					    "offset %zu", (size_t)(at - tbs));
		if (tag != CH_DER_CTX_C(3))
			continue;
		exts_elem = (ch_der){at, (size_t)(it.data - at)};
		if (!ch_der_get_any_ber(&el, &exts_list, &tag, NULL, NULL) || tag != CH_DER_SEQUENCE)
			return ch_error_set(CH_ERR_PARSE, "TBSCertificate.extensions: not a SEQUENCE "
					    "at byte offset %zu", (size_t)(at - tbs));
	}
	return tbs_no_ct(h, out, (ch_der){tbs, tbs_len}, body, exts_elem, exts_list);
}

ch_err ch_x509__digests(ch_parse *p, ch_hash *h)
{
	ch_cert *c = p->cert;
	ch_err err;

	if ((err = ch_hash_sha256(h, c->sha256, c->der.data, c->der.len)) ||
	    (err = ch_hash_sha1(h, c->sha1, c->der.data, c->der.len)) ||
	    (err = ch_hash_sha256(h, c->spki_sha256, c->key.spki.data, c->key.spki.len)))
		return err;
	return tbs_no_ct(h, c->tbs_sha256, (ch_der){c->tbs.data, c->tbs.len}, p->tbs_body,
			 p->exts_elem, p->exts_list);
}
