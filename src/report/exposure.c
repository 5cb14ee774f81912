/* report: exposure results (CONTRACT.md "Exposure") as JSON and as a table. */
#include "internal.h"

#include <certhound/report_exposure.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define EXPO_DOC_MAX (512u << 20)

static void hex(ch_json *j, const uint8_t sha[32])
{
	ch_json_hex(j, sha, 32);
}

static void strs(ch_json *j, char *const *a, size_t n)
{
	ch_json_arr_begin(j);
	for (size_t i = 0; i < n; i++)
		ch_json_cstr(j, a[i]);
	ch_json_arr_end(j);
}

static void cert_refs(ch_json *j, const ch_exposure_result *r, const size_t *idx, size_t n)
{
	ch_json_arr_begin(j);
	for (size_t i = 0; i < n; i++)
		hex(j, r->certs[idx[i]].sha256);
	ch_json_arr_end(j);
}

static void counts(ch_json *j, const char *key, const ch_exposure_count *c, size_t n)
{
	ch_json_key(j, key);
	ch_json_arr_begin(j);
	for (size_t i = 0; i < n; i++) {
		ch_json_obj_begin(j);
		ch_json_key(j, "value");
		ch_json_cstr(j, c[i].value);
		ch_json_key(j, "count");
		ch_json_uint(j, c[i].count);
		if (c[i].example) {
			ch_json_key(j, "example");
			ch_json_cstr(j, c[i].example);
		}
		ch_json_obj_end(j);
	}
	ch_json_arr_end(j);
}

static void subjects_json(ch_json *j, const ch_exposure_result *r)
{
	ch_json_key(j, "subjects");
	ch_json_arr_begin(j);
	for (size_t i = 0; i < r->num_subjects; i++)
		ch_json_cstr(j, r->subjects[i].value);
	ch_json_arr_end(j);
	ch_json_key(j, "subjects_detail");
	ch_json_arr_begin(j);
	for (size_t i = 0; i < r->num_subjects; i++) {
		ch_json_obj_begin(j);
		ch_json_key(j, "value");
		ch_json_cstr(j, r->subjects[i].value);
		ch_json_key(j, "kind");
		ch_json_cstr(j, r->subjects[i].kind == CH_EXPOSURE_ORG ? "org" : "domain");
		ch_json_key(j, "certificates");
		ch_json_uint(j, r->subjects[i].certs);
		ch_json_obj_end(j);
	}
	ch_json_arr_end(j);
}

static void names_json(ch_json *j, const ch_exposure_result *r)
{
	ch_json_key(j, "names");
	ch_json_arr_begin(j);
	for (size_t i = 0; i < r->num_names; i++)
		ch_json_cstr(j, r->names[i].name);
	ch_json_arr_end(j);
	ch_json_key(j, "names_detail");
	ch_json_arr_begin(j);
	for (size_t i = 0; i < r->num_names; i++) {
		const ch_exposure_name *n = &r->names[i];
		ch_json_obj_begin(j);
		ch_json_key(j, "name");
		ch_json_cstr(j, n->name);
		ch_json_key(j, "certs");
		ch_json_uint(j, n->certs);
		ch_json_key(j, "first_seen");
		ch_json_time(j, n->first_seen);
		ch_json_key(j, "last_seen");
		ch_json_time(j, n->last_seen);
		ch_json_key(j, "first_issued");
		ch_json_time(j, n->first_issued);
		ch_json_key(j, "valid_until");
		ch_json_time(j, n->valid_until);
		ch_json_key(j, "wildcard");
		ch_json_bool(j, n->wildcard);
		ch_json_key(j, "internal");
		ch_json_cstr(j, n->reason);
		ch_json_obj_end(j);
	}
	ch_json_arr_end(j);
}

static void inventory_json(ch_json *j, const ch_exposure_result *r)
{
	ch_json_key(j, "inventory");
	ch_json_arr_begin(j);
	for (size_t i = 0; i < r->num_certs; i++) {
		const ch_exposure_cert *c = &r->certs[i];
		ch_json_obj_begin(j);
		ch_json_key(j, "sha256");
		hex(j, c->sha256);
		ch_json_key(j, "serial");
		ch_json_cstr(j, c->serial);
		ch_json_key(j, "subject");
		ch_json_cstr(j, c->subject);
		ch_json_key(j, "issuer");
		ch_json_cstr(j, c->issuer);
		ch_json_key(j, "issuer_name");
		ch_json_cstr(j, c->issuer_name);
		ch_json_key(j, "subject_o");
		ch_json_cstr(j, c->subject_o);
		ch_json_key(j, "subject_ou");
		ch_json_cstr(j, c->subject_ou);
		ch_json_key(j, "not_before");
		ch_json_time(j, c->not_before);
		ch_json_key(j, "not_after");
		ch_json_time(j, c->not_after);
		ch_json_key(j, "first_seen");
		ch_json_time(j, c->first_seen);
		ch_json_key(j, "last_seen");
		ch_json_time(j, c->last_seen);
		ch_json_key(j, "key");
		ch_json_cstr(j, c->key);
		ch_json_key(j, "sig_alg");
		ch_json_cstr(j, c->sig_alg);
		ch_json_key(j, "spki_sha256");
		hex(j, c->spki);
		ch_json_key(j, "precert");
		ch_json_bool(j, c->precert);
		ch_json_key(j, "is_ca");
		ch_json_bool(j, c->is_ca);
		ch_json_key(j, "names");
		strs(j, c->names, c->num_names);
		ch_json_key(j, "hosts");
		strs(j, c->ips, c->num_ips);
		ch_json_key(j, "san_ips");
		strs(j, c->san_ips, c->num_san_ips);
		ch_json_key(j, "sightings");
		ch_json_uint(j, c->sightings);
		ch_json_obj_end(j);
	}
	ch_json_arr_end(j);
}

static void leaks_json(ch_json *j, const ch_exposure_result *r)
{
	ch_json_key(j, "leaked_internal");
	ch_json_arr_begin(j);
	for (size_t i = 0; i < r->num_leaks; i++) {
		const ch_exposure_leak *l = &r->leaks[i];
		ch_json_obj_begin(j);
		ch_json_key(j, "name");
		ch_json_cstr(j, l->name);
		ch_json_key(j, "reason");
		ch_json_cstr(j, l->reason);
		ch_json_key(j, "certs");
		cert_refs(j, r, l->certs, l->num_certs);
		ch_json_obj_end(j);
	}
	ch_json_arr_end(j);
}

static void expiring_json(ch_json *j, const ch_exposure_result *r)
{
	ch_json_key(j, "expiring");
	ch_json_arr_begin(j);
	for (size_t i = 0; i < r->num_expiring; i++) {
		const ch_exposure_expiring *e = &r->expiring[i];
		const ch_exposure_cert *c = &r->certs[e->cert];
		ch_json_obj_begin(j);
		ch_json_key(j, "sha256");
		hex(j, c->sha256);
		ch_json_key(j, "names");
		strs(j, c->names, c->num_names);
		ch_json_key(j, "not_after");
		ch_json_time(j, c->not_after);
		ch_json_key(j, "days_left");
		ch_json_int(j, e->days_left);
		ch_json_key(j, "window");
		ch_json_uint(j, e->window);
		ch_json_key(j, "issuer_name");
		ch_json_cstr(j, c->issuer_name);
		ch_json_key(j, "successor");
		if (e->has_successor)
			hex(j, r->certs[e->successor].sha256);
		else
			ch_json_null(j);
		ch_json_obj_end(j);
	}
	ch_json_arr_end(j);
}

static void gaps_json(ch_json *j, const ch_exposure_result *r)
{
	ch_json_key(j, "renewal_gaps");
	ch_json_arr_begin(j);
	for (size_t i = 0; i < r->num_gaps; i++) {
		const ch_exposure_gap *g = &r->gaps[i];
		ch_json_obj_begin(j);
		ch_json_key(j, "name");
		ch_json_cstr(j, g->name);
		ch_json_key(j, "from");
		ch_json_time(j, g->from);
		ch_json_key(j, "to");
		ch_json_time(j, g->to);
		ch_json_key(j, "days");
		ch_json_int(j, (g->to - g->from) / 86400);
		ch_json_key(j, "before");
		hex(j, r->certs[g->before].sha256);
		ch_json_key(j, "after");
		hex(j, r->certs[g->after].sha256);
		ch_json_obj_end(j);
	}
	ch_json_arr_end(j);
}

static void month_text(char out[16], int m)
{
	unsigned y = (unsigned)(m / 12) % 10000u, mo = (unsigned)(m % 12) + 1u;

	snprintf(out, 16, "%04u-%02u", y, mo);
}

static void cas_json(ch_json *j, const ch_exposure_result *r)
{
	char mt[16];

	ch_json_key(j, "cas");
	ch_json_arr_begin(j);
	for (size_t i = 0; i < r->num_cas; i++) {
		const ch_exposure_ca *c = &r->cas[i];
		ch_json_obj_begin(j);
		ch_json_key(j, "issuer");
		ch_json_cstr(j, c->issuer);
		ch_json_key(j, "name");
		ch_json_cstr(j, c->name);
		ch_json_key(j, "count");
		ch_json_uint(j, c->count);
		ch_json_key(j, "first_seen");
		ch_json_time(j, c->first_seen);
		ch_json_key(j, "last_seen");
		ch_json_time(j, c->last_seen);
		ch_json_key(j, "new");
		ch_json_bool(j, c->is_new);
		ch_json_key(j, "per_month");
		ch_json_arr_begin(j);
		for (size_t m = 0; m < r->num_months; m++)
			ch_json_uint(j, c->per_month[m]);
		ch_json_arr_end(j);
		ch_json_obj_end(j);
	}
	ch_json_arr_end(j);
	ch_json_key(j, "months");
	ch_json_arr_begin(j);
	for (size_t m = 0; m < r->num_months; m++) {
		month_text(mt, r->month0 + (int)m);
		ch_json_cstr(j, mt);
	}
	ch_json_arr_end(j);
}

static void reuse_weak_json(ch_json *j, const ch_exposure_result *r)
{
	ch_json_key(j, "key_reuse");
	ch_json_arr_begin(j);
	for (size_t i = 0; i < r->num_reuse; i++) {
		ch_json_obj_begin(j);
		ch_json_key(j, "spki_sha256");
		hex(j, r->reuse[i].spki);
		ch_json_key(j, "groups");
		ch_json_uint(j, r->reuse[i].groups);
		ch_json_key(j, "certs");
		cert_refs(j, r, r->reuse[i].certs, r->reuse[i].num_certs);
		ch_json_obj_end(j);
	}
	ch_json_arr_end(j);
	ch_json_key(j, "weak");
	ch_json_arr_begin(j);
	for (size_t i = 0; i < r->num_weak; i++) {
		ch_json_obj_begin(j);
		ch_json_key(j, "sha256");
		hex(j, r->certs[r->weak[i].cert].sha256);
		ch_json_key(j, "reason");
		ch_json_cstr(j, r->weak[i].reason);
		ch_json_obj_end(j);
	}
	ch_json_arr_end(j);
}

ch_err ch_report_exposure_json(ch_buf *out, const ch_exposure_result *r, bool pretty)
{
	ch_json j;

	ch_json_init(&j, out, pretty);
	ch_json_obj_begin(&j);
	ch_json_key(&j, "now");
	ch_json_time(&j, r->now);
	subjects_json(&j, r);
	names_json(&j, r);
	ch_json_key(&j, "certificates");
	ch_json_uint(&j, r->num_certs);
	ch_json_key(&j, "certificates_truncated");
	ch_json_bool(&j, r->certs_truncated);
	inventory_json(&j, r);
	leaks_json(&j, r);
	expiring_json(&j, r);
	gaps_json(&j, r);
	cas_json(&j, r);
	counts(&j, "orgs", r->orgs, r->num_orgs);
	counts(&j, "org_units", r->org_units, r->num_org_units);
	counts(&j, "wildcards", r->wildcards, r->num_wildcards);
	counts(&j, "name_patterns", r->patterns, r->num_patterns);
	reuse_weak_json(&j, r);
	ch_json_obj_end(&j);
	return ch_json_finish(&j);
}

/* ---- table --------------------------------------------------------------------------------- */

static ch_err safe(ch_buf *b, const char *s)
{
	return s ? ch_report_text_safe(b, s, strlen(s), NULL) : ch_buf_puts(b, "-");
}

static ch_err day(ch_buf *b, int64_t t)
{
	char ts[21];

	ch_time_format(ts, t);
	ts[10] = '\0';
	return ch_buf_puts(b, ts);
}

static ch_err short_sha(ch_buf *b, const uint8_t sha[32])
{
	char h[65];

	ch_hex_encode(h, sha, 32);
	h[16] = '\0';
	return ch_buf_puts(b, h);
}

static ch_err names_line(ch_buf *b, const ch_exposure_cert *c, size_t max)
{
	ch_err err = CH_OK;

	for (size_t i = 0; !err && i < c->num_names && i < max; i++) {
		err = ch_buf_puts(b, i ? ", " : "");
		if (!err)
			err = safe(b, c->names[i]);
	}
	if (!err && c->num_names > max)
		err = ch_buf_printf(b, " (+%zu)", c->num_names - max);
	return err;
}

static ch_err t_head(ch_buf *b, const ch_exposure_result *r)
{
	ch_err err = ch_buf_puts(b, "Exposure of ");

	for (size_t i = 0; !err && i < r->num_subjects; i++) {
		if (i)
			err = ch_buf_puts(b, ", ");
		if (!err)
			err = safe(b, r->subjects[i].value);
	}
	if (!err)
		err = ch_buf_puts(b, " as of ");
	if (!err)
		err = day(b, r->now);
	if (!err)
		err = ch_buf_printf(b, "\n  %zu certificates%s, %zu names, %zu CAs, %zu leaked internal, "
				    "%zu expiring within 90 days, %zu weak\n",
				    r->num_certs, r->certs_truncated ? " (truncated)" : "", r->num_names,
				    r->num_cas, r->num_leaks, r->num_expiring, r->num_weak);
	return err;
}

static ch_err t_names(ch_buf *b, const ch_exposure_result *r)
{
	ch_err err = ch_buf_puts(b, "\nNAMES (name, certificates, first issued, valid until, internal)\n");

	for (size_t i = 0; !err && i < r->num_names; i++) {
		const ch_exposure_name *n = &r->names[i];
		CH_TRY(ch_buf_puts(b, "  "));
		CH_TRY(safe(b, n->name));
		CH_TRY(ch_buf_printf(b, "  %" PRIu64 "  ", n->certs));
		CH_TRY(day(b, n->first_issued));
		CH_TRY(ch_buf_puts(b, "  "));
		CH_TRY(day(b, n->valid_until));
		if (n->reason) {
			CH_TRY(ch_buf_puts(b, "  internal: "));
			CH_TRY(safe(b, n->reason));
		}
		CH_TRY(ch_buf_puts(b, "\n"));
	}
out:
	return err;
}

static ch_err t_certs(ch_buf *b, const ch_exposure_result *r)
{
	ch_err err = ch_buf_puts(b, "\nCERTIFICATES (sha256, not before, not after, issuer, key, "
				    "signature, hosts, names)\n");

	for (size_t i = 0; !err && i < r->num_certs; i++) {
		const ch_exposure_cert *c = &r->certs[i];
		CH_TRY(ch_buf_puts(b, "  "));
		CH_TRY(short_sha(b, c->sha256));
		CH_TRY(ch_buf_puts(b, c->precert ? " (pre)  " : "  "));
		CH_TRY(day(b, c->not_before));
		CH_TRY(ch_buf_puts(b, "  "));
		CH_TRY(day(b, c->not_after));
		CH_TRY(ch_buf_puts(b, "  "));
		CH_TRY(safe(b, c->issuer_name));
		CH_TRY(ch_buf_printf(b, "  %s  %s  ", c->key, c->sig_alg ? c->sig_alg : "-"));
		if (!c->num_ips)
			CH_TRY(ch_buf_puts(b, "-"));
		for (size_t k = 0; k < c->num_ips && k < 3; k++)
			CH_TRY(ch_buf_printf(b, "%s%s", k ? "," : "", c->ips[k]));
		CH_TRY(ch_buf_puts(b, "  "));
		CH_TRY(names_line(b, c, 4));
		CH_TRY(ch_buf_puts(b, "\n"));
	}
out:
	return err;
}

static ch_err t_leaks(ch_buf *b, const ch_exposure_result *r)
{
	ch_err err = ch_buf_puts(b, "\nLEAKED INTERNAL NAMES (name, reason, certificates)\n");

	if (!err && !r->num_leaks)
		err = ch_buf_puts(b, "  none\n");
	for (size_t i = 0; !err && i < r->num_leaks; i++) {
		CH_TRY(ch_buf_puts(b, "  "));
		CH_TRY(safe(b, r->leaks[i].name));
		CH_TRY(ch_buf_puts(b, "  "));
		CH_TRY(safe(b, r->leaks[i].reason));
		CH_TRY(ch_buf_printf(b, "  %zu\n", r->leaks[i].num_certs));
	}
out:
	return err;
}

static ch_err t_expiry(ch_buf *b, const ch_exposure_result *r)
{
	ch_err err = ch_buf_puts(b, "\nEXPIRING WITHIN 90 DAYS (days left, window, not after, sha256, "
				    "successor, names)\n");

	if (!err && !r->num_expiring)
		err = ch_buf_puts(b, "  none\n");
	for (size_t i = 0; !err && i < r->num_expiring; i++) {
		const ch_exposure_expiring *e = &r->expiring[i];
		const ch_exposure_cert *c = &r->certs[e->cert];
		CH_TRY(ch_buf_printf(b, "  %3" PRId64 "  <=%ud  ", e->days_left, e->window));
		CH_TRY(day(b, c->not_after));
		CH_TRY(ch_buf_puts(b, "  "));
		CH_TRY(short_sha(b, c->sha256));
		CH_TRY(ch_buf_puts(b, "  "));
		if (e->has_successor)
			CH_TRY(short_sha(b, r->certs[e->successor].sha256));
		else
			CH_TRY(ch_buf_puts(b, "NO SUCCESSOR    "));
		CH_TRY(ch_buf_puts(b, "  "));
		CH_TRY(names_line(b, c, 4));
		CH_TRY(ch_buf_puts(b, "\n"));
	}
out:
	return err;
}

static ch_err t_gaps(ch_buf *b, const ch_exposure_result *r)
{
	ch_err err = ch_buf_puts(b, "\nRENEWAL GAPS (name, uncovered from, to, days)\n");

	if (!err && !r->num_gaps)
		err = ch_buf_puts(b, "  none\n");
	for (size_t i = 0; !err && i < r->num_gaps; i++) {
		const ch_exposure_gap *g = &r->gaps[i];
		CH_TRY(ch_buf_puts(b, "  "));
		CH_TRY(safe(b, g->name));
		CH_TRY(ch_buf_puts(b, "  "));
		CH_TRY(day(b, g->from));
		CH_TRY(ch_buf_puts(b, "  "));
		CH_TRY(day(b, g->to));
		CH_TRY(ch_buf_printf(b, "  %" PRId64 "\n", (g->to - g->from) / 86400));
	}
out:
	return err;
}

static ch_err t_cas(ch_buf *b, const ch_exposure_result *r)
{
	ch_err err = ch_buf_puts(b, "\nCAS (issuances, first, last, issuer)\n");

	for (size_t i = 0; !err && i < r->num_cas; i++) {
		const ch_exposure_ca *c = &r->cas[i];
		CH_TRY(ch_buf_printf(b, "  %5" PRIu64 "  ", c->count));
		CH_TRY(day(b, c->first_seen));
		CH_TRY(ch_buf_puts(b, "  "));
		CH_TRY(day(b, c->last_seen));
		CH_TRY(ch_buf_puts(b, "  "));
		CH_TRY(safe(b, c->issuer));
		CH_TRY(ch_buf_puts(b, c->is_new ? "  NEW\n" : "\n"));
	}
out:
	return err;
}

static ch_err t_counts(ch_buf *b, const char *title, const ch_exposure_count *c, size_t n)
{
	ch_err err = CH_OK;

	if (!n)
		return CH_OK;
	CH_TRY(ch_buf_printf(b, "\n%s\n", title));
	for (size_t i = 0; i < n; i++) {
		CH_TRY(ch_buf_printf(b, "  %5" PRIu64 "  ", c[i].count));
		CH_TRY(safe(b, c[i].value));
		if (c[i].example) {
			CH_TRY(ch_buf_puts(b, "  e.g. "));
			CH_TRY(safe(b, c[i].example));
		}
		CH_TRY(ch_buf_puts(b, "\n"));
	}
out:
	return err;
}

static ch_err t_reuse_weak(ch_buf *b, const ch_exposure_result *r)
{
	ch_err err = CH_OK;
	char h[65];

	if (r->num_reuse)
		CH_TRY(ch_buf_puts(b, "\nKEY REUSE ACROSS UNRELATED HOSTS (spki, certificates, groups)\n"));
	for (size_t i = 0; i < r->num_reuse; i++) {
		ch_hex_encode(h, r->reuse[i].spki, 32);
		CH_TRY(ch_buf_printf(b, "  %.16s  %zu  %zu:", h, r->reuse[i].num_certs, r->reuse[i].groups));
		for (size_t k = 0; k < r->reuse[i].num_certs && k < 6; k++) {
			CH_TRY(ch_buf_puts(b, " "));
			CH_TRY(safe(b, r->certs[r->reuse[i].certs[k]].num_names ?
					   r->certs[r->reuse[i].certs[k]].names[0] : "-"));
		}
		CH_TRY(ch_buf_puts(b, "\n"));
	}
	CH_TRY(ch_buf_puts(b, "\nWEAK KEYS AND SIGNATURES (sha256, reason)\n"));
	if (!r->num_weak)
		CH_TRY(ch_buf_puts(b, "  none\n"));
	for (size_t i = 0; i < r->num_weak; i++) {
		CH_TRY(ch_buf_puts(b, "  "));
		CH_TRY(short_sha(b, r->certs[r->weak[i].cert].sha256));
		CH_TRY(ch_buf_puts(b, "  "));
		CH_TRY(safe(b, r->weak[i].reason));
		CH_TRY(ch_buf_puts(b, "\n"));
	}
out:
	return err;
}

static ch_err table(ch_buf *b, const ch_exposure_result *r)
{
	ch_err err = CH_OK;

	CH_TRY(t_head(b, r));
	CH_TRY(t_names(b, r));
	CH_TRY(t_certs(b, r));
	CH_TRY(t_leaks(b, r));
	CH_TRY(t_expiry(b, r));
	CH_TRY(t_gaps(b, r));
	CH_TRY(t_cas(b, r));
	CH_TRY(t_counts(b, "SUBJECT ORGANISATIONS (certificates, O)", r->orgs, r->num_orgs));
	CH_TRY(t_counts(b, "ORGANISATIONAL UNITS (certificates, OU)", r->org_units, r->num_org_units));
	CH_TRY(t_counts(b, "WILDCARDS (certificates, name)", r->wildcards, r->num_wildcards));
	CH_TRY(t_counts(b, "NAME PATTERNS (names, pattern)", r->patterns, r->num_patterns));
	CH_TRY(t_reuse_weak(b, r));
out:
	return err;
}

ch_err ch_report_exposure(FILE *f, ch_report_format format, const ch_exposure_result *r)
{
	ch_buf b;
	ch_err err;

	if (format == CH_REPORT_CSV)
		return ch_error_set(CH_ERR_INVALID, "exposure: no csv format (use table, json, ndjson "
				    "or --html FILE)");
	ch_buf_init(&b, EXPO_DOC_MAX);
	if (format == CH_REPORT_TABLE)
		err = table(&b, r);
	else
		err = ch_report_exposure_json(&b, r, format == CH_REPORT_JSON);
	if (!err && format != CH_REPORT_TABLE)
		err = ch_buf_putc(&b, '\n');
	if (!err && b.len && fwrite(b.data, 1, b.len, f) != b.len)
		err = ch_error_set(CH_ERR_IO, "writing the report: %s", strerror(errno));
	if (!err && fflush(f) != 0)
		err = ch_error_set(CH_ERR_IO, "writing the report: %s", strerror(errno));
	ch_buf_free(&b);
	return err;
}
