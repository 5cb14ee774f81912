/* certhound/query.h — the search language, parsed into a backend-neutral ch_filter tree.
 *
 * Grammar (CONTRACT.md, "The search language"):
 *
 *   query   := or
 *   or      := and ( "OR" and )*
 *   and     := unary ( [ "AND" ] unary )*          -- juxtaposition is AND
 *   unary   := ( "NOT" | "-" ) unary | primary
 *   primary := "(" or ")" | FIELD ":" value | value
 *   value   := WORD | "quoted text"                -- \" and \\ escape inside quotes
 *
 * Precedence: NOT binds tighter than AND, AND tighter than OR. Keywords are upper-case only, so
 * `or` and `and` are ordinary words. A '-' starts a NOT only at the beginning of a term
 * (`-ca:true`); inside a word it is part of it (`self-signed:true`).
 *
 * A bare value without a field means "name or subject CN": `example.com` is
 * `(name:example.com OR cn:example.com)`, and a bare `*.example.com` is `name:*.example.com`.
 *
 * Relative times: `30d`, `12h`, `2w`, `1y` (365 days) are resolved against the `now` passed to
 * ch_query_parse, so a query means the same thing in a test whatever the clock says. An unsigned
 * duration points forward for `expires` (expires:<30d = expires within the next 30 days) and
 * backward for `issued` (issued:>7d = issued during the last 7 days); `+30d` / `-30d` are explicit.
 * `now` is accepted wherever a date is.
 *
 * Errors are CH_ERR_PARSE (or CH_ERR_LIMIT) with ch_error_last() = "column N: <what was expected>",
 * N being the 1-based character (UTF-8 code point) position where parsing failed. */
#ifndef CERTHOUND_QUERY_H
#define CERTHOUND_QUERY_H

#include <stddef.h>
#include <stdint.h>

#include <certhound/buf.h>
#include <certhound/err.h>
#include <certhound/filter.h>
#include <certhound/store.h>
#include <certhound/x509.h>

/* Hard limits on what a query may be. */
#define CH_QUERY_MAX_LEN 4096   /* bytes of query text */
#define CH_QUERY_MAX_DEPTH 32   /* nesting of parentheses and NOTs */
#define CH_QUERY_MAX_TERMS 256  /* field terms in one query */
#define CH_QUERY_MIN_PREFIX 8   /* hex digits for a sha256/sha1 prefix search */

/* ch_query_parse parses `len` bytes of `text` (which need not be NUL-terminated) into a filter
 * tree the caller owns (free with ch_filter_free). `now` (epoch seconds) anchors relative times.
 * On failure *out is NULL, *out_column (if not NULL) holds the 1-based column of the failure and
 * ch_error_last() says "column N: expected ...". */
ch_err ch_query_parse(ch_filter **out, size_t *out_column, const char *text, size_t len,
		      int64_t now) CH_WARN_UNUSED;

/* ch_query_describe appends a canonical, one-line S-expression of `f` to `out`, e.g.
 * (and (name eq "example.com") (not (ca eq 1))). Used by tests and `search --explain`. */
ch_err ch_query_describe(ch_buf *out, const ch_filter *f) CH_WARN_UNUSED;

/* ch_query_field_name returns the search-language name of a field ("issuer.o"), or "?". */
const char *ch_query_field_name(ch_field field);

/* ---- results ------------------------------------------------------------------------------ */

/* A stored certificate brought back as a full record: the store's record (sightings, linked
 * certificates, every value with its rarity), the certificate decoded again from the stored DER,
 * and its names and registrable domains as the store holds them. Zero-initialise, load as many
 * certificates as needed one after another (the decoder's memory is reused), then clear. */
typedef struct ch_query_cert {
	ch_store_record *record; /* owned */
	ch_cert *cert;           /* decoded with CH_PARSE_ALL; views into record->der; its
				  * tbs_sha256 is the stored TBS value (for a precertificate
				  * synced from CT, its logged TBS's: see ch_store_put) */
	ch_str *names;           /* CH_SA_NAME values (views into record) */
	size_t num_names;
	ch_str *domains;         /* CH_SA_DOMAIN values */
	size_t num_domains;
	ch_str *unicode;         /* U-label forms of the IDN names (only those that differ; owned) */
	size_t num_unicode;
} ch_query_cert;

/* ch_query_cert_load replaces *qc's content with the certificate whose SHA-256 hex is
 * `sha256_hex` (or a unique prefix of it, as ch_store_get takes). CH_ERR_NOTFOUND when it is
 * not stored, CH_ERR_INVALID for an ambiguous prefix, CH_ERR_PARSE if the stored DER no longer
 * decodes (ch_error_last() says which certificate). */
ch_err ch_query_cert_load(ch_query_cert *qc, ch_store *s, const char *sha256_hex) CH_WARN_UNUSED;

/* ch_query_cert_clear frees what *qc holds and zeroes it. */
void ch_query_cert_clear(ch_query_cert *qc);

#endif
