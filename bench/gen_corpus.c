/* gen_corpus — write millions of realistic (unsigned) certificates into one file, fast.
 *
 *   gen_corpus --out FILE [--count N] [--domains N] [--seed S] [--pem]
 *              [--keys FILE] [--pool N] [--quiet]
 *
 * The output is a stream of concatenated DER certificates (or PEM blocks with --pem). The same
 * seed, domain count and key pool file give byte-identical output. Signatures are random bytes
 * of the right length: nothing is signed, so nothing verifies. See docs/bench.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <certhound/util.h>

#include "gen.h"
#include "gen_cert.h"

typedef struct opts {
	unsigned long long count;
	const char *out;
	size_t domains;
	uint64_t seed;
	bool pem;
	const char *keys;
	size_t pool;
	bool quiet;
} opts;

static void usage(void)
{
	fprintf(stderr,
		"usage: gen_corpus --out FILE|- [--count N] [--domains N] [--seed S] [--pem]\n"
		"                  [--keys FILE] [--pool N] [--quiet]\n"
		"  --count N    certificates to write (default 1000000)\n"
		"  --domains N  registrable domains, Zipf popularity (default 100000)\n"
		"  --seed S     random seed (default 1); same seed + same key pool = same bytes\n"
		"  --pem        write PEM blocks instead of concatenated DER\n"
		"  --keys FILE  key pool cache (default $XDG_CACHE_HOME/certhound/bench-keys-N.der)\n"
		"  --pool N     keys in a newly generated pool (default 256)\n");
}

static int parse_args(opts *o, int argc, char **argv)
{
	o->count = 1000000;
	o->out = NULL;
	o->domains = 100000;
	o->seed = 1;
	o->pem = false;
	o->keys = NULL;
	o->pool = 256;
	o->quiet = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--pem") == 0) {
			o->pem = true;
		} else if (strcmp(a, "--quiet") == 0) {
			o->quiet = true;
		} else if (!v) {
			usage();
			return -1;
		} else if (strcmp(a, "--count") == 0) {
			o->count = strtoull(v, NULL, 10), i++;
		} else if (strcmp(a, "--out") == 0) {
			o->out = v, i++;
		} else if (strcmp(a, "--domains") == 0) {
			o->domains = strtoull(v, NULL, 10), i++;
		} else if (strcmp(a, "--seed") == 0) {
			o->seed = strtoull(v, NULL, 10), i++;
		} else if (strcmp(a, "--keys") == 0) {
			o->keys = v, i++;
		} else if (strcmp(a, "--pool") == 0) {
			o->pool = strtoull(v, NULL, 10), i++;
		} else {
			usage();
			return -1;
		}
	}
	if (!o->out || o->domains < 1 || o->domains > 50000000 || o->pool < 8 || o->pool > 100000) {
		usage();
		return -1;
	}
	return 0;
}

/* The default key pool path: $XDG_CACHE_HOME/certhound (or ~/.cache/certhound), made if needed. */
static const char *default_keys(char *buf, size_t cap, size_t pool)
{
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	char dir[4096];

	if (xdg && *xdg)
		snprintf(dir, sizeof dir, "%s/certhound", xdg);
	else if (home && *home)
		snprintf(dir, sizeof dir, "%s/.cache/certhound", home);
	else
		snprintf(dir, sizeof dir, "/tmp/certhound-cache");
	/* mkdir -p for the last two levels is enough for the usual layouts */
	{
		char parent[4096];
		char *slash;
		snprintf(parent, sizeof parent, "%s", dir);
		slash = strrchr(parent, '/');
		if (slash && slash != parent) {
			*slash = 0;
			mkdir(parent, 0755);
		}
		mkdir(dir, 0755);
	}
	snprintf(buf, cap, "%s/bench-keys-%zu.der", dir, pool);
	return buf;
}

/* Output with a large buffer; PEM is wrapped at 64 columns like openssl does. */
typedef struct out {
	FILE *f;
	dw buf;
	char *b64;
	size_t b64_cap;
	unsigned long long bytes;
	bool failed;
} out;

static void out_flush(out *o)
{
	if (o->buf.len && fwrite(o->buf.p, 1, o->buf.len, o->f) != o->buf.len)
		o->failed = true;
	o->bytes += o->buf.len;
	o->buf.len = 0;
}

static void out_cert(out *o, const uint8_t *der, size_t n, bool pem)
{
	if (!pem) {
		dw_raw(&o->buf, der, n);
	} else {
		size_t need = 4 * ((n + 2) / 3) + 1, bl;
		if (need > o->b64_cap) {
			o->b64 = realloc(o->b64, need);
			o->b64_cap = need;
			if (!o->b64) {
				fprintf(stderr, "gen_corpus: out of memory\n");
				exit(1);
			}
		}
		bl = ch_base64_encode(o->b64, der, n);
		dw_raw(&o->buf, "-----BEGIN CERTIFICATE-----\n", 28);
		for (size_t i = 0; i < bl; i += 64) {
			dw_raw(&o->buf, o->b64 + i, bl - i < 64 ? bl - i : 64);
			dw_byte(&o->buf, '\n');
		}
		dw_raw(&o->buf, "-----END CERTIFICATE-----\n", 26);
	}
	if (o->buf.len >= (4u << 20))
		out_flush(o);
}

typedef struct stats {
	unsigned long long plain, pre, fin, sans, wild, max_sans, ge100;
	unsigned long long by_kind[GEN_KEY_KINDS];
	unsigned *per_domain;
} stats;

static void print_stats(const opts *o, const stats *st, const gen_domains *d, unsigned long long n,
			unsigned long long bytes, double secs)
{
	unsigned long long top[3] = {0}, over10k = 0;
	size_t topi[3] = {0};

	for (size_t i = 0; i < d->n; i++) {
		unsigned c = st->per_domain[i];
		if (c >= 10000)
			over10k++;
		for (int k = 0; k < 3; k++) {
			if (c > top[k]) {
				for (int j = 2; j > k; j--)
					top[j] = top[j - 1], topi[j] = topi[j - 1];
				top[k] = c, topi[k] = i;
				break;
			}
		}
	}
	fprintf(stderr,
		"gen_corpus: %llu certificates, %.1f MB (%s) in %.2f s: %.0f certs/s, %.1f MB/s\n"
		"  precertificates %llu, final with SCTs %llu, no CT %llu\n"
		"  SANs: mean %.2f, max %llu, certs with >=100 %llu, with a wildcard %.1f%%\n"
		"  keys: RSA-2048 %llu, RSA-4096 %llu, P-256 %llu, P-384 %llu\n"
		"  top domains by certificates: %s %llu, %s %llu, %s %llu; domains with >=10000: %llu\n",
		n, (double)bytes / 1e6, o->pem ? "PEM" : "DER", secs, (double)n / secs,
		(double)bytes / 1e6 / secs, st->pre, st->fin, st->plain, (double)st->sans / (double)n,
		st->max_sans, st->ge100, 100.0 * (double)st->wild / (double)n, st->by_kind[GEN_RSA2048],
		st->by_kind[GEN_RSA4096], st->by_kind[GEN_P256], st->by_kind[GEN_P384],
		d->arena + d->off[topi[0]], top[0], d->arena + d->off[topi[1]], top[1],
		d->arena + d->off[topi[2]], top[2], over10k);
}

int main(int argc, char **argv)
{
	opts o;
	char keybuf[4200];
	gen_keypool kp;
	gen_domains doms;
	gen_ctx g;
	gen_rng r;
	gen_issuance is;
	gen_sans *sans = NULL;
	out ou = {0};
	stats st = {0};
	dw cert;
	unsigned long long n = 0;
	uint64_t t0;
	int rc = 1;

	if (parse_args(&o, argc, argv) != 0)
		return 2;
	if (gen_keys_load(&kp, o.keys ? o.keys : default_keys(keybuf, sizeof keybuf, o.pool), o.pool,
			  o.quiet) != 0)
		return 1;
	if (gen_domains_init(&doms, o.domains, o.seed) != 0 || gen_ctx_init(&g, &kp, &doms) != 0) {
		fprintf(stderr, "gen_corpus: setup failed (out of memory?)\n");
		return 1;
	}
	dw_init(&ou.buf, 5u << 20);
	dw_init(&cert, 65536);
	sans = malloc(sizeof *sans);
	st.per_domain = calloc(doms.n, sizeof *st.per_domain);
	if (!sans || !st.per_domain) {
		fprintf(stderr, "gen_corpus: out of memory\n");
		goto done;
	}
	ou.f = strcmp(o.out, "-") == 0 ? stdout : fopen(o.out, "wb");
	if (!ou.f) {
		fprintf(stderr, "gen_corpus: cannot write %s: %s\n", o.out, strerror(errno));
		goto done;
	}
	gen_rng_seed(&r, o.seed);
	is.sans = sans;
	t0 = ch_monotonic_ns();
	while (n < o.count) {
		gen_ct_mode modes[2];
		size_t num_modes = 0;

		gen_issuance_make(&g, &is, &r);
		if (!is.ca->ct) {
			modes[num_modes++] = GEN_PLAIN;
		} else {
			/* In CT logs most issuances show up as a precertificate; many also as the final
			 * certificate carrying the SCTs, some only as the final certificate. */
			double u = gen_unit(&r);
			if (u < 0.80)
				modes[num_modes++] = GEN_PRECERT;
			if (u >= 0.45)
				modes[num_modes++] = GEN_FINAL;
		}
		for (size_t m = 0; m < num_modes && n < o.count; m++, n++) {
			gen_cert_encode(&g, &is, modes[m], &cert, &r);
			out_cert(&ou, cert.p, cert.len, o.pem);
			st.plain += modes[m] == GEN_PLAIN;
			st.pre += modes[m] == GEN_PRECERT;
			st.fin += modes[m] == GEN_FINAL;
			st.sans += sans->num;
			st.wild += sans->wildcard;
			st.ge100 += sans->num >= 100;
			if (sans->num > st.max_sans)
				st.max_sans = sans->num;
			st.by_kind[kp.keys[is.key].kind]++;
			st.per_domain[sans->primary]++;
		}
	}
	out_flush(&ou);
	if (ou.f != stdout ? fclose(ou.f) != 0 : fflush(ou.f) != 0)
		ou.failed = true;
	ou.f = NULL;
	if (ou.failed) {
		fprintf(stderr, "gen_corpus: writing %s failed\n", o.out);
		goto done;
	}
	if (!o.quiet)
		print_stats(&o, &st, &doms, n, ou.bytes, (double)(ch_monotonic_ns() - t0) / 1e9);
	rc = 0;
done:
	if (ou.f && ou.f != stdout)
		fclose(ou.f);
	dw_free(&ou.buf);
	dw_free(&cert);
	free(ou.b64);
	free(sans);
	free(st.per_domain);
	gen_ctx_free(&g);
	gen_domains_free(&doms);
	gen_keys_free(&kp);
	return rc;
}
