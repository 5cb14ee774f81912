/* Allow-lists (false-positive control; data/detect/allow.conf.example, docs/detect.md):
 *
 *   [allow security-team-tls-audits]
 *   host     = SECSCAN-*        glob on the event's host
 *   user     = CORP\svc_tls*    glob on the user ("DOMAIN\user"; also tried on "user" alone)
 *   parent   = *\jenkins*       glob on the parent's path, also on its file name
 *   image    = sslyze*          glob on the process path, also on its file name
 *   cmd      = *--regular*      glob on the command line
 *   category = CertEnumTool     exact category
 *   rule     = openssl-*        glob on the rule id
 *   from     = 2024-05-01T00:00:00Z   time window (either end may be left out)
 *   until    = 2024-05-15T00:00:00Z
 *
 * A key given several times matches if any of its values does; different keys must all match.
 * Globs know '*' and '?' and ignore ASCII case. An entry needs at least one of host, user,
 * parent, image or cmd, so that no entry can silence a whole category by accident. */
#include "detect/internal.h"

#include <stdlib.h>
#include <string.h>

enum { A_HOST, A_USER, A_PARENT, A_IMAGE, A_CMD, A_CATEGORY, A_RULE, A_NUM };

static const char *const keys[A_NUM] = {"host", "user", "parent", "image", "cmd", "category",
					"rule"};

typedef struct entry {
	char *name;
	char **v[A_NUM];
	size_t n[A_NUM];
	int64_t from_ms, until_ms;
	bool has_from, has_until;
	uint64_t line;
} entry;

struct ch_detect_allow {
	entry *e;
	size_t num;
};

static ch_err on_line(void *ctx, const conf_line *l)
{
	ch_detect_allow *al = ctx;
	entry *e = al->num ? &al->e[al->num - 1] : NULL;

	if (strcmp(l->section_kind, "allow") != 0)
		return ch_error_set(CH_ERR_PARSE, "unknown section kind '%s' (use allow)",
				    l->section_kind);
	if (!e || strcmp(e->name, l->section_name) != 0) {
		e = realloc(al->e, (al->num + 1) * sizeof *e);
		if (!e)
			return ch_error_set(CH_ERR_NOMEM, "out of memory");
		al->e = e;
		e = &al->e[al->num++];
		memset(e, 0, sizeof *e);
		e->line = l->line;
		if (!(e->name = strdup(l->section_name)))
			return ch_error_set(CH_ERR_NOMEM, "out of memory");
	}
	if (!strcmp(l->key, "from") || !strcmp(l->key, "until")) {
		int64_t t;
		if (!ch_detect__parse_time(&t, l->value, strlen(l->value)))
			return ch_error_set(CH_ERR_PARSE, "%s: not a time (2024-05-01T00:00:00Z)",
					    l->key);
		if (l->key[0] == 'f') {
			e->from_ms = t;
			e->has_from = true;
		} else {
			e->until_ms = t;
			e->has_until = true;
		}
		return CH_OK;
	}
	for (int k = 0; k < A_NUM; k++) {
		char **v;
		if (strcmp(l->key, keys[k]) != 0)
			continue;
		if (!*l->value)
			return ch_error_set(CH_ERR_PARSE, "%s: empty value", l->key);
		v = realloc(e->v[k], (e->n[k] + 1) * sizeof *v);
		if (!v)
			return ch_error_set(CH_ERR_NOMEM, "out of memory");
		e->v[k] = v;
		if (!(v[e->n[k]] = strdup(l->value)))
			return ch_error_set(CH_ERR_NOMEM, "out of memory");
		e->n[k]++;
		return CH_OK;
	}
	return ch_error_set(CH_ERR_PARSE, "unknown allow key '%s' (host, user, parent, image, cmd, "
			    "category, rule, from, until)", l->key);
}

ch_err ch_detect_allow_parse(ch_detect_allow **out, const char *text, size_t len, const char *name)
{
	ch_err err;
	ch_detect_allow *al = calloc(1, sizeof *al);

	*out = NULL;
	if (!al)
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	CH_TRY(ch_detect__conf_parse(text, len, name, on_line, al));
	for (size_t i = 0; i < al->num; i++) {
		entry *e = &al->e[i];
		if (!e->n[A_HOST] && !e->n[A_USER] && !e->n[A_PARENT] && !e->n[A_IMAGE] &&
		    !e->n[A_CMD]) {
			err = ch_error_set(CH_ERR_PARSE, "%s:%llu: allow entry '%s' needs at least one "
					   "of host, user, parent, image or cmd", name,
					   (unsigned long long)e->line, e->name);
			goto out;
		}
		if (e->has_from && e->has_until && e->until_ms < e->from_ms) {
			err = ch_error_set(CH_ERR_PARSE, "%s:%llu: allow entry '%s' ends before it "
					   "starts", name, (unsigned long long)e->line, e->name);
			goto out;
		}
	}
	*out = al;
	al = NULL;
out:
	ch_detect_allow_free(al);
	return err;
}

ch_err ch_detect_allow_load(ch_detect_allow **out, const char *path)
{
	ch_err err;
	char *text = NULL;
	size_t len;

	*out = NULL;
	CH_TRY(ch_detect__read_small(&text, &len, path));
	err = ch_detect_allow_parse(out, text, len, path);
out:
	free(text);
	return err;
}

/* Any value of key k matches s (or, when `alt` differs, alt). */
static bool any(const entry *e, int k, const char *s, const char *alt)
{
	if (!e->n[k])
		return true;
	for (size_t i = 0; i < e->n[k]; i++) {
		if (ch_detect__glob(e->v[k][i], s))
			return true;
		if (alt && alt != s && ch_detect__glob(e->v[k][i], alt))
			return true;
	}
	return false;
}

static bool cat_is(const entry *e, const char *category)
{
	if (!e->n[A_CATEGORY])
		return true;
	for (size_t i = 0; i < e->n[A_CATEGORY]; i++)
		if (!strcmp(e->v[A_CATEGORY][i], category))
			return true;
	return false;
}

/* ch_detect__allow_match_rule is ch_detect_allow_match that also checks `rule` keys. */
const char *ch_detect__allow_match_rule(const ch_detect_allow *al, const ch_proc_event *ev,
					const char *category, const char *rule_id)
{
	const char *user_short;

	if (!al)
		return NULL;
	user_short = strrchr(ev->user, '\\');
	user_short = user_short ? user_short + 1 : ev->user;
	for (size_t i = 0; i < al->num; i++) {
		const entry *e = &al->e[i];
		if (e->has_from && (ev->time_ms == INT64_MIN || ev->time_ms < e->from_ms))
			continue;
		if (e->has_until && (ev->time_ms == INT64_MIN || ev->time_ms > e->until_ms))
			continue;
		if (!cat_is(e, category) || (rule_id && !any(e, A_RULE, rule_id, NULL)) ||
		    (!rule_id && e->n[A_RULE]))
			continue;
		if (!any(e, A_HOST, ev->host, NULL) || !any(e, A_USER, ev->user, user_short) ||
		    !any(e, A_PARENT, ev->parent_image, ch_detect__basename(ev->parent_image)) ||
		    !any(e, A_IMAGE, ev->image, ev->name) || !any(e, A_CMD, ev->command_line, NULL))
			continue;
		return e->name;
	}
	return NULL;
}

const char *ch_detect_allow_match(const ch_detect_allow *al, const ch_proc_event *ev,
				  const char *category)
{
	return ch_detect__allow_match_rule(al, ev, category, NULL);
}

void ch_detect_allow_free(ch_detect_allow *al)
{
	if (!al)
		return;
	for (size_t i = 0; i < al->num; i++) {
		for (int k = 0; k < A_NUM; k++) {
			for (size_t j = 0; j < al->e[i].n[k]; j++)
				free(al->e[i].v[k][j]);
			free(al->e[i].v[k]);
		}
		free(al->e[i].name);
	}
	free(al->e);
	free(al);
}
