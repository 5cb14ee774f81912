/* certhound/names.h — host names: normalisation, IDN, registrable domains, a certificate's names.
 *
 * The normal form of a name, used everywhere certhound stores or compares names:
 *  - ASCII letters lower-cased, one trailing dot removed;
 *  - every label with non-ASCII characters converted to its A-label ("xn--...") with libidn2
 *    (IDNA2008 / UTS #46 non-transitional, falling back to transitional processing);
 *  - IPv6 literals in RFC 5952 text;
 *  - a NUL byte inside a name is kept, written as the two characters '\' '0'. A backslash never
 *    occurs in a host-like name, so the escaped form of "a.com\0.evil.com" can never equal a real
 *    name, and the name is never cut at the NUL.
 * Normal forms are NUL-terminated C strings of at most CH_NAME_MAX bytes plus escapes.
 *
 * Host-like (what goes into a certificate's `names`): 1..253 bytes, labels of 1..63 bytes made
 * of letters, digits, '-' and '_' (and NUL, see above), each with at least one letter or digit;
 * the first label may be exactly "*" when more labels follow; the last label is not all digits
 * unless the whole name is an IPv4 address. Single-label names ("localhost", "jenkins") are
 * host-like, since internal names matter for exposure; text with spaces, '@', ':' or '/' is not.
 * IPv4 and IPv6 literals are host-like but have no registrable domain.
 *
 * A ch_names handle holds a public suffix list context (Debian's publicsuffix data through
 * libpsl, falling back to libpsl's built-in list) and scratch memory. It is not shared between
 * threads: make one per thread. */
#ifndef CERTHOUND_NAMES_H
#define CERTHOUND_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <certhound/err.h>
#include <certhound/x509.h>

#define CH_NAME_MAX 253u   /* longest host-like name, in bytes of its normal form (NUL = 1) */
#define CH_NAME_BUF 1024u  /* room for any normal form or display form, with its NUL */
#define CH_NAMES_MAX_PER_CERT CH_CERT_MAX_ITEMS /* names kept from one certificate */

typedef enum ch_name_kind {
	CH_NAME_NOT_HOST = 0, /* not host-like */
	CH_NAME_HOST,         /* a DNS name */
	CH_NAME_WILDCARD,     /* "*.rest" */
	CH_NAME_IPV4,
	CH_NAME_IPV6,
} ch_name_kind;

/* Where the public suffix that decides a name's registrable domain comes from. */
typedef enum ch_suffix_type {
	CH_SUFFIX_NONE = 0,   /* no listed suffix: IP, unknown TLD (implicit "*" rule), single label */
	CH_SUFFIX_ICANN,      /* the ICANN section (com, co.uk, ...) */
	CH_SUFFIX_PRIVATE,    /* the PRIVATE section (herokuapp.com, cloudfront.net, ...) */
} ch_suffix_type;

/* ch_name_normalize writes the normal form of in[0..in_len) into out. Returns CH_OK,
 * CH_ERR_PARSE when the name is empty or a label cannot be converted to an A-label (invalid
 * UTF-8, disallowed code points), or CH_ERR_LIMIT when the result does not fit CH_NAME_BUF.
 * Needs no handle; sets no error message (it runs millions of times). */
ch_err ch_name_normalize(char out[CH_NAME_BUF], const char *in, size_t in_len) CH_WARN_UNUSED;

/* ch_name_classify says whether a normal form is host-like, and which kind. */
ch_name_kind ch_name_classify(const char *norm);

/* ch_name_is_hostlike: normalise in[0..in_len) and classify it; true unless CH_NAME_NOT_HOST. */
bool ch_name_is_hostlike(const char *in, size_t in_len);

/* ch_name_to_unicode writes the display form of a normal form into out: every "xn--" label that
 * is a valid A-label becomes its U-label (UTF-8); other labels are copied. Returns true when at
 * least one label was converted. */
bool ch_name_to_unicode(char out[CH_NAME_BUF], const char *norm);

typedef struct ch_names ch_names;

/* ch_names_new makes a handle with the newest public suffix list available: Debian's
 * /usr/share/publicsuffix data via psl_latest(), else libpsl's built-in list. Free it with
 * ch_names_free. */
ch_err ch_names_new(ch_names **out) CH_WARN_UNUSED;

/* ch_names_new_from is ch_names_new with an explicit public suffix list file (.dat text or
 * .dafsa); CH_ERR_IO when it cannot be loaded. */
ch_err ch_names_new_from(ch_names **out, const char *psl_file) CH_WARN_UNUSED;

/* ch_names_free releases a handle and everything it returned; NULL is a no-op. */
void ch_names_free(ch_names *n);

/* ch_names_psl_source returns where the suffix list came from: a file path or "builtin". */
const char *ch_names_psl_source(const ch_names *n);

/* ch_names_registered_domain returns the registrable domain (public suffix + 1 label) of a
 * normal form, as a pointer into `norm` itself, or NULL when there is none (IP literals, names
 * that are a public suffix, single labels). A wildcard's "*." is ignored. */
const char *ch_names_registered_domain(const ch_names *n, const char *norm);

/* ch_names_suffix_type tells which PSL section the suffix under a normal form's registrable
 * domain belongs to (for a name that is itself a listed suffix, that suffix's section). */
ch_suffix_type ch_names_suffix_type(const ch_names *n, const char *norm);

/* The names of one certificate. Arrays are parallel where noted; everything is owned by the
 * handle and valid until the next ch_names_of_cert or ch_names_free. */
typedef struct ch_cert_names {
	const char **names;         /* host-like names (SAN dNSNames, then subject CNs), normal
	                             * form, de-duplicated, in first-seen order */
	const char **unicode;       /* parallel: display form (U-labels), equal to names[i] when the
	                             * name has no A-label */
	ch_name_kind *kinds;        /* parallel: host, wildcard, ipv4, ipv6 */
	const char **domains;       /* parallel: registrable domain of names[i], or NULL */
	size_t num_names;
	const char **registered_domains; /* distinct registrable domains, first-seen order */
	ch_suffix_type *suffix_types;    /* parallel to registered_domains */
	size_t num_registered_domains;
	size_t num_dropped;         /* SAN dNSNames and CNs that were not host-like */
	bool has_nul;               /* some name holds an (escaped) NUL */
	bool has_idn;               /* some name has an A-label */
} ch_cert_names;

/* ch_names_of_cert collects the names of a parsed certificate into *out (owned by the handle).
 * De-duplication uses hash sets, so a certificate with 100,000 SANs costs linear time. Returns
 * CH_ERR_LIMIT (with a message) if the names exceed the handle's hard limits. */
ch_err ch_names_of_cert(ch_names *n, const ch_cert *c, const ch_cert_names **out) CH_WARN_UNUSED;

#endif
