/* pivot walk: breadth-first over certificates and the values they share, with noise checks,
 * rarity and bounds before any value is followed (docs/pivot.md). */
#include "internal.h"

#include <certhound/filter.h>
#include <certhound/util.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_MAX 4200

static ch_err nomem(void)
{
	return ch_error_set(CH_ERR_NOMEM, "out of memory");
}

static void make_key(char *out, const char *a, const char *b, const char *c)
{
	if (c)
		snprintf(out, KEY_MAX, "%s\x1f%s\x1f%s", a, b, c);
	else
		snprintf(out, KEY_MAX, "%s\x1f%s", a, b);
}

/* ch_pivot__visit marks (attr, value) as handled and returns true the first time. Values are
 * compared case-insensitively (the store's text attributes are searched that way). */
bool ch_pivot__visit(ch_pivot *p, const char *attr, const char *value, ch_err *err)
{
	char key[KEY_MAX], *low = ch_pivot__lower_dup(value);
	size_t dummy;
	bool fresh = false;

	*err = CH_OK;
	if (!low) {
		*err = nomem();
		return false;
	}
	make_key(key, attr, low, NULL);
	free(low);
	if (!ch_pivot__map_get(&p->visited, key, &dummy)) {
		*err = ch_pivot__map_put(&p->visited, key, 1);
		fresh = *err == CH_OK;
	}
	return fresh;
}

ch_err ch_pivot__suppress(ch_pivot *p, const char *attr, const char *value, const char *reason,
			  const char *detail, const char *from, uint64_t shared_by)
{
	ch_pivot_result *r = p->res;
	ch_pivot_suppressed *s;
	char key[KEY_MAX];
	size_t idx;
	ch_err err;

	make_key(key, reason, attr, value);
	if (ch_pivot__map_get(&p->supp_map, key, &idx))
		return CH_OK;
	if (r->num_suppressed >= PV_MAX_SUPPRESSED) {
		p->supp_dropped++;
		return CH_OK;
	}
	if ((err = ch_pivot__grow((void **)&r->suppressed, &p->cap_supp, r->num_suppressed,
				  sizeof *r->suppressed)) != CH_OK)
		return err;
	s = &r->suppressed[r->num_suppressed];
	s->attribute = ch_pivot__strdup(attr);
	s->value = ch_pivot__strdup(value);
	s->reason = ch_pivot__strdup(reason);
	s->detail = ch_pivot__strdup(detail ? detail : "");
	s->from = ch_pivot__strdup(from ? from : "");
	s->shared_by = shared_by;
	r->num_suppressed++;
	if (!s->attribute || !s->value || !s->reason || !s->detail || !s->from)
		return nomem();
	return ch_pivot__map_put(&p->supp_map, key, r->num_suppressed - 1);
}

ch_err ch_pivot__bound(ch_pivot *p, int which, const char *fmt, ...)
{
	static const char *const names[] = {"depth", "max-nodes", "max-certs-per-value", "timeout",
					    "min-score", "max-suppressed"};
	ch_pivot_result *r = p->res;
	ch_pivot_bound *b;
	char detail[1024];
	va_list ap;
	ch_err err;

	/* One entry per bound for depth, nodes and timeout; per value for max-certs-per-value
	 * (at most 50 of them, then one more saying so). */
	if (which != PV_BOUND_PER_VALUE && p->bound_hit[which])
		return CH_OK;
	if (which == PV_BOUND_PER_VALUE && r->num_bounds_hit >= 50)
		return CH_OK;
	p->bound_hit[which] = true;
	va_start(ap, fmt);
	vsnprintf(detail, sizeof detail, fmt, ap);
	va_end(ap);
	if ((err = ch_pivot__grow((void **)&r->bounds_hit, &p->cap_bounds, r->num_bounds_hit,
				  sizeof *r->bounds_hit)) != CH_OK)
		return err;
	b = &r->bounds_hit[r->num_bounds_hit++];
	b->bound = strdup(names[which]);
	b->detail = strdup(detail);
	return b->bound && b->detail ? CH_OK : nomem();
}

static size_t nodes_used(const ch_pivot *p)
{
	return p->num_certs + (size_t)p->res->values_followed;
}

ch_err ch_pivot__cert_add(ch_pivot *p, size_t *out, const char *sha, unsigned depth, bool *out_new)
{
	ch_pv_cert *c;
	ch_err err;

	*out_new = false;
	if (ch_pivot__map_get(&p->cert_map, sha, out))
		return CH_OK;
	*out = PV_NO_CERT;
	if (nodes_used(p) >= p->o.max_nodes)
		return ch_pivot__bound(p, PV_BOUND_NODES, "stopped at %zu certificates and values "
				       "(--max-nodes %zu)", nodes_used(p), p->o.max_nodes);
	if ((err = ch_pivot__grow((void **)&p->certs, &p->cap_certs, p->num_certs, sizeof *c)) != CH_OK)
		return err;
	c = &p->certs[p->num_certs];
	memset(c, 0, sizeof *c);
	memcpy(c->sha, sha, 64);
	c->sha[64] = '\0';
	c->depth = depth;
	c->first_edge = PV_NO_CERT;
	c->best_edge = PV_NO_CERT;
	if ((err = ch_pivot__map_put(&p->cert_map, c->sha, p->num_certs)) != CH_OK)
		return err;
	*out = p->num_certs++;
	*out_new = true;
	return CH_OK;
}

ch_err ch_pivot__edge_add(ch_pivot *p, size_t to, size_t from_cert, unsigned from_depth,
			  const char *from, const char *attr, const char *value, uint64_t shared_by,
			  double weight)
{
	ch_pv_edge *e;
	ch_err err = ch_pivot__grow((void **)&p->edges, &p->cap_edges, p->num_edges, sizeof *e);

	if (err)
		return err;
	e = &p->edges[p->num_edges];
	e->to = to;
	e->from_cert = from_cert;
	e->from_depth = from_depth;
	e->from = strdup(from);
	e->attr = attr;
	e->value = strdup(value);
	e->shared_by = shared_by;
	e->weight = weight;
	e->next = p->certs[to].first_edge;
	if (!e->from || !e->value) {
		free(e->from);
		free(e->value);
		return nomem();
	}
	p->certs[to].first_edge = p->num_edges++;
	return CH_OK;
}

ch_err ch_pivot__ip_count(ch_pivot *p, uint64_t *out, const char *ip)
{
	ch_filter term = {.op = CH_FILTER_TERM, .field = CH_FIELD_IP, .cmp = CH_CMP_EQ,
			  .text = (char *)ip};
	size_t v;
	ch_err err;

	if (ch_pivot__map_get(&p->ip_counts, ip, &v)) {
		*out = v;
		return CH_OK;
	}
	if ((err = ch_store_count(p->store, out, &term)) != CH_OK)
		return err;
	return ch_pivot__map_put(&p->ip_counts, ip, (size_t)*out);
}

static bool timed_out(ch_pivot *p)
{
	if (!p->timed_out &&
	    (ch_monotonic_ns() - p->t0) / 1000000u >= (uint64_t)p->o.timeout_ms)
		p->timed_out = true;
	return p->timed_out;
}

ch_err ch_pivot__follow(ch_pivot *p, size_t from_cert, const char *from, unsigned from_depth,
			double from_score, ch_store_attr attr, const char *value, uint64_t count,
			double step)
{
	ch_filter term = {.op = CH_FILTER_TERM, .field = CH_FIELD_IP, .cmp = CH_CMP_EQ,
			  .text = (char *)value};
	double path = from_score * step * (from_depth >= 1 ? p->kb->decay : 1.0);
	ch_store_page *page = NULL;
	size_t idx;
	bool fresh;
	ch_err err = CH_OK;

	if (nodes_used(p) >= p->o.max_nodes)
		return ch_pivot__bound(p, PV_BOUND_NODES, "stopped at %zu certificates and values "
				       "(--max-nodes %zu)", nodes_used(p), p->o.max_nodes);
	p->res->values_followed++;
	if (attr == CH_SA_IP)
		CH_TRY(ch_store_search(p->store, &page, &term, p->o.max_certs_per_value, NULL));
	else
		CH_TRY(ch_store_certs_with(p->store, &page, attr, value, p->o.max_certs_per_value, NULL));
	if (page->cursor[0])
		CH_TRY(ch_pivot__bound(p, PV_BOUND_PER_VALUE, "%s %s: followed %zu of %llu certificates "
				       "(--max-certs-per-value)", ch_store_attr_name(attr), value,
				       page->num_items, (unsigned long long)count));
	for (size_t i = 0; i < page->num_items; i++) {
		char sha[65];
		ch_hex_encode(sha, page->items[i].sha256, 32);
		if (from_cert != PV_NO_CERT && !strcmp(sha, p->certs[from_cert].sha))
			continue;
		CH_TRY(ch_pivot__cert_add(p, &idx, sha, from_depth + 1, &fresh));
		if (idx == PV_NO_CERT)
			break;
		if (p->certs[idx].seed)
			continue;
		CH_TRY(ch_pivot__edge_add(p, idx, from_cert, from_depth, from, ch_store_attr_name(attr),
					  value, count, path));
	}
out:
	ch_store_page_free(page);
	return err;
}

/* score_of combines a certificate's incoming paths from shallower certificates: the strongest
 * path per distinct (attribute, value), then 1 - prod(1 - s) over those (docs/pivot.md). */
static double score_of(ch_pivot *p, size_t ci)
{
	ch_pv_cert *c = &p->certs[ci];
	double best[64], rest = 1.0, top = 0;
	const ch_pv_edge *grp[64];
	size_t ng = 0;

	if (c->depth == 0)
		return 1.0;
	for (size_t e = c->first_edge; e != PV_NO_CERT; e = p->edges[e].next) {
		const ch_pv_edge *ed = &p->edges[e];
		size_t g = 0;
		if (ed->from_depth >= c->depth)
			continue;
		while (g < ng && !(grp[g]->attr == ed->attr && !strcasecmp(grp[g]->value, ed->value)))
			g++;
		if (g == ng) {
			if (ng == 64)
				continue;
			grp[ng] = ed;
			best[ng++] = 0;
		}
		if (ed->weight > best[g])
			best[g] = ed->weight;
		if (ed->weight > top) {
			top = ed->weight;
			c->best_edge = e;
		}
	}
	for (size_t g = 0; g < ng; g++)
		rest *= 1.0 - best[g];
	return 1.0 - rest;
}

/* load fills a stored certificate's values, sightings and summary. */
static ch_err load(ch_pivot *p, ch_pv_cert *c)
{
	ch_store_record *rec = NULL;
	ch_err err = CH_OK;
	size_t cap = 0;

	CH_TRY(ch_store_get(p->store, &rec, c->sha));
	c->loaded = c->stored = true;
	c->vals = rec->values;
	c->num_vals = rec->num_values;
	rec->values = NULL;
	rec->num_values = 0;
	c->issuer = rec->summary.issuer;
	rec->summary.issuer = NULL;
	c->not_before = rec->summary.not_before;
	c->not_after = rec->summary.not_after;
	for (size_t i = 0; i < rec->num_sightings; i++) {
		const ch_store_sighting *g = &rec->sightings[i];
		size_t k = 0;
		/* a file sighting's time is when certhound read the file, not when the certificate
		 * was in use: only CT, scan and telemetry times count as seen */
		if (g->kind != CH_SOURCE_FILE && g->timestamp > 0 &&
		    (!c->first_seen || g->timestamp < c->first_seen))
			c->first_seen = g->timestamp;
		if (g->kind != CH_SOURCE_FILE && g->timestamp > c->last_seen)
			c->last_seen = g->timestamp;
		if (!g->ip || !*g->ip)
			continue;
		while (k < c->num_sight_ips && strcmp(c->sight_ips[k], g->ip))
			k++;
		if (k < c->num_sight_ips || k >= 64)
			continue;
		CH_TRY(ch_pivot__grow((void **)&c->sight_ips, &cap, c->num_sight_ips, sizeof(char *)));
		if (!(c->sight_ips[c->num_sight_ips] = strdup(g->ip)))
			CH_TRY(nomem());
		c->num_sight_ips++;
	}
out:
	ch_store_record_free(rec);
	return err;
}

/* registrable_label returns the length of the first label of a registrable domain. */
static size_t first_label(const char *d)
{
	const char *dot = strchr(d, '.');

	return dot ? (size_t)(dot - d) : strlen(d);
}

static ch_err set_shared(ch_pv_cert *c, const char *reason, const char *fmt, const char *a,
			 const char *b)
{
	char detail[1024];

	if (c->shared_reason)
		return CH_OK;
	snprintf(detail, sizeof detail, fmt, a, b);
	c->shared_reason = reason;
	return (c->shared_detail = strdup(detail)) ? CH_OK : nomem();
}

/* classify decides whether a certificate is shared (CDN / hosting / managed / multi-tenant:
 * its names do not connect to each other) and whether its issuer is a high-volume CA. */
static ch_err classify(ch_pivot *p, ch_pv_cert *c)
{
	const char *labels[256], *reason, *pat = NULL;
	size_t nl = 0, ndom = 0;
	char detail[600];
	ch_err err = CH_OK;

	for (size_t i = 0; i < c->num_vals; i++) {
		const ch_store_value *v = &c->vals[i];
		switch (v->attr) {
		case CH_SA_NAME:
		case CH_SA_SUBJECT_O:
		case CH_SA_SUBJECT_OU:
		case CH_SA_SUBJECT_CN:
			if ((reason = ch_pivot_kb_match(p->kb, v->attr, v->text, &pat)) &&
			    !ch_pivot__value_scope(p->kb, reason)) {
				snprintf(detail, sizeof detail, "rule '%s'", pat);
				CH_TRY(ch_pivot__suppress(p, ch_store_attr_name(v->attr), v->text, reason,
							  detail, c->sha, v->count));
				CH_TRY(set_shared(c, reason, "%s %s", ch_store_attr_name(v->attr), v->text));
			} else if (!reason && v->attr == CH_SA_NAME &&
				   !ch_names_registered_domain(p->names, v->text) &&
				   ch_names_suffix_type(p->names, v->text) == CH_SUFFIX_PRIVATE) {
				CH_TRY(ch_pivot__suppress(p, "name", v->text, "psl-private",
							  "a public suffix of the PSL's private section (a "
							  "platform shared by its tenants)", c->sha, v->count));
				CH_TRY(set_shared(c, "psl-private", "name %s%s", v->text, ""));
			}
			break;
		case CH_SA_DOMAIN: {
			size_t k = 0, fl = first_label(v->text);
			ndom++;
			while (k < nl && !(strlen(labels[k]) >= fl && !strncmp(labels[k], v->text, fl) &&
					   (labels[k][fl] == '.' || !labels[k][fl])))
				k++;
			if (k == nl && nl < 256)
				labels[nl++] = v->text;
			break;
		}
		case CH_SA_ISSUER_O:
		case CH_SA_ISSUER_CN:
		case CH_SA_ISSUER_DN:
			if (!c->issuer_reason && (reason = ch_pivot_kb_match(p->kb, v->attr, v->text, &pat))) {
				c->issuer_reason = reason;
				snprintf(detail, sizeof detail, "issuer %s matches rule '%s'",
					 ch_store_attr_name(v->attr), pat);
				if (!(c->issuer_pattern = strdup(detail)))
					CH_TRY(nomem());
			}
			break;
		default:
			break;
		}
	}
	if ((double)nl >= p->kb->multi_tenant) {
		char n1[32], n2[32];
		snprintf(n1, sizeof n1, "%zu", nl);
		snprintf(n2, sizeof n2, "%zu", ndom);
		CH_TRY(set_shared(c, "multi-tenant", "%s unrelated registrable domains (%s in all)", n1, n2));
	}
out:
	return err;
}

static bool is_seed_value(ch_pivot *p, const char *kind, const char *value)
{
	char key[KEY_MAX];
	size_t d;

	make_key(key, kind, value, NULL);
	return ch_pivot__map_get(&p->seed_vals, key, &d);
}

/* consider checks one value of a certificate and follows it when it passes. */
static ch_err consider(ch_pivot *p, size_t ci, ch_store_attr attr, const char *text, uint64_t count)
{
	ch_pv_cert *c = &p->certs[ci];
	double base = p->kb->pivot_w[attr], step;
	const char *an = ch_store_attr_name(attr), *reason, *pat = NULL;
	char from[CH_PIVOT_MAX_SEED_LEN + 1], detail[700];
	ch_err err = CH_OK;

	if (base <= 0)
		return CH_OK;
	/* a copy: following may move the certificate array */
	snprintf(from, sizeof from, "%s", c->label ? c->label : c->sha);
	if (attr == CH_SA_NAME && ch_names_registered_domain(p->names, text))
		return CH_OK; /* the registrable domain covers it */
	if (c->shared_reason && attr != CH_SA_TBS) {
		/* the tenants of a shared certificate are not connected to each other */
		if (attr == CH_SA_DOMAIN && !is_seed_value(p, "domain", text) &&
		    c->tenants_listed++ < PV_MAX_TENANTS_LISTED) {
			snprintf(detail, sizeof detail, "on shared certificate %.16s (%s)", c->sha,
				 c->shared_detail);
			return ch_pivot__suppress(p, an, text, c->shared_reason, detail, from, count);
		}
		return CH_OK;
	}
	if (count <= 1)
		return CH_OK;
	if (!ch_pivot__visit(p, an, text, &err))
		return err;
	if ((reason = ch_pivot_kb_match(p->kb, attr, text, &pat))) {
		snprintf(detail, sizeof detail, "rule '%s'", pat);
		return ch_pivot__suppress(p, an, text, reason, detail, from, count);
	}
	if ((attr == CH_SA_ISSUER_DN || attr == CH_SA_JA4X) && c->issuer_reason)
		return ch_pivot__suppress(p, an, text, c->issuer_reason, c->issuer_pattern, from, count);
	step = base * ch_pivot__rarity(p->kb, count);
	if (step < p->kb->min_weight) {
		snprintf(detail, sizeof detail, "shared by %llu certificates: step weight %.3f below "
			 "min_weight %.3f", (unsigned long long)count, step, p->kb->min_weight);
		return ch_pivot__suppress(p, an, text, "common-value", detail, from, count);
	}
	if (c->depth >= p->o.depth)
		return ch_pivot__bound(p, PV_BOUND_DEPTH, "certificates at depth %u were not expanded "
				       "(--depth %u)", c->depth, p->o.depth);
	if (c->score * step * (c->depth >= 1 ? p->kb->decay : 1.0) < p->kb->min_score) {
		p->weak_paths++; /* reported once at the end of the walk */
		return CH_OK;
	}
	return ch_pivot__follow(p, ci, from, c->depth, c->score, attr, text, count, step);
}

static ch_err expand(ch_pivot *p, size_t ci)
{
	ch_err err = CH_OK;
	uint64_t n;

	for (size_t i = 0; i < p->certs[ci].num_vals && !err && !timed_out(p); i++) {
		const ch_store_value *v = &p->certs[ci].vals[i];
		if (v->attr == CH_SA_IP) {
			if ((err = ch_pivot__ip_count(p, &n, v->text)) == CH_OK)
				err = consider(p, ci, v->attr, v->text, n);
		} else {
			err = consider(p, ci, v->attr, v->text, v->count);
		}
	}
	for (size_t i = 0; i < p->certs[ci].num_sight_ips && !err && !timed_out(p); i++) {
		const char *ip = p->certs[ci].sight_ips[i];
		if ((err = ch_pivot__ip_count(p, &n, ip)) == CH_OK)
			err = consider(p, ci, CH_SA_IP, ip, n);
	}
	return err;
}

/* weak_only returns true when every path into a certificate from shallower certificates goes
 * through a confirm-only attribute (a JA4X: how a certificate was made, which unrelated
 * operators share); it then records the certificate as suppressed and returns true. */
static bool weak_only(ch_pivot *p, size_t ci, ch_err *err)
{
	ch_pv_cert *c = &p->certs[ci];
	const ch_pv_edge *best = NULL;
	char detail[600];

	*err = CH_OK;
	if (c->depth == 0 || c->seed)
		return false;
	for (size_t e = c->first_edge; e != PV_NO_CERT; e = p->edges[e].next) {
		const ch_pv_edge *ed = &p->edges[e];
		if (ed->from_depth >= c->depth)
			continue;
		if (!p->kb->confirm_only[ch_store_attr_from_name(ed->attr)])
			return false;
		if (!best || ed->weight > best->weight)
			best = ed;
	}
	if (!best)
		return false;
	c->weak_only = true;
	snprintf(detail, sizeof detail, "reached only through %s %.80s (%llu certificates): it "
		 "confirms other links but makes no lead alone", best->attr, best->value,
		 (unsigned long long)best->shared_by);
	*err = ch_pivot__suppress(p, "cert", c->sha, "confirm-only", detail, best->from, best->shared_by);
	return true;
}

ch_err ch_pivot__walk(ch_pivot *p)
{
	ch_err err = CH_OK;

	for (size_t ci = 0; ci < p->num_certs && !err; ci++) {
		ch_pv_cert *c = &p->certs[ci];
		if (timed_out(p)) {
			err = ch_pivot__bound(p, PV_BOUND_TIMEOUT, "stopped after %u ms with %zu "
					      "certificates not expanded (--timeout)", p->o.timeout_ms,
					      p->num_certs - ci);
			break;
		}
		c->score = score_of(p, ci);
		if (weak_only(p, ci, &err) || err)
			continue;
		if (!c->loaded)
			CH_TRY(load(p, c));
		c = &p->certs[ci];
		if (!c->first_seen) {
			c->first_seen = c->not_before;
			c->last_seen = c->not_after < p->o.now ? c->not_after : p->o.now;
		}
		CH_TRY(classify(p, &p->certs[ci]));
		CH_TRY(expand(p, ci));
	}
	if (!err && p->weak_paths)
		err = ch_pivot__bound(p, PV_BOUND_MIN_SCORE, "%llu values not followed: the path through "
				      "them would score below min_score %.2f",
				      (unsigned long long)p->weak_paths, p->kb->min_score);
	if (!err && p->supp_dropped)
		err = ch_pivot__bound(p, PV_BOUND_SUPPRESSED, "%zu more suppressed values not listed "
				      "(at most %d)", p->supp_dropped, PV_MAX_SUPPRESSED);
out:
	return err;
}
