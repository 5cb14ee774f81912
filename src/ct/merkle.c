/* The RFC 6962 Merkle tree: hashes, compact ranges, and proof verification (RFC 9162 §2.1). */
#include <certhound/merkle.h>

#include <string.h>

/* SHA-256 of the empty string: the Merkle Tree Hash of an empty list (RFC 6962 §2.1). */
static const uint8_t empty_root[CH_MERKLE_HASH_LEN] = {
	0xe3, 0xb0, 0xc4, 0x42, 0x98, 0xfc, 0x1c, 0x14, 0x9a, 0xfb, 0xf4, 0xc8, 0x99, 0x6f, 0xb9, 0x24,
	0x27, 0xae, 0x41, 0xe4, 0x64, 0x9b, 0x93, 0x4c, 0xa4, 0x95, 0x99, 0x1b, 0x78, 0x52, 0xb8, 0x55,
};

ch_err ch_merkle_leaf_hash(ch_hash *h, uint8_t out[CH_MERKLE_HASH_LEN], const void *leaf,
			   size_t leaf_len)
{
	static const uint8_t prefix = 0x00;
	ch_err err;

	CH_TRY(ch_hash_sha256_begin(h));
	CH_TRY(ch_hash_sha256_add(h, &prefix, 1));
	CH_TRY(ch_hash_sha256_add(h, leaf, leaf_len));
	CH_TRY(ch_hash_sha256_end(h, out));
out:
	return err;
}

ch_err ch_merkle_node_hash(ch_hash *h, uint8_t out[CH_MERKLE_HASH_LEN],
			   const uint8_t left[CH_MERKLE_HASH_LEN],
			   const uint8_t right[CH_MERKLE_HASH_LEN])
{
	uint8_t buf[1 + 2 * CH_MERKLE_HASH_LEN];

	/* Copy first so that out may alias left or right. */
	buf[0] = 0x01;
	memcpy(buf + 1, left, CH_MERKLE_HASH_LEN);
	memcpy(buf + 1 + CH_MERKLE_HASH_LEN, right, CH_MERKLE_HASH_LEN);
	return ch_hash_sha256(h, out, buf, sizeof buf);
}

void ch_merkle_empty_root(uint8_t out[CH_MERKLE_HASH_LEN])
{
	memcpy(out, empty_root, CH_MERKLE_HASH_LEN);
}

void ch_merkle_range_init(ch_merkle_range *r)
{
	r->size = 0;
	r->num_hashes = 0;
}

ch_err ch_merkle_range_append_subtree(ch_merkle_range *r, ch_hash *h, unsigned height,
				      const uint8_t hash[CH_MERKLE_HASH_LEN])
{
	uint64_t step, s;
	ch_err err = CH_OK;

	if (height > 62)
		return ch_error_set(CH_ERR_INVALID, "merkle: subtree height %u too large", height);
	step = (uint64_t)1 << height;
	if (r->size & (step - 1))
		return ch_error_set(CH_ERR_INVALID,
				    "merkle: subtree of 2^%u leaves cannot start at index %llu",
				    height, (unsigned long long)r->size);
	if (r->size > ((uint64_t)1 << 63) - step)
		return ch_error_set(CH_ERR_LIMIT, "merkle: tree would exceed 2^63 leaves");
	if (r->num_hashes >= CH_MERKLE_MAX_DEPTH)
		return ch_error_set(CH_ERR_INVALID, "merkle: corrupt range");
	memcpy(r->hashes[r->num_hashes++], hash, CH_MERKLE_HASH_LEN);
	/* Each trailing one bit of size/step is a pending subtree of the same height: merge. */
	for (s = r->size >> height; s & 1; s >>= 1) {
		if (r->num_hashes < 2)
			return ch_error_set(CH_ERR_INVALID, "merkle: corrupt range");
		r->num_hashes--;
		CH_TRY(ch_merkle_node_hash(h, r->hashes[r->num_hashes - 1], r->hashes[r->num_hashes - 1],
					   r->hashes[r->num_hashes]));
	}
	r->size += step;
out:
	return err;
}

ch_err ch_merkle_range_append(ch_merkle_range *r, ch_hash *h,
			      const uint8_t leaf_hash[CH_MERKLE_HASH_LEN])
{
	return ch_merkle_range_append_subtree(r, h, 0, leaf_hash);
}

ch_err ch_merkle_range_root(const ch_merkle_range *r, ch_hash *h, uint8_t out[CH_MERKLE_HASH_LEN])
{
	uint8_t acc[CH_MERKLE_HASH_LEN];
	ch_err err = CH_OK;

	if (r->num_hashes == 0) {
		memcpy(out, empty_root, CH_MERKLE_HASH_LEN);
		return CH_OK;
	}
	/* The right-most (smallest) subtree joins its left neighbours one by one. */
	memcpy(acc, r->hashes[r->num_hashes - 1], CH_MERKLE_HASH_LEN);
	for (unsigned i = r->num_hashes - 1; i-- > 0;)
		CH_TRY(ch_merkle_node_hash(h, acc, r->hashes[i], acc));
	memcpy(out, acc, CH_MERKLE_HASH_LEN);
out:
	return err;
}

ch_err ch_merkle_range_from_last(ch_merkle_range *out, ch_hash *h, uint64_t size,
				 const uint8_t leaf_hash[CH_MERKLE_HASH_LEN],
				 const uint8_t (*path)[CH_MERKLE_HASH_LEN], size_t num_path)
{
	unsigned low, num;
	ch_err err = CH_OK;

	ch_merkle_range_init(out);
	if (size == 0 || size > (uint64_t)1 << 63)
		return ch_error_set(CH_ERR_INVALID, "merkle: no last leaf in a tree of %llu leaves",
				    (unsigned long long)size);
	low = (unsigned)__builtin_ctzll(size);
	num = (unsigned)__builtin_popcountll(size);
	if (num_path != low + num - 1)
		return ch_error_set(CH_ERR_INTEGRITY, "audit path of the last leaf of a tree of %llu "
				    "leaves has %zu hashes, not %u", (unsigned long long)size,
				    num_path, low + num - 1);
	/* The leaf is the right-most leaf of the smallest complete subtree: every sibling on the
	 * way up to that subtree's root is on the left. */
	memcpy(out->hashes[num - 1], leaf_hash, CH_MERKLE_HASH_LEN);
	for (unsigned i = 0; i < low; i++)
		CH_TRY(ch_merkle_node_hash(h, out->hashes[num - 1], path[i], out->hashes[num - 1]));
	/* Above it, each sibling is a whole subtree of the range, the next larger one each time. */
	for (unsigned j = 0; j + 1 < num; j++)
		memcpy(out->hashes[j], path[num_path - 1 - j], CH_MERKLE_HASH_LEN);
	out->size = size;
	out->num_hashes = num;
out:
	return err;
}

ch_err ch_merkle_range_check(const ch_merkle_range *r)
{
	if (r->num_hashes > CH_MERKLE_MAX_DEPTH ||
	    (unsigned)__builtin_popcountll(r->size) != r->num_hashes)
		return ch_error_set(CH_ERR_PARSE,
				    "merkle: range of size %llu cannot have %u subtree hashes",
				    (unsigned long long)r->size, r->num_hashes);
	return CH_OK;
}

ch_err ch_merkle_root(ch_hash *h, uint8_t out[CH_MERKLE_HASH_LEN],
		      const uint8_t (*leaf_hashes)[CH_MERKLE_HASH_LEN], uint64_t n)
{
	ch_merkle_range r;
	ch_err err = CH_OK;

	ch_merkle_range_init(&r);
	for (uint64_t i = 0; i < n; i++)
		CH_TRY(ch_merkle_range_append(&r, h, leaf_hashes[i]));
	CH_TRY(ch_merkle_range_root(&r, h, out));
out:
	return err;
}

ch_err ch_merkle_verify_inclusion(ch_hash *h, uint64_t index, uint64_t size,
				  const uint8_t leaf_hash[CH_MERKLE_HASH_LEN],
				  const uint8_t (*proof)[CH_MERKLE_HASH_LEN], size_t num_proof,
				  const uint8_t root[CH_MERKLE_HASH_LEN])
{
	uint8_t r[CH_MERKLE_HASH_LEN];
	uint64_t fn, sn;
	ch_err err = CH_OK;

	if (index >= size)
		return ch_error_set(CH_ERR_INTEGRITY,
				    "inclusion proof: leaf index %llu is outside a tree of size %llu",
				    (unsigned long long)index, (unsigned long long)size);
	if (num_proof > CH_MERKLE_MAX_PROOF)
		return ch_error_set(CH_ERR_INTEGRITY, "inclusion proof: %zu hashes is too long",
				    num_proof);
	fn = index;
	sn = size - 1;
	memcpy(r, leaf_hash, CH_MERKLE_HASH_LEN);
	for (size_t i = 0; i < num_proof; i++) {
		if (sn == 0)
			return ch_error_set(CH_ERR_INTEGRITY,
					    "inclusion proof: %zu hashes where %zu were expected",
					    num_proof, i);
		if ((fn & 1) || fn == sn) {
			CH_TRY(ch_merkle_node_hash(h, r, proof[i], r));
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			CH_TRY(ch_merkle_node_hash(h, r, r, proof[i]));
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		return ch_error_set(CH_ERR_INTEGRITY,
				    "inclusion proof: too short (%zu hashes) for leaf %llu of %llu",
				    num_proof, (unsigned long long)index, (unsigned long long)size);
	if (memcmp(r, root, CH_MERKLE_HASH_LEN) != 0)
		return ch_error_set(CH_ERR_INTEGRITY,
				    "inclusion proof: leaf %llu does not lead to the root of tree size %llu",
				    (unsigned long long)index, (unsigned long long)size);
out:
	return err;
}

/* consistency_walk runs RFC 9162 §2.1.4.2 steps 3-6 over path[0..n) (first element = the seed). */
static ch_err consistency_walk(ch_hash *h, uint64_t size1, uint64_t size2,
			       const uint8_t *seed, const uint8_t (*rest)[CH_MERKLE_HASH_LEN],
			       size_t num_rest, uint8_t fr[CH_MERKLE_HASH_LEN],
			       uint8_t sr[CH_MERKLE_HASH_LEN], uint64_t *out_sn)
{
	uint64_t fn = size1 - 1, sn = size2 - 1;
	ch_err err = CH_OK;

	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	memcpy(fr, seed, CH_MERKLE_HASH_LEN);
	memcpy(sr, seed, CH_MERKLE_HASH_LEN);
	for (size_t i = 0; i < num_rest; i++) {
		if (sn == 0)
			return ch_error_set(CH_ERR_INTEGRITY, "consistency proof: too long");
		if ((fn & 1) || fn == sn) {
			CH_TRY(ch_merkle_node_hash(h, fr, rest[i], fr));
			CH_TRY(ch_merkle_node_hash(h, sr, rest[i], sr));
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else {
			CH_TRY(ch_merkle_node_hash(h, sr, sr, rest[i]));
		}
		fn >>= 1;
		sn >>= 1;
	}
	*out_sn = sn;
out:
	return err;
}

ch_err ch_merkle_verify_consistency(ch_hash *h, uint64_t size1, uint64_t size2,
				    const uint8_t root1[CH_MERKLE_HASH_LEN],
				    const uint8_t root2[CH_MERKLE_HASH_LEN],
				    const uint8_t (*proof)[CH_MERKLE_HASH_LEN], size_t num_proof)
{
	uint8_t fr[CH_MERKLE_HASH_LEN], sr[CH_MERKLE_HASH_LEN];
	uint64_t sn = 0;
	ch_err err = CH_OK;

	if (size2 < size1)
		return ch_error_set(CH_ERR_INTEGRITY,
				    "consistency proof: tree shrank from %llu to %llu leaves",
				    (unsigned long long)size1, (unsigned long long)size2);
	if (num_proof > CH_MERKLE_MAX_PROOF)
		return ch_error_set(CH_ERR_INTEGRITY, "consistency proof: %zu hashes is too long",
				    num_proof);
	if (size1 == size2) {
		if (num_proof != 0)
			return ch_error_set(CH_ERR_INTEGRITY,
					    "consistency proof: must be empty between equal sizes");
		if (memcmp(root1, root2, CH_MERKLE_HASH_LEN) != 0)
			return ch_error_set(CH_ERR_INTEGRITY,
					    "consistency: two different roots for tree size %llu",
					    (unsigned long long)size1);
		return CH_OK;
	}
	if (size1 == 0) {
		if (num_proof != 0)
			return ch_error_set(CH_ERR_INTEGRITY,
					    "consistency proof: must be empty from the empty tree");
		return CH_OK;
	}
	if (num_proof == 0)
		return ch_error_set(CH_ERR_INTEGRITY, "consistency proof: empty");
	/* Step 2: when size1 is a power of two the old root itself starts the path. */
	if ((size1 & (size1 - 1)) == 0)
		CH_TRY(consistency_walk(h, size1, size2, root1, proof, num_proof, fr, sr, &sn));
	else
		CH_TRY(consistency_walk(h, size1, size2, proof[0], proof + 1, num_proof - 1, fr, sr,
					&sn));
	if (sn != 0)
		return ch_error_set(CH_ERR_INTEGRITY, "consistency proof: too short (%zu hashes)",
				    num_proof);
	if (memcmp(fr, root1, CH_MERKLE_HASH_LEN) != 0)
		return ch_error_set(CH_ERR_INTEGRITY,
				    "consistency proof: does not lead to the old root (size %llu)",
				    (unsigned long long)size1);
	if (memcmp(sr, root2, CH_MERKLE_HASH_LEN) != 0)
		return ch_error_set(CH_ERR_INTEGRITY,
				    "consistency proof: does not lead to the new root (size %llu)",
				    (unsigned long long)size2);
out:
	return err;
}
