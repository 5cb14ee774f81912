/* ATT&CK labels as data: which evidence supports which technique (data/corroborate/attack.tsv).
 *
 * One rule per line, whitespace-separated: EVIDENCE MATCHED PORTS TECHNIQUE [NAME...]
 *   EVIDENCE  an observation kind (dns, conn, http, proxy, tls, x509, firewall) or '*'
 *   MATCHED   how the indicator matched (name, sni, answer, ip, cert, fuid) or '*'
 *   PORTS     comma-separated destination ports, or '*'
 *   TECHNIQUE an ATT&CK id (T1071.001); NAME is for people. '#' starts a comment. */
#include "corroborate/internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ATTACK_MAX_RULES 256
#define ATTACK_MAX_PORTS 16
#define ATTACK_FILE_MAX (1u << 20)

typedef struct attack_rule {
	int kind;                 /* 0 = any */
	char matched[16];         /* "" = any */
	int ports[ATTACK_MAX_PORTS];
	size_t num_ports;         /* 0 = any */
	size_t tech;
} attack_rule;

struct ch_corr_attack {
	attack_rule rules[ATTACK_MAX_RULES];
	size_t num_rules;
	char tech[CORR_MAX_TECH][24];
	size_t num_tech;
};

void ch_corr_attack_free(ch_corr_attack *a)
{
	free(a);
}

const char *ch_corr_attack_default_path(void)
{
	static __thread char path[4096];
	const char *dir = getenv("CERTHOUND_DATA_DIR");

	snprintf(path, sizeof path, "%s/corroborate/attack.tsv", dir && *dir ? dir : CH_DATA_DIR);
	return path;
}

/* One rule line; false with *why set on error. */
static bool rule_line(ch_corr_attack *a, char *line, const char **why)
{
	char *tok[4], *save = NULL;
	attack_rule *r;
	size_t t;

	for (int i = 0; i < 4; i++) {
		tok[i] = strtok_r(i ? NULL : line, " \t", &save);
		if (!tok[i]) {
			*why = "expected EVIDENCE MATCHED PORTS TECHNIQUE [NAME]";
			return false;
		}
	}
	if (a->num_rules >= ATTACK_MAX_RULES) {
		*why = "too many rules";
		return false;
	}
	r = &a->rules[a->num_rules];
	memset(r, 0, sizeof *r);
	if (strcmp(tok[0], "*")) {
		for (int k = CH_OBS_DNS; k <= CH_OBS_FIREWALL; k++)
			if (!strcmp(tok[0], ch_obs_kind_name(k)))
				r->kind = k;
		if (!r->kind) {
			*why = "unknown evidence kind (dns, conn, http, proxy, tls, x509, firewall, *)";
			return false;
		}
	}
	if (strcmp(tok[1], "*")) {
		static const char *const m[] = {"name", "sni", "answer", "ip", "cert", "fuid"};
		bool ok = false;
		for (size_t k = 0; k < sizeof m / sizeof m[0]; k++)
			ok = ok || !strcmp(tok[1], m[k]);
		if (!ok) {
			*why = "unknown match (name, sni, answer, ip, cert, fuid, *)";
			return false;
		}
		strcpy(r->matched, tok[1]);
	}
	if (strcmp(tok[2], "*")) {
		char *p = tok[2], *save2 = NULL, *pt;
		for (pt = strtok_r(p, ",", &save2); pt; pt = strtok_r(NULL, ",", &save2)) {
			char *end;
			long v = strtol(pt, &end, 10);
			if (*end || v < 1 || v > 65535 || r->num_ports >= ATTACK_MAX_PORTS) {
				*why = "bad port list";
				return false;
			}
			r->ports[r->num_ports++] = (int)v;
		}
	}
	if (tok[3][0] != 'T' || strlen(tok[3]) >= sizeof a->tech[0] ||
	    strspn(tok[3] + 1, "0123456789.") != strlen(tok[3] + 1)) {
		*why = "technique must look like T1071 or T1071.001";
		return false;
	}
	for (t = 0; t < a->num_tech && strcmp(a->tech[t], tok[3]); t++)
		;
	if (t == a->num_tech) {
		if (t >= CORR_MAX_TECH) {
			*why = "too many distinct techniques";
			return false;
		}
		strcpy(a->tech[a->num_tech++], tok[3]);
	}
	r->tech = t;
	a->num_rules++;
	return true;
}

ch_err ch_corr_attack_parse(ch_corr_attack **out, const char *text, size_t len, const char *name)
{
	ch_corr_attack *a = calloc(1, sizeof *a);
	size_t pos = 0;
	unsigned long lineno = 0;
	ch_err err = CH_OK;

	*out = NULL;
	if (!a)
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = (nl ? (size_t)(nl - text) : len) - pos;
		char line[512], *hash, *s;
		const char *why = NULL;
		lineno++;
		if (n >= sizeof line)
			CH_TRY(ch_error_set(CH_ERR_PARSE, "%s:%lu: line too long", name, lineno));
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + 1;
		if ((hash = strchr(line, '#')))
			*hash = '\0';
		for (s = line; *s == ' ' || *s == '\t' || *s == '\r'; s++)
			;
		if (!*s || strspn(s, " \t\r") == strlen(s))
			continue;
		if (!rule_line(a, s, &why))
			CH_TRY(ch_error_set(CH_ERR_PARSE, "%s:%lu: %s", name, lineno, why));
	}
	*out = a;
	a = NULL;
out:
	free(a);
	return err;
}

ch_err ch_corr_attack_load(ch_corr_attack **out, const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n;
	ch_err err;

	*out = NULL;
	if (!f)
		return ch_error_set(CH_ERR_IO, "%s: %s", path, strerror(errno));
	if (!(buf = malloc(ATTACK_FILE_MAX + 1))) {
		fclose(f);
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	}
	n = fread(buf, 1, ATTACK_FILE_MAX + 1, f);
	if (ferror(f))
		err = ch_error_set(CH_ERR_IO, "%s: %s", path, strerror(errno));
	else if (n > ATTACK_FILE_MAX)
		err = ch_error_set(CH_ERR_LIMIT, "%s: larger than %u bytes", path, ATTACK_FILE_MAX);
	else
		err = ch_corr_attack_parse(out, buf, n, path);
	fclose(f);
	free(buf);
	return err;
}

uint32_t ch_corr__attack_bits(const ch_corr_attack *a, ch_obs_kind kind, const char *matched,
			      int port)
{
	uint32_t bits = 0;

	for (size_t i = 0; i < a->num_rules; i++) {
		const attack_rule *r = &a->rules[i];
		bool port_ok = r->num_ports == 0;
		if (r->kind && r->kind != (int)kind)
			continue;
		if (r->matched[0] && strcmp(r->matched, matched))
			continue;
		for (size_t k = 0; k < r->num_ports && !port_ok; k++)
			port_ok = r->ports[k] == port;
		if (port_ok)
			bits |= 1u << r->tech;
	}
	return bits;
}

const char *ch_corr__attack_id(const ch_corr_attack *a, size_t i)
{
	return i < a->num_tech ? a->tech[i] : "";
}

size_t ch_corr__attack_count(const ch_corr_attack *a)
{
	return a->num_tech;
}
