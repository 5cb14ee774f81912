/* Private to the query module: the field table, term construction and tree helpers. */
#ifndef CH_QUERY_INTERNAL_H
#define CH_QUERY_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <certhound/filter.h>

/* How a field's value is read and normalised. */
typedef enum ch_query__kind {
	CH_QK_NAME,      /* host name; unquoted "*.x" -> NAME_UNDER */
	CH_QK_DOMAIN,    /* registrable domain: a host name, no wildcard */
	CH_QK_SAN,       /* a SAN value of any type */
	CH_QK_ATTR,      /* attribute text as typed; trailing '*' -> prefix */
	CH_QK_IP,
	CH_QK_EMAIL,
	CH_QK_HASH,      /* hex digest; prefixes of >= CH_QUERY_MIN_PREFIX digits allowed */
	CH_QK_HEX64,     /* hex SHA-256, full length only */
	CH_QK_SERIAL,
	CH_QK_JA4X,
	CH_QK_DN,        /* DN substring */
	CH_QK_KEY,
	CH_QK_TEXT,      /* text as typed, exact (sig, seen-in) */
	CH_QK_BOOL,
	CH_QK_AT,        /* valid-at: one instant */
	CH_QK_TIME_FWD,  /* compare a time; unsigned durations point forward (expires) */
	CH_QK_TIME_BACK, /* compare a time; unsigned durations point backward (issued) */
} ch_query__kind;

typedef struct ch_query__field {
	const char *name;
	ch_field field;
	ch_query__kind kind;
	size_t hex_len;  /* CH_QK_HASH: digits of a full digest */
} ch_query__field;

/* ch_query__field_find looks a field name up (case-insensitive); NULL when unknown. */
const ch_query__field *ch_query__field_find(const char *name, size_t len);

/* Why a value was refused: the byte offset inside the value and a message. */
typedef struct ch_query__why {
	size_t off;
	char msg[160];
} ch_query__why;

/* ch_query__make_term builds the subtree for `field:value` (fd NULL: a bare value). Returns
 * CH_OK, CH_ERR_NOMEM, or CH_ERR_PARSE with *why filled. */
ch_err ch_query__make_term(ch_filter **out, ch_query__why *why, const ch_query__field *fd,
			   const char *value, size_t len, bool quoted, int64_t now);

/* ch_query__is_ip says whether v[0..n) is an IPv4 or IPv6 address (a bare "2001:db8::1" is a
 * value, not field "2001"). */
bool ch_query__is_ip(const char *v, size_t n);

/* Tree helpers: a term owning a copy of `text` (may be NULL), and an empty AND/OR/NOT node. */
ch_filter *ch_query__term(ch_field field, ch_cmp cmp, const char *text, size_t text_len,
			  int64_t num);
ch_filter *ch_query__node(ch_filter_op op);

/* ch_query__add_kid appends `kid` to an AND/OR/NOT node (merging a same-op AND/OR into it).
 * On failure frees nothing and returns CH_ERR_NOMEM. */
ch_err ch_query__add_kid(ch_filter *node, ch_filter *kid);

#endif
