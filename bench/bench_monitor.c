/* bench_monitor: how many new certificates per second the monitor's matcher examines against a
 * watch list of 10,000 names (half exact names, half subtrees) and 1,000 brand keywords.
 *
 *   bench_monitor [ENTRIES] [DB]
 *
 * Entries are synthetic CT-like certificates (1-4 names, a tail of long SAN lists, some IDN,
 * some look-alikes) built before the clock starts. With DB, a monitor pass over that store is
 * also timed (store read + match + alert records), on a copy-free read of what it holds. */
#include <certhound/monitor.h>
#include <certhound/store.h>
#include <certhound/util.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t rng = 88172645463325252ull;

static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static const char *const tlds[] = {"com", "net", "org", "io", "de", "co.uk", "fr", "xyz", "app"};

/* word: `parts` consonant-vowel syllables (20 x 5 per syllable) */
static void word(char *out, size_t cap, int parts)
{
	static const char cons[] = "bcdfghjklmnprstvwxyz", vow[] = "aeiou";
	size_t k = 0;

	for (int i = 0; i < parts && k + 3 < cap; i++) {
		out[k++] = cons[next() % 20];
		out[k++] = vow[next() % 5];
	}
	out[k] = '\0';
}

static void domain(char *out, size_t cap)
{
	char w[64];

	word(w, sizeof w, 3 + (int)(next() % 3));
	snprintf(out, cap, "%s.%s", w, tlds[next() % (sizeof tlds / sizeof *tlds)]);
}

static ch_err drop(void *arg, const char *json, size_t len)
{
	(void)arg;
	(void)json;
	(void)len;
	return CH_OK;
}

typedef struct entry {
	char *names[16];
	size_t n;
} entry;

int main(int argc, char **argv)
{
	size_t entries = argc > 1 ? strtoul(argv[1], NULL, 10) : 300000;
	ch_buf watch;
	ch_monitor *m = NULL;
	ch_monitor_matches mm = {0};
	entry *e = calloc(entries, sizeof *e);
	char d[256], w[600], kws[1000][64];
	uint64_t t0, t1, alerts = 0, names = 0;

	ch_buf_init(&watch, 64u << 20);
	for (int i = 0; i < 1000; i++) {
		word(kws[i], sizeof kws[i], 3);
		if (ch_buf_printf(&watch, "keyword %s\n", kws[i]) != CH_OK)
			return 1;
	}
	for (int i = 0; i < 10000; i++) {
		domain(d, sizeof d);
		if (ch_buf_printf(&watch, i % 2 ? "name www.%s\n" : ".%s\n", d) != CH_OK)
			return 1;
	}
	if (ch_monitor_new(&m, watch.data, watch.len, "bench", NULL) != CH_OK) {
		fprintf(stderr, "bench_monitor: %s\n", ch_error_last());
		return 1;
	}
	for (size_t i = 0; i < entries; i++) {
		size_t n = 1 + next() % 4;
		if (next() % 100 == 0)
			n = 16; /* the long-SAN tail */
		for (size_t k = 0; k < n; k++) {
			unsigned r = (unsigned)(next() % 1000);
			domain(d, sizeof d);
			if (r < 5) /* a look-alike of a keyword */
				snprintf(w, sizeof w, "%s-login.com", kws[next() % 1000]);
			else if (r < 15) /* an IDN label */
				snprintf(w, sizeof w, "xn--bcher-kva.%s", d);
			else
				snprintf(w, sizeof w, "%s%s", k ? "www." : "", d);
			e[i].names[k] = strdup(w);
		}
		e[i].n = n;
		names += n;
	}
	t0 = ch_monotonic_ns();
	for (size_t i = 0; i < entries; i++) {
		ch_monitor_cert c = {.serial_hex = "01", .subject = "CN=x,O=Some Org",
				     .issuer = "CN=R3,O=Let's Encrypt,C=US",
				     .names = (const char *const *)e[i].names, .num_names = e[i].n};
		if (ch_monitor_match(m, &mm, &c) != CH_OK)
			return 1;
		alerts += mm.num_alerts;
		if (getenv("BENCH_SHOW") && mm.num_alerts && alerts < 20)
			for (size_t k = 0; k < mm.num_alerts; k++)
				fprintf(stderr, "%s %s %s\n", mm.alerts[k].names[0], ch_monitor_rule_name(mm.alerts[k].rule), mm.alerts[k].detail);
	}
	t1 = ch_monotonic_ns();
	printf("match: %zu entries (%llu names) against 10000 names + 1000 keywords: %.0f entries/s "
	       "(%.0f names/s), %llu alerts\n", entries, (unsigned long long)names,
	       entries / ((t1 - t0) / 1e9), names / ((t1 - t0) / 1e9), (unsigned long long)alerts);
	if (argc > 2) {
		ch_store *s = NULL;
		ch_monitor_pass_result r;
		char name[64];
		ch_monitor_pass_opts o = {.name = name, .page = 5000};
		snprintf(name, sizeof name, "bench-%llu", (unsigned long long)ch_monotonic_ns());
		if (ch_store_open(&s, argv[2], 0) != CH_OK) {
			fprintf(stderr, "bench_monitor: %s\n", ch_error_last());
			return 1;
		}
		t0 = ch_monotonic_ns();
		if (ch_monitor_pass(&r, m, s, &o, drop, NULL) != CH_OK) {
			fprintf(stderr, "bench_monitor: %s\n", ch_error_last());
			return 1;
		}
		t1 = ch_monotonic_ns();
		printf("store pass over %s: %llu certificates, %.0f certificates/s, %llu alerts\n",
		       argv[2], (unsigned long long)r.certs, r.certs / ((t1 - t0) / 1e9),
		       (unsigned long long)r.alerts);
		ch_store_close(s);
	}
	for (size_t i = 0; i < entries; i++)
		for (size_t k = 0; k < e[i].n; k++)
			free(e[i].names[k]);
	free(e);
	ch_monitor_matches_free(&mm);
	ch_monitor_free(m);
	ch_buf_free(&watch);
	return 0;
}
