/* bench/gen.h — shared pieces of the benchmark corpus generator (bench/gen_*.c).
 *
 * The generator builds realistic-looking certificates with its own DER writer and fills the
 * signature with random bytes of the right length instead of signing: nothing in a benchmark
 * verifies signatures, and signing millions of certificates would cost hours. */
#ifndef CH_BENCH_GEN_H
#define CH_BENCH_GEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "derw.h"

/* ---- deterministic random numbers (xoshiro256**, seeded through splitmix64) ---- */

typedef struct gen_rng {
	uint64_t s[4];
} gen_rng;

static inline uint64_t gen_splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline void gen_rng_seed(gen_rng *r, uint64_t seed)
{
	for (int i = 0; i < 4; i++)
		r->s[i] = gen_splitmix(&seed);
}

static inline uint64_t gen_rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t gen_next(gen_rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = gen_rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = gen_rotl(s[3], 45);
	return out;
}

/* gen_below returns a uniform value in [0, n) (n > 0; the tiny modulo bias does not matter). */
static inline uint64_t gen_below(gen_rng *r, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)gen_next(r) * n) >> 64);
}

/* gen_unit returns a uniform double in [0, 1). */
static inline double gen_unit(gen_rng *r)
{
	return (double)(gen_next(r) >> 11) * 0x1.0p-53;
}

static inline bool gen_chance(gen_rng *r, double p)
{
	return gen_unit(r) < p;
}

void gen_fill(gen_rng *r, uint8_t *out, size_t n);

/* A stable 64-bit hash of an integer (for per-domain choices that must not depend on order). */
static inline uint64_t gen_hash64(uint64_t x)
{
	return gen_splitmix(&x);
}

/* ---- the key pool: real public keys generated once with OpenSSL and cached in a file ---- */

typedef enum gen_key_kind { GEN_RSA2048, GEN_RSA4096, GEN_P256, GEN_P384, GEN_KEY_KINDS } gen_key_kind;

typedef struct gen_key {
	gen_key_kind kind;
	uint8_t *spki;          /* SubjectPublicKeyInfo DER */
	size_t spki_len;
	uint8_t ski[20];        /* SHA-1 of the subjectPublicKey bits (RFC 5280 4.2.1.2 method 1) */
} gen_key;

typedef struct gen_keypool {
	gen_key *keys;
	size_t num_keys;
	size_t *by_kind[GEN_KEY_KINDS]; /* indexes into keys, per kind */
	size_t num_by_kind[GEN_KEY_KINDS];
} gen_keypool;

/* gen_keys_load reads the pool from path, generating and writing it first when absent.
 * Returns 0 on success, -1 with a message on stderr. */
int gen_keys_load(gen_keypool *kp, const char *path, size_t pool_size, bool quiet);
void gen_keys_free(gen_keypool *kp);

/* ---- names: registrable domains with Zipf popularity, subdomains, SAN lists ---- */

typedef struct gen_domains {
	char *arena;
	uint32_t *off;          /* name i is arena + off[i], length len[i] */
	uint8_t *len;
	double *cdf;            /* Zipf(1) cumulative popularity by rank */
	size_t n;
} gen_domains;

/* gen_domains_init makes n registrable domains (a few are IDNs, stored as A-labels). */
int gen_domains_init(gen_domains *d, size_t n, uint64_t seed);
void gen_domains_free(gen_domains *d);

/* gen_domain_pick draws a domain index by popularity. */
size_t gen_domain_pick(const gen_domains *d, gen_rng *r);

#define GEN_MAX_SANS 320 /* gen_corpus draws at most 150; gen_world's CDN certificates carry up to 300 */
#define GEN_NAME_MAX 256

typedef struct gen_sans {
	char names[GEN_MAX_SANS][GEN_NAME_MAX];
	uint8_t name_len[GEN_MAX_SANS];
	size_t num;
	uint8_t ips[4][16];
	uint8_t ip_len[4];
	size_t num_ips;
	size_t primary;         /* index of the registrable domain the certificate is "for" */
	bool wildcard;
} gen_sans;

/* gen_sans_make fills a SAN list of `count` DNS names (multi_domain: spread over unrelated
 * registrable domains, as hosting and CDN certificates are). */
void gen_sans_make(gen_sans *s, const gen_domains *d, gen_rng *r, size_t count, bool multi_domain);

/* gen_san_count draws how many DNS names a certificate has: mostly 1-3, a tail up to 150. */
size_t gen_san_count(gen_rng *r);

/* gen_org_name writes an organisation name derived from a domain into out (NUL-terminated). */
size_t gen_org_name(char *out, size_t cap, const gen_domains *d, size_t dom, gen_rng *r);

#endif
