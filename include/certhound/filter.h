/* certhound/filter.h — the backend-neutral search expression.
 *
 * The query module parses the search language into a ch_filter tree; a store backend compiles
 * the tree into its own indexed lookups (SQL for SQLite, something else for a distributed
 * backend). Nothing above the store writes SQL, and nothing in this tree is SQL-specific. */
#ifndef CERTHOUND_FILTER_H
#define CERTHOUND_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <certhound/err.h>

typedef enum ch_filter_op {
	CH_FILTER_TERM = 0,
	CH_FILTER_AND,
	CH_FILTER_OR,
	CH_FILTER_NOT,
} ch_filter_op;

/* Searchable fields. Values are normalised by the query module before they reach the store:
 * names lower-cased and IDN A-labels, hex lower-case, serials without leading zero bytes. */
typedef enum ch_field {
	CH_FIELD_NAME = 1,      /* exact host name (SAN dNSName or host-like CN) */
	CH_FIELD_NAME_UNDER,    /* the domain itself and every name below it ("*.example.com") */
	CH_FIELD_DOMAIN,        /* registrable domain */
	CH_FIELD_SAN,           /* any SAN value (dns, ip, email, uri) exact */
	CH_FIELD_CN,            /* subject CN exact (any CN, host-like or not) */
	CH_FIELD_IP,            /* SAN iPAddress or a sighting's IP */
	CH_FIELD_EMAIL,         /* SAN rfc822Name or subject emailAddress */
	CH_FIELD_SHA256,        /* exact, or prefix (CH_CMP_PREFIX, >= 8 hex digits) */
	CH_FIELD_SHA1,
	CH_FIELD_SERIAL,        /* hex */
	CH_FIELD_SPKI,          /* SPKI SHA-256 hex */
	CH_FIELD_TBS,           /* TBS-without-CT SHA-256 hex (precert <-> cert) */
	CH_FIELD_JA4X,
	CH_FIELD_ISSUER,        /* issuer DN text, substring (CH_CMP_CONTAINS) or exact */
	CH_FIELD_SUBJECT,       /* subject DN text */
	CH_FIELD_ISSUER_O,
	CH_FIELD_ISSUER_CN,
	CH_FIELD_SUBJECT_O,
	CH_FIELD_SUBJECT_OU,
	CH_FIELD_SUBJECT_CN,
	CH_FIELD_KEY,           /* "rsa", "ec", "rsa-2048", "ec-p256"... as the query module defines */
	CH_FIELD_SIG,           /* signature algorithm short name */
	CH_FIELD_CA,            /* boolean in `num` */
	CH_FIELD_SELF_SIGNED,   /* boolean in `num` */
	CH_FIELD_PRECERT,       /* boolean in `num` */
	CH_FIELD_VALID_AT,      /* not_before <= num <= not_after */
	CH_FIELD_NOT_AFTER,     /* compare `num` (epoch seconds) with CH_CMP_LT/LE/GT/GE/EQ */
	CH_FIELD_NOT_BEFORE,
	CH_FIELD_SEEN_IN,       /* sighting source: CT log (name, URL or id), "file", "scan" */
} ch_field;

typedef enum ch_cmp {
	CH_CMP_EQ = 0,
	CH_CMP_PREFIX,
	CH_CMP_CONTAINS,
	CH_CMP_LT,
	CH_CMP_LE,
	CH_CMP_GT,
	CH_CMP_GE,
} ch_cmp;

typedef struct ch_filter ch_filter;
struct ch_filter {
	ch_filter_op op;
	/* CH_FILTER_TERM */
	ch_field field;
	ch_cmp cmp;
	char *text;             /* owned; NULL for numeric/boolean terms */
	int64_t num;
	/* AND / OR: kids[0..num_kids); NOT: kids[0] */
	ch_filter **kids;
	size_t num_kids;
};

/* ch_filter_free frees a tree and everything it owns; NULL is a no-op. */
void ch_filter_free(ch_filter *f);

#endif
