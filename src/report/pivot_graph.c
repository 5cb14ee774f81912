/* report: the graph of a pivot result (nodes, edges, a layered layout) for DOT, STIX and HTML. */
#include "pivot_graph.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ch_err nomem(void)
{
	return ch_error_set(CH_ERR_NOMEM, "out of memory");
}

/* the key class of a node kind: certificates and suppressed certificates share one space */
static int kclass(pg_kind k)
{
	return k == PG_SHARED ? PG_CERT : (int)k;
}

static size_t hash_of(int cls, const char *v)
{
	size_t h = 1469598103934665603ull ^ (size_t)cls;

	for (; *v; v++)
		h = (h ^ (unsigned char)*v) * 1099511628211ull;
	return h;
}

/* find returns the node of (kind class, value) or (size_t)-1. */
static size_t find(const pg_graph *g, pg_kind k, const char *v)
{
	int cls = kclass(k);

	if (!g->num_slots)
		return (size_t)-1;
	for (size_t i = hash_of(cls, v) & (g->num_slots - 1);; i = (i + 1) & (g->num_slots - 1)) {
		size_t n = g->slots[i];
		if (n == (size_t)-1)
			return n;
		if (kclass(g->nodes[n].kind) == cls && !strcmp(g->nodes[n].value, v))
			return n;
	}
}

static ch_err rehash(pg_graph *g)
{
	size_t ns = g->num_slots ? 2 * g->num_slots : 256, *s = malloc(ns * sizeof *s);

	if (!s)
		return nomem();
	memset(s, 0xff, ns * sizeof *s);
	for (size_t n = 0; n < g->num_nodes; n++) {
		size_t i = hash_of(kclass(g->nodes[n].kind), g->nodes[n].value) & (ns - 1);
		while (s[i] != (size_t)-1)
			i = (i + 1) & (ns - 1);
		s[i] = n;
	}
	free(g->slots);
	g->slots = s;
	g->num_slots = ns;
	return CH_OK;
}

/* add_node returns the node (kind, value) in *out, adding it when new. */
static ch_err add_node(pg_graph *g, size_t *out, pg_kind k, const char *v)
{
	pg_node *n;

	if ((*out = find(g, k, v)) != (size_t)-1)
		return CH_OK;
	if (g->num_nodes == g->cap_nodes) {
		size_t cap = g->cap_nodes ? 2 * g->cap_nodes : 64;
		if (!(n = realloc(g->nodes, cap * sizeof *n)))
			return nomem();
		g->nodes = n;
		g->cap_nodes = cap;
	}
	n = &g->nodes[g->num_nodes];
	memset(n, 0, sizeof *n);
	n->kind = k;
	n->value = v;
	n->score = 1;
	*out = g->num_nodes++;
	if (2 * g->num_nodes > g->num_slots)
		return rehash(g);
	for (size_t i = hash_of(kclass(k), v) & (g->num_slots - 1);; i = (i + 1) & (g->num_slots - 1))
		if (g->slots[i] == (size_t)-1) {
			g->slots[i] = *out;
			return CH_OK;
		}
}

static ch_err add_edge(pg_graph *g, size_t from, size_t to, const char *attr, const char *value,
		       uint64_t shared_by, double weight, bool suppressed)
{
	pg_edge *e;

	if (from == to)
		return CH_OK;
	if (g->num_edges == g->cap_edges) {
		size_t cap = g->cap_edges ? 2 * g->cap_edges : 64;
		if (!(e = realloc(g->edges, cap * sizeof *e)))
			return nomem();
		g->edges = e;
		g->cap_edges = cap;
	}
	e = &g->edges[g->num_edges++];
	e->from = from;
	e->to = to;
	e->attr = attr;
	e->value = value;
	e->shared_by = shared_by;
	e->weight = weight;
	e->suppressed = suppressed;
	return CH_OK;
}

static bool is_sha256_hex(const char *s)
{
	size_t n = 0;

	while ((s[n] >= '0' && s[n] <= '9') || (s[n] >= 'a' && s[n] <= 'f'))
		n++;
	return n == 64 && !s[n];
}

/* origin finds or makes the node a path starts from: a certificate (lead or seed certificate)
 * or a seed's text (or a certificate file's label). */
static ch_err origin(pg_graph *g, size_t *out, const char *from)
{
	if ((*out = find(g, PG_CERT, from)) != (size_t)-1 || (*out = find(g, PG_SEED, from)) != (size_t)-1)
		return CH_OK;
	return add_node(g, out, is_sha256_hex(from) ? PG_CERT : PG_SEED, from);
}

static pg_kind lead_kind(ch_pivot_kind k)
{
	return k == CH_PIVOT_CERT ? PG_CERT : k == CH_PIVOT_DOMAIN ? PG_DOMAIN :
	       k == CH_PIVOT_NAME ? PG_NAME : PG_IP;
}

ch_err ch_report__pivot_graph(pg_graph *g, const ch_pivot_result *r, size_t max_leads)
{
	size_t n, from, nl = r->num_leads;
	ch_err err = CH_OK;

	memset(g, 0, sizeof *g);
	if (max_leads && nl > max_leads)
		nl = max_leads;
	g->num_leads = nl;
	for (size_t i = 0; i < r->num_seeds; i++) {
		CH_TRY(add_node(g, &n, PG_SEED, r->seeds[i].text));
		g->nodes[n].seed = &r->seeds[i];
	}
	for (size_t i = 0; i < nl; i++) {
		const ch_pivot_lead *l = &r->leads[i];
		CH_TRY(add_node(g, &n, lead_kind(l->kind), l->value));
		g->nodes[n].lead = l;
		g->nodes[n].label = l->cert_name;
		g->nodes[n].score = l->score;
	}
	for (size_t i = 0; i < nl; i++) {
		const ch_pivot_lead *l = &r->leads[i];
		size_t to = find(g, lead_kind(l->kind), l->value);
		for (size_t k = 0; k < l->num_via; k++) {
			const ch_pivot_via *v = &l->via[k];
			CH_TRY(origin(g, &from, v->from));
			CH_TRY(add_edge(g, from, to, v->attribute, v->value, v->shared_by, v->weight, false));
		}
	}
	for (size_t i = 0; i < r->num_suppressed; i++) {
		const ch_pivot_suppressed *s = &r->suppressed[i];
		if (strcmp(s->attribute, "cert") || !s->from[0] || find(g, PG_CERT, s->value) != (size_t)-1)
			continue;
		CH_TRY(origin(g, &from, s->from));
		CH_TRY(add_node(g, &n, PG_SHARED, s->value));
		g->nodes[n].reason = s->reason;
		g->nodes[n].label = s->detail;
		g->nodes[n].score = 0;
		CH_TRY(add_edge(g, from, n, s->reason, s->detail, s->shared_by, 0, true));
	}
out:
	if (err)
		ch_report__pivot_graph_free(g);
	return err;
}

void ch_report__pivot_graph_free(pg_graph *g)
{
	free(g->nodes);
	free(g->edges);
	free(g->slots);
	memset(g, 0, sizeof *g);
}

/* column of a node: seeds 0, certificates at depth d 1+2d, values at depth d 2+2d */
static int column(const pg_graph *g, size_t n, int depth_guard)
{
	const pg_node *nd = &g->nodes[n];

	if (nd->kind == PG_SEED)
		return 0;
	if (nd->lead)
		return (nd->kind == PG_CERT ? 1 : 2) + 2 * (int)nd->lead->depth;
	if (nd->kind == PG_CERT)
		return 1; /* a seed certificate */
	/* a suppressed certificate: one certificate column after what reached it */
	for (size_t e = 0; e < g->num_edges && depth_guard < 4; e++)
		if (g->edges[e].to == n) {
			int c = column(g, g->edges[e].from, depth_guard + 1);
			return c == 0 ? 1 : c + (c % 2 ? 2 : 1);
		}
	return 1;
}

static int cmp_rank(const void *a, const void *b, void *ctx)
{
	const pg_graph *g = ctx;
	const pg_node *x = &g->nodes[*(const size_t *)a], *y = &g->nodes[*(const size_t *)b];

	if ((x->kind == PG_SHARED) != (y->kind == PG_SHARED))
		return x->kind == PG_SHARED ? 1 : -1;
	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return *(const size_t *)a < *(const size_t *)b ? -1 : 1;
}

int ch_report__pivot_layout(pg_graph *g, int *out_rows)
{
	int cols = 1, rows = 0;
	size_t *order = malloc((g->num_nodes + 1) * sizeof *order);
	int *fill;

	for (size_t n = 0; n < g->num_nodes; n++) {
		g->nodes[n].col = column(g, n, 0);
		if (g->nodes[n].col + 1 > cols)
			cols = g->nodes[n].col + 1;
	}
	fill = calloc((size_t)cols, sizeof *fill);
	if (order && fill) {
		for (size_t n = 0; n < g->num_nodes; n++)
			order[n] = n;
		qsort_r(order, g->num_nodes, sizeof *order, cmp_rank, g);
		for (size_t i = 0; i < g->num_nodes; i++) {
			pg_node *nd = &g->nodes[order[i]];
			nd->row = fill[nd->col]++;
			if (fill[nd->col] > rows)
				rows = fill[nd->col];
		}
	} else {
		for (size_t n = 0; n < g->num_nodes; n++)
			g->nodes[n].row = (int)n;
		rows = (int)g->num_nodes;
	}
	free(order);
	free(fill);
	*out_rows = rows;
	return cols;
}

void ch_report__pivot_edge_text(char *out, size_t cap, const pg_edge *e)
{
	size_t n = strlen(e->value);
	bool hex = n > 20 && strspn(e->value, "0123456789abcdef") == n;

	if (e->suppressed)
		snprintf(out, cap, "%s: %s", e->attr, e->value);
	else
		snprintf(out, cap, "%s %.*s%s (%llu certificate%s)", e->attr, hex ? 16 : 120, e->value,
			 hex || n > 120 ? "\xe2\x80\xa6" : "", (unsigned long long)e->shared_by,
			 e->shared_by == 1 ? "" : "s");
}
