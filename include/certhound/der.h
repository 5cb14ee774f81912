/* certhound/der.h — a borrowed-view DER cursor (after BoringSSL's CBS).
 *
 * A ch_der is a (pointer, length) view into a buffer the caller owns. Every getter checks bounds
 * once, allocates nothing, touches no global state, and advances the cursor only on success.
 * Lengths must be definite (X.690 8.1.3.2) and minimally encoded (X.690 10.1); the _ber variant
 * accepts non-minimal long-form lengths and reports that it saw one. */
#ifndef CERTHOUND_DER_H
#define CERTHOUND_DER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Tag values: the class and constructed bits in the top bits, the tag number below. */
#define CH_DER_CONSTRUCTED 0x20000000u
#define CH_DER_CONTEXT 0x80000000u
#define CH_DER_APPLICATION 0x40000000u
#define CH_DER_PRIVATE 0xc0000000u
#define CH_DER_CLASS_MASK 0xc0000000u
#define CH_DER_NUMBER_MASK 0x1fffffffu

#define CH_DER_BOOLEAN 0x01u
#define CH_DER_INTEGER 0x02u
#define CH_DER_BIT_STRING 0x03u
#define CH_DER_OCTET_STRING 0x04u
#define CH_DER_NULL 0x05u
#define CH_DER_OID 0x06u
#define CH_DER_ENUMERATED 0x0au
#define CH_DER_UTF8_STRING 0x0cu
#define CH_DER_NUMERIC_STRING 0x12u
#define CH_DER_PRINTABLE_STRING 0x13u
#define CH_DER_T61_STRING 0x14u
#define CH_DER_VIDEOTEX_STRING 0x15u
#define CH_DER_IA5_STRING 0x16u
#define CH_DER_UTC_TIME 0x17u
#define CH_DER_GENERALIZED_TIME 0x18u
#define CH_DER_GRAPHIC_STRING 0x19u
#define CH_DER_VISIBLE_STRING 0x1au
#define CH_DER_GENERAL_STRING 0x1bu
#define CH_DER_UNIVERSAL_STRING 0x1cu
#define CH_DER_BMP_STRING 0x1eu
#define CH_DER_SEQUENCE (0x10u | CH_DER_CONSTRUCTED)
#define CH_DER_SET (0x11u | CH_DER_CONSTRUCTED)

/* CH_DER_CTX(n) / CH_DER_CTX_C(n): context-specific [n], primitive / constructed. */
#define CH_DER_CTX(n) (CH_DER_CONTEXT | (unsigned)(n))
#define CH_DER_CTX_C(n) (CH_DER_CONTEXT | CH_DER_CONSTRUCTED | (unsigned)(n))

typedef struct ch_der {
	const uint8_t *data;
	size_t len;
} ch_der;

/* ch_der_init points the cursor at n bytes at p (borrowed). */
static inline void ch_der_init(ch_der *c, const uint8_t *p, size_t n)
{
	c->data = p;
	c->len = n;
}

/* ch_der_skip advances n bytes; false if fewer remain. */
bool ch_der_skip(ch_der *c, size_t n);

/* ch_der_get_bytes takes the next n bytes as a view. */
bool ch_der_get_bytes(ch_der *c, ch_der *out, size_t n);

/* Big-endian fixed-width integers (for TLS-encoded structures inside certificates). */
bool ch_der_get_u8(ch_der *c, uint8_t *out);
bool ch_der_get_u16(ch_der *c, uint16_t *out);
bool ch_der_get_u24(ch_der *c, uint32_t *out);
bool ch_der_get_u32(ch_der *c, uint32_t *out);
bool ch_der_get_u64(ch_der *c, uint64_t *out);

/* Length-prefixed byte strings (TLS vectors) with an 8/16/24-bit length. */
bool ch_der_get_u8_prefixed(ch_der *c, ch_der *out);
bool ch_der_get_u16_prefixed(ch_der *c, ch_der *out);
bool ch_der_get_u24_prefixed(ch_der *c, ch_der *out);

/* ch_der_get_any reads one TLV element. out gets the contents, out_tag the tag (may be NULL),
 * out_hdr_len the header length (may be NULL). Strict DER lengths. */
bool ch_der_get_any(ch_der *c, ch_der *out, unsigned *out_tag, size_t *out_hdr_len);

/* ch_der_get_any_ber is ch_der_get_any that also accepts BER lengths: non-minimal long forms and
 * the indefinite form for constructed elements (X.690 8.1.3.6; out then excludes the
 * end-of-contents octets, which the cursor skips). *out_ber is set to true when it saw either
 * and left alone otherwise. */
bool ch_der_get_any_ber(ch_der *c, ch_der *out, unsigned *out_tag, size_t *out_hdr_len,
			bool *out_ber);

/* ch_der_get reads one element with the given tag and returns its contents. */
bool ch_der_get(ch_der *c, ch_der *out, unsigned tag);

/* ch_der_get_element reads one element with the given tag and returns it whole (header too). */
bool ch_der_get_element(ch_der *c, ch_der *out, unsigned tag);

/* ch_der_skip_element skips one element with the given tag. */
bool ch_der_skip_element(ch_der *c, unsigned tag);

bool ch_der__peek_tag_slow(const ch_der *c, unsigned tag);

/* ch_der_peek_tag returns true if the next element's identifier is this tag (its length is
 * checked by the getter that reads it). */
static inline bool ch_der_peek_tag(const ch_der *c, unsigned tag)
{
	if (c->len >= 2 && (c->data[0] & 0x1f) != 0x1f) /* low tag number: the first octet says */
		return (((unsigned)(c->data[0] & 0xe0) << 24) | (c->data[0] & 0x1fu)) == tag;
	return ch_der__peek_tag_slow(c, tag);
}

/* ch_der_get_optional: if the next element has `tag`, read its contents into out and set
 * *out_present; otherwise leave the cursor and set *out_present = false. */
bool ch_der_get_optional(ch_der *c, ch_der *out, bool *out_present, unsigned tag);

/* ch_der_get_bool reads a BOOLEAN (DER: 0x00 or 0xff; *out_lax set for other non-zero). */
bool ch_der_get_bool(ch_der *c, bool *out, bool *out_lax);

/* ch_der_get_small_uint reads a non-negative INTEGER that fits in a uint64_t. */
bool ch_der_get_small_uint(ch_der *c, uint64_t *out);

/* ch_der_oid_valid checks OID contents: non-empty, subidentifiers minimal and complete. */
bool ch_der_oid_valid(const uint8_t *oid, size_t oid_len);

/* ch_der_oid_to_text writes the dotted form of OID contents into out; false if malformed or
 * out (size out_cap) is too small. With out == NULL it only validates. */
bool ch_der_oid_to_text(char *out, size_t out_cap, const uint8_t *oid, size_t oid_len);

/* ch_der_get_fast reads one element whose header is in the common DER form (low tag number,
 * length under 65,536 in minimal encoding) without a function call; for any other header it
 * falls back to ch_der_get_any_ber. Same contract as ch_der_get_any_ber; out_tag and
 * out_ber may be NULL. */
static inline bool ch_der_get_fast(ch_der *c, ch_der *out, unsigned *out_tag, bool *out_ber)
{
	const uint8_t *p = c->data;
	size_t hdr, len;

	if (c->len < 2 || (p[0] & 0x1f) == 0x1f)
		return ch_der_get_any_ber(c, out, out_tag, NULL, out_ber);
	if (p[1] < 0x80) {
		hdr = 2, len = p[1];
	} else if (p[1] == 0x81 && c->len >= 3 && p[2] >= 0x80) {
		hdr = 3, len = p[2];
	} else if (p[1] == 0x82 && c->len >= 4 && p[2] != 0) {
		hdr = 4, len = (size_t)p[2] << 8 | p[3];
	} else {
		return ch_der_get_any_ber(c, out, out_tag, NULL, out_ber);
	}
	if (len > c->len - hdr)
		return false;
	if (out_tag)
		*out_tag = ((unsigned)(p[0] & 0xe0) << 24) | (p[0] & 0x1fu);
	out->data = p + hdr;
	out->len = len;
	c->data = p + hdr + len;
	c->len -= hdr + len;
	return true;
}

/* ch_der_eq compares a view with n bytes. */
static inline bool ch_der_eq(const ch_der *c, const uint8_t *p, size_t n)
{
	extern int memcmp(const void *, const void *, size_t);
	return c->len == n && (n == 0 || memcmp(c->data, p, n) == 0);
}

#endif
