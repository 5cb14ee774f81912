/* bench_search — search latency on a store: first-page p50/p99 for name:*.<domain> (the
 * sampled domain with the most certificates), spki:, serial: and issuer.o: lookups, count(),
 * and the cost per page when paging to the end of the largest answer with the keyset cursor.
 *
 *   bench_search [--queries N] [--page N] STORE
 *
 * STORE is an existing store (make one with `certhound --db STORE ingest CORPUS` or
 * bench_ingest --db STORE). Query values are sampled from the store through the store API
 * (values of the first certificates), so the benchmark needs no knowledge of the corpus.
 * See docs/bench.md. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <certhound/store.h>

#include "benchlib.h"

#define SAMPLE 4000

typedef struct sample {
	char **v;
	size_t n;
} sample;

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void add(sample *s, const char *t)
{
	s->v = realloc(s->v, (s->n + 1) * sizeof *s->v);
	s->v[s->n++] = strdup(t);
}

static ch_filter term(ch_field f, ch_cmp cmp, char *text)
{
	return (ch_filter){.op = CH_FILTER_TERM, .field = f, .cmp = cmp, .text = text};
}

/* timed runs one first-page search per value and prints p50/p99 in milliseconds. */
static void timed(ch_store *s, const char *label, ch_field field, ch_cmp cmp, const sample *vals,
		  size_t queries, size_t page)
{
	double *ms = calloc(queries, sizeof *ms);
	size_t got = 0, rows = 0;

	for (size_t i = 0; i < queries && vals->n; i++) {
		ch_filter f = term(field, cmp, vals->v[i % vals->n]);
		ch_store_page *p = NULL;
		double t0 = bench_now();
		if (ch_store_search(s, &p, &f, page, NULL) != CH_OK) {
			fprintf(stderr, "bench_search: %s: %s\n", label, ch_error_last());
			break;
		}
		ms[got++] = (bench_now() - t0) * 1e3;
		rows += p->num_items;
		ch_store_page_free(p);
	}
	qsort(ms, got, sizeof *ms, cmp_double);
	if (got)
		printf("%-28s %6zu queries  p50 %8.3f ms  p99 %8.3f ms  (%.1f rows/page)\n", label, got,
		       ms[got / 2], ms[(got * 99) / 100 < got ? (got * 99) / 100 : got - 1],
		       (double)rows / (double)got);
	free(ms);
}

static void paging(ch_store *s, char *domain, size_t page)
{
	ch_filter f = term(CH_FIELD_NAME_UNDER, CH_CMP_EQ, domain);
	char cur[CH_STORE_CURSOR_MAX] = "";
	double first = 0, last = 0, total = 0, t0;
	size_t pages = 0, rows = 0;
	uint64_t n = 0;

	t0 = bench_now();
	if (ch_store_count(s, &n, &f) != CH_OK)
		return;
	printf("count(name:*.%s) = %llu in %.3f ms\n", domain, (unsigned long long)n,
	       (bench_now() - t0) * 1e3);
	for (;;) {
		ch_store_page *p = NULL;
		t0 = bench_now();
		if (ch_store_search(s, &p, &f, page, cur) != CH_OK)
			break;
		last = (bench_now() - t0) * 1e3;
		if (!pages)
			first = last;
		total += last;
		pages++;
		rows += p->num_items;
		snprintf(cur, sizeof cur, "%s", p->cursor);
		ch_store_page_free(p);
		if (!*cur)
			break;
	}
	printf("paging name:*.%s: %zu pages of %zu, %zu rows: first %.3f ms, last %.3f ms, mean %.3f ms\n",
	       domain, pages, page, rows, first, last, pages ? total / (double)pages : 0.0);
}

int main(int argc, char **argv)
{
	const char *db = NULL;
	size_t queries = 500, page = 100;
	ch_store *s = NULL;
	ch_store_stats st;
	sample spki = {0}, serial = {0}, domain = {0}, org = {0};
	char cur[CH_STORE_CURSOR_MAX] = "", *best = NULL;
	uint64_t best_n = 0, n;
	size_t seen = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--queries") && i + 1 < argc)
			queries = strtoull(argv[++i], NULL, 10);
		else if (!strcmp(argv[i], "--page") && i + 1 < argc)
			page = strtoull(argv[++i], NULL, 10);
		else
			db = argv[i];
	}
	if (!db) {
		fprintf(stderr, "usage: bench_search [--queries N] [--page N] STORE\n");
		return 2;
	}
	if (ch_store_open(&s, db, CH_STORE_READONLY) != CH_OK || ch_store_stats_get(s, &st) != CH_OK) {
		fprintf(stderr, "bench_search: %s\n", ch_error_last());
		return 1;
	}
	printf("store: %llu certificates, %llu names, %llu domains\n",
	       (unsigned long long)st.certificates, (unsigned long long)st.names,
	       (unsigned long long)st.domains);
	/* Sample values from the first certificates (spread: every 7th). */
	while (seen < SAMPLE) {
		ch_store_page *p = NULL;
		if (ch_store_search(s, &p, NULL, 700, cur) != CH_OK || !p->num_items) {
			ch_store_page_free(p);
			break;
		}
		for (size_t i = 0; i < p->num_items; i += 7) {
			ch_store_value *v = NULL;
			size_t nv = 0;
			if (ch_store_values_of(s, &v, &nv, p->items[i].sha256) != CH_OK)
				continue;
			for (size_t k = 0; k < nv; k++) {
				if (v[k].attr == CH_SA_SPKI)
					add(&spki, v[k].text);
				else if (v[k].attr == CH_SA_SERIAL)
					add(&serial, v[k].text);
				else if (v[k].attr == CH_SA_DOMAIN)
					add(&domain, v[k].text);
				else if (v[k].attr == CH_SA_ISSUER_O)
					add(&org, v[k].text);
			}
			ch_store_values_free(v, nv);
			seen++;
		}
		snprintf(cur, sizeof cur, "%s", p->cursor);
		ch_store_page_free(p);
		if (!*cur)
			break;
	}
	for (size_t i = 0; i < domain.n; i++)
		if (ch_store_rarity(s, &n, CH_SA_DOMAIN, domain.v[i]) == CH_OK && n > best_n) {
			best_n = n;
			best = domain.v[i];
		}
	timed(s, "spki:", CH_FIELD_SPKI, CH_CMP_EQ, &spki, queries, page);
	timed(s, "serial:", CH_FIELD_SERIAL, CH_CMP_EQ, &serial, queries, page);
	timed(s, "issuer.o:", CH_FIELD_ISSUER_O, CH_CMP_EQ, &org, queries, page);
	timed(s, "name:*.<sampled domain>", CH_FIELD_NAME_UNDER, CH_CMP_EQ, &domain, queries, page);
	if (best) {
		sample one = {.v = &best, .n = 1};
		char label[300];
		snprintf(label, sizeof label, "name:*.%s (%llu certs)", best, (unsigned long long)best_n);
		timed(s, label, CH_FIELD_NAME_UNDER, CH_CMP_EQ, &one, queries, page);
		paging(s, best, page);
	}
	ch_store_close(s);
	return 0;
}
