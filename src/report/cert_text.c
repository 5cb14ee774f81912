/* The certificate record as CSV rows and as human-readable table blocks / lines. */
#include "report/internal.h"

#include <inttypes.h>
#include <string.h>

/* ---- CSV ---------------------------------------------------------------------------------- */

/* The CSV columns, in order (docs/formats.md describes each). Multi-valued cells join their
 * items with ';' (a ';' inside an item is written as \x3b). */
static const char *const csv_columns[] = {
	"sha256", "sha1", "serial", "version",
	"subject_dn", "subject_cn", "subject_o", "subject_ou", "subject_c",
	"issuer_dn", "issuer_cn", "issuer_o",
	"not_before", "not_after",
	"key_type", "key_bits", "key_curve", "spki_sha256", "sig_alg", "ja4x",
	"is_ca", "self_signed", "precert",
	"names", "registered_domains",
	"san_dns", "san_ip", "san_email", "san_uri",
	"anomalies", "validation", "tbs_sha256", "file", "index",
};

ch_err ch_report__cert_csv_header(ch_buf *out)
{
	ch_err err = CH_OK;

	for (size_t i = 0; i < sizeof csv_columns / sizeof csv_columns[0]; i++) {
		if (i > 0)
			CH_TRY(ch_buf_putc(out, ','));
		CH_TRY(ch_buf_puts(out, csv_columns[i]));
	}
	err = ch_buf_append(out, "\r\n", 2);
out:
	return err;
}

/* A cell holding a list: items made safe and joined, then quoted as one field. */
static ch_err csv_list(ch_buf *out, ch_buf *tmp, const ch_str *v, size_t n)
{
	ch_err err = CH_OK;

	ch_buf_reset(tmp);
	CH_TRY(ch_report__join_safe(tmp, v, n, ";", ";"));
	err = ch_report_csv_field(out, tmp->data ? tmp->data : "", tmp->len);
out:
	return err;
}

static ch_err csv_dn_list(ch_buf *out, ch_buf *tmp, const ch_dn *dn, ch_attr_id id)
{
	ch_err err = CH_OK;
	bool first = true;

	ch_buf_reset(tmp);
	for (size_t i = 0; i < dn->num_attrs; i++) {
		if (dn->attrs[i].id != id)
			continue;
		if (!first)
			CH_TRY(ch_buf_putc(tmp, ';'));
		first = false;
		CH_TRY(ch_report_text_safe(tmp, dn->attrs[i].value.s, dn->attrs[i].value.len, ";"));
	}
	err = ch_report_csv_field(out, tmp->data ? tmp->data : "", tmp->len);
out:
	return err;
}

static ch_err csv_cstr(ch_buf *out, const char *s)
{
	return ch_report_csv_field(out, s ? s : "", s ? strlen(s) : 0);
}

static ch_err csv_hex(ch_buf *out, const uint8_t *p, size_t n)
{
	ch_err err = ch_buf_reserve(out, 2 * n + 1);
	if (err == CH_OK) {
		ch_hex_encode(out->data + out->len, p, n);
		out->len += 2 * n;
	}
	return err;
}

ch_err ch_report__cert_csv(ch_buf *out, const ch_cert *c, const ch_report_names *nm,
			   const ch_report_source *src)
{
	ch_err err = CH_OK;
	ch_buf tmp;
	char t1[21], t2[21], anoms[512];
	size_t an = 0;

	ch_buf_init(&tmp, out->max);
	ch_time_format(t1, c->not_before);
	ch_time_format(t2, c->not_after);
	anoms[0] = '\0';
	for (unsigned b = 0; b < 32; b++)
		if (c->anomalies & (1u << b))
			an += (size_t)snprintf(anoms + an, sizeof anoms - an, "%s%s", an ? ";" : "",
					       ch_report__anomaly_code(b));
#define SEP CH_TRY(ch_buf_putc(out, ','))
	CH_TRY(csv_hex(out, c->sha256, sizeof c->sha256)); SEP;
	CH_TRY(csv_hex(out, c->sha1, sizeof c->sha1)); SEP;
	CH_TRY(csv_cstr(out, c->serial_hex)); SEP;
	CH_TRY(ch_buf_printf(out, "%d", c->version)); SEP;
	CH_TRY(csv_cstr(out, c->subject.text)); SEP;
	CH_TRY(csv_dn_list(out, &tmp, &c->subject, CH_ATTR_CN)); SEP;
	CH_TRY(csv_dn_list(out, &tmp, &c->subject, CH_ATTR_O)); SEP;
	CH_TRY(csv_dn_list(out, &tmp, &c->subject, CH_ATTR_OU)); SEP;
	CH_TRY(csv_dn_list(out, &tmp, &c->subject, CH_ATTR_C)); SEP;
	CH_TRY(csv_cstr(out, c->issuer.text)); SEP;
	CH_TRY(csv_dn_list(out, &tmp, &c->issuer, CH_ATTR_CN)); SEP;
	CH_TRY(csv_dn_list(out, &tmp, &c->issuer, CH_ATTR_O)); SEP;
	CH_TRY(ch_buf_puts(out, t1)); SEP;
	CH_TRY(ch_buf_puts(out, t2)); SEP;
	CH_TRY(ch_buf_puts(out, ch_report__key_type_name(c->key.type))); SEP;
	CH_TRY(ch_buf_printf(out, "%u", c->key.bits)); SEP;
	CH_TRY(csv_cstr(out, c->key.curve)); SEP;
	CH_TRY(csv_hex(out, c->spki_sha256, sizeof c->spki_sha256)); SEP;
	CH_TRY(csv_cstr(out, c->sig_alg)); SEP;
	CH_TRY(csv_cstr(out, c->ja4x)); SEP;
	CH_TRY(ch_buf_puts(out, c->is_ca ? "true" : "false")); SEP;
	CH_TRY(ch_buf_puts(out, c->self_signed ? "true" : "false")); SEP;
	CH_TRY(ch_buf_puts(out, c->precert ? "true" : "false")); SEP;
	CH_TRY(csv_list(out, &tmp, nm ? nm->names : NULL, nm ? nm->num_names : 0)); SEP;
	CH_TRY(csv_list(out, &tmp, nm ? nm->domains : NULL, nm ? nm->num_domains : 0)); SEP;
	CH_TRY(csv_list(out, &tmp, c->san.dns, c->san.num_dns)); SEP;
	CH_TRY(csv_list(out, &tmp, c->san.ip, c->san.num_ip)); SEP;
	CH_TRY(csv_list(out, &tmp, c->san.email, c->san.num_email)); SEP;
	CH_TRY(csv_list(out, &tmp, c->san.uri, c->san.num_uri)); SEP;
	CH_TRY(ch_buf_puts(out, anoms)); SEP;
	CH_TRY(csv_cstr(out, ch_report__validation_name(c->validation))); SEP;
	CH_TRY(csv_hex(out, c->tbs_sha256, sizeof c->tbs_sha256)); SEP;
	CH_TRY(csv_cstr(out, src ? src->file : NULL)); SEP;
	if (src && src->file)
		CH_TRY(ch_buf_printf(out, "%zu", src->index));
#undef SEP
	err = ch_buf_append(out, "\r\n", 2);
out:
	ch_buf_free(&tmp);
	return err;
}

/* ---- table -------------------------------------------------------------------------------- */

#define LABEL_WIDTH 13
#define LINE_WIDTH 100

static ch_err label(ch_buf *out, const char *name)
{
	static const char pad[LABEL_WIDTH + 1] = "             ";
	size_t n = strlen(name);
	ch_err err = ch_buf_append(out, name, n);

	if (err == CH_OK && n < LABEL_WIDTH)
		err = ch_buf_append(out, pad, LABEL_WIDTH - n);
	return err;
}

/* One "label  value" line; the value is made terminal-safe. */
static ch_err row(ch_buf *out, const char *name, const char *v, size_t len)
{
	ch_err err = CH_OK;

	CH_TRY(label(out, name));
	CH_TRY(ch_report_text_safe(out, v, len, NULL));
	err = ch_buf_putc(out, '\n');
out:
	return err;
}

static ch_err row_c(ch_buf *out, const char *name, const char *v)
{
	return row(out, name, v ? v : "", v ? strlen(v) : 0);
}

/* A list wrapped at LINE_WIDTH with continuation lines indented under the value column;
 * nothing is printed for an empty list. */
static ch_err row_list(ch_buf *out, const char *name, const ch_str *v, size_t n)
{
	ch_err err = CH_OK;
	size_t col = LABEL_WIDTH;

	if (n == 0)
		goto out;
	CH_TRY(label(out, name));
	for (size_t i = 0; i < n; i++) {
		size_t before = out->len;
		if (i > 0)
			CH_TRY(ch_buf_puts(out, ", "));
		CH_TRY(ch_report_text_safe(out, v[i].s, v[i].len, NULL));
		size_t w = out->len - before;
		if (i > 0 && col + w > LINE_WIDTH) {
			/* Move this item to a new line: drop what was written, re-emit. */
			out->len = before;
			CH_TRY(ch_buf_printf(out, ",\n%-*s", LABEL_WIDTH, ""));
			before = out->len;
			CH_TRY(ch_report_text_safe(out, v[i].s, v[i].len, NULL));
			w = out->len - before;
			col = LABEL_WIDTH;
		}
		col += w;
	}
	err = ch_buf_putc(out, '\n');
out:
	return err;
}

static ch_err row_cstrs(ch_buf *out, const char *name, const char *const *v, size_t n)
{
	ch_err err = CH_OK;

	if (n == 0)
		goto out;
	CH_TRY(label(out, name));
	for (size_t i = 0; i < n; i++) {
		if (i > 0)
			CH_TRY(ch_buf_puts(out, ", "));
		CH_TRY(ch_report_text_safe(out, v[i], strlen(v[i]), NULL));
	}
	err = ch_buf_putc(out, '\n');
out:
	return err;
}

static ch_err row_hex(ch_buf *out, const char *name, const uint8_t *p, size_t n)
{
	ch_err err = CH_OK;

	CH_TRY(label(out, name));
	CH_TRY(csv_hex(out, p, n));
	err = ch_buf_putc(out, '\n');
out:
	return err;
}

static ch_err flags_text(ch_buf *out, const ch_cert *c)
{
	ch_err err = CH_OK;
	size_t start = out->len;

	if (c->is_ca)
		CH_TRY(ch_buf_puts(out, "ca"));
	if (c->is_ca && c->path_len >= 0)
		CH_TRY(ch_buf_printf(out, " (path_len %d)", c->path_len));
	if (c->self_signed)
		CH_TRY(ch_buf_puts(out, out->len > start ? ", self-signed" : "self-signed"));
	if (c->precert)
		CH_TRY(ch_buf_puts(out, out->len > start ? ", precert" : "precert"));
	if (out->len == start)
		CH_TRY(ch_buf_puts(out, "leaf"));
out:
	return err;
}

static ch_err usage_text(ch_buf *out, const ch_cert *c)
{
	ch_err err = CH_OK;
	size_t start = out->len;

	if (c->has_key_usage)
		for (unsigned b = 0; b < 9; b++)
			if (c->key_usage & (1u << b))
				CH_TRY(ch_buf_printf(out, "%s%s", out->len > start ? ", " : "",
						     ch_report__ku_names[b]));
	for (size_t i = 0; i < c->num_eku; i++) {
		CH_TRY(ch_buf_puts(out, out->len > start ? ", " : ""));
		CH_TRY(ch_report_text_safe(out, c->eku[i], strlen(c->eku[i]), NULL));
	}
out:
	return err;
}

ch_err ch_report__cert_table(ch_buf *out, const ch_cert *c, const ch_report_names *nm,
			     const ch_report_source *src, int64_t now)
{
	ch_err err = CH_OK;
	char t1[21], t2[21];
	const char *state;

	ch_time_format(t1, c->not_before);
	ch_time_format(t2, c->not_after);
	state = now > c->not_after ? "  (expired)" : now < c->not_before ? "  (not yet valid)" : "";
	if (src && src->file) {
		CH_TRY(label(out, "certificate"));
		CH_TRY(ch_report_text_safe(out, src->file, strlen(src->file), NULL));
		CH_TRY(ch_buf_printf(out, " #%zu", src->index + 1));
		if (src->line > 0)
			CH_TRY(ch_buf_printf(out, " (line %" PRIu64 ")", src->line));
		else
			CH_TRY(ch_buf_printf(out, " (offset %" PRIu64 ")", src->offset));
		CH_TRY(ch_buf_putc(out, '\n'));
	}
	CH_TRY(row_hex(out, "sha256", c->sha256, sizeof c->sha256));
	CH_TRY(row_c(out, "subject", c->subject.text));
	CH_TRY(row_c(out, "issuer", c->issuer.text));
	CH_TRY(row_c(out, "serial", c->serial_hex));
	CH_TRY(label(out, "validity"));
	CH_TRY(ch_buf_printf(out, "%s .. %s%s\n", t1, t2, state));
	CH_TRY(label(out, "key"));
	CH_TRY(ch_buf_printf(out, "%s %u", ch_report__key_type_name(c->key.type), c->key.bits));
	if (c->key.curve)
		CH_TRY(ch_buf_printf(out, " %s", c->key.curve));
	CH_TRY(ch_buf_puts(out, "\n"));
	CH_TRY(row_c(out, "signature", c->sig_alg));
	CH_TRY(label(out, "type"));
	CH_TRY(flags_text(out, c));
	if (ch_report__validation_name(c->validation))
		CH_TRY(ch_buf_printf(out, ", %s", ch_report__validation_name(c->validation)));
	CH_TRY(ch_buf_putc(out, '\n'));
	CH_TRY(row_list(out, "names", nm ? nm->names : NULL, nm ? nm->num_names : 0));
	CH_TRY(row_list(out, "unicode", nm ? nm->unicode : NULL, nm ? nm->num_unicode : 0));
	CH_TRY(row_list(out, "domains", nm ? nm->domains : NULL, nm ? nm->num_domains : 0));
	CH_TRY(row_list(out, "san ip", c->san.ip, c->san.num_ip));
	CH_TRY(row_list(out, "san email", c->san.email, c->san.num_email));
	CH_TRY(row_list(out, "san uri", c->san.uri, c->san.num_uri));
	{
		size_t before = out->len;
		CH_TRY(label(out, "usage"));
		size_t mark = out->len;
		CH_TRY(usage_text(out, c));
		if (out->len == mark)
			out->len = before;
		else
			CH_TRY(ch_buf_putc(out, '\n'));
	}
	CH_TRY(row_list(out, "ocsp", c->ocsp, c->num_ocsp));
	CH_TRY(row_list(out, "ca issuers", c->ca_issuers, c->num_ca_issuers));
	CH_TRY(row_list(out, "crl", c->crl_dps, c->num_crl_dps));
	CH_TRY(row_cstrs(out, "policies", c->policies, c->num_policies));
	for (size_t i = 0; i < c->num_scts; i++) {
		char b64[48], when[32];
		ch_base64_encode(b64, c->scts[i].log_id, sizeof c->scts[i].log_id);
		ch_report__sct_time(when, c->scts[i].timestamp_ms);
		CH_TRY(label(out, i == 0 ? "scts" : ""));
		CH_TRY(ch_buf_printf(out, "%s  %s\n", when, b64));
	}
	CH_TRY(row_hex(out, "spki_sha256", c->spki_sha256, sizeof c->spki_sha256));
	CH_TRY(row_c(out, "ja4x", c->ja4x));
	if (c->anomalies) {
		CH_TRY(label(out, "anomalies"));
		for (unsigned b = 0, k = 0; b < 32; b++)
			if (c->anomalies & (1u << b))
				CH_TRY(ch_buf_printf(out, "%s%s", k++ ? ", " : "",
						     ch_report__anomaly_code(b)));
		CH_TRY(ch_buf_putc(out, '\n'));
	}
out:
	return err;
}

/* Compact: "sha256[0..16]  not_after(date)  key  subject-CN-or-first-name  (+N names)". */
ch_err ch_report__cert_line(ch_buf *out, const ch_cert *c, const ch_report_names *nm,
			    const ch_report_source *src)
{
	ch_err err = CH_OK;
	char hex[65], t2[21], key[24];
	const ch_str *cn = ch_dn_get(&c->subject, CH_ATTR_CN, 0);
	const ch_str *what = cn;
	size_t extra = nm ? nm->num_names : 0;

	(void)src;
	ch_hex_encode(hex, c->sha256, 8);
	ch_time_format(t2, c->not_after);
	t2[10] = '\0';
	if (c->key.type == CH_KEY_ED25519 || c->key.type == CH_KEY_ED448 || c->key.bits == 0)
		snprintf(key, sizeof key, "%s", ch_report__key_type_name(c->key.type));
	else
		snprintf(key, sizeof key, "%s%u", ch_report__key_type_name(c->key.type), c->key.bits);
	if (!what && nm && nm->num_names > 0)
		what = &nm->names[0];
	if (what && extra > 0)
		extra--;
	CH_TRY(ch_buf_printf(out, "%-16s  %-10s  %-10s  ", hex, t2, key));
	if (what)
		CH_TRY(ch_report_text_safe(out, what->s, what->len, NULL));
	else
		CH_TRY(ch_report_text_safe(out, c->subject.text ? c->subject.text : "",
					   c->subject.text ? strlen(c->subject.text) : 0, NULL));
	if (extra > 0)
		CH_TRY(ch_buf_printf(out, "  (+%zu names)", extra));
	err = ch_buf_putc(out, '\n');
out:
	return err;
}
