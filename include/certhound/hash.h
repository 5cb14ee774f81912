/* certhound/hash.h — SHA-256 and SHA-1 through OpenSSL's EVP, with the digest objects fetched
 * once per handle so that hashing millions of small inputs does not pay a lookup each time. */
#ifndef CERTHOUND_HASH_H
#define CERTHOUND_HASH_H

#include <stddef.h>
#include <stdint.h>

#include <certhound/err.h>

#define CH_SHA256_LEN 32
#define CH_SHA1_LEN 20

typedef struct ch_hash ch_hash;

/* ch_hash_new makes a hashing handle (one per thread); free with ch_hash_free. */
ch_err ch_hash_new(ch_hash **out) CH_WARN_UNUSED;

/* ch_hash_free releases a handle; NULL is a no-op. */
void ch_hash_free(ch_hash *h);

/* ch_hash_sha256 / ch_hash_sha1: one-shot digests of n bytes at p. */
ch_err ch_hash_sha256(ch_hash *h, uint8_t out[CH_SHA256_LEN], const void *p, size_t n) CH_WARN_UNUSED;
ch_err ch_hash_sha1(ch_hash *h, uint8_t out[CH_SHA1_LEN], const void *p, size_t n) CH_WARN_UNUSED;

/* Incremental SHA-256 on the handle: begin, add pieces, finish into out. */
ch_err ch_hash_sha256_begin(ch_hash *h) CH_WARN_UNUSED;
ch_err ch_hash_sha256_add(ch_hash *h, const void *p, size_t n) CH_WARN_UNUSED;
ch_err ch_hash_sha256_end(ch_hash *h, uint8_t out[CH_SHA256_LEN]) CH_WARN_UNUSED;

#endif
