/* report: a pivot result as a STIX 2.1 bundle — observables (domain-name, ipv4-addr/ipv6-addr,
 * x509-certificate) for the seeds' values and the leads, one indicator per lead (pattern,
 * confidence = score, the path in words), `based-on` relationships from each indicator to its
 * observable and `related-to` relationships for the paths between observables, all created by
 * a certhound identity. Identifiers are deterministic UUIDv5: observables use the STIX 2.1
 * namespace over their ID-contributing properties (STIX 2.1 section 2.9), so the same domain
 * gets the same id in every tool; the other objects use certhound's own namespace over what
 * they state, so re-running a pivot yields the same ids (docs/pivot.md). */
#include "pivot_graph.h"
#include "stix.h"


#include <stdio.h>
#include <string.h>

/* The observable kind of a graph node's kind. */
static ch_stix_obs obs_of(pg_kind k)
{
	switch (k) {
	case PG_DOMAIN:
	case PG_NAME:
		return CH_STIX_DOMAIN;
	case PG_IP:
		return CH_STIX_IP;
	default:
		return CH_STIX_SHA256;
	}
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
	return n->kind != PG_SHARED && ch_report__stix_plain(*out_value);
}

static void cert_more(ch_stix *s, const void *arg)
{
	const pg_node *n = arg;

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
}

static void observable(ch_stix *s, const pg_node *n)
{
	pg_kind k;
	const char *v;

	if (!as_sco(n, &k, &v))
		return;
	ch_report__stix_sco(s, obs_of(k), v, k == PG_CERT ? cert_more : NULL, n);
}

static void indicator(ch_stix *s, const pg_node *n, const pg_graph *g, size_t idx)
{
	const ch_pivot_lead *l = n->lead;
	char id[CH_STIX_ID_MAX], text[1200], name[1024];
	const pg_edge *best = NULL;

	for (size_t e = 0; e < g->num_edges; e++)
		if (g->edges[e].to == idx && (!best || g->edges[e].weight > best->weight))
			best = &g->edges[e];
	ch_report__stix_indicator_id(s, id, obs_of(n->kind), n->value);
	if (!ch_report__stix_first(s, id))
		return;
	snprintf(name, sizeof name, "certhound pivot lead: %s %.200s", ch_pivot_kind_name(l->kind), l->value);
	if (best) {
		char path[400];
		ch_report__pivot_edge_text(path, sizeof path, best);
		snprintf(text, sizeof text, "Score %.3f at depth %u: shares %s with %.64s. A lead, not a "
			 "verdict: corroborate it with local evidence (certhound corroborate).", l->score,
			 l->depth, path, g->nodes[best->from].value);
	} else {
		snprintf(text, sizeof text, "Score %.3f at depth %u.", l->score, l->depth);
	}
	ch_json_obj_begin(&s->j);
	ch_report__stix_indicator_head(s, id, name, text, obs_of(n->kind), n->value);
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
	ch_report__stix_based_on(s, id, obs_of(n->kind), n->value);
}

static void related(ch_stix *s, const pg_graph *g, const pg_edge *e)
{
	char from[CH_STIX_ID_MAX], to[CH_STIX_ID_MAX], rid[CH_STIX_ID_MAX], name[1024], text[500];
	pg_kind fk, tk;
	const char *fv, *tv;

	if (e->suppressed || !as_sco(&g->nodes[e->from], &fk, &fv) || !as_sco(&g->nodes[e->to], &tk, &tv))
		return;
	ch_report__stix_sco_id(s, from, obs_of(fk), fv);
	ch_report__stix_sco_id(s, to, obs_of(tk), tv);
	snprintf(name, sizeof name, "related-to|%s|%s|%s|%.120s", from, to, e->attr, e->value);
	ch_report__stix_id(s, rid, "relationship", name);
	if (!strcmp(from, to) || !ch_report__stix_first(s, rid))
		return;
	ch_report__pivot_edge_text(text, sizeof text, e);
	ch_json_obj_begin(&s->j);
	ch_report__stix_sdo(s, "relationship", rid);
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
	ch_stix s;
	pg_graph g;
	char seeds[1024] = "bundle";
	ch_err err;

	if ((err = ch_report__pivot_graph(&g, r, 0)) != CH_OK)
		return err;
	for (size_t i = 0; i < r->num_seeds; i++) {
		size_t n = strlen(seeds);
		snprintf(seeds + n, sizeof seeds - n, "|%s", r->seeds[i].text);
	}
	if ((err = ch_report__stix_begin(&s, out, created, seeds)) != CH_OK) {
		ch_report__stix_free(&s);
		goto out;
	}
	/* observables: the leads, seed certificates and the seeds' own values */
	for (size_t i = 0; i < g.num_nodes; i++)
		observable(&s, &g.nodes[i]);
	for (size_t i = 0; i < g.num_nodes; i++)
		if (g.nodes[i].lead && ch_report__stix_plain(g.nodes[i].value))
			indicator(&s, &g.nodes[i], &g, i);
	for (size_t e = 0; e < g.num_edges; e++)
		related(&s, &g, &g.edges[e]);
	err = ch_report__stix_end(&s, out);
out:
	ch_report__pivot_graph_free(&g);
	return err;
}
