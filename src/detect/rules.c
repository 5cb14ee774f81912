/* Detection rules as data (data/detect/rules.conf; docs/detect.md):
 *
 *   [list ct_hosts]
 *   crt.sh censys.io ...
 *
 *   [rule ct-query-http-client]
 *   category   = CTLogQuery
 *   image      = curl wget @python          executable file name (".exe" and script
 *                                           extensions ignored)
 *   cmd-host   = @ct_hosts                  a host in the command line (or a subdomain)
 *   cmd-token  = s_client -connect          a command-line word (or a path ending in it)
 *   net-host   = @ct_hosts                  (network rules) the observed name
 *   severity   = medium
 *   confidence = high
 *
 * Conditions of a rule are ANDed, the values of one condition ORed; the first rule in file
 * order that matches an event names its category. Matching ignores ASCII case. */
#include "detect/internal.h"

#include <stdlib.h>
#include <string.h>

typedef struct strlist {
	char **v;
	size_t *len;
	size_t n;
	size_t max_len;
	uint8_t first[32]; /* bit set of the items' first bytes (lower case) */
	uint8_t last[32];  /* ... and of their last bytes */
} strlist;

typedef struct rule {
	char *id, *category, *severity, *confidence, *description;
	strlist image, cmd_token, cmd_host, net_host;
	bool has_image, has_token, has_host, has_net;
	uint64_t line;
} rule;

typedef struct list {
	char *name;
	strlist items;
} list;

struct ch_detect_rules {
	rule *rules;
	size_t num_rules;
	list *lists;
	size_t num_lists;
	char *path_copy;
};

static ch_err sl_add(strlist *l, const char *s, size_t n)
{
	char **v = realloc(l->v, (l->n + 1) * sizeof *v);
	size_t *len;
	char *c;

	if (!v)
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	l->v = v;
	len = realloc(l->len, (l->n + 1) * sizeof *len);
	if (!len)
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	l->len = len;
	if (n == 0)
		return CH_OK;
	c = strndup(s, n);
	if (!c)
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	for (char *p = c; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p + 32);
	l->first[(uint8_t)c[0] >> 3] |= (uint8_t)(1u << (c[0] & 7));
	l->last[(uint8_t)c[n - 1] >> 3] |= (uint8_t)(1u << (c[n - 1] & 7));
	if (n > l->max_len)
		l->max_len = n;
	l->len[l->n] = n;
	l->v[l->n++] = c;
	return CH_OK;
}

static bool in_set(const uint8_t set[32], char c)
{
	uint8_t u = (uint8_t)((c >= 'A' && c <= 'Z') ? c + 32 : c);
	return set[u >> 3] & (1u << (u & 7));
}

static void sl_free(strlist *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	free(l->len);
}

static list *find_list(ch_detect_rules *rs, const char *name)
{
	for (size_t i = 0; i < rs->num_lists; i++)
		if (strcmp(rs->lists[i].name, name) == 0)
			return &rs->lists[i];
	return NULL;
}

/* Adds the whitespace-separated words of `v` to l, expanding @list references. */
static ch_err add_words(ch_detect_rules *rs, strlist *l, const char *v)
{
	ch_err err = CH_OK;

	while (*v) {
		size_t n = strcspn(v, " \t,");
		if (n > 0 && v[0] == '@') {
			char name[128];
			list *ref;
			snprintf(name, sizeof name, "%.*s", (int)(n - 1 < 127 ? n - 1 : 127), v + 1);
			ref = find_list(rs, name);
			if (!ref) {
				err = ch_error_set(CH_ERR_PARSE, "unknown list @%s (define it above)", name);
				goto out;
			}
			for (size_t i = 0; i < ref->items.n; i++)
				CH_TRY(sl_add(l, ref->items.v[i], strlen(ref->items.v[i])));
		} else if (n > 0) {
			CH_TRY(sl_add(l, v, n));
		}
		v += n;
		while (*v == ' ' || *v == '\t' || *v == ',')
			v++;
	}
out:
	return err;
}

static bool one_of(const char *v, const char *const *set)
{
	for (; *set; set++)
		if (!strcmp(v, *set))
			return true;
	return false;
}

static ch_err on_line(void *ctx, const conf_line *l)
{
	static const char *const levels[] = {"low", "medium", "high", NULL};
	static const char *const categories[] = {"CertEnumTool", "CTLogQuery", "OpenSSLProbe",
						 "CertutilEnum", NULL};
	ch_detect_rules *rs = ctx;
	ch_err err = CH_OK;
	rule *r;
	char **slot = NULL;

	if (!strcmp(l->section_kind, "list")) {
		list *li = find_list(rs, l->section_name);
		if (!li) {
			list *nl = realloc(rs->lists, (rs->num_lists + 1) * sizeof *nl);
			if (!nl)
				return ch_error_set(CH_ERR_NOMEM, "out of memory");
			rs->lists = nl;
			li = &rs->lists[rs->num_lists++];
			memset(li, 0, sizeof *li);
			if (!(li->name = strdup(l->section_name)))
				return ch_error_set(CH_ERR_NOMEM, "out of memory");
		}
		return add_words(rs, &li->items, l->value);
	}
	if (strcmp(l->section_kind, "rule") != 0)
		return ch_error_set(CH_ERR_PARSE, "unknown section kind '%s' (use rule or list)",
				    l->section_kind);
	r = rs->num_rules ? &rs->rules[rs->num_rules - 1] : NULL;
	if (!r || strcmp(r->id, l->section_name) != 0 || r->line == 0) {
		for (size_t i = 0; i < rs->num_rules; i++)
			if (!strcmp(rs->rules[i].id, l->section_name))
				return ch_error_set(CH_ERR_PARSE, "rule '%s' defined twice",
						    l->section_name);
		r = realloc(rs->rules, (rs->num_rules + 1) * sizeof *r);
		if (!r)
			return ch_error_set(CH_ERR_NOMEM, "out of memory");
		rs->rules = r;
		r = &rs->rules[rs->num_rules++];
		memset(r, 0, sizeof *r);
		r->line = l->line;
		if (!(r->id = strdup(l->section_name)))
			return ch_error_set(CH_ERR_NOMEM, "out of memory");
	}
	if (!strcmp(l->key, "image")) {
		r->has_image = true;
		err = add_words(rs, &r->image, l->value);
	} else if (!strcmp(l->key, "cmd-token")) {
		r->has_token = true;
		err = add_words(rs, &r->cmd_token, l->value);
	} else if (!strcmp(l->key, "cmd-host")) {
		r->has_host = true;
		err = add_words(rs, &r->cmd_host, l->value);
	} else if (!strcmp(l->key, "net-host")) {
		r->has_net = true;
		err = add_words(rs, &r->net_host, l->value);
	} else if (!strcmp(l->key, "category")) {
		if (!one_of(l->value, categories))
			return ch_error_set(CH_ERR_PARSE, "category '%s' is not one of CertEnumTool, "
					    "CTLogQuery, OpenSSLProbe, CertutilEnum", l->value);
		slot = &r->category;
	} else if (!strcmp(l->key, "severity") || !strcmp(l->key, "confidence")) {
		if (!one_of(l->value, levels))
			return ch_error_set(CH_ERR_PARSE, "%s '%s' is not low, medium or high", l->key,
					    l->value);
		slot = !strcmp(l->key, "severity") ? &r->severity : &r->confidence;
	} else if (!strcmp(l->key, "description")) {
		slot = &r->description;
	} else {
		return ch_error_set(CH_ERR_PARSE, "unknown rule key '%s' (image, cmd-token, cmd-host, "
				    "net-host, category, severity, confidence, description)", l->key);
	}
	if (slot) {
		free(*slot);
		if (!(*slot = strdup(l->value)))
			err = ch_error_set(CH_ERR_NOMEM, "out of memory");
	}
	return err;
}

ch_err ch_detect_rules_parse(ch_detect_rules **out, const char *text, size_t len, const char *name)
{
	ch_err err;
	ch_detect_rules *rs = calloc(1, sizeof *rs);

	*out = NULL;
	if (!rs)
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	CH_TRY(ch_detect__conf_parse(text, len, name, on_line, rs));
	for (size_t i = 0; i < rs->num_rules; i++) {
		rule *r = &rs->rules[i];
		if (!r->category || !r->severity || !r->confidence) {
			err = ch_error_set(CH_ERR_PARSE, "%s:%llu: rule '%s' needs category, severity "
					   "and confidence", name, (unsigned long long)r->line, r->id);
			goto out;
		}
		if (!r->has_image && !r->has_token && !r->has_host && !r->has_net) {
			err = ch_error_set(CH_ERR_PARSE, "%s:%llu: rule '%s' has no condition", name,
					   (unsigned long long)r->line, r->id);
			goto out;
		}
		if (r->has_net && (r->has_image || r->has_token || r->has_host)) {
			err = ch_error_set(CH_ERR_PARSE, "%s:%llu: rule '%s': net-host rules match "
					   "network observations and take no process condition",
					   name, (unsigned long long)r->line, r->id);
			goto out;
		}
		if (!r->description && !(r->description = strdup("")))
			CH_TRY(ch_error_set(CH_ERR_NOMEM, "out of memory"));
	}
	if (rs->num_rules == 0) {
		err = ch_error_set(CH_ERR_PARSE, "%s: no [rule …] sections", name);
		goto out;
	}
	*out = rs;
	rs = NULL;
out:
	ch_detect_rules_free(rs);
	return err;
}

ch_err ch_detect_rules_load(ch_detect_rules **out, const char *path)
{
	ch_err err;
	char *text = NULL;
	size_t len;

	*out = NULL;
	CH_TRY(ch_detect__read_small(&text, &len, path));
	err = ch_detect_rules_parse(out, text, len, path);
out:
	free(text);
	return err;
}

const char *ch_detect_rules_default_path(void)
{
	static __thread char path[4096];
	const char *d = getenv("CERTHOUND_DATA_DIR");

#ifdef CH_DATA_DIR
	if (!d || !*d)
		d = CH_DATA_DIR;
#else
	if (!d || !*d)
		d = "data";
#endif
	snprintf(path, sizeof path, "%s/detect/rules.conf", d);
	return path;
}

size_t ch_detect_rules_count(const ch_detect_rules *rs)
{
	return rs->num_rules;
}

ch_detect_rule_info ch_detect_rules_get(const ch_detect_rules *rs, size_t i)
{
	const rule *r = &rs->rules[i];
	ch_detect_rule_info info = {
		r->id, r->category, r->severity, r->confidence, r->description,
		(const char *const *)r->image.v, r->image.n,
		(const char *const *)r->cmd_token.v, r->cmd_token.n,
		(const char *const *)r->cmd_host.v, r->cmd_host.n,
		(const char *const *)r->net_host.v, r->net_host.n,
	};
	return info;
}

void ch_detect_rules_free(ch_detect_rules *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->num_rules; i++) {
		rule *r = &rs->rules[i];
		free(r->id);
		free(r->category);
		free(r->severity);
		free(r->confidence);
		free(r->description);
		sl_free(&r->image);
		sl_free(&r->cmd_token);
		sl_free(&r->cmd_host);
		sl_free(&r->net_host);
	}
	for (size_t i = 0; i < rs->num_lists; i++) {
		free(rs->lists[i].name);
		sl_free(&rs->lists[i].items);
	}
	free(rs->rules);
	free(rs->lists);
	free(rs);
}

/* ---- matching ------------------------------------------------------------------------------ */

/* Script and executable extensions a tool name may carry ("sslscan.exe", "ctfr.py"): returns
 * the length without one, or n. */
static size_t strip_ext(const char *s, size_t n)
{
	static const char *const exts[] = {".exe", ".py", ".sh", ".pl", ".rb", ".ps1", ".bat",
					   ".cmd", ".jar", ".com", NULL};
	size_t dot = n;

	while (dot > 0 && n - dot < 5 && s[dot - 1] != '.')
		dot--;
	if (dot < 2 || s[dot - 1] != '.')
		return n;
	dot--;
	for (const char *const *e = exts; *e; e++) {
		size_t el = strlen(*e);
		if (n - dot == el && ch_detect__ieq(s + dot, *e, el))
			return dot;
	}
	return n;
}

/* True when the name s[0..n) is an item of l (lower case), with or without an extension. */
static bool in_list(const strlist *l, const char *s, size_t n)
{
	size_t sn;

	if (n == 0 || !in_set(l->first, s[0]))
		return false;
	sn = strip_ext(s, n);
	if (sn > l->max_len)
		return false;
	for (size_t i = 0; i < l->n; i++) {
		size_t vl = l->len[i];
		if ((vl == n || vl == sn) && ch_detect__ieq(s, l->v[i], vl))
			return true;
	}
	return false;
}

/* Command-line words: split at blanks, quotes and shell punctuation. */
static bool word_char(char c)
{
	return !(c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '"' || c == '\'' ||
		 c == '`' || c == '=' || c == ',' || c == ';' || c == '|' || c == '&' || c == '(' ||
		 c == ')' || c == '<' || c == '>' || c == '\0');
}

static bool cmd_has_token(const strlist *l, const char *cmd)
{
	const char *p = cmd;

	while (*p) {
		const char *w, *b;
		while (*p && !word_char(*p))
			p++;
		if (!*p)
			break;
		w = p;
		b = p;
		while (*p && word_char(*p)) {
			if (*p == '/' || *p == '\\')
				b = p + 1;
			p++;
		}
		if (in_list(l, w, (size_t)(p - w)) || (b != w && b < p && in_list(l, b, (size_t)(p - b))))
			return true;
	}
	return false;
}

static bool host_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-' || c == '_';
}

/* True when the run s[0..n) is host h (length hl) or a name below it ("api.certspotter.com"
 * under "certspotter.com"); "crt.sh.example.org" and "mycrt.shop" are neither. */
static bool host_is(const char *s, size_t n, const char *h, size_t hl)
{
	if (n < hl || !ch_detect__ieq(s + n - hl, h, hl))
		return false;
	return n == hl || s[n - hl - 1] == '.';
}

static bool any_host(const strlist *l, const char *s, size_t n)
{
	while (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0 || !in_set(l->last, s[n - 1]))
		return false;
	for (size_t i = 0; i < l->n; i++)
		if (host_is(s, n, l->v[i], l->len[i]))
			return true;
	return false;
}

static bool cmd_has_host(const strlist *l, const char *cmd)
{
	const char *p = cmd;

	while (*p) {
		const char *w;
		while (*p && !host_char(*p))
			p++;
		w = p;
		while (*p && host_char(*p))
			p++;
		if (p > w && memchr(w, '.', (size_t)(p - w)) && any_host(l, w, (size_t)(p - w)))
			return true;
	}
	return false;
}

long ch_detect_rules_match(const ch_detect_rules *rs, const ch_proc_event *ev)
{
	const char *name = ev->name && *ev->name ? ev->name : ch_detect__basename(ev->image);
	size_t nl = strlen(name);

	for (size_t i = 0; i < rs->num_rules; i++) {
		const rule *r = &rs->rules[i];
		if (r->has_net)
			continue;
		if (r->has_image && !in_list(&r->image, name, nl))
			continue;
		if (r->has_token && !cmd_has_token(&r->cmd_token, ev->command_line))
			continue;
		if (r->has_host && !cmd_has_host(&r->cmd_host, ev->command_line))
			continue;
		return (long)i;
	}
	return -1;
}

long ch_detect_rules_match_host(const ch_detect_rules *rs, const char *name)
{
	for (size_t i = 0; i < rs->num_rules; i++) {
		const rule *r = &rs->rules[i];
		if (r->has_net && any_host(&r->net_host, name, strlen(name)))
			return (long)i;
	}
	return -1;
}
