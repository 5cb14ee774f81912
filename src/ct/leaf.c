/* RFC 6962 §3.4 MerkleTreeLeaf / TimestampedEntry and §4.6 extra_data decoding. */
#include "internal.h"

#include <string.h>

/* static-ct-api ExtensionType leaf_index(0), a uint40. */
enum { EXT_LEAF_INDEX = 0 };

ch_err ch_ct__decode_extensions(ch_ct_entry *e)
{
	ch_tls t = {e->extensions.data, e->extensions.len};
	unsigned seen = 0;

	e->has_leaf_index = false;
	while (t.len > 0) {
		uint64_t type, idx;
		ch_bytes data;
		ch_tls d;

		if (!ch_tls_uint(&t, 1, &type) || !ch_tls_vec(&t, 2, &data))
			return ch_error_set(CH_ERR_PARSE, "CtExtensions: truncated extension");
		if (type != EXT_LEAF_INDEX)
			continue;
		if (seen++)
			return ch_error_set(CH_ERR_PARSE, "CtExtensions: duplicate leaf_index");
		d.p = data.data;
		d.len = data.len;
		if (data.len != 5 || !ch_tls_uint(&d, 5, &idx))
			return ch_error_set(CH_ERR_PARSE, "CtExtensions: leaf_index of %zu bytes",
					    data.len);
		e->has_leaf_index = true;
		e->leaf_index = idx;
	}
	return CH_OK;
}

ch_err ch_ct__decode_timestamped_entry(ch_ct_entry *e, ch_tls *t)
{
	const uint8_t *start = t->p;
	uint64_t ts, type;

	if (!ch_tls_uint(t, 8, &ts) || !ch_tls_uint(t, 2, &type))
		return ch_error_set(CH_ERR_PARSE, "TimestampedEntry: truncated header");
	e->timestamp = ts;
	switch (type) {
	case CH_CT_X509_ENTRY:
		e->type = CH_CT_X509_ENTRY;
		if (!ch_tls_vec(t, 3, &e->cert) || e->cert.len == 0)
			return ch_error_set(CH_ERR_PARSE, "TimestampedEntry: bad x509_entry certificate");
		break;
	case CH_CT_PRECERT_ENTRY: {
		ch_bytes ikh;

		e->type = CH_CT_PRECERT_ENTRY;
		if (!ch_tls_bytes(t, 32, &ikh) || !ch_tls_vec(t, 3, &e->tbs) || e->tbs.len == 0)
			return ch_error_set(CH_ERR_PARSE, "TimestampedEntry: bad precert_entry");
		memcpy(e->issuer_key_hash, ikh.data, 32);
		break;
	}
	default:
		return ch_error_set(CH_ERR_PARSE, "TimestampedEntry: unknown entry type %llu",
				    (unsigned long long)type);
	}
	if (e->cert.len > CH_CT_MAX_CERT || e->tbs.len > CH_CT_MAX_CERT)
		return ch_error_set(CH_ERR_LIMIT, "TimestampedEntry: certificate over %u bytes",
				    CH_CT_MAX_CERT);
	if (!ch_tls_vec(t, 2, &e->extensions))
		return ch_error_set(CH_ERR_PARSE, "TimestampedEntry: truncated extensions");
	e->timestamped_entry.data = start;
	e->timestamped_entry.len = (size_t)(t->p - start);
	return ch_ct__decode_extensions(e);
}

ch_err ch_ct_leaf_decode(ch_ct_entry *out, const uint8_t *leaf, size_t len)
{
	ch_tls t = {leaf, len};
	uint64_t version, leaf_type;
	ch_err err;

	memset(out, 0, sizeof *out);
	if (!ch_tls_uint(&t, 1, &version) || !ch_tls_uint(&t, 1, &leaf_type))
		return ch_error_set(CH_ERR_PARSE, "MerkleTreeLeaf: truncated");
	if (version != 0)
		return ch_error_set(CH_ERR_PARSE, "MerkleTreeLeaf: version %llu is not v1",
				    (unsigned long long)version);
	if (leaf_type != 0)
		return ch_error_set(CH_ERR_PARSE, "MerkleTreeLeaf: leaf type %llu is not "
				    "timestamped_entry", (unsigned long long)leaf_type);
	err = ch_ct__decode_timestamped_entry(out, &t);
	if (err)
		return ch_error_prefix(err, "MerkleTreeLeaf");
	if (t.len != 0)
		return ch_error_set(CH_ERR_PARSE, "MerkleTreeLeaf: %zu bytes after the entry", t.len);
	return CH_OK;
}

/* decode_chain reads an ASN.1Cert list (uint24 total length, uint24-prefixed certificates). */
static ch_err decode_chain(ch_ct_entry *e, ch_tls *t)
{
	ch_bytes all;
	ch_tls c;

	if (!ch_tls_vec(t, 3, &all))
		return ch_error_set(CH_ERR_PARSE, "extra_data: truncated certificate chain");
	c.p = all.data;
	c.len = all.len;
	e->num_chain = 0;
	while (c.len > 0) {
		if (e->num_chain == CH_CT_MAX_CHAIN)
			return ch_error_set(CH_ERR_LIMIT, "extra_data: more than %u chain certificates",
					    CH_CT_MAX_CHAIN);
		if (!ch_tls_vec(&c, 3, &e->chain[e->num_chain]) || e->chain[e->num_chain].len == 0)
			return ch_error_set(CH_ERR_PARSE, "extra_data: bad chain certificate %zu",
					    e->num_chain);
		e->num_chain++;
	}
	return CH_OK;
}

ch_err ch_ct_extra_decode(ch_ct_entry *e, const uint8_t *extra, size_t len)
{
	ch_tls t = {extra, len};
	ch_err err = CH_OK;

	e->num_chain = 0;
	e->precert.data = NULL;
	e->precert.len = 0;
	if (e->type == CH_CT_PRECERT_ENTRY) {
		if (!ch_tls_vec(&t, 3, &e->precert) || e->precert.len == 0)
			return ch_error_set(CH_ERR_PARSE, "extra_data: bad pre_certificate");
		if (e->precert.len > CH_CT_MAX_CERT)
			return ch_error_set(CH_ERR_LIMIT, "extra_data: pre_certificate over %u bytes",
					    CH_CT_MAX_CERT);
	}
	CH_TRY(decode_chain(e, &t));
	if (t.len != 0)
		err = ch_error_set(CH_ERR_PARSE, "extra_data: %zu bytes after the chain", t.len);
out:
	return err;
}

ch_err ch_ct_entry_leaf_hash(ch_hash *h, uint8_t out[32], const ch_ct_entry *e)
{
	/* 0x00 leaf prefix, Version v1, MerkleLeafType timestamped_entry. */
	static const uint8_t head[3] = {0x00, 0x00, 0x00};
	ch_err err;

	CH_TRY(ch_hash_sha256_begin(h));
	CH_TRY(ch_hash_sha256_add(h, head, sizeof head));
	CH_TRY(ch_hash_sha256_add(h, e->timestamped_entry.data, e->timestamped_entry.len));
	CH_TRY(ch_hash_sha256_end(h, out));
out:
	return err;
}
