/* pivot on the demo world: bench/gen_world writes a few thousand certificates of a realistic
 * Internet (Let's Encrypt-style DV, CDN shared certificates with up to 300 SANs, shared hosting,
 * cloud platforms, corporate OV/EV, self-signed tool defaults, a private CA) with two planted
 * campaigns and the ground truth (truth.json); `certhound ingest` stores it. From every
 * campaign member, by certificate, by domain and by host name (and by IP for the C2 campaign),
 * every member must be found, no lead may lie outside the campaign (no CDN or shared-hosting
 * tenant, no common-CA sibling, no tool-default look-alike), and the noise on the way must be
 * listed in `suppressed` with its reason. */
#include "testlib.h"

#include <certhound/pivot.h>
#include <certhound/store.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static ch_pivot_kb *kb;
static ch_store *store;
static json_t *truth;

static ch_pivot_result *run(const char *seed)
{
	ch_pivot *p = NULL;
	ch_pivot_result *r = NULL;

	CHECK(ch_pivot_new(&p, store, kb, NULL) == CH_OK);
	if (p)
		CHECK(ch_pivot_add_seed(p, seed) == CH_OK);
	if (p && ch_pivot_run(p, &r) != CH_OK) {
		fprintf(stderr, "pivot %s failed: %s\n", seed, ch_error_last());
		CHECK(0);
	}
	ch_pivot_free(p);
	return r;
}

/* in_list: is `value` one of the strings of a JSON array? */
static bool in_list(const json_t *arr, const char *value)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (!strcmp(json_string_value(v), value))
			return true;
	return false;
}

/* member_of: does (kind, value) belong to campaign `camp` according to the truth? */
static bool member_of(const char *camp, ch_pivot_kind kind, const char *value)
{
	size_t i;
	json_t *c;

	json_array_foreach(json_object_get(truth, "certs"), i, c) {
		if (strcmp(json_string_value(json_object_get(c, "class")), camp))
			continue;
		if ((kind == CH_PIVOT_CERT && !strcmp(json_string_value(json_object_get(c, "sha256")), value)) ||
		    (kind == CH_PIVOT_DOMAIN && in_list(json_object_get(c, "domains"), value)) ||
		    (kind == CH_PIVOT_NAME && in_list(json_object_get(c, "names"), value)) ||
		    (kind == CH_PIVOT_IP && in_list(json_object_get(c, "ips"), value)))
			return true;
	}
	return false;
}

/* noise_class: the class of a planted noise certificate carrying (kind, value), or NULL. */
static const char *noise_class(ch_pivot_kind kind, const char *value)
{
	size_t i;
	json_t *c;

	json_array_foreach(json_object_get(truth, "certs"), i, c) {
		const char *cls = json_string_value(json_object_get(c, "class"));
		if (!strcmp(cls, "A") || !strcmp(cls, "B"))
			continue;
		if ((kind == CH_PIVOT_CERT && !strcmp(json_string_value(json_object_get(c, "sha256")), value)) ||
		    (kind == CH_PIVOT_DOMAIN && in_list(json_object_get(c, "domains"), value)))
			return cls;
	}
	return NULL;
}

static const ch_pivot_lead *lead(const ch_pivot_result *r, ch_pivot_kind k, const char *value)
{
	for (size_t i = 0; r && i < r->num_leads; i++)
		if (r->leads[i].kind == k && !strcmp(r->leads[i].value, value))
			return &r->leads[i];
	return NULL;
}

static const ch_pivot_suppressed *supp(const ch_pivot_result *r, const char *attr,
				       const char *value, const char *reason)
{
	for (size_t i = 0; r && i < r->num_suppressed; i++) {
		const ch_pivot_suppressed *s = &r->suppressed[i];
		if (!strcmp(s->attribute, attr) && (!value || !strcmp(s->value, value)) &&
		    !strcmp(s->reason, reason))
			return s;
	}
	return NULL;
}

/* check_seed: from one seed, every member of the campaign is found and nothing else is a lead. */
static void check_seed(const char *camp, const char *seed, const char *seed_sha)
{
	ch_pivot_result *r = run(seed);
	size_t i, missing = 0, foreign = 0;
	json_t *c;

	if (!r)
		return;
	json_array_foreach(json_object_get(truth, "certs"), i, c) {
		const char *sha = json_string_value(json_object_get(c, "sha256"));
		size_t k;
		json_t *d;
		if (strcmp(json_string_value(json_object_get(c, "class")), camp))
			continue;
		if (!(seed_sha && !strcmp(sha, seed_sha)) && !lead(r, CH_PIVOT_CERT, sha)) {
			fprintf(stderr, "%s: campaign %s certificate %.16s not found\n", seed, camp, sha);
			missing++;
		}
		json_array_foreach(json_object_get(c, "domains"), k, d) {
			const char *dom = json_string_value(d);
			bool own = !strncmp(seed, "domain:", 7) && !strcmp(seed + 7, dom);
			if (!own && !lead(r, CH_PIVOT_DOMAIN, dom)) {
				fprintf(stderr, "%s: campaign %s domain %s not found\n", seed, camp, dom);
				missing++;
			}
		}
	}
	for (size_t l = 0; l < r->num_leads; l++) {
		const ch_pivot_lead *ld = &r->leads[l];
		if (member_of(camp, ld->kind, ld->value))
			continue;
		fprintf(stderr, "%s: lead %s %s (score %.3f) is not in campaign %s (noise class %s)\n",
			seed, ch_pivot_kind_name(ld->kind), ld->value, ld->score, camp,
			noise_class(ld->kind, ld->value) ? noise_class(ld->kind, ld->value) : "-");
		foreign++;
	}
	CHECK_INT(missing, 0);
	CHECK_INT(foreign, 0);
	CHECK(r->num_leads > 0 && r->leads[0].score >= r->leads[r->num_leads - 1].score);
	ch_pivot_result_free(r);
}

/* from every member: by certificate, first domain, first host name, and IP when it has one */
static void test_every_seed(const char *camp)
{
	size_t i;
	json_t *c;
	char seed[600];
	unsigned seeds = 0;

	json_array_foreach(json_object_get(truth, "certs"), i, c) {
		const char *sha = json_string_value(json_object_get(c, "sha256"));
		json_t *doms = json_object_get(c, "domains"), *names = json_object_get(c, "names"),
		       *ips = json_object_get(c, "ips");
		if (strcmp(json_string_value(json_object_get(c, "class")), camp))
			continue;
		snprintf(seed, sizeof seed, "sha256:%s", sha);
		check_seed(camp, seed, sha);
		snprintf(seed, sizeof seed, "domain:%s", json_string_value(json_array_get(doms, 0)));
		check_seed(camp, seed, NULL);
		snprintf(seed, sizeof seed, "name:%s",
			 json_string_value(json_array_get(names, json_array_size(names) - 1)));
		check_seed(camp, seed, NULL);
		if (json_array_size(ips)) {
			snprintf(seed, sizeof seed, "ip:%s", json_string_value(json_array_get(ips, 0)));
			check_seed(camp, seed, NULL);
		}
		seeds++;
	}
	CHECK(seeds >= 8);
}

/* the noise on campaign A's paths, each suppressed with its reason */
static void test_suppressed_a(void)
{
	ch_pivot_result *r = run("domain:northwlnd-bank.com");
	const ch_pivot_suppressed *s;

	if (!r)
		return;
	CHECK_INT(r->seeds[0].certs, 2); /* the look-alike's own certificate and a CDN certificate */
	s = supp(r, "cert", NULL, "cdn");
	CHECK(s && noise_class(CH_PIVOT_CERT, s->value) && !strcmp(noise_class(CH_PIVOT_CERT, s->value), "cdn-shared"));
	CHECK(supp(r, "subject.o", "Cloudflare, Inc.", "managed-certificate") != NULL);
	CHECK(supp(r, "issuer", "CN=R10,O=Let's Encrypt,C=US", "high-volume-ca") != NULL);
	CHECK(supp(r, "issuer", "CN=ZeroSSL RSA Domain Secure Site CA,O=ZeroSSL,C=AT", "high-volume-ca") != NULL);
	CHECK(supp(r, "issuer", "CN=WR1,O=Google Trust Services,C=US", "high-volume-ca") != NULL);
	CHECK(supp(r, "ja4x", NULL, "high-volume-ca") != NULL);
	/* secure-northwindbank.net is also on a shared-hosting certificate */
	s = supp(r, "cert", NULL, "multi-tenant");
	CHECK(s && !strcmp(noise_class(CH_PIVOT_CERT, s->value), "multi-tenant"));
	CHECK(supp(r, "domain", NULL, "multi-tenant") != NULL);
	/* tenants of the CDN certificate are listed (at most 10), never leads */
	CHECK(supp(r, "domain", NULL, "cdn") != NULL);
	for (size_t i = 0; i < r->num_suppressed; i++)
		CHECK(r->suppressed[i].reason[0] && r->suppressed[i].detail);
	/* the key is the strong link: a certificate sharing it scores above one reached through the
	 * key-sharing certificate's domain at depth 2 */
	for (size_t i = 0; i < r->num_leads; i++) {
		const ch_pivot_lead *l = &r->leads[i];
		if (l->kind != CH_PIVOT_CERT || l->depth == 0)
			continue;
		if (!strcmp(l->via[0].attribute, "spki"))
			CHECK(l->depth == 1 && l->score >= 0.7 && l->via[0].shared_by == 8);
		else
			CHECK(l->depth == 2 && !strcmp(l->via[0].attribute, "domain") && l->score < 0.7);
	}
	ch_pivot_result_free(r);
}

/* campaign B: tool defaults and structure fingerprints on the way */
static void test_suppressed_b(void)
{
	ch_pivot_result *r = run("domain:cdn-telemetry-sync.com");
	const ch_pivot_suppressed *s;
	size_t weak = 0;

	if (!r)
		return;
	s = supp(r, "subject.o", "Default Company Ltd", "default-value");
	CHECK(s && s->shared_by >= 30); /* 32 test servers and the 8 C2 certificates */
	/* the JA4X of an openssl-made self-signed certificate is shared with unrelated intranet
	 * certificates: those are reached, listed as confirm-only, and are no leads */
	for (size_t i = 0; i < r->num_suppressed; i++)
		if (!strcmp(r->suppressed[i].reason, "confirm-only")) {
			CHECK(!strcmp(r->suppressed[i].attribute, "cert"));
			CHECK(strstr(r->suppressed[i].detail, "ja4x") != NULL);
			CHECK(!member_of("B", CH_PIVOT_CERT, r->suppressed[i].value));
			weak++;
		}
	CHECK(weak > 0);
	/* the odd OU and e-mail link the campaign; a shared DN of a self-signed certificate is its
	 * issuer too */
	CHECK(supp(r, "subject.ou", "Helpdesk Unit 9", "common-value") == NULL);
	for (size_t i = 0; i < r->num_leads; i++) {
		const ch_pivot_lead *l = &r->leads[i];
		for (size_t k = 0; k < l->num_via; k++)
			CHECK(strcmp(l->via[k].attribute, "subject.o") != 0);
	}
	ch_pivot_result_free(r);
	/* statuspage-relay.net also sits on a CDN certificate */
	r = run("domain:statuspage-relay.net");
	CHECK(r && supp(r, "cert", NULL, "cdn") != NULL);
	ch_pivot_result_free(r);
}

int main(void)
{
	char gen[4200], cmd[20000], dir[4200], path[4400];
	json_error_t jerr;

	snprintf(gen, sizeof gen, "%s/bench/gen_world", ch_test_build_dir());
	if (access(gen, X_OK) != 0)
		return ch_test_skip("bench/gen_world is not built");
	snprintf(dir, sizeof dir, "%s", ch_test_tmpdir());
	snprintf(cmd, sizeof cmd, "'%s' --out '%s/world' --quiet && '%s' --db '%s/world.db' ingest "
		 "'%s/world/certs' >/dev/null", gen, dir, ch_test_cli(), dir, dir);
	if (system(cmd) != 0) {
		fprintf(stderr, "cannot build the demo world: %s\n", cmd);
		return 1;
	}
	snprintf(path, sizeof path, "%s/world/truth.json", dir);
	truth = json_load_file(path, 0, &jerr);
	CHECK(truth != NULL);
	snprintf(path, sizeof path, "%s/data/pivot", ch_test_source_dir());
	CHECK(ch_pivot_kb_load(&kb, path, NULL, 0) == CH_OK);
	snprintf(path, sizeof path, "%s/world.db", dir);
	CHECK(ch_store_open(&store, path, 0) == CH_OK);
	if (truth && kb && store) {
		CHECK(json_integer_value(json_object_get(truth, "certificates")) > 2000);
		test_every_seed("A");
		test_every_seed("B");
		test_suppressed_a();
		test_suppressed_b();
	}
	ch_store_close(store);
	ch_pivot_kb_free(kb);
	json_decref(truth);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return ch_test_done("pivot_world");
}
