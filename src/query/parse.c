/* The search language's lexer and recursive-descent parser (grammar in certhound/query.h).
 * Recursion is bounded by CH_QUERY_MAX_DEPTH: only '(' and NOT nest. */
#include <certhound/query.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "query/internal.h"

typedef enum tok_kind {
	T_END,
	T_LPAREN,
	T_RPAREN,
	T_NOT,
	T_AND,
	T_OR,
	T_TERM,
} tok_kind;

typedef struct tok {
	tok_kind kind;
	size_t pos;                   /* byte offset where the token starts */
	const ch_query__field *field; /* NULL for a bare value */
	size_t value_pos;             /* byte offset of the value (its opening quote if quoted) */
	char *value;                  /* owned, unescaped, NUL-terminated */
	size_t value_len;
	bool quoted;
} tok;

typedef struct parser {
	const char *s;
	size_t n;
	size_t pos;
	int64_t now;
	tok cur;
	unsigned depth;
	size_t terms;
	size_t err_col;
	bool failed;
	ch_err code;
} parser;

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool is_field_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '.' || c == '-' || c == '_';
}

/* column: 1-based position in characters (UTF-8 continuation bytes do not count). */
static size_t column(const parser *p, size_t off)
{
	size_t col = 1;

	for (size_t i = 0; i < off && i < p->n; i++)
		col += ((unsigned char)p->s[i] & 0xc0) != 0x80;
	return col + (off > p->n ? off - p->n : 0);
}

static void fail(parser *p, ch_err code, size_t off, const char *fmt, ...) CH_PRINTF(4, 5);

static void fail(parser *p, ch_err code, size_t off, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	if (p->failed)
		return;
	p->failed = true;
	p->code = code;
	p->err_col = column(p, off);
	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	ch_error_set(code, "column %zu: %s", p->err_col, msg);
}

static void oom(parser *p)
{
	p->failed = true;
	p->code = CH_ERR_NOMEM;
	ch_error_set(CH_ERR_NOMEM, "out of memory parsing a query");
}

static bool set_value(parser *p, const char *v, size_t len)
{
	p->cur.value = malloc(len + 1);
	if (!p->cur.value) {
		oom(p);
		return false;
	}
	memcpy(p->cur.value, v, len);
	p->cur.value[len] = '\0';
	p->cur.value_len = len;
	return true;
}

/* read_quoted reads "..." starting at p->pos (the quote), unescaping \" and \\. */
static bool read_quoted(parser *p)
{
	size_t start = p->pos, i = p->pos + 1, k = 0;
	char *v = malloc(p->n - start + 1);

	if (!v) {
		oom(p);
		return false;
	}
	while (i < p->n && p->s[i] != '"') {
		if (p->s[i] == '\\' && i + 1 < p->n && (p->s[i + 1] == '"' || p->s[i + 1] == '\\'))
			i++;
		v[k++] = p->s[i++];
	}
	v[k] = '\0';
	p->cur.value = v;
	p->cur.value_len = k;
	p->cur.quoted = true;
	if (i >= p->n) {
		fail(p, CH_ERR_PARSE, p->n, "expected '\"' to close the quote opened at column %zu",
		     column(p, start));
		return false;
	}
	p->pos = i + 1;
	if (p->pos < p->n && !is_space(p->s[p->pos]) && p->s[p->pos] != ')' &&
	    p->s[p->pos] != '(') {
		fail(p, CH_ERR_PARSE, p->pos, "expected a space or ')' after a quoted value");
		return false;
	}
	return true;
}

/* read_word reads an unquoted value up to a space or a parenthesis. */
static bool read_word(parser *p)
{
	size_t start = p->pos;

	while (p->pos < p->n && !is_space(p->s[p->pos]) && p->s[p->pos] != '(' &&
	       p->s[p->pos] != ')') {
		unsigned char c = (unsigned char)p->s[p->pos];
		if (c == '"') {
			fail(p, CH_ERR_PARSE, p->pos, "unexpected '\"' inside a value (quote the whole value)");
			return false;
		}
		if (c < 0x20 || c == 0x7f) {
			fail(p, CH_ERR_PARSE, p->pos, "unexpected control character");
			return false;
		}
		p->pos++;
	}
	return set_value(p, p->s + start, p->pos - start);
}

static bool is_keyword(const tok *t, const char *kw)
{
	return !t->field && !t->quoted && t->value_len == strlen(kw) && !strcmp(t->value, kw);
}

/* read_term reads `field:value`, a bare word or a keyword. */
static bool read_term(parser *p)
{
	size_t start = p->pos, i = p->pos;

	p->cur.kind = T_TERM;
	while (i < p->n && is_field_char(p->s[i]))
		i++;
	if (i > start && i < p->n && p->s[i] == ':') {
		size_t end = i;
		while (end < p->n && !is_space(p->s[end]) && p->s[end] != '(' && p->s[end] != ')')
			end++;
		p->cur.field = ch_query__field_find(p->s + start, i - start);
		if (!p->cur.field && ch_query__is_ip(p->s + start, end - start))
			goto value;
		if (!p->cur.field) {
			fail(p, CH_ERR_PARSE, start, "unknown field '%.*s' (quote a value that contains ':')",
			     (int)(i - start > 40 ? 40 : i - start), p->s + start);
			return false;
		}
		p->pos = i + 1;
	}
value:
	p->cur.value_pos = p->pos;
	if (p->pos < p->n && p->s[p->pos] == '"')
		return read_quoted(p);
	if (!read_word(p))
		return false;
	if (is_keyword(&p->cur, "AND"))
		p->cur.kind = T_AND;
	else if (is_keyword(&p->cur, "OR"))
		p->cur.kind = T_OR;
	else if (is_keyword(&p->cur, "NOT"))
		p->cur.kind = T_NOT;
	return true;
}

/* next replaces the lookahead with the next token; false on a lexical error. */
static bool next(parser *p)
{
	unsigned char c;

	free(p->cur.value);
	memset(&p->cur, 0, sizeof p->cur);
	while (p->pos < p->n && is_space(p->s[p->pos]))
		p->pos++;
	p->cur.pos = p->pos;
	if (p->pos >= p->n) {
		p->cur.kind = T_END;
		return true;
	}
	c = (unsigned char)p->s[p->pos];
	if (c == '(' || c == ')') {
		p->cur.kind = c == '(' ? T_LPAREN : T_RPAREN;
		p->pos++;
		return true;
	}
	if (c == '-') {
		/* '-' negates the term glued to it; a lone '-' is a mistake, not a name. */
		if (p->pos + 1 >= p->n || is_space(p->s[p->pos + 1])) {
			fail(p, CH_ERR_PARSE, p->pos + 1, "expected a search term right after '-'");
			return false;
		}
		p->cur.kind = T_NOT;
		p->pos++;
		return true;
	}
	if (c < 0x20 || c == 0x7f) {
		fail(p, CH_ERR_PARSE, p->pos, "unexpected control character");
		return false;
	}
	return read_term(p);
}

static bool starts_unary(const parser *p)
{
	return p->cur.kind == T_TERM || p->cur.kind == T_NOT || p->cur.kind == T_LPAREN;
}

static const char *tok_text(tok_kind k)
{
	switch (k) {
	case T_END: return "the end of the query";
	case T_RPAREN: return "')'";
	case T_AND: return "AND";
	case T_OR: return "OR";
	default: return "this";
	}
}

/* expect_term fails unless the lookahead can start a term; `after` names what came before. */
static bool expect_term(parser *p, const char *after)
{
	if (starts_unary(p))
		return true;
	if (after)
		fail(p, CH_ERR_PARSE, p->cur.pos, "expected a search term after %s", after);
	else
		fail(p, CH_ERR_PARSE, p->cur.pos, "expected a search term before %s",
		     tok_text(p->cur.kind));
	return false;
}

static ch_filter *parse_or(parser *p);

static ch_filter *wrap(parser *p, ch_filter_op op, ch_filter *a, ch_filter *b)
{
	ch_filter *node = a && a->op == op ? a : ch_query__node(op);

	if (!node || (a && node != a && ch_query__add_kid(node, a) != CH_OK) ||
	    (b && ch_query__add_kid(node, b) != CH_OK)) {
		if (node != a)
			ch_filter_free(node);
		ch_filter_free(a);
		ch_filter_free(b);
		oom(p);
		return NULL;
	}
	return node;
}

static bool enter(parser *p)
{
	if (++p->depth > CH_QUERY_MAX_DEPTH) {
		fail(p, CH_ERR_LIMIT, p->cur.pos, "nesting deeper than %d levels", CH_QUERY_MAX_DEPTH);
		return false;
	}
	return true;
}

static ch_filter *parse_term(parser *p)
{
	ch_filter *f = NULL;
	ch_query__why why = {0, ""};
	ch_err err;
	size_t base;

	if (++p->terms > CH_QUERY_MAX_TERMS) {
		fail(p, CH_ERR_LIMIT, p->cur.pos, "more than %d terms", CH_QUERY_MAX_TERMS);
		return NULL;
	}
	err = ch_query__make_term(&f, &why, p->cur.field, p->cur.value, p->cur.value_len,
				  p->cur.quoted, p->now);
	if (err == CH_ERR_PARSE) {
		base = p->cur.value_pos + (p->cur.quoted ? 1 : 0);
		fail(p, CH_ERR_PARSE, base + why.off, "%s", why.msg);
		return NULL;
	}
	if (err) {
		p->failed = true;
		p->code = err;
		return NULL;
	}
	if (!next(p)) {
		ch_filter_free(f);
		return NULL;
	}
	return f;
}

static ch_filter *parse_unary(parser *p)
{
	ch_filter *f = NULL;
	size_t open;

	if (p->cur.kind == T_NOT) {
		const char *what = p->s[p->cur.pos] == '-' ? "'-'" : "NOT";
		if (!enter(p) || !next(p) || !expect_term(p, what))
			return NULL;
		f = parse_unary(p);
		p->depth--;
		return f ? wrap(p, CH_FILTER_NOT, NULL, f) : NULL;
	}
	if (p->cur.kind == T_LPAREN) {
		open = p->cur.pos;
		if (!enter(p) || !next(p) || !expect_term(p, "'('"))
			return NULL;
		f = parse_or(p);
		if (f && p->cur.kind != T_RPAREN) {
			fail(p, CH_ERR_PARSE, p->cur.pos, "expected ')' to close the '(' at column %zu",
			     column(p, open));
			ch_filter_free(f);
			return NULL;
		}
		p->depth--;
		if (f && !next(p)) {
			ch_filter_free(f);
			return NULL;
		}
		return f;
	}
	if (p->cur.kind == T_TERM)
		return parse_term(p);
	expect_term(p, NULL);
	return NULL;
}

static ch_filter *parse_and(parser *p)
{
	ch_filter *f = parse_unary(p), *g;

	while (f && (p->cur.kind == T_AND || starts_unary(p))) {
		if (p->cur.kind == T_AND && (!next(p) || !expect_term(p, "AND"))) {
			ch_filter_free(f);
			return NULL;
		}
		g = parse_unary(p);
		if (!g) {
			ch_filter_free(f);
			return NULL;
		}
		f = wrap(p, CH_FILTER_AND, f, g);
	}
	return f;
}

static ch_filter *parse_or(parser *p)
{
	ch_filter *f = parse_and(p), *g;

	while (f && p->cur.kind == T_OR) {
		if (!next(p) || !expect_term(p, "OR")) {
			ch_filter_free(f);
			return NULL;
		}
		g = parse_and(p);
		if (!g) {
			ch_filter_free(f);
			return NULL;
		}
		f = wrap(p, CH_FILTER_OR, f, g);
	}
	return f;
}

/* ch_query_parse parses a query into a filter tree (see certhound/query.h). */
ch_err ch_query_parse(ch_filter **out, size_t *out_column, const char *text, size_t len,
		      int64_t now)
{
	parser p = {.s = text, .n = len, .now = now};
	ch_filter *f = NULL;
	ch_err err = CH_OK;

	*out = NULL;
	if (out_column)
		*out_column = 0;
	if (len > CH_QUERY_MAX_LEN) {
		fail(&p, CH_ERR_LIMIT, CH_QUERY_MAX_LEN, "query longer than %d bytes", CH_QUERY_MAX_LEN);
		err = CH_ERR_LIMIT;
		goto out;
	}
	if (memchr(text, '\0', len)) {
		fail(&p, CH_ERR_PARSE, (size_t)((const char *)memchr(text, '\0', len) - text),
		     "unexpected NUL byte");
		err = CH_ERR_PARSE;
		goto out;
	}
	if (next(&p) && expect_term(&p, NULL))
		f = parse_or(&p);
	if (f && p.cur.kind != T_END) {
		/* Only a stray ')' can stop the top-level OR early. */
		fail(&p, CH_ERR_PARSE, p.cur.pos, "unexpected ')' without a matching '('");
		ch_filter_free(f);
		f = NULL;
	}
	if (!f)
		err = p.code ? p.code : ch_error_set(CH_ERR_PARSE, "column 1: cannot parse the query");
out:
	free(p.cur.value);
	if (out_column)
		*out_column = p.err_col;
	*out = f;
	return err;
}
