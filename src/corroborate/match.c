/* Matching observations against the indicators and gathering each indicator's evidence. */
#include "corroborate/internal.h"

#include <stdlib.h>
#include <string.h>

#define MAX_HITS 64

typedef struct hit {
	uint32_t ind;
	uint8_t verdict;
	bool host_is_dst;     /* the indicator was the source address: the host is the other end */
	const char *matched;
} hit;

typedef struct hits {
	hit h[MAX_HITS];
	size_t n;
} hits;

static void add_hit(hits *hs, uint32_t ind, ch_verdict v, const char *matched, bool host_dst)
{
	for (size_t i = 0; i < hs->n; i++) {
		if (hs->h[i].ind == ind) {
			if (v > hs->h[i].verdict) {
				hs->h[i].verdict = (uint8_t)v;
				hs->h[i].matched = matched;
				hs->h[i].host_is_dst = host_dst;
			}
			return;
		}
	}
	if (hs->n < MAX_HITS)
		hs->h[hs->n++] = (hit){ind, (uint8_t)v, host_dst, matched};
}

/* A name and every parent at a label boundary: domain indicators match all of them, name
 * indicators only the full name. */
static void match_name(const ch_corroborate *c, hits *hs, const char *name, ch_verdict v,
		       const char *matched)
{
	char buf[CORR_NAME_MAX + 2];
	size_t n = 0, off = 0;

	for (; name[n]; n++) {
		char ch = name[n];
		if (n > CORR_NAME_MAX)
			return;
		buf[n] = (char)(ch >= 'A' && ch <= 'Z' ? ch + 32 : ch);
	}
	if (n > 0 && buf[n - 1] == '.')
		n--;
	if (n == 0)
		return;
	for (;;) {
		uint32_t s = ch_corroborate__find(&c->t, T_NAME, buf + off, n - off,
						  ch_corroborate__hash(T_NAME, buf + off, n - off));
		const char *dot;
		for (; s; s = c->t.e[s - 1].next) {
			uint32_t ind = c->t.e[s - 1].ind;
			if (c->ind[ind].kind == CH_CORR_DOMAIN || off == 0)
				add_hit(hs, ind, v, matched, false);
		}
		dot = memchr(buf + off, '.', n - off);
		if (!dot)
			break;
		off = (size_t)(dot - buf) + 1;
	}
}

static bool match_ip(const ch_corroborate *c, hits *hs, const char *s, ch_verdict v,
		     const char *matched, bool host_dst)
{
	uint8_t key[16];
	size_t n = *s ? ch_corroborate__ip(key, s) : 0;
	uint32_t e;

	if (!n)
		return false;
	e = ch_corroborate__find(&c->t, T_IP, key, n, ch_corroborate__hash(T_IP, key, n));
	for (; e; e = c->t.e[e - 1].next)
		add_hit(hs, c->t.e[e - 1].ind, v, matched, host_dst);
	return true;
}

static void match_fp(const ch_corroborate *c, hits *hs, const char *s, ch_verdict v,
		     const char *matched)
{
	uint8_t key[32];
	size_t n = ch_corroborate__fp(key, s, strlen(s));
	uint32_t e;

	if (!n)
		return;
	e = ch_corroborate__find(&c->t, T_FP, key, n, ch_corroborate__hash(T_FP, key, n));
	for (; e; e = c->t.e[e - 1].next)
		add_hit(hs, c->t.e[e - 1].ind, v, matched, false);
}

static void match_fuid(const ch_corroborate *c, hits *hs, const char *s)
{
	size_t n = strlen(s);
	uint32_t e = ch_corroborate__find(&c->t, T_FUID, s, n, ch_corroborate__hash(T_FUID, s, n));

	for (; e; e = c->t.e[e - 1].next)
		add_hit(hs, c->t.e[e - 1].ind, CH_VERDICT_TLS, "fuid", false);
}

/* Interned copy of a short string (file and log names: few distinct values). */
static const char *intern(ch_corroborate *c, const char *s)
{
	corr_str *p;

	for (p = c->strs; p; p = p->next)
		if (!strcmp(p->s, s))
			return p->s;
	if (!(p = malloc(sizeof *p)) || !(p->s = strdup(s))) {
		free(p);
		return NULL;
	}
	p->next = c->strs;
	c->strs = p;
	return p->s;
}

/* The run-owned copy of a host for an evidence line. */
static const char *host_copy(ch_corroborate *c, corr_ind *d, const char *host)
{
	for (uint32_t i = 0; i < d->num_hosts; i++)
		if (!strcmp(d->hosts[i], host))
			return d->hosts[i];
	return intern(c, host);
}

static ch_err record(ch_corroborate *c, const ch_obs *o, const hit *h)
{
	corr_ind *d = &c->ind[h->ind];
	const char *host = h->host_is_dst ? o->dst : o->src;
	ch_verdict v = (ch_verdict)h->verdict;

	if (d->count == 0)
		c->matched++;
	d->count++;
	d->count_by[v]++;
	if (v > d->verdict)
		d->verdict = (uint8_t)v;
	if (o->time != CH_OBS_NO_TIME) {
		if (d->first == CH_OBS_NO_TIME || o->time < d->first)
			d->first = o->time;
		if (d->last == CH_OBS_NO_TIME || o->time > d->last)
			d->last = o->time;
	}
	if (*host && !d->hosts_truncated) {
		uint32_t i;
		for (i = 0; i < d->num_hosts && strcmp(d->hosts[i], host); i++)
			;
		if (i == d->num_hosts) {
			if (d->num_hosts >= CH_CORR_MAX_HOSTS) {
				d->hosts_truncated = true;
			} else {
				char **nh = realloc(d->hosts, (d->num_hosts + 1) * sizeof *nh);
				if (!nh)
					return ch_error_set(CH_ERR_NOMEM, "out of memory");
				d->hosts = nh;
				if (!(nh[d->num_hosts] = strdup(host)))
					return ch_error_set(CH_ERR_NOMEM, "out of memory");
				d->num_hosts++;
			}
		}
	}
	if (c->opts.attack)
		d->attack |= ch_corr__attack_bits(c->opts.attack, o->kind, h->matched, o->dst_port);
	if (d->num_ev[v] < c->ev_per) {
		ch_corr_evidence *e;
		if (!d->ev && !(d->ev = calloc(3 * c->ev_per, sizeof *d->ev)))
			return ch_error_set(CH_ERR_NOMEM, "out of memory");
		e = &d->ev[(v - 1) * c->ev_per + d->num_ev[v]];
		if (o->file != c->last_file_in || !c->last_file) {
			c->last_file = intern(c, o->file);
			c->last_file_in = o->file;
		}
		e->file = c->last_file;
		e->line = o->line;
		e->time = o->time;
		e->verdict = v;
		e->log = intern(c, o->log);
		e->matched = h->matched;
		e->host = *host ? host_copy(c, d, host) : "";
		if (!e->file || !e->log || !e->host)
			return ch_error_set(CH_ERR_NOMEM, "out of memory");
		d->num_ev[v]++;
	}
	return CH_OK;
}

ch_err ch_corroborate_observe(ch_corroborate *c, const ch_obs *o)
{
	hits hs;
	ch_err err = CH_OK;

	if (o->time != CH_OBS_NO_TIME && (o->time < c->opts.since || o->time >= c->opts.until))
		return CH_OK;
	hs.n = 0;
	switch (o->kind) {
	case CH_OBS_DNS:
		match_name(c, &hs, o->name, CH_VERDICT_RESOLVED, "name");
		for (size_t i = 0; i < o->num_answers; i++)
			if (!match_ip(c, &hs, o->answers[i], CH_VERDICT_RESOLVED, "answer", false))
				match_name(c, &hs, o->answers[i], CH_VERDICT_RESOLVED, "answer");
		break;
	case CH_OBS_HTTP:
	case CH_OBS_PROXY:
		if (!match_ip(c, &hs, o->name, CH_VERDICT_CONTACTED, "ip", false))
			match_name(c, &hs, o->name, CH_VERDICT_CONTACTED, "name");
		(void)match_ip(c, &hs, o->dst, CH_VERDICT_CONTACTED, "ip", false);
		break;
	case CH_OBS_TLS:
		match_name(c, &hs, o->sni, CH_VERDICT_TLS, "sni");
		for (size_t i = 0; i < o->num_certs; i++)
			match_fp(c, &hs, o->certs[i], CH_VERDICT_TLS, "cert");
		for (size_t i = 0; i < o->num_fuids; i++)
			match_fuid(c, &hs, o->fuids[i]);
		(void)match_ip(c, &hs, o->dst, CH_VERDICT_CONTACTED, "ip", false);
		(void)match_ip(c, &hs, o->src, CH_VERDICT_CONTACTED, "ip", true);
		break;
	case CH_OBS_X509:
		for (size_t i = 0; i < o->num_certs; i++)
			match_fp(c, &hs, o->certs[i], CH_VERDICT_TLS, "cert");
		for (size_t k = 0; k < hs.n && c->num_fuids < CH_CORR_MAX_FUIDS; k++) {
			for (size_t i = 0; i < o->num_fuids; i++) {
				CH_TRY(ch_corroborate__insert(&c->t, T_FUID, o->fuids[i],
							      strlen(o->fuids[i]), hs.h[k].ind));
				c->num_fuids++;
			}
		}
		break;
	case CH_OBS_CONN:
	case CH_OBS_FIREWALL:
		(void)match_ip(c, &hs, o->dst, CH_VERDICT_CONTACTED, "ip", false);
		(void)match_ip(c, &hs, o->src, CH_VERDICT_CONTACTED, "ip", true);
		break;
	}
	for (size_t i = 0; i < hs.n; i++)
		CH_TRY(record(c, o, &hs.h[i]));
out:
	return err;
}

size_t ch_corroborate_matched(const ch_corroborate *c)
{
	return c->matched;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

ch_err ch_corroborate_result(ch_corroborate *c, ch_corr_result *out, size_t i)
{
	corr_ind *d;
	size_t k = 0, na = 0;

	if (i >= c->num_ind)
		return ch_error_set(CH_ERR_INVALID, "no indicator %zu", i);
	d = &c->ind[i];
	if (!c->res_ev && !(c->res_ev = calloc(3 * c->ev_per, sizeof *c->res_ev)))
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	for (int v = CH_VERDICT_TLS; v >= CH_VERDICT_RESOLVED; v--)
		for (uint8_t j = 0; j < d->num_ev[v]; j++)
			c->res_ev[k++] = d->ev[(size_t)(v - 1) * c->ev_per + j];
	if (c->opts.attack)
		for (size_t t = 0; t < ch_corr__attack_count(c->opts.attack) && na < CORR_MAX_TECH; t++)
			if (d->attack & (1u << t))
				c->res_attack[na++] = ch_corr__attack_id(c->opts.attack, t);
	qsort(c->res_attack, na, sizeof c->res_attack[0], cmp_str);
	memset(out, 0, sizeof *out);
	out->indicator = d->text;
	out->kind = (ch_corr_kind)d->kind;
	out->verdict = (ch_verdict)d->verdict;
	out->hosts = (const char *const *)d->hosts;
	out->num_hosts = d->num_hosts;
	out->hosts_truncated = d->hosts_truncated;
	out->first_seen = d->first;
	out->last_seen = d->last;
	out->count = d->count;
	memcpy(out->count_by, d->count_by, sizeof out->count_by);
	out->attack = c->res_attack;
	out->num_attack = na;
	out->evidence = c->res_ev;
	out->num_evidence = k;
	out->source = d->source;
	return CH_OK;
}
