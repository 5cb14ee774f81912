/* pivot knowledge: noise rules, pivot and lead weights and settings from data/pivot/ files
 * (format in docs/pivot.md). Knowledge is data: nothing here names a CDN or a CA. */
#include "internal.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef CH_DATA_DIR
#define CH_DATA_DIR "data"
#endif

#define KB_MAX_FILES 256

const char *ch_pivot_kb_default_dir(void)
{
	static __thread char path[4096];
	const char *env = getenv("CERTHOUND_DATA_DIR");

	snprintf(path, sizeof path, "%s/pivot", env && *env ? env : CH_DATA_DIR);
	return path;
}

char *ch_pivot__lower_dup(const char *s)
{
	size_t n = strlen(s);
	char *p = malloc(n + 1);

	for (size_t i = 0; p && i <= n; i++)
		p[i] = (char)tolower((unsigned char)s[i]);
	return p;
}

bool ch_pivot__glob(const char *pat, const char *text)
{
	const char *star = NULL, *resume = NULL;

	/* Iterative glob with one backtrack point: linear in practice, never exponential. */
	while (*text) {
		if (*pat == '*') {
			star = pat++;
			resume = text;
		} else if (*pat == '?' || (unsigned char)*pat == tolower((unsigned char)*text)) {
			pat++;
			text++;
		} else if (star) {
			pat = star + 1;
			text = ++resume;
		} else {
			return false;
		}
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

double ch_pivot__rarity(const ch_pivot_kb *kb, uint64_t n)
{
	if ((double)n <= kb->handful)
		return 1.0;
	return sqrt(kb->handful / (double)n);
}

ch_err ch_pivot_kb_new(ch_pivot_kb **out)
{
	ch_pivot_kb *kb = calloc(1, sizeof *kb);

	*out = NULL;
	if (!kb)
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	kb->handful = 5;
	kb->decay = 0.85;
	kb->min_weight = 0.1;
	kb->min_score = 0.1;
	kb->multi_tenant = 10;
	for (int i = 0; i < PV_LEAD_COUNT_; i++)
		kb->lead_w[i] = 0.5;
	*out = kb;
	return CH_OK;
}

void ch_pivot_kb_free(ch_pivot_kb *kb)
{
	if (!kb)
		return;
	for (size_t i = 0; i < kb->num_rules; i++) {
		free(kb->rules[i].reason);
		free(kb->rules[i].pattern);
		free(kb->rules[i].shown);
	}
	free(kb->rules);
	for (size_t i = 0; i < kb->num_value_scope; i++)
		free(kb->value_scope[i]);
	free(kb);
}

bool ch_pivot__value_scope(const ch_pivot_kb *kb, const char *reason)
{
	for (size_t i = 0; kb && reason && i < kb->num_value_scope; i++)
		if (!strcmp(kb->value_scope[i], reason))
			return true;
	return false;
}

/* set_scope records whether rules named `reason` suppress the value only or the certificate. */
static ch_err set_scope(ch_pivot_kb *kb, const char *reason, const char *scope, const char *name,
			size_t line)
{
	size_t i = 0;

	while (i < kb->num_value_scope && strcmp(kb->value_scope[i], reason))
		i++;
	if (!strcmp(scope, "cert")) {
		if (i < kb->num_value_scope) {
			free(kb->value_scope[i]);
			kb->value_scope[i] = kb->value_scope[--kb->num_value_scope];
		}
		return CH_OK;
	}
	if (strcmp(scope, "value"))
		return ch_error_set(CH_ERR_PARSE, "%s:%zu: scope is 'value' or 'cert', not '%s'", name,
				    line, scope);
	if (i < kb->num_value_scope)
		return CH_OK;
	if (kb->num_value_scope == PV_MAX_SCOPES)
		return ch_error_set(CH_ERR_LIMIT, "%s:%zu: more than %d scope lines", name, line,
				    PV_MAX_SCOPES);
	if (!(kb->value_scope[kb->num_value_scope] = strdup(reason)))
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	kb->num_value_scope++;
	return CH_OK;
}

size_t ch_pivot_kb_rules(const ch_pivot_kb *kb)
{
	return kb ? kb->num_rules : 0;
}

const char *ch_pivot_kb_match(const ch_pivot_kb *kb, ch_store_attr attr, const char *value,
			      const char **out_pattern)
{
	for (size_t i = 0; kb && value && i < kb->num_rules; i++) {
		const ch_pv_rule *r = &kb->rules[i];
		if (r->attr == attr && ch_pivot__glob(r->pattern, value)) {
			if (out_pattern)
				*out_pattern = r->shown;
			return r->reason;
		}
	}
	return NULL;
}

static bool parse_weight(double *out, const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= 0))
		return false;
	*out = v;
	return true;
}

static const char *const lead_names[PV_LEAD_COUNT_] = {"name", "domain", "ip", "sighting"};

static ch_err add_rule(ch_pivot_kb *kb, const char *reason, ch_store_attr attr, const char *pat)
{
	ch_pv_rule *r;

	if (kb->num_rules >= CH_PIVOT_KB_MAX_RULES)
		return ch_error_set(CH_ERR_LIMIT, "more than %u noise rules", CH_PIVOT_KB_MAX_RULES);
	if (kb->num_rules == kb->cap_rules) {
		size_t cap = kb->cap_rules ? 2 * kb->cap_rules : 64;
		r = realloc(kb->rules, cap * sizeof *r);
		if (!r)
			return ch_error_set(CH_ERR_NOMEM, "out of memory");
		kb->rules = r;
		kb->cap_rules = cap;
	}
	r = &kb->rules[kb->num_rules];
	r->attr = attr;
	r->reason = strdup(reason);
	r->pattern = ch_pivot__lower_dup(pat);
	r->shown = strdup(pat);
	if (!r->reason || !r->pattern || !r->shown) {
		free(r->reason);
		free(r->pattern);
		free(r->shown);
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	}
	kb->num_rules++;
	return CH_OK;
}

/* parse_line handles one line cut into its first two words and the rest (trimmed). */
static ch_err parse_line(ch_pivot_kb *kb, const char *w1, const char *w2, const char *rest,
			 const char *name, size_t line)
{
	double v;
	ch_store_attr a;

	if (!*w2 || !*rest)
		return ch_error_set(CH_ERR_PARSE, "%s:%zu: expected three fields", name, line);
	if (!strcmp(w1, "pivot") || !strcmp(w1, "lead") || !strcmp(w1, "set") || !strcmp(w1, "scope")) {
		char num[64];
		bool confirm = false;
		size_t k = strcspn(rest, " \t#"), m = k + strspn(rest + k, " \t");
		snprintf(num, sizeof num, "%.*s", (int)(k < 63 ? k : 63), rest);
		/* `pivot ATTR WEIGHT confirm` */
		if (!strcmp(w1, "pivot") && !strncmp(rest + m, "confirm", 7) &&
		    (!rest[m + 7] || strchr(" \t#", rest[m + 7]))) {
			confirm = true;
			m += 7;
			m += strspn(rest + m, " \t");
		}
		if (rest[m] && rest[m] != '#')
			return ch_error_set(CH_ERR_PARSE, "%s:%zu: unexpected text after '%s'", name, line, num);
		if (!strcmp(w1, "scope"))
			return set_scope(kb, w2, num, name, line);
		rest = num;
		if (!parse_weight(&v, rest))
			return ch_error_set(CH_ERR_PARSE, "%s:%zu: '%s' is not a number", name, line, rest);
		if (!strcmp(w1, "pivot")) {
			if (!(a = ch_store_attr_from_name(w2)))
				return ch_error_set(CH_ERR_PARSE, "%s:%zu: unknown attribute '%s'", name, line, w2);
			kb->pivot_w[a] = v > 1 ? 1 : v;
			kb->confirm_only[a] = confirm;
			return CH_OK;
		}
		if (!strcmp(w1, "lead")) {
			for (int i = 0; i < PV_LEAD_COUNT_; i++)
				if (!strcmp(w2, lead_names[i])) {
					kb->lead_w[i] = v > 1 ? 1 : v;
					return CH_OK;
				}
			return ch_error_set(CH_ERR_PARSE, "%s:%zu: unknown lead kind '%s'", name, line, w2);
		}
		if (!strcmp(w2, "handful") && v >= 1)
			kb->handful = v;
		else if (!strcmp(w2, "decay") && v <= 1)
			kb->decay = v;
		else if (!strcmp(w2, "min_weight") && v <= 1)
			kb->min_weight = v;
		else if (!strcmp(w2, "min_score") && v <= 1)
			kb->min_score = v;
		else if (!strcmp(w2, "multi_tenant") && v >= 2)
			kb->multi_tenant = v;
		else
			return ch_error_set(CH_ERR_PARSE, "%s:%zu: unknown setting or value out of range '%s'",
					    name, line, w2);
		return CH_OK;
	}
	if (!(a = ch_store_attr_from_name(w2)))
		return ch_error_set(CH_ERR_PARSE, "%s:%zu: unknown attribute '%s'", name, line, w2);
	return add_rule(kb, w1, a, rest);
}

/* next_word copies the word at *p (up to cap-1 bytes) and advances past it and its blanks. */
static void next_word(char *out, size_t cap, const char **p, const char *end)
{
	size_t n = 0;

	while (*p < end && !isspace((unsigned char)**p)) {
		if (n + 1 < cap)
			out[n++] = **p;
		(*p)++;
	}
	out[n] = '\0';
	while (*p < end && (**p == ' ' || **p == '\t'))
		(*p)++;
}

ch_err ch_pivot_kb_parse(ch_pivot_kb *kb, const char *text, size_t len, const char *name)
{
	const char *p = text, *end = text + len;
	size_t line = 0;
	ch_err err = CH_OK;
	char w1[64], w2[64], rest[1024];

	while (p < end && !err) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *le = eol ? eol : end;
		size_t rn;

		line++;
		while (p < le && (*p == ' ' || *p == '\t'))
			p++;
		if (p == le || *p == '#' || *p == '\r') {
			p = eol ? eol + 1 : end;
			continue;
		}
		next_word(w1, sizeof w1, &p, le);
		next_word(w2, sizeof w2, &p, le);
		rn = (size_t)(le - p);
		while (rn && isspace((unsigned char)p[rn - 1]))
			rn--;
		if (rn >= sizeof rest)
			return ch_error_set(CH_ERR_PARSE, "%s:%zu: line too long", name, line);
		memcpy(rest, p, rn);
		rest[rn] = '\0';
		err = parse_line(kb, w1, w2, rest, name, line);
		p = eol ? eol + 1 : end;
	}
	return err;
}

static ch_err load_file(ch_pivot_kb *kb, const char *path)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0;
	ch_err err = CH_OK;

	if (!f)
		return ch_error_set(CH_ERR_IO, "%s: %s", path, strerror(errno));
	if (!(buf = malloc(CH_PIVOT_KB_MAX_FILE + 1)))
		CH_TRY(ch_error_set(CH_ERR_NOMEM, "out of memory"));
	n = fread(buf, 1, CH_PIVOT_KB_MAX_FILE + 1, f);
	if (ferror(f))
		CH_TRY(ch_error_set(CH_ERR_IO, "%s: read error", path));
	if (n > CH_PIVOT_KB_MAX_FILE)
		CH_TRY(ch_error_set(CH_ERR_LIMIT, "%s: larger than %u bytes", path, CH_PIVOT_KB_MAX_FILE));
	err = ch_pivot_kb_parse(kb, buf, n, path);
out:
	free(buf);
	fclose(f);
	return err;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool kb_file(const char *n)
{
	size_t l = strlen(n);

	return n[0] != '.' && ((l > 5 && !strcmp(n + l - 5, ".conf")) || (l > 4 && !strcmp(n + l - 4, ".txt")));
}

static ch_err load_dir(ch_pivot_kb *kb, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char *names[KB_MAX_FILES], path[4096];
	size_t n = 0;
	ch_err err = CH_OK;

	if (!d)
		return ch_error_set(CH_ERR_IO, "%s: %s", dir, strerror(errno));
	while ((e = readdir(d)))
		if (kb_file(e->d_name)) {
			if (n == KB_MAX_FILES)
				CH_TRY(ch_error_set(CH_ERR_LIMIT, "%s: more than %d knowledge files", dir, KB_MAX_FILES));
			if (!(names[n] = strdup(e->d_name)))
				CH_TRY(ch_error_set(CH_ERR_NOMEM, "out of memory"));
			n++;
		}
	qsort(names, n, sizeof *names, cmp_str);
	for (size_t i = 0; i < n && !err; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, names[i]);
		err = load_file(kb, path);
	}
out:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	closedir(d);
	return err;
}

ch_err ch_pivot_kb_load(ch_pivot_kb **out, const char *dir, const char *const *extra,
			size_t num_extra)
{
	ch_pivot_kb *kb = NULL;
	ch_err err;

	*out = NULL;
	CH_TRY(ch_pivot_kb_new(&kb));
	CH_TRY(load_dir(kb, dir ? dir : ch_pivot_kb_default_dir()));
	for (size_t i = 0; i < num_extra; i++)
		CH_TRY(load_file(kb, extra[i]));
	*out = kb;
	kb = NULL;
out:
	ch_pivot_kb_free(kb);
	return err;
}
