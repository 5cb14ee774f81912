/* report: corroborate results as a STIX 2.1 bundle of sightings (docs/corroborate.md "STIX").
 *
 * For every indicator with evidence (verdict other than no-evidence):
 *   - the indicator it sights. A pivot lead (source "lead N") is referenced by the id that
 *     `pivot --format stix` gave it (derived from its pattern, stix.h), not written again: the
 *     two bundles are loaded together. An indicator from a plain list is written here, with
 *     its observable and a based-on relationship, exactly as pivot would write it;
 *   - an observed-data object (first/last time, number of matching lines) whose object_refs are
 *     the indicator's observable and the internal hosts as ipv4-addr/ipv6-addr/domain-name, and
 *     which carries the evidence lines (x_certhound_evidence: file, line, time, what it shows);
 *   - one identity per internal host (identity_class "system"), the sighting's where_sighted_refs;
 *   - the sighting itself: sighting_of_ref the indicator, first_seen/last_seen, count, the
 *     verdict (x_certhound_verdict, and in labels with the techniques);
 *   - for each ATT&CK technique the evidence supports (and only then), an attack-pattern with
 *     its mitre-attack external reference and a sighting of it over the same observed data.
 * Indicators without evidence get nothing: a certificate match alone is never a sighting. */
#include "stix.h"

#include <certhound/report_corroborate.h>

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define STIX_COUNT_MAX 999999999u

static ch_stix_obs obs_of(const ch_corr_result *r)
{
	switch (r->kind) {
	case CH_CORR_IP:
		return CH_STIX_IP;
	case CH_CORR_CERT:
		return strlen(r->indicator) == 40 ? CH_STIX_SHA1 : CH_STIX_SHA256;
	default:
		return CH_STIX_DOMAIN;
	}
}

static bool from_pivot(const ch_corr_result *r)
{
	return r->source && !strncmp(r->source, "lead ", 5);
}

/* host_obs: the observable kind of an internal host's text (false: not expressible). */
static bool host_obs(const char *h, ch_stix_obs *out)
{
	uint8_t a[16];

	if (!*h || !ch_report__stix_plain(h))
		return false;
	*out = inet_pton(AF_INET, h, a) == 1 || inet_pton(AF_INET6, h, a) == 1 ? CH_STIX_IP
										 : CH_STIX_DOMAIN;
	return true;
}

static void time_or_now(ch_stix *s, int64_t t)
{
	char ms[32];

	if (t == CH_OBS_NO_TIME) {
		ch_json_cstr(&s->j, s->now);
		return;
	}
	ch_report__stix_ms(ms, t);
	ch_json_cstr(&s->j, ms);
}

static void list_indicator(ch_stix *s, const ch_corr_result *r, const char *id)
{
	char name[600];

	snprintf(name, sizeof name, "certhound indicator: %s %.200s", ch_corr_kind_name(r->kind),
		 r->indicator);
	ch_json_obj_begin(&s->j);
	ch_report__stix_indicator_head(s, id, name, NULL, obs_of(r), r->indicator);
	ch_json_key(&s->j, "valid_from");
	ch_json_cstr(&s->j, s->now);
	ch_json_obj_end(&s->j);
	ch_report__stix_based_on(s, id, obs_of(r), r->indicator);
}

static void host_identity(ch_stix *s, const char *host, char id[CH_STIX_ID_MAX])
{
	char name[600];

	snprintf(name, sizeof name, "identity|host|%.500s", host);
	ch_report__stix_id(s, id, "identity", name);
	if (!ch_report__stix_first(s, id))
		return;
	ch_json_obj_begin(&s->j);
	ch_report__stix_sdo(s, "identity", id);
	ch_json_key(&s->j, "name");
	ch_json_cstr(&s->j, host);
	ch_json_key(&s->j, "description");
	ch_json_cstr(&s->j, "An internal host named by local telemetry (certhound corroborate).");
	ch_json_key(&s->j, "identity_class");
	ch_json_cstr(&s->j, "system");
	ch_json_obj_end(&s->j);
}

static void evidence_list(ch_stix *s, const ch_corr_result *r)
{
	ch_json_key(&s->j, "x_certhound_evidence");
	ch_json_arr_begin(&s->j);
	for (size_t i = 0; i < r->num_evidence; i++) {
		const ch_corr_evidence *e = &r->evidence[i];
		ch_json_obj_begin(&s->j);
		ch_json_key(&s->j, "file");
		ch_json_cstr(&s->j, e->file);
		ch_json_key(&s->j, "line");
		ch_json_uint(&s->j, e->line);
		if (e->time != CH_OBS_NO_TIME) {
			ch_json_key(&s->j, "time");
			ch_json_time(&s->j, e->time);
		}
		ch_json_key(&s->j, "shows");
		ch_json_cstr(&s->j, ch_verdict_name(e->verdict));
		ch_json_key(&s->j, "log");
		ch_json_cstr(&s->j, e->log);
		ch_json_key(&s->j, "matched");
		ch_json_cstr(&s->j, e->matched);
		if (*e->host) {
			ch_json_key(&s->j, "host");
			ch_json_cstr(&s->j, e->host);
		}
		ch_json_obj_end(&s->j);
	}
	ch_json_arr_end(&s->j);
}

static uint64_t clamp(uint64_t n, uint64_t lo)
{
	return n < lo ? lo : n > STIX_COUNT_MAX ? STIX_COUNT_MAX : n;
}

static void observed_data(ch_stix *s, const ch_corr_result *r, const char *id)
{
	char sco[CH_STIX_ID_MAX];
	ch_stix_obs k;

	ch_json_obj_begin(&s->j);
	ch_report__stix_sdo(s, "observed-data", id);
	ch_json_key(&s->j, "first_observed");
	time_or_now(s, r->first_seen);
	ch_json_key(&s->j, "last_observed");
	time_or_now(s, r->last_seen);
	ch_json_key(&s->j, "number_observed");
	ch_json_uint(&s->j, clamp(r->count, 1));
	ch_json_key(&s->j, "object_refs");
	ch_json_arr_begin(&s->j);
	ch_report__stix_sco_id(s, sco, obs_of(r), r->indicator);
	ch_json_cstr(&s->j, sco);
	for (size_t i = 0; i < r->num_hosts; i++)
		if (host_obs(r->hosts[i], &k) && strcmp(r->hosts[i], r->indicator)) {
			ch_report__stix_sco_id(s, sco, k, r->hosts[i]);
			ch_json_cstr(&s->j, sco);
		}
	ch_json_arr_end(&s->j);
	evidence_list(s, r);
	ch_json_obj_end(&s->j);
}

static void description(char *out, size_t cap, const ch_corr_result *r)
{
	size_t n;

	n = (size_t)snprintf(out, cap, "certhound corroborate: %s for %s %.200s: %" PRIu64
			     " matching log line%s (%" PRIu64 " resolved, %" PRIu64 " contacted, %"
			     PRIu64 " tls-session) from %zu%s internal host%s.",
			     ch_verdict_name(r->verdict), ch_corr_kind_name(r->kind), r->indicator,
			     r->count, r->count == 1 ? "" : "s", r->count_by[CH_VERDICT_RESOLVED],
			     r->count_by[CH_VERDICT_CONTACTED], r->count_by[CH_VERDICT_TLS],
			     r->num_hosts, r->hosts_truncated ? "+" : "", r->num_hosts == 1 ? "" : "s");
	for (size_t i = 0; i < r->num_evidence && i < 3 && n < cap; i++)
		n += (size_t)snprintf(out + n, cap - n, "%s %.200s:%" PRIu64, i ? "," : " Evidence:",
				      r->evidence[i].file, r->evidence[i].line);
}

/* sighting writes one sighting of `of` over the observed data `od`. */
static void sighting(ch_stix *s, const ch_corr_result *r, const char *of, const char *od,
		     char hosts[][CH_STIX_ID_MAX], size_t num_hosts, bool labels)
{
	char id[CH_STIX_ID_MAX], name[400], text[1400];

	snprintf(name, sizeof name, "sighting|%s|%s", of, od);
	ch_report__stix_id(s, id, "sighting", name);
	if (!ch_report__stix_first(s, id))
		return;
	ch_json_obj_begin(&s->j);
	ch_report__stix_sdo(s, "sighting", id);
	description(text, sizeof text, r);
	ch_json_key(&s->j, "description");
	ch_json_cstr(&s->j, text);
	if (r->first_seen != CH_OBS_NO_TIME) {
		ch_json_key(&s->j, "first_seen");
		time_or_now(s, r->first_seen);
		ch_json_key(&s->j, "last_seen");
		time_or_now(s, r->last_seen);
	}
	ch_json_key(&s->j, "count");
	ch_json_uint(&s->j, clamp(r->count, 0));
	ch_json_key(&s->j, "sighting_of_ref");
	ch_json_cstr(&s->j, of);
	ch_json_key(&s->j, "observed_data_refs");
	ch_json_arr_begin(&s->j);
	ch_json_cstr(&s->j, od);
	ch_json_arr_end(&s->j);
	if (num_hosts) {
		ch_json_key(&s->j, "where_sighted_refs");
		ch_json_arr_begin(&s->j);
		for (size_t i = 0; i < num_hosts; i++)
			ch_json_cstr(&s->j, hosts[i]);
		ch_json_arr_end(&s->j);
	}
	if (labels) {
		ch_json_key(&s->j, "labels");
		ch_json_arr_begin(&s->j);
		ch_json_cstr(&s->j, ch_verdict_name(r->verdict));
		for (size_t i = 0; i < r->num_attack; i++)
			ch_json_cstr(&s->j, r->attack[i]);
		ch_json_arr_end(&s->j);
	}
	ch_json_key(&s->j, "x_certhound_verdict");
	ch_json_cstr(&s->j, ch_verdict_name(r->verdict));
	ch_json_obj_end(&s->j);
}

static void attack_pattern(ch_stix *s, const char *technique, char id[CH_STIX_ID_MAX])
{
	char name[200], url[200], path[64];

	snprintf(name, sizeof name, "attack-pattern|mitre-attack|%.100s", technique);
	ch_report__stix_id(s, id, "attack-pattern", name);
	if (!ch_report__stix_first(s, id))
		return;
	snprintf(path, sizeof path, "%.60s", technique);
	for (char *p = path; *p; p++)
		if (*p == '.')
			*p = '/';
	snprintf(url, sizeof url, "https://attack.mitre.org/techniques/%s/", path);
	ch_json_obj_begin(&s->j);
	ch_report__stix_sdo(s, "attack-pattern", id);
	ch_json_key(&s->j, "name");
	ch_json_cstr(&s->j, technique);
	ch_json_key(&s->j, "external_references");
	ch_json_arr_begin(&s->j);
	ch_json_obj_begin(&s->j);
	ch_json_key(&s->j, "source_name");
	ch_json_cstr(&s->j, "mitre-attack");
	ch_json_key(&s->j, "external_id");
	ch_json_cstr(&s->j, technique);
	ch_json_key(&s->j, "url");
	ch_json_cstr(&s->j, url);
	ch_json_obj_end(&s->j);
	ch_json_arr_end(&s->j);
	ch_json_obj_end(&s->j);
}

static void one_result(ch_stix *s, const ch_corr_result *r)
{
	char ind[CH_STIX_ID_MAX], od[CH_STIX_ID_MAX], name[600], ap[CH_STIX_ID_MAX];
	char hosts[CH_CORR_MAX_HOSTS][CH_STIX_ID_MAX];
	size_t nh = 0;
	ch_stix_obs k;

	if (r->verdict == CH_VERDICT_NONE || !ch_report__stix_plain(r->indicator))
		return;
	ch_report__stix_indicator_id(s, ind, obs_of(r), r->indicator);
	ch_report__stix_sco(s, obs_of(r), r->indicator, NULL, NULL);
	if (!from_pivot(r) && ch_report__stix_first(s, ind))
		list_indicator(s, r, ind);
	for (size_t i = 0; i < r->num_hosts; i++)
		if (host_obs(r->hosts[i], &k)) {
			ch_report__stix_sco(s, k, r->hosts[i], NULL, NULL);
			host_identity(s, r->hosts[i], hosts[nh++]);
		}
	snprintf(name, sizeof name, "observed-data|%s|%" PRId64 "|%" PRId64 "|%" PRIu64, ind,
		 r->first_seen, r->last_seen, r->count);
	ch_report__stix_id(s, od, "observed-data", name);
	if (ch_report__stix_first(s, od))
		observed_data(s, r, od);
	sighting(s, r, ind, od, hosts, nh, true);
	for (size_t i = 0; i < r->num_attack; i++) {
		attack_pattern(s, r->attack[i], ap);
		sighting(s, r, ap, od, hosts, nh, false);
	}
}

ch_err ch_report_corroborate_stix(FILE *f, ch_corroborate *c, int64_t created)
{
	ch_stix s;
	ch_buf b;
	char bundle[600];
	ch_err err = CH_OK;
	size_t n = ch_corroborate_count(c);
	uint64_t h = 1469598103934665603ull;

	ch_buf_init(&b, (size_t)1 << 30);
	for (size_t i = 0; i < n && err == CH_OK; i++) {
		ch_corr_result r;
		char line[400];
		if ((err = ch_corroborate_result(c, &r, i)) != CH_OK)
			goto out;
		snprintf(line, sizeof line, "%d|%.300s|%d|%" PRIu64 "|%" PRId64 "|", (int)r.kind,
			 r.indicator, (int)r.verdict, r.count, r.first_seen);
		for (const char *p = line; *p; p++)
			h = (h ^ (unsigned char)*p) * 1099511628211ull;
	}
	/* the bundle's id: what the run found, so the same logs give the same bundle id */
	snprintf(bundle, sizeof bundle, "corroborate|%zu|%016" PRIx64, n, h);
	if ((err = ch_report__stix_begin(&s, &b, created, bundle)) != CH_OK) {
		ch_report__stix_free(&s);
		goto out;
	}
	for (size_t i = 0; i < n && err == CH_OK; i++) {
		ch_corr_result r;
		if ((err = ch_corroborate_result(c, &r, i)) == CH_OK)
			one_result(&s, &r);
	}
	if (err != CH_OK) {
		ch_report__stix_free(&s);
		goto out;
	}
	if ((err = ch_report__stix_end(&s, &b)) != CH_OK)
		goto out;
	if (fwrite(b.data, 1, b.len, f) != b.len || fflush(f) != 0)
		err = ch_error_set(CH_ERR_IO, "writing the report: %s", strerror(errno));
out:
	ch_buf_free(&b);
	return err;
}
