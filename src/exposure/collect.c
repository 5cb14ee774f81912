/* exposure: the certificates of the subjects, read from the store page by page and loaded in
 * full (sightings for first/last seen and hosts, the decoded certificate for key, signature and
 * subject attributes). */
#include "internal.h"

#include <certhound/names.h>
#include <certhound/query.h>
#include <certhound/util.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COLLECT_PAGE 500

static ch_filter *term(ch_field field, const char *text)
{
	ch_filter *f = calloc(1, sizeof *f);

	if (f && !(f->text = strdup(text))) {
		free(f);
		f = NULL;
	}
	if (f) {
		f->op = CH_FILTER_TERM;
		f->field = field;
		f->cmp = CH_CMP_EQ;
	}
	return f;
}

/* subject_filter: the domain and every name below it, or the subject O. */
static ch_filter *subject_filter(const ch_exposure_subject *sj)
{
	return term(sj->kind == CH_EXPOSURE_DOMAIN ? CH_FIELD_NAME_UNDER : CH_FIELD_SUBJECT_O,
		    sj->value);
}

static ch_err strarr_add(char ***arr, size_t *n, const char *s, size_t max)
{
	char **a;

	for (size_t i = 0; i < *n; i++)
		if (!strcmp((*arr)[i], s))
			return CH_OK;
	if (*n >= max)
		return CH_OK;
	if (!(a = realloc(*arr, (*n + 1) * sizeof *a)) || !(a[*n] = strdup(s))) {
		if (a)
			*arr = a;
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	}
	*arr = a;
	(*n)++;
	return CH_OK;
}

static char *dn_first(const ch_dn *dn, ch_attr_id id, ch_err *err)
{
	const ch_str *v = ch_dn_get(dn, id, 0);

	return v ? ch_exposure__strdup(v->s, err) : NULL;
}

static char *issuer_name(const ch_cert *c, ch_err *err)
{
	const ch_str *o = ch_dn_get(&c->issuer, CH_ATTR_O, 0), *cn = ch_dn_get(&c->issuer, CH_ATTR_CN, 0);
	char buf[600];

	if (o && cn && !strstr(cn->s, o->s))
		snprintf(buf, sizeof buf, "%s %s", o->s, cn->s);
	else if (cn)
		snprintf(buf, sizeof buf, "%s", cn->s);
	else
		snprintf(buf, sizeof buf, "%s", o ? o->s : cn ? cn->s : c->issuer.text);
	return ch_exposure__strdup(buf, err);
}

static const char *key_type(ch_key_type t)
{
	switch (t) {
	case CH_KEY_RSA: return "rsa";
	case CH_KEY_EC: return "ec";
	case CH_KEY_ED25519: return "ed25519";
	case CH_KEY_ED448: return "ed448";
	case CH_KEY_DSA: return "dsa";
	default: return "other";
	}
}

/* fill makes one inventory entry from a loaded certificate. */
static ch_err fill(ch_exposure_cert *e, const ch_query_cert *qc, bool by_org)
{
	const ch_store_record *rec = qc->record;
	const ch_cert *c = qc->cert;
	char key[64];
	ch_err err = CH_OK;

	memcpy(e->sha256, c->sha256, 32);
	memcpy(e->spki, c->spki_sha256, 32);
	e->by_org = by_org;
	e->serial = ch_exposure__strdup(c->serial_hex, &err);
	e->subject = ch_exposure__strdup(c->subject.text, &err);
	e->issuer = ch_exposure__strdup(c->issuer.text, &err);
	e->issuer_name = issuer_name(c, &err);
	e->subject_o = dn_first(&c->subject, CH_ATTR_O, &err);
	e->subject_ou = dn_first(&c->subject, CH_ATTR_OU, &err);
	e->not_before = c->not_before;
	e->not_after = c->not_after;
	if (c->key.bits)
		snprintf(key, sizeof key, "%s-%u", key_type(c->key.type), c->key.bits);
	else
		snprintf(key, sizeof key, "%s", key_type(c->key.type));
	e->key = ch_exposure__strdup(key, &err);
	e->key_bits = c->key.bits;
	e->sig_alg = ch_exposure__strdup(c->sig_alg, &err);
	e->precert = c->precert;
	e->has_final = c->precert && rec->num_linked > 0;
	e->is_ca = c->is_ca;
	e->sightings = rec->total_sightings;
	e->first_seen = e->last_seen = 0;
	for (size_t i = 0; !err && i < rec->num_sightings; i++) {
		const ch_store_sighting *g = &rec->sightings[i];
		if (g->timestamp > 0) {
			if (!e->first_seen || g->timestamp < e->first_seen)
				e->first_seen = g->timestamp;
			if (g->timestamp > e->last_seen)
				e->last_seen = g->timestamp;
		}
		if (g->ip && *g->ip)
			err = strarr_add(&e->ips, &e->num_ips, g->ip, CH_EXPOSURE_MAX_IPS);
	}
	if (!e->first_seen)
		e->first_seen = e->last_seen = c->not_before;
	for (size_t i = 0; !err && i < qc->num_names; i++)
		err = strarr_add(&e->names, &e->num_names, qc->names[i].s, SIZE_MAX);
	for (size_t i = 0; !err && i < c->san.num_ip; i++)
		err = strarr_add(&e->san_ips, &e->num_san_ips, c->san.ip[i].s, CH_CERT_MAX_ITEMS);
	return err;
}

/* A set of the certificates loaded so far: open addressing on the SHA-256's first bytes,
 * slots hold index + 1. */
typedef struct cert_set {
	size_t *slot;
	size_t cap;
} cert_set;

static size_t slot_of(const uint8_t sha[32], size_t cap)
{
	uint64_t h;

	memcpy(&h, sha, 8);
	return (size_t)h & (cap - 1);
}

static int find_cert(const ch_exposure_result *r, const cert_set *cs, const uint8_t sha[32])
{
	for (size_t i = slot_of(sha, cs->cap); cs->cap && cs->slot[i]; i = (i + 1) & (cs->cap - 1))
		if (!memcmp(r->certs[cs->slot[i] - 1].sha256, sha, 32))
			return (int)(cs->slot[i] - 1);
	return -1;
}

/* set_add records certificate r->certs[idx], growing the table at half load. */
static ch_err set_add(cert_set *cs, const ch_exposure_result *r, size_t idx)
{
	if ((idx + 1) * 2 > cs->cap) {
		size_t cap = cs->cap ? cs->cap * 2 : 1024, *s = calloc(cap, sizeof *s);
		if (!s)
			return ch_error_set(CH_ERR_NOMEM, "out of memory");
		free(cs->slot);
		cs->slot = s;
		cs->cap = cap;
		for (size_t k = 0; k < idx; k++) {
			size_t i = slot_of(r->certs[k].sha256, cap);
			while (s[i])
				i = (i + 1) & (cap - 1);
			s[i] = k + 1;
		}
	}
	{
		size_t i = slot_of(r->certs[idx].sha256, cs->cap);
		while (cs->slot[i])
			i = (i + 1) & (cs->cap - 1);
		cs->slot[i] = idx + 1;
	}
	return CH_OK;
}

/* one_subject loads every certificate one subject brings in. */
static ch_err one_subject(ch_expo_run *x, ch_exposure_subject *sj, ch_query_cert *qc,
			  cert_set *cs)
{
	ch_exposure_result *r = x->r;
	ch_filter *f = subject_filter(sj);
	ch_store_page *pg = NULL;
	char after[CH_STORE_CURSOR_MAX] = "", hex[65];
	ch_err err = CH_OK;

	if (!f)
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	do {
		ch_store_page_free(pg);
		pg = NULL;
		CH_TRY(ch_store_search(x->store, &pg, f, COLLECT_PAGE, after));
		for (size_t i = 0; i < pg->num_items; i++) {
			int at = find_cert(r, cs, pg->items[i].sha256);
			ch_exposure_cert *a;
			sj->certs++;
			if (at >= 0) {
				r->certs[at].by_org |= sj->kind == CH_EXPOSURE_ORG;
				continue;
			}
			if (r->num_certs >= x->o.max_certs) {
				r->certs_truncated = true;
				goto out;
			}
			ch_hex_encode(hex, pg->items[i].sha256, 32);
			CH_TRY(ch_query_cert_load(qc, x->store, hex));
			if (!(a = realloc(r->certs, (r->num_certs + 1) * sizeof *a)))
				CH_TRY(ch_error_set(CH_ERR_NOMEM, "out of memory"));
			r->certs = a;
			memset(&a[r->num_certs], 0, sizeof *a);
			r->num_certs++;
			CH_TRY(fill(&a[r->num_certs - 1], qc, sj->kind == CH_EXPOSURE_ORG));
			CH_TRY(set_add(cs, r, r->num_certs - 1));
		}
		snprintf(after, sizeof after, "%s", pg->cursor);
	} while (after[0]);
out:
	ch_store_page_free(pg);
	ch_filter_free(f);
	return err;
}

static int cmp_cert(const void *a, const void *b)
{
	const ch_exposure_cert *x = a, *y = b;

	if (x->not_before != y->not_before)
		return x->not_before < y->not_before ? -1 : 1;
	return memcmp(x->sha256, y->sha256, 32);
}

ch_err ch_exposure__collect(ch_expo_run *x)
{
	ch_query_cert qc = {0};
	cert_set cs = {0};
	ch_err err = CH_OK;

	for (size_t i = 0; !err && i < x->r->num_subjects; i++)
		err = one_subject(x, &x->r->subjects[i], &qc, &cs);
	ch_query_cert_clear(&qc);
	free(cs.slot);
	if (!err && x->r->num_certs > 1)
		qsort(x->r->certs, x->r->num_certs, sizeof *x->r->certs, cmp_cert);
	return err;
}
