/* Precertificate TBS reconstruction (RFC 6962 §3.2) and the entry records kept in the store so
 * that `ct verify` can rebuild every Merkle leaf from the stored certificates (see ct.h). */
#include "internal.h"

#include <certhound/der.h>

#include <string.h>

/* 1.3.6.1.4.1.11129.2.4.3, the CT poison extension, as a DER OID element. */
static const uint8_t poison_oid[] = {0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01,
				     0xd6, 0x79, 0x02, 0x04, 0x03};

static ch_err put_header(ch_buf *out, uint8_t tag, size_t len)
{
	uint8_t h[6];
	size_t n = 0;

	h[n++] = tag;
	if (len < 0x80) {
		h[n++] = (uint8_t)len;
	} else if (len < 0x100) {
		h[n++] = 0x81;
		h[n++] = (uint8_t)len;
	} else if (len < 0x10000) {
		h[n++] = 0x82;
		h[n++] = (uint8_t)(len >> 8);
		h[n++] = (uint8_t)len;
	} else if (len < 0x1000000) {
		h[n++] = 0x83;
		h[n++] = (uint8_t)(len >> 16);
		h[n++] = (uint8_t)(len >> 8);
		h[n++] = (uint8_t)len;
	} else {
		return ch_error_set(CH_ERR_LIMIT, "precertificate: TBS too long");
	}
	return ch_buf_append(out, h, n);
}

static size_t header_len(size_t len)
{
	return len < 0x80 ? 2 : len < 0x100 ? 3 : len < 0x10000 ? 4 : 5;
}

ch_err ch_ct_precert_tbs(ch_buf *out, const uint8_t *der, size_t len)
{
	ch_der c, cert, tbs, exts_wrap, exts, ext, el;
	const uint8_t *tbs_start, *wrap_start = NULL, *poison = NULL;
	size_t poison_len = 0, exts_len, wrap_len, tbs_len;
	unsigned tag;
	ch_err err = CH_OK;

	ch_der_init(&c, der, len);
	if (!ch_der_get(&c, &cert, CH_DER_SEQUENCE) || c.len != 0 ||
	    !ch_der_get(&cert, &tbs, CH_DER_SEQUENCE))
		return ch_error_set(CH_ERR_PARSE, "precertificate: not a certificate");
	tbs_start = tbs.data;
	/* Walk the TBS to its [3] extensions. */
	while (tbs.len > 0) {
		const uint8_t *at = tbs.data;
		if (!ch_der_get_any(&tbs, &el, &tag, NULL))
			return ch_error_set(CH_ERR_PARSE, "precertificate: bad TBS element");
		if (tag == CH_DER_CTX_C(3)) {
			wrap_start = at;
			exts_wrap = el;
			break;
		}
	}
	if (!wrap_start || tbs.len != 0 || !ch_der_get(&exts_wrap, &exts, CH_DER_SEQUENCE) ||
	    exts_wrap.len != 0)
		return ch_error_set(CH_ERR_PARSE, "precertificate: no extensions");
	/* Find the poison extension. */
	for (ch_der it = exts; it.len > 0;) {
		const uint8_t *at = it.data;
		ch_der inner;
		if (!ch_der_get_element(&it, &ext, CH_DER_SEQUENCE))
			return ch_error_set(CH_ERR_PARSE, "precertificate: bad extension");
		inner = ext;
		if (!ch_der_get(&inner, &el, CH_DER_SEQUENCE))
			return ch_error_set(CH_ERR_PARSE, "precertificate: bad extension");
		if (el.len >= sizeof poison_oid && !memcmp(el.data, poison_oid, sizeof poison_oid)) {
			if (poison)
				return ch_error_set(CH_ERR_PARSE, "precertificate: two poison extensions");
			poison = at;
			poison_len = ext.len;
		}
	}
	if (!poison)
		return ch_error_set(CH_ERR_PARSE, "precertificate: no CT poison extension");
	/* Rebuild: TBS header, elements before [3], [3] header, SEQUENCE header, extensions but
	 * the poison. An empty extension list keeps its (empty) SEQUENCE, as logs do. */
	exts_len = exts.len - poison_len;
	wrap_len = header_len(exts_len) + exts_len;
	tbs_len = (size_t)(wrap_start - tbs_start) + header_len(wrap_len) + wrap_len;
	ch_buf_reset(out);
	CH_TRY(put_header(out, 0x30, tbs_len));
	CH_TRY(ch_buf_append(out, tbs_start, (size_t)(wrap_start - tbs_start)));
	CH_TRY(put_header(out, 0xa3, wrap_len));
	CH_TRY(put_header(out, 0x30, exts_len));
	CH_TRY(ch_buf_append(out, exts.data, (size_t)(poison - exts.data)));
	CH_TRY(ch_buf_append(out, poison + poison_len,
			     (size_t)(exts.data + exts.len - (poison + poison_len))));
out:
	return err;
}

/* cert_offset returns where the uint24-prefixed certificate (x509) or TBS (precert) starts in
 * a TimestampedEntry: after timestamp (8), entry type (2) and, for precerts, the key hash (32). */
static size_t cert_offset(ch_ct_entry_type t)
{
	return t == CH_CT_X509_ENTRY ? 10 : 42;
}

ch_err ch_ct_entry_record(ch_buf *out, const ch_ct_entry *e, const uint8_t *stored,
			  size_t stored_len, ch_buf *scratch)
{
	const uint8_t *te = e->timestamped_entry.data;
	size_t te_len = e->timestamped_entry.len, off = cert_offset(e->type) + 3, cut = 0;
	ch_err err = CH_OK;

	ch_buf_reset(out);
	if (stored && te_len >= off) {
		if (e->type == CH_CT_X509_ENTRY) {
			if (e->cert.len == stored_len && e->cert.data == te + off &&
			    !memcmp(e->cert.data, stored, stored_len))
				cut = stored_len;
		} else if (e->tbs.data == te + off &&
			   ch_ct_precert_tbs(scratch, stored, stored_len) == CH_OK &&
			   scratch->len == e->tbs.len && !memcmp(scratch->data, e->tbs.data, e->tbs.len)) {
			cut = e->tbs.len;
		}
		ch_error_clear();
	}
	CH_TRY(ch_buf_putc(out, cut ? 'E' : 'F'));
	if (cut) {
		CH_TRY(ch_buf_append(out, te, off));
		CH_TRY(ch_buf_append(out, te + off + cut, te_len - off - cut));
	} else {
		CH_TRY(ch_buf_append(out, te, te_len));
	}
out:
	return err;
}

ch_err ch_ct_entry_rebuild(ch_buf *leaf, const uint8_t *rec, size_t rec_len, const uint8_t *der,
			   size_t der_len, ch_buf *scratch)
{
	size_t off, n;
	uint16_t type;
	ch_err err = CH_OK;

	ch_buf_reset(leaf);
	if (rec_len >= 1 && rec[0] == 'L')
		return ch_buf_append(leaf, rec + 1, rec_len - 1);
	CH_TRY(ch_buf_append(leaf, "\0\0", 2)); /* version v1, leaf type timestamped_entry */
	if (rec_len >= 1 && rec[0] == 'F')
		return ch_buf_append(leaf, rec + 1, rec_len - 1);
	if (rec_len < 1 + 13 || rec[0] != 'E')
		return ch_error_set(CH_ERR_PARSE, "entry record: malformed");
	type = (uint16_t)(rec[1 + 8] << 8 | rec[1 + 9]);
	if (type > CH_CT_PRECERT_ENTRY)
		return ch_error_set(CH_ERR_PARSE, "entry record: unknown entry type %u", type);
	off = cert_offset((ch_ct_entry_type)type) + 3;
	if (rec_len < 1 + off)
		return ch_error_set(CH_ERR_PARSE, "entry record: truncated");
	n = (size_t)rec[off - 2] << 16 | (size_t)rec[off - 1] << 8 | rec[off];
	if (!der)
		return ch_error_set(CH_ERR_NOTFOUND, "the certificate of the entry is not stored");
	if (type == CH_CT_PRECERT_ENTRY) {
		CH_TRY(ch_ct_precert_tbs(scratch, der, der_len));
		der = (const uint8_t *)scratch->data;
		der_len = scratch->len;
	}
	if (der_len != n)
		return ch_error_set(CH_ERR_INTEGRITY, "the stored %s has %zu bytes, the entry %zu",
				    type ? "precertificate's TBS" : "certificate", der_len, n);
	CH_TRY(ch_buf_append(leaf, rec + 1, off));
	CH_TRY(ch_buf_append(leaf, der, der_len));
	CH_TRY(ch_buf_append(leaf, rec + 1 + off, rec_len - 1 - off));
out:
	return err;
}
