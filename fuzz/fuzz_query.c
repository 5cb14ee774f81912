/* Fuzz target: the search-language parser. Besides memory errors it checks the promises callers
 * rely on: a failure points at a column inside the query (or just past its end) with a
 * "column N: ..." message; a success gives a well-formed tree within the depth and term limits. */
#include <certhound/query.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t check_tree(const ch_filter *f, unsigned depth)
{
	size_t terms = 0;

	if (!f || depth > 2 * CH_QUERY_MAX_DEPTH + 4)
		abort();
	switch (f->op) {
	case CH_FILTER_TERM:
		if (f->num_kids || f->field < CH_FIELD_NAME || f->field > CH_FIELD_SEEN_IN)
			abort();
		return 1;
	case CH_FILTER_NOT:
		if (f->num_kids != 1)
			abort();
		break;
	case CH_FILTER_AND:
	case CH_FILTER_OR:
		if (f->num_kids < 2)
			abort();
		break;
	default:
		abort();
	}
	for (size_t i = 0; i < f->num_kids; i++)
		terms += check_tree(f->kids[i], depth + 1);
	return terms;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ch_filter *f = NULL;
	size_t col = 0;
	char want[32];
	ch_buf b;
	ch_err err = ch_query_parse(&f, &col, (const char *)data, size, 1717200000);

	if (err != CH_OK) {
		snprintf(want, sizeof want, "column %zu: ", col);
		if (f || col < 1 || col > size + 1 || strncmp(ch_error_last(), want, strlen(want)) != 0)
			abort();
		return 0;
	}
	/* a bare word may expand into two terms (name, cn), a bare address into three (ip, name,
	 * cn), and an exact date into two comparisons */
	if (check_tree(f, 0) > 3 * CH_QUERY_MAX_TERMS)
		abort();
	ch_buf_init(&b, 1 << 20);
	if (ch_query_describe(&b, f) != CH_OK)
		abort();
	ch_buf_free(&b);
	ch_filter_free(f);
	return 0;
}
