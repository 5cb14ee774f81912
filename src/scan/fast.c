/* scan certificate fetch: one connection's TLS 1.2 cert-only exchange on a connected socket —
 * send the hand-written ClientHello (tls12_hello.c), read the server's first flight into the
 * parser (tls12_parse.c) until the Certificate message is complete, then close (with RST, like
 * every scan connection). No OpenSSL state exists for such a connection: while it waits it costs
 * the conn and this small struct, and the reads go through the loop's one scratch buffer.
 *
 * What the parser cannot judge (TLS 1.3 only, handshake_failure, a malformed answer, a peer
 * that drops the hello without a word) goes back to the engine, which connects again through
 * OpenSSL, so a result is the one the OpenSSL path would give. */
#include "engine.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* ch_scan__fast_wanted: --cert-only, not yet handed to OpenSSL, and no STARTTLS dialogue first
 * (those sockets were registered level-triggered; the fetch switches them when it starts). */
bool ch_scan__fast_wanted(const conn *c)
{
	return ch_scan__eng_fast(c->e) && !c->slow && c->proto == CH_SCAN_STARTTLS_NONE;
}

struct ch_scan__fast {
	ch_scan__t12 p;
	uint8_t *rest;      /* the part of the ClientHello not sent yet, NULL once all is sent */
	size_t rest_len;
	size_t received;    /* bytes the server sent */
};

/* ch_scan__fast_free releases the fetch's state of c (conn_close calls it). */
void ch_scan__fast_free(conn *c)
{
	if (!c->fast)
		return;
	ch_scan__t12_free(&c->fast->p);
	free(c->fast->rest);
	free(c->fast);
	c->fast = NULL;
}

/* lost ends on a closed or failed socket: before any answer it may be this hello the peer did
 * not like, so OpenSSL tries; after one, it is the class given. */
static void lost(conn *c, const char *status, const char *detail)
{
	if (!c->fast->received) {
		ch_scan__eng_fallback(c->e, c);
		return;
	}
	ch_scan__conn_status(c, status, "handshake", "%s", detail);
	ch_scan__eng_finish(c->e, c);
}

/* done takes the certificate list and the negotiated parameters. */
static void done(conn *c)
{
	ch_scan__t12 *p = &c->fast->p;
	ch_der list, one;

	ch_der_init(&list, p->certs, p->certs_len);
	while (c->num_chain < CH_SCAN_MAX_CHAIN_CERTS && ch_scan__t12_next_cert(&list, &one)) {
		if (ch_buf_append(&c->chain, one.data, one.len) != CH_OK) {
			ch_error_clear();
			break;
		}
		c->chain_len[c->num_chain++] = one.len;
	}
	c->got_chain = true;
	c->tls_version = ch_scan__version_name(p->version);
	c->cipher = ch_scan__cipher_name(p->cipher);
	memcpy(c->alpn, p->alpn, sizeof c->alpn);
	c->handshake_ms = ch_scan__ms_since(c->connected_ns);
	ch_scan__conn_status(c, "ok", "done", "%s", "");
	ch_scan__eng_finish(c->e, c);
}

/* outcome ends the probe as the parser decided: a chain, a result class, or OpenSSL's turn. */
static void outcome(conn *c, ch_scan__t12_rc rc)
{
	ch_scan__t12 *p = &c->fast->p;

	if (rc == CH_SCAN__T12_DONE) {
		done(c);
	} else if (rc == CH_SCAN__T12_FALLBACK) {
		ch_scan__eng_fallback(c->e, c);
	} else {
		c->alert_recv = p->alert;
		ch_scan__conn_status(c, p->status, "handshake", "%s", p->error);
		ch_scan__eng_finish(c->e, c);
	}
}

enum { SENT, WAITING, ENDED };

/* flush writes what is left of the hello: SENT, WAITING (for the socket to take more) or ENDED
 * (the probe finished or went back to the engine: c must not be touched). */
static int flush(conn *c)
{
	struct ch_scan__fast *f = c->fast;
	ssize_t n;

	while (f->rest) {
		n = send(c->fd, f->rest, f->rest_len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (ch_scan__conn_want(c, CH_SCAN__FAST_EV))
				return WAITING;
			ch_scan__eng_finish(c->e, c);
			return ENDED;
		}
		if (n < 0) {
			lost(c, ch_scan__errno_class(errno), strerror(errno));
			return ENDED;
		}
		f->rest_len -= (size_t)n;
		memmove(f->rest, f->rest + n, f->rest_len);
		if (!f->rest_len) {
			free(f->rest);
			f->rest = NULL;
		}
	}
	return SENT;
}

/* start_fetch allocates the state and the hello; false when out of memory. */
static bool start_fetch(conn *c)
{
	uint8_t rnd[32];
	const uint8_t *alpn;
	size_t alpn_len;
	struct ch_scan__fast *f = calloc(1, sizeof *f);

	if (!f || !(f->rest = malloc(CH_SCAN__HELLO_MAX))) {
		free(f);
		ch_scan__conn_status(c, "local-error", "handshake", "out of memory");
		return false;
	}
	c->fast = f;
	ch_scan__t12_init(&f->p, ch_scan__eng_max_chain(c->e));
	alpn = ch_scan__eng_alpn(c->e, &alpn_len);
	ch_scan__eng_random(c->e, rnd);
	f->rest_len = ch_scan__hello_write(f->rest, CH_SCAN__HELLO_MAX, c->sni, alpn, alpn_len, rnd);
	if (!f->rest_len) {
		ch_scan__conn_status(c, "local-error", "handshake", "the ClientHello does not fit");
		return false;
	}
	return true;
}

void ch_scan__fast_begin(conn *c)
{
	c->state = C_FAST;
	c->phase = "handshake";
	if (!start_fetch(c)) {
		ch_scan__eng_finish(c->e, c);
		return;
	}
	/* after STARTTLS the socket is still level-triggered: one change, then none */
	if (!ch_scan__conn_want(c, CH_SCAN__FAST_EV)) {
		ch_scan__eng_finish(c->e, c);
		return;
	}
	(void)flush(c);
}

/* ch_scan__fast_step sends what is left of the hello, then reads until the socket is drained
 * (edge-triggered) or the parser has an outcome; the parser's byte bound ends a peer that never
 * stops sending. */
void ch_scan__fast_step(conn *c)
{
	size_t cap;
	uint8_t *buf = ch_scan__eng_scratch(c->e, &cap);

	if (c->fast->rest && flush(c) != SENT)
		return;
	for (;;) {
		ssize_t n = recv(c->fd, buf, cap, 0);
		ch_scan__t12_rc rc;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0) {
			lost(c, ch_scan__errno_class(errno), strerror(errno));
			return;
		}
		if (n == 0) {
			lost(c, "closed", "the server closed the connection");
			return;
		}
		c->fast->received += (size_t)n;
		rc = ch_scan__t12_feed(&c->fast->p, buf, (size_t)n);
		if (rc != CH_SCAN__T12_MORE) {
			outcome(c, rc);
			return;
		}
	}
}
