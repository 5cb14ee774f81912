/* exposure: the entry point — subjects, the run, freeing the result. */
#include "internal.h"

#include <certhound/names.h>
#include <certhound/util.h>

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#define SUBJECT_MAX 1024

/* parse_subject reads "domain:D", "org:O" or a bare subject into sj. */
static ch_err parse_subject(ch_exposure_subject *sj, const char *text)
{
	char norm[CH_NAME_BUF];
	const char *v = text;
	bool org = false, dom = false;
	ch_err err = CH_OK;

	if (!strncmp(text, "domain:", 7)) {
		v = text + 7;
		dom = true;
	} else if (!strncmp(text, "org:", 4)) {
		v = text + 4;
		org = true;
	}
	if (!*v || strlen(v) > SUBJECT_MAX)
		return ch_error_set(CH_ERR_INVALID, "subject '%.80s': empty or too long", text);
	if (!org && !dom) {
		org = !strchr(v, '.') || strchr(v, ' ');
		for (const char *p = v; !org && *p; p++)
			org = isupper((unsigned char)*p) != 0;
	}
	sj->kind = org ? CH_EXPOSURE_ORG : CH_EXPOSURE_DOMAIN;
	if (!org) {
		if (!strncmp(v, "*.", 2) || !strncmp(v, ".", 1))
			v += v[0] == '*' ? 2 : 1;
		if (ch_name_normalize(norm, v, strlen(v)) != CH_OK ||
		    ch_name_classify(norm) != CH_NAME_HOST)
			return ch_error_set(CH_ERR_INVALID, "subject '%.80s': not a domain name "
					    "(use org:NAME for an organisation)", text);
		v = norm;
	}
	sj->value = ch_exposure__strdup(v, &err);
	return err;
}

ch_err ch_exposure_run(ch_exposure_result **out, ch_store *s, const ch_exposure_kb *kb,
		       const char *const *subjects, size_t n, const ch_exposure_opts *opts)
{
	ch_expo_run x = {0};
	ch_exposure_kb *own = NULL;
	ch_err err = CH_OK;

	*out = NULL;
	if (!n || n > CH_EXPOSURE_MAX_SUBJECTS)
		return ch_error_set(CH_ERR_INVALID, "exposure: between 1 and %d subjects",
				    CH_EXPOSURE_MAX_SUBJECTS);
	if (!kb) {
		CH_TRY(ch_exposure_kb_load(&own, NULL, NULL, 0));
		kb = own;
	}
	x.store = s;
	x.kb = kb;
	if (opts)
		x.o = *opts;
	if (!x.o.now)
		x.o.now = ch_time_now();
	if (!x.o.new_ca_days)
		x.o.new_ca_days = 30;
	if (!x.o.max_certs)
		x.o.max_certs = CH_EXPOSURE_DEFAULT_MAX_CERTS;
	if (!(x.r = calloc(1, sizeof *x.r)) || !(x.r->subjects = calloc(n, sizeof *x.r->subjects)))
		CH_TRY(ch_error_set(CH_ERR_NOMEM, "out of memory"));
	x.r->now = x.o.now;
	for (size_t i = 0; i < n; i++) {
		CH_TRY(parse_subject(&x.r->subjects[i], subjects[i]));
		x.r->num_subjects++;
	}
	CH_TRY(ch_names_new(&x.names));
	CH_TRY(ch_exposure__collect(&x));
	CH_TRY(ch_exposure__analyse(&x));
out:
	ch_names_free(x.names);
	ch_exposure_kb_free(own);
	if (err)
		ch_exposure_result_free(x.r);
	else
		*out = x.r;
	return err;
}

static void free_strs(char **a, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(a[i]);
	free(a);
}

static void free_counts(ch_exposure_count *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(c[i].value);
		free(c[i].example);
	}
	free(c);
}

void ch_exposure_result_free(ch_exposure_result *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->num_subjects; i++)
		free(r->subjects[i].value);
	for (size_t i = 0; i < r->num_certs; i++) {
		ch_exposure_cert *c = &r->certs[i];
		free(c->serial);
		free(c->subject);
		free(c->issuer);
		free(c->issuer_name);
		free(c->subject_o);
		free(c->subject_ou);
		free(c->key);
		free(c->sig_alg);
		free_strs(c->names, c->num_names);
		free_strs(c->ips, c->num_ips);
		free_strs(c->san_ips, c->num_san_ips);
	}
	for (size_t i = 0; i < r->num_names; i++) {
		free(r->names[i].name);
		free(r->names[i].reason);
	}
	for (size_t i = 0; i < r->num_leaks; i++) {
		free(r->leaks[i].name);
		free(r->leaks[i].reason);
		free(r->leaks[i].certs);
	}
	for (size_t i = 0; i < r->num_gaps; i++)
		free(r->gaps[i].name);
	for (size_t i = 0; i < r->num_cas; i++) {
		free(r->cas[i].issuer);
		free(r->cas[i].name);
		free(r->cas[i].per_month);
	}
	for (size_t i = 0; i < r->num_reuse; i++)
		free(r->reuse[i].certs);
	for (size_t i = 0; i < r->num_weak; i++)
		free(r->weak[i].reason);
	free_counts(r->orgs, r->num_orgs);
	free_counts(r->org_units, r->num_org_units);
	free_counts(r->wildcards, r->num_wildcards);
	free_counts(r->patterns, r->num_patterns);
	free(r->subjects);
	free(r->certs);
	free(r->names);
	free(r->leaks);
	free(r->expiring);
	free(r->gaps);
	free(r->cas);
	free(r->reuse);
	free(r->weak);
	free(r);
}
