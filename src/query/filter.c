/* The ch_filter tree: construction, freeing and a canonical text form for tests and --explain. */
#include <certhound/query.h>
#include <certhound/util.h>

#include <stdlib.h>
#include <string.h>

#include "query/internal.h"

/* ch_filter_free frees a tree and everything it owns; NULL is a no-op. */
void ch_filter_free(ch_filter *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->num_kids; i++)
		ch_filter_free(f->kids[i]);
	free(f->kids);
	free(f->text);
	free(f);
}

/* ch_query__term returns a new leaf owning a NUL-terminated copy of text[0..text_len). */
ch_filter *ch_query__term(ch_field field, ch_cmp cmp, const char *text, size_t text_len,
			  int64_t num)
{
	ch_filter *f = calloc(1, sizeof *f);

	if (!f)
		return NULL;
	f->op = CH_FILTER_TERM;
	f->field = field;
	f->cmp = cmp;
	f->num = num;
	if (text) {
		f->text = malloc(text_len + 1);
		if (!f->text) {
			free(f);
			return NULL;
		}
		memcpy(f->text, text, text_len);
		f->text[text_len] = '\0';
	}
	return f;
}

/* ch_query__node returns a new AND/OR/NOT node with no children. */
ch_filter *ch_query__node(ch_filter_op op)
{
	ch_filter *f = calloc(1, sizeof *f);

	if (f)
		f->op = op;
	return f;
}

/* ch_query__add_kid takes ownership of kid on success. (a AND b) AND c is flattened into one
 * node so the store sees one conjunction. */
ch_err ch_query__add_kid(ch_filter *node, ch_filter *kid)
{
	bool merge = kid->op == node->op && (node->op == CH_FILTER_AND || node->op == CH_FILTER_OR);
	size_t add = merge ? kid->num_kids : 1;
	ch_filter **k = realloc(node->kids, (node->num_kids + add + 1) * sizeof *k);

	if (!k)
		return ch_error_set(CH_ERR_NOMEM, "out of memory building a query");
	node->kids = k;
	if (!merge) {
		k[node->num_kids++] = kid;
		return CH_OK;
	}
	memcpy(k + node->num_kids, kid->kids, add * sizeof *k);
	node->num_kids += add;
	free(kid->kids);
	free(kid);
	return CH_OK;
}

static const char *cmp_name(ch_cmp c)
{
	static const char *names[] = {"eq", "prefix", "contains", "lt", "le", "gt", "ge"};

	return (unsigned)c < sizeof names / sizeof names[0] ? names[c] : "?";
}

static bool is_time_field(ch_field f)
{
	return f == CH_FIELD_VALID_AT || f == CH_FIELD_NOT_AFTER || f == CH_FIELD_NOT_BEFORE;
}

static ch_err describe_term(ch_buf *out, const ch_filter *f)
{
	ch_err err;
	char t[21];

	CH_TRY(ch_buf_printf(out, "(%s %s", ch_query_field_name(f->field), cmp_name(f->cmp)));
	if (f->text) {
		CH_TRY(ch_buf_puts(out, " \""));
		for (const char *p = f->text; *p; p++) {
			if (*p == '"' || *p == '\\')
				CH_TRY(ch_buf_putc(out, '\\'));
			CH_TRY(ch_buf_putc(out, *p));
		}
		CH_TRY(ch_buf_putc(out, '"'));
		if (f->field == CH_FIELD_KEY && f->num)
			CH_TRY(ch_buf_printf(out, " %lld", (long long)f->num));
	} else if (is_time_field(f->field)) {
		ch_time_format(t, f->num);
		CH_TRY(ch_buf_printf(out, " %s", t));
	} else {
		CH_TRY(ch_buf_printf(out, " %lld", (long long)f->num));
	}
	err = ch_buf_putc(out, ')');
out:
	return err;
}

/* ch_query_describe appends the canonical S-expression of f to out. */
ch_err ch_query_describe(ch_buf *out, const ch_filter *f)
{
	static const char *ops[] = {"term", "and", "or", "not"};
	ch_err err = CH_OK;

	if (!f)
		return ch_buf_puts(out, "()");
	if (f->op == CH_FILTER_TERM)
		return describe_term(out, f);
	CH_TRY(ch_buf_printf(out, "(%s", (unsigned)f->op < 4 ? ops[f->op] : "?"));
	for (size_t i = 0; i < f->num_kids; i++) {
		CH_TRY(ch_buf_putc(out, ' '));
		CH_TRY(ch_query_describe(out, f->kids[i]));
	}
	err = ch_buf_putc(out, ')');
out:
	return err;
}
