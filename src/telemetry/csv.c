/* The generic reader's column mapping and its CSV form (RFC 4180 fields, one record per line,
 * the first line names the columns); plus format detection from a file's first line. */
#include "telemetry/internal.h"

#include <stdlib.h>
#include <string.h>

static const struct {
	const char *key;
	int slot;
} map_keys[] = {
	{"time", S_TIME},         {"ts", S_TIME},           {"src", S_SRC},
	{"client", S_SRC},        {"sport", S_SPORT},       {"dst", S_DST},
	{"dest", S_DST},          {"port", S_DPORT},        {"dport", S_DPORT},
	{"host", S_NAME},         {"name", S_NAME},         {"query", S_NAME},
	{"sni", S_SNI},           {"cert", S_CERTS},        {"fingerprint", S_CERTS},
	{"answer", S_ANSWERS},    {"answers", S_ANSWERS},   {"uri", S_URI},
	{"url", S_URI},           {"bytes", S_BYTES_OUT},   {"bytes_out", S_BYTES_OUT},
	{"bytes_in", S_BYTES_IN}, {"proto", S_PROTO},       {"action", S_ACTION},
	{"service", S_SERVICE},   {"method", S_METHOD},     {"cert_b64", S_CERT_B64},
};

void ch_telemetry_map_free(ch_telemetry_map *m)
{
	if (!m)
		return;
	for (int i = 0; i < S_COUNT_; i++)
		free(m->col[i]);
	for (size_t i = 0; i < m->num_cert_cols; i++)
		free(m->cert_cols[i]);
	free(m);
}

/* Parses one "key=value" item of a mapping spec. */
static ch_err map_item(ch_telemetry_map *m, const char *item, size_t n)
{
	const char *eq = memchr(item, '=', n);
	size_t kl, vl;
	int slot = 0;

	if (!eq || eq == item || eq + 1 == item + n)
		return ch_error_set(CH_ERR_INVALID, "--map item '%.*s' is not key=column", (int)n, item);
	kl = (size_t)(eq - item);
	vl = n - kl - 1;
	if (kl == 4 && !memcmp(item, "kind", 4)) {
		for (int k = CH_OBS_DNS; k <= CH_OBS_FIREWALL; k++)
			if (strlen(ch_obs_kind_name(k)) == vl && !memcmp(ch_obs_kind_name(k), eq + 1, vl))
				m->kind = k;
		if (!m->kind)
			return ch_error_set(CH_ERR_INVALID, "--map kind '%.*s': use dns, conn, http, "
					    "proxy, tls, x509 or firewall", (int)vl, eq + 1);
		return CH_OK;
	}
	for (size_t i = 0; i < sizeof map_keys / sizeof map_keys[0]; i++)
		if (strlen(map_keys[i].key) == kl && !memcmp(map_keys[i].key, item, kl))
			slot = map_keys[i].slot;
	if (!slot)
		return ch_error_set(CH_ERR_INVALID, "--map key '%.*s' is unknown (time, src, sport, dst, "
				    "port, host, sni, cert, answer, uri, bytes, bytes_in, proto, "
				    "action, service, method, cert_b64, kind)", (int)kl, item);
	if (slot == S_CERTS) { /* cert=a+b: several fingerprint columns */
		const char *p = eq + 1, *end = item + n;
		while (p < end) {
			const char *plus = memchr(p, '+', (size_t)(end - p));
			const char *e = plus ? plus : end;
			char *col;
			if (e == p || m->num_cert_cols >= TEL_MAP_MAX_CERT)
				return ch_error_set(CH_ERR_INVALID, "--map cert: at most %d columns",
						    TEL_MAP_MAX_CERT);
			if (!(col = strndup(p, (size_t)(e - p))))
				return ch_error_set(CH_ERR_NOMEM, "out of memory");
			m->cert_cols[m->num_cert_cols++] = col;
			p = plus ? plus + 1 : end;
		}
		return CH_OK;
	}
	if (m->col[slot])
		return ch_error_set(CH_ERR_INVALID, "--map key '%.*s' given twice", (int)kl, item);
	if (!(m->col[slot] = strndup(eq + 1, vl)))
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	return CH_OK;
}

ch_err ch_telemetry_map_parse(ch_telemetry_map **out, const char *spec)
{
	ch_telemetry_map *m = calloc(1, sizeof *m);
	ch_err err = CH_OK;
	const char *p = spec;

	*out = NULL;
	if (!m)
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	while (*p) {
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t)(comma - p) : strlen(p);
		if (n > 0)
			CH_TRY(map_item(m, p, n));
		p += n + (comma ? 1 : 0);
	}
	{
		bool any = m->num_cert_cols > 0;
		for (int i = 0; i < S_COUNT_; i++)
			any = any || m->col[i];
		if (!any)
			CH_TRY(ch_error_set(CH_ERR_INVALID, "--map '%s' maps no column", spec));
	}
	*out = m;
	m = NULL;
out:
	ch_telemetry_map_free(m);
	return err;
}

/* Splits one CSV record in place; quoted fields are unquoted ("" -> "). Returns the number of
 * fields, or -1 when a quote is unbalanced. */
static long csv_split(char *s, size_t n, char **f, size_t *fl, size_t max)
{
	size_t k = 0, i = 0;

	for (;;) {
		char *w;
		if (k >= max)
			return (long)k;
		if (i < n && s[i] == '"') {
			w = f[k] = s + i + 1;
			i++;
			for (;;) {
				if (i >= n)
					return -1;
				if (s[i] == '"') {
					if (i + 1 < n && s[i + 1] == '"') {
						*w++ = '"';
						i += 2;
						continue;
					}
					i++;
					break;
				}
				*w++ = s[i++];
			}
			fl[k] = (size_t)(w - f[k]);
			if (i < n && s[i] != ',')
				return -1;
		} else {
			char *c = memchr(s + i, ',', n - i);
			f[k] = s + i;
			fl[k] = (size_t)((c ? c : s + n) - f[k]);
			i += fl[k];
		}
		f[k][fl[k]] = '\0'; /* safe: the byte was the separator, a quote or the end */
		k++;
		if (i >= n)
			return (long)k;
		i++; /* the comma */
	}
}

int ch_telemetry__csv(ch_telemetry_reader *r, char *line, size_t len, ch_obs *o)
{
	size_t fl[TEL_ZEEK_MAX_COLS];
	char *fbuf[TEL_ZEEK_MAX_COLS];
	tel_csv *c = &r->csv;
	const ch_telemetry_map *m = r->map;
	long n;

	if (len == 0)
		return TEL_SKIP;
	n = csv_split(line, len, fbuf, fl, TEL_ZEEK_MAX_COLS);
	if (n < 0)
		return tel_bad(r, "CSV line with an unbalanced quote");
	if (!c->have_header) {
		c->num_cols = (size_t)n;
		for (size_t i = 0; i < c->num_cols; i++) {
			c->slot[i] = S_NONE;
			c->extra_cert[i] = 0;
			for (int s = S_TIME; s < S_COUNT_; s++)
				if (m->col[s] && !strcmp(m->col[s], fbuf[i]))
					c->slot[i] = (uint8_t)s;
			for (size_t k = 0; k < m->num_cert_cols; k++)
				if (!strcmp(m->cert_cols[k], fbuf[i]))
					c->extra_cert[i] = 1;
		}
		for (int s = S_TIME; s < S_COUNT_; s++) {
			bool found = !m->col[s];
			for (size_t i = 0; i < c->num_cols; i++)
				found = found || c->slot[i] == s;
			if (!found)
				return tel_bad(r, "CSV header has no column '%s' (--map)", m->col[s]);
		}
		c->have_header = true;
		return TEL_SKIP;
	}
	if ((size_t)n != c->num_cols)
		return tel_bad(r, "CSV line with %ld fields where the header has %zu", n, c->num_cols);
	for (size_t i = 0; i < c->num_cols; i++) {
		if (fl[i] == 0)
			continue;
		if (c->slot[i] && !tel_slot_set(r, o, c->slot[i], fbuf[i], fl[i]))
			return tel_bad(r, "CSV column %zu: bad value '%.40s'", i + 1, fbuf[i]);
		if (c->extra_cert[i] && !tel_add_fp(r, o, fbuf[i], fl[i]))
			return tel_bad(r, "CSV column %zu: '%.40s' is not a SHA-1/SHA-256", i + 1,
				       fbuf[i]);
	}
	if (m->col[S_TIME] && o->time == CH_OBS_NO_TIME)
		return tel_bad(r, "CSV line without a time");
	o->kind = (ch_obs_kind)ch_telemetry__map_kind(m, o);
	o->log = "csv";
	return TEL_OBS;
}

/* ---- format detection ------------------------------------------------------------------- */

static bool is_digits(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

ch_telemetry_format ch_telemetry__detect(ch_telemetry_reader *r, const char *line, size_t len)
{
	if (len > 10 && !memcmp(line, "#separator", 10))
		return CH_TEL_ZEEK;
	if (line[0] == '{') {
		json_error_t e;
		json_t *j = json_loadb(line, len, 0, &e);
		ch_telemetry_format f = CH_TEL_AUTO;
		if (j && json_is_object(j)) {
			if (json_object_get(j, "event_type"))
				f = CH_TEL_EVE;
			else if (json_object_get(j, "_path") || (json_object_get(j, "ts") &&
								 json_object_get(j, "uid")) ||
				 (json_object_get(j, "ts") && json_object_get(j, "fingerprint")))
				f = CH_TEL_ZEEK_JSON;
			else if (r->map)
				f = CH_TEL_JSONL;
		}
		json_decref(j);
		return f;
	}
	if (r->map)
		return CH_TEL_CSV;
	if (memmem(line, len, "client ", 7) && memmem(line, len, " query: ", 8))
		return CH_TEL_BIND;
	if (memmem(line, len, " dnsmasq[", 9) || memmem(line, len, " dnsmasq:", 9))
		return CH_TEL_DNSMASQ;
	if (memmem(line, len, " SRC=", 5) && memmem(line, len, " DST=", 5))
		return CH_TEL_NETFILTER;
	{ /* squid: "1714564800.123    150 192.0.2.10 TCP_MISS/200 ..." */
		const char *dot = memchr(line, '.', len < 12 ? len : 12);
		if (dot && is_digits(line, (size_t)(dot - line)) && dot + 4 < line + len &&
		    is_digits(dot + 1, 3) && (dot[4] == ' ' || dot[4] == '\t'))
			return CH_TEL_SQUID;
	}
	{ /* combined: "host ident user [dd/Mon/yyyy:..." */
		const char *lb = memchr(line, '[', len);
		if (lb && (size_t)(line + len - lb) >= 28 && lb > line && lb[-1] == ' ') {
			size_t spaces = 0;
			for (const char *p = line; p < lb; p++)
				spaces += *p == ' ';
			if (spaces == 3 && lb[3] == '/' && lb[7] == '/' && lb[12] == ':')
				return CH_TEL_COMBINED;
		}
	}
	return CH_TEL_AUTO;
}
