/* scan TLS 1.2 ClientHello: the bytes the certificate fetch sends, and the names of what it
 * offers (RFC 5246 7.4.1.2; extensions RFC 6066, 8422, 5246 7.4.1.4.1, 7301, 7627, 7685).
 *
 * The offer is broad on purpose: nothing is ever encrypted with it, so old and weak suites cost
 * nothing and let old servers answer. TLS_FALLBACK_SCSV is never sent (a TLS 1.3 server would
 * refuse the hello); the renegotiation SCSV is, for servers that insist on RFC 5746. */
#include "internal.h"

#include <string.h>

typedef struct suite {
	uint16_t id;
	const char *name;   /* OpenSSL's name (checked against OpenSSL by test_scan_tls12) */
} suite;

/* In preference order: forward-secret AEAD first, ECDSA before RSA, then CBC, then static RSA,
 * then the old ones. */
static const suite suites[] = {
	{0xc02b, "ECDHE-ECDSA-AES128-GCM-SHA256"}, {0xc02f, "ECDHE-RSA-AES128-GCM-SHA256"},
	{0xc02c, "ECDHE-ECDSA-AES256-GCM-SHA384"}, {0xc030, "ECDHE-RSA-AES256-GCM-SHA384"},
	{0xcca9, "ECDHE-ECDSA-CHACHA20-POLY1305"}, {0xcca8, "ECDHE-RSA-CHACHA20-POLY1305"},
	{0xc0ac, "ECDHE-ECDSA-AES128-CCM"}, {0xc0ad, "ECDHE-ECDSA-AES256-CCM"},
	{0x009e, "DHE-RSA-AES128-GCM-SHA256"}, {0x009f, "DHE-RSA-AES256-GCM-SHA384"},
	{0xccaa, "DHE-RSA-CHACHA20-POLY1305"},
	{0xc023, "ECDHE-ECDSA-AES128-SHA256"}, {0xc027, "ECDHE-RSA-AES128-SHA256"},
	{0xc024, "ECDHE-ECDSA-AES256-SHA384"}, {0xc028, "ECDHE-RSA-AES256-SHA384"},
	{0xc009, "ECDHE-ECDSA-AES128-SHA"}, {0xc013, "ECDHE-RSA-AES128-SHA"},
	{0xc00a, "ECDHE-ECDSA-AES256-SHA"}, {0xc014, "ECDHE-RSA-AES256-SHA"},
	{0x0067, "DHE-RSA-AES128-SHA256"}, {0x006b, "DHE-RSA-AES256-SHA256"},
	{0x0033, "DHE-RSA-AES128-SHA"}, {0x0039, "DHE-RSA-AES256-SHA"},
	{0x00a2, "DHE-DSS-AES128-GCM-SHA256"}, {0x0032, "DHE-DSS-AES128-SHA"},
	{0x0038, "DHE-DSS-AES256-SHA"},
	{0x009c, "AES128-GCM-SHA256"}, {0x009d, "AES256-GCM-SHA384"},
	{0x003c, "AES128-SHA256"}, {0x003d, "AES256-SHA256"},
	{0x002f, "AES128-SHA"}, {0x0035, "AES256-SHA"},
	{0x0041, "CAMELLIA128-SHA"}, {0x0084, "CAMELLIA256-SHA"},
	{0xc008, "ECDHE-ECDSA-DES-CBC3-SHA"}, {0xc012, "ECDHE-RSA-DES-CBC3-SHA"},
	{0x0016, "DHE-RSA-DES-CBC3-SHA"}, {0x000a, "DES-CBC3-SHA"},
	{0xc007, "ECDHE-ECDSA-RC4-SHA"}, {0xc011, "ECDHE-RSA-RC4-SHA"},
	{0x0005, "RC4-SHA"}, {0x0004, "RC4-MD5"},
};
#define NUM_SUITES (sizeof suites / sizeof suites[0])

#define SCSV_RENEGOTIATION 0x00ff

/* x25519, secp256r1, x448, secp384r1, secp521r1, ffdhe2048, ffdhe3072 (RFC 8422, 7919) */
static const uint16_t groups[] = {0x001d, 0x0017, 0x001e, 0x0018, 0x0019, 0x0100, 0x0101};

/* RFC 8446 4.2.3 code points, which TLS 1.2 servers read as (hash, signature) pairs */
static const uint16_t sigalgs[] = {
	0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601, 0x0603, 0x0807, 0x0808,
	0x0809, 0x080a, 0x080b, 0x0303, 0x0301, 0x0302, 0x0402, 0x0203, 0x0201, 0x0202,
};

/* A bounded writer: every put checks room once; ok turns false and stays false on overflow. */
typedef struct w {
	uint8_t *p;
	size_t len, cap;
	bool ok;
} w;

static void put(w *x, const void *b, size_t n)
{
	if (!x->ok || x->cap - x->len < n) {
		x->ok = false;
		return;
	}
	memcpy(x->p + x->len, b, n);
	x->len += n;
}

static void put_u8(w *x, unsigned v)
{
	uint8_t b = (uint8_t)v;

	put(x, &b, 1);
}

static void put_u16(w *x, unsigned v)
{
	uint8_t b[2] = {(uint8_t)(v >> 8), (uint8_t)v};

	put(x, b, 2);
}

/* open_len reserves an n-byte length field and returns where its contents start. */
static size_t open_len(w *x, size_t n)
{
	static const uint8_t zero[3];

	put(x, zero, n);
	return x->len;
}

/* close_len writes the length of what followed the n-byte field opened at `start`. */
static void close_len(w *x, size_t start, size_t n)
{
	size_t v = x->len - start;

	if (!x->ok)
		return;
	for (size_t i = 0; i < n; i++)
		x->p[start - 1 - i] = (uint8_t)(v >> (8 * i));
}

static void put_u16_list(w *x, const uint16_t *v, size_t n)
{
	size_t at = open_len(x, 2);

	for (size_t i = 0; i < n; i++)
		put_u16(x, v[i]);
	close_len(x, at, 2);
}

static void ext_sni(w *x, const char *sni)
{
	size_t n = strlen(sni), ext, list;

	put_u16(x, 0x0000);
	ext = open_len(x, 2);
	list = open_len(x, 2);
	put_u8(x, 0); /* host_name */
	put_u16(x, (unsigned)n);
	put(x, sni, n);
	close_len(x, list, 2);
	close_len(x, ext, 2);
}

static void ext_fixed(w *x, unsigned type, const uint16_t *v, size_t n)
{
	size_t ext;

	put_u16(x, type);
	ext = open_len(x, 2);
	put_u16_list(x, v, n);
	close_len(x, ext, 2);
}

static void ext_alpn(w *x, const uint8_t *alpn, size_t alpn_len)
{
	size_t ext, list;

	put_u16(x, 0x0010);
	ext = open_len(x, 2);
	list = open_len(x, 2);
	put(x, alpn, alpn_len);
	close_len(x, list, 2);
	close_len(x, ext, 2);
}

/* extensions writes every extension but padding. */
static void extensions(w *x, const char *sni, const uint8_t *alpn, size_t alpn_len)
{
	static const uint8_t point_formats[] = {0x00, 0x0b, 0x00, 0x02, 0x01, 0x00};
	static const uint8_t ems[] = {0x00, 0x17, 0x00, 0x00};

	if (sni[0])
		ext_sni(x, sni);
	ext_fixed(x, 0x000a, groups, sizeof groups / sizeof groups[0]);
	put(x, point_formats, sizeof point_formats);
	ext_fixed(x, 0x000d, sigalgs, sizeof sigalgs / sizeof sigalgs[0]);
	if (alpn_len)
		ext_alpn(x, alpn, alpn_len);
	put(x, ems, sizeof ems);
}

/* pad adds RFC 7685 padding when the handshake message would be 256..511 bytes long: some
 * servers hang on hellos of that size. hs is where the handshake message starts. */
static void pad(w *x, size_t hs)
{
	size_t len = x->len - hs, n;

	if (len < 256 || len >= 512)
		return;
	n = 512 - len;
	n = n >= 4 ? n - 4 : 0;
	put_u16(x, 0x0015);
	put_u16(x, (unsigned)n);
	for (size_t i = 0; i < n; i++)
		put_u8(x, 0);
}

size_t ch_scan__hello_write(uint8_t *out, size_t cap, const char *sni, const uint8_t *alpn,
			    size_t alpn_len, const uint8_t random[32])
{
	w x = {out, 0, cap, true};
	size_t rec, hs, body, sl, el;

	if (strlen(sni) > 255)
		return 0;
	put_u8(&x, 0x16);
	put_u16(&x, 0x0301);
	rec = open_len(&x, 2);
	hs = x.len;
	put_u8(&x, 0x01);
	body = open_len(&x, 3);
	put_u16(&x, 0x0303);
	put(&x, random, 32);
	put_u8(&x, 0); /* no session id */
	sl = open_len(&x, 2);
	for (size_t i = 0; i < NUM_SUITES; i++)
		put_u16(&x, suites[i].id);
	put_u16(&x, SCSV_RENEGOTIATION);
	close_len(&x, sl, 2);
	put_u8(&x, 1);
	put_u8(&x, 0); /* null compression */
	el = open_len(&x, 2);
	extensions(&x, sni, alpn, alpn_len);
	pad(&x, hs);
	close_len(&x, el, 2);
	close_len(&x, body, 3);
	close_len(&x, rec, 2);
	return x.ok ? x.len : 0;
}

const char *ch_scan__cipher_name(uint16_t id)
{
	for (size_t i = 0; i < NUM_SUITES; i++)
		if (suites[i].id == id)
			return suites[i].name;
	return NULL;
}

const char *ch_scan__cipher_at(size_t i, uint16_t *out_id)
{
	if (i >= NUM_SUITES)
		return NULL;
	*out_id = suites[i].id;
	return suites[i].name;
}

const char *ch_scan__version_name(uint16_t version)
{
	switch (version) {
	case 0x0303: return "TLSv1.2";
	case 0x0302: return "TLSv1.1";
	case 0x0301: return "TLSv1";
	case 0x0300: return "SSLv3";
	default: return NULL;
	}
}
