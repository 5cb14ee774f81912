/* report: a pivot result as a STIX 2.1 bundle — observables (domain-name, ipv4-addr/ipv6-addr,
 * x509-certificate) for the seeds' values and the leads, one indicator per lead (pattern,
 * confidence = score, the path in words), `based-on` relationships from each indicator to its
 * observable and `related-to` relationships for the paths between observables, all created by
 * a certhound identity. Identifiers are deterministic UUIDv5: observables use the STIX 2.1
 * namespace over their ID-contributing properties (STIX 2.1 section 2.9), so the same domain
 * gets the same id in every tool; the other objects use certhound's own namespace over what
 * they state, so re-running a pivot yields the same ids (docs/pivot.md). */
#include "pivot_graph.h"

#include <certhound/hash.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* STIX 2.1's namespace for SCO ids (section 2.9) and certhound's for its other objects */
static const uint8_t NS_STIX[16] = {0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c,
				    0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7};
static const uint8_t NS_CERTHOUND[16] = {0x8e, 0x1f, 0x6a, 0x52, 0x3c, 0x4d, 0x5b, 0x7e,
					 0x91, 0x2a, 0xc0, 0x6d, 0x44, 0x1b, 0xe3, 0x08};

typedef struct stix {
	ch_json j;
	ch_hash *h;
	char now[32];       /* created/modified: RFC 3339 with milliseconds, as STIX wants */
	char identity[96];
	ch_err err;
	uint64_t *seen;     /* 64-bit hashes of the ids written (a domain lead and a host-name
	                     * lead with the same text are one domain-name object) */
	size_t num_seen, cap_seen;
} stix;

/* first_time returns true the first time an id is written (false also when out of memory). */
static bool first_time(stix *s, const char *id)
{
	uint64_t h = 1469598103934665603ull;

	for (const char *p = id; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	h |= 1;
	if (2 * (s->num_seen + 1) > s->cap_seen) {
		size_t cap = s->cap_seen ? 2 * s->cap_seen : 1024;
		uint64_t *n = calloc(cap, sizeof *n);
		if (!n) {
			s->err = ch_error_set(CH_ERR_NOMEM, "out of memory");
			return false;
		}
		for (size_t i = 0; i < s->cap_seen; i++)
			if (s->seen[i]) {
				size_t k = s->seen[i] & (cap - 1);
				while (n[k])
					k = (k + 1) & (cap - 1);
				n[k] = s->seen[i];
			}
		free(s->seen);
		s->seen = n;
		s->cap_seen = cap;
	}
	for (size_t k = h & (s->cap_seen - 1);; k = (k + 1) & (s->cap_seen - 1)) {
		if (s->seen[k] == h)
			return false;
		if (!s->seen[k]) {
			s->seen[k] = h;
			s->num_seen++;
			return true;
		}
	}
}

/* make_id writes "TYPE--UUIDv5(ns, name)" into out. */
static void make_id(stix *s, char out[96], const char *type, const uint8_t ns[16], const char *name)
{
	uint8_t buf[2048], d[CH_SHA1_LEN];
	size_t n = strlen(name);

	if (n > sizeof buf - 16)
		n = sizeof buf - 16;
	memcpy(buf, ns, 16);
	memcpy(buf + 16, name, n);
	if (!s->err)
		s->err = ch_hash_sha1(s->h, d, buf, 16 + n);
	d[6] = (uint8_t)((d[6] & 0x0f) | 0x50);
	d[8] = (uint8_t)((d[8] & 0x3f) | 0x80);
	snprintf(out, 96, "%s--%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 type, d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12],
		 d[13], d[14], d[15]);
}

/* The SCO type and id-contributing JSON (canonical: sorted keys, no blanks) of a value. */
static const char *sco_type(pg_kind k, const char *v)
{
	uint8_t a[16];

	switch (k) {
	case PG_DOMAIN:
	case PG_NAME:
		return "domain-name";
	case PG_IP:
		return inet_pton(AF_INET, v, a) == 1 ? "ipv4-addr" : "ipv6-addr";
	case PG_CERT:
		return "x509-certificate";
	default:
		return NULL;
	}
}

static bool plain(const char *v)
{
	/* the values that reach here are host names, IP literals and hex; anything needing JSON
	 * escaping is left out of STIX rather than risk an id that differs from other tools' */
	for (; *v; v++)
		if (*v < 0x21 || *v > 0x7e || *v == '"' || *v == '\\' || *v == '\'')
			return false;
	return true;
}

/* as_sco: the observable a node stands for (a seed: its normalised value when the seed is a
 * domain, host name, IP or certificate); false when it has none. */
static bool as_sco(const pg_node *n, pg_kind *out_kind, const char **out_value)
{
	const ch_pivot_seed *sd = n->seed;

	*out_kind = n->kind;
	*out_value = n->value;
	if (n->kind == PG_SEED) {
		if (!sd || !sd->value || !sd->kind)
			return false;
		*out_value = sd->value;
		if (!strcmp(sd->kind, "domain"))
			*out_kind = PG_DOMAIN;
		else if (!strcmp(sd->kind, "name"))
			*out_kind = PG_NAME;
		else if (!strcmp(sd->kind, "ip"))
			*out_kind = PG_IP;
		else
			return false; /* a certificate seed's certificate is a node of its own */
	}
	return n->kind != PG_SHARED && plain(*out_value);
}

static void sco_id(stix *s, char out[96], pg_kind k, const char *v)
{
	char name[400];

	if (k == PG_CERT)
		snprintf(name, sizeof name, "{\"hashes\":{\"SHA-256\":\"%s\"}}", v);
	else
		snprintf(name, sizeof name, "{\"value\":\"%s\"}", v);
	make_id(s, out, sco_type(k, v), NS_STIX, name);
}

static void common(stix *s, const char *type, const char *id)
{
	ch_json_key(&s->j, "type");
	ch_json_cstr(&s->j, type);
	ch_json_key(&s->j, "spec_version");
	ch_json_cstr(&s->j, "2.1");
	ch_json_key(&s->j, "id");
	ch_json_cstr(&s->j, id);
}

static void sdo_common(stix *s, const char *type, const char *id)
{
	common(s, type, id);
	ch_json_key(&s->j, "created_by_ref");
	ch_json_cstr(&s->j, s->identity);
	ch_json_key(&s->j, "created");
	ch_json_cstr(&s->j, s->now);
	ch_json_key(&s->j, "modified");
	ch_json_cstr(&s->j, s->now);
}

static void observable(stix *s, const pg_node *n)
{
	char id[96];
	pg_kind k;
	const char *v;

	if (!as_sco(n, &k, &v))
		return;
	sco_id(s, id, k, v);
	if (!first_time(s, id))
		return;
	ch_json_obj_begin(&s->j);
	common(s, sco_type(k, v), id);
	if (k == PG_CERT) {
		ch_json_key(&s->j, "hashes");
		ch_json_obj_begin(&s->j);
		ch_json_key(&s->j, "SHA-256");
		ch_json_cstr(&s->j, n->value);
		ch_json_obj_end(&s->j);
		if (n->lead && n->lead->issuer) {
			ch_json_key(&s->j, "issuer");
			ch_json_cstr(&s->j, n->lead->issuer);
		}
		if (n->lead && n->lead->not_before) {
			ch_json_key(&s->j, "validity_not_before");
			ch_json_time(&s->j, n->lead->not_before);
			ch_json_key(&s->j, "validity_not_after");
			ch_json_time(&s->j, n->lead->not_after);
		}
	} else {
		ch_json_key(&s->j, "value");
		ch_json_cstr(&s->j, v);
	}
	ch_json_obj_end(&s->j);
}

static void pattern(char *out, size_t cap, const pg_node *n)
{
	if (n->kind == PG_CERT)
		snprintf(out, cap, "[x509-certificate:hashes.'SHA-256' = '%s']", n->value);
	else
		snprintf(out, cap, "[%s:value = '%s']", sco_type(n->kind, n->value), n->value);
}

static void indicator(stix *s, const pg_node *n, const pg_graph *g, size_t idx)
{
	const ch_pivot_lead *l = n->lead;
	char id[96], sco[96], rid[96], pat[400], text[1200], name[1024];
	const pg_edge *best = NULL;

	for (size_t e = 0; e < g->num_edges; e++)
		if (g->edges[e].to == idx && (!best || g->edges[e].weight > best->weight))
			best = &g->edges[e];
	pattern(pat, sizeof pat, n);
	snprintf(name, sizeof name, "indicator|%s", pat);
	make_id(s, id, "indicator", NS_CERTHOUND, name);
	if (!first_time(s, id))
		return;
	ch_json_obj_begin(&s->j);
	sdo_common(s, "indicator", id);
	snprintf(name, sizeof name, "certhound pivot lead: %s %.200s", ch_pivot_kind_name(l->kind), l->value);
	ch_json_key(&s->j, "name");
	ch_json_cstr(&s->j, name);
	if (best) {
		char path[400];
		ch_report__pivot_edge_text(path, sizeof path, best);
		snprintf(text, sizeof text, "Score %.3f at depth %u: shares %s with %.64s. A lead, not a "
			 "verdict: corroborate it with local evidence (certhound corroborate).", l->score,
			 l->depth, path, g->nodes[best->from].value);
	} else {
		snprintf(text, sizeof text, "Score %.3f at depth %u.", l->score, l->depth);
	}
	ch_json_key(&s->j, "description");
	ch_json_cstr(&s->j, text);
	ch_json_key(&s->j, "indicator_types");
	ch_json_arr_begin(&s->j);
	ch_json_cstr(&s->j, "anomalous-activity");
	ch_json_arr_end(&s->j);
	ch_json_key(&s->j, "pattern");
	ch_json_cstr(&s->j, pat);
	ch_json_key(&s->j, "pattern_type");
	ch_json_cstr(&s->j, "stix");
	ch_json_key(&s->j, "pattern_version");
	ch_json_cstr(&s->j, "2.1");
	ch_json_key(&s->j, "valid_from");
	if (l->first_seen)
		ch_json_time(&s->j, l->first_seen);
	else
		ch_json_cstr(&s->j, s->now);
	ch_json_key(&s->j, "confidence");
	ch_json_uint(&s->j, (uint64_t)(l->score * 100 + 0.5));
	ch_json_key(&s->j, "labels");
	ch_json_arr_begin(&s->j);
	ch_json_cstr(&s->j, "certhound-pivot-lead");
	ch_json_arr_end(&s->j);
	ch_json_obj_end(&s->j);
	/* indicator --based-on--> observable */
	sco_id(s, sco, n->kind, n->value);
	snprintf(name, sizeof name, "based-on|%s|%s", id, sco);
	make_id(s, rid, "relationship", NS_CERTHOUND, name);
	ch_json_obj_begin(&s->j);
	sdo_common(s, "relationship", rid);
	ch_json_key(&s->j, "relationship_type");
	ch_json_cstr(&s->j, "based-on");
	ch_json_key(&s->j, "source_ref");
	ch_json_cstr(&s->j, id);
	ch_json_key(&s->j, "target_ref");
	ch_json_cstr(&s->j, sco);
	ch_json_obj_end(&s->j);
}

static void related(stix *s, const pg_graph *g, const pg_edge *e)
{
	char from[96], to[96], rid[96], name[1024], text[500];
	pg_kind fk, tk;
	const char *fv, *tv;

	if (e->suppressed || !as_sco(&g->nodes[e->from], &fk, &fv) || !as_sco(&g->nodes[e->to], &tk, &tv))
		return;
	sco_id(s, from, fk, fv);
	sco_id(s, to, tk, tv);
	snprintf(name, sizeof name, "related-to|%s|%s|%s|%.120s", from, to, e->attr, e->value);
	make_id(s, rid, "relationship", NS_CERTHOUND, name);
	if (!strcmp(from, to) || !first_time(s, rid))
		return;
	ch_report__pivot_edge_text(text, sizeof text, e);
	ch_json_obj_begin(&s->j);
	sdo_common(s, "relationship", rid);
	ch_json_key(&s->j, "relationship_type");
	ch_json_cstr(&s->j, "related-to");
	ch_json_key(&s->j, "description");
	ch_json_cstr(&s->j, text);
	ch_json_key(&s->j, "source_ref");
	ch_json_cstr(&s->j, from);
	ch_json_key(&s->j, "target_ref");
	ch_json_cstr(&s->j, to);
	ch_json_key(&s->j, "confidence");
	ch_json_uint(&s->j, (uint64_t)(e->weight * 100 + 0.5));
	ch_json_obj_end(&s->j);
}

ch_err ch_report_pivot_stix(ch_buf *out, const ch_pivot_result *r, int64_t created)
{
	stix s;
	pg_graph g;
	char bundle[96], seeds[1024] = "bundle";
	ch_err err;

	memset(&s, 0, sizeof s);
	if ((err = ch_report__pivot_graph(&g, r, 0)) != CH_OK)
		return err;
	CH_TRY(ch_hash_new(&s.h));
	ch_time_format(s.now, created);
	memcpy(s.now + 19, ".000Z", 6);
	make_id(&s, s.identity, "identity", NS_CERTHOUND, "identity|certhound");
	for (size_t i = 0; i < r->num_seeds; i++) {
		size_t n = strlen(seeds);
		snprintf(seeds + n, sizeof seeds - n, "|%s", r->seeds[i].text);
	}
	make_id(&s, bundle, "bundle", NS_CERTHOUND, seeds);
	ch_json_init(&s.j, out, true);
	ch_json_obj_begin(&s.j);
	ch_json_key(&s.j, "type");
	ch_json_cstr(&s.j, "bundle");
	ch_json_key(&s.j, "id");
	ch_json_cstr(&s.j, bundle);
	ch_json_key(&s.j, "objects");
	ch_json_arr_begin(&s.j);
	ch_json_obj_begin(&s.j);
	common(&s, "identity", s.identity);
	ch_json_key(&s.j, "created");
	ch_json_cstr(&s.j, s.now);
	ch_json_key(&s.j, "modified");
	ch_json_cstr(&s.j, s.now);
	ch_json_key(&s.j, "name");
	ch_json_cstr(&s.j, "certhound");
	ch_json_key(&s.j, "identity_class");
	ch_json_cstr(&s.j, "system");
	ch_json_obj_end(&s.j);
	/* observables: the leads, seed certificates and the seeds' own values */
	for (size_t i = 0; i < g.num_nodes; i++)
		observable(&s, &g.nodes[i]);
	for (size_t i = 0; i < g.num_nodes; i++)
		if (g.nodes[i].lead && plain(g.nodes[i].value))
			indicator(&s, &g.nodes[i], &g, i);
	for (size_t e = 0; e < g.num_edges; e++)
		related(&s, &g, &g.edges[e]);
	ch_json_arr_end(&s.j);
	ch_json_obj_end(&s.j);
	CH_TRY(s.err);
	CH_TRY(ch_json_finish(&s.j));
	CH_TRY(ch_buf_putc(out, '\n'));
out:
	free(s.seen);
	ch_hash_free(s.h);
	ch_report__pivot_graph_free(&g);
	return err;
}
