/* A static-ct-api log writer for fixtures and benchmarks (see ct_writer.h). */
#include <certhound/ct_writer.h>

#include <certhound/buf.h>
#include <certhound/ct.h>
#include <certhound/merkle.h>
#include <certhound/note.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#define MAX_LEVELS 8

struct ch_ct_writer {
	char *dir;
	char origin[CH_NOTE_MAX_NAME];
	EVP_PKEY *priv;
	ch_ct_key *pub;
	ch_note_verifier v;
	ch_hash *h;
	ch_merkle_range range;
	uint8_t level[MAX_LEVELS][CH_CT_TILE_WIDTH][32]; /* the partial tile of each level */
	unsigned level_n[MAX_LEVELS];
	uint64_t level_tiles[MAX_LEVELS];                /* full tiles written per level */
	ch_buf data;                                     /* the current data tile */
	unsigned data_n;
	uint64_t data_tiles;
	bool have_issuer;                                /* the last issuer, written and hashed */
	uint8_t issuer_fp[32];
	uint8_t issuer_ikh[32];
	bool have_written;                               /* the last issuer file written */
	uint8_t written_fp[32];
};

/* mkdirs creates every directory of `path` up to its last '/'. */
/* write_close closes f whatever happened and returns whether both the writes (write_failed is
 * their failure) and the close succeeded. */
static bool write_close(FILE *f, bool write_failed)
{
	bool closed = fclose(f) == 0;
	return !write_failed && closed;
}

static ch_err mkdirs(const char *path)
{
	char tmp[4096];
	size_t n = strlen(path);

	if (n >= sizeof tmp)
		return ch_error_set(CH_ERR_LIMIT, "path too long: %s", path);
	memcpy(tmp, path, n + 1);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
			return ch_error_set(CH_ERR_IO, "mkdir %s: %s", tmp, strerror(errno));
		*p = '/';
	}
	return CH_OK;
}

/* write_file writes a whole file under the log directory (rel is relative to it), atomically:
 * into a temporary name, then renamed over the old file, so that a client reading the log
 * while it grows (`ct follow` on a file:// or served log) sees the old file or the new one,
 * never a truncated one — as a real log publishes its tiles and checkpoint. */
static ch_err write_file(ch_ct_writer *w, const char *rel, const void *p, size_t n)
{
	char path[4096], tmp[4200];
	FILE *f;
	ch_err err;

	snprintf(path, sizeof path, "%s/%s", w->dir, rel);
	snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
	if ((err = mkdirs(path)) != CH_OK)
		return err;
	if (!(f = fopen(tmp, "wb")))
		return ch_error_set(CH_ERR_IO, "%s: %s", tmp, strerror(errno));
	if (!write_close(f, (n && fwrite(p, 1, n, f) != n))) {
		unlink(tmp);
		return ch_error_set(CH_ERR_IO, "%s: write failed", tmp);
	}
	if (rename(tmp, path) != 0) {
		err = ch_error_set(CH_ERR_IO, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return err;
	}
	return CH_OK;
}

void ch_ct_writer_free(ch_ct_writer *w)
{
	if (!w)
		return;
	free(w->dir);
	EVP_PKEY_free(w->priv);
	ch_ct_key_free(w->pub);
	ch_hash_free(w->h);
	ch_buf_free(&w->data);
	free(w);
}

/* load_or_make_key reads the PEM private key, or makes and saves a fresh P-256 key. */
static ch_err load_or_make_key(EVP_PKEY **out, const char *path)
{
	FILE *f = fopen(path, "rb");

	if (f) {
		*out = PEM_read_PrivateKey(f, NULL, NULL, NULL);
		fclose(f);
		return *out ? CH_OK : ch_error_set(CH_ERR_PARSE, "%s: not a PEM private key", path);
	}
	if (!(*out = EVP_EC_gen("P-256")))
		return ch_error_set(CH_ERR_NOMEM, "cannot generate a P-256 key");
	if (!(f = fopen(path, "wb")))
		return ch_error_set(CH_ERR_IO, "%s: %s", path, strerror(errno));
	if (!write_close(f, !PEM_write_PrivateKey(f, *out, NULL, NULL, 0, NULL, NULL)))
		return ch_error_set(CH_ERR_IO, "%s: cannot write the key", path);
	return CH_OK;
}

ch_err ch_ct_writer_new(ch_ct_writer **out, const char *dir, const char *origin,
			const char *key_path)
{
	ch_ct_writer *w = calloc(1, sizeof *w);
	unsigned char *spki = NULL;
	char path[4096];
	int spki_len;
	FILE *f;
	ch_err err = CH_OK;

	*out = NULL;
	if (!w || !(w->dir = strdup(dir))) {
		err = ch_error_set(CH_ERR_NOMEM, "out of memory");
		goto out;
	}
	ch_buf_init(&w->data, CH_CT_MAX_TILE);
	ch_merkle_range_init(&w->range);
	if (strlen(origin) >= sizeof w->origin) {
		err = ch_error_set(CH_ERR_INVALID, "origin too long");
		goto out;
	}
	strcpy(w->origin, origin);
	CH_TRY(ch_hash_new(&w->h));
	CH_TRY(load_or_make_key(&w->priv, key_path));
	if ((spki_len = i2d_PUBKEY(w->priv, &spki)) <= 0) {
		err = ch_error_set(CH_ERR_PARSE, "cannot encode the public key");
		goto out;
	}
	CH_TRY(ch_ct_key_parse(&w->pub, spki, (size_t)spki_len));
	CH_TRY(ch_note_verifier_rfc6962(&w->v, origin, w->pub));
	snprintf(path, sizeof path, "%s/key.pem", dir);
	CH_TRY(mkdirs(path));
	if (!(f = fopen(path, "wb"))) {
		err = ch_error_set(CH_ERR_IO, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (!write_close(f, !PEM_write_PUBKEY(f, w->priv))) {
		err = ch_error_set(CH_ERR_IO, "%s: write failed", path);
		goto out;
	}
	*out = w;
	w = NULL;
out:
	OPENSSL_free(spki);
	ch_ct_writer_free(w);
	return err;
}

/* push_hash adds a hash at `level`, writing the tile and climbing when it fills. */
static ch_err push_hash(ch_ct_writer *w, unsigned level, const uint8_t hash[32])
{
	char rel[CH_CT_TILE_PATH_MAX], kind[4];
	uint8_t root[32];
	ch_err err;

	if (level >= MAX_LEVELS)
		return ch_error_set(CH_ERR_LIMIT, "writer: tree too large");
	memcpy(w->level[level][w->level_n[level]++], hash, 32);
	if (w->level_n[level] < CH_CT_TILE_WIDTH)
		return CH_OK;
	snprintf(kind, sizeof kind, "%u", level);
	ch_ct_tile_path(rel, kind, w->level_tiles[level]++, 0);
	CH_TRY(write_file(w, rel, w->level[level], sizeof w->level[level]));
	CH_TRY(ch_merkle_root(w->h, root, (const uint8_t(*)[32])w->level[level], CH_CT_TILE_WIDTH));
	w->level_n[level] = 0;
	CH_TRY(push_hash(w, level + 1, root));
out:
	return err;
}

static ch_err put_uint(ch_buf *b, uint64_t v, unsigned n)
{
	uint8_t tmp[8];

	for (unsigned i = 0; i < n; i++)
		tmp[i] = (uint8_t)(v >> (8 * (n - 1 - i)));
	return ch_buf_append(b, tmp, n);
}

/* precert_parts derives the TBS without the poison extension and the issuer key hash: the TBS
 * by removing the extension from the DER (ch_ct_precert_tbs), with OpenSSL's re-encoding as a
 * fallback; the key hash through OpenSSL once per distinct issuer (decoding keys is slow). */
static ch_err precert_parts_ssl(ch_buf *tbs, uint8_t ikh[32], const uint8_t *der, size_t len,
				const uint8_t *issuer, size_t issuer_len);

static ch_err precert_parts(ch_ct_writer *w, ch_buf *tbs, uint8_t ikh[32], const uint8_t *der,
			    size_t len, const uint8_t *issuer, size_t issuer_len)
{
	uint8_t fp[32];
	ch_buf dummy;
	ch_err err;

	CH_TRY(ch_hash_sha256(w->h, fp, issuer, issuer_len));
	if (!w->have_issuer || memcmp(fp, w->issuer_fp, 32) != 0) {
		ch_buf_init(&dummy, CH_CT_MAX_CERT);
		err = precert_parts_ssl(&dummy, w->issuer_ikh, issuer, issuer_len, issuer, issuer_len);
		ch_buf_free(&dummy);
		if (err)
			return err;
		memcpy(w->issuer_fp, fp, 32);
		w->have_issuer = true;
	}
	memcpy(ikh, w->issuer_ikh, 32);
	if (ch_ct_precert_tbs(tbs, der, len) == CH_OK)
		return CH_OK;
	ch_buf_reset(tbs);
	return precert_parts_ssl(tbs, ikh, der, len, issuer, issuer_len);
out:
	return err;
}

static ch_err precert_parts_ssl(ch_buf *tbs, uint8_t ikh[32], const uint8_t *der, size_t len,
				const uint8_t *issuer, size_t issuer_len)
{
	const unsigned char *p = der, *q = issuer;
	X509 *x = d2i_X509(NULL, &p, (long)len), *ix = d2i_X509(NULL, &q, (long)issuer_len);
	unsigned char *enc = NULL, *spki = NULL;
	int idx, n, sl;
	ch_err err = CH_OK;

	if (!x || !ix) {
		err = ch_error_set(CH_ERR_PARSE, "writer: precertificate or issuer does not parse");
		goto out;
	}
	idx = X509_get_ext_by_NID(x, NID_ct_precert_poison, -1);
	if (idx >= 0)
		X509_EXTENSION_free(X509_delete_ext(x, idx));
	n = i2d_re_X509_tbs(x, &enc);
	sl = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(ix), &spki);
	if (n <= 0 || sl <= 0) {
		err = ch_error_set(CH_ERR_PARSE, "writer: cannot re-encode the TBS");
		goto out;
	}
	CH_TRY(ch_buf_append(tbs, enc, (size_t)n));
	EVP_Digest(spki, (size_t)sl, ikh, NULL, EVP_sha256(), NULL);
out:
	OPENSSL_free(enc);
	OPENSSL_free(spki);
	X509_free(x);
	X509_free(ix);
	return err;
}

/* put_chain writes the TileLeaf's chain fingerprints and each issuer file once in a row. */
static ch_err put_chain(ch_ct_writer *w, const ch_bytes *chain, size_t n)
{
	uint8_t fp[32];
	char hex[65], rel[128];
	ch_err err = CH_OK;

	CH_TRY(put_uint(&w->data, 32 * n, 2));
	for (size_t i = 0; i < n; i++) {
		CH_TRY(ch_hash_sha256(w->h, fp, chain[i].data, chain[i].len));
		CH_TRY(ch_buf_append(&w->data, fp, 32));
		ch_hex_encode(hex, fp, 32);
		snprintf(rel, sizeof rel, "issuer/%s", hex);
		if (!w->have_written || memcmp(fp, w->written_fp, 32) != 0) {
			CH_TRY(write_file(w, rel, chain[i].data, chain[i].len));
			memcpy(w->written_fp, fp, 32);
			w->have_written = true;
		}
	}
out:
	return err;
}

/* add_entry appends one TileLeaf: an x509_entry for der, or, when tbs is not NULL, a
 * precert_entry logging tbs with issuer key hash ikh for the precertificate der; then the
 * chain's fingerprints. */
static ch_err add_entry(ch_ct_writer *w, uint64_t timestamp_ms, const uint8_t *der, size_t len,
			const ch_buf *tbs, const uint8_t ikh[32], const ch_bytes *chain,
			size_t num_chain)
{
	size_t start = w->data.len, te_len;
	uint8_t lh[32];
	char rel[128];
	ch_err err = CH_OK;

	CH_TRY(put_uint(&w->data, timestamp_ms, 8));
	CH_TRY(put_uint(&w->data, tbs ? 1 : 0, 2));
	if (tbs) {
		CH_TRY(ch_buf_append(&w->data, ikh, 32));
		CH_TRY(put_uint(&w->data, tbs->len, 3));
		CH_TRY(ch_buf_append(&w->data, tbs->data, tbs->len));
	} else {
		CH_TRY(put_uint(&w->data, len, 3));
		CH_TRY(ch_buf_append(&w->data, der, len));
	}
	/* CtExtensions: the static-ct-api leaf_index extension. */
	CH_TRY(put_uint(&w->data, 8, 2));
	CH_TRY(put_uint(&w->data, 0, 1));
	CH_TRY(put_uint(&w->data, 5, 2));
	CH_TRY(put_uint(&w->data, w->range.size, 5));
	te_len = w->data.len - start;
	CH_TRY(ch_hash_sha256_begin(w->h));
	CH_TRY(ch_hash_sha256_add(w->h, "\0\0\0", 3));
	CH_TRY(ch_hash_sha256_add(w->h, w->data.data + start, te_len));
	CH_TRY(ch_hash_sha256_end(w->h, lh));
	if (tbs) {
		CH_TRY(put_uint(&w->data, len, 3));
		CH_TRY(ch_buf_append(&w->data, der, len));
	}
	CH_TRY(put_chain(w, chain, num_chain));
	CH_TRY(ch_merkle_range_append(&w->range, w->h, lh));
	CH_TRY(push_hash(w, 0, lh));
	if (++w->data_n == CH_CT_TILE_WIDTH) {
		ch_ct_tile_path(rel, "data", w->data_tiles++, 0);
		CH_TRY(write_file(w, rel, w->data.data, w->data.len));
		ch_buf_reset(&w->data);
		w->data_n = 0;
	}
out:
	return err;
}

ch_err ch_ct_writer_add(ch_ct_writer *w, uint64_t timestamp_ms, const uint8_t *der, size_t len,
			bool precert, const uint8_t *issuer, size_t issuer_len)
{
	ch_bytes chain = {issuer, issuer_len};
	uint8_t ikh[32];
	ch_buf tbs;
	ch_err err = CH_OK;

	ch_buf_init(&tbs, CH_CT_MAX_CERT);
	if (precert && !issuer) {
		err = ch_error_set(CH_ERR_INVALID, "writer: a precertificate needs its issuer");
		goto out;
	}
	if (precert)
		CH_TRY(precert_parts(w, &tbs, ikh, der, len, issuer, issuer_len));
	err = add_entry(w, timestamp_ms, der, len, precert ? &tbs : NULL, ikh, &chain,
			issuer ? 1 : 0);
out:
	ch_buf_free(&tbs);
	return err;
}

/* psc_tbs builds the TBS a log records for a precertificate signed by a Precertificate Signing
 * Certificate, as OpenSSL's own SCT checks do (ct_sct_ctx.c): the poison removed, the issuer
 * name and (when present) the authority key identifier replaced by the PSC's own issuer name
 * and authority key identifier, which name the CA that issued the PSC; re-encoded. */
static ch_err psc_tbs(ch_buf *tbs, const uint8_t *der, size_t len, const uint8_t *psc,
		      size_t psc_len)
{
	const unsigned char *p = der, *q = psc;
	X509 *x = d2i_X509(NULL, &p, (long)len), *px = d2i_X509(NULL, &q, (long)psc_len);
	unsigned char *enc = NULL;
	int idx, pidx, n;
	ch_err err = CH_OK;

	if (!x || !px) {
		err = ch_error_set(CH_ERR_PARSE, "writer: precertificate or PSC does not parse");
		goto out;
	}
	if ((idx = X509_get_ext_by_NID(x, NID_ct_precert_poison, -1)) < 0) {
		err = ch_error_set(CH_ERR_INVALID, "writer: not a precertificate (no poison)");
		goto out;
	}
	X509_EXTENSION_free(X509_delete_ext(x, idx));
	idx = X509_get_ext_by_NID(x, NID_authority_key_identifier, -1);
	pidx = X509_get_ext_by_NID(px, NID_authority_key_identifier, -1);
	if (idx >= 0 && (pidx < 0 ||
			 !X509_EXTENSION_set_data(X509_get_ext(x, idx),
						  X509_EXTENSION_get_data(X509_get_ext(px, pidx))))) {
		err = ch_error_set(CH_ERR_INVALID, "writer: the PSC has no authority key identifier");
		goto out;
	}
	if (!X509_set_issuer_name(x, X509_get_issuer_name(px)) || (n = i2d_re_X509_tbs(x, &enc)) <= 0) {
		err = ch_error_set(CH_ERR_PARSE, "writer: cannot re-encode the TBS");
		goto out;
	}
	err = ch_buf_append(tbs, enc, (size_t)n);
out:
	OPENSSL_free(enc);
	X509_free(x);
	X509_free(px);
	return err;
}

ch_err ch_ct_writer_add_psc(ch_ct_writer *w, uint64_t timestamp_ms, const uint8_t *der,
			    size_t len, const uint8_t *psc, size_t psc_len, const uint8_t *ca,
			    size_t ca_len)
{
	ch_bytes chain[2] = {{psc, psc_len}, {ca, ca_len}};
	uint8_t ikh[32];
	ch_buf tbs, dummy;
	ch_err err = CH_OK;

	ch_buf_init(&tbs, CH_CT_MAX_CERT);
	ch_buf_init(&dummy, CH_CT_MAX_CERT);
	if (!psc || !ca) {
		err = ch_error_set(CH_ERR_INVALID, "writer: a PSC precertificate needs the PSC and CA");
		goto out;
	}
	CH_TRY(psc_tbs(&tbs, der, len, psc, psc_len));
	CH_TRY(precert_parts_ssl(&dummy, ikh, ca, ca_len, ca, ca_len)); /* the CA's key hash */
	err = add_entry(w, timestamp_ms, der, len, &tbs, ikh, chain, 2);
out:
	ch_buf_free(&tbs);
	ch_buf_free(&dummy);
	return err;
}

uint64_t ch_ct_writer_size(const ch_ct_writer *w)
{
	return w->range.size;
}

ch_err ch_ct_writer_root(ch_ct_writer *w, uint8_t out[32])
{
	return ch_merkle_range_root(&w->range, w->h, out);
}

/* sign makes the RFC6962NoteSignature body: timestamp then DigitallySigned. */
static ch_err sign(ch_ct_writer *w, ch_buf *out, const ch_ct_sth *sth)
{
	uint8_t msg[CH_CT_STH_SIGNED_LEN], sig[256];
	size_t sig_len = sizeof sig;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	ch_err err = CH_OK;

	ch_ct_sth_signed_data(msg, sth);
	if (!ctx || EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, w->priv) != 1 ||
	    EVP_DigestSign(ctx, sig, &sig_len, msg, sizeof msg) != 1) {
		err = ch_error_set(CH_ERR_NOMEM, "writer: signing failed");
		goto out;
	}
	CH_TRY(put_uint(out, sth->timestamp, 8));
	CH_TRY(put_uint(out, 4, 1)); /* sha256 */
	CH_TRY(put_uint(out, 3, 1)); /* ecdsa */
	CH_TRY(put_uint(out, sig_len, 2));
	CH_TRY(ch_buf_append(out, sig, sig_len));
out:
	EVP_MD_CTX_free(ctx);
	return err;
}

ch_err ch_ct_writer_publish(ch_ct_writer *w, uint64_t timestamp_ms, const uint8_t *lie_root)
{
	char rel[CH_CT_TILE_PATH_MAX], kind[4], b64[1024];
	ch_buf note, body;
	ch_ct_sth sth;
	ch_err err;

	ch_buf_init(&note, CH_NOTE_MAX);
	ch_buf_init(&body, 4096);
	for (unsigned l = 0; l < MAX_LEVELS; l++) {
		if (w->level_n[l] == 0)
			continue;
		snprintf(kind, sizeof kind, "%u", l);
		ch_ct_tile_path(rel, kind, w->level_tiles[l], w->level_n[l]);
		CH_TRY(write_file(w, rel, w->level[l], (size_t)w->level_n[l] * 32));
	}
	if (w->data_n) {
		ch_ct_tile_path(rel, "data", w->data_tiles, w->data_n);
		CH_TRY(write_file(w, rel, w->data.data, w->data.len));
	}
	memset(&sth, 0, sizeof sth);
	sth.tree_size = w->range.size;
	sth.timestamp = timestamp_ms;
	CH_TRY(ch_merkle_range_root(&w->range, w->h, sth.root));
	if (lie_root)
		memcpy(sth.root, lie_root, 32);
	CH_TRY(ch_checkpoint_format(&note, w->origin, sth.tree_size, sth.root));
	CH_TRY(put_uint(&body, w->v.key_id, 4));
	CH_TRY(sign(w, &body, &sth));
	ch_base64_encode(b64, (const uint8_t *)body.data, body.len);
	CH_TRY(ch_buf_printf(&note, "\n\xe2\x80\x94 %s %s\n", w->origin, b64));
	CH_TRY(write_file(w, "checkpoint", note.data, note.len));
out:
	ch_buf_free(&note);
	ch_buf_free(&body);
	return err;
}
