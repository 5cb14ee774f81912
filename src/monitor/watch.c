/* monitor: the watch list (format in docs/monitor.md) and the indexes built from it. */
#include "internal.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef CH_DATA_DIR
#define CH_DATA_DIR "data"
#endif

#define WATCH_MAX_FILE (64u << 20)

static const char *default_dir(char *buf, size_t cap)
{
	const char *env = getenv("CERTHOUND_DATA_DIR");

	snprintf(buf, cap, "%s/monitor", env && *env ? env : CH_DATA_DIR);
	return buf;
}

const char *ch_monitor_rule_name(ch_monitor_rule r)
{
	static const char *const n[] = {"?", "exact", "subtree", "org", "unexpected-ca", "homoglyph",
					"idn-homoglyph", "typo", "keyword", "embedded-domain",
					"nul-prefix"};

	return (unsigned)r < sizeof n / sizeof *n ? n[r] : "?";
}

static ch_err add_entry(ch_monitor *m, ch_watch_kind k, const char *v, const char *extra,
			unsigned line, bool derived)
{
	ch_watch_entry *e;

	for (size_t i = 0; i < m->num_e; i++) /* repeated lines are one entry */
		if (m->e[i].kind == k && !strcmp(m->e[i].value, v) &&
		    ((!extra && !m->e[i].extra) || (extra && m->e[i].extra && !strcmp(extra, m->e[i].extra))))
			return CH_OK;
	if (m->num_e >= CH_MONITOR_MAX_ENTRIES)
		return ch_error_set(CH_ERR_LIMIT, "watch list: more than %u entries",
				    CH_MONITOR_MAX_ENTRIES);
	if (m->num_e == m->cap_e) {
		size_t cap = m->cap_e ? m->cap_e * 2 : 64;
		if (!(e = realloc(m->e, cap * sizeof *e)))
			return ch_error_set(CH_ERR_NOMEM, "out of memory");
		m->e = e;
		m->cap_e = cap;
	}
	e = &m->e[m->num_e];
	memset(e, 0, sizeof *e);
	e->kind = k;
	e->line = line;
	e->derived = derived;
	if (!(e->value = strdup(v)) || (extra && !(e->extra = strdup(extra)))) {
		free(e->value);
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	}
	m->num_e++;
	return CH_OK;
}

static ch_err norm_domain(char out[CH_NAME_BUF], const char *v, const char *where)
{
	if (ch_name_normalize(out, v, strlen(v)) != CH_OK || ch_name_classify(out) != CH_NAME_HOST)
		return ch_error_set(CH_ERR_PARSE, "%s: '%s' is not a host name", where, v);
	return CH_OK;
}

/* parse_line reads one non-empty, comment-free line. */
static ch_err parse_line(ch_monitor *m, char *s, unsigned line, const char *where)
{
	char norm[CH_NAME_BUF], *kind = s, *v;
	size_t n;

	while (*s && !isspace((unsigned char)*s))
		s++;
	if (*s)
		*s++ = '\0';
	while (isspace((unsigned char)*s))
		s++;
	v = s;
	n = strlen(v);
	while (n && isspace((unsigned char)v[n - 1]))
		v[--n] = '\0';
	if (n >= 2 && v[0] == '"' && v[n - 1] == '"') {
		v[n - 1] = '\0';
		v++;
	}
	if (!*v) { /* a bare name or .domain */
		if (kind[0] == '.')
			return norm_domain(norm, kind + 1, where) ?:
				add_entry(m, CH_WATCH_SUBTREE, norm, NULL, line, false);
		return norm_domain(norm, kind, where) ?: add_entry(m, CH_WATCH_NAME, norm, NULL, line, false);
	}
	if (!strcmp(kind, "name"))
		return norm_domain(norm, v, where) ?: add_entry(m, CH_WATCH_NAME, norm, NULL, line, false);
	if (!strcmp(kind, "domain") || !strcmp(kind, "subtree"))
		return norm_domain(norm, v[0] == '.' ? v + 1 : v, where) ?:
			add_entry(m, CH_WATCH_SUBTREE, norm, NULL, line, false);
	if (!strcmp(kind, "org")) {
		for (char *p = v; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		return add_entry(m, CH_WATCH_ORG, v, NULL, line, false);
	}
	if (!strcmp(kind, "keyword")) {
		for (char *p = v; *p; p++) {
			*p = (char)tolower((unsigned char)*p);
			if (*p == '.' || isspace((unsigned char)*p))
				return ch_error_set(CH_ERR_PARSE, "%s: a keyword is one word", where);
		}
		return add_entry(m, CH_WATCH_KEYWORD, v, NULL, line, false);
	}
	if (!strcmp(kind, "allow-ca")) {
		char *issuer = v;
		while (*issuer && !isspace((unsigned char)*issuer))
			issuer++;
		if (*issuer)
			*issuer++ = '\0';
		while (isspace((unsigned char)*issuer))
			issuer++;
		if (!*issuer)
			return ch_error_set(CH_ERR_PARSE, "%s: allow-ca DOMAIN ISSUER", where);
		for (char *p = issuer; *p; p++)
			*p = (char)tolower((unsigned char)*p);
		return norm_domain(norm, v[0] == '.' ? v + 1 : v, where) ?:
			add_entry(m, CH_WATCH_ALLOW_CA, norm, issuer, line, false);
	}
	return ch_error_set(CH_ERR_PARSE, "%s: unknown entry '%s' (name, domain, org, keyword, "
			    "allow-ca, or a bare name / .domain)", where, kind);
}

static ch_err parse(ch_monitor *m, const char *text, size_t len, const char *label)
{
	char line[CH_MONITOR_LINE_MAX + 1], where[600];
	size_t pos = 0;
	unsigned no = 0;
	ch_err err = CH_OK;

	while (!err && pos < len) {
		size_t e = pos, n;
		char *p = line, *hash;
		while (e < len && text[e] != '\n')
			e++;
		n = e - pos;
		no++;
		snprintf(where, sizeof where, "%s:%u", label, no);
		if (n > CH_MONITOR_LINE_MAX)
			return ch_error_set(CH_ERR_LIMIT, "%s: line longer than %u bytes", where,
					    CH_MONITOR_LINE_MAX);
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos = e + 1;
		if (memchr(line, '\0', n))
			return ch_error_set(CH_ERR_PARSE, "%s: NUL byte", where);
		if ((hash = strstr(line, " #")) || (hash = strstr(line, "\t#")))
			*hash = '\0';
		while (isspace((unsigned char)*p))
			p++;
		if (!*p || *p == '#')
			continue;
		err = parse_line(m, p, no, where);
	}
	return err;
}

/* derive adds each watched domain's first label as a keyword ("example" from example.com). */
static ch_err derive(ch_monitor *m)
{
	size_t n = m->num_e;
	ch_err err = CH_OK;

	for (size_t i = 0; !err && i < n; i++) {
		char label[CH_NAME_BUF];
		const char *reg;
		size_t l;
		if (m->e[i].kind != CH_WATCH_SUBTREE)
			continue;
		reg = ch_names_registered_domain(m->names, m->e[i].value);
		if (!reg)
			continue;
		l = strcspn(reg, ".");
		if (l < m->o.min_keyword_len + 1 || l >= sizeof label) /* short labels: too noisy */
			continue;
		memcpy(label, reg, l);
		label[l] = '\0';
		err = add_entry(m, CH_WATCH_KEYWORD, label, NULL, 0, true);
	}
	return err;
}

ch_err ch_monitor_new(ch_monitor **out, const char *text, size_t len, const char *label,
		      const ch_monitor_opts *opts)
{
	ch_monitor *m = calloc(1, sizeof *m);
	char dir[4200];
	ch_err err = CH_OK;

	*out = NULL;
	if (!m)
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	if (opts)
		m->o = *opts;
	if (!m->o.min_keyword_len)
		m->o.min_keyword_len = 4;
	CH_TRY(ch_names_new(&m->names));
	CH_TRY(ch_mon__load_confusables(m, m->o.data_dir ? m->o.data_dir : default_dir(dir, sizeof dir)));
	CH_TRY(parse(m, text, len, label));
	if (!m->o.no_derived_keywords)
		CH_TRY(derive(m));
	CH_TRY(ch_mon__index(m));
out:
	if (err)
		ch_monitor_free(m);
	else
		*out = m;
	return err;
}

ch_err ch_monitor_load(ch_monitor **out, const char *path, const ch_monitor_opts *opts)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	size_t n;
	ch_err err;

	*out = NULL;
	if (!f)
		return ch_error_set(CH_ERR_IO, "%s: %s", path, strerror(errno));
	if (!(text = malloc(WATCH_MAX_FILE + 1))) {
		fclose(f);
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	}
	n = fread(text, 1, WATCH_MAX_FILE + 1, f);
	if (ferror(f))
		err = ch_error_set(CH_ERR_IO, "%s: read error", path);
	else if (n > WATCH_MAX_FILE)
		err = ch_error_set(CH_ERR_LIMIT, "%s: larger than %u bytes", path, WATCH_MAX_FILE);
	else
		err = ch_monitor_new(out, text, n, path, opts);
	fclose(f);
	free(text);
	return err;
}

void ch_monitor_free(ch_monitor *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->num_e; i++) {
		free(m->e[i].value);
		free(m->e[i].extra);
	}
	free(m->e);
	ch_mon__map_free(&m->exact);
	ch_mon__map_free(&m->subtree);
	ch_mon__map_free(&m->org);
	ch_mon__map_free(&m->allow);
	ch_mon__map_free(&m->kw);
	ch_mon__map_free(&m->del);
	ch_mon__map_free(&m->skel);
	free(m->conf);
	free(m->seq);
	ch_names_free(m->names);
	free(m);
}

const ch_watch_entry *ch_monitor_entries(const ch_monitor *m, size_t *out_n)
{
	*out_n = m->num_e;
	return m->e;
}

/* index_keyword: the keyword, its one-deletion forms and its skeleton. */
static ch_err index_keyword(ch_monitor *m, uint32_t i)
{
	const char *k = m->e[i].value;
	size_t l = strlen(k);
	char buf[CH_NAME_BUF * 2];
	unsigned scripts;
	size_t sl;
	ch_err err = ch_mon__map_put(&m->kw, k, l, i);

	m->kw_lens |= 1ull << (l < 63 ? l : 63);

	if (!err && l >= m->o.min_keyword_len && l < CH_NAME_BUF)
		for (size_t d = 0; !err && d < l; d++) {
			memcpy(buf, k, d);
			memcpy(buf + d, k + d + 1, l - d - 1);
			err = ch_mon__map_put(&m->del, buf, l - 1, i);
		}
	sl = ch_mon__skeleton(m, buf, sizeof buf, k, l, &scripts);
	if (!err && l >= m->o.min_keyword_len)
		err = ch_mon__map_put(&m->skel, buf, sl, i);
	return err;
}

ch_err ch_mon__index(ch_monitor *m)
{
	ch_err err = CH_OK;

	for (uint32_t i = 0; !err && i < m->num_e; i++) {
		const ch_watch_entry *e = &m->e[i];
		size_t l = strlen(e->value);
		switch (e->kind) {
		case CH_WATCH_NAME:
			err = ch_mon__map_put(&m->exact, e->value, l, i);
			break;
		case CH_WATCH_SUBTREE: {
			unsigned labels = 1;
			for (const char *p = e->value; *p; p++)
				labels += *p == '.';
			if (labels > m->max_sub_labels)
				m->max_sub_labels = labels;
			err = ch_mon__map_put(&m->subtree, e->value, l, i);
			break;
		}
		case CH_WATCH_ORG:
			err = ch_mon__map_put(&m->org, e->value, l, i);
			break;
		case CH_WATCH_ALLOW_CA:
			err = ch_mon__map_put(&m->allow, e->value, l, i);
			break;
		case CH_WATCH_KEYWORD:
			err = index_keyword(m, i);
			break;
		}
	}
	return err;
}
