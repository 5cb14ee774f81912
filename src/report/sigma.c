/* The detection rules as Sigma rules (certhound/report_detect.h), so teams can load the same
 * logic into their SIEM. */
#include "report/internal.h"

#include <certhound/hash.h>
#include <certhound/report_detect.h>

#include <string.h>

static const char *const categories[] = {"CertEnumTool", "CTLogQuery", "OpenSSLProbe",
					 "CertutilEnum"};

/* Appends s with regular-expression metacharacters escaped, and YAML single quotes doubled. */
static ch_err re_escape(ch_buf *out, const char *s)
{
	ch_err err = CH_OK;

	for (; *s && err == CH_OK; s++) {
		if (strchr("\\.^$|?*+()[]{}/-", *s))
			err = ch_buf_putc(out, '\\');
		if (err == CH_OK)
			err = *s == '\'' ? ch_buf_puts(out, "''") : ch_buf_putc(out, *s);
	}
	return err;
}

static ch_err alternatives(ch_buf *out, const char *const *v, size_t n)
{
	ch_err err = CH_OK;

	CH_TRY(ch_buf_putc(out, '('));
	for (size_t i = 0; i < n; i++) {
		if (i)
			CH_TRY(ch_buf_putc(out, '|'));
		CH_TRY(re_escape(out, v[i]));
	}
	err = ch_buf_putc(out, ')');
out:
	return err;
}

#define EXT "(\\.(exe|py|sh|pl|rb|ps1|bat|cmd|jar|com))?"
#define SEP "\\s\"''`=,;|&()<>"

static ch_err selection(ch_buf *out, const ch_detect_rule_info *r)
{
	ch_err err;

	CH_TRY(ch_buf_printf(out, "  sel_"));
	for (const char *p = r->id; *p; p++)
		CH_TRY(ch_buf_putc(out, (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ? *p : '_'));
	CH_TRY(ch_buf_puts(out, ":\n"));
	if (r->num_image) {
		CH_TRY(ch_buf_puts(out, "    Image|re: '(?i)(^|[\\\\/])"));
		CH_TRY(alternatives(out, r->image, r->num_image));
		CH_TRY(ch_buf_puts(out, EXT "$'\n"));
	}
	if (r->num_cmd_token) {
		CH_TRY(ch_buf_puts(out, "    CommandLine|re: '(?i)(^|[" SEP "\\\\/])"));
		CH_TRY(alternatives(out, r->cmd_token, r->num_cmd_token));
		CH_TRY(ch_buf_puts(out, EXT "($|[" SEP "])'\n"));
	}
	if (r->num_cmd_host) {
		CH_TRY(ch_buf_puts(out, "    CommandLine|re: '(?i)(^|[^a-z0-9._-])([a-z0-9_-]+\\.)*"));
		CH_TRY(alternatives(out, r->cmd_host, r->num_cmd_host));
		CH_TRY(ch_buf_puts(out, "\\.?($|[^a-z0-9._-])'\n"));
	}
	err = CH_OK;
out:
	return err;
}

static int level(const char *v)
{
	return !strcmp(v, "high") ? 3 : !strcmp(v, "medium") ? 2 : 1;
}

static ch_err header(ch_buf *out, ch_hash *h, const char *title, const char *key)
{
	ch_err err;
	uint8_t d[32];
	char hex[65];

	CH_TRY(ch_hash_sha256(h, d, key, strlen(key)));
	d[6] = (uint8_t)((d[6] & 0x0f) | 0x50); /* name-based UUID shape */
	d[8] = (uint8_t)((d[8] & 0x3f) | 0x80);
	ch_hex_encode(hex, d, 16);
	CH_TRY(ch_buf_printf(out, "title: '%s'\nid: %.8s-%.4s-%.4s-%.4s-%.12s\nstatus: experimental\n",
			     title, hex, hex + 8, hex + 12, hex + 16, hex + 20));
	err = ch_buf_puts(out, "references:\n  - https://attack.mitre.org/techniques/T1596/003/\n"
			       "author: certhound (generated from data/detect/rules.conf)\n"
			       "tags:\n  - attack.reconnaissance\n  - attack.t1596.003\n");
out:
	return err;
}

static ch_err yaml_text(ch_buf *out, const char *s)
{
	ch_err err = CH_OK;

	for (; *s && err == CH_OK; s++)
		err = *s == '\'' ? ch_buf_puts(out, "''") : ch_buf_putc(out, *s);
	return err;
}

static ch_err category_doc(ch_buf *out, ch_hash *h, const ch_detect_rules *rs, const char *cat,
			   bool network, bool *out_any)
{
	ch_err err = CH_OK;
	char title[128], key[128];
	int lv = 0;
	size_t n = ch_detect_rules_count(rs);

	*out_any = false;
	for (size_t i = 0; i < n; i++) {
		ch_detect_rule_info r = ch_detect_rules_get(rs, i);
		if (strcmp(r.category, cat) != 0 || (r.num_net_host > 0) != network)
			continue;
		*out_any = true;
		if (level(r.severity) > lv)
			lv = level(r.severity);
	}
	if (!*out_any)
		goto out;
	snprintf(title, sizeof title, "Certificate reconnaissance: %s%s (certhound)", cat,
		 network ? " by DNS lookup" : "");
	snprintf(key, sizeof key, "certhound-detect/%s/%s", cat, network ? "dns" : "process");
	CH_TRY(header(out, h, title, key));
	CH_TRY(ch_buf_puts(out, "description: '"));
	for (size_t i = 0; i < n; i++) {
		ch_detect_rule_info r = ch_detect_rules_get(rs, i);
		if (strcmp(r.category, cat) != 0 || (r.num_net_host > 0) != network)
			continue;
		CH_TRY(ch_buf_printf(out, "[%s, confidence %s] ", r.id, r.confidence));
		CH_TRY(yaml_text(out, r.description));
		CH_TRY(ch_buf_putc(out, ' '));
	}
	CH_TRY(ch_buf_puts(out, "'\n"));
	if (network) {
		CH_TRY(ch_buf_puts(out, "logsource:\n  category: dns\ndetection:\n"));
		for (size_t i = 0; i < n; i++) {
			ch_detect_rule_info r = ch_detect_rules_get(rs, i);
			if (strcmp(r.category, cat) != 0 || !r.num_net_host)
				continue;
			CH_TRY(ch_buf_puts(out, "  sel_"));
			for (const char *p = r.id; *p; p++)
				CH_TRY(ch_buf_putc(out, (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ? *p : '_'));
			CH_TRY(ch_buf_puts(out, ":\n    query|re: '(?i)^([a-z0-9_-]+\\.)*"));
			CH_TRY(alternatives(out, r.net_host, r.num_net_host));
			CH_TRY(ch_buf_puts(out, "\\.?$'\n"));
		}
	} else {
		CH_TRY(ch_buf_puts(out, "logsource:\n  category: process_creation\ndetection:\n"));
		for (size_t i = 0; i < n; i++) {
			ch_detect_rule_info r = ch_detect_rules_get(rs, i);
			if (strcmp(r.category, cat) != 0 || r.num_net_host)
				continue;
			CH_TRY(selection(out, &r));
		}
	}
	CH_TRY(ch_buf_puts(out, "  condition: 1 of sel_*\n"));
	if (!network)
		CH_TRY(ch_buf_puts(out, "fields:\n  - Image\n  - CommandLine\n  - ParentImage\n  - User\n"));
	CH_TRY(ch_buf_puts(out, "falsepositives:\n"
				"  - Security team TLS assessments (sslyze, sslscan, testssl.sh)\n"
				"  - DevSecOps pipelines monitoring the organisation's own certificates in CT\n"
				"  - Network engineers debugging TLS with openssl s_client\n"
				"  - Certbot / ACME clients and internal PKI scripts\n"
				"  - Authorised penetration tests\n"));
	err = ch_buf_printf(out, "level: %s\n", lv == 3 ? "high" : lv == 2 ? "medium" : "low");
out:
	return err;
}

ch_err ch_report_sigma(ch_buf *out, const ch_detect_rules *rs)
{
	ch_err err = CH_OK;
	ch_hash *h = NULL;
	bool first = true;

	CH_TRY(ch_hash_new(&h));
	for (int net = 0; net < 2; net++) {
		for (size_t c = 0; c < sizeof categories / sizeof categories[0]; c++) {
			size_t before = out->len;
			bool any;
			if (!first)
				CH_TRY(ch_buf_puts(out, "---\n"));
			CH_TRY(category_doc(out, h, rs, categories[c], net == 1, &any));
			if (!any) {
				out->len = before;
				if (out->data)
					out->data[before] = '\0';
				continue;
			}
			first = false;
		}
	}
out:
	ch_hash_free(h);
	return err;
}
