/* --start-at-end for RFC 6962 logs: the compact range of a whole tree without its entries.
 *
 * The audit path of the last leaf of a tree of N leaves is made of the roots of the complete
 * subtrees to its left, so that leaf's hash (from get-entries) and its audit path (from
 * get-proof-by-hash) give the compact range of [0, N) that a sync keeps. Nothing the log says
 * is trusted: the range must hash to the signed root, or the log lied. */
#include <certhound/merkle.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

/* malformed turns a failure to read the log's answer into evidence (CH_ERR_INTEGRITY); other
 * failures (memory) keep their code. */
static ch_err malformed(ch_err err, const char *what, uint64_t index)
{
	if (err != CH_ERR_PARSE && err != CH_ERR_LIMIT)
		return err;
	return ch_error_prefix(CH_ERR_INTEGRITY, "%s of entry %" PRIu64, what, index);
}

/* fetch GETs base + path into body (the client's retries and --max-rps spacing apply). */
static ch_err fetch(ch_ct_http *http, const char *base, const char *path, ch_buf *body)
{
	char url[4096];

	if ((size_t)snprintf(url, sizeof url, "%s%s", base, path) >= sizeof url)
		return ch_error_set(CH_ERR_INVALID, "log URL too long");
	return ch_ct__http_get(http, url, body);
}

/* last_leaf_hash fetches entry n - 1 and writes its Merkle leaf hash, SHA-256(0x00 ||
 * MerkleTreeLeaf) (RFC 6962 §2.1). */
static ch_err last_leaf_hash(uint8_t out[32], ch_ct_http *http, ch_hash *h, const char *base,
			     uint64_t n, ch_buf *body)
{
	char path[128];
	ch_ct_entries es;
	ch_err err;

	snprintf(path, sizeof path, "ct/v1/get-entries?start=%" PRIu64 "&end=%" PRIu64, n - 1,
		 n - 1);
	CH_TRY(fetch(http, base, path, body));
	if ((err = ch_ct_entries_parse_json(&es, body->data, body->len)) != CH_OK)
		return malformed(err, "get-entries", n - 1);
	if (es.num == 0)
		err = ch_error_set(CH_ERR_INTEGRITY, "get-entries of entry %" PRIu64 " returned no "
				   "entries", n - 1);
	else
		err = ch_merkle_leaf_hash(h, out, es.leaf_input[0].data, es.leaf_input[0].len);
	ch_ct_entries_free(&es);
out:
	return err;
}

/* proof_by_hash asks for the audit path of leaf hash lh in the tree of n leaves. */
static ch_err proof_by_hash(ch_ct_proof *out, ch_ct_http *http, const char *base,
			    const uint8_t lh[32], uint64_t n, ch_buf *body)
{
	char b64[48], q[3 * sizeof b64], path[256];
	size_t k = 0;
	ch_err err;

	ch_base64_encode(b64, lh, 32);
	for (const char *p = b64; *p; p++) { /* '+', '/' and '=' are not literal in a query */
		if (strchr("+/=", *p))
			k += (size_t)snprintf(q + k, sizeof q - k, "%%%02X", (unsigned)*p);
		else
			q[k++] = *p;
	}
	q[k] = '\0';
	snprintf(path, sizeof path, "ct/v1/get-proof-by-hash?hash=%s&tree_size=%" PRIu64, q, n);
	CH_TRY(fetch(http, base, path, body));
	if ((err = ch_ct_proof_parse_json(out, body->data, body->len)) != CH_OK)
		return malformed(err, "get-proof-by-hash", n - 1);
out:
	return err;
}

/* other_index handles a proof that names another leaf than n - 1. When it proves lh at that
 * index, the log holds the same leaf twice (or served a copy of an earlier entry as the last
 * one): no lie shown, but no audit path of the last leaf either. */
static ch_err other_index(ch_hash *h, const ch_ct_proof *p, const uint8_t lh[32],
			  const ch_ct_sth *sth)
{
	uint64_t n = sth->tree_size;

	if (ch_merkle_verify_inclusion(h, p->leaf_index, n, lh, (const uint8_t(*)[32])p->hashes,
				       p->num_hashes, sth->root) != CH_OK)
		return ch_error_prefix(CH_ERR_INTEGRITY, "get-proof-by-hash of entry %" PRIu64
				       " names leaf_index %" PRIu64 " and does not prove it", n - 1,
				       p->leaf_index);
	return ch_error_set(CH_ERR_NOTFOUND, "--start-at-end: entry %" PRIu64 " has the same leaf "
			    "hash as entry %" PRIu64 ", so get-proof-by-hash does not give the audit "
			    "path of the last entry; sync without --start-at-end, or again once the log "
			    "has grown", n - 1, p->leaf_index);
}

/* ch_ct__rfc6962_end: the range of the whole tree from its last leaf (see internal.h). */
ch_err ch_ct__rfc6962_end(ch_merkle_range *out, ch_ct_http *http, ch_hash *h, const char *base,
			  const ch_ct_sth *sth, ch_buf *body)
{
	uint64_t n = sth->tree_size;
	uint8_t lh[32], root[32];
	ch_ct_proof p;
	ch_err err;

	ch_merkle_range_init(out);
	CH_TRY(last_leaf_hash(lh, http, h, base, n, body));
	CH_TRY(proof_by_hash(&p, http, base, lh, n, body));
	if (p.leaf_index != n - 1)
		return other_index(h, &p, lh, sth);
	err = ch_merkle_range_from_last(out, h, n, lh, (const uint8_t(*)[32])p.hashes,
					p.num_hashes);
	if (err == CH_ERR_INTEGRITY)
		return ch_error_prefix(err, "get-proof-by-hash of entry %" PRIu64, n - 1);
	if (err)
		return err;
	CH_TRY(ch_merkle_range_root(out, h, root));
	if (memcmp(root, sth->root, 32) != 0) {
		ch_merkle_range_init(out);
		return ch_error_set(CH_ERR_INTEGRITY, "entry %" PRIu64 " and its audit path "
				    "(get-proof-by-hash) do not hash to the signed root", n - 1);
	}
out:
	return err;
}
