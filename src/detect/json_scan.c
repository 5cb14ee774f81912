/* A bounded, allocation-free JSON scanner: validates one value (RFC 8259 grammar) and reports
 * each scalar with the dotted path of object keys above it, so readers pick the fields they need
 * without building a tree. Depth is capped; paths longer than the path buffer are reported with
 * an empty path (and so match nothing). */
#include "detect/internal.h"

#include <string.h>

#define JS_MAX_DEPTH 64
#define JS_PATH_MAX 256

typedef struct js {
	const char *p, *e;
	const char *why;
	json_scalar_cb cb;
	void *ctx;
	int depth;
	size_t plen;
	bool path_over;  /* the path no longer fits: report "" */
	int path_over_depth;
	char path[JS_PATH_MAX];
} js;

enum { JS_OK = 0, JS_BAD = -1, JS_MORE = -2 };

static void ws(js *s)
{
	while (s->p < s->e && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int bad(js *s, const char *why)
{
	s->why = why;
	return JS_BAD;
}

static int hexv(char c)
{
	return (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
	       : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
}

/* After the opening quote: advances past the closing quote; body and len: the raw contents. */
static int string(js *s, const char **body, size_t *len)
{
	const char *b = s->p;

	for (;;) {
		const char *q = s->p;
		while (q < s->e && *q != '"' && *q != '\\' && (uint8_t)*q >= 0x20)
			q++;
		s->p = q;
		if (q >= s->e)
			return JS_MORE;
		if (*q == '"')
			break;
		if ((uint8_t)*q < 0x20)
			return bad(s, "control character in a string");
		/* backslash */
		if (q + 1 >= s->e)
			return JS_MORE;
		switch (q[1]) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
			s->p = q + 2;
			break;
		case 'u':
			if (q + 6 > s->e)
				return JS_MORE;
			for (int i = 2; i < 6; i++)
				if (hexv(q[i]) < 0)
					return bad(s, "bad \\u escape");
			s->p = q + 6;
			break;
		default:
			return bad(s, "bad escape in a string");
		}
	}
	*body = b;
	*len = (size_t)(s->p - b);
	s->p++;
	return JS_OK;
}

static int number(js *s)
{
	const char *q = s->p;

	if (q < s->e && *q == '-')
		q++;
	if (q >= s->e)
		return JS_MORE;
	if (*q < '0' || *q > '9')
		return bad(s, "bad number");
	if (*q == '0')
		q++;
	else
		while (q < s->e && *q >= '0' && *q <= '9')
			q++;
	if (q < s->e && *q == '.') {
		q++;
		if (q >= s->e)
			return JS_MORE;
		if (*q < '0' || *q > '9')
			return bad(s, "bad number");
		while (q < s->e && *q >= '0' && *q <= '9')
			q++;
	}
	if (q < s->e && (*q == 'e' || *q == 'E')) {
		q++;
		if (q < s->e && (*q == '+' || *q == '-'))
			q++;
		if (q >= s->e)
			return JS_MORE;
		if (*q < '0' || *q > '9')
			return bad(s, "bad number");
		while (q < s->e && *q >= '0' && *q <= '9')
			q++;
	}
	if (q >= s->e)
		return JS_MORE; /* a number may go on in the next bytes */
	s->p = q;
	return JS_OK;
}

static int emit(js *s, char type, const char *v, size_t n)
{
	if (!s->cb)
		return JS_OK;
	if (s->cb(s->ctx, s->path_over ? "" : s->path, s->path_over ? 0 : s->plen, type, v, n) != 0)
		return bad(s, NULL);
	return JS_OK;
}

static int value(js *s);

static int object(js *s)
{
	int rc;
	size_t saved = s->plen;

	s->p++; /* '{' */
	ws(s);
	if (s->p >= s->e)
		return JS_MORE;
	if (*s->p == '}') {
		s->p++;
		return JS_OK;
	}
	for (;;) {
		const char *k;
		size_t kl;

		ws(s);
		if (s->p >= s->e)
			return JS_MORE;
		if (*s->p != '"')
			return bad(s, "expected a key");
		s->p++;
		if ((rc = string(s, &k, &kl)) != JS_OK)
			return rc;
		if (!s->path_over) {
			size_t need = kl + (saved ? 1 : 0);
			if (saved + need + 1 > JS_PATH_MAX) {
				s->path_over = true;
				s->path_over_depth = s->depth;
			} else {
				if (saved)
					s->path[saved] = '.';
				memcpy(s->path + saved + (saved ? 1 : 0), k, kl);
				s->plen = saved + need;
				s->path[s->plen] = '\0';
			}
		}
		ws(s);
		if (s->p >= s->e)
			return JS_MORE;
		if (*s->p != ':')
			return bad(s, "expected ':'");
		s->p++;
		if ((rc = value(s)) != JS_OK)
			return rc;
		if (s->path_over && s->path_over_depth == s->depth)
			s->path_over = false;
		s->plen = saved;
		s->path[saved] = '\0';
		ws(s);
		if (s->p >= s->e)
			return JS_MORE;
		if (*s->p == '}') {
			s->p++;
			return JS_OK;
		}
		if (*s->p != ',')
			return bad(s, "expected ',' or '}'");
		s->p++;
	}
}

static int array(js *s)
{
	int rc;

	s->p++; /* '[' */
	ws(s);
	if (s->p >= s->e)
		return JS_MORE;
	if (*s->p == ']') {
		s->p++;
		return JS_OK;
	}
	for (;;) {
		if ((rc = value(s)) != JS_OK)
			return rc;
		ws(s);
		if (s->p >= s->e)
			return JS_MORE;
		if (*s->p == ']') {
			s->p++;
			return JS_OK;
		}
		if (*s->p != ',')
			return bad(s, "expected ',' or ']'");
		s->p++;
	}
}

static int literal(js *s, const char *word, char type)
{
	size_t n = strlen(word), have = (size_t)(s->e - s->p);

	if (memcmp(s->p, word, have < n ? have : n) != 0)
		return bad(s, "bad literal");
	if (have < n)
		return JS_MORE;
	s->p += n;
	return emit(s, type, word, n);
}

static int value(js *s)
{
	int rc;
	const char *v;
	size_t vl;

	ws(s);
	if (s->p >= s->e)
		return JS_MORE;
	switch (*s->p) {
	case '{':
	case '[':
		if (++s->depth > JS_MAX_DEPTH)
			return bad(s, "nested too deeply");
		rc = *s->p == '{' ? object(s) : array(s);
		s->depth--;
		return rc;
	case '"':
		s->p++;
		if ((rc = string(s, &v, &vl)) != JS_OK)
			return rc;
		return emit(s, 's', v, vl);
	case 't':
		return literal(s, "true", 't');
	case 'f':
		return literal(s, "false", 'f');
	case 'n':
		return literal(s, "null", 'z');
	default:
		v = s->p;
		if ((rc = number(s)) != JS_OK)
			return rc;
		return emit(s, 'n', v, (size_t)(s->p - v));
	}
}

long ch_detect__json_scan(const char *p, size_t n, json_scalar_cb cb, void *ctx, const char **why)
{
	js s = {.p = p, .e = p + n, .cb = cb, .ctx = ctx};
	int rc = value(&s);

	*why = s.why;
	if (rc == JS_MORE)
		return 0;
	if (rc == JS_BAD)
		return -1;
	return (long)(s.p - p);
}

static void put_utf8(char *u, size_t *n, uint32_t cp)
{
	if (cp < 0x80) {
		u[0] = (char)cp;
		*n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		*n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		*n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		*n = 4;
	}
}

static uint32_t hex4(const char *p)
{
	return (uint32_t)(hexv(p[0]) << 12 | hexv(p[1]) << 8 | hexv(p[2]) << 4 | hexv(p[3]));
}

ch_err ch_detect__json_unescape(ch_buf *out, const char *s, size_t n)
{
	ch_err err = CH_OK;
	size_t i = 0;

	while (i < n) {
		const char *bs = memchr(s + i, '\\', n - i);
		size_t run = bs ? (size_t)(bs - (s + i)) : n - i;
		char u[4];
		size_t ul = 1;

		CH_TRY(ch_buf_append(out, s + i, run));
		i += run;
		if (i >= n)
			break;
		/* The scanner validated the escape's shape already. */
		switch (s[i + 1]) {
		case 'b': u[0] = '\b'; break;
		case 'f': u[0] = '\f'; break;
		case 'n': u[0] = '\n'; break;
		case 'r': u[0] = '\r'; break;
		case 't': u[0] = '\t'; break;
		case 'u': {
			uint32_t cp = hex4(s + i + 2);
			if (cp >= 0xd800 && cp <= 0xdbff && i + 12 <= n && s[i + 6] == '\\' &&
			    s[i + 7] == 'u') {
				uint32_t lo = hex4(s + i + 8);
				if (lo >= 0xdc00 && lo <= 0xdfff) {
					cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
					i += 6;
				}
			}
			if ((cp >= 0xd800 && cp <= 0xdfff) || cp == 0) {
				err = ch_error_set(CH_ERR_PARSE, cp ? "unpaired surrogate escape"
								   : "NUL escape in a string");
				goto out;
			}
			put_utf8(u, &ul, cp);
			i += 4;
			break;
		}
		default: u[0] = s[i + 1]; break;
		}
		CH_TRY(ch_buf_append(out, u, ul));
		i += 2;
	}
out:
	return err;
}
