/* The DER cursor. Each getter does one bounds check and advances only on success.
 * Clause numbers refer to ITU-T X.690 (02/2021). */
#include <certhound/der.h>

#include <stdio.h>
#include <string.h>

bool ch_der_skip(ch_der *c, size_t n)
{
	if (c->len < n)
		return false;
	c->data += n;
	c->len -= n;
	return true;
}

bool ch_der_get_bytes(ch_der *c, ch_der *out, size_t n)
{
	if (c->len < n)
		return false;
	out->data = c->data;
	out->len = n;
	c->data += n;
	c->len -= n;
	return true;
}

static bool get_be(ch_der *c, uint64_t *out, size_t n)
{
	uint64_t v = 0;

	if (c->len < n)
		return false;
	for (size_t i = 0; i < n; i++)
		v = v << 8 | c->data[i];
	*out = v;
	c->data += n;
	c->len -= n;
	return true;
}

bool ch_der_get_u8(ch_der *c, uint8_t *out)
{
	uint64_t v;

	if (!get_be(c, &v, 1))
		return false;
	*out = (uint8_t)v;
	return true;
}

bool ch_der_get_u16(ch_der *c, uint16_t *out)
{
	uint64_t v;

	if (!get_be(c, &v, 2))
		return false;
	*out = (uint16_t)v;
	return true;
}

bool ch_der_get_u24(ch_der *c, uint32_t *out)
{
	uint64_t v;

	if (!get_be(c, &v, 3))
		return false;
	*out = (uint32_t)v;
	return true;
}

bool ch_der_get_u32(ch_der *c, uint32_t *out)
{
	uint64_t v;

	if (!get_be(c, &v, 4))
		return false;
	*out = (uint32_t)v;
	return true;
}

bool ch_der_get_u64(ch_der *c, uint64_t *out)
{
	return get_be(c, out, 8);
}

static bool get_prefixed(ch_der *c, ch_der *out, size_t width)
{
	ch_der save = *c;
	uint64_t n;

	if (!get_be(c, &n, width) || !ch_der_get_bytes(c, out, (size_t)n)) {
		*c = save;
		return false;
	}
	return true;
}

bool ch_der_get_u8_prefixed(ch_der *c, ch_der *out)
{
	return get_prefixed(c, out, 1);
}

bool ch_der_get_u16_prefixed(ch_der *c, ch_der *out)
{
	return get_prefixed(c, out, 2);
}

bool ch_der_get_u24_prefixed(ch_der *c, ch_der *out)
{
	return get_prefixed(c, out, 3);
}

static bool parse_header(const ch_der *c, unsigned *out_tag, size_t *out_hdr, size_t *out_len,
			 bool allow_ber, bool *out_ber, bool *out_indef, int depth);

/* indefinite_len finds the length of indefinite-form contents at p (excluding the 00 00
 * terminator) by walking the nested elements, which may themselves be indefinite. */
static bool indefinite_len(const uint8_t *p, size_t n, int depth, size_t *out_len)
{
	size_t off = 0;

	if (depth > 32)
		return false;
	while (off + 2 <= n) {
		ch_der c = {p + off, n - off};
		unsigned tag;
		size_t hdr, len;
		bool ber = false, indef = false;
		if (p[off] == 0 && p[off + 1] == 0) {
			*out_len = off;
			return true;
		}
		if (!parse_header(&c, &tag, &hdr, &len, true, &ber, &indef, depth + 1))
			return false;
		off += hdr + len + (indef ? 2 : 0);
	}
	return false;
}

/* parse_header reads identifier and length octets. *out_ber is set for a non-minimal length
 * when allow_ber, which is otherwise an error. */
static bool parse_header(const ch_der *c, unsigned *out_tag, size_t *out_hdr, size_t *out_len,
			 bool allow_ber, bool *out_ber, bool *out_indef, int depth)
{
	const uint8_t *p = c->data;
	size_t n = c->len, i = 1;
	unsigned tag, num;
	uint8_t b;

	if (n < 2)
		return false;
	b = p[0];
	tag = ((unsigned)(b & 0xc0) << 24) | ((unsigned)(b & 0x20) << 24);
	num = b & 0x1f;
	if (num == 0x1f) { /* 8.1.2.4: high tag number form, base 128 */
		num = 0;
		do {
			if (i >= n || (num == 0 && p[i] == 0x80) || num > (CH_DER_NUMBER_MASK >> 7))
				return false;
			num = num << 7 | (p[i] & 0x7f);
		} while (p[i++] & 0x80);
		if (num < 0x1f) /* 10.1: must use the low form when it fits */
			return false;
	}
	tag |= num;
	if (i >= n)
		return false;
	b = p[i++];
	if (b < 0x80) {
		*out_len = b;
	} else {
		size_t nb = b & 0x7f, len = 0;
		if (nb == 0 && allow_ber && (tag & CH_DER_CONSTRUCTED)) {
			/* 8.1.3.6: indefinite form, contents end at an end-of-contents pair */
			if (!indefinite_len(p + i, n - i, depth, out_len) || *out_len + 2 > n - i)
				return false;
			*out_ber = true;
			*out_indef = true;
			*out_tag = tag;
			*out_hdr = i;
			return true;
		}
		if (nb == 0 || nb > sizeof(size_t) || nb == 0x7f) /* indefinite or reserved */
			return false;
		if (i + nb > n)
			return false;
		for (size_t k = 0; k < nb; k++)
			len = len << 8 | p[i + k];
		/* 10.1: the definite form with the fewest octets */
		if (len < 0x80 || (nb > 1 && p[i] == 0)) {
			if (!allow_ber)
				return false;
			*out_ber = true;
		}
		i += nb;
		*out_len = len;
	}
	if (*out_len > n - i)
		return false;
	*out_tag = tag;
	*out_hdr = i;
	return true;
}

static bool get_any(ch_der *c, ch_der *out, unsigned *out_tag, size_t *out_hdr_len, bool ber,
		    bool *out_ber)
{
	unsigned tag;
	size_t hdr, len;
	bool saw_ber = false, indef = false;
	const uint8_t *p = c->data;

	/* Fast path: low tag number with a short or one/two-octet minimal long length. */
	if (c->len >= 2 && (p[0] & 0x1f) != 0x1f && p[1] != 0x80 && p[1] <= 0x82) {
		uint8_t b = p[0];
		tag = ((unsigned)(b & 0xe0) << 24) | (b & 0x1fu);
		if (p[1] < 0x80) {
			hdr = 2, len = p[1];
		} else if (p[1] == 0x81 && c->len >= 3 && p[2] >= 0x80) {
			hdr = 3, len = p[2];
		} else if (p[1] == 0x82 && c->len >= 4 && p[2] != 0) {
			hdr = 4, len = (size_t)p[2] << 8 | p[3];
		} else {
			goto slow;
		}
		if (len > c->len - hdr)
			return false;
		goto done;
	}
slow:
	if (!parse_header(c, &tag, &hdr, &len, ber, &saw_ber, &indef, 0))
		return false;
done:
	out->data = c->data + hdr;
	out->len = len;
	if (out_tag)
		*out_tag = tag;
	if (out_hdr_len)
		*out_hdr_len = hdr;
	if (saw_ber && out_ber)
		*out_ber = true;
	if (indef) /* indefinite form: skip the end-of-contents octets too */
		len += 2;
	c->data += hdr + len;
	c->len -= hdr + len;
	return true;
}

bool ch_der_get_any(ch_der *c, ch_der *out, unsigned *out_tag, size_t *out_hdr_len)
{
	return get_any(c, out, out_tag, out_hdr_len, false, NULL);
}

bool ch_der_get_any_ber(ch_der *c, ch_der *out, unsigned *out_tag, size_t *out_hdr_len,
			bool *out_ber)
{
	return get_any(c, out, out_tag, out_hdr_len, true, out_ber);
}

bool ch_der_get(ch_der *c, ch_der *out, unsigned tag)
{
	ch_der save = *c, body;
	unsigned t;
	bool ber = false;

	if (!ch_der_get_fast(c, &body, &t, &ber) || t != tag || ber) {
		*c = save;
		return false;
	}
	*out = body;
	return true;
}

bool ch_der_get_element(ch_der *c, ch_der *out, unsigned tag)
{
	ch_der save = *c, body;
	unsigned t;
	size_t hdr;

	if (!ch_der_get_any(c, &body, &t, &hdr) || t != tag) {
		*c = save;
		return false;
	}
	out->data = save.data;
	out->len = hdr + body.len;
	return true;
}

bool ch_der_skip_element(ch_der *c, unsigned tag)
{
	ch_der body;

	return ch_der_get(c, &body, tag);
}

bool ch_der__peek_tag_slow(const ch_der *c, unsigned tag)
{
	unsigned t;
	size_t hdr, len;
	bool ber = false, indef = false;

	return parse_header(c, &t, &hdr, &len, true, &ber, &indef, 0) && t == tag;
}

bool ch_der_get_optional(ch_der *c, ch_der *out, bool *out_present, unsigned tag)
{
	if (c->len > 0 && ch_der_peek_tag(c, tag)) {
		*out_present = true;
		return ch_der_get(c, out, tag);
	}
	*out_present = false;
	return true;
}

bool ch_der_get_bool(ch_der *c, bool *out, bool *out_lax)
{
	ch_der save = *c, b;

	if (!ch_der_get(c, &b, CH_DER_BOOLEAN) || b.len != 1) {
		*c = save;
		return false;
	}
	if (b.data[0] != 0 && b.data[0] != 0xff && out_lax) /* 11.1 */
		*out_lax = true;
	*out = b.data[0] != 0;
	return true;
}

bool ch_der_get_small_uint(ch_der *c, uint64_t *out)
{
	ch_der save = *c, b;
	uint64_t v = 0;

	if (!ch_der_get(c, &b, CH_DER_INTEGER) || b.len == 0 || (b.data[0] & 0x80) ||
	    (b.len > 1 && b.data[0] == 0 && !(b.data[1] & 0x80)) ||
	    b.len > 9 || (b.len == 9 && b.data[0] != 0)) {
		*c = save;
		return false;
	}
	for (size_t i = 0; i < b.len; i++)
		v = v << 8 | b.data[i];
	*out = v;
	return true;
}

bool ch_der_oid_valid(const uint8_t *oid, size_t oid_len)
{
	uint64_t v = 0;

	if (oid_len == 0 || (oid[oid_len - 1] & 0x80))
		return false;
	for (size_t i = 0; i < oid_len; i++) {
		if (v == 0 && oid[i] == 0x80) /* 8.19.2: no leading 0x80 in a subidentifier */
			return false;
		if (v > (UINT64_MAX >> 7))
			return false;
		v = (oid[i] & 0x80) ? (v << 7 | (oid[i] & 0x7f)) : 0;
	}
	return true;
}

/* put_dec appends the decimal form of v (with an optional leading '.'); false if no room. */
static bool put_dec(char *out, size_t out_cap, size_t *o, uint64_t v, bool dot)
{
	char tmp[24];
	size_t n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (*o + n + (dot ? 1 : 0) + 1 > out_cap)
		return false;
	if (dot)
		out[(*o)++] = '.';
	while (n)
		out[(*o)++] = tmp[--n];
	out[*o] = '\0';
	return true;
}

bool ch_der_oid_to_text(char *out, size_t out_cap, const uint8_t *oid, size_t oid_len)
{
	size_t o = 0, i = 0;
	bool first = true;

	if (!out)
		return ch_der_oid_valid(oid, oid_len);
	if (oid_len == 0 || out_cap == 0)
		return false;
	while (i < oid_len) {
		uint64_t v = 0;
		if (oid[i] == 0x80) /* 8.19.2: no leading 0x80 */
			return false;
		do {
			if (i >= oid_len || v > (UINT64_MAX >> 7))
				return false;
			v = v << 7 | (oid[i] & 0x7f);
		} while (oid[i++] & 0x80);
		if (first) { /* 8.19.4: the first subidentifier packs two arcs */
			unsigned a = v < 40 ? 0 : v < 80 ? 1 : 2;
			if (!put_dec(out, out_cap, &o, a, false) ||
			    !put_dec(out, out_cap, &o, v - a * 40, true))
				return false;
			first = false;
		} else if (!put_dec(out, out_cap, &o, v, true)) {
			return false;
		}
	}
	return true;
}
