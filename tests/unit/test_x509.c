/* The decoder's API promises: a context is reusable, errors name the structure and a byte
 * offset, every truncation of a good certificate is rejected cleanly (ASan watches the reads),
 * and records from one parse do not leak into the next. */
#include <certhound/x509.h>

#include <stdlib.h>
#include <unistd.h>

#include "testlib.h"

static uint8_t *make_cert(const char *dir, const char *args, size_t *out_len)
{
	char cmd[2048], path[512];

	snprintf(path, sizeof path, "%s/c.der", dir);
	snprintf(cmd, sizeof cmd,
		 "openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
		 "-keyout %s/k.pem -outform DER -out %s -days 30 %s 2>/dev/null",
		 dir, path, args);
	if (system(cmd) != 0)
		return NULL;
	return ch_test_read_file(path, out_len);
}

static void test_roundtrip(ch_cert *c, const uint8_t *der, size_t len)
{
	CHECK(ch_cert_parse(c, der, len, CH_PARSE_ALL) == CH_OK);
	CHECK_INT(c->version, 3);
	CHECK_STR(c->subject.text, "CN=www.example.test,O=Example \\+ Co,C=DE");
	CHECK_STR(ch_dn_get(&c->subject, CH_ATTR_O, 0)->s, "Example + Co");
	CHECK(c->self_signed);
	CHECK_INT(c->key.type, CH_KEY_EC);
	CHECK_INT(c->key.bits, 256);
	CHECK_STR(c->key.curve, "prime256v1");
	CHECK_STR(c->sig_alg, "ecdsa-with-SHA256");
	CHECK_INT(c->san.num_dns, 2);
	CHECK_INT(c->san.num_ip, 2);
	if (c->san.num_ip == 2) {
		CHECK_STR(c->san.ip[0].s, "192.0.2.7");
		CHECK_STR(c->san.ip[1].s, "2001:db8::1");
	}
	CHECK_INT(c->not_after - c->not_before, 30 * 86400);
	CHECK_INT(strlen(c->ja4x), 38);
	CHECK(c->anomalies == 0);
}

static void test_truncations(ch_cert *c, const uint8_t *der, size_t len)
{
	int rejected = 0;

	for (size_t n = 0; n < len; n++) {
		uint8_t *copy = malloc(n ? n : 1); /* exact-size copy so ASan sees overreads */
		memcpy(copy, der, n);
		if (ch_cert_parse(c, copy, n, CH_PARSE_ALL) != CH_OK) {
			rejected++;
			if (!strstr(ch_error_last(), "offset"))
				fprintf(stderr, "no offset in: %s\n", ch_error_last());
		}
		free(copy);
	}
	CHECK_INT(rejected, (int)len);
}

static void test_trailing_and_reuse(ch_cert *c, const uint8_t *der, size_t len)
{
	uint8_t *buf = malloc(len + 3);

	memcpy(buf, der, len);
	memcpy(buf + len, "xyz", 3);
	CHECK(ch_cert_parse(c, buf, len + 3, 0) == CH_OK);
	CHECK(c->anomalies & CH_ANOM_TRAILING_DATA);
	CHECK_INT(c->der.len, len);
	CHECK_STR(ch_anomaly_name(CH_ANOM_TRAILING_DATA), "trailing_data");
	CHECK(ch_cert_parse(c, der, len, 0) == CH_OK);
	CHECK(c->anomalies == 0); /* nothing carried over from the previous parse */
	buf[0] = 0x31;
	CHECK(ch_cert_parse(c, buf, len, 0) == CH_ERR_PARSE);
	CHECK(strstr(ch_error_last(), "byte offset 0") != NULL);
	free(buf);
}

int main(void)
{
	const char *dir = ch_test_tmpdir();
	size_t len = 0;
	uint8_t *der;
	ch_cert *c = NULL;

	der = make_cert(dir, "-subj '/C=DE/O=Example \\+ Co/CN=www.example.test' "
			     "-addext 'subjectAltName=DNS:www.example.test,DNS:example.test,"
			     "IP:192.0.2.7,IP:2001:db8:0:0:0:0:0:1'", &len);
	if (!der)
		return ch_test_skip("openssl command not available");
	CHECK(ch_cert_new(&c) == CH_OK);
	test_roundtrip(c, der, len);
	test_truncations(c, der, len);
	test_trailing_and_reuse(c, der, len);
	ch_cert_free(c);
	ch_cert_free(NULL);
	free(der);
	return ch_test_done("x509");
}
