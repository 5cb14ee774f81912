/* The certificate record as JSON (CONTRACT.md "The certificate record", extras after it). */
#include "report/internal.h"

#include <string.h>

static const struct {
	ch_attr_id id;
	const char *key;
} dn_keys[] = {
	{CH_ATTR_CN, "cn"}, {CH_ATTR_O, "o"},   {CH_ATTR_OU, "ou"},       {CH_ATTR_C, "c"},
	{CH_ATTR_ST, "st"}, {CH_ATTR_L, "l"},   {CH_ATTR_EMAIL, "email"},
};

static void str_array(ch_json *j, const ch_str *v, size_t n)
{
	ch_json_arr_begin(j);
	for (size_t i = 0; i < n; i++)
		ch_json_str(j, v[i].s, v[i].len);
	ch_json_arr_end(j);
}

static void cstr_array(ch_json *j, const char *const *v, size_t n)
{
	ch_json_arr_begin(j);
	for (size_t i = 0; i < n; i++)
		ch_json_cstr(j, v[i]);
	ch_json_arr_end(j);
}

static void dn_json(ch_json *j, const ch_dn *dn)
{
	ch_json_obj_begin(j);
	ch_json_key(j, "dn");
	ch_json_cstr(j, dn->text ? dn->text : "");
	for (size_t k = 0; k < sizeof dn_keys / sizeof dn_keys[0]; k++) {
		ch_json_key(j, dn_keys[k].key);
		ch_json_arr_begin(j);
		for (size_t i = 0; i < dn->num_attrs; i++)
			if (dn->attrs[i].id == dn_keys[k].id)
				ch_json_str(j, dn->attrs[i].value.s, dn->attrs[i].value.len);
		ch_json_arr_end(j);
	}
	ch_json_key(j, "other");
	ch_json_arr_begin(j);
	for (size_t i = 0; i < dn->num_attrs; i++) {
		const ch_dn_attr *a = &dn->attrs[i];
		if (a->id != CH_ATTR_OTHER)
			continue;
		ch_json_obj_begin(j);
		ch_json_key(j, "oid");
		ch_json_cstr(j, a->oid ? a->oid : "");
		if (a->short_name) {
			ch_json_key(j, "name");
			ch_json_cstr(j, a->short_name);
		}
		ch_json_key(j, "value");
		ch_json_str(j, a->value.s, a->value.len);
		ch_json_obj_end(j);
	}
	ch_json_arr_end(j);
	ch_json_obj_end(j);
}

const char *ch_report__key_type_name(ch_key_type t)
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

const char *ch_report__validation_name(ch_validation v)
{
	switch (v) {
	case CH_VALIDATION_DV: return "dv";
	case CH_VALIDATION_OV: return "ov";
	case CH_VALIDATION_IV: return "iv";
	case CH_VALIDATION_EV: return "ev";
	default: return NULL;
	}
}

/* RFC 5280 names of the keyUsage bits, bit 0 first. */
const char *const ch_report__ku_names[9] = {
	"digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment",
	"keyAgreement",     "keyCertSign",    "cRLSign",         "encipherOnly",
	"decipherOnly",
};

const char *ch_report__anomaly_code(unsigned bit_index)
{
	const char *name = ch_anomaly_name(1u << bit_index);
	return name ? name : "unknown_anomaly";
}

void ch_report__sct_time(char out[32], uint64_t ms)
{
	char base[21];

	ch_time_format(base, (int64_t)(ms / 1000));
	/* "YYYY-MM-DDTHH:MM:SSZ" -> "YYYY-MM-DDTHH:MM:SS.mmmZ" */
	size_t n = strlen(base);
	if (n > 0 && base[n - 1] == 'Z')
		base[n - 1] = '\0';
	snprintf(out, 32, "%s.%03uZ", base, (unsigned)(ms % 1000));
}

static void contract_fields(ch_json *j, const ch_cert *c, const ch_report_names *nm)
{
	ch_json_key(j, "sha256");
	ch_json_hex(j, c->sha256, sizeof c->sha256);
	ch_json_key(j, "sha1");
	ch_json_hex(j, c->sha1, sizeof c->sha1);
	ch_json_key(j, "serial");
	ch_json_cstr(j, c->serial_hex ? c->serial_hex : "");
	ch_json_key(j, "version");
	ch_json_int(j, c->version);
	ch_json_key(j, "subject");
	dn_json(j, &c->subject);
	ch_json_key(j, "issuer");
	dn_json(j, &c->issuer);
	ch_json_key(j, "not_before");
	ch_json_time(j, c->not_before);
	ch_json_key(j, "not_after");
	ch_json_time(j, c->not_after);

	ch_json_key(j, "san");
	ch_json_obj_begin(j);
	ch_json_key(j, "dns");
	str_array(j, c->san.dns, c->san.num_dns);
	ch_json_key(j, "ip");
	str_array(j, c->san.ip, c->san.num_ip);
	ch_json_key(j, "email");
	str_array(j, c->san.email, c->san.num_email);
	ch_json_key(j, "uri");
	str_array(j, c->san.uri, c->san.num_uri);
	if (c->san.num_other > 0) {
		ch_json_key(j, "other");
		ch_json_arr_begin(j);
		for (size_t i = 0; i < c->san.num_other; i++) {
			ch_json_obj_begin(j);
			ch_json_key(j, "type");
			ch_json_uint(j, c->san.other[i].type);
			ch_json_key(j, "der");
			ch_json_hex(j, c->san.other[i].raw.data, c->san.other[i].raw.len);
			ch_json_obj_end(j);
		}
		ch_json_arr_end(j);
	}
	ch_json_obj_end(j);

	ch_json_key(j, "key");
	ch_json_obj_begin(j);
	ch_json_key(j, "type");
	ch_json_cstr(j, ch_report__key_type_name(c->key.type));
	ch_json_key(j, "bits");
	ch_json_uint(j, c->key.bits);
	if (c->key.curve) {
		ch_json_key(j, "curve");
		ch_json_cstr(j, c->key.curve);
	}
	if (c->key.alg) {
		ch_json_key(j, "alg");
		ch_json_cstr(j, c->key.alg);
	}
	ch_json_obj_end(j);

	ch_json_key(j, "spki_sha256");
	ch_json_hex(j, c->spki_sha256, sizeof c->spki_sha256);
	ch_json_key(j, "sig_alg");
	ch_json_cstr(j, c->sig_alg ? c->sig_alg : "");
	ch_json_key(j, "ja4x");
	ch_json_cstr(j, c->ja4x);
	ch_json_key(j, "is_ca");
	ch_json_bool(j, c->is_ca);
	ch_json_key(j, "self_signed");
	ch_json_bool(j, c->self_signed);
	ch_json_key(j, "precert");
	ch_json_bool(j, c->precert);

	ch_json_key(j, "names");
	str_array(j, nm ? nm->names : NULL, nm ? nm->num_names : 0);
	ch_json_key(j, "registered_domains");
	str_array(j, nm ? nm->domains : NULL, nm ? nm->num_domains : 0);
	ch_json_key(j, "anomalies");
	ch_json_arr_begin(j);
	for (unsigned b = 0; b < 32; b++)
		if (c->anomalies & (1u << b))
			ch_json_cstr(j, ch_report__anomaly_code(b));
	ch_json_arr_end(j);
}

static void extension_fields(ch_json *j, const ch_cert *c, const ch_report_names *nm)
{
	ch_json_key(j, "names_unicode");
	str_array(j, nm ? nm->unicode : NULL, nm ? nm->num_unicode : 0);
	ch_json_key(j, "tbs_sha256");
	ch_json_hex(j, c->tbs_sha256, sizeof c->tbs_sha256);

	ch_json_key(j, "path_len");
	if (c->has_basic_constraints && c->path_len >= 0)
		ch_json_int(j, c->path_len);
	else
		ch_json_null(j);
	ch_json_key(j, "key_usage");
	ch_json_arr_begin(j);
	if (c->has_key_usage)
		for (unsigned b = 0; b < 9; b++)
			if (c->key_usage & (1u << b))
				ch_json_cstr(j, ch_report__ku_names[b]);
	ch_json_arr_end(j);
	ch_json_key(j, "eku");
	cstr_array(j, c->eku, c->num_eku);
	ch_json_key(j, "ski");
	if (c->ski.data)
		ch_json_hex(j, c->ski.data, c->ski.len);
	else
		ch_json_null(j);
	ch_json_key(j, "aki");
	if (c->aki.data)
		ch_json_hex(j, c->aki.data, c->aki.len);
	else
		ch_json_null(j);
	ch_json_key(j, "ocsp");
	str_array(j, c->ocsp, c->num_ocsp);
	ch_json_key(j, "ca_issuers");
	str_array(j, c->ca_issuers, c->num_ca_issuers);
	ch_json_key(j, "crl_dps");
	str_array(j, c->crl_dps, c->num_crl_dps);
	ch_json_key(j, "policies");
	cstr_array(j, c->policies, c->num_policies);
	ch_json_key(j, "validation");
	ch_json_cstr(j, ch_report__validation_name(c->validation));

	ch_json_key(j, "scts");
	ch_json_arr_begin(j);
	for (size_t i = 0; i < c->num_scts; i++) {
		char b64[48], when[32];
		ch_base64_encode(b64, c->scts[i].log_id, sizeof c->scts[i].log_id);
		ch_report__sct_time(when, c->scts[i].timestamp_ms);
		ch_json_obj_begin(j);
		ch_json_key(j, "log_id");
		ch_json_cstr(j, b64);
		ch_json_key(j, "timestamp");
		ch_json_cstr(j, when);
		ch_json_obj_end(j);
	}
	ch_json_arr_end(j);

	ch_json_key(j, "extensions");
	ch_json_arr_begin(j);
	for (size_t i = 0; i < c->num_exts; i++) {
		ch_json_obj_begin(j);
		ch_json_key(j, "oid");
		ch_json_cstr(j, c->exts[i].oid_text ? c->exts[i].oid_text : "");
		ch_json_key(j, "critical");
		ch_json_bool(j, c->exts[i].critical);
		ch_json_key(j, "known");
		ch_json_bool(j, c->exts[i].known);
		ch_json_obj_end(j);
	}
	ch_json_arr_end(j);
}

void ch_report__cert_json(ch_json *j, const ch_cert *c, const ch_report_names *nm,
			  const ch_report_source *src)
{
	ch_json_obj_begin(j);
	contract_fields(j, c, nm);
	extension_fields(j, c, nm);
	if (src && src->file) {
		ch_json_key(j, "source");
		ch_json_obj_begin(j);
		ch_json_key(j, "file");
		ch_json_cstr(j, src->file);
		ch_json_key(j, "index");
		ch_json_uint(j, src->index);
		if (src->line > 0) {
			ch_json_key(j, "line");
			ch_json_uint(j, src->line);
		}
		ch_json_key(j, "offset");
		ch_json_uint(j, src->offset);
		ch_json_obj_end(j);
	}
	ch_json_obj_end(j);
}

ch_err ch_report_cert_json(ch_buf *out, const ch_cert *c, const ch_report_names *names,
			   const ch_report_source *src, bool pretty)
{
	ch_json j;

	ch_json_init(&j, out, pretty);
	ch_report__cert_json(&j, c, names, src);
	return ch_json_finish(&j);
}
