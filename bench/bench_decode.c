/* bench_decode — certhound's decoder against OpenSSL and against the hashing floor, in one run
 * over the same certificates held in memory. Single-threaded.
 *
 *   bench_decode [--seconds S] [--rounds R] [--limit N] [--path 1-4] [--real DIR | --no-real]
 *                [CORPUS]
 *
 * CORPUS is gen_corpus output (concatenated DER or PEM). The real-world data point is every
 * certificate under DIR (default $CH_SHARED_DIR/corpus/certs, i.e. ../shared next to the source
 * tree) that both OpenSSL and certhound accept. Each path gets S seconds (default 5) split into
 * R rounds (default 5) interleaved with the other paths; each round continues through the
 * corpus where the last one stopped, wrapping around, so slow paths (OpenSSL) cover a prefix.
 * Rates are the best round's certificates per CPU-second of this thread (steady on a shared
 * machine); the wall-clock rate over all rounds is printed beside them. --path N times only
 * path N (to run under a profiler). See docs/bench.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <certhound/hash.h>
#include <certhound/x509.h>

#include "benchlib.h"

#ifndef CH_BENCH_SHARED_DIR
#define CH_BENCH_SHARED_DIR "../shared"
#endif

/* Targets from issue 2. */
#define TARGET_FULL_OVER_OPENSSL 30.0
#define TARGET_FLOOR_OVER_FULL 2.0
#define TARGET_DECODE_ONLY 1000000.0

typedef struct ch_arg {
	ch_cert *cert;
	unsigned flags;
	bool reported;
} ch_arg;

/* (1) and (2): certhound's decoder, without and with every derived fingerprint. */
static bool run_certhound(void *arg, const uint8_t *der, size_t len)
{
	ch_arg *a = arg;

	if (ch_cert_parse(a->cert, der, len, a->flags) != CH_OK) {
		if (!a->reported)
			fprintf(stderr, "bench_decode: certhound refused a certificate: %s\n", ch_error_last());
		a->reported = true;
		return false;
	}
	bench_sink += a->cert->san.num_dns + a->cert->sha256[0] + (uint8_t)a->cert->ja4x[0];
	return true;
}

typedef struct ossl_arg {
	EVP_MD *sha256;
	BIO *mem;
} ossl_arg;

/* (3): what a program does with OpenSSL to get the same basic facts: parse, SHA-256
 * fingerprint, the subject as RFC 2253 text (UTF-8 kept, like certhound), the SAN dNSNames. */
static bool run_openssl(void *arg, const uint8_t *der, size_t len)
{
	ossl_arg *a = arg;
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen = 0;
	GENERAL_NAMES *gens;
	bool ok;

	if (!x)
		return false;
	ok = X509_digest(x, a->sha256, md, &mdlen) == 1;
	(void)BIO_reset(a->mem);
	ok &= X509_NAME_print_ex(a->mem, X509_get_subject_name(x), 0,
				 XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0;
	gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		if (g->type == GEN_DNS)
			bench_sink += (uint64_t)ASN1_STRING_length(g->d.dNSName) +
				      ASN1_STRING_get0_data(g->d.dNSName)[0];
	}
	GENERAL_NAMES_free(gens);
	bench_sink += md[0] + BIO_number_written(a->mem);
	X509_free(x);
	return ok;
}

/* (4): the floor: SHA-256 and SHA-1 of the certificate bytes, nothing else. */
static bool run_floor(void *arg, const uint8_t *der, size_t len)
{
	ch_hash *h = arg;
	uint8_t a[CH_SHA256_LEN], b[CH_SHA1_LEN];

	if (ch_hash_sha256(h, a, der, len) != CH_OK || ch_hash_sha1(h, b, der, len) != CH_OK)
		return false;
	bench_sink += a[0] + b[0];
	return true;
}

/* One path's figures over all rounds. The rate is the best round's certificates per second of
 * this thread's CPU time: other processes on a shared machine then cost us little. */
typedef struct path {
	const char *name;
	bench_fn fn;
	void *arg;
	size_t pos;
	double best_rate, best_mbps;
	bench_result total;
} path;

static void run_round(const bench_corpus *c, path *p, double seconds)
{
	bench_result r = bench_run(c, p->fn, p->arg, seconds, 0, &p->pos);
	double rate = r.cpu > 0 ? (double)r.certs / r.cpu : 0;

	if (rate > p->best_rate) {
		p->best_rate = rate;
		p->best_mbps = (double)r.bytes / 1e6 / r.cpu;
	}
	p->total.certs += r.certs;
	p->total.bytes += r.bytes;
	p->total.failures += r.failures;
	p->total.wall += r.wall;
	p->total.cpu += r.cpu;
}

static void row(const path *p)
{
	printf("  %-46s %10.0f %8.1f %10.0f %10llu", p->name, p->best_rate, p->best_mbps,
	       (double)p->total.certs / p->total.wall, (unsigned long long)p->total.certs);
	if (p->total.failures)
		printf("  (%llu FAILED)", (unsigned long long)p->total.failures);
	printf("\n");
}

static const char *verdict(bool ok)
{
	return ok ? "met" : "MISSED";
}

static void print_load(const char *when)
{
	double l[3];

	if (getloadavg(l, 3) == 3)
		printf("  load average %s: %.2f %.2f %.2f\n", when, l[0], l[1], l[2]);
}

/* --path N: time only path N (for profilers); 0: all. */
static int only_path;

/* Run the four paths over one corpus, interleaved in rounds, and print the table and ratios. */
static int bench_corpus_all(const char *title, const bench_corpus *c, double seconds, int rounds)
{
	ch_arg only = {NULL, 0, false}, full = {NULL, CH_PARSE_ALL, false};
	ossl_arg os = {EVP_MD_fetch(NULL, "SHA256", NULL), BIO_new(BIO_s_mem())};
	ch_hash *h = NULL;
	path paths[4] = {
		{"(1) certhound decode-only (flags 0)", run_certhound, &only, 0, 0, 0, {0}},
		{"(2) certhound decode + all fingerprints (ALL)", run_certhound, &full, 0, 0, 0, {0}},
		{"(3) OpenSSL d2i_X509+SHA-256+subject+SAN", run_openssl, &os, 0, 0, 0, {0}},
		{"(4) floor: SHA-256 + SHA-1 of the bytes", run_floor, NULL, 0, 0, 0, {0}},
	};
	double full_over_ossl, floor_over_full;
	int rc = 1;

	if (ch_cert_new(&only.cert) != CH_OK || ch_cert_new(&full.cert) != CH_OK ||
	    ch_hash_new(&h) != CH_OK || !os.sha256 || !os.mem) {
		fprintf(stderr, "bench_decode: setup failed: %s\n", ch_error_last());
		goto out;
	}
	paths[3].arg = h;
	printf("\n== %s: %zu certificates, %.1f MB, %.0f bytes/cert on average\n", title, c->num_certs,
	       (double)c->total_bytes / 1e6, (double)c->total_bytes / (double)c->num_certs);
	print_load("before");
	/* Warm up caches and the decoder's arena before timing anything. */
	{
		path *w = &paths[only_path ? only_path - 1 : 1];
		size_t pos = 0;
		(void)bench_run(c, w->fn, w->arg, seconds / 20, 0, &pos);
	}
	for (int r = 0; r < rounds; r++)
		for (int i = 0; i < 4; i++)
			if (!only_path || only_path == i + 1)
				run_round(c, &paths[i], seconds / rounds);
	printf("  %-46s %10s %8s %10s %10s\n", "path (single thread)", "certs/s", "MB/s", "wall c/s",
	       "certs done");
	for (int i = 0; i < 4; i++)
		if (!only_path || only_path == i + 1)
			row(&paths[i]);
	if (only_path)
		goto out;
	print_load("after");
	full_over_ossl = paths[1].best_rate / paths[2].best_rate;
	floor_over_full = paths[3].best_rate / paths[1].best_rate;
	printf("  full/openssl = %.1fx (target >= %.0fx: %s)\n", full_over_ossl, TARGET_FULL_OVER_OPENSSL,
	       verdict(full_over_ossl >= TARGET_FULL_OVER_OPENSSL));
	printf("  floor/full   = %.2fx (target <= %.0fx: %s)\n", floor_over_full, TARGET_FLOOR_OVER_FULL,
	       verdict(floor_over_full <= TARGET_FLOOR_OVER_FULL));
	printf("  decode-only  = %.0f certs/s (target > %.0f: %s)\n", paths[0].best_rate,
	       TARGET_DECODE_ONLY, verdict(paths[0].best_rate > TARGET_DECODE_ONLY));
	rc = 0;
	for (int i = 0; i < 4; i++)
		if (paths[i].total.failures)
			rc = 1;
out:
	ch_cert_free(only.cert);
	ch_cert_free(full.cert);
	ch_hash_free(h);
	EVP_MD_free(os.sha256);
	BIO_free(os.mem);
	return rc;
}

/* The real-world set: only certificates both parsers accept, so every path does the same work. */
typedef struct accept_arg {
	ch_cert *cert;
	size_t refused_ossl, refused_ch;
} accept_arg;

static bool both_accept(const uint8_t *der, size_t len, void *arg)
{
	accept_arg *a = arg;
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	bool ok = x != NULL;

	X509_free(x);
	if (!ok) {
		a->refused_ossl++;
		return false;
	}
	if (ch_cert_parse(a->cert, der, len, CH_PARSE_ALL) != CH_OK) {
		a->refused_ch++;
		return false;
	}
	return true;
}

static void print_machine(void)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[512], model[256] = "unknown CPU";

	while (f && fgets(line, sizeof line, f)) {
		if (strncmp(line, "model name", 10) == 0) {
			char *v = strchr(line, ':');
			if (v) {
				snprintf(model, sizeof model, "%s", v + 2);
				model[strcspn(model, "\n")] = 0;
			}
			break;
		}
	}
	if (f)
		fclose(f);
	printf("machine: %s, %ld online CPUs; %s\n", model, sysconf(_SC_NPROCESSORS_ONLN),
	       OpenSSL_version(OPENSSL_VERSION));
}

int main(int argc, char **argv)
{
	double seconds = 5;
	int rounds = 5;
	size_t limit = 0;
	const char *corpus = NULL, *real = NULL;
	char real_buf[4096];
	bool no_real = false;
	int rc = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			seconds = atof(argv[++i]);
		else if (strcmp(argv[i], "--path") == 0 && i + 1 < argc)
			only_path = atoi(argv[++i]);
		else if (strcmp(argv[i], "--rounds") == 0 && i + 1 < argc)
			rounds = atoi(argv[++i]);
		else if (strcmp(argv[i], "--limit") == 0 && i + 1 < argc)
			limit = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--real") == 0 && i + 1 < argc)
			real = argv[++i];
		else if (strcmp(argv[i], "--no-real") == 0)
			no_real = true;
		else if (argv[i][0] != '-' && !corpus)
			corpus = argv[i];
		else {
			fprintf(stderr, "usage: bench_decode [--seconds S] [--rounds R] [--limit N] [--path 1-4] "
					"[--real DIR | --no-real] [CORPUS]\n");
			return 2;
		}
	}
	if (!real) {
		const char *sh = getenv("CH_SHARED_DIR");
		snprintf(real_buf, sizeof real_buf, "%s/corpus/certs", sh && *sh ? sh : CH_BENCH_SHARED_DIR);
		real = real_buf;
	}
	print_machine();
	if (corpus) {
		bench_corpus c = {0};
		char title[4200];
		double t0 = bench_now();

		if (bench_corpus_load_file(&c, corpus, limit) != 0)
			return 1;
		bench_corpus_done(&c);
		printf("loaded %s in %.1f s\n", corpus, bench_now() - t0);
		snprintf(title, sizeof title, "synthetic corpus %s", corpus);
		rc |= bench_corpus_all(title, &c, seconds, rounds);
		bench_corpus_free(&c);
	}
	if (!no_real && access(real, R_OK) == 0) {
		bench_corpus c = {0};
		accept_arg acc = {0};

		if (bench_corpus_load_dir(&c, real) == 0 && ch_cert_new(&acc.cert) == CH_OK) {
			size_t found;
			char title[4200];

			bench_corpus_done(&c);
			found = c.num_certs;
			bench_corpus_filter(&c, both_accept, &acc);
			snprintf(title, sizeof title,
				 "real-world certificates under %s (%zu found; refused by OpenSSL %zu, by "
				 "certhound %zu)",
				 real, found, acc.refused_ossl, acc.refused_ch);
			if (c.num_certs)
				rc |= bench_corpus_all(title, &c, seconds, rounds);
		}
		ch_cert_free(acc.cert);
		bench_corpus_free(&c);
	} else if (!no_real) {
		printf("\n(no real-world data point: %s is absent)\n", real);
	}
	if (!corpus && (no_real || access(real, R_OK) != 0)) {
		fprintf(stderr, "bench_decode: nothing to measure (give a corpus from gen_corpus)\n");
		return 2;
	}
	return rc;
}
