/* scan TLS 1.2 certificate fetch, network-free: the ClientHello writer (structure, no TLS 1.3
 * offer, padding, SNI and ALPN), the suite names against OpenSSL's, the first-flight parser on
 * handcrafted records (fragmented handshake messages, records across reads, several messages in
 * one record, alerts, limits, garbage, TLS 1.3 signs) and, differentially, on what an in-memory
 * OpenSSL server answers to our hello (ECDSA and RSA, a chain, ALPN, a TLS 1.3-only server). */
#include <certhound/scan.h>

#include "scan/internal.h"
#include "testlib.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

/* ---- building server flights by hand ------------------------------------------------------ */

typedef struct bytes {
	uint8_t d[200000];
	size_t n;
} bytes;

static void b_put(bytes *b, const void *p, size_t n)
{
	memcpy(b->d + b->n, p, n);
	b->n += n;
}

static void b_u8(bytes *b, unsigned v) { b->d[b->n++] = (uint8_t)v; }
static void b_u16(bytes *b, unsigned v) { b_u8(b, v >> 8); b_u8(b, v); }
static void b_u24(bytes *b, size_t v) { b_u8(b, (unsigned)(v >> 16)); b_u16(b, (unsigned)v); }

/* hs appends a handshake message (type, body). */
static void hs(bytes *b, unsigned type, const bytes *body)
{
	b_u8(b, type);
	b_u24(b, body->n);
	b_put(b, body->d, body->n);
}

/* server_hello builds a ServerHello body; ext (may be NULL) is the extensions block content. */
static void server_hello(bytes *out, unsigned version, unsigned cipher, const bytes *ext,
			 const uint8_t *random)
{
	uint8_t r[32];

	memset(r, 0x42, sizeof r);
	out->n = 0;
	b_u16(out, version);
	b_put(out, random ? random : r, 32);
	b_u8(out, 32);
	for (int i = 0; i < 32; i++)
		b_u8(out, (unsigned)i);
	b_u16(out, cipher);
	b_u8(out, 0);
	if (ext) {
		b_u16(out, (unsigned)ext->n);
		b_put(out, ext->d, ext->n);
	}
}

/* fake certificates: the parser does not decode them, the list structure is what counts */
static void certificate(bytes *out, int num, size_t each)
{
	out->n = 0;
	b_u24(out, (size_t)num * (3 + each));
	for (int i = 0; i < num; i++) {
		b_u24(out, each);
		for (size_t k = 0; k < each; k++)
			b_u8(out, (unsigned)(i * 7 + k));
	}
}

/* records wraps handshake bytes into records of at most frag bytes. */
static void records(bytes *out, unsigned type, const bytes *in, size_t frag)
{
	for (size_t off = 0; off < in->n; off += frag) {
		size_t n = in->n - off < frag ? in->n - off : frag;
		b_u8(out, type);
		b_u16(out, 0x0303);
		b_u16(out, (unsigned)n);
		b_put(out, in->d + off, n);
	}
}

/* feed gives the stream to a fresh parser in reads of `step` bytes (0 = all at once). */
static ch_scan__t12_rc feed(ch_scan__t12 *p, const bytes *s, size_t step, size_t max_chain)
{
	ch_scan__t12_rc rc = CH_SCAN__T12_MORE;

	ch_scan__t12_init(p, max_chain);
	for (size_t off = 0; off < s->n && rc == CH_SCAN__T12_MORE;) {
		size_t n = step && s->n - off > step ? step : s->n - off;
		rc = ch_scan__t12_feed(p, s->d + off, n);
		off += n;
		CHECK(p->msg.len <= p->msg.max);
	}
	return rc;
}

static size_t count_certs(const ch_scan__t12 *p, size_t *out_each)
{
	ch_der list, one;
	size_t n = 0;

	ch_der_init(&list, p->certs, p->certs_len);
	while (ch_scan__t12_next_cert(&list, &one)) {
		*out_each = one.len;
		n++;
	}
	return n;
}

static bytes flight, msgs, body, tmp;

/* standard builds ServerHello (with ALPN "h2") + Certificate (3 x 500 bytes) + ServerHelloDone
 * as handshake bytes in msgs. */
static void standard(void)
{
	bytes ext = {.n = 0};

	b_u16(&ext, 16);
	b_u16(&ext, 5);
	b_u16(&ext, 3);
	b_u8(&ext, 2);
	b_put(&ext, "h2", 2);
	msgs.n = 0;
	server_hello(&body, 0x0303, 0xc02b, &ext, NULL);
	hs(&msgs, 2, &body);
	certificate(&body, 3, 500);
	hs(&msgs, 11, &body);
	body.n = 0;
	hs(&msgs, 14, &body);
}

static void test_fragments(void)
{
	static const size_t frags[] = {16384, 1, 7, 100, 1000};
	static const size_t steps[] = {0, 1, 3, 5, 6, 1500};
	ch_scan__t12 p;
	size_t each = 0;

	standard();
	for (size_t f = 0; f < sizeof frags / sizeof frags[0]; f++) {
		flight.n = 0;
		records(&flight, 0x16, &msgs, frags[f]);
		for (size_t s = 0; s < sizeof steps / sizeof steps[0]; s++) {
			CHECK_INT(feed(&p, &flight, steps[s], 65536), CH_SCAN__T12_DONE);
			CHECK_INT(p.version, 0x0303);
			CHECK_STR(ch_scan__cipher_name(p.cipher), "ECDHE-ECDSA-AES128-GCM-SHA256");
			CHECK_STR(p.alpn, "h2");
			CHECK_INT(count_certs(&p, &each), 3);
			CHECK_INT(each, 500);
			CHECK(!p.tls13_capable);
			/* after the outcome, more input changes nothing */
			CHECK_INT(ch_scan__t12_feed(&p, (const uint8_t *)"x", 1), CH_SCAN__T12_DONE);
			ch_scan__t12_free(&p);
		}
	}
}

/* one_record wraps msgs into a single handshake record stream in flight. */
static void one_record(void)
{
	flight.n = 0;
	records(&flight, 0x16, &msgs, 16384);
}

static void test_hello_variants(void)
{
	ch_scan__t12 p;
	bytes ext = {.n = 0};
	uint8_t rnd[32];
	size_t each;

	/* no extensions at all, TLS 1.0, a HelloRequest first (ignored) */
	msgs.n = 0;
	body.n = 0;
	hs(&msgs, 0, &body);
	server_hello(&body, 0x0301, 0x002f, NULL, NULL);
	hs(&msgs, 2, &body);
	certificate(&body, 1, 40);
	hs(&msgs, 11, &body);
	one_record();
	CHECK_INT(feed(&p, &flight, 0, 65536), CH_SCAN__T12_DONE);
	CHECK_STR(ch_scan__version_name(p.version), "TLSv1");
	CHECK_STR(p.alpn, "");
	CHECK_INT(count_certs(&p, &each), 1);
	ch_scan__t12_free(&p);

	/* RFC 8446 downgrade mark: a TLS 1.3 server answering our 1.2 hello */
	memset(rnd, 0x11, sizeof rnd);
	memcpy(rnd + 24, "DOWNGRD\001", 8);
	msgs.n = 0;
	server_hello(&body, 0x0303, 0xc02f, NULL, rnd);
	hs(&msgs, 2, &body);
	certificate(&body, 1, 40);
	hs(&msgs, 11, &body);
	one_record();
	CHECK_INT(feed(&p, &flight, 0, 65536), CH_SCAN__T12_DONE);
	CHECK(p.tls13_capable);
	ch_scan__t12_free(&p);

	/* supported_versions selecting TLS 1.3: not ours to speak */
	b_u16(&ext, 43);
	b_u16(&ext, 2);
	b_u16(&ext, 0x0304);
	msgs.n = 0;
	server_hello(&body, 0x0303, 0x1301, &ext, NULL);
	hs(&msgs, 2, &body);
	one_record();
	CHECK_INT(feed(&p, &flight, 0, 65536), CH_SCAN__T12_FALLBACK);
	CHECK(strstr(p.error, "TLS 1.3") != NULL);
	ch_scan__t12_free(&p);
}

/* expect_rc builds the stream from msgs and checks the outcome. */
static void expect_rc(ch_scan__t12_rc want, const char *status)
{
	ch_scan__t12 p;

	one_record();
	CHECK_INT(feed(&p, &flight, 0, 65536), want);
	if (status)
		CHECK_STR(p.status, status);
	ch_scan__t12_free(&p);
}

static void test_fallbacks(void)
{
	static const uint8_t hrr[32] = {
		0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65,
		0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2,
		0xc8, 0xa8, 0x33, 0x9c};

	msgs.n = 0; /* HelloRetryRequest */
	server_hello(&body, 0x0303, 0x1301, NULL, hrr);
	hs(&msgs, 2, &body);
	expect_rc(CH_SCAN__T12_FALLBACK, NULL);
	msgs.n = 0; /* a suite we never offered */
	server_hello(&body, 0x0303, 0x1301, NULL, NULL);
	hs(&msgs, 2, &body);
	expect_rc(CH_SCAN__T12_FALLBACK, NULL);
	msgs.n = 0; /* a version above 1.2 in the legacy field */
	server_hello(&body, 0x0304, 0xc02b, NULL, NULL);
	hs(&msgs, 2, &body);
	expect_rc(CH_SCAN__T12_FALLBACK, NULL);
	msgs.n = 0; /* Certificate before ServerHello */
	certificate(&body, 1, 10);
	hs(&msgs, 11, &body);
	expect_rc(CH_SCAN__T12_FALLBACK, NULL);
	msgs.n = 0; /* ServerHelloDone without a certificate (anonymous) */
	server_hello(&body, 0x0303, 0xc02b, NULL, NULL);
	hs(&msgs, 2, &body);
	body.n = 0;
	hs(&msgs, 14, &body);
	expect_rc(CH_SCAN__T12_FALLBACK, NULL);
	msgs.n = 0; /* an empty certificate list */
	server_hello(&body, 0x0303, 0xc02b, NULL, NULL);
	hs(&msgs, 2, &body);
	body.n = 0;
	b_u24(&body, 0);
	hs(&msgs, 11, &body);
	expect_rc(CH_SCAN__T12_FALLBACK, NULL);
	msgs.n = 0; /* a certificate list whose inner lengths overrun it */
	server_hello(&body, 0x0303, 0xc02b, NULL, NULL);
	hs(&msgs, 2, &body);
	body.n = 0;
	b_u24(&body, 5);
	b_u24(&body, 9);
	b_u16(&body, 0);
	hs(&msgs, 11, &body);
	expect_rc(CH_SCAN__T12_FALLBACK, NULL);
	msgs.n = 0; /* a truncated ServerHello */
	b_u16(&body, 0x0303);
	tmp.n = 0;
	b_u16(&tmp, 0x0303);
	hs(&msgs, 2, &tmp);
	expect_rc(CH_SCAN__T12_FALLBACK, NULL);
}

/* alert_stream: one alert record, optionally after msgs in a handshake record. */
static void alert_stream(unsigned level, unsigned code, bool hello_first)
{
	flight.n = 0;
	if (hello_first)
		records(&flight, 0x16, &msgs, 16384);
	tmp.n = 0;
	b_u8(&tmp, level);
	b_u8(&tmp, code);
	records(&flight, 0x15, &tmp, 16384);
}

static void test_alerts(void)
{
	ch_scan__t12 p;
	size_t each;

	alert_stream(2, 112, false);
	CHECK_INT(feed(&p, &flight, 1, 65536), CH_SCAN__T12_FAILED);
	CHECK_STR(p.status, "tls-alert-unrecognized-name");
	CHECK_INT(p.alert, 112);
	ch_scan__t12_free(&p);
	alert_stream(2, 40, false);
	CHECK_INT(feed(&p, &flight, 0, 65536), CH_SCAN__T12_FALLBACK);
	CHECK_INT(p.alert, 40);
	ch_scan__t12_free(&p);
	alert_stream(2, 70, false);
	CHECK_INT(feed(&p, &flight, 0, 65536), CH_SCAN__T12_FALLBACK);
	ch_scan__t12_free(&p);
	alert_stream(1, 0, false); /* close_notify is the end, as OpenSSL reports it */
	CHECK_INT(feed(&p, &flight, 0, 65536), CH_SCAN__T12_FAILED);
	CHECK_STR(p.status, "tls-alert-close-notify");
	ch_scan__t12_free(&p);

	/* a warning unrecognized_name, then the flight: ignored, as OpenSSL's client does */
	standard();
	tmp.n = 0;
	b_u8(&tmp, 1);
	b_u8(&tmp, 112);
	flight.n = 0;
	records(&flight, 0x15, &tmp, 16384);
	records(&flight, 0x16, &msgs, 300);
	CHECK_INT(feed(&p, &flight, 2, 65536), CH_SCAN__T12_DONE);
	CHECK_INT(count_certs(&p, &each), 3);
	CHECK_INT(p.alert, -1);
	ch_scan__t12_free(&p);

	/* an alert record of the wrong size */
	flight.n = 0;
	tmp.n = 0;
	b_u8(&tmp, 2);
	records(&flight, 0x15, &tmp, 16384);
	CHECK_INT(feed(&p, &flight, 0, 65536), CH_SCAN__T12_FALLBACK);
	ch_scan__t12_free(&p);
}

static void test_garbage_and_limits(void)
{
	ch_scan__t12 p;
	static const char http[] = "HTTP/1.1 400 Bad Request\r\n\r\n";

	flight.n = 0;
	b_put(&flight, http, sizeof http - 1);
	CHECK_INT(feed(&p, &flight, 0, 65536), CH_SCAN__T12_FAILED);
	CHECK_STR(p.status, "not-tls");
	ch_scan__t12_free(&p);
	/* SSH banner, one byte at a time */
	flight.n = 0;
	b_put(&flight, "SSH-2.0-x\r\n", 11);
	CHECK_INT(feed(&p, &flight, 1, 65536), CH_SCAN__T12_FAILED);
	CHECK_STR(p.status, "not-tls");
	ch_scan__t12_free(&p);

	/* an enormous Certificate message is refused from its header alone */
	msgs.n = 0;
	server_hello(&body, 0x0303, 0xc02b, NULL, NULL);
	hs(&msgs, 2, &body);
	b_u8(&msgs, 11);
	b_u24(&msgs, 5000000);
	one_record();
	CHECK_INT(feed(&p, &flight, 0, 65536), CH_SCAN__T12_FAILED);
	CHECK_STR(p.status, "chain-too-large");
	ch_scan__t12_free(&p);
	/* a chain just over the limit, fully sent in small records: refused, memory bounded */
	standard();
	flight.n = 0;
	records(&flight, 0x16, &msgs, 512);
	CHECK_INT(feed(&p, &flight, 100, 1000), CH_SCAN__T12_FAILED);
	CHECK_STR(p.status, "chain-too-large");
	ch_scan__t12_free(&p);
	/* ... and a large one under a large limit: 150 x 1000 bytes */
	msgs.n = 0;
	server_hello(&body, 0x0303, 0xc02b, NULL, NULL);
	hs(&msgs, 2, &body);
	certificate(&body, 150, 1000);
	hs(&msgs, 11, &body);
	flight.n = 0;
	records(&flight, 0x16, &msgs, 16384);
	CHECK_INT(feed(&p, &flight, 4096, 1 << 20), CH_SCAN__T12_DONE);
	ch_scan__t12_free(&p);
	/* a record longer than TLS allows; a ChangeCipherSpec before the certificate */
	flight.n = 0;
	b_u8(&flight, 0x16);
	b_u16(&flight, 0x0303);
	b_u16(&flight, 30000);
	CHECK_INT(feed(&p, &flight, 0, 65536), CH_SCAN__T12_FALLBACK);
	ch_scan__t12_free(&p);
	flight.n = 0;
	tmp.n = 0;
	b_u8(&tmp, 1);
	records(&flight, 0x14, &tmp, 16384);
	CHECK_INT(feed(&p, &flight, 0, 65536), CH_SCAN__T12_FALLBACK);
	ch_scan__t12_free(&p);
	/* an endless stream of empty handshake records and HelloRequests ends */
	flight.n = 0;
	while (flight.n < sizeof flight.d - 20) {
		b_put(&flight, "\x16\x03\x03\x00\x00", 5);
		b_put(&flight, "\x16\x03\x03\x00\x04\x00\x00\x00\x00", 9);
	}
	CHECK_INT(feed(&p, &flight, 4096, 1000), CH_SCAN__T12_FALLBACK);
	ch_scan__t12_free(&p);
}

/* ---- the ClientHello ---------------------------------------------------------------------- */

/* find_ext returns the extension's body in the hello or NULL. */
static bool find_ext(const uint8_t *h, size_t n, uint16_t want, ch_der *out)
{
	ch_der c, body, sid, suites, comp, exts, x;
	uint16_t v, type;
	uint32_t len;

	ch_der_init(&c, h, n);
	if (!ch_der_skip(&c, 5) || !ch_der_skip(&c, 1) || !ch_der_get_u24(&c, &len) ||
	    !ch_der_get_bytes(&c, &body, len) || c.len)
		return false;
	if (!ch_der_get_u16(&body, &v) || v != 0x0303 || !ch_der_skip(&body, 32) ||
	    !ch_der_get_u8_prefixed(&body, &sid) || !ch_der_get_u16_prefixed(&body, &suites) ||
	    !ch_der_get_u8_prefixed(&body, &comp) || !ch_der_get_u16_prefixed(&body, &exts) ||
	    body.len)
		return false;
	while (exts.len) {
		if (!ch_der_get_u16(&exts, &type) || !ch_der_get_u16_prefixed(&exts, &x))
			return false;
		if (type == want) {
			*out = x;
			return true;
		}
	}
	return false;
}

static void test_hello(void)
{
	uint8_t h[CH_SCAN__HELLO_MAX], rnd[32] = {1, 2, 3}, alpn[32];
	size_t n, alen = ch_scan__alpn_wire(alpn, sizeof alpn, "h2,http/1.1");
	ch_der x;
	char longname[300];

	n = ch_scan__hello_write(h, sizeof h, "example.com", alpn, alen, rnd);
	CHECK(n > 0);
	CHECK_INT(h[0], 0x16);
	CHECK_INT((size_t)h[3] << 8 | h[4], n - 5);
	CHECK(!memcmp(h + 11, rnd, 32));
	CHECK(find_ext(h, n, 0x0000, &x) && x.len == 16 && !memcmp(x.data + 5, "example.com", 11));
	CHECK(find_ext(h, n, 0x0010, &x) && x.len == 2 + alen);
	CHECK(find_ext(h, n, 0x000a, &x));
	CHECK(find_ext(h, n, 0x000b, &x));
	CHECK(find_ext(h, n, 0x000d, &x));
	CHECK(!find_ext(h, n, 43, &x));   /* no supported_versions: TLS 1.2 at most */
	CHECK(!find_ext(h, n, 51, &x));   /* no key_share */
	CHECK(n - 5 < 256 || n - 5 >= 512); /* padding keeps the hello out of 256..511 */

	n = ch_scan__hello_write(h, sizeof h, "", NULL, 0, rnd);
	CHECK(n > 0 && !find_ext(h, n, 0x0000, &x) && !find_ext(h, n, 0x0010, &x));
	CHECK(n - 5 < 256 || n - 5 >= 512);
	memset(longname, 'a', sizeof longname - 1);
	longname[sizeof longname - 1] = '\0';
	CHECK_INT(ch_scan__hello_write(h, sizeof h, longname, NULL, 0, rnd), 0);
	CHECK_INT(ch_scan__hello_write(h, 100, "x", NULL, 0, rnd), 0);
	CHECK_INT(ch_scan__alpn_wire(alpn, sizeof alpn, "a,,b"), 0);
}

/* The table names the suites as OpenSSL does (the result's cipher field). Builds without weak
 * ciphers (Debian's: no RC4, no 3DES) do not know the 8 old suites offered for old servers. */
static void test_suite_names(void)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_method());
	SSL *ssl = ctx ? SSL_new(ctx) : NULL;
	uint16_t id;
	const char *name;
	size_t unknown = 0, known = 0;

	CHECK(ssl != NULL);
	for (size_t i = 0; ssl && (name = ch_scan__cipher_at(i, &id)) != NULL; i++) {
		uint8_t b[2] = {(uint8_t)(id >> 8), (uint8_t)id};
		const SSL_CIPHER *c = SSL_CIPHER_find(ssl, b);
		if (!c) {
			CHECK(strstr(name, "RC4") || strstr(name, "DES-CBC3"));
			unknown++;
			continue;
		}
		known++;
		if (strcmp(SSL_CIPHER_get_name(c), name))
			fprintf(stderr, "suite %04x: ours %s, OpenSSL %s\n", id, name,
				SSL_CIPHER_get_name(c));
		CHECK_STR(SSL_CIPHER_get_name(c), name);
	}
	CHECK(unknown <= 8);
	CHECK(known >= 34);
	CHECK(ch_scan__cipher_name(0x1301) == NULL);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
}

/* ---- differential: an in-memory OpenSSL server ----------------------------------------------- */

static X509 *make_cert(EVP_PKEY *key, EVP_PKEY *signer, const char *cn)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();

	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_set_version(x, 2);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, n);
	X509_set_pubkey(x, key);
	X509_sign(x, signer, EVP_sha256());
	X509_NAME_free(n);
	return x;
}

static int alpn_select(SSL *s, const unsigned char **out, unsigned char *outlen,
		       const unsigned char *in, unsigned inlen, void *arg)
{
	(void)s;
	(void)arg;
	for (unsigned i = 0; i < inlen; i += 1u + in[i])
		if (in[i] == 8 && !memcmp(in + i + 1, "http/1.1", 8)) {
			*out = in + i + 1;
			*outlen = 8;
			return SSL_TLSEXT_ERR_OK;
		}
	return SSL_TLSEXT_ERR_NOACK;
}

/* server_answer gives our hello to an OpenSSL server and returns its first flight in flight. */
static void server_answer(SSL_CTX *sctx, const uint8_t *hello, size_t n)
{
	SSL *s = SSL_new(sctx);
	BIO *in = BIO_new(BIO_s_mem()), *out = BIO_new(BIO_s_mem());
	int got;

	SSL_set_bio(s, in, out);
	SSL_set_accept_state(s);
	BIO_write(in, hello, (int)n);
	(void)SSL_do_handshake(s);
	got = BIO_read(out, flight.d, (int)sizeof flight.d);
	flight.n = got > 0 ? (size_t)got : 0;
	SSL_free(s);
}

static void differential(EVP_PKEY *key, const char *cn, int min_version, bool chain)
{
	SSL_CTX *sctx = SSL_CTX_new(TLS_server_method());
	X509 *leaf = make_cert(key, key, cn), *extra = make_cert(key, key, "extra");
	uint8_t hello[CH_SCAN__HELLO_MAX], rnd[32] = {9}, alpn[32], *der = NULL;
	size_t alen = ch_scan__alpn_wire(alpn, sizeof alpn, "h2,http/1.1"), n, each;
	ch_scan__t12 p;
	ch_der list, one;
	int dlen;

	SSL_CTX_use_certificate(sctx, leaf);
	SSL_CTX_use_PrivateKey(sctx, key);
	SSL_CTX_set_min_proto_version(sctx, min_version);
	SSL_CTX_set_alpn_select_cb(sctx, alpn_select, NULL);
	if (chain)
		SSL_CTX_add1_chain_cert(sctx, extra);
	n = ch_scan__hello_write(hello, sizeof hello, "server.test", alpn, alen, rnd);
	server_answer(sctx, hello, n);
	CHECK(flight.n > 0);
	if (min_version == TLS1_3_VERSION) {
		CHECK_INT(feed(&p, &flight, 0, 65536), CH_SCAN__T12_FALLBACK);
		CHECK_INT(p.alert, 70); /* protocol_version */
	} else {
		CHECK_INT(feed(&p, &flight, 0, 65536), CH_SCAN__T12_DONE);
		CHECK_STR(ch_scan__version_name(p.version), "TLSv1.2");
		CHECK(p.tls13_capable); /* this OpenSSL speaks 1.3 and marks the downgrade */
		CHECK_STR(p.alpn, "http/1.1");
		CHECK_INT(count_certs(&p, &each), chain ? 2 : 1);
		dlen = i2d_X509(leaf, &der);
		ch_der_init(&list, p.certs, p.certs_len);
		CHECK(ch_scan__t12_next_cert(&list, &one) && one.len == (size_t)dlen &&
		      !memcmp(one.data, der, one.len));
		OPENSSL_free(der);
	}
	ch_scan__t12_free(&p);
	X509_free(leaf);
	X509_free(extra);
	SSL_CTX_free(sctx);
}

static void test_differential(void)
{
	EVP_PKEY *ec = EVP_EC_gen("P-256"), *rsa = EVP_RSA_gen(2048);

	CHECK(ec && rsa);
	differential(ec, "ec.test", TLS1_2_VERSION, false);
	differential(ec, "ec.test", TLS1_2_VERSION, true);
	differential(rsa, "rsa.test", TLS1_2_VERSION, true);
	differential(ec, "ec13.test", TLS1_3_VERSION, false);
	EVP_PKEY_free(ec);
	EVP_PKEY_free(rsa);
}

int main(void)
{
	test_hello();
	test_suite_names();
	test_fragments();
	test_hello_variants();
	test_fallbacks();
	test_alerts();
	test_garbage_and_limits();
	test_differential();
	return ch_test_done("scan_tls12");
}
