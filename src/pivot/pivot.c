/* pivot: the handle, seed intake, running, and freeing results. */
#include "internal.h"

#include <certhound/util.h>

#include <stdlib.h>
#include <string.h>

ch_err ch_pivot__grow(void **arr, size_t *cap, size_t n, size_t size)
{
	void *na;
	size_t nc;

	if (n < *cap)
		return CH_OK;
	nc = *cap ? 2 * *cap : 16;
	if (!(na = realloc(*arr, nc * size)))
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	memset((char *)na + *cap * size, 0, (nc - *cap) * size);
	*arr = na;
	*cap = nc;
	return CH_OK;
}

char *ch_pivot__strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

const char *ch_pivot_kind_name(ch_pivot_kind k)
{
	switch (k) {
	case CH_PIVOT_DOMAIN: return "domain";
	case CH_PIVOT_NAME: return "name";
	case CH_PIVOT_IP: return "ip";
	case CH_PIVOT_CERT: return "cert";
	}
	return "?";
}

void ch_pivot_result_free(ch_pivot_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->num_seeds; i++) {
		free(r->seeds[i].text);
		free(r->seeds[i].kind);
		free(r->seeds[i].value);
		free(r->seeds[i].error);
	}
	for (size_t i = 0; i < r->num_leads; i++) {
		ch_pivot_lead *l = &r->leads[i];
		for (size_t k = 0; k < l->num_via; k++) {
			free(l->via[k].from);
			free(l->via[k].attribute);
			free(l->via[k].value);
		}
		for (size_t k = 0; k < l->num_certs; k++)
			free(l->certs[k]);
		free(l->via);
		free(l->certs);
		free(l->value);
		free(l->issuer);
		free(l->cert_name);
		free(l->corroborate);
	}
	for (size_t i = 0; i < r->num_suppressed; i++) {
		ch_pivot_suppressed *s = &r->suppressed[i];
		free(s->attribute);
		free(s->value);
		free(s->reason);
		free(s->detail);
		free(s->from);
	}
	for (size_t i = 0; i < r->num_bounds_hit; i++) {
		free(r->bounds_hit[i].bound);
		free(r->bounds_hit[i].detail);
	}
	free(r->seeds);
	free(r->leads);
	free(r->suppressed);
	free(r->bounds_hit);
	free(r);
}

ch_err ch_pivot_new(ch_pivot **out, ch_store *store, const ch_pivot_kb *kb,
		    const ch_pivot_opts *opts)
{
	ch_pivot *p = calloc(1, sizeof *p);
	ch_err err = CH_OK;

	*out = NULL;
	if (!p)
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	if (!store || !kb)
		CH_TRY(ch_error_set(CH_ERR_INVALID, "pivot: a store and knowledge are required"));
	p->store = store;
	p->kb = kb;
	if (opts)
		p->o = *opts;
	if (!p->o.depth)
		p->o.depth = 2;
	if (p->o.depth > 8)
		p->o.depth = 8;
	if (!p->o.max_nodes)
		p->o.max_nodes = 5000;
	if (!p->o.max_certs_per_value)
		p->o.max_certs_per_value = 200;
	if (p->o.max_certs_per_value > CH_STORE_MAX_PAGE)
		p->o.max_certs_per_value = CH_STORE_MAX_PAGE;
	if (!p->o.timeout_ms)
		p->o.timeout_ms = 10000;
	if (!p->o.now)
		p->o.now = ch_time_now();
	CH_TRY(ch_names_new(&p->names));
	*out = p;
	p = NULL;
out:
	ch_pivot_free(p);
	return err;
}

static void certs_free(ch_pivot *p)
{
	for (size_t i = 0; i < p->num_certs; i++) {
		ch_pv_cert *c = &p->certs[i];
		free(c->label);
		free(c->shared_detail);
		free(c->issuer_pattern);
		free(c->issuer);
		ch_store_values_free(c->vals, c->num_vals);
		for (size_t k = 0; k < c->num_sight_ips; k++)
			free(c->sight_ips[k]);
		free(c->sight_ips);
	}
	free(p->certs);
	for (size_t i = 0; i < p->num_edges; i++) {
		free(p->edges[i].from);
		free(p->edges[i].value);
	}
	free(p->edges);
	p->certs = NULL;
	p->edges = NULL;
	p->num_certs = p->cap_certs = p->num_edges = p->cap_edges = 0;
}

void ch_pivot_free(ch_pivot *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->num_in; i++) {
		free(p->in[i].text);
		free(p->in[i].der);
	}
	free(p->in);
	certs_free(p);
	ch_pivot__map_free(&p->cert_map);
	ch_pivot__map_free(&p->visited);
	ch_pivot__map_free(&p->supp_map);
	ch_pivot__map_free(&p->seed_vals);
	ch_pivot__map_free(&p->ip_counts);
	ch_pivot__map_free(&p->lead_map);
	ch_pivot__map_free(&p->group_map);
	free(p->grp_lead);
	free(p->grp_best);
	ch_pivot_result_free(p->res);
	ch_names_free(p->names);
	free(p);
}

static ch_err add_in(ch_pivot *p, ch_pv_seed_in **out)
{
	size_t cap = p->num_in;
	ch_pv_seed_in *n;

	if (p->num_in >= CH_PIVOT_MAX_SEEDS)
		return ch_error_set(CH_ERR_LIMIT, "pivot: more than %d seeds", CH_PIVOT_MAX_SEEDS);
	if (!(n = realloc(p->in, (cap + 1) * sizeof *n)))
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	p->in = n;
	*out = &n[p->num_in++];
	memset(*out, 0, sizeof **out);
	return CH_OK;
}

ch_err ch_pivot_add_seed(ch_pivot *p, const char *text)
{
	ch_pv_seed_in *s = NULL;
	size_t n = text ? strlen(text) : 0;
	ch_err err;

	while (n && (text[n - 1] == ' ' || text[n - 1] == '\t' || text[n - 1] == '\r'))
		n--;
	while (n && (*text == ' ' || *text == '\t')) {
		text++;
		n--;
	}
	if (!n)
		return ch_error_set(CH_ERR_INVALID, "pivot: empty seed");
	if (n > CH_PIVOT_MAX_SEED_LEN)
		return ch_error_set(CH_ERR_LIMIT, "pivot: seed longer than %d bytes", CH_PIVOT_MAX_SEED_LEN);
	if ((err = add_in(p, &s)) != CH_OK)
		return err;
	if (!(s->text = strndup(text, n))) {
		p->num_in--;
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	}
	return CH_OK;
}

ch_err ch_pivot_add_cert(ch_pivot *p, const uint8_t *der, size_t der_len, const char *label)
{
	ch_pv_seed_in *s = NULL;
	ch_err err;

	if (!der || !der_len || der_len > CH_CERT_MAX_DER)
		return ch_error_set(CH_ERR_INVALID, "pivot: bad certificate seed");
	if ((err = add_in(p, &s)) != CH_OK)
		return err;
	s->text = strdup(label ? label : "certificate");
	s->der = malloc(der_len);
	if (!s->text || !s->der) {
		free(s->text);
		free(s->der);
		p->num_in--;
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	}
	memcpy(s->der, der, der_len);
	s->der_len = der_len;
	return CH_OK;
}

ch_err ch_pivot_run(ch_pivot *p, ch_pivot_result **out)
{
	ch_err err = CH_OK;

	*out = NULL;
	ch_pivot_result_free(p->res);
	certs_free(p);
	ch_pivot__map_free(&p->cert_map);
	ch_pivot__map_free(&p->visited);
	ch_pivot__map_free(&p->supp_map);
	ch_pivot__map_free(&p->seed_vals);
	ch_pivot__map_free(&p->lead_map);
	ch_pivot__map_free(&p->group_map);
	free(p->grp_lead);
	free(p->grp_best);
	p->grp_lead = NULL;
	p->grp_best = NULL;
	p->num_grp = p->cap_grp = p->cap_grp2 = 0;
	memset(p->bound_hit, 0, sizeof p->bound_hit);
	p->weak_paths = 0;
	p->supp_dropped = 0;
	p->timed_out = false;
	p->cap_seeds = p->cap_leads = p->cap_supp = p->cap_bounds = 0;
	if (!(p->res = calloc(1, sizeof *p->res)))
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	p->t0 = ch_monotonic_ns();
	CH_TRY(ch_pivot__seeds(p));
	CH_TRY(ch_pivot__walk(p));
	CH_TRY(ch_pivot__leads(p));
	p->res->certs_visited = p->num_certs;
	p->res->elapsed_ms = (double)(ch_monotonic_ns() - p->t0) / 1e6;
	*out = p->res;
	p->res = NULL;
out:
	return err;
}
