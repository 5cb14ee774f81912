/* JSON-lines logs through jansson: Zeek's JSON writer, Suricata EVE (tls, dns, http, flow) and
 * the generic mapped reader. Invalid JSON and invalid UTF-8 make the line bad. */
#include "telemetry/internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int tel_json_load(ch_telemetry_reader *r, const char *line, size_t len)
{
	json_error_t e;

	if (r->json) {
		json_decref(r->json);
		r->json = NULL;
	}
	r->json = json_loadb(line, len, JSON_REJECT_DUPLICATES, &e);
	if (!r->json)
		return tel_bad(r, "invalid JSON at column %d: %s", e.column, e.text);
	if (!json_is_object(r->json))
		return tel_bad(r, "JSON line is not an object");
	return TEL_OBS;
}

json_t *tel_json_path(json_t *obj, const char *path)
{
	char key[128];

	while (obj && json_is_object(obj)) {
		const char *dot = strchr(path, '.');
		json_t *v;
		if (!dot)
			return json_object_get(obj, path);
		/* a key containing the dot itself (Zeek's "id.orig_h") wins */
		if ((v = json_object_get(obj, path)))
			return v;
		if ((size_t)(dot - path) >= sizeof key)
			return NULL;
		memcpy(key, path, (size_t)(dot - path));
		key[dot - path] = '\0';
		obj = json_object_get(obj, key);
		path = dot + 1;
	}
	return NULL;
}

/* One scalar JSON value into a slot; arrays feed list slots element by element (scalar slots
 * take the first element). Null is "not set". */
static bool set_json(ch_telemetry_reader *r, ch_obs *o, int slot, json_t *v)
{
	char num[64];

	if (!v || json_is_null(v))
		return true;
	if (json_is_array(v)) {
		size_t i;
		json_t *e;
		json_array_foreach(v, i, e) {
			if (!set_json(r, o, slot, e))
				return false;
			if (slot != S_ANSWERS && slot != S_CERTS && slot != S_FUIDS &&
			    slot != S_CERT_B64)
				break;
		}
		return true;
	}
	if (json_is_string(v))
		return tel_slot_set(r, o, slot, json_string_value(v), json_string_length(v));
	if (slot == S_TIME && json_is_number(v)) {
		double d = json_number_value(v);
		if (!(d >= 0 && d < 1e17))
			return false;
		if (json_is_integer(v) && json_integer_value(v) >= 100000000000LL) { /* ms */
			o->time = json_integer_value(v) / 1000;
			o->time_us = (uint32_t)(json_integer_value(v) % 1000) * 1000;
		} else {
			o->time = (int64_t)d;
			o->time_us = (uint32_t)((d - (double)o->time) * 1e6 + 0.5);
			if (o->time_us >= 1000000)
				o->time_us = 999999;
		}
		return true;
	}
	if (json_is_integer(v)) {
		snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		return tel_slot_set(r, o, slot, num, strlen(num));
	}
	if (json_is_real(v)) {
		snprintf(num, sizeof num, "%.0f", json_real_value(v));
		return tel_slot_set(r, o, slot, num, strlen(num));
	}
	if (json_is_boolean(v))
		return true;
	return false; /* objects where a value is due */
}

/* ---- Zeek JSON --------------------------------------------------------------------------- */

int ch_telemetry__zeek_json(ch_telemetry_reader *r, ch_obs *o)
{
	json_t *path = json_object_get(r->json, "_path"), *v;
	const char *key;
	bool has[S_COUNT_] = {false};
	int kind = 0;

	json_object_foreach(r->json, key, v) {
		int slot = ch_telemetry__zeek_slot(key, strlen(key));
		if (slot == S_NONE)
			continue;
		has[slot] = true;
		if (slot == S_CERTS && json_is_string(v)) {
			(void)tel_add_fp(r, o, json_string_value(v), json_string_length(v));
			continue;
		}
		if (slot == S_CERTS && json_is_array(v)) {
			size_t i;
			json_t *e;
			json_array_foreach(v, i, e)
				if (json_is_string(e))
					(void)tel_add_fp(r, o, json_string_value(e),
							 json_string_length(e));
			continue;
		}
		if (!set_json(r, o, slot, v))
			return tel_bad(r, "Zeek JSON field '%s' has a bad value", key);
	}
	if (json_is_string(path)) {
		kind = ch_telemetry__zeek_kind(json_string_value(path), json_string_length(path));
		o->log = tel_str(r, json_string_value(path), json_string_length(path));
		if (!kind)
			return TEL_SKIP;
	} else if (has[S_SNI]) {
		kind = CH_OBS_TLS;
	} else if (has[S_CERTS] && !has[S_DST]) {
		kind = CH_OBS_X509;
	} else if (has[S_ANSWERS] || (has[S_NAME] && !has[S_METHOD] && !has[S_URI])) {
		kind = CH_OBS_DNS;
	} else if (has[S_METHOD] || has[S_URI]) {
		kind = CH_OBS_HTTP;
	} else if (has[S_DST]) {
		kind = CH_OBS_CONN;
	} else {
		return TEL_SKIP;
	}
	o->kind = (ch_obs_kind)kind;
	if (!json_is_string(path))
		o->log = ch_obs_kind_name(o->kind);
	if (o->time == CH_OBS_NO_TIME)
		return tel_bad(r, "Zeek JSON record without a usable ts");
	return TEL_OBS;
}

/* ---- Suricata EVE ------------------------------------------------------------------------ */

/* Common EVE header fields. */
static int eve_common(ch_telemetry_reader *r, ch_obs *o)
{
	json_t *j = r->json;

	if (!set_json(r, o, S_TIME, json_object_get(j, "timestamp")) || o->time == CH_OBS_NO_TIME)
		return tel_bad(r, "EVE event without a usable timestamp");
	if (!set_json(r, o, S_SRC, json_object_get(j, "src_ip")) ||
	    !set_json(r, o, S_DST, json_object_get(j, "dest_ip")) ||
	    !set_json(r, o, S_SPORT, json_object_get(j, "src_port")) ||
	    !set_json(r, o, S_DPORT, json_object_get(j, "dest_port")) ||
	    !set_json(r, o, S_PROTO, json_object_get(j, "proto")) ||
	    !set_json(r, o, S_SERVICE, json_object_get(j, "app_proto")))
		return tel_bad(r, "EVE event with a bad address, port or protocol");
	return TEL_OBS;
}

static int eve_tls(ch_telemetry_reader *r, ch_obs *o, json_t *tls)
{
	json_t *fp = json_object_get(tls, "fingerprint");

	o->kind = CH_OBS_TLS;
	if (!set_json(r, o, S_SNI, json_object_get(tls, "sni")))
		return tel_bad(r, "EVE tls.sni is not a string");
	if (json_is_string(fp) && !tel_add_fp(r, o, json_string_value(fp), json_string_length(fp)))
		return tel_bad(r, "EVE tls.fingerprint is not a SHA-1 or SHA-256");
	if (!set_json(r, o, S_CERT_B64, json_object_get(tls, "certificate")))
		return tel_bad(r, "EVE tls.certificate is not a base64 certificate");
	{
		json_t *chain = json_object_get(tls, "chain"), *e;
		size_t i;
		json_array_foreach(chain, i, e) {
			/* the chain repeats the leaf first; tel_add_fp drops the duplicate */
			if (i == 0 && o->num_der > 0)
				continue;
			if (json_is_string(e) &&
			    !tel_add_der_b64(r, o, json_string_value(e), json_string_length(e)) &&
			    o->num_der < CH_TEL_MAX_DER)
				return tel_bad(r, "EVE tls.chain[%zu] is not a base64 certificate", i);
		}
	}
	return TEL_OBS;
}

/* DNS answers of every EVE version: v1 one answer per event (rdata), v2 "answers" array or
 * "grouped" object, v3 "answers" array beside "queries". */
static int eve_dns(ch_telemetry_reader *r, ch_obs *o, json_t *dns)
{
	json_t *name = json_object_get(dns, "rrname"), *answers, *grouped, *e;
	size_t i;

	o->kind = CH_OBS_DNS;
	if (!name) {
		json_t *q = json_array_get(json_object_get(dns, "queries"), 0);
		name = json_object_get(q, "rrname");
	}
	if (!set_json(r, o, S_NAME, name) || !set_json(r, o, S_ACTION, json_object_get(dns, "rcode")))
		return tel_bad(r, "EVE dns.rrname is not a string");
	if (json_object_get(dns, "rdata"))
		(void)set_json(r, o, S_ANSWERS, json_object_get(dns, "rdata"));
	answers = json_object_get(dns, "answers");
	json_array_foreach(answers, i, e)
		(void)set_json(r, o, S_ANSWERS, json_object_get(e, "rdata"));
	grouped = json_object_get(dns, "grouped");
	if (json_is_object(grouped)) {
		const char *k;
		json_object_foreach(grouped, k, e)
			(void)set_json(r, o, S_ANSWERS, e);
	}
	/* v1 answers were logged in the response's direction: keep src = the client */
	if (o->src_port == 53 && o->dst_port != 53) {
		const char *t = o->src;
		int tp = o->src_port;
		o->src = o->dst;
		o->src_port = o->dst_port;
		o->dst = t;
		o->dst_port = tp;
	}
	if (!*o->name)
		return TEL_SKIP;
	return TEL_OBS;
}

static int eve_http(ch_telemetry_reader *r, ch_obs *o, json_t *http)
{
	o->kind = CH_OBS_HTTP;
	if (!set_json(r, o, S_NAME, json_object_get(http, "hostname")) ||
	    !set_json(r, o, S_URI, json_object_get(http, "url")) ||
	    !set_json(r, o, S_METHOD, json_object_get(http, "http_method")) ||
	    !set_json(r, o, S_BYTES_IN, json_object_get(http, "length")) ||
	    !set_json(r, o, S_ACTION, json_object_get(http, "status")))
		return tel_bad(r, "EVE http event with a bad field");
	return TEL_OBS;
}

static int eve_flow(ch_telemetry_reader *r, ch_obs *o, json_t *flow)
{
	o->kind = CH_OBS_CONN;
	if (!set_json(r, o, S_BYTES_OUT, json_object_get(flow, "bytes_toserver")) ||
	    !set_json(r, o, S_BYTES_IN, json_object_get(flow, "bytes_toclient")) ||
	    !set_json(r, o, S_ACTION, json_object_get(flow, "state")))
		return tel_bad(r, "EVE flow event with a bad field");
	return TEL_OBS;
}

int ch_telemetry__eve(ch_telemetry_reader *r, ch_obs *o)
{
	json_t *et = json_object_get(r->json, "event_type");
	const char *t;
	int rc;

	if (!json_is_string(et))
		return tel_bad(r, "EVE line without event_type");
	t = json_string_value(et);
	if (strcmp(t, "tls") && strcmp(t, "dns") && strcmp(t, "http") && strcmp(t, "flow"))
		return TEL_SKIP;
	if ((rc = eve_common(r, o)) != TEL_OBS)
		return rc;
	o->log = t[0] == 't' ? "tls" : t[0] == 'd' ? "dns" : t[0] == 'h' ? "http" : "flow";
	{
		json_t *sub = json_object_get(r->json, t);
		if (!json_is_object(sub))
			return tel_bad(r, "EVE %s event without its \"%s\" object", t, t);
		switch (t[0]) {
		case 't':
			return eve_tls(r, o, sub);
		case 'd':
			return eve_dns(r, o, sub);
		case 'h':
			return eve_http(r, o, sub);
		default:
			return eve_flow(r, o, sub);
		}
	}
}

/* ---- generic mapped JSON lines ----------------------------------------------------------- */

/* The kind of a mapped line when the map does not fix it. */
int ch_telemetry__map_kind(const ch_telemetry_map *m, const ch_obs *o)
{
	if (m->kind)
		return m->kind;
	if (*o->sni || o->num_certs)
		return CH_OBS_TLS;
	if (*o->name && *o->dst)
		return CH_OBS_HTTP;
	if (*o->name || o->num_answers)
		return CH_OBS_DNS;
	return CH_OBS_CONN;
}

int ch_telemetry__jsonl(ch_telemetry_reader *r, ch_obs *o)
{
	const ch_telemetry_map *m = r->map;

	for (int s = S_TIME; s < S_COUNT_; s++) {
		if (!m->col[s])
			continue;
		if (!set_json(r, o, s, tel_json_path(r->json, m->col[s])))
			return tel_bad(r, "field '%s' has a bad value", m->col[s]);
	}
	for (size_t i = 0; i < m->num_cert_cols; i++)
		if (!set_json(r, o, S_CERTS, tel_json_path(r->json, m->cert_cols[i])))
			return tel_bad(r, "field '%s' is not a SHA-1/SHA-256", m->cert_cols[i]);
	if (m->col[S_TIME] && o->time == CH_OBS_NO_TIME)
		return tel_bad(r, "no time in field '%s'", m->col[S_TIME]);
	o->kind = (ch_obs_kind)ch_telemetry__map_kind(m, o);
	o->log = "jsonl";
	return TEL_OBS;
}
