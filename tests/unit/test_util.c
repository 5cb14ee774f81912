/* util: hex, base64, calendar arithmetic over the whole 0000..9999 range, bounded buffers. */
#include <certhound/buf.h>
#include <certhound/util.h>

#include "testlib.h"

static void test_time(void)
{
	char s[21];
	int64_t t;

	CHECK_INT(ch_time_from_civil(1970, 1, 1, 0, 0, 0), 0);
	CHECK_INT(ch_time_from_civil(2000, 3, 1, 0, 0, 0), 951868800);
	ch_time_format(s, ch_time_from_civil(1, 1, 1, 0, 0, 0));
	CHECK_STR(s, "0001-01-01T00:00:00Z");
	ch_time_format(s, ch_time_from_civil(9999, 12, 31, 23, 59, 59));
	CHECK_STR(s, "9999-12-31T23:59:59Z");
	ch_time_format(s, ch_time_from_civil(1950, 6, 15, 1, 2, 3));
	CHECK_STR(s, "1950-06-15T01:02:03Z");
	CHECK(ch_time_parse(&t, "2024-02-29T12:00:00Z"));
	ch_time_format(s, t);
	CHECK_STR(s, "2024-02-29T12:00:00Z");
	CHECK(ch_time_parse(&t, "2024-01-01"));
	CHECK(!ch_time_parse(&t, "2024-13-01"));
	CHECK(!ch_time_parse(&t, "2024-01-01T00:00:00+02:00"));
}

static void test_codecs(void)
{
	uint8_t b[16];
	char s[64];

	CHECK_INT(ch_base64_decode(b, sizeof b, "aGVs\r\n bG8=", 11), 5);
	CHECK(memcmp(b, "hello", 5) == 0);
	CHECK_INT(ch_base64_decode(b, sizeof b, "aGV*bG8=", 8), -1);
	CHECK_INT(ch_base64_decode(b, sizeof b, "aGVsbG8=aa", 10), -1);
	ch_base64_encode(s, (const uint8_t *)"hello", 5);
	CHECK_STR(s, "aGVsbG8=");
	CHECK_INT(ch_hex_decode(b, sizeof b, "00fFa1", 6), 3);
	CHECK_INT(b[1], 0xff);
	CHECK_INT(ch_hex_decode(b, sizeof b, "0g", 2), -1);
	ch_hex_encode(s, b, 3);
	CHECK_STR(s, "00ffa1");
}

static void test_buf(void)
{
	ch_buf b;

	ch_buf_init(&b, 8);
	CHECK(ch_buf_puts(&b, "abcd") == CH_OK);
	CHECK(ch_buf_printf(&b, "%d", 1234) == CH_OK);
	CHECK_STR(b.data, "abcd1234");
	CHECK(ch_buf_putc(&b, 'x') == CH_ERR_LIMIT);
	CHECK_INT(b.len, 8);
	ch_buf_free(&b);
}

int main(void)
{
	test_time();
	test_codecs();
	test_buf();
	return ch_test_done("util");
}
