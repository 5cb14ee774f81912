/* Merkle tree: roots against vectors computed independently (python3 hashlib over the RFC 6962
 * §2.1 recursive definition), and proofs from a reference implementation of RFC 6962 §2.1.1-2
 * (PATH and PROOF, written recursively here) checked exhaustively on small trees, plus every
 * way of tampering with them. */
#include "testlib.h"

#include <certhound/merkle.h>
#include <certhound/util.h>

#include <stdlib.h>

typedef uint8_t hash_t[32];

static ch_hash *H;

/* Reference MTH over leaf hashes d[0..n), straight from the recursive definition. */
static void ref_mth(hash_t out, const hash_t *d, uint64_t n)
{
	uint64_t k = 1;
	hash_t l, r;

	if (n == 0) {
		ch_merkle_empty_root(out);
		return;
	}
	if (n == 1) {
		memcpy(out, d[0], 32);
		return;
	}
	while (k * 2 < n)
		k *= 2;
	ref_mth(l, d, k);
	ref_mth(r, d + k, n - k);
	if (ch_merkle_node_hash(H, out, l, r))
		abort();
}

/* PATH(m, D[n]) of RFC 6962 §2.1.1. */
static size_t ref_path(hash_t *out, uint64_t m, const hash_t *d, uint64_t n)
{
	uint64_t k = 1;
	size_t len;

	if (n <= 1)
		return 0;
	while (k * 2 < n)
		k *= 2;
	if (m < k) {
		len = ref_path(out, m, d, k);
		ref_mth(out[len], d + k, n - k);
	} else {
		len = ref_path(out, m - k, d + k, n - k);
		ref_mth(out[len], d, k);
	}
	return len + 1;
}

/* SUBPROOF(m, D[n], b) of RFC 6962 §2.1.2. */
static size_t ref_subproof(hash_t *out, uint64_t m, const hash_t *d, uint64_t n, int b)
{
	uint64_t k = 1;
	size_t len;

	if (m == n) {
		if (b)
			return 0;
		ref_mth(out[0], d, n);
		return 1;
	}
	while (k * 2 < n)
		k *= 2;
	if (m <= k) {
		len = ref_subproof(out, m, d, k, b);
		ref_mth(out[len], d + k, n - k);
	} else {
		len = ref_subproof(out, m - k, d + k, n - k, 0);
		ref_mth(out[len], d, k);
	}
	return len + 1;
}

static void make_leaves(hash_t *d, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		uint8_t leaf[8];
		for (int b = 0; b < 8; b++)
			leaf[b] = (uint8_t)((i * 2654435761u) >> (b * 3));
		if (ch_merkle_leaf_hash(H, d[i], leaf, sizeof leaf))
			abort();
	}
}

static void test_known_roots(void)
{
	/* The RFC 6962 test leaves used by many implementations; roots from python3 hashlib. */
	static const char *leaves[] = {"", "00", "10", "2021", "3031", "40414243",
				       "5051525354555657", "606162636465666768696a6b6c6d6e6f"};
	static const char *roots[] = {
		"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
		"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
		"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
		"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
		"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
		"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
		"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
		"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
	};
	hash_t d[8], root;
	char hex[65];
	ch_merkle_range r;

	ch_merkle_range_init(&r);
	ch_merkle_range_root(&r, H, root) == CH_OK ? (void)0 : abort();
	ch_hex_encode(hex, root, 32);
	CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	for (int i = 0; i < 8; i++) {
		uint8_t raw[16];
		long n = ch_hex_decode(raw, sizeof raw, leaves[i], strlen(leaves[i]));
		CHECK(n >= 0);
		CHECK(ch_merkle_leaf_hash(H, d[i], raw, (size_t)n) == CH_OK);
		CHECK(ch_merkle_range_append(&r, H, d[i]) == CH_OK);
		CHECK(ch_merkle_range_root(&r, H, root) == CH_OK);
		ch_hex_encode(hex, root, 32);
		CHECK_STR(hex, roots[i]);
		CHECK(ch_merkle_range_check(&r) == CH_OK);
	}
	CHECK(ch_merkle_root(H, root, (const hash_t *)d, 8) == CH_OK);
	ch_hex_encode(hex, root, 32);
	CHECK_STR(hex, roots[7]);
}

static void test_range_matches_reference(void)
{
	enum { N = 600 };
	hash_t *d = malloc(N * sizeof *d), a, b;
	ch_merkle_range r, tiles;

	make_leaves(d, N);
	ch_merkle_range_init(&r);
	ch_merkle_range_init(&tiles);
	for (uint64_t n = 1; n <= N; n++) {
		CHECK(ch_merkle_range_append(&r, H, d[n - 1]) == CH_OK);
		CHECK(r.size == n);
		CHECK_INT(r.num_hashes, __builtin_popcountll(n));
		if (n % 37 == 0 || n < 70) {
			CHECK(ch_merkle_range_root(&r, H, a) == CH_OK);
			ref_mth(b, d, n);
			CHECK(memcmp(a, b, 32) == 0);
		}
	}
	/* Joining whole 64-leaf subtrees gives the same range as leaf by leaf. */
	for (uint64_t t = 0; t + 64 <= N; t += 64) {
		ref_mth(a, d + t, 64);
		CHECK(ch_merkle_range_append_subtree(&tiles, H, 6, a) == CH_OK);
	}
	for (uint64_t i = tiles.size; i < N; i++)
		CHECK(ch_merkle_range_append(&tiles, H, d[i]) == CH_OK);
	CHECK(tiles.size == r.size && tiles.num_hashes == r.num_hashes);
	CHECK(memcmp(tiles.hashes, r.hashes, 32 * r.num_hashes) == 0);
	/* A subtree that does not start on its own boundary is refused. */
	CHECK(ch_merkle_range_append_subtree(&tiles, H, 6, a) == CH_ERR_INVALID);
	/* A range whose hash count disagrees with its size is refused. */
	tiles.num_hashes--;
	CHECK(ch_merkle_range_check(&tiles) == CH_ERR_PARSE);
	free(d);
}

static void test_inclusion(void)
{
	enum { N = 70 };
	hash_t d[N], root, proof[CH_MERKLE_MAX_PROOF + 1];

	make_leaves(d, N);
	for (uint64_t n = 1; n <= N; n++) {
		ref_mth(root, d, n);
		for (uint64_t m = 0; m < n; m++) {
			size_t len = ref_path(proof, m, d, n);
			CHECK(ch_merkle_verify_inclusion(H, m, n, d[m], (const hash_t *)proof, len,
							 root) == CH_OK);
			/* wrong leaf, wrong index, index past the end, one flipped bit in each element
			 * (a wrong size with the same proof shape legitimately verifies) */
			CHECK(ch_merkle_verify_inclusion(H, m, n, d[(m + 1) % N], (const hash_t *)proof,
							 len, root) == CH_ERR_INTEGRITY);
			if (n > 1)
				CHECK(ch_merkle_verify_inclusion(H, (m + 1) % n, n, d[m],
								 (const hash_t *)proof, len,
								 root) == CH_ERR_INTEGRITY);
			CHECK(ch_merkle_verify_inclusion(H, n, n, d[m], (const hash_t *)proof, len,
							 root) == CH_ERR_INTEGRITY);
			for (size_t i = 0; i < len; i++) {
				proof[i][i % 32] ^= 0x40;
				CHECK(ch_merkle_verify_inclusion(H, m, n, d[m], (const hash_t *)proof,
								 len, root) == CH_ERR_INTEGRITY);
				proof[i][i % 32] ^= 0x40;
			}
			if (len > 0)
				CHECK(ch_merkle_verify_inclusion(H, m, n, d[m], (const hash_t *)proof,
								 len - 1, root) == CH_ERR_INTEGRITY);
			memcpy(proof[len], root, 32);
			CHECK(ch_merkle_verify_inclusion(H, m, n, d[m], (const hash_t *)proof, len + 1,
							 root) == CH_ERR_INTEGRITY);
		}
	}
}

/* The compact range rebuilt from the last leaf and its audit path equals the range of all the
 * leaves, for every size up to 70; a flipped bit in any path element (or the leaf) changes the
 * root; a path one hash short or long is refused. */
static void test_range_from_last(void)
{
	enum { N = 70 };
	hash_t d[N], root, a, path[CH_MERKLE_MAX_PROOF + 1];
	ch_merkle_range full, r;

	make_leaves(d, N);
	ch_merkle_range_init(&full);
	for (uint64_t n = 1; n <= N; n++) {
		size_t len = ref_path(path, n - 1, d, n);

		CHECK(ch_merkle_range_append(&full, H, d[n - 1]) == CH_OK);
		ref_mth(root, d, n);
		CHECK(ch_merkle_range_from_last(&r, H, n, d[n - 1], (const hash_t *)path, len) ==
		      CH_OK);
		CHECK(r.size == n && r.num_hashes == full.num_hashes);
		CHECK(memcmp(r.hashes, full.hashes, 32 * full.num_hashes) == 0);
		CHECK(ch_merkle_range_check(&r) == CH_OK);
		CHECK(ch_merkle_range_root(&r, H, a) == CH_OK && memcmp(a, root, 32) == 0);
		for (size_t i = 0; i < len; i++) {
			path[i][i % 32] ^= 0x40;
			CHECK(ch_merkle_range_from_last(&r, H, n, d[n - 1], (const hash_t *)path,
							len) == CH_OK);
			CHECK(ch_merkle_range_root(&r, H, a) == CH_OK && memcmp(a, root, 32) != 0);
			path[i][i % 32] ^= 0x40;
		}
		if (n > 1) {
			CHECK(ch_merkle_range_from_last(&r, H, n, d[n - 2], (const hash_t *)path, len) ==
			      CH_OK);
			CHECK(ch_merkle_range_root(&r, H, a) == CH_OK && memcmp(a, root, 32) != 0);
		}
		if (len > 0)
			CHECK(ch_merkle_range_from_last(&r, H, n, d[n - 1], (const hash_t *)path,
							len - 1) == CH_ERR_INTEGRITY);
		memcpy(path[len], root, 32);
		CHECK(ch_merkle_range_from_last(&r, H, n, d[n - 1], (const hash_t *)path, len + 1) ==
		      CH_ERR_INTEGRITY);
	}
	CHECK(ch_merkle_range_from_last(&r, H, 0, d[0], (const hash_t *)path, 0) == CH_ERR_INVALID);
}

static void test_consistency(void)
{
	enum { N = 70 };
	hash_t d[N], r1, r2, proof[CH_MERKLE_MAX_PROOF + 1];

	make_leaves(d, N);
	for (uint64_t n = 1; n <= N; n++) {
		ref_mth(r2, d, n);
		for (uint64_t m = 0; m <= n; m++) {
			size_t len = (m == 0 || m == n) ? 0 : ref_subproof(proof, m, d, n, 1);
			ref_mth(r1, d, m);
			CHECK(ch_merkle_verify_consistency(H, m, n, r1, r2, (const hash_t *)proof,
							   len) == CH_OK);
			if (m == 0)
				continue;
			/* A different old tree (a fork) must not verify. */
			r1[5] ^= 1;
			CHECK(ch_merkle_verify_consistency(H, m, n, r1, r2, (const hash_t *)proof,
							   len) == CH_ERR_INTEGRITY);
			r1[5] ^= 1;
			r2[7] ^= 1;
			CHECK(ch_merkle_verify_consistency(H, m, n, r1, r2, (const hash_t *)proof,
							   len) == CH_ERR_INTEGRITY);
			r2[7] ^= 1;
			for (size_t i = 0; i < len; i++) {
				proof[i][31 - i % 32] ^= 0x80;
				CHECK(ch_merkle_verify_consistency(H, m, n, r1, r2,
								   (const hash_t *)proof,
								   len) == CH_ERR_INTEGRITY);
				proof[i][31 - i % 32] ^= 0x80;
			}
			if (len > 0) {
				CHECK(ch_merkle_verify_consistency(H, m, n, r1, r2,
								   (const hash_t *)proof,
								   len - 1) == CH_ERR_INTEGRITY);
				memcpy(proof[len], d[0], 32);
				CHECK(ch_merkle_verify_consistency(H, m, n, r1, r2,
								   (const hash_t *)proof,
								   len + 1) == CH_ERR_INTEGRITY);
			}
			if (m < n)
				CHECK(ch_merkle_verify_consistency(H, n, m, r2, r1,
								   (const hash_t *)proof,
								   len) == CH_ERR_INTEGRITY);
		}
	}
}

int main(void)
{
	if (ch_hash_new(&H) != CH_OK)
		return 1;
	test_known_roots();
	test_range_matches_reference();
	test_inclusion();
	test_range_from_last();
	test_consistency();
	ch_hash_free(H);
	return ch_test_done("ct_merkle");
}
