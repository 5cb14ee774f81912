/* The generator's key pool: a few hundred real public keys (RSA-2048/4096, EC P-256/P-384)
 * made once with OpenSSL and cached as concatenated SubjectPublicKeyInfo DER, so that repeated
 * runs with the same seed and the same pool file write byte-identical corpora. Only public keys
 * are kept: the generator never signs. */
#include "gen.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <certhound/der.h>

/* Pool composition in percent (the rest is P-256), close to what CT logs show for leaves. */
#define PCT_RSA2048 37
#define PCT_RSA4096 3
#define PCT_P384 15

static EVP_PKEY *make_key(gen_key_kind kind)
{
	switch (kind) {
	case GEN_RSA2048:
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	case GEN_RSA4096:
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)4096);
	case GEN_P256:
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	default:
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	}
}

/* Generate the pool and write it to path (via a temporary file and rename). */
static int generate(const char *path, size_t pool_size, bool quiet)
{
	size_t want[GEN_KEY_KINDS];
	char tmp[4096];
	FILE *f;
	int rc = -1;

	want[GEN_RSA2048] = pool_size * PCT_RSA2048 / 100;
	want[GEN_RSA4096] = pool_size * PCT_RSA4096 / 100;
	want[GEN_P384] = pool_size * PCT_P384 / 100;
	for (int k = 0; k < GEN_KEY_KINDS; k++)
		if (want[k] == 0 && k != GEN_P256)
			want[k] = 1;
	want[GEN_P256] = pool_size - want[GEN_RSA2048] - want[GEN_RSA4096] - want[GEN_P384];
	if ((int)want[GEN_P256] < 1)
		want[GEN_P256] = 1;
	if (!quiet)
		fprintf(stderr, "gen_corpus: generating a pool of %zu real keys into %s (once)...\n",
			pool_size, path);
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	f = fopen(tmp, "wb");
	if (!f) {
		fprintf(stderr, "gen_corpus: cannot write %s: %s\n", tmp, strerror(errno));
		return -1;
	}
	for (int k = 0; k < GEN_KEY_KINDS; k++) {
		for (size_t i = 0; i < want[k]; i++) {
			EVP_PKEY *pk = make_key((gen_key_kind)k);
			unsigned char *der = NULL;
			int n = pk ? i2d_PUBKEY(pk, &der) : -1;

			EVP_PKEY_free(pk);
			if (n <= 0 || fwrite(der, 1, (size_t)n, f) != (size_t)n) {
				fprintf(stderr, "gen_corpus: key generation failed\n");
				OPENSSL_free(der);
				goto out;
			}
			OPENSSL_free(der);
		}
	}
	if (fclose(f) != 0) {
		f = NULL;
		fprintf(stderr, "gen_corpus: cannot write %s\n", tmp);
		goto out;
	}
	f = NULL;
	if (rename(tmp, path) != 0) {
		fprintf(stderr, "gen_corpus: cannot rename %s: %s\n", tmp, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (f)
		fclose(f);
	if (rc != 0)
		unlink(tmp);
	return rc;
}

static uint8_t *read_all(const char *path, size_t *out_len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf = NULL;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
		buf = malloc((size_t)n);
		if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		}
		*out_len = (size_t)n;
	}
	fclose(f);
	return buf;
}

/* Classify one SPKI and compute its key identifier. */
static int add_key(gen_keypool *kp, const uint8_t *der, size_t len)
{
	const unsigned char *p = der;
	EVP_PKEY *pk = d2i_PUBKEY(NULL, &p, (long)len);
	gen_key *k = &kp->keys[kp->num_keys];
	ch_der c, spki, bits;
	int id, nbits;

	if (!pk)
		return -1;
	id = EVP_PKEY_get_base_id(pk);
	nbits = EVP_PKEY_get_bits(pk);
	EVP_PKEY_free(pk);
	if (id == EVP_PKEY_RSA)
		k->kind = nbits > 3000 ? GEN_RSA4096 : GEN_RSA2048;
	else if (id == EVP_PKEY_EC)
		k->kind = nbits > 300 ? GEN_P384 : GEN_P256;
	else
		return -1;
	ch_der_init(&c, der, len);
	if (!ch_der_get(&c, &spki, CH_DER_SEQUENCE) || !ch_der_skip_element(&spki, CH_DER_SEQUENCE) ||
	    !ch_der_get(&spki, &bits, CH_DER_BIT_STRING) || bits.len < 2)
		return -1;
	if (!EVP_Digest(bits.data + 1, bits.len - 1, k->ski, NULL, EVP_sha1(), NULL))
		return -1;
	k->spki = malloc(len);
	if (!k->spki)
		return -1;
	memcpy(k->spki, der, len);
	k->spki_len = len;
	kp->num_keys++;
	return 0;
}

int gen_keys_load(gen_keypool *kp, const char *path, size_t pool_size, bool quiet)
{
	uint8_t *buf = NULL;
	size_t len = 0, pos = 0;
	int rc = -1;

	memset(kp, 0, sizeof *kp);
	if (access(path, R_OK) != 0 && generate(path, pool_size, quiet) != 0)
		return -1;
	buf = read_all(path, &len);
	if (!buf) {
		fprintf(stderr, "gen_corpus: cannot read key pool %s\n", path);
		return -1;
	}
	kp->keys = calloc(len / 64 + 1, sizeof *kp->keys);
	if (!kp->keys)
		goto out;
	while (pos < len) {
		ch_der c, el;

		ch_der_init(&c, buf + pos, len - pos);
		if (!ch_der_get_element(&c, &el, CH_DER_SEQUENCE) || add_key(kp, el.data, el.len) != 0) {
			fprintf(stderr, "gen_corpus: bad key pool %s at byte %zu (delete it to regenerate)\n",
				path, pos);
			goto out;
		}
		pos += el.len;
	}
	for (int k = 0; k < GEN_KEY_KINDS; k++) {
		kp->by_kind[k] = calloc(kp->num_keys, sizeof(size_t));
		if (!kp->by_kind[k])
			goto out;
	}
	for (size_t i = 0; i < kp->num_keys; i++) {
		gen_key_kind k = kp->keys[i].kind;
		kp->by_kind[k][kp->num_by_kind[k]++] = i;
	}
	for (int k = 0; k < GEN_KEY_KINDS; k++) {
		if (kp->num_by_kind[k] == 0) {
			fprintf(stderr, "gen_corpus: key pool %s lacks a key kind; delete it to regenerate\n",
				path);
			goto out;
		}
	}
	rc = 0;
out:
	free(buf);
	if (rc != 0)
		gen_keys_free(kp);
	return rc;
}

void gen_keys_free(gen_keypool *kp)
{
	if (kp->keys)
		for (size_t i = 0; i < kp->num_keys; i++)
			free(kp->keys[i].spki);
	free(kp->keys);
	for (int k = 0; k < GEN_KEY_KINDS; k++)
		free(kp->by_kind[k]);
	memset(kp, 0, sizeof *kp);
}
