/* ch_detect: rule matching, allow-listing, aggregation and host correlation.
 *
 * Matched events are kept (their strings interned, so a scan of a thousand hosts from one box
 * stores its host, user and parent once) and grouped at the end: sorted by host, user,
 * category and time, a group starts at its first event and takes every later event of the
 * same key up to first + window. Input order does not matter (Defender exports come newest
 * first), and the alert keeps the fields of the group's earliest event. */
#include "detect/internal.h"

#include <stdlib.h>
#include <string.h>

#define INTERN_MAX_BYTES ((size_t)1 << 30)
#define ARENA_CHUNK ((size_t)1 << 20)

typedef struct match {
	int64_t t;
	const char *host, *user, *process, *parent, *cmd, *file;
	uint64_t line;
	uint32_t rule;
	bool network;
	uint64_t seq; /* input order, the last tie-breaker */
} match;

typedef struct arena_chunk {
	struct arena_chunk *next;
	size_t used, cap;
	char data[];
} arena_chunk;

struct ch_detect {
	const ch_detect_rules *rules;
	const ch_detect_allow *allow;
	int64_t window_ms;
	match *m;
	size_t num_m, cap_m;
	arena_chunk *arena;
	size_t arena_bytes;
	const char **set; /* interned strings, open addressing */
	size_t set_cap, set_used;
	ch_detect_alert *alerts;
	size_t num_alerts;
	ch_detect_stats stats;
	bool finished;
};

static uint64_t hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)s[i]) * 1099511628211ull;
	return h;
}

static char *arena_dup(ch_detect *d, const char *s, size_t n)
{
	arena_chunk *c = d->arena;
	char *p;

	if (!c || c->cap - c->used < n + 1) {
		size_t cap = n + 1 > ARENA_CHUNK ? n + 1 : ARENA_CHUNK;
		if (d->arena_bytes + cap > INTERN_MAX_BYTES) {
			ch_error_set(CH_ERR_LIMIT, "matched events hold more than %zu bytes of text",
				     INTERN_MAX_BYTES);
			return NULL;
		}
		c = malloc(sizeof *c + cap);
		if (!c) {
			ch_error_set(CH_ERR_NOMEM, "out of memory");
			return NULL;
		}
		c->next = d->arena;
		c->used = 0;
		c->cap = cap;
		d->arena = c;
		d->arena_bytes += cap;
	}
	p = c->data + c->used;
	memcpy(p, s, n);
	p[n] = '\0';
	c->used += n + 1;
	return p;
}

/* Returns the interned copy of s (NULL on failure, ch_error_last set). */
static const char *intern(ch_detect *d, const char *s)
{
	size_t n = strlen(s), i;
	uint64_t h = hash(s, n);
	const char *p;

	if (d->set_used * 2 >= d->set_cap) {
		size_t cap = d->set_cap ? d->set_cap * 2 : 1024;
		const char **ns = calloc(cap, sizeof *ns);
		if (!ns) {
			ch_error_set(CH_ERR_NOMEM, "out of memory");
			return NULL;
		}
		for (size_t k = 0; k < d->set_cap; k++) {
			if (!d->set[k])
				continue;
			i = hash(d->set[k], strlen(d->set[k])) & (cap - 1);
			while (ns[i])
				i = (i + 1) & (cap - 1);
			ns[i] = d->set[k];
		}
		free(d->set);
		d->set = ns;
		d->set_cap = cap;
	}
	for (i = h & (d->set_cap - 1); d->set[i]; i = (i + 1) & (d->set_cap - 1))
		if (!strcmp(d->set[i], s))
			return d->set[i];
	p = arena_dup(d, s, n);
	if (p) {
		d->set[i] = p;
		d->set_used++;
	}
	return p;
}

ch_err ch_detect_new(ch_detect **out, const ch_detect_rules *rules, const ch_detect_allow *allow,
		     int64_t window_s)
{
	ch_detect *d;

	*out = NULL;
	if (!rules || window_s <= 0 || window_s > INT64_MAX / 1000)
		return ch_error_set(CH_ERR_INVALID, "detect: rules and a positive window are needed");
	d = calloc(1, sizeof *d);
	if (!d)
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	d->rules = rules;
	d->allow = allow;
	d->window_ms = window_s * 1000;
	*out = d;
	return CH_OK;
}

static ch_err keep(ch_detect *d, const match *m)
{
	if (d->num_m == d->cap_m) {
		size_t cap = d->cap_m ? d->cap_m * 2 : 256;
		match *nm;
		if (d->num_m >= CH_DETECT_MAX_MATCHES)
			return ch_error_set(CH_ERR_LIMIT, "more than %zu matching events",
					    CH_DETECT_MAX_MATCHES);
		nm = realloc(d->m, cap * sizeof *nm);
		if (!nm)
			return ch_error_set(CH_ERR_NOMEM, "out of memory");
		d->m = nm;
		d->cap_m = cap;
	}
	d->m[d->num_m] = *m;
	d->m[d->num_m].seq = d->num_m;
	d->num_m++;
	return CH_OK;
}

ch_err ch_detect_add_process(ch_detect *d, const ch_proc_event *ev)
{
	ch_err err = CH_OK;
	long ri;
	ch_detect_rule_info info;
	match m = {0};

	d->stats.events++;
	ri = ch_detect_rules_match(d->rules, ev);
	if (ri < 0)
		goto out;
	d->stats.matched++;
	info = ch_detect_rules_get(d->rules, (size_t)ri);
	if (ch_detect__allow_match_rule(d->allow, ev, info.category, info.id)) {
		d->stats.allowed++;
		goto out;
	}
	m.t = ev->time_ms;
	m.rule = (uint32_t)ri;
	m.line = ev->line;
	if (!(m.host = intern(d, ev->host)) || !(m.user = intern(d, ev->user)) ||
	    !(m.process = intern(d, *ev->image ? ev->image : ev->name)) ||
	    !(m.parent = intern(d, ev->parent_image)) || !(m.cmd = intern(d, ev->command_line)) ||
	    !(m.file = intern(d, ev->file ? ev->file : ""))) {
		err = ch_error_last()[0] && strstr(ch_error_last(), "bytes of text") ? CH_ERR_LIMIT
										      : CH_ERR_NOMEM;
		goto out;
	}
	err = keep(d, &m);
out:
	return err;
}

ch_err ch_detect_add_network(ch_detect *d, const ch_net_event *ev)
{
	ch_err err = CH_OK;
	long ri;
	ch_detect_rule_info info;
	ch_proc_event pe = {0};
	match m = {0};
	char cmd[600];

	d->stats.network++;
	ri = ch_detect_rules_match_host(d->rules, ev->name);
	if (ri < 0)
		goto out;
	d->stats.matched++;
	info = ch_detect_rules_get(d->rules, (size_t)ri);
	snprintf(cmd, sizeof cmd, "%s %.500s", ev->kind ? ev->kind : "dns", ev->name);
	/* The allow-list sees the observation as an event of the host with the name as its
	 * command line, so host and cmd entries apply. */
	pe.time_ms = ev->time_ms;
	pe.host = ev->host;
	pe.user = pe.image = pe.name = pe.parent_image = pe.parent_command_line = "";
	pe.command_line = cmd;
	if (ch_detect__allow_match_rule(d->allow, &pe, info.category, info.id)) {
		d->stats.allowed++;
		goto out;
	}
	m.t = ev->time_ms;
	m.rule = (uint32_t)ri;
	m.line = ev->line;
	m.network = true;
	if (!(m.host = intern(d, ev->host)) || !(m.user = intern(d, "")) ||
	    !(m.cmd = intern(d, cmd)) || !(m.file = intern(d, ev->file ? ev->file : ""))) {
		err = CH_ERR_NOMEM;
		goto out;
	}
	m.process = m.parent = m.user;
	err = keep(d, &m);
out:
	return err;
}

static const char *category_of(const ch_detect *d, const match *m)
{
	return ch_detect_rules_get(d->rules, m->rule).category;
}

static int cmp_t(int64_t a, int64_t b)
{
	return a < b ? -1 : a > b;
}

/* Qsort context is not standard C: the rules travel in a file-scope-free way through a
 * wrapper array of (match*, category) pairs. */
typedef struct keyed {
	const match *m;
	const char *category;
} keyed;

static int cmp_keyed(const void *pa, const void *pb)
{
	const keyed *a = pa, *b = pb;
	int c;

	if (a->m->network != b->m->network)
		return a->m->network ? 1 : -1;
	if ((c = strcmp(a->m->host, b->m->host)) != 0)
		return c;
	if ((c = strcmp(a->m->user, b->m->user)) != 0)
		return c;
	if ((c = strcmp(a->category, b->category)) != 0)
		return c;
	if ((c = cmp_t(a->m->t, b->m->t)) != 0)
		return c;
	return a->m->seq < b->m->seq ? -1 : a->m->seq > b->m->seq;
}

static int cmp_alert(const void *pa, const void *pb)
{
	const ch_detect_alert *a = pa, *b = pb;
	int c;

	if ((c = cmp_t(a->first_seen_ms, b->first_seen_ms)) != 0)
		return c;
	if ((c = strcmp(a->host, b->host)) != 0)
		return c;
	if ((c = strcmp(a->user, b->user)) != 0)
		return c;
	if ((c = strcmp(a->category, b->category)) != 0)
		return c;
	return strcmp(a->rule, b->rule);
}

/* Host names compare without case, and a short name equals its FQDN ("ws01" ~ "WS01.corp"). */
static bool same_host(const char *a, const char *b)
{
	size_t la = strcspn(a, "."), lb = strcspn(b, ".");

	if (!*a || !*b)
		return false;
	if (strlen(a) == strlen(b) && ch_detect__ieq(a, b, strlen(a)))
		return true;
	/* short-name comparison only for names, not IP addresses */
	if ((a[la] == '\0') == (b[lb] == '\0') || la != lb)
		return false;
	if ((*a >= '0' && *a <= '9') || (*b >= '0' && *b <= '9'))
		return false;
	return ch_detect__ieq(a, b, la);
}

static int level(const char *v)
{
	return !strcmp(v, "high") ? 3 : !strcmp(v, "medium") ? 2 : 1;
}

/* An event joins a group: count, last_seen, and the highest severity and confidence. */
static void join(ch_detect_alert *g, const ch_detect *d, const match *m)
{
	ch_detect_rule_info info = ch_detect_rules_get(d->rules, m->rule);

	g->count++;
	if (m->t > g->last_seen_ms)
		g->last_seen_ms = m->t;
	if (level(info.severity) > level(g->severity))
		g->severity = info.severity;
	if (level(info.confidence) > level(g->confidence))
		g->confidence = info.confidence;
}

static void alert_from(ch_detect_alert *a, const ch_detect *d, const match *m)
{
	ch_detect_rule_info info = ch_detect_rules_get(d->rules, m->rule);

	a->time_ms = a->first_seen_ms = a->last_seen_ms = m->t;
	a->host = m->host;
	a->user = m->user;
	a->process = m->process;
	a->parent = m->parent;
	a->command_line = m->cmd;
	a->category = info.category;
	a->rule = info.id;
	a->severity = info.severity;
	a->confidence = info.confidence;
	a->count = 1;
	a->file = m->file;
	a->line = m->line;
}

ch_err ch_detect_finish(ch_detect *d, const ch_detect_alert **out, size_t *out_num)
{
	ch_err err = CH_OK;
	keyed *k = NULL;
	size_t num_proc_alerts;

	*out = NULL;
	*out_num = 0;
	if (d->finished) {
		err = ch_error_set(CH_ERR_INVALID, "detect: finish called twice");
		goto out;
	}
	d->finished = true;
	if (d->num_m == 0)
		goto out;
	k = malloc(d->num_m * sizeof *k);
	d->alerts = calloc(d->num_m, sizeof *d->alerts);
	if (!k || !d->alerts) {
		err = ch_error_set(CH_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < d->num_m; i++) {
		k[i].m = &d->m[i];
		k[i].category = category_of(d, &d->m[i]);
	}
	qsort(k, d->num_m, sizeof *k, cmp_keyed);
	/* Process matches come first in k; group them. */
	for (size_t i = 0; i < d->num_m && !k[i].m->network; i++) {
		ch_detect_alert *g = d->num_alerts ? &d->alerts[d->num_alerts - 1] : NULL;
		const match *m = k[i].m;
		if (g && g->host == m->host && g->user == m->user && !strcmp(g->category, k[i].category) &&
		    (m->t == g->first_seen_ms ||
		     (g->first_seen_ms != INT64_MIN && m->t - g->first_seen_ms <= d->window_ms))) {
			join(g, d, m);
			continue;
		}
		alert_from(&d->alerts[d->num_alerts++], d, m);
	}
	num_proc_alerts = d->num_alerts;
	/* Network matches: folded into a process alert of the same host and category within the
	 * window, else grouped into alerts of their own per host + category + window. */
	for (size_t i = 0; i < d->num_m; i++) {
		const match *m = k[i].m;
		ch_detect_alert *g;
		bool folded = false;
		if (!m->network)
			continue;
		for (size_t a = 0; a < num_proc_alerts && !folded; a++) {
			ch_detect_alert *p = &d->alerts[a];
			if (strcmp(p->category, k[i].category) != 0 || !same_host(p->host, m->host) ||
			    m->t == INT64_MIN || p->first_seen_ms == INT64_MIN)
				continue;
			if (m->t >= p->first_seen_ms - d->window_ms && m->t <= p->last_seen_ms + d->window_ms) {
				p->confidence = "high";
				folded = true;
			}
		}
		if (folded) {
			d->stats.correlated++;
			continue;
		}
		g = d->num_alerts > num_proc_alerts ? &d->alerts[d->num_alerts - 1] : NULL;
		if (g && g->host == m->host && !strcmp(g->category, k[i].category) &&
		    (m->t == g->first_seen_ms ||
		     (g->first_seen_ms != INT64_MIN && m->t - g->first_seen_ms <= d->window_ms))) {
			join(g, d, m);
			continue;
		}
		alert_from(&d->alerts[d->num_alerts++], d, m);
	}
	qsort(d->alerts, d->num_alerts, sizeof *d->alerts, cmp_alert);
	*out = d->alerts;
	*out_num = d->num_alerts;
out:
	free(k);
	return err;
}

ch_detect_stats ch_detect_get_stats(const ch_detect *d)
{
	return d->stats;
}

void ch_detect_free(ch_detect *d)
{
	if (!d)
		return;
	while (d->arena) {
		arena_chunk *n = d->arena->next;
		free(d->arena);
		d->arena = n;
	}
	free(d->set);
	free(d->m);
	free(d->alerts);
	free(d);
}

bool ch_detect_parse_duration(int64_t *out_s, const char *s)
{
	int64_t v = 0, mul = 1;
	const char *p = s;

	if (!*p)
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > INT64_MAX / 10 / 86400)
			return false;
		v = v * 10 + (*p - '0');
	}
	if (p == s)
		return false;
	if (*p) {
		switch (*p) {
		case 's': mul = 1; break;
		case 'm': mul = 60; break;
		case 'h': mul = 3600; break;
		case 'd': mul = 86400; break;
		default: return false;
		}
		if (p[1])
			return false;
	}
	*out_s = v * mul;
	return v > 0;
}
