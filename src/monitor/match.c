/* monitor: matching one certificate against the watch list (docs/monitor.md, "Rules"). Every
 * lookup is a hash probe: exact names, each parent of a name for subtrees, each window of labels
 * for embedded domains, and for look-alikes each token, its prefixes and suffixes, its
 * one-deletion forms and its skeleton — so the cost per name does not grow with the list. */
#include "internal.h"

#include <certhound/report.h>
#include <certhound/util.h>

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN_MAX 256

typedef struct mctx {
	ch_monitor *m;
	ch_monitor_matches *out;
	const ch_monitor_cert *c;
	ch_err err;
} mctx;

static void alert(mctx *x, ch_monitor_rule rule, uint32_t entry, const char *name, int distance,
		  const char *detail)
{
	ch_monitor_matches *o = x->out;
	ch_monitor_alert *a = NULL;

	if (x->err)
		return;
	for (size_t i = 0; i < o->num_alerts && !a; i++)
		if (o->alerts[i].rule == rule && o->alerts[i].entry == entry)
			a = &o->alerts[i];
	if (!a) {
		if (o->num_alerts == o->cap) {
			size_t cap = o->cap ? o->cap * 2 : 8;
			ch_monitor_alert *n = realloc(o->alerts, cap * sizeof *n);
			if (!n) {
				x->err = ch_error_set(CH_ERR_NOMEM, "out of memory");
				return;
			}
			o->alerts = n;
			o->cap = cap;
		}
		a = &o->alerts[o->num_alerts++];
		memset(a, 0, sizeof *a);
		a->rule = rule;
		a->entry = entry;
		a->distance = distance;
		a->cert = x->c;
		snprintf(a->detail, sizeof a->detail, "%s", detail ? detail : "");
	}
	if (distance >= 0 && (a->distance < 0 || distance < a->distance))
		a->distance = distance;
	for (size_t i = 0; i < a->num_names; i++)
		if (!strcmp(a->names[i], name))
			return;
	if (a->num_names < CH_MONITOR_MAX_ALERT_NAMES && !(a->names[a->num_names++] = strdup(name))) {
		a->num_names--;
		x->err = ch_error_set(CH_ERR_NOMEM, "out of memory");
	}
}

static void all_of(mctx *x, const ch_mon_map *map, const char *key, size_t len,
		   ch_monitor_rule rule, const char *name, int distance, const char *detail)
{
	ch_mon_iter it;
	uint32_t v;

	ch_mon__map_find(&it, map, key, len);
	while (ch_mon__map_next(&it, &v))
		alert(x, rule, v, name, distance, detail);
}

/* watched: exact and subtree hits of `host` (a name without "*."); returns true when covered. */
static bool watched(mctx *x, const char *host, const char *name, const char *shown,
		    ch_monitor_rule exact_rule, ch_monitor_rule sub_rule)
{
	size_t len = strlen(host);
	bool hit = false;

	if (ch_mon__map_has(&x->m->exact, name, strlen(name)) ||
	    ch_mon__map_has(&x->m->exact, host, len)) {
		all_of(x, &x->m->exact, name, strlen(name), exact_rule, shown, -1, NULL);
		if (strcmp(name, host))
			all_of(x, &x->m->exact, host, len, exact_rule, shown, -1, NULL);
		hit = true;
	}
	for (const char *p = host; p; p = strchr(p, '.') ? strchr(p, '.') + 1 : NULL) {
		size_t l = len - (size_t)(p - host);
		if (ch_mon__map_has(&x->m->subtree, p, l)) {
			all_of(x, &x->m->subtree, p, l, sub_rule, shown, -1, NULL);
			hit = true;
		}
	}
	return hit;
}

/* allowed_ca: for a watched name, every allow-ca list on it or a parent must name the issuer. */
static void allowed_ca(mctx *x, const char *host, const char *name)
{
	char issuer[2048];
	size_t len = strlen(host);

	snprintf(issuer, sizeof issuer, "%s", x->c->issuer ? x->c->issuer : "");
	for (char *p = issuer; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	for (const char *p = host; p; p = strchr(p, '.') ? strchr(p, '.') + 1 : NULL) {
		size_t l = len - (size_t)(p - host);
		ch_mon_iter it;
		uint32_t v, first = UINT32_MAX;
		bool ok = false;
		ch_mon__map_find(&it, &x->m->allow, p, l);
		while (ch_mon__map_next(&it, &v)) {
			if (first == UINT32_MAX || v < first)
				first = v;
			ok |= strstr(issuer, x->m->e[v].extra) != NULL;
		}
		if (first != UINT32_MAX && !ok)
			alert(x, CH_RULE_UNEXPECTED_CA, first, name, -1, x->c->issuer);
	}
}

/* embedded: windows of labels of the name ('-' read as '.') that are a watched domain; true
 * when one is. */
static bool embedded(mctx *x, const char *name)
{
	char t[CH_NAME_BUF];
	size_t starts[128], n = 0, len = strlen(name);
	bool hit = false;

	if (!x->m->subtree.n || len >= sizeof t)
		return false;
	for (size_t i = 0; i <= len; i++)
		t[i] = name[i] == '-' ? '.' : name[i];
	starts[n++] = 0;
	for (size_t i = 0; i < len && n < 128; i++)
		if (t[i] == '.')
			starts[n++] = i + 1;
	for (size_t a = 0; a < n; a++)
		for (size_t b = a + 2; b <= n && b - a <= x->m->max_sub_labels; b++) {
			size_t end = b == n ? len : starts[b] - 1;
			char detail[300];
			if (end <= starts[a])
				continue;
			if (!ch_mon__map_has(&x->m->subtree, t + starts[a], end - starts[a]))
				continue;
			snprintf(detail, sizeof detail, "contains %.*s", (int)(end - starts[a]), t + starts[a]);
			all_of(x, &x->m->subtree, t + starts[a], end - starts[a], CH_RULE_EMBEDDED, name,
			       -1, detail);
			hit = true;
		}
	return hit;
}

static const char *script_text(unsigned s)
{
	static const char *const t[16] = {"", "latin", "cyrillic", "latin+cyrillic", "greek",
					  "latin+greek", "cyrillic+greek", "latin+cyrillic+greek",
					  "other", "latin+other", "cyrillic+other",
					  "latin+cyrillic+other", "greek+other", "latin+greek+other",
					  "cyrillic+greek+other", "latin+cyrillic+greek+other"};
	return t[s & 15];
}

static bool in_list(const uint32_t *l, size_t n, uint32_t v)
{
	for (size_t i = 0; i < n; i++)
		if (l[i] == v)
			return true;
	return false;
}

/* typos: keywords one edit from tok — tok is a keyword minus a letter, a keyword plus a letter
 * (one of tok's deletions is a keyword), or both lose the same position (a substitution or,
 * checked, a swap). Entries in `skip` already matched as look-alikes. */
static void typos(mctx *x, const char *tok, size_t l, const char *name, const uint32_t *skip,
		  size_t nskip)
{
	ch_monitor *m = x->m;
	char buf[TOKEN_MAX];
	ch_mon_iter it;
	uint32_t v;

	if (l + 1 < 63 && !(m->kw_lens & (7ull << (l - 1))))
		return; /* no keyword of length l-1, l or l+1 */
	ch_mon__map_find(&it, &m->del, tok, l);
	while (ch_mon__map_next(&it, &v))
		if (!in_list(skip, nskip, v))
			alert(x, CH_RULE_TYPO, v, name, 1, "one letter missing");
	for (size_t d = 0; d < l; d++) {
		memcpy(buf, tok, d);
		memcpy(buf + d, tok + d + 1, l - d - 1);
		ch_mon__map_find(&it, &m->kw, buf, l - 1);
		while (ch_mon__map_next(&it, &v))
			if (!in_list(skip, nskip, v) && strlen(m->e[v].value) >= m->o.min_keyword_len)
				alert(x, CH_RULE_TYPO, v, name, 1, "one letter added");
		ch_mon__map_find(&it, &m->del, buf, l - 1);
		while (ch_mon__map_next(&it, &v)) {
			const char *k = m->e[v].value;
			if (!in_list(skip, nskip, v) && strlen(k) == l && ch_mon__damerau1(tok, l, k, l))
				alert(x, CH_RULE_TYPO, v, name, 1, "one letter changed or swapped");
		}
	}
}

/* token: one word of a name that is not covered by the watch list. */
static void token(mctx *x, const char *tok, size_t l, const char *name, bool idn)
{
	ch_monitor *m = x->m;
	char buf[TOKEN_MAX * 2], detail[300];
	ch_mon_iter it;
	uint32_t v;
	unsigned scripts;
	size_t sl, nlook = 0;
	uint32_t look[16];
	bool ascii = true;

	if (!l || l >= TOKEN_MAX)
		return;
	for (size_t i = 0; i < l; i++)
		ascii &= (unsigned char)tok[i] < 0x80;
	/* looks the same once look-alike characters are folded */
	sl = ch_mon__skeleton(m, buf, sizeof buf, tok, l, &scripts);
	if (sl != l || memcmp(buf, tok, l)) {
		ch_mon__map_find(&it, &m->skel, buf, sl);
		while (ch_mon__map_next(&it, &v)) {
			if (strlen(m->e[v].value) == l && !memcmp(m->e[v].value, tok, l))
				continue;
			snprintf(detail, sizeof detail, "%.*s looks like %s%s%s", (int)l, tok, m->e[v].value,
				 (scripts & (scripts - 1)) ? ", mixed-script " : "",
				 (scripts & (scripts - 1)) ? script_text(scripts) : "");
			alert(x, ascii ? CH_RULE_HOMOGLYPH : CH_RULE_IDN_HOMOGLYPH, v, name, 0, detail);
			if (nlook < sizeof look / sizeof *look)
				look[nlook++] = v;
		}
	}
	if (ascii && !idn) {
		/* the keyword itself next to other words or under another suffix */
		if (ch_mon__map_has(&m->kw, tok, l)) {
			snprintf(detail, sizeof detail, "word %.*s", (int)l, tok);
			all_of(x, &m->kw, tok, l, CH_RULE_KEYWORD, name, -1, detail);
		}
		/* glued to other letters: "examplesecure", "myexample" */
		for (size_t k = m->o.min_keyword_len; k < l; k++) {
			if (k < 63 && !(m->kw_lens & (1ull << k)))
				continue;
			if (ch_mon__map_has(&m->kw, tok, k)) {
				snprintf(detail, sizeof detail, "starts with %.*s", (int)k, tok);
				all_of(x, &m->kw, tok, k, CH_RULE_KEYWORD, name, -1, detail);
			}
			if (ch_mon__map_has(&m->kw, tok + l - k, k)) {
				snprintf(detail, sizeof detail, "ends with %.*s", (int)k, tok + l - k);
				all_of(x, &m->kw, tok + l - k, k, CH_RULE_KEYWORD, name, -1, detail);
			}
		}
		/* one edit away (unless it already reads as the keyword through look-alikes) */
		if (l + 1 >= m->o.min_keyword_len && !ch_mon__map_has(&m->kw, tok, l))
			typos(x, tok, l, name, look, nlook);
	}
}

/* tokens: the words left of the public suffix, split at '.', '-' and '_'. */
static void tokens(mctx *x, const char *s, size_t body, const char *name, bool idn)
{
	size_t i = 0;

	while (i < body) {
		size_t st = i;
		if ((st == 0 || s[st - 1] == '.') && !strncmp(s + st, "xn--", 4)) {
			/* an A-label: its U-label form is looked at instead */
			while (i < body && s[i] != '.')
				i++;
			i++;
			continue;
		}
		while (i < body && s[i] != '.' && s[i] != '-' && s[i] != '_')
			i++;
		token(x, s + st, i - st, name, idn);
		/* a whole label with its dashes ("exam-ple" is not "example", but "ex-ample" glued
		 * back is): try the label without separators too */
		i++;
	}
	{
		char glued[CH_NAME_BUF];
		size_t k = 0, ls = 0;
		for (size_t j = 0; j <= body && k + 1 < sizeof glued; j++) {
			if (j == body || s[j] == '.') {
				if (k > 0 && memchr(s + ls, '-', j - ls) && strncmp(s + ls, "xn--", 4))
					token(x, glued, k, name, idn);
				k = 0;
				ls = j + 1;
			} else if (s[j] != '-' && s[j] != '_') {
				glued[k++] = s[j];
			}
		}
	}
}

static size_t labels_of(const char *s)
{
	size_t n = 1;

	for (; *s; s++)
		n += *s == '.';
	return n;
}

/* body_len: bytes of s before its last `suffix_labels` labels (and the dot before them). */
static size_t body_len(const char *s, size_t suffix_labels)
{
	size_t len = strlen(s);

	for (size_t k = 0; k < suffix_labels && len > 0; k++) {
		while (len > 0 && s[len - 1] != '.')
			len--;
		if (len > 0)
			len--;
	}
	return len;
}

static void lookalikes(mctx *x, const char *name)
{
	const char *host = !strncmp(name, "*.", 2) ? name + 2 : name;
	const char *reg = ch_names_registered_domain(x->m->names, host);
	size_t suffix = reg ? labels_of(reg) - 1 : 1;
	char uni[CH_NAME_BUF];

	if (embedded(x, host) || labels_of(host) <= suffix)
		return; /* a whole watched domain inside says more than its keyword would */
	tokens(x, host, body_len(host, suffix), name, false);
	if (strstr(host, "xn--") && ch_name_to_unicode(uni, host))
		tokens(x, uni, body_len(uni, suffix), name, true);
}

static void org_value(void *arg, const char *v)
{
	mctx *x = arg;
	char low[1024];
	size_t n = 0;

	for (; v[n] && n + 1 < sizeof low; n++)
		low[n] = (char)tolower((unsigned char)v[n]);
	low[n] = '\0';
	all_of(x, &x->m->org, low, n, CH_RULE_ORG, x->c->num_names ? x->c->names[0] : "", -1, v);
}

static void one_name(mctx *x, const char *name)
{
	const char *host = !strncmp(name, "*.", 2) ? name + 2 : name;
	const char *nul = strstr(name, "\\0");

	if (nul) {
		char pre[CH_NAME_BUF];
		size_t l = (size_t)(nul - name);
		if (l && l < sizeof pre) {
			memcpy(pre, name, l);
			pre[l] = '\0';
			watched(x, !strncmp(pre, "*.", 2) ? pre + 2 : pre, pre, name, CH_RULE_NUL_PREFIX,
				CH_RULE_NUL_PREFIX);
		}
	}
	if (watched(x, host, name, name, CH_RULE_EXACT, CH_RULE_SUBTREE)) {
		if (x->m->allow.n)
			allowed_ca(x, host, name);
		return;
	}
	if (!nul)
		lookalikes(x, name);
}

ch_err ch_monitor_match(ch_monitor *m, ch_monitor_matches *out, const ch_monitor_cert *c)
{
	mctx x = {m, out, c, CH_OK};

	for (size_t i = 0; i < out->num_alerts; i++)
		for (size_t k = 0; k < out->alerts[i].num_names; k++)
			free(out->alerts[i].names[k]);
	out->num_alerts = 0;
	for (size_t i = 0; i < c->num_names && !x.err; i++)
		one_name(&x, c->names[i]);
	if (m->org.n && c->subject)
		ch_mon__dn_values(c->subject, "O", org_value, &x);
	/* ids: one per (rule, watch entry, issuer, serial) */
	for (size_t i = 0; !x.err && i < out->num_alerts; i++) {
		ch_monitor_alert *a = &out->alerts[i];
		char key[4096];
		int n = snprintf(key, sizeof key, "%s|%u|%s|%s|%s", ch_monitor_rule_name(a->rule),
				 (unsigned)m->e[a->entry].kind, m->e[a->entry].value,
				 c->issuer ? c->issuer : "", c->serial_hex ? c->serial_hex : "");
		snprintf(a->id, sizeof a->id, "%016llx",
			 (unsigned long long)ch_mon__hash(key, n < 0 ? 0 : (size_t)n < sizeof key ? (size_t)n : sizeof key - 1));
	}
	return x.err;
}

void ch_monitor_matches_free(ch_monitor_matches *mm)
{
	for (size_t i = 0; i < mm->num_alerts; i++)
		for (size_t k = 0; k < mm->alerts[i].num_names; k++)
			free(mm->alerts[i].names[k]);
	free(mm->alerts);
	memset(mm, 0, sizeof *mm);
}

/* ---- DN values ----------------------------------------------------------------------------- */

static int hexv(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
	       c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

void ch_mon__dn_values(const char *dn, const char *type, void (*fn)(void *, const char *), void *arg)
{
	size_t tl = strlen(type);
	const char *p = dn;

	while (*p) {
		const char *eq = strchr(p, '=');
		char v[1024];
		size_t k = 0;
		bool want;
		if (!eq)
			return;
		want = (size_t)(eq - p) == tl && !strncasecmp(p, type, tl);
		p = eq + 1;
		while (*p && *p != ',' && *p != '+') {
			char c = *p++;
			if (c == '\\' && *p) {
				if (hexv(p[0]) >= 0 && p[1] && hexv(p[1]) >= 0) {
					c = (char)(hexv(p[0]) * 16 + hexv(p[1]));
					p += 2;
				} else {
					c = *p++;
				}
			}
			if (k + 1 < sizeof v)
				v[k++] = c;
		}
		v[k] = '\0';
		if (want)
			fn(arg, v);
		if (*p)
			p++;
	}
}

/* ---- alert JSON ---------------------------------------------------------------------------- */

static const char *kind_name(ch_watch_kind k)
{
	static const char *const n[] = {"?", "name", "domain", "org", "keyword", "allow-ca"};

	return (unsigned)k < sizeof n / sizeof *n ? n[k] : "?";
}

ch_err ch_monitor_alert_json(ch_buf *out, const ch_monitor *m, const ch_monitor_alert *a, int64_t now)
{
	const ch_watch_entry *e = &m->e[a->entry];
	const ch_monitor_cert *c = a->cert;
	ch_json j;

	ch_json_init(&j, out, false);
	ch_json_obj_begin(&j);
	ch_json_key(&j, "id");
	ch_json_cstr(&j, a->id);
	ch_json_key(&j, "time");
	ch_json_time(&j, now);
	ch_json_key(&j, "rule");
	ch_json_cstr(&j, ch_monitor_rule_name(a->rule));
	ch_json_key(&j, "watch");
	ch_json_obj_begin(&j);
	ch_json_key(&j, "kind");
	ch_json_cstr(&j, kind_name(e->kind));
	ch_json_key(&j, "value");
	ch_json_cstr(&j, e->value);
	if (e->extra) {
		ch_json_key(&j, "issuer");
		ch_json_cstr(&j, e->extra);
	}
	ch_json_key(&j, "line");
	ch_json_uint(&j, e->line);
	ch_json_key(&j, "derived");
	ch_json_bool(&j, e->derived);
	ch_json_obj_end(&j);
	ch_json_key(&j, "names");
	ch_json_arr_begin(&j);
	for (size_t i = 0; i < a->num_names; i++)
		ch_json_cstr(&j, a->names[i]);
	ch_json_arr_end(&j);
	ch_json_key(&j, "distance");
	if (a->distance >= 0)
		ch_json_int(&j, a->distance);
	else
		ch_json_null(&j);
	ch_json_key(&j, "detail");
	ch_json_cstr(&j, a->detail[0] ? a->detail : NULL);
	ch_json_key(&j, "sha256");
	ch_json_hex(&j, c->sha256, 32);
	ch_json_key(&j, "serial");
	ch_json_cstr(&j, c->serial_hex);
	ch_json_key(&j, "issuer");
	ch_json_cstr(&j, c->issuer);
	ch_json_key(&j, "subject");
	ch_json_cstr(&j, c->subject);
	ch_json_key(&j, "not_before");
	ch_json_time(&j, c->not_before);
	ch_json_key(&j, "not_after");
	ch_json_time(&j, c->not_after);
	ch_json_key(&j, "precert");
	ch_json_bool(&j, c->precert);
	ch_json_obj_end(&j);
	return ch_json_finish(&j);
}
