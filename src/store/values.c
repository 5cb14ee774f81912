/* store values: the backend-neutral list of (attribute, text) values derived from one
 * certificate. Every backend indexes exactly these, so search and pivot mean the same thing
 * whatever the backend. */
#include "internal.h"

#include <certhound/util.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ch_err push(ch_store__vals *v, ch_store_attr attr, const char *text)
{
	ch_store__val *nv;

	if (!text || !*text)
		return CH_OK;
	if (v->n == v->cap) {
		size_t cap = v->cap ? v->cap * 2 : 64;
		if (cap > 4 * CH_CERT_MAX_ITEMS)
			return ch_error_set(CH_ERR_LIMIT, "store: too many values in one certificate");
		nv = realloc(v->v, cap * sizeof *nv);
		if (!nv)
			return ch_error_set(CH_ERR_NOMEM, "out of memory deriving values");
		v->v = nv;
		v->cap = cap;
	}
	v->v[v->n].attr = attr;
	v->v[v->n].text = text;
	v->n++;
	return CH_OK;
}

/* scratch_put copies n bytes (lower-cased when asked) into the pre-sized scratch area and
 * returns the stable copy. The caller sized the area first, so it never moves. */
static const char *scratch_put(ch_store__vals *v, const char *s, size_t n, bool lower)
{
	char *p;

	if (v->scratch_len + n + 1 > v->scratch_cap)
		return NULL;
	p = v->scratch + v->scratch_len;
	for (size_t i = 0; i < n; i++)
		p[i] = lower ? (char)tolower((unsigned char)s[i]) : s[i];
	p[n] = '\0';
	v->scratch_len += n + 1;
	return p;
}

static const char *key_type_name(ch_key_type t)
{
	switch (t) {
	case CH_KEY_RSA: return "rsa";
	case CH_KEY_EC: return "ec";
	case CH_KEY_ED25519: return "ed25519";
	case CH_KEY_ED448: return "ed448";
	case CH_KEY_DSA: return "dsa";
	case CH_KEY_OTHER: break;
	}
	return "other";
}

static ch_err dn_values(ch_store__vals *v, const ch_dn *dn, ch_attr_id id, ch_store_attr attr)
{
	ch_err err = CH_OK;

	for (size_t i = 0; i < dn->num_attrs && !err; i++)
		if (dn->attrs[i].id == id)
			err = push(v, attr, dn->attrs[i].value.s);
	return err;
}

static ch_err hex_value(ch_store__vals *v, ch_store_attr attr, const uint8_t *d, size_t n)
{
	char hex[65];

	ch_hex_encode(hex, d, n);
	return push(v, attr, scratch_put(v, hex, 2 * n, false));
}

static size_t scratch_need(const ch_cert *c)
{
	size_t need = 4 * 65 + 64;

	for (size_t i = 0; i < c->san.num_email; i++)
		need += c->san.email[i].len + 1;
	for (size_t i = 0; i < c->subject.num_attrs; i++)
		if (c->subject.attrs[i].id == CH_ATTR_EMAIL)
			need += c->subject.attrs[i].value.len + 1;
	return need;
}

static ch_err emails(ch_store__vals *v, const ch_cert *c)
{
	ch_err err = CH_OK;

	for (size_t i = 0; i < c->san.num_email && !err; i++)
		err = push(v, CH_SA_EMAIL, scratch_put(v, c->san.email[i].s, c->san.email[i].len, true));
	for (size_t i = 0; i < c->subject.num_attrs && !err; i++)
		if (c->subject.attrs[i].id == CH_ATTR_EMAIL)
			err = push(v, CH_SA_EMAIL,
				   scratch_put(v, c->subject.attrs[i].value.s,
					       c->subject.attrs[i].value.len, true));
	return err;
}

static ch_err key_values(ch_store__vals *v, const ch_cert *c)
{
	char lab[48];
	const char *type = key_type_name(c->key.type);
	ch_err err = push(v, CH_SA_KEY, type);

	if (err || !c->key.bits)
		return err;
	snprintf(lab, sizeof lab, "%s-%u", type, c->key.bits);
	return push(v, CH_SA_KEY, scratch_put(v, lab, strlen(lab), false));
}

static int val_cmp(const void *a, const void *b)
{
	const ch_store__val *x = a, *y = b;

	if (x->attr != y->attr)
		return (int)x->attr - (int)y->attr;
	return strcmp(x->text, y->text);
}

/* unique sorts the derived values and drops repeats (a name twice, equal OUs...). */
static void unique(ch_store__vals *v)
{
	size_t o = 0;

	qsort(v->v, v->n, sizeof *v->v, val_cmp);
	for (size_t i = 0; i < v->n; i++)
		if (o == 0 || val_cmp(&v->v[o - 1], &v->v[i]) != 0)
			v->v[o++] = v->v[i];
	v->n = o;
}

ch_err ch_store__derive(ch_store__vals *v, const ch_store_put *p)
{
	const ch_cert *c = p->cert;
	size_t need = scratch_need(c);
	ch_err err = CH_OK;

	v->n = 0;
	v->scratch_len = 0;
	if (need > v->scratch_cap) {
		char *s = realloc(v->scratch, need);
		if (!s)
			return ch_error_set(CH_ERR_NOMEM, "out of memory deriving values");
		v->scratch = s;
		v->scratch_cap = need;
	}
	for (size_t i = 0; i < p->num_names; i++)
		CH_TRY(push(v, CH_SA_NAME, p->names[i]));
	for (size_t i = 0; i < p->num_domains; i++)
		CH_TRY(push(v, CH_SA_DOMAIN, p->domains[i]));
	for (size_t i = 0; i < c->san.num_ip; i++)
		CH_TRY(push(v, CH_SA_IP, c->san.ip[i].s));
	for (size_t i = 0; i < c->san.num_uri; i++)
		CH_TRY(push(v, CH_SA_URI, c->san.uri[i].s));
	CH_TRY(emails(v, c));
	CH_TRY(push(v, CH_SA_SERIAL, c->serial_hex));
	CH_TRY(hex_value(v, CH_SA_SPKI, c->spki_sha256, 32));
	CH_TRY(hex_value(v, CH_SA_TBS, p->tbs_sha256 ? p->tbs_sha256 : c->tbs_sha256, 32));
	CH_TRY(push(v, CH_SA_JA4X, c->ja4x));
	CH_TRY(push(v, CH_SA_ISSUER_DN, c->issuer.text));
	CH_TRY(push(v, CH_SA_SUBJECT_DN, c->subject.text));
	CH_TRY(dn_values(v, &c->issuer, CH_ATTR_O, CH_SA_ISSUER_O));
	CH_TRY(dn_values(v, &c->issuer, CH_ATTR_CN, CH_SA_ISSUER_CN));
	CH_TRY(dn_values(v, &c->subject, CH_ATTR_O, CH_SA_SUBJECT_O));
	CH_TRY(dn_values(v, &c->subject, CH_ATTR_OU, CH_SA_SUBJECT_OU));
	CH_TRY(dn_values(v, &c->subject, CH_ATTR_CN, CH_SA_SUBJECT_CN));
	if (c->is_ca)
		CH_TRY(push(v, CH_SA_FLAG, "ca"));
	if (c->self_signed)
		CH_TRY(push(v, CH_SA_FLAG, "self-signed"));
	if (c->precert)
		CH_TRY(push(v, CH_SA_FLAG, "precert"));
	CH_TRY(key_values(v, c));
	CH_TRY(push(v, CH_SA_SIG, c->sig_alg));
	unique(v);
out:
	return err;
}

ch_err ch_store_derived_new(ch_store_derived **out)
{
	if (!(*out = calloc(1, sizeof **out)))
		return ch_error_set(CH_ERR_NOMEM, "out of memory deriving values");
	return CH_OK;
}

void ch_store_derived_free(ch_store_derived *v)
{
	if (!v)
		return;
	ch_store__vals_free(v);
	free(v);
}

ch_err ch_store_derive(ch_store_derived *v, const ch_store_put *p)
{
	if (!v || !p || !p->cert)
		return ch_error_set(CH_ERR_INVALID, "store: nothing to derive values from");
	return ch_store__derive(v, p);
}

void ch_store__vals_free(ch_store__vals *v)
{
	free(v->v);
	free(v->scratch);
	memset(v, 0, sizeof *v);
}
