/* scan TLS 1.2 first flight: the record layer (RFC 5246 6.2.1) and the handshake messages the
 * certificate fetch needs — ServerHello (7.4.1.3) and Certificate (7.4.2) — from bytes split in
 * any way. Records are not buffered: handshake fragments go straight into the one message being
 * assembled, alerts into two bytes. Nothing here is encrypted, so nothing here is crypto.
 *
 * Outcomes: DONE with the certificate list; FAILED for what OpenSSL would report the same way
 * (not TLS, a fatal alert, a certificate list over the limit); FALLBACK for everything this path
 * cannot judge alone, so that the OpenSSL path gives the result. */
#include "internal.h"

#include <stdarg.h>
#include <string.h>

enum { S_HELLO = 0, S_CERT, S_END };

enum {
	REC_CCS = 0x14,
	REC_ALERT = 0x15,
	REC_HANDSHAKE = 0x16,
	REC_APPDATA = 0x17,
	REC_HEARTBEAT = 0x18,
};

enum { HS_HELLO_REQUEST = 0, HS_SERVER_HELLO = 2, HS_CERTIFICATE = 11 };

/* RFC 8446 4.1.3: a HelloRetryRequest is a ServerHello with this random */
static const uint8_t hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8, 0x91,
	0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

/* RFC 8446 4.1.3: a TLS 1.3 server negotiating TLS 1.2 ends its random with this */
static const uint8_t downgrade12[8] = {'D', 'O', 'W', 'N', 'G', 'R', 'D', 0x01};

void ch_scan__t12_init(ch_scan__t12 *p, size_t max_chain)
{
	memset(p, 0, sizeof *p);
	p->max_chain = max_chain;
	p->alert = -1;
	/* one whole message plus the rest of the record that completed it */
	ch_buf_init(&p->msg, (max_chain > CH_SCAN__MSG_MAX ? max_chain : CH_SCAN__MSG_MAX) + 4 +
				     CH_SCAN__RECORD_MAX);
}

void ch_scan__t12_free(ch_scan__t12 *p)
{
	ch_buf_free(&p->msg);
	p->certs = NULL;
	p->certs_len = 0;
}

static ch_scan__t12_rc fail(ch_scan__t12 *p, ch_scan__t12_rc rc, const char *status,
			    const char *fmt, ...) CH_PRINTF(4, 5);

/* fail ends the parse with rc (FAILED or FALLBACK), the class and the detail. */
static ch_scan__t12_rc fail(ch_scan__t12 *p, ch_scan__t12_rc rc, const char *status,
			    const char *fmt, ...)
{
	va_list ap;

	snprintf(p->status, sizeof p->status, "%s", status);
	va_start(ap, fmt);
	vsnprintf(p->error, sizeof p->error, fmt, ap);
	va_end(ap);
	p->state = S_END;
	p->outcome = (uint8_t)rc;
	return rc;
}

/* ---- ServerHello -------------------------------------------------------------------------- */

/* hello_ext reads the extensions the result needs: ALPN and supported_versions. */
static ch_scan__t12_rc hello_ext(ch_scan__t12 *p, uint16_t type, ch_der *d)
{
	ch_der list, name;
	uint16_t v;

	if (type == 43) { /* supported_versions: only TLS 1.3 servers answer it */
		if (!ch_der_get_u16(d, &v) || d->len)
			return fail(p, CH_SCAN__T12_FALLBACK, "tls-error", "malformed "
				    "supported_versions");
		return fail(p, CH_SCAN__T12_FALLBACK, "tls-error", "the server selected version "
			    "%04x with supported_versions (TLS 1.3)", v);
	}
	if (type == 16) { /* ALPN: exactly one protocol name */
		if (!ch_der_get_u16_prefixed(d, &list) || d->len ||
		    !ch_der_get_u8_prefixed(&list, &name) || list.len || !name.len)
			return fail(p, CH_SCAN__T12_FALLBACK, "tls-error", "malformed ALPN answer");
		if (name.len < sizeof p->alpn) {
			memcpy(p->alpn, name.data, name.len);
			p->alpn[name.len] = '\0';
		}
	}
	return CH_SCAN__T12_MORE;
}

static ch_scan__t12_rc hello_exts(ch_scan__t12 *p, ch_der *d)
{
	ch_der exts, body;
	uint16_t type;
	ch_scan__t12_rc rc;

	if (!d->len)
		return CH_SCAN__T12_MORE; /* extensions are optional */
	if (!ch_der_get_u16_prefixed(d, &exts) || d->len)
		return fail(p, CH_SCAN__T12_FALLBACK, "tls-error", "malformed ServerHello extensions");
	while (exts.len) {
		if (!ch_der_get_u16(&exts, &type) || !ch_der_get_u16_prefixed(&exts, &body))
			return fail(p, CH_SCAN__T12_FALLBACK, "tls-error", "malformed ServerHello "
				    "extension");
		if ((rc = hello_ext(p, type, &body)) != CH_SCAN__T12_MORE)
			return rc;
	}
	return CH_SCAN__T12_MORE;
}

static ch_scan__t12_rc server_hello(ch_scan__t12 *p, ch_der d)
{
	ch_der random, sid;
	uint8_t comp;

	if (!ch_der_get_u16(&d, &p->version) || !ch_der_get_bytes(&d, &random, 32) ||
	    !ch_der_get_u8_prefixed(&d, &sid) || sid.len > 32 || !ch_der_get_u16(&d, &p->cipher) ||
	    !ch_der_get_u8(&d, &comp))
		return fail(p, CH_SCAN__T12_FALLBACK, "tls-error", "malformed ServerHello");
	if (!memcmp(random.data, hrr_random, 32))
		return fail(p, CH_SCAN__T12_FALLBACK, "tls-error", "HelloRetryRequest (TLS 1.3)");
	p->tls13_capable = !memcmp(random.data + 24, downgrade12, 8);
	if (hello_exts(p, &d) != CH_SCAN__T12_MORE)
		return CH_SCAN__T12_FALLBACK;
	if (!ch_scan__version_name(p->version))
		return fail(p, CH_SCAN__T12_FALLBACK, "tls-error", "the server chose version %04x",
			    p->version);
	if (!ch_scan__cipher_name(p->cipher))
		return fail(p, CH_SCAN__T12_FALLBACK, "tls-error", "the server chose suite %04x, "
			    "which was not offered", p->cipher);
	if (comp != 0)
		return fail(p, CH_SCAN__T12_FALLBACK, "tls-error", "the server chose compression %u",
			    comp);
	p->state = S_CERT;
	return CH_SCAN__T12_MORE;
}

/* ---- Certificate -------------------------------------------------------------------------- */

bool ch_scan__t12_next_cert(ch_der *list, ch_der *out)
{
	return ch_der_get_u24_prefixed(list, out);
}

static ch_scan__t12_rc certificate(ch_scan__t12 *p, ch_der d)
{
	ch_der list, walk, one;

	if (!ch_der_get_u24_prefixed(&d, &list) || d.len)
		return fail(p, CH_SCAN__T12_FALLBACK, "tls-error", "malformed Certificate message");
	if (!list.len)
		return fail(p, CH_SCAN__T12_FALLBACK, "tls-error", "the server sent no certificate");
	walk = list;
	while (walk.len)
		if (!ch_der_get_u24_prefixed(&walk, &one) || !one.len)
			return fail(p, CH_SCAN__T12_FALLBACK, "tls-error", "malformed certificate "
				    "list");
	p->certs = list.data;
	p->certs_len = list.len;
	p->state = S_END;
	p->outcome = CH_SCAN__T12_DONE;
	return CH_SCAN__T12_DONE;
}

/* ---- handshake messages ------------------------------------------------------------------- */

static ch_scan__t12_rc message(ch_scan__t12 *p, uint8_t type, ch_der body)
{
	if (type == HS_HELLO_REQUEST)
		return CH_SCAN__T12_MORE; /* ignored by clients (RFC 5246 7.4.1.1) */
	if (p->state == S_HELLO && type == HS_SERVER_HELLO)
		return server_hello(p, body);
	if (p->state == S_CERT && type == HS_CERTIFICATE)
		return certificate(p, body);
	return fail(p, CH_SCAN__T12_FALLBACK, "tls-error", "unexpected handshake message %u %s",
		    type, p->state == S_HELLO ? "before ServerHello" : "instead of Certificate");
}

/* consume drops the first n bytes of the message buffer. */
static void consume(ch_buf *b, size_t n)
{
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
}

/* messages handles every complete handshake message in the buffer. */
static ch_scan__t12_rc messages(ch_scan__t12 *p)
{
	while (p->msg.len >= 4) {
		const uint8_t *m = (const uint8_t *)p->msg.data;
		size_t len = (size_t)m[1] << 16 | (size_t)m[2] << 8 | m[3];
		ch_der body;
		ch_scan__t12_rc rc;

		if (m[0] == HS_CERTIFICATE && len > p->max_chain)
			return fail(p, CH_SCAN__T12_FAILED, "chain-too-large", "the Certificate "
				    "message (%zu bytes) exceeds the limit of %zu", len, p->max_chain);
		if (m[0] != HS_CERTIFICATE && len > CH_SCAN__MSG_MAX)
			return fail(p, CH_SCAN__T12_FALLBACK, "tls-error", "handshake message %u of "
				    "%zu bytes", m[0], len);
		if (p->msg.len - 4 < len)
			return CH_SCAN__T12_MORE;
		ch_der_init(&body, m + 4, len);
		rc = message(p, m[0], body);
		if (rc != CH_SCAN__T12_MORE)
			return rc;
		consume(&p->msg, 4 + len);
	}
	return CH_SCAN__T12_MORE;
}

/* ---- records ------------------------------------------------------------------------------ */

/* header checks a complete record header. The first one tells TLS from anything else exactly
 * as the OpenSSL path does (type 0x14..0x18, major version 3). */
static ch_scan__t12_rc header(ch_scan__t12 *p)
{
	const uint8_t *h = p->hdr;
	bool tls = h[0] >= REC_CCS && h[0] <= REC_HEARTBEAT && h[1] == 3;

	if (!tls && p->num_records == 0)
		return fail(p, CH_SCAN__T12_FAILED, "not-tls", "the server's first bytes are not a "
			    "TLS record (%02x %02x ...)", h[0], h[1]);
	p->num_records++;
	p->rec_left = (size_t)h[3] << 8 | h[4];
	if (!tls || p->rec_left > CH_SCAN__RECORD_MAX)
		return fail(p, CH_SCAN__T12_FALLBACK, "tls-error", "bad record header %02x %02x%02x "
			    "length %zu", h[0], h[1], h[2], p->rec_left);
	if (h[0] != REC_HANDSHAKE && h[0] != REC_ALERT)
		return fail(p, CH_SCAN__T12_FALLBACK, "tls-error", "unexpected record type %u before "
			    "the certificate", h[0]);
	if (h[0] == REC_ALERT && p->rec_left != 2)
		return fail(p, CH_SCAN__T12_FALLBACK, "tls-error", "alert record of %zu bytes",
			    p->rec_left);
	p->alert_len = 0;
	return CH_SCAN__T12_MORE;
}

/* alert judges a complete alert: warnings other than close_notify are ignored (as OpenSSL's
 * client does); the alerts a richer client might avoid send the probe to OpenSSL. */
static ch_scan__t12_rc alert(ch_scan__t12 *p)
{
	uint8_t level = p->alert_buf[0], code = p->alert_buf[1];
	char cls[64];

	if (level == 1 && code != 0)
		return CH_SCAN__T12_MORE;
	p->alert = code;
	switch (code) {
	case 40: /* handshake_failure */
	case 47: /* illegal_parameter */
	case 50: /* decode_error */
	case 70: /* protocol_version */
	case 71: /* insufficient_security */
	case 80: /* internal_error */
		return fail(p, CH_SCAN__T12_FALLBACK, "tls-error", "the server sent alert %u to the "
			    "TLS 1.2 hello", code);
	default:
		ch_scan__alert_class(cls, sizeof cls, code);
		return fail(p, CH_SCAN__T12_FAILED, cls, "the server sent alert %u (%s)", code,
			    SSL_alert_desc_string_long(code));
	}
}

/* body takes bytes of the current record body. */
static ch_scan__t12_rc body(ch_scan__t12 *p, const uint8_t *data, size_t n)
{
	p->rec_left -= n;
	if (p->hdr[0] == REC_ALERT) {
		memcpy(p->alert_buf + p->alert_len, data, n);
		p->alert_len += (uint8_t)n;
		return p->alert_len == 2 ? alert(p) : CH_SCAN__T12_MORE;
	}
	if (ch_buf_append(&p->msg, data, n) != CH_OK) {
		ch_error_clear();
		return fail(p, CH_SCAN__T12_FALLBACK, "tls-error", "handshake data beyond the limit");
	}
	return messages(p);
}

ch_scan__t12_rc ch_scan__t12_feed(ch_scan__t12 *p, const uint8_t *data, size_t len)
{
	ch_scan__t12_rc rc = CH_SCAN__T12_MORE;

	if (p->state == S_END)
		return (ch_scan__t12_rc)p->outcome;
	p->total += len;
	if (p->total > p->max_chain + CH_SCAN__MSG_MAX + 4 * CH_SCAN__RECORD_MAX)
		return fail(p, CH_SCAN__T12_FALLBACK, "tls-error", "%zu bytes without a complete "
			    "certificate", p->total);
	while (len && rc == CH_SCAN__T12_MORE) {
		size_t n;
		if (p->hdr_len < 5) {
			p->hdr[p->hdr_len++] = *data++;
			len--;
			if (p->hdr_len == 5)
				rc = header(p);
			continue;
		}
		n = len < p->rec_left ? len : p->rec_left;
		rc = body(p, data, n);
		data += n;
		len -= n;
		if (p->rec_left == 0 && rc == CH_SCAN__T12_MORE)
			p->hdr_len = 0;
	}
	return rc;
}
