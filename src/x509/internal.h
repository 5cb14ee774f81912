/* x509 internals: the per-context arena, the parse state and cross-file helpers. */
#ifndef CH_X509_INTERNAL_H
#define CH_X509_INTERNAL_H

#include <certhound/der.h>
#include <certhound/hash.h>
#include <certhound/x509.h>

#include <stdio.h>

/* A chunked arena: blocks never move, so pointers stay valid until reset. Reset keeps the
 * first (largest reused) blocks so steady-state parsing does not allocate. */
typedef struct ch_arena_block {
	struct ch_arena_block *next;
	size_t cap;
	size_t used;
	_Alignas(16) unsigned char mem[];
} ch_arena_block;

typedef struct ch_arena {
	ch_arena_block *head;   /* current block */
	ch_arena_block *blocks; /* all blocks, for reuse */
	size_t total;
} ch_arena;

#define CH_ARENA_MAX (64u << 20) /* one certificate may not need more than 64 MiB of scratch */

void *ch_x509__alloc_slow(ch_arena *a, size_t n);

/* ch_x509__alloc: 16-byte aligned bump allocation from the current block; NULL past the cap. */
#if defined(__SANITIZE_ADDRESS__)
#define CH_ARENA_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CH_ARENA_ASAN 1
#endif
#endif

static inline void *ch_x509__alloc(ch_arena *a, size_t n)
{
	ch_arena_block *b = a->head;

#ifdef CH_ARENA_ASAN
	return ch_x509__alloc_slow(a, n); /* every allocation gets a poisoned redzone */
#endif
	n = n ? (n + 15) & ~(size_t)15 : 16;
	if (b && b->cap - b->used >= n) {
		void *p = b->mem + b->used;
		b->used += n;
		return p;
	}
	return ch_x509__alloc_slow(a, n);
}
void ch_x509__arena_reset(ch_arena *a);
void ch_x509__arena_free(ch_arena *a);
char *ch_x509__strndup(ch_arena *a, const char *s, size_t n);

/* A per-context memo of OID lookups (direct-mapped), so the common OIDs of a certificate
 * stream cost one hash and one compare instead of a binary search and text formatting. */
#define CH_OID_MEMO 512 /* a power of two: the slot is the top 9 bits of a hash */
typedef struct ch_oid_memo {
	uint64_t key; /* first eight octets, big-endian, zero-padded */
	uint8_t len;
	uint8_t der[31];
	const char *sn, *ln, *text; /* static strings from the table, or `buf` */
	char buf[64];
} ch_oid_memo;

/* A few recently decoded issuer Names, kept outside the arena (own block each). */
#define CH_DN_MEMO 8
typedef struct ch_dn_memo {
	void *block;
	const uint8_t *der;
	size_t der_len;
	ch_dn_attr *attrs;
	size_t num_attrs;
	const char *text;
	unsigned anomalies; /* what decoding this Name flagged */
} ch_dn_memo;

/* Memo of JA4X parts: the exact OID list (length-prefixed octets) -> 12 hex digits. */
#define CH_JA4X_MEMO 64
#define CH_JA4X_MEMO_KEY 400
typedef struct ch_ja4x_memo {
	uint16_t len;
	uint8_t key[CH_JA4X_MEMO_KEY];
	char part[13];
} ch_ja4x_memo;

typedef struct ch_cert_priv {
	ch_arena arena;
	ch_hash *hash;
	ch_oid_memo memo[CH_OID_MEMO];
	ch_dn_memo dn_memo[CH_DN_MEMO];
	unsigned dn_memo_next;
	ch_ja4x_memo ja4x_memo[CH_JA4X_MEMO];
} ch_cert_priv;

/* Parse state for one certificate. */
typedef struct ch_parse {
	ch_cert *cert;
	ch_arena *arena;
	const uint8_t *base; /* start of the input, for offsets in messages */
	ch_der tbs_body;     /* TBSCertificate contents */
	ch_der exts_elem;    /* the whole [3] element, or empty */
	ch_der exts_list;    /* the Extensions SEQUENCE contents */
} ch_parse;

/* ch_x509__fail sets a parse error naming the structure and the byte offset of `at`. */
ch_err ch_x509__fail(const ch_parse *p, const uint8_t *at, const char *what);

/* ch_x509__get reads one element with `tag` (BER lengths tolerated and flagged ber_encoding);
 * false leaves the cursor where it was. ch_x509__get_elem returns the whole element. */
static inline bool ch_x509__get(ch_parse *p, ch_der *c, ch_der *out, unsigned tag);
bool ch_x509__get_elem(ch_parse *p, ch_der *c, ch_der *out, unsigned tag);

/* ch_x509__oid returns the memoised names of an OID (sn/ln NULL when OpenSSL has none; text
 * is the dotted form, or NULL if the OID is malformed). Valid for the context's lifetime. */
const ch_oid_memo *ch_x509__oid(ch_parse *p, ch_der oid);

/* OpenSSL's short name / long name of an OID, falling back to the dotted text; and the dotted
 * text itself ("?" when malformed). Static or arena strings. */
const char *ch_x509__oid_sn(ch_parse *p, ch_der oid);
const char *ch_x509__oid_ln(ch_parse *p, ch_der oid);
const char *ch_x509__oid_text(ch_parse *p, ch_der oid);
bool ch_x509__oid_eq(ch_der oid, const char *der, size_t len);
#define CH_OID_EQ(view, lit) ch_x509__oid_eq((view), (lit), sizeof(lit) - 1)

/* Decoders for the parts of a certificate, each in its own file. */
/* ch_x509__parse_name decodes a Name; with `memo` it first looks in (and then fills) the
 * context's memo of recent Names — used for issuers. */
ch_err ch_x509__parse_name(ch_parse *p, ch_dn *out, ch_der name_elem, bool memo);
ch_err ch_x509__parse_time(ch_parse *p, int64_t *out, ch_der *c);
ch_err ch_x509__parse_key(ch_parse *p, ch_key *out, ch_der spki_elem);
ch_err ch_x509__parse_extensions(ch_parse *p, ch_der exts);
ch_err ch_x509__parse_scts(ch_parse *p, ch_der value);
ch_err ch_x509__ja4x(ch_parse *p);
ch_err ch_x509__digests(ch_parse *p, ch_hash *h);

/* ch_x509__string_to_utf8 decodes an ASN.1 string of the given tag into UTF-8 in the arena,
 * setting anomaly bits (bad_utf8, bad_string, nul_in_name) on the cert. The pseudo-tag
 * CH_X509_IA5_AS_UTF8 is for IA5String GeneralNames: non-ASCII bytes are flagged bad_string and
 * read as UTF-8 (what appears in the wild), not as Latin-1. */
#define CH_X509_IA5_AS_UTF8 0x1000u
ch_err ch_x509__string_to_utf8(ch_parse *p, ch_str *out, unsigned tag, ch_der body);

/* ch_x509__ip_text formats an iPAddress (4 or 16 octets) as text into the arena. */
ch_err ch_x509__ip_text(ch_parse *p, ch_str *out, ch_der raw);

static inline bool ch_x509__get(ch_parse *p, ch_der *c, ch_der *out, unsigned tag)
{
	ch_der save = *c, body;
	unsigned t;
	bool ber = false;

	if (!ch_der_get_fast(c, &body, &t, &ber) || t != tag) {
		*c = save;
		return false;
	}
	if (ber)
		p->cert->anomalies |= CH_ANOM_BER;
	*out = body;
	return true;
}

#endif
