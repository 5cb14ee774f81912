/* The search language's fields: the field table and how each value is read and normalised
 * (names lower-case A-labels, hex lower-case, serials without leading zero bytes, times resolved
 * against the caller's `now`). */
#include <certhound/names.h>
#include <certhound/query.h>
#include <certhound/util.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "query/internal.h"

#define MAX_NAME 1000 /* bytes of a host name value before normalisation */

static const ch_query__field fields[] = {
	{"name", CH_FIELD_NAME, CH_QK_NAME, 0},
	{"domain", CH_FIELD_DOMAIN, CH_QK_DOMAIN, 0},
	{"san", CH_FIELD_SAN, CH_QK_SAN, 0},
	{"cn", CH_FIELD_CN, CH_QK_ATTR, 0},
	{"ip", CH_FIELD_IP, CH_QK_IP, 0},
	{"email", CH_FIELD_EMAIL, CH_QK_EMAIL, 0},
	{"sha256", CH_FIELD_SHA256, CH_QK_HASH, 64},
	{"sha1", CH_FIELD_SHA1, CH_QK_HASH, 40},
	{"serial", CH_FIELD_SERIAL, CH_QK_SERIAL, 0},
	{"spki", CH_FIELD_SPKI, CH_QK_HEX64, 0},
	{"tbs", CH_FIELD_TBS, CH_QK_HEX64, 0},
	{"ja4x", CH_FIELD_JA4X, CH_QK_JA4X, 0},
	{"issuer", CH_FIELD_ISSUER, CH_QK_DN, 0},
	{"subject", CH_FIELD_SUBJECT, CH_QK_DN, 0},
	{"issuer.o", CH_FIELD_ISSUER_O, CH_QK_ATTR, 0},
	{"issuer.cn", CH_FIELD_ISSUER_CN, CH_QK_ATTR, 0},
	{"subject.o", CH_FIELD_SUBJECT_O, CH_QK_ATTR, 0},
	{"subject.ou", CH_FIELD_SUBJECT_OU, CH_QK_ATTR, 0},
	{"subject.cn", CH_FIELD_SUBJECT_CN, CH_QK_ATTR, 0},
	{"key", CH_FIELD_KEY, CH_QK_KEY, 0},
	{"sig", CH_FIELD_SIG, CH_QK_TEXT, 0},
	{"ca", CH_FIELD_CA, CH_QK_BOOL, 0},
	{"self-signed", CH_FIELD_SELF_SIGNED, CH_QK_BOOL, 0},
	{"precert", CH_FIELD_PRECERT, CH_QK_BOOL, 0},
	{"valid-at", CH_FIELD_VALID_AT, CH_QK_AT, 0},
	{"expires", CH_FIELD_NOT_AFTER, CH_QK_TIME_FWD, 0},
	{"issued", CH_FIELD_NOT_BEFORE, CH_QK_TIME_BACK, 0},
	{"seen-in", CH_FIELD_SEEN_IN, CH_QK_TEXT, 0},
	/* aliases, after the canonical names so describe prints those */
	{"not-after", CH_FIELD_NOT_AFTER, CH_QK_TIME_FWD, 0},
	{"not-before", CH_FIELD_NOT_BEFORE, CH_QK_TIME_BACK, 0},
	{"selfsigned", CH_FIELD_SELF_SIGNED, CH_QK_BOOL, 0},
	{"sig-alg", CH_FIELD_SIG, CH_QK_TEXT, 0},
	{"spki-sha256", CH_FIELD_SPKI, CH_QK_HEX64, 0},
};

/* ch_query__field_find returns the table entry for a field name, or NULL. */
const ch_query__field *ch_query__field_find(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (strlen(fields[i].name) == len && !strncasecmp(fields[i].name, name, len))
			return &fields[i];
	return NULL;
}

/* ch_query_field_name returns the search-language name of a field. */
const char *ch_query_field_name(ch_field field)
{
	if (field == CH_FIELD_NAME_UNDER)
		return "name-under";
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		if (fields[i].field == field)
			return fields[i].name;
	return "?";
}

static ch_err refuse(ch_query__why *why, size_t off, const char *fmt, ...) CH_PRINTF(3, 4);

static ch_err refuse(ch_query__why *why, size_t off, const char *fmt, ...)
{
	va_list ap;

	why->off = off;
	va_start(ap, fmt);
	vsnprintf(why->msg, sizeof why->msg, fmt, ap);
	va_end(ap);
	return CH_ERR_PARSE;
}

static ch_err leaf(ch_filter **out, ch_field field, ch_cmp cmp, const char *text, size_t len,
		   int64_t num)
{
	*out = ch_query__term(field, cmp, text, len, num);
	return *out ? CH_OK : ch_error_set(CH_ERR_NOMEM, "out of memory building a query");
}

/* A control byte or space cannot be part of a name, a hash or an address. */
static size_t find_bad_byte(const char *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)v[i] <= 0x20 || v[i] == 0x7f)
			return i;
	return n;
}

/* norm_host writes the normal form of a host name (certhound/names.h: lower-case, A-labels, no
 * trailing dot: the form the store holds) into out (size >= CH_NAME_BUF). */
static ch_err norm_host(char *out, ch_query__why *why, const char *v, size_t n)
{
	size_t bad = find_bad_byte(v, n);
	ch_err err;

	if (n == 0)
		return refuse(why, 0, "expected a host name");
	if (bad < n)
		return refuse(why, bad, "a host name cannot contain spaces or control characters");
	if (n > MAX_NAME)
		return refuse(why, 0, "host name longer than %d bytes", MAX_NAME);
	err = ch_name_normalize(out, v, n);
	if (err == CH_ERR_LIMIT)
		return refuse(why, 0, "host name too long");
	if (err)
		return refuse(why, 0, "not a valid host name (a label has no IDNA A-label form)");
	return CH_OK;
}

static ch_err name_term(ch_filter **out, ch_query__why *why, ch_field field, const char *v,
			size_t n, bool quoted)
{
	char host[CH_NAME_BUF];
	ch_err err;
	bool under = !quoted && n >= 2 && v[0] == '*' && v[1] == '.';
	size_t skip = under ? 2 : 0;
	const char *star;

	if (!quoted && field == CH_FIELD_DOMAIN && n && v[0] == '*')
		return refuse(why, 0, "a registrable domain takes no wildcard");
	star = memchr(v + skip, '*', n - skip);
	if (!quoted && star)
		return refuse(why, (size_t)(star - v), "a wildcard is allowed only as a leading '*.'");
	err = norm_host(host, why, v + skip, n - skip);
	if (err) {
		why->off += skip;
		return err;
	}
	return leaf(out, under ? CH_FIELD_NAME_UNDER : field, CH_CMP_EQ, host, strlen(host), 0);
}

static bool norm_ip(char out[INET6_ADDRSTRLEN], const char *v, size_t n)
{
	char tmp[INET6_ADDRSTRLEN + 1];
	unsigned char bin[16];

	if (n == 0 || n >= sizeof tmp)
		return false;
	memcpy(tmp, v, n);
	tmp[n] = '\0';
	if (inet_pton(AF_INET, tmp, bin) == 1)
		return inet_ntop(AF_INET, bin, out, INET6_ADDRSTRLEN) != NULL;
	if (inet_pton(AF_INET6, tmp, bin) == 1)
		return inet_ntop(AF_INET6, bin, out, INET6_ADDRSTRLEN) != NULL;
	return false;
}

static ch_err lower_term(ch_filter **out, ch_query__why *why, ch_field field, const char *v,
			 size_t n, const char *what)
{
	char *low;
	ch_err err;
	size_t bad = find_bad_byte(v, n);

	if (n == 0)
		return refuse(why, 0, "expected %s", what);
	if (bad < n)
		return refuse(why, bad, "%s cannot contain spaces or control characters", what);
	low = malloc(n);
	if (!low)
		return ch_error_set(CH_ERR_NOMEM, "out of memory building a query");
	for (size_t i = 0; i < n; i++)
		low[i] = (char)tolower((unsigned char)v[i]);
	err = leaf(out, field, CH_CMP_EQ, low, n, 0);
	free(low);
	return err;
}

static ch_err san_term(ch_filter **out, ch_query__why *why, const char *v, size_t n)
{
	char ip[INET6_ADDRSTRLEN];

	if (norm_ip(ip, v, n))
		return leaf(out, CH_FIELD_SAN, CH_CMP_EQ, ip, strlen(ip), 0);
	for (size_t i = 0; i + 3 <= n; i++)
		if (v[i] == ':' && v[i + 1] == '/' && v[i + 2] == '/')
			return leaf(out, CH_FIELD_SAN, CH_CMP_EQ, v, n, 0);
	/* a URI is kept as typed */
	if (memchr(v, '@', n))
		return lower_term(out, why, CH_FIELD_SAN, v, n, "an e-mail address");
	/* A SAN dNSName is matched literally: san:*.example.com is that wildcard entry. */
	return name_term(out, why, CH_FIELD_SAN, v, n, true);
}

/* hex_collect copies the hex digits of v (ignoring ':' separators) lower-cased into out. */
static ch_err hex_collect(char *out, size_t cap, size_t *out_len, ch_query__why *why,
			  const char *v, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (v[i] == ':')
			continue;
		if (!isxdigit((unsigned char)v[i]))
			return refuse(why, i, "expected a hex digit");
		if (k >= cap)
			return refuse(why, i, "too many hex digits (at most %zu)", cap);
		out[k++] = (char)tolower((unsigned char)v[i]);
	}
	*out_len = k;
	return CH_OK;
}

static ch_err hash_term(ch_filter **out, ch_query__why *why, const ch_query__field *fd,
			const char *v, size_t n)
{
	char hex[64];
	size_t k = 0, full = fd->kind == CH_QK_HEX64 ? 64 : fd->hex_len;
	ch_err err = hex_collect(hex, full, &k, why, v, n);

	if (err)
		return err;
	if (k == full)
		return leaf(out, fd->field, CH_CMP_EQ, hex, k, 0);
	if (fd->kind == CH_QK_HEX64)
		return refuse(why, n, "expected %zu hex digits (a SHA-256), got %zu", full, k);
	if (k < CH_QUERY_MIN_PREFIX)
		return refuse(why, n, "expected at least %d hex digits, got %zu", CH_QUERY_MIN_PREFIX,
			      k);
	return leaf(out, fd->field, CH_CMP_PREFIX, hex, k, 0);
}

static ch_err serial_term(ch_filter **out, ch_query__why *why, const char *v, size_t n)
{
	char hex[256], res[260];
	size_t k = 0, skip = 0, z = 0, r = 0;
	bool neg = n && v[0] == '-';
	ch_err err;

	skip = neg;
	if (n - skip >= 2 && v[skip] == '0' && (v[skip + 1] == 'x' || v[skip + 1] == 'X'))
		skip += 2;
	err = hex_collect(hex, sizeof hex, &k, why, v + skip, n - skip);
	if (err) {
		why->off += skip;
		return err;
	}
	if (k == 0)
		return refuse(why, n, "expected a serial number in hex");
	while (z < k && hex[z] == '0')
		z++;
	/* Whole bytes without leading zero bytes, as the certificate record prints it. */
	if (neg)
		res[r++] = '-';
	if (z == k || (k - z) % 2)
		res[r++] = '0';
	if (z == k)
		res[r++] = '0';
	memcpy(res + r, hex + z, k - z);
	r += k - z;
	return leaf(out, CH_FIELD_SERIAL, CH_CMP_EQ, res, r, 0);
}

static ch_err ja4x_term(ch_filter **out, ch_query__why *why, const char *v, size_t n)
{
	char low[38];

	if (n != 38)
		return refuse(why, 0, "expected a JA4X fingerprint (3 x 12 hex digits joined by '_')");
	for (size_t i = 0; i < n; i++) {
		bool sep = i == 12 || i == 25;
		if (sep ? v[i] != '_' : !isxdigit((unsigned char)v[i]))
			return refuse(why, i, sep ? "expected '_'" : "expected a hex digit");
		low[i] = (char)tolower((unsigned char)v[i]);
	}
	return leaf(out, CH_FIELD_JA4X, CH_CMP_EQ, low, n, 0);
}

static ch_err attr_term(ch_filter **out, ch_query__why *why, ch_field field, const char *v,
			size_t n, bool quoted, ch_cmp cmp)
{
	if (n == 0)
		return refuse(why, 0, "expected a value");
	if (!quoted && cmp == CH_CMP_EQ && n && v[n - 1] == '*') {
		if (n == 1)
			return refuse(why, 0, "expected text before '*'");
		return leaf(out, field, CH_CMP_PREFIX, v, n - 1, 0);
	}
	return leaf(out, field, cmp, v, n, 0);
}

/* key:TYPE, key:TYPE-BITS, key:TYPEBITS or key:ec-CURVE. */
static ch_err key_term(ch_filter **out, ch_query__why *why, const char *v, size_t n)
{
	static const struct { const char *name; const char *type; } types[] = {
		{"rsa", "rsa"}, {"ecdsa", "ec"}, {"ec", "ec"}, {"ed25519", "ed25519"},
		{"ed448", "ed448"}, {"dsa", "dsa"}, {"other", "other"},
	};
	static const struct { const char *name; int bits; } curves[] = {
		{"p256", 256}, {"p-256", 256}, {"prime256v1", 256}, {"secp256r1", 256},
		{"p384", 384}, {"p-384", 384}, {"secp384r1", 384},
		{"p521", 521}, {"p-521", 521}, {"secp521r1", 521},
	};
	size_t t, tl = 0;
	const char *rest;
	size_t rl;
	long bits = 0;
	bool curve = false;

	for (t = 0; t < sizeof types / sizeof types[0]; t++) {
		tl = strlen(types[t].name);
		if (n >= tl && !strncasecmp(v, types[t].name, tl) &&
		    (n == tl || v[tl] == '-' || isdigit((unsigned char)v[tl])))
			break;
	}
	if (t == sizeof types / sizeof types[0])
		return refuse(why, 0, "expected a key type (rsa, ec, ed25519, ed448, dsa, other)");
	rest = v + tl + (n > tl && v[tl] == '-');
	rl = n - (size_t)(rest - v);
	if (n > tl && rl == 0)
		return refuse(why, n, "expected a key size in bits or a curve (p256, p384, p521)");
	for (size_t c = 0; rl && c < sizeof curves / sizeof curves[0]; c++)
		if (strlen(curves[c].name) == rl && !strncasecmp(rest, curves[c].name, rl)) {
			bits = curves[c].bits;
			curve = true;
		}
	for (size_t i = 0; rl && !curve && i < rl; i++)
		if (!isdigit((unsigned char)rest[i]) || i >= 6)
			return refuse(why, (size_t)(rest - v) + i,
				      "expected a key size in bits or a curve (p256, p384, p521)");
	for (size_t i = 0; rl && !curve && i < rl; i++)
		bits = bits * 10 + (rest[i] - '0');
	if (rl && (bits < 1 || bits > 65536))
		return refuse(why, (size_t)(rest - v), "key size out of range");
	return leaf(out, CH_FIELD_KEY, CH_CMP_EQ, types[t].type, strlen(types[t].type), bits);
}

static ch_err bool_term(ch_filter **out, ch_query__why *why, ch_field field, const char *v,
			size_t n)
{
	static const struct { const char *w; int val; } words[] = {
		{"true", 1}, {"yes", 1}, {"1", 1}, {"false", 0}, {"no", 0}, {"0", 0},
	};

	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
		if (strlen(words[i].w) == n && !strncasecmp(v, words[i].w, n))
			return leaf(out, field, CH_CMP_EQ, NULL, 0, words[i].val);
	return refuse(why, 0, "expected true or false");
}

/* parse_when reads "now", a date, or a duration ([+-]N{h,d,w,y}); an unsigned duration counts
 * forward from now when `forward`, else backward. *out_day is set for a bare date. */
static ch_err parse_when(int64_t *out, bool *out_day, ch_query__why *why, const char *v, size_t n,
			 int64_t now, bool forward, size_t off)
{
	static const struct { char unit; int64_t secs; } units[] = {
		{'h', 3600}, {'d', 86400}, {'w', 7 * 86400}, {'y', 365 * 86400},
	};
	char tmp[32];
	int64_t num = 0;
	size_t i = 0;
	int sign = forward ? 1 : -1;

	*out_day = false;
	if (n == 3 && !strncasecmp(v, "now", 3)) {
		*out = now;
		return CH_OK;
	}
	if (n == 0)
		return refuse(why, off, "expected a date (YYYY-MM-DD), 'now' or a duration like 30d");
	if (n >= 10 && n < sizeof tmp && isdigit((unsigned char)v[0]) && v[4] == '-') {
		memcpy(tmp, v, n);
		tmp[n] = '\0';
		if (!ch_time_parse(out, tmp))
			return refuse(why, off, "expected a date as YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ");
		*out_day = n == 10;
		return CH_OK;
	}
	if (v[0] == '+' || v[0] == '-') {
		sign = v[0] == '+' ? 1 : -1;
		i = 1;
	}
	for (; i < n && isdigit((unsigned char)v[i]); i++) {
		if (num > 100000000)
			return refuse(why, off + i, "duration too large");
		num = num * 10 + (v[i] - '0');
	}
	if (i == 0 || !isdigit((unsigned char)v[i - 1]))
		return refuse(why, off + i, "expected a date (YYYY-MM-DD), 'now' or a duration like 30d");
	for (size_t u = 0; i + 1 == n && u < sizeof units / sizeof units[0]; u++)
		if ((char)tolower((unsigned char)v[i]) == units[u].unit) {
			*out = now + sign * num * units[u].secs;
			return CH_OK;
		}
	return refuse(why, off + i, "expected a duration unit (h, d, w or y)");
}

static ch_err time_term(ch_filter **out, ch_query__why *why, const ch_query__field *fd,
			const char *v, size_t n, int64_t now)
{
	static const struct { const char *op; ch_cmp cmp; } ops[] = {
		{"<=", CH_CMP_LE}, {">=", CH_CMP_GE}, {"<", CH_CMP_LT}, {">", CH_CMP_GT}, {"=", CH_CMP_EQ},
	};
	size_t skip = 0;
	ch_cmp cmp = CH_CMP_EQ;
	bool has_op = false, day;
	int64_t t;
	ch_filter *and = NULL, *a = NULL, *b = NULL;
	ch_err err;

	for (size_t i = 0; i < sizeof ops / sizeof ops[0] && !has_op; i++) {
		size_t l = strlen(ops[i].op);
		if (n >= l && !strncmp(v, ops[i].op, l)) {
			cmp = ops[i].cmp;
			skip = l;
			has_op = true;
		}
	}
	if (has_op && fd->kind == CH_QK_AT)
		return refuse(why, 0, "valid-at takes a date or 'now', not a comparison");
	err = parse_when(&t, &day, why, v + skip, n - skip, now, fd->kind != CH_QK_TIME_BACK, skip);
	if (err)
		return err;
	if (fd->kind == CH_QK_AT)
		return leaf(out, fd->field, CH_CMP_EQ, NULL, 0, t);
	if (!has_op && !day)
		return refuse(why, 0, "expected '<', '<=', '>' or '>=' before a time");
	if (cmp != CH_CMP_EQ || !day) {
		/* A bare date compared with '>' or '<=' means after/through that whole day. */
		if (day && (cmp == CH_CMP_GT || cmp == CH_CMP_LE))
			t += 86399;
		return leaf(out, fd->field, cmp, NULL, 0, t);
	}
	/* field:DATE (or =DATE) means during that day. */
	and = ch_query__node(CH_FILTER_AND);
	a = ch_query__term(fd->field, CH_CMP_GE, NULL, 0, t);
	b = ch_query__term(fd->field, CH_CMP_LT, NULL, 0, t + 86400);
	if (!and || !a || !b || ch_query__add_kid(and, a) != CH_OK) {
		ch_filter_free(and);
		ch_filter_free(a);
		ch_filter_free(b);
		return ch_error_set(CH_ERR_NOMEM, "out of memory building a query");
	}
	if (ch_query__add_kid(and, b) != CH_OK) {
		ch_filter_free(and);
		ch_filter_free(b);
		return ch_error_set(CH_ERR_NOMEM, "out of memory building a query");
	}
	*out = and;
	return CH_OK;
}

/* A bare value: a name or a subject CN; a bare "*.x" is name:*.x. */
static ch_err bare_term(ch_filter **out, ch_query__why *why, const char *v, size_t n, bool quoted)
{
	ch_filter *kids[3] = {NULL, NULL, NULL}, *or = NULL;
	char ip[INET6_ADDRSTRLEN];
	size_t k = 0;
	ch_err err = CH_OK;

	if (n == 0)
		return refuse(why, 0, "expected a search term");
	if (!quoted && n >= 2 && v[0] == '*' && v[1] == '.')
		return name_term(out, why, CH_FIELD_NAME, v, n, false);
	if (norm_ip(ip, v, n))
		CH_TRY(leaf(&kids[k++], CH_FIELD_IP, CH_CMP_EQ, ip, strlen(ip), 0));
	/* Not a host name (spaces, say): then only the CN (or the IP) can match. */
	err = name_term(&kids[k], why, CH_FIELD_NAME, v, n, true);
	if (err == CH_ERR_NOMEM)
		goto out;
	k += err == CH_OK;
	CH_TRY(leaf(&kids[k++], CH_FIELD_CN, CH_CMP_EQ, v, n, 0));
	if (k == 1) {
		*out = kids[0];
		kids[0] = NULL;
		goto out;
	}
	or = ch_query__node(CH_FILTER_OR);
	if (!or) {
		err = ch_error_set(CH_ERR_NOMEM, "out of memory building a query");
		goto out;
	}
	for (size_t i = 0; i < k; i++) {
		CH_TRY(ch_query__add_kid(or, kids[i]));
		kids[i] = NULL;
	}
	*out = or;
	or = NULL;
out:
	for (size_t i = 0; i < 3; i++)
		ch_filter_free(kids[i]);
	ch_filter_free(or);
	return err;
}

/* ch_query__is_ip says whether v[0..n) is an IPv4 or IPv6 address. */
bool ch_query__is_ip(const char *v, size_t n)
{
	char ip[INET6_ADDRSTRLEN];

	return norm_ip(ip, v, n);
}

/* ch_query__make_term builds the subtree for one term. */
ch_err ch_query__make_term(ch_filter **out, ch_query__why *why, const ch_query__field *fd,
			   const char *v, size_t n, bool quoted, int64_t now)
{
	char ip[INET6_ADDRSTRLEN];

	*out = NULL;
	if (!fd)
		return bare_term(out, why, v, n, quoted);
	if (n == 0)
		return refuse(why, 0, "expected a value after '%s:'", fd->name);
	switch (fd->kind) {
	case CH_QK_NAME:
	case CH_QK_DOMAIN:
		return name_term(out, why, fd->field, v, n, quoted);
	case CH_QK_SAN:
		return san_term(out, why, v, n);
	case CH_QK_ATTR:
		return attr_term(out, why, fd->field, v, n, quoted, CH_CMP_EQ);
	case CH_QK_DN:
		return attr_term(out, why, fd->field, v, n, true, CH_CMP_CONTAINS);
	case CH_QK_TEXT:
		return attr_term(out, why, fd->field, v, n, true, CH_CMP_EQ);
	case CH_QK_IP:
		if (!norm_ip(ip, v, n))
			return refuse(why, 0, "expected an IPv4 or IPv6 address");
		return leaf(out, fd->field, CH_CMP_EQ, ip, strlen(ip), 0);
	case CH_QK_EMAIL:
		return lower_term(out, why, fd->field, v, n, "an e-mail address");
	case CH_QK_HASH:
	case CH_QK_HEX64:
		return hash_term(out, why, fd, v, n);
	case CH_QK_SERIAL:
		return serial_term(out, why, v, n);
	case CH_QK_JA4X:
		return ja4x_term(out, why, v, n);
	case CH_QK_KEY:
		return key_term(out, why, v, n);
	case CH_QK_BOOL:
		return bool_term(out, why, fd->field, v, n);
	case CH_QK_AT:
	case CH_QK_TIME_FWD:
	case CH_QK_TIME_BACK:
		return time_term(out, why, fd, v, n, now);
	}
	return refuse(why, 0, "unsupported field");
}
