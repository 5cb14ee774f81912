/* Corpus loading and timing shared by the benchmarks (see benchlib.h). */
#include "benchlib.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <certhound/util.h>

volatile uint64_t bench_sink;

double bench_now(void)
{
	return (double)ch_monotonic_ns() / 1e9;
}

double bench_cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int reserve_buf(bench_corpus *c, size_t n)
{
	size_t cap = c->buf_cap ? c->buf_cap : (1u << 20);
	uint8_t *p;

	if (c->buf_len + n <= c->buf_cap)
		return 0;
	while (cap < c->buf_len + n)
		cap *= 2;
	p = realloc(c->buf, cap);
	if (!p)
		return -1;
	c->buf = p;
	c->buf_cap = cap;
	return 0;
}

/* Certificates are recorded as offsets into buf while it may still move; bench_corpus_done
 * turns them into pointers once loading is over. */
static int add_cert(bench_corpus *c, size_t off, size_t len)
{
	if (c->num_certs == c->certs_cap) {
		size_t cap = c->certs_cap ? c->certs_cap * 2 : 4096;
		bench_cert *p = realloc(c->certs, cap * sizeof *p);
		if (!p)
			return -1;
		c->certs = p;
		c->certs_cap = cap;
	}
	c->certs[c->num_certs].der = (const uint8_t *)(uintptr_t)off;
	c->certs[c->num_certs].len = len;
	c->num_certs++;
	c->total_bytes += len;
	return 0;
}

/* Length of the SEQUENCE element at p[0..n): 0 when incomplete, SIZE_MAX when not a SEQUENCE
 * with a definite length. */
static size_t element_len(const uint8_t *p, size_t n)
{
	size_t len = 0, hl;

	if (n < 2)
		return 0;
	if (p[0] != 0x30)
		return SIZE_MAX;
	if (p[1] < 0x80) {
		len = p[1];
		hl = 2;
	} else {
		size_t k = p[1] & 0x7f;
		if (k == 0 || k > 4)
			return SIZE_MAX;
		if (n < 2 + k)
			return 0;
		for (size_t i = 0; i < k; i++)
			len = len << 8 | p[2 + i];
		hl = 2 + k;
	}
	return n < hl + len ? 0 : hl + len;
}

/* Record every complete certificate in buf[*pos..buf_len); advances *pos. Returns 1 at a
 * non-certificate byte, 0 otherwise. */
static int scan_der(bench_corpus *c, size_t *pos, size_t limit)
{
	while (*pos < c->buf_len && (!limit || c->num_certs < limit)) {
		size_t n = element_len(c->buf + *pos, c->buf_len - *pos);
		if (n == SIZE_MAX)
			return 1;
		if (n == 0)
			break;
		if (add_cert(c, *pos, n) != 0)
			return 1;
		*pos += n;
	}
	return 0;
}

/* Decode every CERTIFICATE-like PEM block of text[0..n) and append the DER to buf. */
static int scan_pem(bench_corpus *c, const char *text, size_t n, size_t limit)
{
	static const char BEGIN[] = "-----BEGIN ";
	const char *p = text, *end = text + n;

	while (p < end && (!limit || c->num_certs < limit)) {
		const char *b = memmem(p, (size_t)(end - p), BEGIN, sizeof BEGIN - 1);
		const char *lab, *body, *e;
		long dl;

		if (!b)
			break;
		lab = b + sizeof BEGIN - 1;
		body = memchr(lab, '\n', (size_t)(end - lab));
		if (!body)
			break;
		e = memmem(body, (size_t)(end - body), "-----END ", 9);
		if (!e)
			break;
		p = e + 9;
		if (!(strncmp(lab, "CERTIFICATE-----", 16) == 0 ||
		      strncmp(lab, "X509 CERTIFICATE-----", 21) == 0 ||
		      strncmp(lab, "TRUSTED CERTIFICATE-----", 24) == 0))
			continue;
		if (reserve_buf(c, (size_t)(e - body)) != 0)
			return -1;
		dl = ch_base64_decode(c->buf + c->buf_len, c->buf_cap - c->buf_len, body, (size_t)(e - body));
		if (dl <= 0)
			continue;
		{
			/* A TRUSTED CERTIFICATE carries aux data after the certificate: keep the first
			 * element only. */
			size_t el = element_len(c->buf + c->buf_len, (size_t)dl);
			if (el == 0 || el == SIZE_MAX)
				continue;
			if (add_cert(c, c->buf_len, el) != 0)
				return -1;
			c->buf_len += el;
		}
	}
	return 0;
}

static bool looks_pem(const uint8_t *p, size_t n)
{
	return memmem(p, n < 65536 ? n : 65536, "-----BEGIN ", 11) != NULL;
}

int bench_corpus_load_file(bench_corpus *c, const char *path, size_t limit)
{
	FILE *f = fopen(path, "rb");
	size_t start = c->buf_len, pos = c->buf_len;
	int rc = -1;
	bool der = false, decided = false;

	if (!f) {
		fprintf(stderr, "bench: cannot open %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		size_t got;

		if (reserve_buf(c, 64u << 20) != 0)
			goto oom;
		got = fread(c->buf + c->buf_len, 1, c->buf_cap - c->buf_len, f);
		c->buf_len += got;
		if (!decided && (c->buf_len - start >= 4096 || got == 0)) {
			der = c->buf_len > start && c->buf[start] == 0x30 &&
			      !looks_pem(c->buf + start, c->buf_len - start);
			decided = true;
		}
		if (decided && der) {
			if (scan_der(c, &pos, limit) != 0) {
				fprintf(stderr, "bench: %s: not a certificate at byte %zu\n", path, pos - start);
				goto out;
			}
			/* keep only the unfinished tail */
			if (limit && c->num_certs >= limit)
				break;
		}
		if (got == 0)
			break;
	}
	if (der) {
		if (pos != c->buf_len && !(limit && c->num_certs >= limit))
			fprintf(stderr, "bench: %s: %zu trailing bytes ignored\n", path, c->buf_len - pos);
		c->buf_len = pos;
	} else {
		/* PEM: decode from a copy of the text, then drop the text. */
		size_t n = c->buf_len - start;
		char *text = malloc(n ? n : 1);
		if (!text)
			goto oom;
		memcpy(text, c->buf + start, n);
		c->buf_len = start;
		rc = scan_pem(c, text, n, limit);
		free(text);
		if (rc != 0)
			goto oom;
	}
	c->num_files++;
	rc = 0;
	goto out;
oom:
	fprintf(stderr, "bench: out of memory loading %s\n", path);
out:
	fclose(f);
	return rc;
}

static int load_dir_rec(bench_corpus *c, const char *dir, int depth)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int rc = 0;

	if (!d) {
		fprintf(stderr, "bench: cannot open %s: %s\n", dir, strerror(errno));
		return -1;
	}
	while (rc == 0 && (e = readdir(d)) != NULL) {
		char path[4096];
		struct stat st;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
		if (stat(path, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (depth < 16)
				rc = load_dir_rec(c, path, depth + 1);
		} else if (S_ISREG(st.st_mode) && st.st_size > 0 && st.st_size < (64 << 20)) {
			/* Tolerant: a file that is neither a DER stream nor PEM adds nothing. */
			size_t before = c->num_certs, buf_before = c->buf_len;
			FILE *f = fopen(path, "rb");
			uint8_t head = 0;
			if (!f)
				continue;
			if (fread(&head, 1, 1, f) != 1)
				head = 0;
			fclose(f);
			if (head == 0x30 || head == '-' || head == '#' || (head >= 'A' && head <= 'z') ||
			    head == '\n' || head == '\r' || head == ' ') {
				if (bench_corpus_load_file(c, path, 0) != 0) {
					c->num_certs = before;
					c->buf_len = buf_before;
				}
			}
		}
	}
	closedir(d);
	return rc;
}

int bench_corpus_load_dir(bench_corpus *c, const char *dir)
{
	return load_dir_rec(c, dir, 0);
}

void bench_corpus_done(bench_corpus *c)
{
	if (c->ready)
		return;
	for (size_t i = 0; i < c->num_certs; i++)
		c->certs[i].der = c->buf + (uintptr_t)c->certs[i].der;
	c->ready = true;
}

void bench_corpus_filter(bench_corpus *c, bool (*keep)(const uint8_t *der, size_t len, void *arg),
			 void *arg)
{
	size_t k = 0;

	c->total_bytes = 0;
	for (size_t i = 0; i < c->num_certs; i++) {
		if (keep(c->certs[i].der, c->certs[i].len, arg)) {
			c->certs[k++] = c->certs[i];
			c->total_bytes += c->certs[i].len;
		}
	}
	c->num_certs = k;
}

void bench_corpus_free(bench_corpus *c)
{
	free(c->buf);
	free(c->certs);
	memset(c, 0, sizeof *c);
}

bench_result bench_run(const bench_corpus *c, bench_fn fn, void *arg, double seconds,
		       uint64_t max_certs, size_t *pos)
{
	bench_result r = {0, 0, 0, 0, 0};
	size_t i = *pos < c->num_certs ? *pos : 0;
	double t0 = bench_now(), c0 = bench_cpu_now();

	if (c->num_certs == 0)
		return r;
	for (;;) {
		for (int k = 0; k < 64; k++) {
			const bench_cert *bc = &c->certs[i];
			if (!fn(arg, bc->der, bc->len))
				r.failures++;
			r.bytes += bc->len;
			r.certs++;
			if (++i == c->num_certs)
				i = 0;
		}
		r.wall = bench_now() - t0;
		if ((max_certs && r.certs >= max_certs) || r.wall >= seconds)
			break;
	}
	r.cpu = bench_cpu_now() - c0;
	*pos = i;
	return r;
}
