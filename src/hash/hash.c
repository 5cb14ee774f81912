/* Digests. SHA-256/SHA-1 use OpenSSL's low-level SHA*_Init/Update/Final: for inputs of a few
 * hundred bytes the EVP layer's per-call setup (and, for the SHA256()/SHA1() one-shots in
 * OpenSSL 3.0, a digest fetch under a lock on every call) costs as much as the hashing itself
 * (measured in bench/, docs/bench.md); the low-level calls run the same SHA-NI/AVX2 code.
 * The EVP objects are kept for callers that need EVP. */
#define OPENSSL_SUPPRESS_DEPRECATED 1 /* SHA256_Init & co.: deprecated in 3.0, not removed */
#include <certhound/hash.h>

#include <stdlib.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

struct ch_hash {
	EVP_MD *sha256;
	EVP_MD *sha1;
	EVP_MD_CTX *ctx;
	SHA256_CTX s256;
	SHA_CTX s1;
};

ch_err ch_hash_new(ch_hash **out)
{
	ch_hash *h = calloc(1, sizeof *h);

	*out = NULL;
	if (!h)
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	h->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	h->sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
	h->ctx = EVP_MD_CTX_new();
	if (!h->sha256 || !h->sha1 || !h->ctx) {
		ch_hash_free(h);
		return ch_error_set(CH_ERR_NOMEM, "cannot set up SHA-256/SHA-1 through OpenSSL");
	}
	*out = h;
	return CH_OK;
}

void ch_hash_free(ch_hash *h)
{
	if (!h)
		return;
	EVP_MD_free(h->sha256);
	EVP_MD_free(h->sha1);
	EVP_MD_CTX_free(h->ctx);
	free(h);
}

ch_err ch_hash_sha256(ch_hash *h, uint8_t out[CH_SHA256_LEN], const void *p, size_t n)
{
	if (!SHA256_Init(&h->s256) || !SHA256_Update(&h->s256, p, n) || !SHA256_Final(out, &h->s256))
		return ch_error_set(CH_ERR_NOMEM, "SHA-256 failed");
	return CH_OK;
}

ch_err ch_hash_sha1(ch_hash *h, uint8_t out[CH_SHA1_LEN], const void *p, size_t n)
{
	if (!SHA1_Init(&h->s1) || !SHA1_Update(&h->s1, p, n) || !SHA1_Final(out, &h->s1))
		return ch_error_set(CH_ERR_NOMEM, "SHA-1 failed");
	return CH_OK;
}

ch_err ch_hash_sha256_begin(ch_hash *h)
{
	if (!SHA256_Init(&h->s256))
		return ch_error_set(CH_ERR_NOMEM, "digest init failed");
	return CH_OK;
}

ch_err ch_hash_sha256_add(ch_hash *h, const void *p, size_t n)
{
	if (!SHA256_Update(&h->s256, p, n))
		return ch_error_set(CH_ERR_NOMEM, "digest update failed");
	return CH_OK;
}

ch_err ch_hash_sha256_end(ch_hash *h, uint8_t out[CH_SHA256_LEN])
{
	if (!SHA256_Final(out, &h->s256))
		return ch_error_set(CH_ERR_NOMEM, "digest final failed");
	return CH_OK;
}
