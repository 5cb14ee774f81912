/* Digests through EVP with pre-fetched algorithms and a reused context per handle. */
#include <certhound/hash.h>

#include <stdlib.h>

#include <openssl/evp.h>

struct ch_hash {
	EVP_MD *sha256;
	EVP_MD *sha1;
	EVP_MD_CTX *ctx;
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

static ch_err digest(ch_hash *h, const EVP_MD *md, uint8_t *out, const void *p, size_t n)
{
	if (!EVP_DigestInit_ex2(h->ctx, md, NULL) || !EVP_DigestUpdate(h->ctx, p, n) ||
	    !EVP_DigestFinal_ex(h->ctx, out, NULL))
		return ch_error_set(CH_ERR_NOMEM, "digest failed");
	return CH_OK;
}

ch_err ch_hash_sha256(ch_hash *h, uint8_t out[CH_SHA256_LEN], const void *p, size_t n)
{
	return digest(h, h->sha256, out, p, n);
}

ch_err ch_hash_sha1(ch_hash *h, uint8_t out[CH_SHA1_LEN], const void *p, size_t n)
{
	return digest(h, h->sha1, out, p, n);
}

ch_err ch_hash_sha256_begin(ch_hash *h)
{
	if (!EVP_DigestInit_ex2(h->ctx, h->sha256, NULL))
		return ch_error_set(CH_ERR_NOMEM, "digest init failed");
	return CH_OK;
}

ch_err ch_hash_sha256_add(ch_hash *h, const void *p, size_t n)
{
	if (!EVP_DigestUpdate(h->ctx, p, n))
		return ch_error_set(CH_ERR_NOMEM, "digest update failed");
	return CH_OK;
}

ch_err ch_hash_sha256_end(ch_hash *h, uint8_t out[CH_SHA256_LEN])
{
	if (!EVP_DigestFinal_ex(h->ctx, out, NULL))
		return ch_error_set(CH_ERR_NOMEM, "digest final failed");
	return CH_OK;
}
