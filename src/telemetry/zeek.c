/* Zeek logs in the ASCII writer's TSV form: #separator/#set_separator/#empty_field/#unset_field/
 * #path/#fields header lines (several headers in one file are fine), '\xHH' escapes, unset and
 * empty markers, sets/vectors split by the set separator. Only the columns an observation uses
 * are decoded; the rest are only counted. */
#include "telemetry/internal.h"

#include <string.h>

static const struct {
	const char *name;
	uint8_t slot;
} zeek_fields[] = {
	{"ts", S_TIME},
	{"id.orig_h", S_SRC},
	{"id.orig_p", S_SPORT},
	{"id.resp_h", S_DST},
	{"id.resp_p", S_DPORT},
	{"proto", S_PROTO},
	{"service", S_SERVICE},
	{"query", S_NAME},
	{"host", S_NAME},
	{"server_name", S_SNI},
	{"uri", S_URI},
	{"method", S_METHOD},
	{"answers", S_ANSWERS},
	{"cert_chain_fps", S_CERTS},
	{"fingerprint", S_CERTS},
	{"cert_chain_fuids", S_FUIDS},
	{"id", S_FUIDS},
	{"cert", S_CERT_B64},
	{"orig_bytes", S_BYTES_OUT},
	{"resp_bytes", S_BYTES_IN},
	{"request_body_len", S_BYTES_OUT},
	{"response_body_len", S_BYTES_IN},
	{"rcode_name", S_ACTION},
	{"conn_state", S_ACTION},
	{"status_code", S_ACTION},
};

int ch_telemetry__zeek_slot(const char *name, size_t n)
{
	for (size_t i = 0; i < sizeof zeek_fields / sizeof zeek_fields[0]; i++)
		if (strlen(zeek_fields[i].name) == n && !memcmp(zeek_fields[i].name, name, n))
			return zeek_fields[i].slot;
	return S_NONE;
}

int ch_telemetry__zeek_kind(const char *path, size_t n)
{
	static const struct {
		const char *path;
		int kind;
	} paths[] = {{"conn", CH_OBS_CONN}, {"dns", CH_OBS_DNS}, {"ssl", CH_OBS_TLS},
		     {"x509", CH_OBS_X509}, {"http", CH_OBS_HTTP}};

	for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
		if (strlen(paths[i].path) == n && !memcmp(paths[i].path, path, n))
			return paths[i].kind;
	return 0;
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

/* Decodes Zeek's escapes in place: "\xHH" -> the byte (except NUL, which stays written out so
 * that names cannot be cut short) and "\\" -> '\'. Returns the new length. */
static size_t unescape(char *s, size_t n)
{
	size_t i = 0, k = 0;

	while (i < n) {
		if (s[i] == '\\' && i + 3 < n + 0 && s[i + 1] == 'x' && hexval(s[i + 2]) >= 0 &&
		    hexval(s[i + 3]) >= 0) {
			int v = hexval(s[i + 2]) * 16 + hexval(s[i + 3]);
			if (v == 0) {
				memmove(s + k, s + i, 4);
				k += 4;
			} else {
				s[k++] = (char)v;
			}
			i += 4;
		} else if (s[i] == '\\' && i + 1 < n && s[i + 1] == '\\') {
			s[k++] = '\\';
			i += 2;
		} else {
			s[k++] = s[i++];
		}
	}
	s[k] = '\0';
	return k;
}

/* Reads a header value like "\x09" or "," into one character. */
static bool sep_char(char *out, const char *s, size_t n)
{
	if (n == 1) {
		*out = s[0];
		return true;
	}
	if (n == 4 && s[0] == '\\' && s[1] == 'x' && hexval(s[2]) >= 0 && hexval(s[3]) >= 0) {
		*out = (char)(hexval(s[2]) * 16 + hexval(s[3]));
		return true;
	}
	return false;
}

static void zeek_reset(tel_zeek *z)
{
	memset(z, 0, sizeof *z);
	z->sep = '\t';
	z->set_sep = ',';
	strcpy(z->empty, "(empty)");
	strcpy(z->unset, "-");
	z->empty_len = 7;
	z->unset_len = 1;
}

/* Infers the log kind from its columns when #path does not name a known log. */
static int kind_from_fields(const tel_zeek *z)
{
	bool has[S_COUNT_] = {false};

	for (size_t i = 0; i < z->num_cols; i++)
		has[z->slot[i]] = true;
	if (has[S_SNI])
		return CH_OBS_TLS;
	if (has[S_CERTS] && !has[S_DST])
		return CH_OBS_X509;
	if (has[S_ANSWERS] || (has[S_NAME] && has[S_ACTION] && !has[S_METHOD]))
		return CH_OBS_DNS;
	if (has[S_METHOD])
		return CH_OBS_HTTP;
	return has[S_DST] ? CH_OBS_CONN : 0;
}

/* A '#' line: header directive or comment. */
static int header(ch_telemetry_reader *r, char *line, size_t len)
{
	tel_zeek *z = &r->zeek;
	char *v;
	size_t vl;

	if (len > 11 && !memcmp(line, "#separator ", 11)) {
		char c;
		if (!sep_char(&c, line + 11, len - 11))
			return tel_bad(r, "Zeek #separator '%.16s' is not one character", line + 11);
		zeek_reset(z);
		z->sep = c;
		return TEL_SKIP;
	}
	v = memchr(line, z->sep, len);
	if (!v)
		return TEL_SKIP; /* a comment */
	*v++ = '\0';
	vl = len - (size_t)(v - line);
	if (!strcmp(line, "#set_separator")) {
		if (!sep_char(&z->set_sep, v, vl))
			return tel_bad(r, "Zeek #set_separator is not one character");
	} else if (!strcmp(line, "#empty_field") && vl < sizeof z->empty) {
		memcpy(z->empty, v, vl + 1);
		z->empty_len = vl;
	} else if (!strcmp(line, "#unset_field") && vl < sizeof z->unset) {
		memcpy(z->unset, v, vl + 1);
		z->unset_len = vl;
	} else if (!strcmp(line, "#path")) {
		size_t n = vl < sizeof z->path ? vl : sizeof z->path - 1;
		memcpy(z->path, v, n);
		z->path[n] = '\0';
		z->kind = ch_telemetry__zeek_kind(v, vl);
	} else if (!strcmp(line, "#fields")) {
		char *p = v, *end = v + vl;
		z->num_cols = 0;
		for (;;) {
			char *sep = memchr(p, z->sep, (size_t)(end - p));
			char *fe = sep ? sep : end;
			if (z->num_cols >= TEL_ZEEK_MAX_COLS)
				return tel_bad(r, "Zeek #fields lists more than %d columns",
					       TEL_ZEEK_MAX_COLS);
			z->slot[z->num_cols++] = (uint8_t)ch_telemetry__zeek_slot(p, (size_t)(fe - p));
			if (!sep)
				break;
			p = sep + 1;
		}
		z->have_fields = true;
		if (!z->kind)
			z->kind = kind_from_fields(z);
	}
	return TEL_SKIP;
}

/* One column's value into the observation. */
static bool field(ch_telemetry_reader *r, ch_obs *o, int slot, char *s, size_t n)
{
	tel_zeek *z = &r->zeek;

	if ((n == z->unset_len && !memcmp(s, z->unset, n)) ||
	    (n == z->empty_len && !memcmp(s, z->empty, n)))
		return true;
	if (slot == S_ANSWERS || slot == S_CERTS || slot == S_FUIDS) {
		char *p = s, *end = s + n;
		for (;;) {
			char *sep = memchr(p, z->set_sep, (size_t)(end - p));
			char *fe = sep ? sep : end;
			size_t el;
			*fe = '\0';
			el = memchr(p, '\\', (size_t)(fe - p)) ? unescape(p, (size_t)(fe - p))
							       : (size_t)(fe - p);
			if (slot == S_ANSWERS)
				tel_add_answer(o, p);
			else if (slot == S_FUIDS)
				tel_add_fuid(o, p);
			else
				(void)tel_add_fp(r, o, p, el); /* MD5 or odd values: not ours */
			if (!sep)
				break;
			p = sep + 1;
		}
		return true;
	}
	if (memchr(s, '\\', n))
		n = unescape(s, n);
	switch (slot) { /* the common strings point into the line */
	case S_SRC:
		o->src = s;
		return true;
	case S_DST:
		o->dst = s;
		return true;
	case S_NAME:
		o->name = s;
		return true;
	case S_SNI:
		o->sni = s;
		return true;
	case S_SERVICE:
	case S_METHOD:
		o->service = s;
		return true;
	case S_PROTO:
		o->proto = s;
		return true;
	case S_URI:
		o->uri = s;
		return true;
	case S_ACTION:
		o->action = s;
		return true;
	default:
		return tel_slot_set(r, o, slot, s, n);
	}
}

static const char *slot_name(int slot)
{
	for (size_t i = 0; i < sizeof zeek_fields / sizeof zeek_fields[0]; i++)
		if (zeek_fields[i].slot == slot)
			return zeek_fields[i].name;
	return "?";
}

int ch_telemetry__zeek_line(ch_telemetry_reader *r, char *line, size_t len, ch_obs *o)
{
	tel_zeek *z = &r->zeek;
	char *p = line, *end = line + len;
	size_t col = 0;

	if (!z->sep)
		zeek_reset(z);
	if (len > 0 && line[0] == '#')
		return header(r, line, len);
	if (len == 0)
		return TEL_SKIP;
	if (!z->have_fields)
		return tel_bad(r, "Zeek data line before any #fields header");
	if (!z->kind)
		return TEL_SKIP;
	o->kind = (ch_obs_kind)z->kind;
	o->log = z->path[0] ? z->path : ch_obs_kind_name(o->kind);
	for (;;) {
		char *fe = p, *sep;
		while (fe < end && *fe != z->sep) /* fields are short: a loop beats memchr */
			fe++;
		sep = fe < end ? fe : NULL;
		if (col < z->num_cols && z->slot[col]) {
			*fe = '\0';
			if (!field(r, o, z->slot[col], p, (size_t)(fe - p)))
				return tel_bad(r, "Zeek column %zu (%s): bad value '%.40s'", col + 1,
					       slot_name(z->slot[col]), p);
		}
		col++;
		if (!sep)
			break;
		p = sep + 1;
	}
	if (col != z->num_cols)
		return tel_bad(r, "%zu columns where #fields names %zu (truncated or broken line)", col,
			       z->num_cols);
	return TEL_OBS;
}
