/* The DER cursor: bounds, strict lengths, advance-only-on-success, tags, OIDs. */
#include <certhound/der.h>

#include "testlib.h"

static void test_basic(void)
{
	static const uint8_t in[] = {0x30, 0x06, 0x02, 0x01, 0x05, 0x04, 0x01, 0xaa, 0x05, 0x00};
	ch_der c, seq, i, o;
	uint64_t v;

	ch_der_init(&c, in, sizeof in);
	CHECK(ch_der_get(&c, &seq, CH_DER_SEQUENCE));
	CHECK_INT(seq.len, 6);
	CHECK(!ch_der_get(&seq, &o, CH_DER_OCTET_STRING)); /* wrong tag */
	CHECK_INT(seq.len, 6);                              /* cursor did not move */
	i = seq;
	CHECK(ch_der_get_small_uint(&i, &v));
	CHECK_INT(v, 5);
	CHECK(ch_der_get(&i, &o, CH_DER_OCTET_STRING));
	CHECK_INT(o.len, 1);
	CHECK_INT(o.data[0], 0xaa);
	CHECK_INT(i.len, 0);
	CHECK(ch_der_skip_element(&c, CH_DER_NULL));
	CHECK_INT(c.len, 0);
	CHECK(!ch_der_get_any(&c, &o, NULL, NULL));
}

static void test_lengths(void)
{
	/* 0x81 0x05: long form for a short length is not DER (X.690 10.1). */
	static const uint8_t nonmin[] = {0x04, 0x81, 0x05, 1, 2, 3, 4, 5};
	static const uint8_t indef[] = {0x30, 0x80, 0x00, 0x00};
	static const uint8_t shortin[] = {0x04, 0x05, 1, 2};
	static const uint8_t lead0[] = {0x04, 0x82, 0x00, 0x81};
	ch_der c, o;
	bool ber = false;
	unsigned tag;

	ch_der_init(&c, nonmin, sizeof nonmin);
	CHECK(!ch_der_get_any(&c, &o, &tag, NULL));
	CHECK_INT(c.len, sizeof nonmin);
	CHECK(ch_der_get_any_ber(&c, &o, &tag, NULL, &ber));
	CHECK(ber);
	CHECK_INT(o.len, 5);
	/* The indefinite form (X.690 8.1.3.6) is BER: strict rejects it, _ber reads it and skips
	 * the end-of-contents octets; without them it is truncated. */
	ch_der_init(&c, indef, sizeof indef);
	CHECK(!ch_der_get_any(&c, &o, &tag, NULL));
	ber = false;
	CHECK(ch_der_get_any_ber(&c, &o, &tag, NULL, &ber));
	CHECK(ber);
	CHECK_INT(o.len, 0);
	CHECK_INT(c.len, 0);
	ch_der_init(&c, indef, 2);
	CHECK(!ch_der_get_any_ber(&c, &o, &tag, NULL, &ber));
	CHECK_INT(c.len, 2);
	ch_der_init(&c, shortin, sizeof shortin);
	CHECK(!ch_der_get_any(&c, &o, &tag, NULL));
	ch_der_init(&c, lead0, sizeof lead0);
	CHECK(!ch_der_get_any(&c, &o, &tag, NULL));
}

static void test_tags(void)
{
	static const uint8_t ctx[] = {0xa3, 0x02, 0x05, 0x00, 0x9f, 0x21, 0x00};
	static const uint8_t badhigh[] = {0x1f, 0x05, 0x00}; /* high form for a low number */
	ch_der c, o;
	bool present;
	unsigned tag;

	ch_der_init(&c, ctx, sizeof ctx);
	CHECK(ch_der_get_optional(&c, &o, &present, CH_DER_CTX_C(0)));
	CHECK(!present);
	CHECK(ch_der_get_optional(&c, &o, &present, CH_DER_CTX_C(3)));
	CHECK(present);
	CHECK(ch_der_get_any(&c, &o, &tag, NULL));
	CHECK_INT(tag, CH_DER_CTX(0x21));
	ch_der_init(&c, badhigh, sizeof badhigh);
	CHECK(!ch_der_get_any(&c, &o, &tag, NULL));
}

static void test_oid_and_tls(void)
{
	static const uint8_t oid[] = {0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b};
	static const uint8_t badoid[] = {0x2a, 0x80, 0x01};
	static const uint8_t tls[] = {0x00, 0x03, 'a', 'b', 'c', 0x01};
	char text[64];
	ch_der c, o;
	uint16_t u;

	CHECK(ch_der_oid_to_text(text, sizeof text, oid, sizeof oid));
	CHECK_STR(text, "1.2.840.113549.1.1.11");
	CHECK(!ch_der_oid_to_text(text, sizeof text, badoid, sizeof badoid));
	CHECK(!ch_der_oid_to_text(text, 4, oid, sizeof oid));
	ch_der_init(&c, tls, sizeof tls);
	CHECK(ch_der_get_u16_prefixed(&c, &o));
	CHECK_INT(o.len, 3);
	CHECK(!ch_der_get_u16(&c, &u));
	CHECK_INT(c.len, 1);
}

int main(void)
{
	test_basic();
	test_lengths();
	test_tags();
	test_oid_and_tls();
	return ch_test_done("der");
}
