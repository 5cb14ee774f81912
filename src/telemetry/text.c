/* Line-oriented text logs: BIND query logs, dnsmasq log-queries lines and Linux netfilter
 * (iptables/nftables) LOG lines, each behind a syslog-style or ISO 8601 time. */
#include "telemetry/internal.h"

#include <string.h>

#include <certhound/util.h>

/* Skips spaces. */
static const char *skip_sp(const char *p, const char *end)
{
	while (p < end && *p == ' ')
		p++;
	return p;
}

/* The next space-delimited token [*tok, *tok_end) from p; returns the position after it. */
static const char *token(const char *p, const char *end, const char **tok, const char **tok_end)
{
	p = skip_sp(p, end);
	*tok = p;
	while (p < end && *p != ' ')
		p++;
	*tok_end = p;
	return p;
}

/* ---- BIND ------------------------------------------------------------------------------- */

/* "01-May-2024 12:00:00.123" (BIND's own print-time) at the start of s. */
static bool bind_time(int64_t *out, uint32_t *us, const char *s, size_t n, size_t *used)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int d, y, h, mi, se, mo = 0;

	if (n < 20 || s[2] != '-' || s[6] != '-' || s[11] != ' ' || s[14] != ':' || s[17] != ':')
		return false;
	for (int k = 0; k < 12; k++)
		if (!memcmp(s + 3, months + 3 * k, 3))
			mo = k + 1;
	if (!mo || !tel_parse_int(&(int64_t){0}, s, 2))
		return false;
	d = (s[0] - '0') * 10 + (s[1] - '0');
	{
		int64_t v;
		if (!tel_parse_int(&v, s + 7, 4))
			return false;
		y = (int)v;
		if (!tel_parse_int(&v, s + 12, 2))
			return false;
		h = (int)v;
		if (!tel_parse_int(&v, s + 15, 2))
			return false;
		mi = (int)v;
		if (!tel_parse_int(&v, s + 18, 2))
			return false;
		se = (int)v;
	}
	*used = 20;
	*us = 0;
	if (n > 21 && s[20] == '.') {
		size_t i = 21;
		uint32_t v = 0, scale = 100000;
		while (i < n && s[i] >= '0' && s[i] <= '9') {
			v += (uint32_t)(s[i] - '0') * scale;
			scale /= 10;
			i++;
		}
		*us = v;
		*used = i;
	}
	if (d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return false;
	*out = ch_time_from_civil(y, mo, d, h, mi, se > 59 ? 59 : se);
	return true;
}

int ch_telemetry__bind(ch_telemetry_reader *r, char *line, size_t len, ch_obs *o)
{
	const char *end = line + len, *c, *q, *t, *te, *hash;
	size_t used = 0;

	if (len == 0)
		return TEL_SKIP;
	if (!bind_time(&o->time, &o->time_us, line, len, &used) &&
	    !tel_syslog_time(r, &o->time, &o->time_us, line, len, &used))
		return tel_bad(r, "BIND log line without a time");
	c = memmem(line, len, "client ", 7);
	q = memmem(line, len, " query: ", 8);
	if (!c || !q || q < c)
		return TEL_SKIP; /* not a query line */
	o->kind = CH_OBS_DNS;
	o->log = "bind";
	c = token(c + 7, end, &t, &te);
	if (te > t && *t == '@') /* client object address (BIND 9.11+) */
		c = token(c, end, &t, &te);
	hash = memrchr(t, '#', (size_t)(te - t));
	if (!hash || !tel_parse_port(&o->src_port, hash + 1, (size_t)(te - hash - 1)))
		return tel_bad(r, "BIND client address without #port");
	o->src = tel_str(r, t, (size_t)(hash - t));
	c = token(q + 8, end, &t, &te);
	if (te == t)
		return tel_bad(r, "BIND query without a name");
	o->name = tel_str(r, t, (size_t)(te - t));
	c = token(c, end, &t, &te); /* class */
	c = token(c, end, &t, &te); /* type */
	o->action = tel_str(r, t, (size_t)(te - t));
	c = token(c, end, &t, &te); /* flags */
	c = token(c, end, &t, &te); /* (server address) */
	if (te - t > 2 && *t == '(' && te[-1] == ')')
		o->dst = tel_str(r, t + 1, (size_t)(te - t - 2));
	(void)c;
	o->dst_port = 53;
	return TEL_OBS;
}

/* ---- dnsmasq ---------------------------------------------------------------------------- */

int ch_telemetry__dnsmasq(ch_telemetry_reader *r, char *line, size_t len, ch_obs *o)
{
	const char *end = line + len, *p, *t, *te, *verb, *verb_e;
	size_t used = 0;

	if (len == 0)
		return TEL_SKIP;
	if (!tel_syslog_time(r, &o->time, &o->time_us, line, len, &used))
		return tel_bad(r, "dnsmasq log line without a time");
	p = memmem(line, len, "dnsmasq", 7);
	if (!p)
		return tel_bad(r, "not a dnsmasq line");
	p = memchr(p, ':', (size_t)(end - p));
	if (!p)
		return tel_bad(r, "dnsmasq line without a message");
	p = token(p + 1, end, &verb, &verb_e);
	o->kind = CH_OBS_DNS;
	o->log = "dnsmasq";
	o->dst_port = 53;
	/* log-queries=extra: "<serial> <client>/<port> verb ..." */
	if (verb_e > verb && verb[0] >= '0' && verb[0] <= '9' && tel_parse_int(&(int64_t){0}, verb,
										  (size_t)(verb_e - verb))) {
		const char *slash;
		p = token(p, end, &t, &te);
		slash = memrchr(t, '/', (size_t)(te - t));
		if (!slash || !tel_parse_port(&o->src_port, slash + 1, (size_t)(te - slash - 1)))
			return tel_bad(r, "dnsmasq extra-format client without /port");
		o->src = tel_str(r, t, (size_t)(slash - t));
		p = token(p, end, &verb, &verb_e);
	}
	if (verb_e - verb > 6 && !memcmp(verb, "query[", 6)) {
		o->action = tel_str(r, verb + 6, (size_t)(verb_e - verb - 7));
		p = token(p, end, &t, &te);
		o->name = tel_str(r, t, (size_t)(te - t));
		p = token(p, end, &t, &te);
		if (te - t == 4 && !memcmp(t, "from", 4)) {
			p = token(p, end, &t, &te);
			o->src = tel_str(r, t, (size_t)(te - t));
		}
	} else if ((verb_e - verb == 5 && !memcmp(verb, "reply", 5)) ||
		   (verb_e - verb == 6 && !memcmp(verb, "cached", 6))) {
		p = token(p, end, &t, &te);
		o->name = tel_str(r, t, (size_t)(te - t));
		p = token(p, end, &t, &te);
		if (te - t == 2 && !memcmp(t, "is", 2)) {
			p = token(p, end, &t, &te);
			if (te > t && *t != '<' && strncmp(t, "NXDOMAIN", 8) && strncmp(t, "NODATA", 6))
				tel_add_answer(o, tel_str(r, t, (size_t)(te - t)));
			else
				o->action = tel_str(r, t, (size_t)(te - t));
		}
	} else {
		return TEL_SKIP; /* forwarded, config, DHCP, ... */
	}
	(void)p;
	if (!*o->name)
		return tel_bad(r, "dnsmasq %.*s line without a name", (int)(verb_e - verb), verb);
	return TEL_OBS;
}

/* ---- netfilter LOG ---------------------------------------------------------------------- */

/* Value of "KEY=" among the line's tokens (the key must start a token). */
static bool kv(const char *line, const char *end, const char *key, const char **v, size_t *vl)
{
	size_t kl = strlen(key);

	for (const char *p = line; p && p < end; p = memchr(p, ' ', (size_t)(end - p))) {
		if (*p == ' ')
			p++;
		if ((size_t)(end - p) > kl && !memcmp(p, key, kl)) {
			const char *e = memchr(p + kl, ' ', (size_t)(end - p - kl));
			*v = p + kl;
			*vl = (size_t)((e ? e : end) - *v);
			return true;
		}
	}
	return false;
}

int ch_telemetry__netfilter(ch_telemetry_reader *r, char *line, size_t len, ch_obs *o)
{
	const char *end = line + len, *v, *in;
	size_t vl, used = 0;

	if (len == 0)
		return TEL_SKIP;
	if (!tel_syslog_time(r, &o->time, &o->time_us, line, len, &used))
		o->time = CH_OBS_NO_TIME; /* dmesg output: kernel uptime only */
	if (!kv(line, end, "SRC=", &v, &vl))
		return memmem(line, len, "DST=", 4) ? tel_bad(r, "netfilter line without SRC=")
						     : TEL_SKIP;
	o->kind = CH_OBS_FIREWALL;
	o->log = "netfilter";
	o->src = tel_str(r, v, vl);
	if (!kv(line, end, "DST=", &v, &vl) || vl == 0)
		return tel_bad(r, "netfilter line without DST=");
	o->dst = tel_str(r, v, vl);
	if (kv(line, end, "PROTO=", &v, &vl)) {
		char *p = (char *)tel_str(r, v, vl);
		tel_lower_inplace(p);
		o->proto = p;
	}
	if (kv(line, end, "SPT=", &v, &vl) && !tel_parse_port(&o->src_port, v, vl))
		return tel_bad(r, "netfilter SPT= is not a port");
	if (kv(line, end, "DPT=", &v, &vl) && !tel_parse_port(&o->dst_port, v, vl))
		return tel_bad(r, "netfilter DPT= is not a port");
	if (kv(line, end, "LEN=", &v, &vl))
		(void)tel_parse_int(&o->bytes_out, v, vl);
	/* the log prefix: the text before IN= after the "kernel: [uptime]" part */
	in = memmem(line, len, "IN=", 3);
	if (in) {
		const char *s = memmem(line, (size_t)(in - line), "kernel:", 7);
		const char *b;
		s = s ? s + 7 : line + used;
		b = memchr(s, ']', (size_t)(in - s));
		if (b)
			s = b + 1;
		s = skip_sp(s, in);
		while (in > s && in[-1] == ' ')
			in--;
		o->action = tel_str(r, s, (size_t)(in - s));
	}
	return TEL_OBS;
}
