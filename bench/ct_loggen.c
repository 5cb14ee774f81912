/* bench/ct_loggen.c — writes a local CT log for the sync benchmark (bench/ct_sync.sh) from a
 * certificate corpus (gen_corpus output): a real static-ct-api log (ch_ct_writer: hash tiles,
 * data tiles, signed checkpoint) and, with --rfc6962, the same log's RFC 6962 face as static
 * files that nginx serves:
 *   rfc/get-sth                      the checkpoint's tree head as get-sth JSON (the
 *                                    RFC6962NoteSignature is the TreeHeadSignature)
 *   rfc/e/<start>.json               get-entries for [start, start+BATCH) (BATCH-aligned starts)
 *   rfc/c/<first>.json               get-sth-consistency from `first` (multiples of BATCH) to the
 *                                    tree size, computed from the full tree held in memory
 * Precertificates in the corpus (CT poison) become precert_entry leaves with the corpus's
 * first CA certificate as issuer; the others are x509_entry leaves with that issuer as chain.
 *
 *   ct_loggen --corpus FILE --out DIR [--count N] [--rfc6962] [--batch 1000]
 */
#include <certhound/ct.h>
#include <certhound/ct_writer.h>
#include <certhound/merkle.h>
#include <certhound/note.h>
#include <certhound/x509.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "benchlib.h"

#define TS0 1750000000000ull
#define ORIGIN "bench.example/log"

static const uint8_t poison[] = {0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01,
				 0xd6, 0x79, 0x02, 0x04, 0x03};

static bool has_poison(const uint8_t *d, size_t n)
{
	return memmem(d, n, poison, sizeof poison) != NULL;
}

static uint8_t (*leaves)[32]; /* every leaf hash, for the consistency proofs */
static uint64_t num_leaves;
static ch_hash *H;

static uint8_t (*levels[64])[32]; /* levels[k][i]: hash of leaves [i * 2^k, (i + 1) * 2^k) */

static void build_levels(void)
{
	uint64_t n = num_leaves;

	levels[0] = leaves;
	for (int k = 1; k < 64 && (n >>= 1) > 0; k++) {
		if (!(levels[k] = malloc(n * 32)))
			abort();
		for (uint64_t i = 0; i < n; i++)
			if (ch_merkle_node_hash(H, levels[k][i], levels[k - 1][2 * i],
						levels[k - 1][2 * i + 1]) != CH_OK)
				abort();
	}
}

/* mth computes the Merkle Tree Hash of leaves [a, b) (RFC 6962 2.1). */
static void mth(uint8_t out[32], uint64_t a, uint64_t b)
{
	uint64_t n = b - a, k = 1;
	uint8_t l[32], r[32];
	int lg = 0;

	if ((n & (n - 1)) == 0) {
		while (((uint64_t)1 << lg) < n)
			lg++;
		if (a % n == 0) {
			memcpy(out, levels[lg][a >> lg], 32);
			return;
		}
	}
	while (k * 2 < n)
		k *= 2;
	mth(l, a, a + k);
	mth(r, a + k, b);
	if (ch_merkle_node_hash(H, out, l, r) != CH_OK)
		abort();
}

/* subproof appends RFC 6962 2.1.2 SUBPROOF(m, D[a:b], flag) to proof. */
static void subproof(uint8_t (*proof)[32], size_t *np, uint64_t m, uint64_t a, uint64_t b, bool flag)
{
	uint64_t n = b - a, k = 1;

	if (m == n) {
		if (!flag)
			mth(proof[(*np)++], a, b);
		return;
	}
	while (k * 2 < n)
		k *= 2;
	if (m <= k) {
		subproof(proof, np, m, a, a + k, flag);
		mth(proof[(*np)++], a + k, b);
	} else {
		subproof(proof, np, m - k, a + k, b, false);
		mth(proof[(*np)++], a, a + k);
	}
}

static int write_file(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(data, 1, len, f) != len) {
		fprintf(stderr, "ct_loggen: %s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	return fclose(f) == 0 ? 0 : -1;
}

static int put_b64(ch_buf *b, const uint8_t *p, size_t n)
{
	size_t need = 4 * ((n + 2) / 3) + 1;

	if (ch_buf_reserve(b, need) != CH_OK)
		return -1;
	b->len += ch_base64_encode(b->data + b->len, p, n);
	return 0;
}

static int put_u24(ch_buf *b, size_t n)
{
	uint8_t h[3] = {(uint8_t)(n >> 16), (uint8_t)(n >> 8), (uint8_t)n};
	return ch_buf_append(b, h, 3) == CH_OK ? 0 : -1;
}

/* rfc6962_face writes the static RFC 6962 files from the written log in dir. */
static int rfc6962_face(const char *dir, uint64_t size, const uint8_t *issuer, size_t issuer_len,
			unsigned batch)
{
	char path[4096], tp[CH_CT_TILE_PATH_MAX], b64[CH_CT_MAX_SIG * 2];
	ch_buf body, tile, raw, leaf, extra, cpt;
	ch_checkpoint cp;
	ch_note_verifier v;
	ch_ct_key *key = NULL;
	uint64_t idx = 0;
	int rc = -1;

	ch_buf_init(&body, 256u << 20);
	ch_buf_init(&tile, CH_CT_MAX_TILE);
	ch_buf_init(&raw, CH_CT_MAX_TILE);
	ch_buf_init(&leaf, 4u << 20);
	ch_buf_init(&extra, 4u << 20);
	ch_buf_init(&cpt, 1u << 20);
	snprintf(path, sizeof path, "%s/rfc/e", dir);
	mkdir(path, 0755) ;
	snprintf(path, sizeof path, "%s/rfc/c", dir);
	mkdir(path, 0755);
	/* get-sth from the checkpoint. */
	{
		uint8_t *pem;
		size_t len;
		FILE *f;
		char kp[4096];
		static char buf[65536];

		snprintf(kp, sizeof kp, "%s/key.pem", dir);
		f = fopen(kp, "rb");
		len = f ? fread(buf, 1, sizeof buf, f) : 0;
		if (f)
			fclose(f);
		if (ch_ct_key_parse(&key, buf, len) != CH_OK ||
		    ch_note_verifier_rfc6962(&v, ORIGIN, key) != CH_OK)
			goto out;
		snprintf(kp, sizeof kp, "%s/checkpoint", dir);
		f = fopen(kp, "rb");
		len = f ? fread(buf, 1, sizeof buf, f) : 0;
		if (f)
			fclose(f);
		if (ch_checkpoint_verify(&cp, buf, len, ORIGIN, &v, 1) != CH_OK || !cp.has_sth) {
			fprintf(stderr, "ct_loggen: checkpoint: %s\n", ch_error_last());
			goto out;
		}
		(void)pem;
		ch_buf_reset(&body);
		ch_base64_encode(b64, cp.sth.root, 32);
		if (ch_buf_printf(&body, "{\"tree_size\":%" PRIu64 ",\"timestamp\":%" PRIu64
				  ",\"sha256_root_hash\":\"%s\",\"tree_head_signature\":\"",
				  cp.sth.tree_size, cp.sth.timestamp, b64) != CH_OK)
			goto out;
		ch_base64_encode(b64, cp.sth.sig, cp.sth.sig_len);
		if (ch_buf_printf(&body, "%s\"}", b64) != CH_OK)
			goto out;
		snprintf(path, sizeof path, "%s/rfc/get-sth", dir);
		if (write_file(path, body.data, body.len))
			goto out;
	}
	/* get-entries files, batch entries each, from the data tiles. */
	ch_buf_reset(&body);
	for (uint64_t n = 0; n * CH_CT_TILE_WIDTH < size; n++) {
		unsigned width = size / CH_CT_TILE_WIDTH > n ? CH_CT_TILE_WIDTH
							     : (unsigned)(size % CH_CT_TILE_WIDTH);
		ch_bytes cur;
		FILE *f;

		ch_ct_tile_path(tp, "data", n, width);
		snprintf(path, sizeof path, "%s/%s", dir, tp);
		if (!(f = fopen(path, "rb"))) {
			fprintf(stderr, "ct_loggen: %s missing\n", path);
			goto out;
		}
		ch_buf_reset(&raw);
		if (ch_buf_reserve(&raw, CH_CT_MAX_TILE) != CH_OK)
			goto out;
		raw.len = fread(raw.data, 1, CH_CT_MAX_TILE, f);
		fclose(f);
		ch_buf_reset(&tile);
		if (ch_ct_gunzip(&tile, (const uint8_t *)raw.data, raw.len) != CH_OK)
			goto out;
		cur.data = (const uint8_t *)tile.data;
		cur.len = tile.len;
		for (unsigned i = 0; i < width; i++, idx++) {
			ch_ct_entry e;
			if (ch_ct_tile_leaf_next(&e, &cur) != CH_OK)
				goto out;
			if (idx % batch == 0) {
				ch_buf_reset(&body);
				if (ch_buf_puts(&body, "{\"entries\":[") != CH_OK)
					goto out;
			} else if (ch_buf_putc(&body, ',') != CH_OK) {
				goto out;
			}
			ch_buf_reset(&leaf);
			ch_buf_reset(&extra);
			if (ch_buf_append(&leaf, "\0\0", 2) != CH_OK ||
			    ch_buf_append(&leaf, e.timestamped_entry.data, e.timestamped_entry.len) != CH_OK)
				goto out;
			if (e.type == CH_CT_PRECERT_ENTRY &&
			    (put_u24(&extra, e.precert.len) ||
			     ch_buf_append(&extra, e.precert.data, e.precert.len) != CH_OK))
				goto out;
			if (put_u24(&extra, issuer_len + 3) || put_u24(&extra, issuer_len) ||
			    ch_buf_append(&extra, issuer, issuer_len) != CH_OK)
				goto out;
			if (ch_buf_puts(&body, "{\"leaf_input\":\"") != CH_OK ||
			    put_b64(&body, (const uint8_t *)leaf.data, leaf.len) ||
			    ch_buf_puts(&body, "\",\"extra_data\":\"") != CH_OK ||
			    put_b64(&body, (const uint8_t *)extra.data, extra.len) ||
			    ch_buf_puts(&body, "\"}") != CH_OK)
				goto out;
			if (idx % batch == batch - 1 || idx == size - 1) {
				if (ch_buf_puts(&body, "]}") != CH_OK)
					goto out;
				snprintf(path, sizeof path, "%s/rfc/e/%" PRIu64 ".json", dir,
					 idx - idx % batch);
				if (write_file(path, body.data, body.len))
					goto out;
			}
		}
	}
	/* Consistency proofs from every multiple of batch to the tree size. */
	for (uint64_t m = batch; m < size; m += batch) {
		uint8_t proof[128][32];
		size_t np = 0;

		subproof(proof, &np, m, 0, size, true);
		ch_buf_reset(&cpt);
		if (ch_buf_puts(&cpt, "{\"consistency\":[") != CH_OK)
			goto out;
		for (size_t i = 0; i < np; i++) {
			ch_base64_encode(b64, proof[i], 32);
			if (ch_buf_printf(&cpt, "%s\"%s\"", i ? "," : "", b64) != CH_OK)
				goto out;
		}
		if (ch_buf_puts(&cpt, "]}") != CH_OK)
			goto out;
		snprintf(path, sizeof path, "%s/rfc/c/%" PRIu64 ".json", dir, m);
		if (write_file(path, cpt.data, cpt.len))
			goto out;
	}
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "ct_loggen: RFC 6962 face: %s\n", ch_error_last());
	ch_ct_key_free(key);
	ch_buf_free(&body);
	ch_buf_free(&tile);
	ch_buf_free(&raw);
	ch_buf_free(&leaf);
	ch_buf_free(&extra);
	ch_buf_free(&cpt);
	return rc;
}

int main(int argc, char **argv)
{
	const char *corpus = NULL, *out = NULL;
	uint64_t count = 0;
	unsigned batch = 1000;
	bool rfc = false;
	bench_corpus c = {0};
	ch_ct_writer *w = NULL;
	const uint8_t *issuer = NULL;
	size_t issuer_len = 0, precerts = 0;
	char path[2048], keyp[2048];
	ch_cert *cert = NULL;
	double t0;
	int rc = 1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--corpus") && i + 1 < argc)
			corpus = argv[++i];
		else if (!strcmp(argv[i], "--out") && i + 1 < argc)
			out = argv[++i];
		else if (!strcmp(argv[i], "--count") && i + 1 < argc)
			count = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--batch") && i + 1 < argc)
			batch = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--rfc6962"))
			rfc = true;
		else {
			fprintf(stderr, "usage: ct_loggen --corpus FILE --out DIR [--count N] [--rfc6962] "
				"[--batch N]\n");
			return 2;
		}
	}
	if (!corpus || !out || batch == 0)
		return 2;
	if (bench_corpus_load_file(&c, corpus, count) != 0)
		return 1;
	bench_corpus_done(&c);
	if (ch_hash_new(&H) != CH_OK || ch_cert_new(&cert) != CH_OK)
		return 1;
	/* The issuer: the first CA certificate of the corpus. */
	for (size_t i = 0; i < c.num_certs && !issuer; i++)
		if (ch_cert_parse(cert, c.certs[i].der, c.certs[i].len, CH_PARSE_ALL) == CH_OK &&
		    cert->is_ca) {
			issuer = c.certs[i].der;
			issuer_len = c.certs[i].len;
		}
	if (!issuer) {
		issuer = c.certs[0].der;
		issuer_len = c.certs[0].len;
	}
	mkdir(out, 0755);
	snprintf(path, sizeof path, "%s/log", out);
	snprintf(keyp, sizeof keyp, "%s/log-key.pem", out);
	if (ch_ct_writer_new(&w, path, ORIGIN, keyp) != CH_OK) {
		fprintf(stderr, "ct_loggen: %s\n", ch_error_last());
		goto out;
	}
	if (rfc && !(leaves = malloc(c.num_certs * 32 + 32)))
		goto out;
	t0 = bench_now();
	for (size_t i = 0; i < c.num_certs; i++) {
		bool pre = has_poison(c.certs[i].der, c.certs[i].len);
		if (ch_ct_writer_add(w, TS0 + i, c.certs[i].der, c.certs[i].len, pre, issuer,
				     issuer_len) != CH_OK) {
			/* A precertificate OpenSSL cannot re-encode: log it as a certificate. */
			if (!pre || ch_ct_writer_add(w, TS0 + i, c.certs[i].der, c.certs[i].len, false,
						     issuer, issuer_len) != CH_OK) {
				fprintf(stderr, "ct_loggen: entry %zu: %s\n", i, ch_error_last());
				goto out;
			}
		} else {
			precerts += pre;
		}
	}
	if (ch_ct_writer_publish(w, TS0 + c.num_certs + 1000, NULL) != CH_OK)
		goto out;
	fprintf(stderr, "ct_loggen: %zu entries (%zu precertificates) in %.1f s -> %s\n", c.num_certs,
		precerts, bench_now() - t0, path);
	if (rfc) {
		/* The leaf hashes again, from the written tiles (the writer keeps O(log n)). */
		char tp[CH_CT_TILE_PATH_MAX], fp[8192];
		uint64_t size = ch_ct_writer_size(w);
		for (uint64_t n = 0; n * CH_CT_TILE_WIDTH < size; n++) {
			unsigned width = size / CH_CT_TILE_WIDTH > n ? CH_CT_TILE_WIDTH
								     : (unsigned)(size % CH_CT_TILE_WIDTH);
			FILE *f;
			ch_ct_tile_path(tp, "0", n, width);
			snprintf(fp, sizeof fp, "%s/%s", path, tp);
			if (!(f = fopen(fp, "rb")) ||
			    fread(leaves[num_leaves], 32, width, f) != width) {
				fprintf(stderr, "ct_loggen: %s unreadable\n", fp);
				if (f)
					fclose(f);
				goto out;
			}
			fclose(f);
			num_leaves += width;
		}
		snprintf(fp, sizeof fp, "%s/rfc", path);
		mkdir(fp, 0755);
		build_levels();
		if (rfc6962_face(path, size, issuer, issuer_len, batch) != 0)
			goto out;
		fprintf(stderr, "ct_loggen: RFC 6962 face written (%.1f s)\n", bench_now() - t0);
	}
	rc = 0;
out:
	ch_ct_writer_free(w);
	ch_cert_free(cert);
	ch_hash_free(H);
	free(leaves);
	bench_corpus_free(&c);
	return rc;
}
