/* Indicators: normalising them, the plain list and pivot leads as input. */
#include "corroborate/internal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <certhound/util.h>

#define LIST_LINE_MAX 4096
#define LEADS_FILE_MAX ((off_t)512 << 20)

const char *ch_corr_kind_name(ch_corr_kind k)
{
	static const char *const n[] = {"?", "domain", "name", "ip", "cert"};
	return k >= CH_CORR_DOMAIN && k <= CH_CORR_CERT ? n[k] : "?";
}

const char *ch_verdict_name(ch_verdict v)
{
	static const char *const n[] = {"no-evidence", "resolved", "contacted", "tls-session"};
	return v <= CH_VERDICT_TLS ? n[v] : "?";
}

ch_err ch_corroborate_new(ch_corroborate **out, const ch_corroborate_opts *opts)
{
	ch_corroborate *c = calloc(1, sizeof *c);

	*out = NULL;
	if (!c)
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	c->opts.since = INT64_MIN;
	c->opts.until = INT64_MAX;
	if (opts)
		c->opts = *opts;
	c->ev_per = c->opts.evidence_per_kind ? c->opts.evidence_per_kind : CH_CORR_EVIDENCE_PER_KIND;
	if (c->ev_per > 200) /* num_ev counters are 8-bit */
		c->ev_per = 200;
	*out = c;
	return CH_OK;
}

void ch_corroborate_free(ch_corroborate *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->num_ind; i++) {
		corr_ind *d = &c->ind[i];
		free(d->text);
		free(d->source);
		for (uint32_t k = 0; k < d->num_hosts; k++)
			free(d->hosts[k]);
		free(d->hosts);
		free(d->ev);
	}
	free(c->ind);
	while (c->strs) {
		corr_str *n = c->strs->next;
		free(c->strs->s);
		free(c->strs);
		c->strs = n;
	}
	ch_corroborate__table_free(&c->t);
	free(c->res_ev);
	free(c);
}

size_t ch_corroborate_count(const ch_corroborate *c)
{
	return c->num_ind;
}

/* A host name: letters, digits, '-', '_' and dots between non-empty labels. Lower-cases into
 * out; returns its length or 0. */
static size_t norm_name(char *out, const char *s)
{
	size_t n = strlen(s), k = 0, label = 0;

	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0 || n > CORR_NAME_MAX)
		return 0;
	for (size_t i = 0; i < n; i++) {
		char ch = s[i];
		if (ch >= 'A' && ch <= 'Z')
			ch = (char)(ch + 32);
		if (ch == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' ||
			   ch == '_') {
			if (++label > 63)
				return 0;
		} else {
			return 0;
		}
		out[k++] = ch;
	}
	out[k] = '\0';
	return label ? k : 0;
}

static ch_err push_ind(ch_corroborate *c, const char *text, ch_corr_kind kind, const char *src,
		       uint32_t *out_index)
{
	corr_ind *d;

	if (c->num_ind >= CH_CORR_MAX_INDICATORS)
		return ch_error_set(CH_ERR_LIMIT, "more than %d indicators", CH_CORR_MAX_INDICATORS);
	if (c->num_ind == c->cap_ind) {
		size_t nc = c->cap_ind ? c->cap_ind * 2 : 256;
		corr_ind *ni = realloc(c->ind, nc * sizeof *ni);
		if (!ni)
			return ch_error_set(CH_ERR_NOMEM, "out of memory");
		c->ind = ni;
		c->cap_ind = nc;
	}
	d = &c->ind[c->num_ind];
	memset(d, 0, sizeof *d);
	d->text = strdup(text);
	d->source = src ? strdup(src) : NULL;
	if (!d->text || (src && !d->source)) {
		free(d->text);
		free(d->source);
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	}
	d->kind = (uint8_t)kind;
	d->first = d->last = CH_OBS_NO_TIME;
	*out_index = (uint32_t)c->num_ind++;
	return CH_OK;
}

/* Is (tag, key) already an indicator of this kind? */
static bool exists(const ch_corroborate *c, uint8_t tag, const void *key, size_t n,
		   ch_corr_kind kind)
{
	uint32_t s = ch_corroborate__find(&c->t, tag, key, n, ch_corroborate__hash(tag, key, n));

	for (; s; s = c->t.e[s - 1].next)
		if (c->ind[c->t.e[s - 1].ind].kind == kind)
			return true;
	return false;
}

ch_err ch_corroborate_add(ch_corroborate *c, ch_corr_kind kind, const char *text,
			  const char *source)
{
	static const struct {
		const char *prefix;
		ch_corr_kind kind;
	} prefixes[] = {{"domain:", CH_CORR_DOMAIN}, {"name:", CH_CORR_NAME}, {"ip:", CH_CORR_IP},
			{"cert:", CH_CORR_CERT},     {"sha256:", CH_CORR_CERT}, {"sha1:", CH_CORR_CERT}};
	uint8_t key[32];
	char name[CORR_NAME_MAX + 2];
	char hex[65];
	size_t n;
	uint32_t idx;
	ch_err err;

	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
		size_t pl = strlen(prefixes[i].prefix);
		if (!strncasecmp(text, prefixes[i].prefix, pl)) {
			kind = prefixes[i].kind;
			text += pl;
			break;
		}
	}
	if ((!kind || kind == CH_CORR_IP) && (n = ch_corroborate__ip(key, text)) > 0) {
		char buf[64];
		if (exists(c, T_IP, key, n, CH_CORR_IP))
			return CH_OK;
		/* print it canonically */
		if (!inet_ntop(n == 4 ? AF_INET : AF_INET6, key, buf, sizeof buf))
			return ch_error_set(CH_ERR_PARSE, "'%s' is not an IP address", text);
		if ((err = push_ind(c, buf, CH_CORR_IP, source, &idx)) != CH_OK)
			return err;
		return ch_corroborate__insert(&c->t, T_IP, key, n, idx);
	}
	if (kind == CH_CORR_IP)
		return ch_error_set(CH_ERR_PARSE, "'%s' is not an IP address", text);
	if ((!kind || kind == CH_CORR_CERT) && (n = ch_corroborate__fp(key, text, strlen(text))) > 0) {
		if (exists(c, T_FP, key, n, CH_CORR_CERT))
			return CH_OK;
		ch_hex_encode(hex, key, n);
		if ((err = push_ind(c, hex, CH_CORR_CERT, source, &idx)) != CH_OK)
			return err;
		return ch_corroborate__insert(&c->t, T_FP, key, n, idx);
	}
	if (kind == CH_CORR_CERT)
		return ch_error_set(CH_ERR_PARSE, "'%s' is not a SHA-256 or SHA-1 (64 or 40 hex digits)",
				    text);
	if (!kind)
		kind = CH_CORR_DOMAIN;
	if (!strncmp(text, "*.", 2)) {
		text += 2;
		kind = CH_CORR_DOMAIN;
	}
	if (!(n = norm_name(name, text)))
		return ch_error_set(CH_ERR_PARSE, "'%s' is not a domain, host name, IP address or "
				    "certificate fingerprint", text);
	if (exists(c, T_NAME, name, n, kind))
		return CH_OK;
	if ((err = push_ind(c, name, kind, source, &idx)) != CH_OK)
		return err;
	return ch_corroborate__insert(&c->t, T_NAME, name, n, idx);
}

ch_err ch_corroborate_alias(ch_corroborate *c, size_t index, const char *text)
{
	uint8_t key[32];
	size_t n = ch_corroborate__fp(key, text, strlen(text));

	if (index >= c->num_ind || c->ind[index].kind != CH_CORR_CERT || !n)
		return ch_error_set(CH_ERR_INVALID, "bad fingerprint alias '%s'", text);
	return ch_corroborate__insert(&c->t, T_FP, key, n, (uint32_t)index);
}

/* Reports a bad input item. */
static void bad(ch_corr_bad_fn fn, void *arg, const char *fmt, ...) CH_PRINTF(3, 4);
static void bad(ch_corr_bad_fn fn, void *arg, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!fn)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fn(arg, msg);
}

ch_err ch_corroborate_load_list(ch_corroborate *c, const char *path, ch_corr_bad_fn on_bad,
				void *arg)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	uint64_t lineno = 0;
	ch_err err = CH_OK;

	if (!f)
		return ch_error_set(CH_ERR_IO, "%s: %s", path, strerror(errno));
	while ((n = getline(&line, &cap, f)) >= 0) {
		char *s = line, *e, *hash, where[64];
		lineno++;
		if ((size_t)n > LIST_LINE_MAX) {
			bad(on_bad, arg, "%s:%llu: line longer than %d bytes", path,
			    (unsigned long long)lineno, LIST_LINE_MAX);
			continue;
		}
		if ((hash = strchr(s, '#')))
			*hash = '\0';
		while (*s == ' ' || *s == '\t')
			s++;
		e = s + strlen(s);
		while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		if (!*s)
			continue;
		snprintf(where, sizeof where, "line %llu", (unsigned long long)lineno);
		err = ch_corroborate_add(c, 0, s, where);
		if (err == CH_ERR_PARSE) {
			bad(on_bad, arg, "%s:%llu: %s", path, (unsigned long long)lineno,
			    ch_error_last());
			err = CH_OK;
		} else if (err != CH_OK) {
			break;
		}
	}
	if (err == CH_OK && ferror(f))
		err = ch_error_set(CH_ERR_IO, "%s: %s", path, strerror(errno));
	free(line);
	if (f != stdin)
		fclose(f);
	return err;
}

ch_err ch_corroborate_load_leads(ch_corroborate *c, const char *path, ch_corr_bad_fn on_bad,
				 void *arg)
{
	json_error_t je;
	json_t *doc = NULL, *leads, *l;
	struct stat st;
	size_t i;
	ch_err err = CH_OK;

	if (strcmp(path, "-") && stat(path, &st) == 0 && st.st_size > LEADS_FILE_MAX)
		return ch_error_set(CH_ERR_LIMIT, "%s: larger than %lld bytes", path,
				    (long long)LEADS_FILE_MAX);
	doc = strcmp(path, "-") ? json_load_file(path, JSON_REJECT_DUPLICATES, &je)
				: json_loadf(stdin, JSON_REJECT_DUPLICATES, &je);
	if (!doc)
		return ch_error_set(je.line > 0 ? CH_ERR_PARSE : CH_ERR_IO, "%s:%d: %s", path,
				    je.line, je.text);
	leads = json_object_get(doc, "leads");
	if (!json_is_array(leads))
		CH_TRY(ch_error_set(CH_ERR_PARSE, "%s: not a pivot result (no \"leads\" array)", path));
	json_array_foreach(leads, i, l) {
		const char *kind = json_string_value(json_object_get(l, "kind"));
		const char *value = json_string_value(json_object_get(l, "value"));
		ch_corr_kind k = 0;
		char where[64];
		if (!kind || !value) {
			bad(on_bad, arg, "%s: lead %zu has no kind/value", path, i + 1);
			continue;
		}
		if (!strcmp(kind, "domain"))
			k = CH_CORR_DOMAIN;
		else if (!strcmp(kind, "name"))
			k = CH_CORR_NAME;
		else if (!strcmp(kind, "ip"))
			k = CH_CORR_IP;
		else if (!strcmp(kind, "cert"))
			k = CH_CORR_CERT;
		if (!k) {
			bad(on_bad, arg, "%s: lead %zu: unknown kind '%s'", path, i + 1, kind);
			continue;
		}
		snprintf(where, sizeof where, "lead %zu", i + 1);
		err = ch_corroborate_add(c, k, value, where);
		if (err == CH_ERR_PARSE) {
			bad(on_bad, arg, "%s: lead %zu: %s", path, i + 1, ch_error_last());
			err = CH_OK;
		} else if (err != CH_OK) {
			goto out;
		}
	}
out:
	json_decref(doc);
	return err;
}
