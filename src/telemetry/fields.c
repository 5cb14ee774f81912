/* Telemetry field helpers: observation building, times, ports, fingerprints, URLs. */
#include "telemetry/internal.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <certhound/util.h>

int tel_bad(ch_telemetry_reader *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof r->reason, fmt, ap);
	va_end(ap);
	return TEL_BAD;
}

void tel_obs_init(ch_telemetry_reader *r, ch_obs *o, ch_obs_kind kind)
{
	memset(o, 0, sizeof *o);
	o->kind = kind;
	o->time = CH_OBS_NO_TIME;
	o->src = o->dst = o->proto = o->service = o->name = o->sni = o->uri = o->action = "";
	o->log = ch_telemetry_format_name(r->fmt);
	o->bytes_out = o->bytes_in = -1;
	o->file = r->file;
	o->line = r->lineno;
}

const char *tel_str(ch_telemetry_reader *r, const char *s, size_t n)
{
	char *p;

	if (n + 1 > r->scratch_cap - r->scratch_len)
		return "";
	p = r->scratch + r->scratch_len;
	memcpy(p, s, n);
	p[n] = '\0';
	r->scratch_len += n + 1;
	return p;
}

void tel_lower_inplace(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s + 32);
}

void tel_add_answer(ch_obs *o, const char *s)
{
	if (!*s || o->num_answers >= CH_TEL_MAX_LIST)
		return;
	for (size_t i = 0; i < o->num_answers; i++) /* EVE v2 lists answers twice (grouped) */
		if (!strcmp(o->answers[i], s))
			return;
	o->answers[o->num_answers++] = s;
}

void tel_add_fuid(ch_obs *o, const char *s)
{
	if (*s && o->num_fuids < CH_TEL_MAX_LIST)
		o->fuids[o->num_fuids++] = s;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool tel_add_fp(ch_telemetry_reader *r, ch_obs *o, const char *s, size_t n)
{
	char hex[65];
	size_t k = 0;
	const char *p;

	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == ':' || c == ' ')
			continue;
		if (hexval(c) < 0 || k >= 64)
			return false;
		hex[k++] = (char)(c >= 'A' && c <= 'F' ? c + 32 : c);
	}
	if (k != 40 && k != 64)
		return false;
	if (o->num_certs >= CH_TEL_MAX_LIST)
		return true;
	for (size_t i = 0; i < o->num_certs; i++)
		if (strlen(o->certs[i]) == k && !memcmp(o->certs[i], hex, k))
			return true;
	p = tel_str(r, hex, k);
	if (*p)
		o->certs[o->num_certs++] = p;
	return true;
}

bool tel_add_der_b64(ch_telemetry_reader *r, ch_obs *o, const char *s, size_t n)
{
	size_t cap = 3 * (n / 4) + 3;
	uint8_t *der, d256[32], d1[20];
	long got;

	if (o->num_der >= CH_TEL_MAX_DER || cap > CH_TEL_DER_MAX + 3)
		return false;
	if (!r->der && !(r->der = malloc(CH_TEL_MAX_DER * (CH_TEL_DER_MAX + 3))))
		return false;
	if (!r->hash && ch_hash_new(&r->hash) != CH_OK)
		return false;
	der = r->der + o->num_der * (CH_TEL_DER_MAX + 3);
	got = ch_base64_decode(der, CH_TEL_DER_MAX + 3, s, n);
	if (got <= 0)
		return false;
	if (ch_hash_sha256(r->hash, d256, der, (size_t)got) != CH_OK ||
	    ch_hash_sha1(r->hash, d1, der, (size_t)got) != CH_OK)
		return false;
	ch_hex_encode(r->fp[2 * o->num_der], d256, 32);
	ch_hex_encode(r->fp[2 * o->num_der + 1], d1, 20);
	(void)tel_add_fp(r, o, r->fp[2 * o->num_der], 64);
	(void)tel_add_fp(r, o, r->fp[2 * o->num_der + 1], 40);
	o->der[o->num_der] = der;
	o->der_len[o->num_der] = (size_t)got;
	o->num_der++;
	return true;
}

bool tel_parse_int(int64_t *out, const char *s, size_t n)
{
	int64_t v = 0;

	if (n == 0 || n > 18)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

bool tel_parse_port(int *out, const char *s, size_t n)
{
	int64_t v;

	if (!tel_parse_int(&v, s, n) || v > 65535)
		return false;
	*out = (int)v;
	return true;
}

/* Reads exactly n digits at s. */
static bool digits(int *out, const char *s, size_t n)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* Reads a fraction ".123456" at s (digits after the dot); microseconds in *us. */
static size_t fraction(uint32_t *us, const char *s, size_t n)
{
	size_t i = 0;
	uint32_t v = 0, scale = 100000;

	while (i < n && s[i] >= '0' && s[i] <= '9') {
		if (scale) {
			v += (uint32_t)(s[i] - '0') * scale;
			scale /= 10;
		}
		i++;
	}
	*us = v;
	return i;
}

/* RFC 3339 / ISO 8601 date-time with optional fraction and zone. */
static bool iso_time(int64_t *out, uint32_t *us, const char *s, size_t n, size_t *used)
{
	int y, mo, d, h, mi, se = 0, zh = 0, zm = 0;
	size_t i = 16;
	int64_t t;

	*us = 0;
	if (n < 16 || !digits(&y, s, 4) || s[4] != '-' || !digits(&mo, s + 5, 2) || s[7] != '-' ||
	    !digits(&d, s + 8, 2) || (s[10] != 'T' && s[10] != ' ') || !digits(&h, s + 11, 2) ||
	    s[13] != ':' || !digits(&mi, s + 14, 2))
		return false;
	if (i < n && s[i] == ':') {
		if (n < 19 || !digits(&se, s + 17, 2))
			return false;
		i = 19;
	}
	if (i < n && (s[i] == '.' || s[i] == ','))
		i += 1 + fraction(us, s + i + 1, n - i - 1);
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return false;
	t = ch_time_from_civil(y, mo, d, h, mi, se > 59 ? 59 : se);
	if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
		i++;
	} else if (i < n && (s[i] == '+' || s[i] == '-')) {
		int sign = s[i] == '-' ? -1 : 1;
		if (i + 3 > n || !digits(&zh, s + i + 1, 2))
			return false;
		i += 3;
		if (i < n && s[i] == ':')
			i++;
		if (i + 2 <= n && digits(&zm, s + i, 2))
			i += 2;
		t -= sign * (zh * 3600 + zm * 60);
	}
	*out = t;
	*used = i;
	return true;
}

bool ch_telemetry_parse_time(int64_t *out, uint32_t *out_us, const char *s, size_t len)
{
	uint32_t us = 0;
	size_t used = 0;
	int64_t t = 0;
	size_t i = 0;

	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '"'))
		len--;
	while (i < len && (s[i] == ' ' || s[i] == '"'))
		i++;
	s += i;
	len -= i;
	if (len == 0)
		return false;
	if (len >= 16 && s[4] == '-') {
		if (!iso_time(&t, &us, s, len, &used) || used != len)
			return false;
	} else {
		size_t k = 0;
		while (k < len && s[k] >= '0' && s[k] <= '9')
			k++;
		if (k == 0 || k > 16)
			return false;
		if (!tel_parse_int(&t, s, k))
			return false;
		if (k < len) {
			if (s[k] != '.' || k + 1 + fraction(&us, s + k + 1, len - k - 1) != len)
				return false;
		}
		if (k >= 13) { /* milliseconds */
			us = (uint32_t)(t % 1000) * 1000;
			t /= 1000;
		}
	}
	*out = t;
	if (out_us)
		*out_us = us;
	return true;
}

bool tel_syslog_time(ch_telemetry_reader *r, int64_t *out, uint32_t *us, const char *s, size_t n,
		     size_t *used)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int mo = 0, d, h, mi, se, y;
	size_t i = 0;

	*us = 0;
	if (n >= 19 && s[4] == '-' && s[10] == 'T')
		return iso_time(out, us, s, n, used);
	if (n < 15 || s[3] != ' ')
		return false;
	for (int k = 0; k < 12; k++)
		if (!memcmp(s, months + 3 * k, 3))
			mo = k + 1;
	if (!mo)
		return false;
	i = 4;
	if (s[i] == ' ')
		i++;
	if (s[i] < '0' || s[i] > '9')
		return false;
	d = s[i++] - '0';
	if (s[i] >= '0' && s[i] <= '9')
		d = d * 10 + (s[i++] - '0');
	if (i + 9 > n || s[i] != ' ' || !digits(&h, s + i + 1, 2) || s[i + 3] != ':' ||
	    !digits(&mi, s + i + 4, 2) || s[i + 6] != ':' || !digits(&se, s + i + 7, 2))
		return false;
	i += 9;
	if (i < n && s[i] == '.')
		i += 1 + fraction(us, s + i + 1, n - i - 1);
	if (d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return false;
	if (r->year) {
		y = r->year;
		*out = ch_time_from_civil(y, mo, d, h, mi, se > 59 ? 59 : se);
	} else {
		int cy, cm, cd, ch, cmi, cs;
		ch_time_to_civil(r->now, &cy, &cm, &cd, &ch, &cmi, &cs);
		*out = ch_time_from_civil(cy, mo, d, h, mi, se > 59 ? 59 : se);
		if (*out > r->now + 86400)
			*out = ch_time_from_civil(cy - 1, mo, d, h, mi, se > 59 ? 59 : se);
	}
	*used = i;
	return true;
}

void tel_url_host(ch_telemetry_reader *r, const char *s, size_t n, const char **host, int *port)
{
	const char *p = s, *end = s + n, *h, *he;
	const char *scheme = memmem(s, n, "://", 3);

	*host = "";
	*port = 0;
	if (scheme)
		p = scheme + 3;
	else if (n > 0 && s[0] == '/')
		return; /* a path only: no host */
	h = p;
	while (p < end && *p != '/' && *p != '?' && *p != '#')
		p++;
	he = p;
	{ /* user@host */
		const char *at = memrchr(h, '@', (size_t)(he - h));
		if (at)
			h = at + 1;
	}
	if (h < he && *h == '[') {
		const char *rb = memchr(h, ']', (size_t)(he - h));
		if (!rb)
			return;
		*host = tel_str(r, h + 1, (size_t)(rb - h - 1));
		if (rb + 1 < he && rb[1] == ':')
			(void)tel_parse_port(port, rb + 2, (size_t)(he - rb - 2));
		return;
	}
	{
		const char *colon = memchr(h, ':', (size_t)(he - h));
		if (colon && !memchr(colon + 1, ':', (size_t)(he - colon - 1))) {
			(void)tel_parse_port(port, colon + 1, (size_t)(he - colon - 1));
			he = colon;
		}
	}
	*host = tel_str(r, h, (size_t)(he - h));
}

bool tel_slot_set(ch_telemetry_reader *r, ch_obs *o, int slot, const char *s, size_t n)
{
	int64_t v;

	switch (slot) {
	case S_TIME:
		return ch_telemetry_parse_time(&o->time, &o->time_us, s, n);
	case S_SRC:
		o->src = tel_str(r, s, n);
		return true;
	case S_DST:
		o->dst = tel_str(r, s, n);
		return true;
	case S_SPORT:
		return tel_parse_port(&o->src_port, s, n);
	case S_DPORT:
		return tel_parse_port(&o->dst_port, s, n);
	case S_PROTO: {
		char *p = (char *)tel_str(r, s, n);
		tel_lower_inplace(p);
		o->proto = p;
		return true;
	}
	case S_SERVICE:
	case S_METHOD:
		o->service = tel_str(r, s, n);
		return true;
	case S_NAME:
		o->name = tel_str(r, s, n);
		return true;
	case S_SNI:
		o->sni = tel_str(r, s, n);
		return true;
	case S_URI:
		o->uri = tel_str(r, s, n);
		return true;
	case S_ACTION:
		o->action = tel_str(r, s, n);
		return true;
	case S_ANSWERS:
		tel_add_answer(o, tel_str(r, s, n));
		return true;
	case S_CERTS:
		return tel_add_fp(r, o, s, n);
	case S_FUIDS:
		tel_add_fuid(o, tel_str(r, s, n));
		return true;
	case S_CERT_B64:
		return tel_add_der_b64(r, o, s, n);
	case S_BYTES_OUT:
		if (!tel_parse_int(&v, s, n))
			return false;
		o->bytes_out = v;
		return true;
	case S_BYTES_IN:
		if (!tel_parse_int(&v, s, n))
			return false;
		o->bytes_in = v;
		return true;
	default:
		return true;
	}
}
