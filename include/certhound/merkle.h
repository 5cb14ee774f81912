/* certhound/merkle.h — the RFC 6962 / RFC 9162 §2.1 Merkle tree: leaf and node hashes, the
 * root of a growing list of leaves in O(log n) memory (a "compact range": one subtree hash per
 * set bit of the size), and inclusion and consistency proof verification.
 *
 * Every function takes a ch_hash handle (one per thread) so that hashing reuses OpenSSL's
 * fetched digest and context. */
#ifndef CERTHOUND_MERKLE_H
#define CERTHOUND_MERKLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <certhound/err.h>
#include <certhound/hash.h>

#define CH_MERKLE_HASH_LEN 32
/* A tree never has more than 2^63 leaves, so at most 64 subtrees are pending at once. */
#define CH_MERKLE_MAX_DEPTH 64
/* Proofs longer than this are malformed for any tree of at most 2^63 leaves. */
#define CH_MERKLE_MAX_PROOF 64

/* A compact range over leaves [0, size): hashes[i] is the Merkle Tree Hash of the i-th maximal
 * complete subtree, left to right, i.e. one hash per set bit of `size`, largest first. A plain
 * value: copy it, store it, compare it. Zero-initialised (or ch_merkle_range_init) = empty tree. */
typedef struct ch_merkle_range {
	uint64_t size;
	unsigned num_hashes;
	uint8_t hashes[CH_MERKLE_MAX_DEPTH][CH_MERKLE_HASH_LEN];
} ch_merkle_range;

/* ch_merkle_leaf_hash sets out = SHA-256(0x00 || leaf[0..leaf_len)). */
ch_err ch_merkle_leaf_hash(ch_hash *h, uint8_t out[CH_MERKLE_HASH_LEN], const void *leaf,
			   size_t leaf_len) CH_WARN_UNUSED;

/* ch_merkle_node_hash sets out = SHA-256(0x01 || left || right); out may alias either input. */
ch_err ch_merkle_node_hash(ch_hash *h, uint8_t out[CH_MERKLE_HASH_LEN],
			   const uint8_t left[CH_MERKLE_HASH_LEN],
			   const uint8_t right[CH_MERKLE_HASH_LEN]) CH_WARN_UNUSED;

/* ch_merkle_empty_root writes the Merkle Tree Hash of the empty tree, SHA-256(""). */
void ch_merkle_empty_root(uint8_t out[CH_MERKLE_HASH_LEN]);

/* ch_merkle_range_init empties a range (size 0). */
void ch_merkle_range_init(ch_merkle_range *r);

/* ch_merkle_range_append adds one leaf hash (already 0x00-prefixed and hashed) at index
 * r->size, merging complete subtrees as it goes. CH_ERR_LIMIT past 2^63 leaves. */
ch_err ch_merkle_range_append(ch_merkle_range *r, ch_hash *h,
			      const uint8_t leaf_hash[CH_MERKLE_HASH_LEN]) CH_WARN_UNUSED;

/* ch_merkle_range_append_subtree adds the hash of a complete subtree of 2^height leaves
 * starting at r->size; r->size must be a multiple of 2^height (CH_ERR_INVALID otherwise).
 * Used to join whole tiles without hashing their leaves again. */
ch_err ch_merkle_range_append_subtree(ch_merkle_range *r, ch_hash *h, unsigned height,
				      const uint8_t hash[CH_MERKLE_HASH_LEN]) CH_WARN_UNUSED;

/* ch_merkle_range_from_last builds *out, the compact range of the tree of `size` > 0 leaves, from
 * the hash of its last leaf (index size - 1) and that leaf's audit path (RFC 6962 §2.1.1): the
 * path's first ctz(size) hashes fold with the leaf into the right-most complete subtree, the
 * others are the larger subtrees to its left, smallest first. Nothing here is trusted: the
 * caller compares ch_merkle_range_root(out) with a signed root. CH_ERR_INTEGRITY when the path
 * has the wrong length for `size`, CH_ERR_INVALID when size is 0 or above 2^63. */
ch_err ch_merkle_range_from_last(ch_merkle_range *out, ch_hash *h, uint64_t size,
				 const uint8_t leaf_hash[CH_MERKLE_HASH_LEN],
				 const uint8_t (*path)[CH_MERKLE_HASH_LEN],
				 size_t num_path) CH_WARN_UNUSED;

/* ch_merkle_range_root writes the Merkle Tree Hash of leaves [0, r->size). */
ch_err ch_merkle_range_root(const ch_merkle_range *r, ch_hash *h,
			    uint8_t out[CH_MERKLE_HASH_LEN]) CH_WARN_UNUSED;

/* ch_merkle_range_check verifies that a range is well formed (num_hashes == popcount(size)),
 * e.g. after reading one back from a store. Returns CH_ERR_PARSE when it is not. */
ch_err ch_merkle_range_check(const ch_merkle_range *r) CH_WARN_UNUSED;

/* ch_merkle_root computes the Merkle Tree Hash of n leaf hashes (streaming; O(log n) memory). */
ch_err ch_merkle_root(ch_hash *h, uint8_t out[CH_MERKLE_HASH_LEN],
		      const uint8_t (*leaf_hashes)[CH_MERKLE_HASH_LEN], uint64_t n) CH_WARN_UNUSED;

/* ch_merkle_verify_inclusion checks an RFC 9162 §2.1.3.2 inclusion proof: that leaf_hash is
 * leaf number `index` of the tree of `size` leaves whose root is `root`. Returns CH_OK, or
 * CH_ERR_INTEGRITY (with the reason) when the proof does not hold. */
ch_err ch_merkle_verify_inclusion(ch_hash *h, uint64_t index, uint64_t size,
				  const uint8_t leaf_hash[CH_MERKLE_HASH_LEN],
				  const uint8_t (*proof)[CH_MERKLE_HASH_LEN], size_t num_proof,
				  const uint8_t root[CH_MERKLE_HASH_LEN]) CH_WARN_UNUSED;

/* ch_merkle_verify_consistency checks an RFC 9162 §2.1.4.2 consistency proof between the tree
 * of size1 leaves with root1 and the tree of size2 >= size1 leaves with root2. size1 == 0 or
 * size1 == size2 need an empty proof (and equal roots for the latter). Returns CH_OK or
 * CH_ERR_INTEGRITY. */
ch_err ch_merkle_verify_consistency(ch_hash *h, uint64_t size1, uint64_t size2,
				    const uint8_t root1[CH_MERKLE_HASH_LEN],
				    const uint8_t root2[CH_MERKLE_HASH_LEN],
				    const uint8_t (*proof)[CH_MERKLE_HASH_LEN],
				    size_t num_proof) CH_WARN_UNUSED;

#endif
