/* Forward-proxy logs: Squid's native access.log and the NCSA combined/common format written by
 * nginx and Apache forward proxies (absolute URLs and CONNECT host:port requests). */
#include "telemetry/internal.h"

#include <string.h>

#include <certhound/util.h>

/* Splits at runs of spaces; returns the number of fields (at most max). */
static size_t split_ws(char *s, size_t n, char **f, size_t *fl, size_t max)
{
	size_t k = 0, i = 0;

	while (i < n && k < max) {
		while (i < n && (s[i] == ' ' || s[i] == '\t'))
			i++;
		if (i >= n)
			break;
		f[k] = s + i;
		while (i < n && s[i] != ' ' && s[i] != '\t')
			i++;
		fl[k] = (size_t)(s + i - f[k]);
		k++;
	}
	return k;
}

/* The destination name and port of a request target, with a default port from the scheme. */
static void target(ch_telemetry_reader *r, ch_obs *o, const char *method, const char *url,
		   size_t n)
{
	int port = 0;

	tel_url_host(r, url, n, &o->name, &port);
	if (!port) {
		if (n >= 8 && !strncasecmp(url, "https://", 8))
			port = 443;
		else if (n >= 7 && !strncasecmp(url, "http://", 7))
			port = 80;
		else if (!strcmp(method, "CONNECT"))
			port = 443;
	}
	o->dst_port = port;
}

int ch_telemetry__squid(ch_telemetry_reader *r, char *line, size_t len, ch_obs *o)
{
	char *f[10];
	size_t fl[10], n;

	if (len == 0)
		return TEL_SKIP;
	n = split_ws(line, len, f, fl, 10);
	if (n < 7)
		return tel_bad(r, "Squid line with %zu fields (at least 7 expected)", n);
	if (!ch_telemetry_parse_time(&o->time, &o->time_us, f[0], fl[0]))
		return tel_bad(r, "Squid time '%.*s' is not epoch seconds", (int)(fl[0] > 40 ? 40 : fl[0]),
			       f[0]);
	o->kind = CH_OBS_PROXY;
	o->log = "squid";
	o->src = tel_str(r, f[2], fl[2]);
	o->action = tel_str(r, f[3], fl[3]);
	if (fl[4] && !tel_parse_int(&o->bytes_in, f[4], fl[4]))
		return tel_bad(r, "Squid size '%.*s' is not a number", (int)(fl[4] > 40 ? 40 : fl[4]),
			       f[4]);
	o->service = tel_str(r, f[5], fl[5]);
	o->uri = tel_str(r, f[6], fl[6]);
	target(r, o, o->service, f[6], fl[6]);
	if (n >= 9) { /* hierarchy/peer: HIER_DIRECT/93.184.216.34 */
		char *slash = memchr(f[8], '/', fl[8]);
		if (slash && (size_t)(slash - f[8]) + 1 < fl[8] && slash[1] != '-')
			o->dst = tel_str(r, slash + 1, fl[8] - (size_t)(slash - f[8]) - 1);
	}
	return TEL_OBS;
}

/* "[01/May/2024:12:00:00 +0000]" */
static bool clf_time(int64_t *out, const char *s, size_t n)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int64_t d, y, h, mi, se, zh, zm;
	int mo = 0;

	if (n < 26 || s[0] != '[' || s[3] != '/' || s[7] != '/' || s[12] != ':' || s[15] != ':' ||
	    s[18] != ':' || s[21] != ' ' || (s[22] != '+' && s[22] != '-') || s[27] != ']')
		return false;
	for (int k = 0; k < 12; k++)
		if (!memcmp(s + 4, months + 3 * k, 3))
			mo = k + 1;
	if (!mo || !tel_parse_int(&d, s + 1, 2) || !tel_parse_int(&y, s + 8, 4) ||
	    !tel_parse_int(&h, s + 13, 2) || !tel_parse_int(&mi, s + 16, 2) ||
	    !tel_parse_int(&se, s + 19, 2) || !tel_parse_int(&zh, s + 23, 2) ||
	    !tel_parse_int(&zm, s + 25, 2) || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return false;
	*out = ch_time_from_civil((int)y, mo, (int)d, (int)h, (int)mi, se > 59 ? 59 : (int)se) -
	       (s[22] == '-' ? -1 : 1) * (zh * 3600 + zm * 60);
	return true;
}

int ch_telemetry__combined(ch_telemetry_reader *r, char *line, size_t len, ch_obs *o)
{
	char *end = line + len, *p, *lb, *q1, *q2, *sp;
	char *f[4];
	size_t fl[4], n;
	char method[16];

	if (len == 0)
		return TEL_SKIP;
	lb = memchr(line, '[', len);
	if (!lb || (size_t)(end - lb) < 28 || !clf_time(&o->time, lb, 28))
		return tel_bad(r, "combined log line without a [dd/Mon/yyyy:hh:mm:ss +zzzz] time");
	if (split_ws(line, (size_t)(lb - line), f, fl, 3) != 3)
		return tel_bad(r, "combined log line without client, ident and user before the time");
	o->kind = CH_OBS_PROXY;
	o->log = "combined";
	o->src = tel_str(r, f[0], fl[0]);
	p = lb + 28;
	q1 = memchr(p, '"', (size_t)(end - p));
	q2 = q1 ? memchr(q1 + 1, '"', (size_t)(end - q1 - 1)) : NULL;
	if (!q2)
		return tel_bad(r, "combined log line without a quoted request");
	/* "METHOD target PROTO" */
	n = split_ws(q1 + 1, (size_t)(q2 - q1 - 1), f, fl, 3);
	if (n >= 2 && fl[0] < sizeof method) {
		memcpy(method, f[0], fl[0]);
		method[fl[0]] = '\0';
		o->service = tel_str(r, f[0], fl[0]);
		o->uri = tel_str(r, f[1], fl[1]);
		target(r, o, method, f[1], fl[1]);
	} else if (!(q2 == q1 + 1 || (q2 == q1 + 2 && q1[1] == '-'))) {
		return tel_bad(r, "combined log request '%.40s' is not METHOD TARGET", q1 + 1);
	}
	sp = q2 + 1;
	n = split_ws(sp, (size_t)(end - sp), f, fl, 2);
	if (n < 2)
		return tel_bad(r, "combined log line without status and size");
	o->action = tel_str(r, f[0], fl[0]);
	if (!(fl[1] == 1 && f[1][0] == '-') && !tel_parse_int(&o->bytes_in, f[1], fl[1]))
		return tel_bad(r, "combined log size '%.*s' is not a number",
			       (int)(fl[1] > 40 ? 40 : fl[1]), f[1]);
	return TEL_OBS;
}
