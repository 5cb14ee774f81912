/* pivot seeds: text seeds classified and normalised, resolved to the certificates carrying them
 * (depth 0), and certificate seeds decoded (stored or not). */
#include "internal.h"

#include <certhound/filter.h>
#include <certhound/util.h>
#include <certhound/x509.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a seed prefix means. */
typedef struct seed_kind {
	const char *prefix;
	ch_field field;       /* search field for the value */
	ch_store_attr attr;   /* the value as a graph node */
	int norm;             /* 0 text as-is, 1 host name, 2 hex, 3 serial, 4 lower text */
	bool cert_seed;       /* the certificates found are seeds themselves */
} seed_kind;

static const seed_kind kinds[] = {
	{"domain", CH_FIELD_DOMAIN, CH_SA_DOMAIN, 1, false},
	{"name", CH_FIELD_NAME, CH_SA_NAME, 1, false},
	{"ip", CH_FIELD_IP, CH_SA_IP, 1, false},
	{"sha256", CH_FIELD_SHA256, (ch_store_attr)0, 2, true},
	{"sha1", CH_FIELD_SHA1, (ch_store_attr)0, 2, true},
	{"serial", CH_FIELD_SERIAL, CH_SA_SERIAL, 3, false},
	{"spki", CH_FIELD_SPKI, CH_SA_SPKI, 2, false},
	{"tbs", CH_FIELD_TBS, CH_SA_TBS, 2, false},
	{"ja4x", CH_FIELD_JA4X, CH_SA_JA4X, 4, false},
	{"issuer.o", CH_FIELD_ISSUER_O, CH_SA_ISSUER_O, 0, false},
	{"issuer.cn", CH_FIELD_ISSUER_CN, CH_SA_ISSUER_CN, 0, false},
	{"subject.o", CH_FIELD_SUBJECT_O, CH_SA_SUBJECT_O, 0, false},
	{"subject.ou", CH_FIELD_SUBJECT_OU, CH_SA_SUBJECT_OU, 0, false},
	{"subject.cn", CH_FIELD_SUBJECT_CN, CH_SA_SUBJECT_CN, 0, false},
	{"email", CH_FIELD_EMAIL, CH_SA_EMAIL, 4, false},
	{"issuer", CH_FIELD_ISSUER, CH_SA_ISSUER_DN, 0, false},
	{"subject", CH_FIELD_SUBJECT, CH_SA_SUBJECT_DN, 0, false},
};

static ch_err seed_push(ch_pivot *p, ch_pivot_seed **out, const char *text, const char *kind,
			const char *value)
{
	ch_pivot_result *r = p->res;
	ch_pivot_seed *s;
	ch_err err = ch_pivot__grow((void **)&r->seeds, &p->cap_seeds, r->num_seeds, sizeof *r->seeds);

	if (err)
		return err;
	s = &r->seeds[r->num_seeds++];
	s->text = ch_pivot__strdup(text);
	s->kind = ch_pivot__strdup(kind);
	s->value = ch_pivot__strdup(value);
	if (!s->text || !s->kind || (value && !s->value))
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	*out = s;
	return CH_OK;
}

static bool all_hex(const char *s)
{
	for (; *s; s++)
		if (!isxdigit((unsigned char)*s))
			return false;
	return true;
}

/* normalise writes the canonical form of a seed value into out (cap bytes); false if invalid. */
static bool normalise(char *out, size_t cap, const char *v, int how, int *out_name_kind)
{
	size_t n = 0;

	switch (how) {
	case 1:
		if (ch_name_normalize(out, v, strlen(v)) != CH_OK)
			return false;
		*out_name_kind = (int)ch_name_classify(out);
		return *out_name_kind != CH_NAME_NOT_HOST;
	case 2:
	case 3:
		if ((v[0] == '0') && (v[1] == 'x' || v[1] == 'X') && how == 3)
			v += 2;
		for (; *v && n + 1 < cap; v++)
			if (*v != ':' && *v != ' ')
				out[n++] = (char)tolower((unsigned char)*v);
		out[n] = '\0';
		if (!n || !all_hex(out))
			return false;
		if (how == 3) { /* serial: no leading zero bytes, as ch_cert.serial_hex */
			size_t k = 0;
			if (n % 2) {
				memmove(out + 1, out, n + 1);
				out[0] = '0';
				n++;
			}
			while (k + 2 < n && out[k] == '0' && out[k + 1] == '0')
				k += 2;
			memmove(out, out + k, n - k + 1);
		}
		return true;
	case 4:
		snprintf(out, cap, "%s", v);
		for (char *q = out; *q; q++)
			*q = (char)tolower((unsigned char)*q);
		return *out != '\0';
	default:
		snprintf(out, cap, "%s", v);
		return *out != '\0';
	}
}

static ch_err mark_seed_value(ch_pivot *p, const char *kind, const char *value)
{
	char key[CH_PIVOT_MAX_SEED_LEN + 64];

	snprintf(key, sizeof key, "%s\x1f%s", kind, value);
	return ch_pivot__map_put(&p->seed_vals, key, 1);
}

/* resolve_value finds the certificates carrying a seed value: depth-0 certificates, or seed
 * certificates for fingerprint seeds. */
static ch_err resolve_value(ch_pivot *p, ch_pivot_seed *s, const seed_kind *k, const char *value)
{
	ch_filter term = {.op = CH_FILTER_TERM, .field = k->field, .cmp = CH_CMP_EQ,
			  .text = (char *)value};
	ch_store_page *page = NULL;
	const char *pattern = NULL, *reason;
	char serial[600], *slash;
	uint64_t count = 0;
	ch_err err = CH_OK;
	bool fresh;
	size_t idx;

	if (k->field == CH_FIELD_SHA256 || k->field == CH_FIELD_SHA1)
		term.cmp = strlen(value) == (k->field == CH_FIELD_SHA256 ? 64u : 40u) ? CH_CMP_EQ : CH_CMP_PREFIX;
	if (k->attr && (reason = ch_pivot_kb_match(p->kb, k->attr, value, &pattern))) {
		char detail[512];
		snprintf(detail, sizeof detail, "seed matches rule '%s'", pattern);
		CH_TRY(ch_store_count(p->store, &count, &term));
		s->certs = count;
		CH_TRY(ch_pivot__suppress(p, s->kind, value, reason, detail, s->text, count));
		goto out;
	}
	if (k->attr == CH_SA_SERIAL && (slash = strchr(value, '/'))) {
		snprintf(serial, sizeof serial, "%s", value);
		CH_TRY(ch_store_rarity(p->store, &count, CH_SA_SERIAL_ISSUER, serial));
		CH_TRY(ch_store_certs_with(p->store, &page, CH_SA_SERIAL_ISSUER, serial,
					   p->o.max_certs_per_value, NULL));
	} else {
		CH_TRY(ch_store_count(p->store, &count, &term));
		CH_TRY(ch_store_search(p->store, &page, &term, p->o.max_certs_per_value, NULL));
	}
	s->certs = count;
	if (!count && !(s->error = strdup("no certificate in the store carries it")))
		CH_TRY(ch_error_set(CH_ERR_NOMEM, "out of memory"));
	if (page->cursor[0])
		CH_TRY(ch_pivot__bound(p, PV_BOUND_PER_VALUE, "seed %s: followed %zu of %llu certificates",
				       s->text, page->num_items, (unsigned long long)count));
	for (size_t i = 0; i < page->num_items; i++) {
		char sha[65];
		ch_hex_encode(sha, page->items[i].sha256, 32);
		CH_TRY(ch_pivot__cert_add(p, &idx, sha, 0, &fresh));
		if (idx == PV_NO_CERT)
			break;
		if (k->cert_seed) {
			p->certs[idx].seed = true;
			CH_TRY(mark_seed_value(p, "cert", sha));
			continue;
		}
		CH_TRY(ch_pivot__edge_add(p, idx, PV_NO_CERT, 0, s->text, s->kind, value, count, 1.0));
	}
out:
	ch_store_page_free(page);
	return err;
}

static ch_err text_seed(ch_pivot *p, const char *text)
{
	const seed_kind *k = NULL;
	const char *colon = strchr(text, ':'), *v = text;
	char norm[CH_PIVOT_MAX_SEED_LEN + 8], kind[32];
	ch_pivot_seed *s;
	int name_kind = 0;
	ch_err err = CH_OK;

	for (size_t i = 0; colon && i < sizeof kinds / sizeof kinds[0]; i++)
		if (strlen(kinds[i].prefix) == (size_t)(colon - text) &&
		    !strncasecmp(text, kinds[i].prefix, (size_t)(colon - text))) {
			k = &kinds[i];
			v = colon + 1;
		}
	if (!k) { /* a bare value: fingerprint, IP or host name */
		size_t n = strlen(text);
		if ((n == 64 || n == 40) && all_hex(text))
			k = &kinds[n == 64 ? 3 : 4];
		else if (normalise(norm, sizeof norm, text, 1, &name_kind))
			k = &kinds[name_kind == CH_NAME_IPV4 || name_kind == CH_NAME_IPV6 ? 2 : 1];
		if (k == &kinds[1]) {
			const char *rd = ch_names_registered_domain(p->names, norm);
			if (rd && !strcmp(rd, norm))
				k = &kinds[0];
		}
	}
	if (!k) {
		CH_TRY(seed_push(p, &s, text, "unknown", NULL));
		if (!(s->error = strdup("not a seed: use KIND:VALUE (docs/pivot.md) or a certificate file")))
			err = ch_error_set(CH_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (k->attr == CH_SA_SERIAL && strchr(v, '/')) {
		/* serial with its issuer DN: "HEX/DN" */
		const char *slash = strchr(v, '/');
		char hex[300];
		snprintf(hex, sizeof hex, "%.*s", (int)(slash - v) < 290 ? (int)(slash - v) : 290, v);
		if (!normalise(norm, sizeof norm, hex, 3, &name_kind))
			goto bad;
		snprintf(norm + strlen(norm), sizeof norm - strlen(norm), "%s", slash);
		snprintf(kind, sizeof kind, "serial+issuer");
	} else {
		if (!normalise(norm, sizeof norm, v, k->norm, &name_kind))
			goto bad;
		snprintf(kind, sizeof kind, "%s", k->prefix);
	}
	CH_TRY(seed_push(p, &s, text, kind, norm));
	if (k->attr)
		CH_TRY(mark_seed_value(p, kind, norm));
	if (k->attr && !ch_pivot__visit(p, ch_store_attr_name(k->attr), norm, &err) && err)
		goto out;
	err = resolve_value(p, s, k, norm);
	goto out;
bad:
	CH_TRY(seed_push(p, &s, text, k->prefix, NULL));
	if (!(s->error = strdup("malformed value")))
		err = ch_error_set(CH_ERR_NOMEM, "out of memory");
out:
	return err;
}

/* value_push appends one value of a certificate seed, with its store count + 1 (the seed). */
static ch_err value_push(ch_pivot *p, ch_pv_cert *c, size_t *cap, ch_store_attr a, const char *text)
{
	ch_store_value *v;
	uint64_t n = 0;
	ch_err err;

	if (!text || !*text)
		return CH_OK;
	if ((err = ch_pivot__grow((void **)&c->vals, cap, c->num_vals, sizeof *c->vals)) != CH_OK)
		return err;
	if (a == CH_SA_IP)
		err = ch_pivot__ip_count(p, &n, text);
	else
		err = ch_store_rarity(p->store, &n, a, text);
	if (err)
		return err;
	v = &c->vals[c->num_vals];
	v->attr = a;
	v->count = n + 1;
	if (!(v->text = strdup(text)))
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	c->num_vals++;
	return CH_OK;
}

static ch_err dn_push(ch_pivot *p, ch_pv_cert *c, size_t *cap, const ch_dn *dn, ch_attr_id id,
		      ch_store_attr a)
{
	ch_err err = CH_OK;

	for (size_t i = 0; i < dn->num_attrs && !err; i++)
		if (dn->attrs[i].id == id)
			err = value_push(p, c, cap, a, dn->attrs[i].value.s);
	return err;
}

/* virtual_cert makes a seed node for a certificate that is not stored, from its own values. */
static ch_err virtual_cert(ch_pivot *p, const ch_cert *x, const char *sha, const char *label)
{
	const ch_cert_names *cn = NULL;
	ch_pv_cert *c;
	size_t idx, cap = 0;
	bool fresh;
	char hex[65], *si = NULL;
	ch_err err = CH_OK;

	CH_TRY(ch_pivot__cert_add(p, &idx, sha, 0, &fresh));
	if (idx == PV_NO_CERT || !fresh)
		goto out;
	c = &p->certs[idx];
	c->seed = true;
	c->loaded = true;
	c->label = strdup(label);
	c->issuer = strdup(x->issuer.text);
	c->not_before = x->not_before;
	c->not_after = x->not_after;
	if (!c->label || !c->issuer)
		CH_TRY(ch_error_set(CH_ERR_NOMEM, "out of memory"));
	CH_TRY(ch_names_of_cert(p->names, x, &cn));
	for (size_t i = 0; i < cn->num_names; i++)
		CH_TRY(value_push(p, c, &cap, CH_SA_NAME, cn->names[i]));
	for (size_t i = 0; i < cn->num_registered_domains; i++)
		CH_TRY(value_push(p, c, &cap, CH_SA_DOMAIN, cn->registered_domains[i]));
	for (size_t i = 0; i < x->san.num_ip; i++)
		CH_TRY(value_push(p, c, &cap, CH_SA_IP, x->san.ip[i].s));
	for (size_t i = 0; i < x->san.num_email; i++)
		CH_TRY(value_push(p, c, &cap, CH_SA_EMAIL, x->san.email[i].s));
	if (!(si = malloc(strlen(x->serial_hex) + strlen(x->issuer.text) + 2)))
		CH_TRY(ch_error_set(CH_ERR_NOMEM, "out of memory"));
	sprintf(si, "%s/%s", x->serial_hex, x->issuer.text);
	CH_TRY(value_push(p, c, &cap, CH_SA_SERIAL_ISSUER, si));
	ch_hex_encode(hex, x->spki_sha256, 32);
	CH_TRY(value_push(p, c, &cap, CH_SA_SPKI, hex));
	ch_hex_encode(hex, x->tbs_sha256, 32);
	CH_TRY(value_push(p, c, &cap, CH_SA_TBS, hex));
	CH_TRY(value_push(p, c, &cap, CH_SA_JA4X, x->ja4x));
	CH_TRY(value_push(p, c, &cap, CH_SA_ISSUER_DN, x->issuer.text));
	CH_TRY(dn_push(p, c, &cap, &x->issuer, CH_ATTR_O, CH_SA_ISSUER_O));
	CH_TRY(dn_push(p, c, &cap, &x->issuer, CH_ATTR_CN, CH_SA_ISSUER_CN));
	CH_TRY(dn_push(p, c, &cap, &x->subject, CH_ATTR_O, CH_SA_SUBJECT_O));
	CH_TRY(dn_push(p, c, &cap, &x->subject, CH_ATTR_OU, CH_SA_SUBJECT_OU));
	CH_TRY(dn_push(p, c, &cap, &x->subject, CH_ATTR_EMAIL, CH_SA_EMAIL));
out:
	free(si);
	return err;
}

static ch_err cert_seed(ch_pivot *p, const ch_pv_seed_in *in, ch_cert *x)
{
	ch_store_record *rec = NULL;
	ch_pivot_seed *s;
	char sha[65];
	size_t idx;
	bool fresh;
	ch_err err;

	if (ch_cert_parse(x, in->der, in->der_len, CH_PARSE_ALL) != CH_OK) {
		CH_TRY(seed_push(p, &s, in->text, "cert", NULL));
		if (!(s->error = strdup(ch_error_last())))
			err = ch_error_set(CH_ERR_NOMEM, "out of memory");
		goto out;
	}
	ch_hex_encode(sha, x->sha256, 32);
	CH_TRY(seed_push(p, &s, in->text, "cert", sha));
	CH_TRY(mark_seed_value(p, "cert", sha));
	err = ch_store_get(p->store, &rec, sha);
	if (err == CH_OK) {
		s->certs = 1;
		CH_TRY(ch_pivot__cert_add(p, &idx, sha, 0, &fresh));
		if (idx != PV_NO_CERT)
			p->certs[idx].seed = true;
	} else if (err == CH_ERR_NOTFOUND) {
		err = virtual_cert(p, x, sha, in->text);
	}
out:
	ch_store_record_free(rec);
	return err;
}

ch_err ch_pivot__seeds(ch_pivot *p)
{
	ch_cert *x = NULL;
	ch_err err = CH_OK;

	for (size_t i = 0; i < p->num_in && !err; i++) {
		if (p->in[i].der) {
			if (!x && (err = ch_cert_new(&x)) != CH_OK)
				break;
			err = cert_seed(p, &p->in[i], x);
		} else {
			err = text_seed(p, p->in[i].text);
		}
	}
	ch_cert_free(x);
	return err;
}
