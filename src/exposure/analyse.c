/* exposure: everything derived from the inventory — names, leaked internal names, expiry
 * windows and successors, renewal gaps, CAs over time, naming conventions, key reuse and weak
 * keys. Grouping is by sorting (name, certificate) pairs, so a run is O(n log n) in the pairs. */
#include "internal.h"

#include <certhound/names.h>
#include <certhound/util.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY 86400
#define GAP_MIN (1 * DAY)       /* a hole shorter than this is a renewal overlap, not a gap */
#define MAX_MONTHS 600
#define MAX_GAPS 10000
#define MAX_REUSE_GROUP 1000

typedef struct pair {
	const char *s;
	size_t cert;
} pair;

static ch_err nomem(void)
{
	return ch_error_set(CH_ERR_NOMEM, "out of memory");
}

static int cmp_pair(const void *a, const void *b)
{
	const pair *x = a, *y = b;
	int c = strcmp(x->s, y->s);

	return c ? c : (x->cert > y->cert) - (x->cert < y->cert);
}

/* cmp_rev orders names by their labels read from the right: "example.com" < "a.example.com". */
static int cmp_rev_str(const char *a, const char *b)
{
	const char *ea = a + strlen(a), *eb = b + strlen(b);

	while (ea > a && eb > b) {
		const char *la = ea, *lb = eb;
		size_t na, nb;
		int c;
		while (la > a && la[-1] != '.')
			la--;
		while (lb > b && lb[-1] != '.')
			lb--;
		na = (size_t)(ea - la);
		nb = (size_t)(eb - lb);
		c = memcmp(la, lb, na < nb ? na : nb);
		if (c || na != nb)
			return c ? c : (na < nb ? -1 : 1);
		ea = la > a ? la - 1 : a;
		eb = lb > b ? lb - 1 : b;
		if (la == a || lb == b)
			return (la == a) == (lb == b) ? 0 : la == a ? -1 : 1;
	}
	return (ea > a) - (eb > b);
}

static int cmp_name(const void *a, const void *b)
{
	return cmp_rev_str(((const ch_exposure_name *)a)->name, ((const ch_exposure_name *)b)->name);
}

bool ch_exposure__covers(const char *name, const char *host)
{
	const char *dot;

	if (!strcmp(name, host))
		return true;
	if (strncmp(name, "*.", 2) || !(dot = strchr(host, '.')) || !strncmp(host, "*.", 2))
		return false;
	return !strcmp(name + 2, dot + 1);
}

bool ch_exposure__name_in_scope(const ch_exposure_result *r, const char *name, bool org_cert)
{
	size_t nl = strlen(name);

	if (org_cert)
		return true;
	for (size_t i = 0; i < r->num_subjects; i++) {
		const ch_exposure_subject *sj = &r->subjects[i];
		size_t dl = strlen(sj->value);
		if (sj->kind != CH_EXPOSURE_DOMAIN)
			continue;
		if (!strcmp(name, sj->value) ||
		    (nl > dl && name[nl - dl - 1] == '.' && !strcmp(name + nl - dl, sj->value)))
			return true;
	}
	return false;
}

/* counts: an issuance is a certificate, or a precertificate whose final one is not stored. */
static bool is_issuance(const ch_exposure_cert *c)
{
	return !(c->precert && c->has_final);
}

/* ---- names and leaks ----------------------------------------------------------------------- */

static ch_err build_pairs(ch_expo_run *x, pair **out, size_t *out_n, bool ips)
{
	ch_exposure_result *r = x->r;
	pair *p = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < r->num_certs; i++) {
		const ch_exposure_cert *c = &r->certs[i];
		char **arr = ips ? c->san_ips : c->names;
		size_t na = ips ? c->num_san_ips : c->num_names;
		for (size_t k = 0; k < na; k++) {
			if (!ips && !ch_exposure__name_in_scope(r, arr[k], c->by_org))
				continue;
			if (n == cap) {
				pair *q = realloc(p, (cap = cap ? cap * 2 : 256) * sizeof *q);
				if (!q) {
					free(p);
					return nomem();
				}
				p = q;
			}
			p[n++] = (pair){arr[k], i};
		}
	}
	if (n)
		qsort(p, n, sizeof *p, cmp_pair);
	*out = p;
	*out_n = n;
	return CH_OK;
}

static ch_err add_leak(ch_exposure_result *r, const char *name, const char *reason,
		       const pair *p, size_t lo, size_t hi)
{
	ch_exposure_leak *a = realloc(r->leaks, (r->num_leaks + 1) * sizeof *a), *l;
	ch_err err = CH_OK;

	if (!a)
		return nomem();
	r->leaks = a;
	l = &a[r->num_leaks++];
	memset(l, 0, sizeof *l);
	l->name = ch_exposure__strdup(name, &err);
	l->reason = ch_exposure__strdup(reason, &err);
	if (!(l->certs = malloc((hi - lo) * sizeof *l->certs)))
		return nomem();
	for (size_t k = lo; k < hi; k++)
		l->certs[l->num_certs++] = p[k].cert;
	return err;
}

static ch_err names_and_leaks(ch_expo_run *x, const pair *p, size_t n)
{
	ch_exposure_result *r = x->r;
	char reason[256];
	ch_err err = CH_OK;

	for (size_t lo = 0, hi; !err && lo < n; lo = hi) {
		ch_exposure_name *a, *e;
		const char *reg;
		hi = lo + 1;
		while (hi < n && !strcmp(p[hi].s, p[lo].s))
			hi++;
		if (!(a = realloc(r->names, (r->num_names + 1) * sizeof *a)))
			return nomem();
		r->names = a;
		e = &a[r->num_names++];
		memset(e, 0, sizeof *e);
		e->name = ch_exposure__strdup(p[lo].s, &err);
		e->wildcard = !strncmp(p[lo].s, "*.", 2);
		for (size_t k = lo; k < hi; k++) {
			const ch_exposure_cert *c = &r->certs[p[k].cert];
			if (k > lo && p[k].cert == p[k - 1].cert)
				continue;
			e->certs++;
			if (!e->first_seen || c->first_seen < e->first_seen)
				e->first_seen = c->first_seen;
			if (c->last_seen > e->last_seen)
				e->last_seen = c->last_seen;
			if (k == lo || c->not_before < e->first_issued)
				e->first_issued = c->not_before;
			if (k == lo || c->not_after > e->valid_until)
				e->valid_until = c->not_after;
		}
		reg = ch_names_registered_domain(x->names, p[lo].s);
		if (ch_exposure_internal_reason(x->kb, reason, sizeof reason, p[lo].s, reg)) {
			e->reason = ch_exposure__strdup(reason, &err);
			if (!err)
				err = add_leak(r, p[lo].s, reason, p, lo, hi);
		}
	}
	return err;
}

static ch_err ip_leaks(ch_expo_run *x)
{
	pair *p = NULL;
	size_t n = 0;
	char reason[256];
	ch_err err = build_pairs(x, &p, &n, true);

	for (size_t lo = 0, hi; !err && lo < n; lo = hi) {
		hi = lo + 1;
		while (hi < n && !strcmp(p[hi].s, p[lo].s))
			hi++;
		if (ch_exposure_internal_reason(x->kb, reason, sizeof reason, p[lo].s, NULL))
			err = add_leak(x->r, p[lo].s, reason, p, lo, hi);
	}
	free(p);
	return err;
}

static int cmp_leak(const void *a, const void *b)
{
	return cmp_rev_str(((const ch_exposure_leak *)a)->name, ((const ch_exposure_leak *)b)->name);
}

/* ---- expiry and successors ---------------------------------------------------------------- */

static bool covers_all(const ch_exposure_result *r, const ch_exposure_cert *old,
		       const ch_exposure_cert *nw)
{
	size_t used = 0;

	for (size_t i = 0; i < old->num_names; i++) {
		bool ok = false;
		if (!ch_exposure__name_in_scope(r, old->names[i], old->by_org))
			continue;
		used++;
		for (size_t k = 0; !ok && k < nw->num_names; k++)
			ok = ch_exposure__covers(nw->names[k], old->names[i]);
		if (!ok)
			return false;
	}
	return used > 0;
}

static ch_err expiry(ch_expo_run *x)
{
	ch_exposure_result *r = x->r;
	int64_t now = r->now;

	for (size_t i = 0; i < r->num_certs; i++) {
		const ch_exposure_cert *c = &r->certs[i];
		ch_exposure_expiring *a, *e;
		int64_t left = c->not_after - now;
		if (c->is_ca || !is_issuance(c) || left <= 0 || left > 90 * (int64_t)DAY)
			continue;
		if (!(a = realloc(r->expiring, (r->num_expiring + 1) * sizeof *a)))
			return nomem();
		r->expiring = a;
		e = &a[r->num_expiring++];
		memset(e, 0, sizeof *e);
		e->cert = i;
		e->days_left = left / DAY;
		e->window = left <= 7 * (int64_t)DAY ? 7 : left <= 30 * (int64_t)DAY ? 30 : 90;
		for (size_t k = 0; k < r->num_certs; k++) {
			const ch_exposure_cert *d = &r->certs[k];
			if (k == i || d->is_ca || !is_issuance(d) || d->not_before < c->not_before ||
			    d->not_after <= c->not_after || !covers_all(r, c, d))
				continue;
			if (!e->has_successor || d->not_after > r->certs[e->successor].not_after) {
				e->has_successor = true;
				e->successor = k;
			}
		}
	}
	return CH_OK;
}

static int cmp_expiring_r(const ch_exposure_result *r, const ch_exposure_expiring *a,
			  const ch_exposure_expiring *b)
{
	int64_t x = r->certs[a->cert].not_after, y = r->certs[b->cert].not_after;

	return x != y ? (x < y ? -1 : 1) : (a->cert > b->cert) - (a->cert < b->cert);
}

static void sort_expiring(ch_exposure_result *r)
{
	/* insertion sort: the list is short (certificates of the next 90 days) */
	for (size_t i = 1; i < r->num_expiring; i++) {
		ch_exposure_expiring t = r->expiring[i];
		size_t k = i;
		while (k > 0 && cmp_expiring_r(r, &t, &r->expiring[k - 1]) < 0) {
			r->expiring[k] = r->expiring[k - 1];
			k--;
		}
		r->expiring[k] = t;
	}
}

/* ---- renewal gaps -------------------------------------------------------------------------- */

static int cmp_by_nb(const void *a, const void *b, void *arg)
{
	const ch_exposure_result *r = arg;
	const ch_exposure_cert *x = &r->certs[*(const size_t *)a];
	const ch_exposure_cert *y = &r->certs[*(const size_t *)b];

	return x->not_before != y->not_before ? (x->not_before < y->not_before ? -1 : 1) : 0;
}

static size_t lower_bound(const pair *p, size_t n, const char *s)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(p[mid].s, s) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* certs_covering lists the issuances whose names cover `name` (itself or a wildcard over it). */
static size_t certs_covering(const ch_exposure_result *r, const pair *p, size_t n, const char *name,
			     size_t *out, size_t cap)
{
	char wild[CH_NAME_BUF + 2];
	const char *dot = strchr(name, '.');
	size_t k = 0;

	for (int pass = 0; pass < 2; pass++) {
		const char *key = name;
		if (pass == 1) {
			if (!dot || !strncmp(name, "*.", 2))
				break;
			snprintf(wild, sizeof wild, "*.%s", dot + 1);
			key = wild;
		}
		for (size_t i = lower_bound(p, n, key); i < n && !strcmp(p[i].s, key) && k < cap; i++) {
			const ch_exposure_cert *c = &r->certs[p[i].cert];
			bool dup = false;
			for (size_t j = 0; j < k && !dup; j++)
				dup = out[j] == p[i].cert;
			if (!dup && !c->is_ca && is_issuance(c))
				out[k++] = p[i].cert;
		}
	}
	return k;
}

static ch_err gaps(ch_expo_run *x, const pair *p, size_t n)
{
	ch_exposure_result *r = x->r;
	size_t *list = malloc((r->num_certs + 1) * sizeof *list);
	ch_err err = CH_OK;

	if (!list)
		return nomem();
	for (size_t i = 0; !err && i < r->num_names && r->num_gaps < MAX_GAPS; i++) {
		size_t k = certs_covering(r, p, n, r->names[i].name, list, r->num_certs), cover;
		int64_t until;
		if (k < 2)
			continue;
		qsort_r(list, k, sizeof *list, cmp_by_nb, r);
		cover = list[0];
		until = r->certs[cover].not_after;
		for (size_t j = 1; !err && j < k; j++) {
			const ch_exposure_cert *c = &r->certs[list[j]];
			if (c->not_before - until > GAP_MIN && r->num_gaps < MAX_GAPS) {
				ch_exposure_gap *a = realloc(r->gaps, (r->num_gaps + 1) * sizeof *a);
				if (!a) {
					err = nomem();
					break;
				}
				r->gaps = a;
				a[r->num_gaps] = (ch_exposure_gap){ch_exposure__strdup(r->names[i].name, &err),
								   until, c->not_before, cover, list[j]};
				r->num_gaps++;
			}
			if (c->not_after > until) {
				until = c->not_after;
				cover = list[j];
			}
		}
	}
	free(list);
	return err;
}

/* ---- CAs over time ------------------------------------------------------------------------- */

static int month_of(int64_t t)
{
	int y, m, d, hh, mm, ss;

	ch_time_to_civil(t, &y, &m, &d, &hh, &mm, &ss);
	return y * 12 + (m - 1);
}

static int cmp_pair_only(const void *a, const void *b)
{
	return cmp_pair(a, b);
}

static int cmp_ca(const void *a, const void *b)
{
	const ch_exposure_ca *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	if (x->first_seen != y->first_seen)
		return x->first_seen < y->first_seen ? -1 : 1;
	return strcmp(x->issuer, y->issuer);
}

static ch_err cas(ch_expo_run *x)
{
	ch_exposure_result *r = x->r;
	pair *p = malloc((r->num_certs + 1) * sizeof *p);
	size_t n = 0;
	int mlo = 0, mhi = 0;
	ch_err err = CH_OK;

	if (!p)
		return nomem();
	for (size_t i = 0; i < r->num_certs; i++) {
		const ch_exposure_cert *c = &r->certs[i];
		int m = month_of(c->not_before);
		if (!is_issuance(c))
			continue;
		p[n++] = (pair){c->issuer, i};
		if (n == 1 || m < mlo)
			mlo = m;
		if (n == 1 || m > mhi)
			mhi = m;
	}
	if (n && mhi - mlo + 1 > MAX_MONTHS)
		mlo = mhi - MAX_MONTHS + 1;
	r->month0 = mlo;
	r->num_months = n ? (size_t)(mhi - mlo + 1) : 0;
	if (n)
		qsort(p, n, sizeof *p, cmp_pair_only);
	for (size_t lo = 0, hi; !err && lo < n; lo = hi) {
		ch_exposure_ca *a, *e;
		hi = lo + 1;
		while (hi < n && !strcmp(p[hi].s, p[lo].s))
			hi++;
		if (!(a = realloc(r->cas, (r->num_cas + 1) * sizeof *a))) {
			err = nomem();
			break;
		}
		r->cas = a;
		e = &a[r->num_cas++];
		memset(e, 0, sizeof *e);
		e->issuer = ch_exposure__strdup(p[lo].s, &err);
		e->name = ch_exposure__strdup(r->certs[p[lo].cert].issuer_name, &err);
		if (!(e->per_month = calloc(r->num_months ? r->num_months : 1, sizeof *e->per_month))) {
			err = nomem();
			break;
		}
		for (size_t k = lo; k < hi; k++) {
			const ch_exposure_cert *c = &r->certs[p[k].cert];
			int m = month_of(c->not_before);
			e->count++;
			if (k == lo || c->not_before < e->first_seen)
				e->first_seen = c->not_before;
			if (k == lo || c->not_before > e->last_seen)
				e->last_seen = c->not_before;
			if (m >= mlo)
				e->per_month[m - mlo]++;
		}
		e->is_new = e->first_seen >= r->now - (int64_t)x->o.new_ca_days * DAY;
	}
	free(p);
	if (!err && r->num_cas > 1)
		qsort(r->cas, r->num_cas, sizeof *r->cas, cmp_ca);
	return err;
}

/* ---- naming conventions -------------------------------------------------------------------- */

static ch_err count_add(ch_exposure_count **arr, size_t *n, const char *v, const char *example)
{
	ch_exposure_count *a;
	ch_err err = CH_OK;

	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*arr)[i].value, v)) {
			(*arr)[i].count++;
			return CH_OK;
		}
	if (!(a = realloc(*arr, (*n + 1) * sizeof *a)))
		return nomem();
	*arr = a;
	a[*n] = (ch_exposure_count){ch_exposure__strdup(v, &err), 1,
				    ch_exposure__strdup(example, &err)};
	(*n)++;
	return err;
}

static int cmp_count(const void *a, const void *b)
{
	const ch_exposure_count *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return strcmp(x->value, y->value);
}

/* shape: the first label with digit runs as '#', then the rest ("web01.x.com" -> "web#.x.com");
 * false when the first label has no digit (no numbering convention to show). */
static bool shape(char *out, size_t cap, const char *name)
{
	size_t k = 0;
	bool digit = false;
	const char *p = name;

	for (; *p && *p != '.' && k + 2 < cap; p++) {
		bool d = isdigit((unsigned char)*p);
		if (!d)
			out[k++] = *p;
		else if (!digit)
			out[k++] = '#';
		digit = d;
	}
	out[k] = '\0';
	if (!strchr(out, '#'))
		return false;
	snprintf(out + k, cap - k, "%s", p);
	return true;
}

static ch_err naming(ch_expo_run *x)
{
	ch_exposure_result *r = x->r;
	char pat[CH_NAME_BUF];
	ch_err err = CH_OK;

	for (size_t i = 0; !err && i < r->num_certs; i++) {
		const ch_exposure_cert *c = &r->certs[i];
		if (!is_issuance(c))
			continue;
		if (c->subject_o)
			err = count_add(&r->orgs, &r->num_orgs, c->subject_o, NULL);
		if (!err && c->subject_ou)
			err = count_add(&r->org_units, &r->num_org_units, c->subject_ou, NULL);
	}
	for (size_t i = 0; !err && i < r->num_names; i++) {
		const ch_exposure_name *nm = &r->names[i];
		if (nm->wildcard) {
			err = count_add(&r->wildcards, &r->num_wildcards, nm->name, NULL);
			if (!err)
				r->wildcards[r->num_wildcards - 1].count = nm->certs;
		} else if (shape(pat, sizeof pat, nm->name)) {
			err = count_add(&r->patterns, &r->num_patterns, pat, nm->name);
		}
	}
	/* a pattern with one member is not a convention */
	for (size_t i = 0; !err && i < r->num_patterns;) {
		if (r->patterns[i].count < 2) {
			free(r->patterns[i].value);
			free(r->patterns[i].example);
			r->patterns[i] = r->patterns[--r->num_patterns];
		} else {
			i++;
		}
	}
	if (r->num_orgs > 1)
		qsort(r->orgs, r->num_orgs, sizeof *r->orgs, cmp_count);
	if (r->num_org_units > 1)
		qsort(r->org_units, r->num_org_units, sizeof *r->org_units, cmp_count);
	if (r->num_wildcards > 1)
		qsort(r->wildcards, r->num_wildcards, sizeof *r->wildcards, cmp_count);
	if (r->num_patterns > 1)
		qsort(r->patterns, r->num_patterns, sizeof *r->patterns, cmp_count);
	return err;
}

/* ---- key reuse ----------------------------------------------------------------------------- */

static int cmp_spki(const void *a, const void *b, void *arg)
{
	const ch_exposure_result *r = arg;
	const ch_exposure_cert *x = &r->certs[*(const size_t *)a];
	const ch_exposure_cert *y = &r->certs[*(const size_t *)b];
	int c = memcmp(x->spki, y->spki, 32);

	return c ? c : (*(const size_t *)a > *(const size_t *)b) - (*(const size_t *)a < *(const size_t *)b);
}

static bool share_name(const ch_exposure_cert *a, const ch_exposure_cert *b)
{
	for (size_t i = 0; i < a->num_names; i++)
		for (size_t k = 0; k < b->num_names; k++)
			if (!strcmp(a->names[i], b->names[k]))
				return true;
	return false;
}

static size_t uf_find(size_t *up, size_t i)
{
	while (up[i] != i)
		i = up[i] = up[up[i]];
	return i;
}

/* groups counts the sets of certificates connected by shared names among idx[0..n). */
static size_t groups(const ch_exposure_result *r, const size_t *idx, size_t n, size_t *up)
{
	size_t g = 0;

	for (size_t i = 0; i < n; i++)
		up[i] = i;
	for (size_t i = 0; i < n; i++)
		for (size_t k = i + 1; k < n; k++)
			if (uf_find(up, i) != uf_find(up, k) &&
			    share_name(&r->certs[idx[i]], &r->certs[idx[k]]))
				up[uf_find(up, i)] = uf_find(up, k);
	for (size_t i = 0; i < n; i++)
		g += uf_find(up, i) == i;
	return g;
}

static ch_err reuse(ch_expo_run *x)
{
	ch_exposure_result *r = x->r;
	size_t *idx = malloc((r->num_certs + 1) * sizeof *idx), *up = malloc(MAX_REUSE_GROUP * sizeof *up);
	size_t n = 0;
	ch_err err = CH_OK;

	if (!idx || !up) {
		err = nomem();
		goto out;
	}
	for (size_t i = 0; i < r->num_certs; i++)
		if (!r->certs[i].is_ca)
			idx[n++] = i;
	if (n)
		qsort_r(idx, n, sizeof *idx, cmp_spki, r);
	for (size_t lo = 0, hi; !err && lo < n; lo = hi) {
		size_t g;
		hi = lo + 1;
		while (hi < n && !memcmp(r->certs[idx[hi]].spki, r->certs[idx[lo]].spki, 32))
			hi++;
		if (hi - lo < 2 || hi - lo > MAX_REUSE_GROUP || (g = groups(r, idx + lo, hi - lo, up)) < 2)
			continue;
		ch_exposure_reuse *a = realloc(r->reuse, (r->num_reuse + 1) * sizeof *a);
		if (!a) {
			err = nomem();
			break;
		}
		r->reuse = a;
		a[r->num_reuse] = (ch_exposure_reuse){.groups = g};
		memcpy(a[r->num_reuse].spki, r->certs[idx[lo]].spki, 32);
		if (!(a[r->num_reuse].certs = malloc((hi - lo) * sizeof(size_t)))) {
			err = nomem();
			break;
		}
		memcpy(a[r->num_reuse].certs, idx + lo, (hi - lo) * sizeof(size_t));
		a[r->num_reuse].num_certs = hi - lo;
		r->num_reuse++;
	}
out:
	free(idx);
	free(up);
	return err;
}

/* ---- weak keys and signatures --------------------------------------------------------------- */

typedef struct weak_ctx {
	ch_exposure_result *r;
	size_t cert;
} weak_ctx;

static ch_err add_weak(void *arg, const char *reason)
{
	weak_ctx *w = arg;
	ch_exposure_weak *a = realloc(w->r->weak, (w->r->num_weak + 1) * sizeof *a);
	ch_err err = CH_OK;

	if (!a)
		return nomem();
	w->r->weak = a;
	a[w->r->num_weak].cert = w->cert;
	a[w->r->num_weak].reason = ch_exposure__strdup(reason, &err);
	w->r->num_weak++;
	return err;
}

static ch_err weak(ch_expo_run *x)
{
	ch_err err = CH_OK;

	for (size_t i = 0; !err && i < x->r->num_certs; i++) {
		weak_ctx w = {x->r, i};
		if (is_issuance(&x->r->certs[i]))
			err = ch_exposure__weak(x->kb, &x->r->certs[i], add_weak, &w);
	}
	return err;
}

ch_err ch_exposure__analyse(ch_expo_run *x)
{
	pair *p = NULL;
	size_t n = 0;
	ch_err err = CH_OK;

	CH_TRY(build_pairs(x, &p, &n, false));
	CH_TRY(names_and_leaks(x, p, n));
	CH_TRY(ip_leaks(x));
	if (x->r->num_leaks > 1)
		qsort(x->r->leaks, x->r->num_leaks, sizeof *x->r->leaks, cmp_leak);
	CH_TRY(expiry(x));
	sort_expiring(x->r);
	/* the names are still in pair (strcmp) order here: gaps looks them up in p */
	CH_TRY(gaps(x, p, n));
	if (x->r->num_names > 1)
		qsort(x->r->names, x->r->num_names, sizeof *x->r->names, cmp_name);
	CH_TRY(cas(x));
	CH_TRY(naming(x));
	CH_TRY(reuse(x));
	CH_TRY(weak(x));
out:
	free(p);
	return err;
}
