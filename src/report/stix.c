/* report: the STIX 2.1 bundle frame and deterministic identifiers (stix.h). */
#include "stix.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* STIX 2.1's namespace for SCO ids (section 2.9) and certhound's for its other objects */
static const uint8_t NS_STIX[16] = {0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c,
				    0x9c, 0x01, 0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7};
static const uint8_t NS_CERTHOUND[16] = {0x8e, 0x1f, 0x6a, 0x52, 0x3c, 0x4d, 0x5b, 0x7e,
					 0x91, 0x2a, 0xc0, 0x6d, 0x44, 0x1b, 0xe3, 0x08};

static bool grow_seen(ch_stix *s)
{
	size_t cap = s->cap_seen ? 2 * s->cap_seen : 1024;
	uint64_t *n = calloc(cap, sizeof *n);

	if (!n) {
		s->err = ch_error_set(CH_ERR_NOMEM, "out of memory");
		return false;
	}
	for (size_t i = 0; i < s->cap_seen; i++)
		if (s->seen[i]) {
			size_t k = s->seen[i] & (cap - 1);
			while (n[k])
				k = (k + 1) & (cap - 1);
			n[k] = s->seen[i];
		}
	free(s->seen);
	s->seen = n;
	s->cap_seen = cap;
	return true;
}

bool ch_report__stix_first(ch_stix *s, const char *id)
{
	uint64_t h = 1469598103934665603ull;

	for (const char *p = id; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	h |= 1;
	if (2 * (s->num_seen + 1) > s->cap_seen && !grow_seen(s))
		return false;
	for (size_t k = h & (s->cap_seen - 1);; k = (k + 1) & (s->cap_seen - 1)) {
		if (s->seen[k] == h)
			return false;
		if (!s->seen[k]) {
			s->seen[k] = h;
			s->num_seen++;
			return true;
		}
	}
}

static void uuid5(ch_stix *s, char out[CH_STIX_ID_MAX], const char *type, const uint8_t ns[16],
		  const char *name)
{
	uint8_t buf[2048], d[CH_SHA1_LEN];
	size_t n = strlen(name);

	if (n > sizeof buf - 16)
		n = sizeof buf - 16;
	memcpy(buf, ns, 16);
	memcpy(buf + 16, name, n);
	if (!s->err)
		s->err = ch_hash_sha1(s->h, d, buf, 16 + n);
	d[6] = (uint8_t)((d[6] & 0x0f) | 0x50);
	d[8] = (uint8_t)((d[8] & 0x3f) | 0x80);
	snprintf(out, CH_STIX_ID_MAX,
		 "%s--%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", type,
		 d[0], d[1], d[2], d[3], d[4], d[5], d[6], d[7], d[8], d[9], d[10], d[11], d[12],
		 d[13], d[14], d[15]);
}

void ch_report__stix_id(ch_stix *s, char out[CH_STIX_ID_MAX], const char *type, const char *name)
{
	uuid5(s, out, type, NS_CERTHOUND, name);
}

bool ch_report__stix_plain(const char *v)
{
	for (; *v; v++)
		if (*v < 0x21 || *v > 0x7e || *v == '"' || *v == '\\' || *v == '\'')
			return false;
	return true;
}

const char *ch_report__stix_sco_type(ch_stix_obs k, const char *value)
{
	uint8_t a[16];

	switch (k) {
	case CH_STIX_DOMAIN:
		return "domain-name";
	case CH_STIX_IP:
		return inet_pton(AF_INET, value, a) == 1 ? "ipv4-addr" : "ipv6-addr";
	default:
		return "x509-certificate";
	}
}

static const char *hash_name(ch_stix_obs k)
{
	return k == CH_STIX_SHA1 ? "SHA-1" : "SHA-256";
}

void ch_report__stix_sco_id(ch_stix *s, char out[CH_STIX_ID_MAX], ch_stix_obs k, const char *value)
{
	char name[400];

	if (k == CH_STIX_SHA256 || k == CH_STIX_SHA1)
		snprintf(name, sizeof name, "{\"hashes\":{\"%s\":\"%s\"}}", hash_name(k), value);
	else
		snprintf(name, sizeof name, "{\"value\":\"%s\"}", value);
	uuid5(s, out, ch_report__stix_sco_type(k, value), NS_STIX, name);
}

void ch_report__stix_pattern(char *out, size_t cap, ch_stix_obs k, const char *value)
{
	if (k == CH_STIX_SHA256 || k == CH_STIX_SHA1)
		snprintf(out, cap, "[x509-certificate:hashes.'%s' = '%s']", hash_name(k), value);
	else
		snprintf(out, cap, "[%s:value = '%s']", ch_report__stix_sco_type(k, value), value);
}

void ch_report__stix_indicator_id(ch_stix *s, char out[CH_STIX_ID_MAX], ch_stix_obs k,
				  const char *value)
{
	char pat[400], name[440];

	ch_report__stix_pattern(pat, sizeof pat, k, value);
	snprintf(name, sizeof name, "indicator|%s", pat);
	uuid5(s, out, "indicator", NS_CERTHOUND, name);
}

void ch_report__stix_common(ch_stix *s, const char *type, const char *id)
{
	ch_json_key(&s->j, "type");
	ch_json_cstr(&s->j, type);
	ch_json_key(&s->j, "spec_version");
	ch_json_cstr(&s->j, "2.1");
	ch_json_key(&s->j, "id");
	ch_json_cstr(&s->j, id);
}

void ch_report__stix_sdo(ch_stix *s, const char *type, const char *id)
{
	ch_report__stix_common(s, type, id);
	ch_json_key(&s->j, "created_by_ref");
	ch_json_cstr(&s->j, s->identity);
	ch_json_key(&s->j, "created");
	ch_json_cstr(&s->j, s->now);
	ch_json_key(&s->j, "modified");
	ch_json_cstr(&s->j, s->now);
}

void ch_report__stix_sco(ch_stix *s, ch_stix_obs k, const char *value,
			 void (*more)(ch_stix *s, const void *arg), const void *arg)
{
	char id[CH_STIX_ID_MAX];

	ch_report__stix_sco_id(s, id, k, value);
	if (!ch_report__stix_first(s, id))
		return;
	ch_json_obj_begin(&s->j);
	ch_report__stix_common(s, ch_report__stix_sco_type(k, value), id);
	if (k == CH_STIX_SHA256 || k == CH_STIX_SHA1) {
		ch_json_key(&s->j, "hashes");
		ch_json_obj_begin(&s->j);
		ch_json_key(&s->j, hash_name(k));
		ch_json_cstr(&s->j, value);
		ch_json_obj_end(&s->j);
	} else {
		ch_json_key(&s->j, "value");
		ch_json_cstr(&s->j, value);
	}
	if (more)
		more(s, arg);
	ch_json_obj_end(&s->j);
}

void ch_report__stix_indicator_head(ch_stix *s, const char *id, const char *name,
				    const char *description, ch_stix_obs k, const char *value)
{
	char pat[400];

	ch_report__stix_pattern(pat, sizeof pat, k, value);
	ch_report__stix_sdo(s, "indicator", id);
	ch_json_key(&s->j, "name");
	ch_json_cstr(&s->j, name);
	if (description) {
		ch_json_key(&s->j, "description");
		ch_json_cstr(&s->j, description);
	}
	ch_json_key(&s->j, "indicator_types");
	ch_json_arr_begin(&s->j);
	ch_json_cstr(&s->j, "anomalous-activity");
	ch_json_arr_end(&s->j);
	ch_json_key(&s->j, "pattern");
	ch_json_cstr(&s->j, pat);
	ch_json_key(&s->j, "pattern_type");
	ch_json_cstr(&s->j, "stix");
	ch_json_key(&s->j, "pattern_version");
	ch_json_cstr(&s->j, "2.1");
}

void ch_report__stix_based_on(ch_stix *s, const char *indicator_id, ch_stix_obs k, const char *value)
{
	char sco[CH_STIX_ID_MAX], rid[CH_STIX_ID_MAX], name[300];

	ch_report__stix_sco_id(s, sco, k, value);
	snprintf(name, sizeof name, "based-on|%s|%s", indicator_id, sco);
	ch_report__stix_id(s, rid, "relationship", name);
	ch_json_obj_begin(&s->j);
	ch_report__stix_sdo(s, "relationship", rid);
	ch_json_key(&s->j, "relationship_type");
	ch_json_cstr(&s->j, "based-on");
	ch_json_key(&s->j, "source_ref");
	ch_json_cstr(&s->j, indicator_id);
	ch_json_key(&s->j, "target_ref");
	ch_json_cstr(&s->j, sco);
	ch_json_obj_end(&s->j);
}

void ch_report__stix_ms(char out[32], int64_t t)
{
	ch_time_format(out, t);
	memcpy(out + 19, ".000Z", 6);
}

ch_err ch_report__stix_begin(ch_stix *s, ch_buf *out, int64_t created, const char *bundle_name)
{
	char bundle[CH_STIX_ID_MAX];
	ch_err err;

	memset(s, 0, sizeof *s);
	if ((err = ch_hash_new(&s->h)) != CH_OK)
		return err;
	ch_report__stix_ms(s->now, created);
	ch_report__stix_id(s, s->identity, "identity", "identity|certhound");
	ch_report__stix_id(s, bundle, "bundle", bundle_name);
	ch_json_init(&s->j, out, true);
	ch_json_obj_begin(&s->j);
	ch_json_key(&s->j, "type");
	ch_json_cstr(&s->j, "bundle");
	ch_json_key(&s->j, "id");
	ch_json_cstr(&s->j, bundle);
	ch_json_key(&s->j, "objects");
	ch_json_arr_begin(&s->j);
	ch_json_obj_begin(&s->j);
	ch_report__stix_common(s, "identity", s->identity);
	ch_json_key(&s->j, "created");
	ch_json_cstr(&s->j, s->now);
	ch_json_key(&s->j, "modified");
	ch_json_cstr(&s->j, s->now);
	ch_json_key(&s->j, "name");
	ch_json_cstr(&s->j, "certhound");
	ch_json_key(&s->j, "identity_class");
	ch_json_cstr(&s->j, "system");
	ch_json_obj_end(&s->j);
	return s->err;
}

void ch_report__stix_free(ch_stix *s)
{
	free(s->seen);
	ch_hash_free(s->h);
	s->seen = NULL;
	s->h = NULL;
}

ch_err ch_report__stix_end(ch_stix *s, ch_buf *out)
{
	ch_err err = s->err;

	ch_json_arr_end(&s->j);
	ch_json_obj_end(&s->j);
	if (err == CH_OK)
		err = ch_json_finish(&s->j);
	if (err == CH_OK)
		err = ch_buf_putc(out, '\n');
	ch_report__stix_free(s);
	return err;
}
