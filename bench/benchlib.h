/* bench/benchlib.h — what every benchmark needs: a certificate corpus held in memory and a
 * clock. Benchmarks load the whole corpus first so that they time decoding, not disk reads. */
#ifndef CH_BENCHLIB_H
#define CH_BENCHLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct bench_cert {
	const uint8_t *der;
	size_t len;
} bench_cert;

typedef struct bench_corpus {
	uint8_t *buf;            /* owns the DER bytes every cert points into */
	size_t buf_len, buf_cap;
	bench_cert *certs;
	size_t num_certs, certs_cap;
	uint64_t total_bytes;    /* sum of the certificates' lengths */
	size_t num_files;
	bool ready;              /* bench_corpus_done was called: certs[].der are pointers */
} bench_corpus;

/* bench_corpus_load_file appends the certificates of one file: a stream of concatenated DER
 * certificates (gen_corpus's output) or PEM (one or many blocks, text around them ignored).
 * limit > 0 stops after that many certificates in total. Returns 0, or -1 with a message. */
int bench_corpus_load_file(bench_corpus *c, const char *path, size_t limit);

/* bench_corpus_load_dir appends every certificate-shaped element found under dir (recursively,
 * hidden entries skipped); files that hold none add nothing. Callers filter what their parsers
 * refuse (bench_corpus_filter). */
int bench_corpus_load_dir(bench_corpus *c, const char *dir);

/* bench_corpus_done ends loading: call it once after the last load and before using certs
 * (until then certs[].der hold offsets, because the buffer may still move). */
void bench_corpus_done(bench_corpus *c);

/* bench_corpus_filter keeps only the certificates for which keep() returns true. */
void bench_corpus_filter(bench_corpus *c, bool (*keep)(const uint8_t *der, size_t len, void *arg),
			 void *arg);

void bench_corpus_free(bench_corpus *c);

/* bench_now returns a monotonic time in seconds. */
double bench_now(void);

/* bench_cpu_now returns the CPU time this thread has used, in seconds. On a shared machine it
 * does not count time the thread waited for a CPU, so rates computed from it are steadier. */
double bench_cpu_now(void);

/* A sink that stops the compiler from discarding work whose result is otherwise unused. */
extern volatile uint64_t bench_sink;

/* One timed run. */
typedef struct bench_result {
	uint64_t certs, bytes, failures;
	double wall, cpu;        /* seconds */
} bench_result;

/* bench_run calls fn over the corpus in order, starting at certificate *pos and wrapping
 * around (then *pos is where it stopped, so successive rounds walk the whole corpus), until
 * `seconds` of wall time have passed, or max_certs were done (0: no cap). fn returns false on a
 * failure (counted). */
typedef bool (*bench_fn)(void *arg, const uint8_t *der, size_t len);
bench_result bench_run(const bench_corpus *c, bench_fn fn, void *arg, double seconds,
		       uint64_t max_certs, size_t *pos);

#endif
