/* pivot leads: certificates reached, and the names, registrable domains and IPs they carry,
 * each scored, explained by the steps that reached it, and sorted (docs/pivot.md). */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LEAD_MAX_VIA 20
#define LEAD_MAX_VIA_WORK 200
#define LEAD_MAX_CERTS 100
#define KEY_MAX 4200

static ch_err nomem(void)
{
	return ch_error_set(CH_ERR_NOMEM, "out of memory");
}

static bool is_seed(ch_pivot *p, const char *kind, const char *value)
{
	char key[KEY_MAX];
	size_t d;

	snprintf(key, sizeof key, "%s\x1f%s", kind, value);
	return ch_pivot__map_get(&p->seed_vals, key, &d);
}

/* lead_get returns the lead (kind, value), made on first use; NULL on OOM (err set). */
static ch_pivot_lead *lead_get(ch_pivot *p, ch_pivot_kind kind, const char *value, unsigned depth,
			       ch_err *err)
{
	ch_pivot_result *r = p->res;
	ch_pivot_lead *l;
	char key[KEY_MAX];
	size_t idx;

	snprintf(key, sizeof key, "%s\x1f%s", ch_pivot_kind_name(kind), value);
	if (ch_pivot__map_get(&p->lead_map, key, &idx)) {
		l = &r->leads[idx];
		if (depth < l->depth)
			l->depth = depth;
		return l;
	}
	if ((*err = ch_pivot__grow((void **)&r->leads, &p->cap_leads, r->num_leads, sizeof *l)))
		return NULL;
	l = &r->leads[r->num_leads];
	l->kind = kind;
	l->depth = depth;
	l->value = strdup(value);
	l->corroborate = strdup(value);
	r->num_leads++;
	if (!l->value || !l->corroborate) {
		*err = nomem();
		return NULL;
	}
	if ((*err = ch_pivot__map_put(&p->lead_map, key, r->num_leads - 1)))
		return NULL;
	return l;
}

static ch_err via_add(ch_pivot_lead *l, const char *from, const char *attr, const char *value,
		      uint64_t shared_by, double weight)
{
	ch_pivot_via *v;

	for (size_t i = 0; i < l->num_via; i++)
		if (!strcmp(l->via[i].from, from) && !strcmp(l->via[i].attribute, attr) &&
		    !strcmp(l->via[i].value, value)) {
			if (weight > l->via[i].weight)
				l->via[i].weight = weight;
			return CH_OK;
		}
	if (l->num_via >= LEAD_MAX_VIA_WORK)
		return CH_OK;
	if (!(v = realloc(l->via, (l->num_via + 1) * sizeof *v)))
		return nomem();
	l->via = v;
	v = &v[l->num_via];
	v->from = strdup(from);
	v->attribute = strdup(attr);
	v->value = strdup(value);
	v->shared_by = shared_by;
	v->weight = weight;
	l->num_via++;
	return v->from && v->attribute && v->value ? CH_OK : nomem();
}

static ch_err cert_add(ch_pivot_lead *l, const ch_pv_cert *c)
{
	char **n;

	for (size_t i = 0; i < l->num_certs; i++)
		if (!strcmp(l->certs[i], c->sha))
			return CH_OK;
	if (l->num_certs >= LEAD_MAX_CERTS)
		return CH_OK;
	if (!(n = realloc(l->certs, (l->num_certs + 1) * sizeof *n)))
		return nomem();
	l->certs = n;
	if (!(n[l->num_certs] = strdup(c->sha)))
		return nomem();
	l->num_certs++;
	return CH_OK;
}

static void seen_merge(ch_pivot_lead *l, const ch_pv_cert *c)
{
	if (c->first_seen && (!l->first_seen || c->first_seen < l->first_seen))
		l->first_seen = c->first_seen;
	if (c->last_seen > l->last_seen)
		l->last_seen = c->last_seen;
}

/* group_add records a contribution s to lead li from certificate c. Certificates that stand on
 * the same evidence (their strongest path goes through the same attribute and value, e.g. 50
 * certificates of one popular domain) are one group: the best contribution per group counts,
 * and groups combine as independent evidence (docs/pivot.md). */
static ch_err group_add(ch_pivot *p, size_t li, const ch_pv_cert *c, double s)
{
	char key[KEY_MAX];
	size_t g;
	ch_err err;

	if (c->best_edge == PV_NO_CERT)
		snprintf(key, sizeof key, "%zu\x1f" "cert\x1f%s", li, c->sha);
	else
		snprintf(key, sizeof key, "%zu\x1f%s\x1f%s", li, p->edges[c->best_edge].attr,
			 p->edges[c->best_edge].value);
	if (ch_pivot__map_get(&p->group_map, key, &g)) {
		if (s > p->grp_best[g])
			p->grp_best[g] = s;
		return CH_OK;
	}
	if ((err = ch_pivot__grow((void **)&p->grp_lead, &p->cap_grp, p->num_grp, sizeof(size_t))) ||
	    (err = ch_pivot__grow((void **)&p->grp_best, &p->cap_grp2, p->num_grp, sizeof(double))))
		return err;
	p->grp_lead[p->num_grp] = li;
	p->grp_best[p->num_grp] = s;
	return ch_pivot__map_put(&p->group_map, key, p->num_grp++);
}

/* carried adds one contribution of certificate c to a name/domain/ip lead. */
static ch_err carried(ch_pivot *p, const ch_pv_cert *c, ch_pivot_kind kind, const char *value,
		      const char *attr, uint64_t shared_by, double w)
{
	double s = c->score * w;
	ch_pivot_lead *l;
	ch_err err = CH_OK;

	if (is_seed(p, ch_pivot_kind_name(kind), value) || s <= 0 ||
	    (kind == CH_PIVOT_NAME && is_seed(p, "domain", value)))
		return CH_OK;
	if (!(l = lead_get(p, kind, value, c->depth, &err)))
		return err;
	if ((err = group_add(p, (size_t)(l - p->res->leads), c, s)) != CH_OK)
		return err;
	seen_merge(l, c);
	if ((err = cert_add(l, c)) != CH_OK)
		return err;
	return via_add(l, c->label ? c->label : c->sha, attr, value, shared_by, s);
}

/* display_name picks the name shown beside a certificate: its first host name without a
 * wildcard, else its first host name, else its subject CN. */
static const char *display_name(const ch_pv_cert *c)
{
	const char *wild = NULL, *cn = NULL;

	for (size_t i = 0; i < c->num_vals; i++) {
		const ch_store_value *v = &c->vals[i];
		if (v->attr == CH_SA_NAME && strncmp(v->text, "*.", 2))
			return v->text;
		if (v->attr == CH_SA_NAME && !wild)
			wild = v->text;
		if (v->attr == CH_SA_SUBJECT_CN && !cn)
			cn = v->text;
	}
	return wild ? wild : cn;
}

static ch_err cert_lead(ch_pivot *p, const ch_pv_cert *c)
{
	const char *name;
	ch_pivot_lead *l;
	ch_err err = CH_OK;

	if (!(l = lead_get(p, CH_PIVOT_CERT, c->sha, c->depth, &err)))
		return err;
	l->score = c->score;
	l->first_seen = c->first_seen;
	l->last_seen = c->last_seen;
	l->not_before = c->not_before;
	l->not_after = c->not_after;
	if (c->issuer && !(l->issuer = strdup(c->issuer)))
		return nomem();
	if (!l->cert_name && (name = display_name(c)) && !(l->cert_name = strdup(name)))
		return nomem();
	CH_TRY(cert_add(l, c));
	for (size_t e = c->first_edge; e != PV_NO_CERT; e = p->edges[e].next) {
		const ch_pv_edge *ed = &p->edges[e];
		CH_TRY(via_add(l, ed->from, ed->attr, ed->value, ed->shared_by, ed->weight));
	}
out:
	return err;
}

static ch_err cert_leads(ch_pivot *p, const ch_pv_cert *c)
{
	const ch_pivot_kb *kb = p->kb;
	ch_err err = CH_OK;
	uint64_t n;

	/* a shared certificate (CDN, hosting, managed, multi-tenant) is never a lead itself */
	if (!c->seed && !c->shared_reason)
		CH_TRY(cert_lead(p, c));
	if (c->shared_reason) {
		if (!c->seed)
			CH_TRY(ch_pivot__suppress(p, "cert", c->sha, c->shared_reason, c->shared_detail,
						  c->first_edge != PV_NO_CERT ? p->edges[c->first_edge].from : "",
						  1));
		goto out;
	}
	for (size_t i = 0; i < c->num_vals; i++) {
		const ch_store_value *v = &c->vals[i];
		if (v->attr == CH_SA_NAME && strncmp(v->text, "*.", 2) != 0)
			CH_TRY(carried(p, c, CH_PIVOT_NAME, v->text, "san", v->count, kb->lead_w[PV_LEAD_NAME]));
		else if (v->attr == CH_SA_DOMAIN)
			CH_TRY(carried(p, c, CH_PIVOT_DOMAIN, v->text, "domain", v->count,
				       kb->lead_w[PV_LEAD_DOMAIN]));
		else if (v->attr == CH_SA_IP)
			CH_TRY(carried(p, c, CH_PIVOT_IP, v->text, "ip", v->count, kb->lead_w[PV_LEAD_IP]));
	}
	for (size_t i = 0; i < c->num_sight_ips; i++) {
		CH_TRY(ch_pivot__ip_count(p, &n, c->sight_ips[i]));
		CH_TRY(carried(p, c, CH_PIVOT_IP, c->sight_ips[i], "sighting", n,
			       kb->lead_w[PV_LEAD_SIGHTING] * ch_pivot__rarity(kb, n)));
	}
out:
	return err;
}

static int cmp_via(const void *a, const void *b)
{
	const ch_pivot_via *x = a, *y = b;

	if (x->weight != y->weight)
		return x->weight > y->weight ? -1 : 1;
	return strcmp(x->from, y->from);
}

static int kind_rank(ch_pivot_kind k)
{
	return k == CH_PIVOT_CERT ? 0 : k == CH_PIVOT_DOMAIN ? 1 : k == CH_PIVOT_NAME ? 2 : 3;
}

static int cmp_lead(const void *a, const void *b)
{
	const ch_pivot_lead *x = a, *y = b;

	/* compare scores as printed (3 decimals) so that ties fall to depth, kind and value */
	long sx = (long)(x->score * 1000 + 0.5), sy = (long)(y->score * 1000 + 0.5);
	if (sx != sy)
		return sx > sy ? -1 : 1;
	if (x->depth != y->depth)
		return x->depth < y->depth ? -1 : 1;
	if (kind_rank(x->kind) != kind_rank(y->kind))
		return kind_rank(x->kind) - kind_rank(y->kind);
	return strcmp(x->value, y->value);
}

static void trim_via(ch_pivot_lead *l)
{
	if (l->num_via > 1)
		qsort(l->via, l->num_via, sizeof *l->via, cmp_via);
	while (l->num_via > LEAD_MAX_VIA) {
		ch_pivot_via *v = &l->via[--l->num_via];
		free(v->from);
		free(v->attribute);
		free(v->value);
	}
}

ch_err ch_pivot__leads(ch_pivot *p)
{
	ch_pivot_result *r = p->res;
	ch_err err = CH_OK;

	for (size_t i = 0; i < p->num_certs && !err; i++)
		if (p->certs[i].loaded)
			err = cert_leads(p, &p->certs[i]);
	if (err)
		return err;
	for (size_t g = 0; g < p->num_grp; g++) {
		ch_pivot_lead *l = &r->leads[p->grp_lead[g]];
		l->score = 1.0 - (1.0 - l->score) * (1.0 - p->grp_best[g]);
	}
	for (size_t i = 0; i < r->num_leads; i++) {
		trim_via(&r->leads[i]);
		if (r->leads[i].score > 1)
			r->leads[i].score = 1;
	}
	if (r->num_leads > 1)
		qsort(r->leads, r->num_leads, sizeof *r->leads, cmp_lead);
	return CH_OK;
}
