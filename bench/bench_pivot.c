/* bench_pivot — pivot latency on a store: p50/p90/p99/max of ch_pivot_run at depth 2 (the
 * library call the command and the HTTP API make: seeds, walk, leads; store open and knowledge
 * load are done once, outside the timing), over certificate seeds sampled from the store and
 * any seeds given in a file, after a warm-up round.
 *
 *   bench_pivot [--seeds N] [--depth D] [--rounds R] [--seed-file FILE] [--data-dir DIR] STORE
 *
 * Sampled seeds are `sha256:` seeds of N certificates spread over the first 100,000 the store
 * lists. --seed-file adds seeds one per line (e.g. the demo world's campaign members, ingested
 * into the same store: bench/pivot_quality.sh's truth). Each round runs every seed once; the
 * figures are those of the last round (page cache warm), with the first round's p50 for
 * comparison. See docs/pivot.md "Speed" and docs/bench.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <certhound/pivot.h>
#include <certhound/store.h>
#include <certhound/util.h>

#include "benchlib.h"

typedef struct seeds {
	char **v;
	size_t n;
} seeds;

static void add(seeds *s, const char *t)
{
	char **v = realloc(s->v, (s->n + 1) * sizeof *v);

	if (!v || !(v[s->n] = strdup(t))) {
		fprintf(stderr, "bench_pivot: out of memory\n");
		exit(1);
	}
	s->v = v;
	s->n++;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double pct(const double *sorted, size_t n, double p)
{
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);

	return n ? sorted[i < n ? i : n - 1] : 0;
}

/* sample takes n certificates spread evenly over the first 100,000 the store lists. */
static int sample(ch_store *s, seeds *out, size_t n)
{
	uint8_t (*sha)[32] = malloc(100000 * sizeof *sha);
	size_t got = 0;
	char *cur = NULL, hex[65], seed[80];
	int rc = -1;

	while (sha && got < 100000) {
		ch_store_page *p = NULL;
		if (ch_store_search(s, &p, NULL, 1000, cur) != CH_OK) {
			fprintf(stderr, "bench_pivot: listing the store: %s\n", ch_error_last());
			goto out;
		}
		for (size_t i = 0; i < p->num_items && got < 100000; i++)
			memcpy(sha[got++], p->items[i].sha256, 32);
		free(cur);
		cur = p->cursor[0] ? strdup(p->cursor) : NULL;
		ch_store_page_free(p);
		if (!cur)
			break;
	}
	for (size_t i = 0; sha && i < n && i < got; i++) {
		ch_hex_encode(hex, sha[i * got / (n < got ? n : got)], 32);
		snprintf(seed, sizeof seed, "sha256:%s", hex);
		add(out, seed);
	}
	rc = sha ? 0 : -1;
out:
	free(cur);
	free(sha);
	return rc;
}

static int read_seeds(seeds *out, const char *path)
{
	FILE *f = fopen(path, "r");
	char line[4096];

	if (!f) {
		perror(path);
		return -1;
	}
	while (fgets(line, sizeof line, f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] && line[0] != '#')
			add(out, line);
	}
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	size_t want = 20, rounds = 2;
	unsigned depth = 2;
	const char *seed_file = NULL, *data_dir = NULL, *path = NULL;
	ch_store *s = NULL;
	ch_pivot_kb *kb = NULL;
	seeds sd = {0};
	double *ms, first_p50 = 0;
	uint64_t visited = 0, leads = 0, under50 = 0;
	double total_ms = 0;
	int rc = 1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--seeds") && v)
			want = strtoull(v, NULL, 10), i++;
		else if (!strcmp(a, "--depth") && v)
			depth = (unsigned)strtoul(v, NULL, 10), i++;
		else if (!strcmp(a, "--rounds") && v)
			rounds = strtoull(v, NULL, 10), i++;
		else if (!strcmp(a, "--seed-file") && v)
			seed_file = v, i++;
		else if (!strcmp(a, "--data-dir") && v)
			data_dir = v, i++;
		else if (a[0] != '-' && !path)
			path = a;
		else
			path = NULL, i = argc;
	}
	if (!path || !rounds) {
		fprintf(stderr, "usage: bench_pivot [--seeds N] [--depth D] [--rounds R] "
				"[--seed-file FILE] [--data-dir DIR] STORE\n");
		return 2;
	}
	if (ch_store_open(&s, path, CH_STORE_READONLY) != CH_OK ||
	    ch_pivot_kb_load(&kb, data_dir, NULL, 0) != CH_OK) {
		fprintf(stderr, "bench_pivot: %s\n", ch_error_last());
		goto out;
	}
	if ((want && sample(s, &sd, want) != 0) || (seed_file && read_seeds(&sd, seed_file) != 0))
		goto out;
	if (!sd.n) {
		fprintf(stderr, "bench_pivot: no seed\n");
		goto out;
	}
	ms = calloc(sd.n, sizeof *ms);
	for (size_t r = 0; r < rounds; r++) {
		visited = leads = under50 = 0;
		total_ms = 0;
		for (size_t i = 0; i < sd.n; i++) {
			ch_pivot_opts o = {.depth = depth};
			ch_pivot *p = NULL;
			ch_pivot_result *res = NULL;
			double t0 = bench_now();
			if (ch_pivot_new(&p, s, kb, &o) != CH_OK || ch_pivot_add_seed(p, sd.v[i]) != CH_OK ||
			    ch_pivot_run(p, &res) != CH_OK) {
				fprintf(stderr, "bench_pivot: %s: %s\n", sd.v[i], ch_error_last());
				ch_pivot_free(p);
				goto out;
			}
			ms[i] = (bench_now() - t0) * 1e3;
			total_ms += ms[i];
			visited += res->certs_visited;
			leads += res->num_leads;
			under50 += ms[i] < 50;
			ch_pivot_result_free(res);
			ch_pivot_free(p);
		}
		qsort(ms, sd.n, sizeof *ms, cmp_double);
		if (r == 0)
			first_p50 = pct(ms, sd.n, 0.5);
	}
	printf("bench_pivot: %s, %zu seeds (%zu sampled), depth %u, round %zu of %zu\n", path, sd.n,
	       want < sd.n ? want : sd.n, depth, rounds, rounds);
	printf("  ch_pivot_run   p50 %8.2f ms  p90 %8.2f ms  p99 %8.2f ms  max %8.2f ms  "
	       "(first round p50 %.2f ms)\n", pct(ms, sd.n, 0.5), pct(ms, sd.n, 0.9),
	       pct(ms, sd.n, 0.99), ms[sd.n - 1], first_p50);
	printf("  per pivot: %.1f certificates visited, %.1f leads; %.3f ms per certificate visited; "
	       "%llu of %zu under 50 ms\n", (double)visited / (double)sd.n, (double)leads / (double)sd.n,
	       visited ? total_ms / (double)visited : 0, (unsigned long long)under50, sd.n);
	if (depth == 2)
		printf("  target: depth-2 p50 < 50 ms -> %s\n", pct(ms, sd.n, 0.5) < 50 ? "met" : "NOT met");
	free(ms);
	rc = 0;
out:
	for (size_t i = 0; i < sd.n; i++)
		free(sd.v[i]);
	free(sd.v);
	ch_pivot_kb_free(kb);
	ch_store_close(s);
	return rc;
}
