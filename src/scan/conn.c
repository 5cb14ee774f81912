/* scan connection: one probe's state machine — non-blocking connect, the STARTTLS dialogue, the
 * TLS handshake with OpenSSL in non-blocking mode — and the precise class of how it ended.
 *
 * The chain is taken in the certificate-verify callback, which OpenSSL calls as soon as the
 * server's Certificate message is read: that is the chain exactly as sent (leaf first), it skips
 * OpenSSL's own path building (we collect, we do not trust), and in cert-only mode returning 0
 * there ends the handshake without the rest of the key exchange. */
#include "engine.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/x509.h>

/* ch_scan__ms_since returns the milliseconds since from_ns (ch_monotonic_ns). */
double ch_scan__ms_since(uint64_t from_ns)
{
	return (double)(ch_monotonic_ns() - from_ns) / 1e6;
}

/* ch_scan__conn_status records how the connection ended: class, phase and detail. */
void ch_scan__conn_status(conn *c, const char *status, const char *phase, const char *fmt, ...)
{
	va_list ap;

	snprintf(c->status, sizeof c->status, "%s", status);
	c->phase = phase;
	c->ok = !strcmp(status, "ok");
	va_start(ap, fmt);
	vsnprintf(c->error, sizeof c->error, fmt, ap);
	va_end(ap);
}

/* ch_scan__conn_want sets the poll interest of the connection's socket. */
bool ch_scan__conn_want(conn *c, unsigned ev)
{
	if (c->registered && c->interest == ev)
		return true;
	if (ch_scan__poll_set(ch_scan__eng_poll(c->e), c->fd, ev, ch_scan__eng_slot(c->e, c->fd),
			      c->registered) != CH_OK) {
		ch_scan__conn_status(c, "local-error", c->phase ? c->phase : "connect", "%s", ch_error_last());
		return false;
	}
	c->registered = true;
	c->interest = ev;
	return true;
}

/* ch_scan__errno_class maps a socket errno to a result class. */
const char *ch_scan__errno_class(int e)
{
	switch (e) {
	case ECONNREFUSED: return "refused";
	case ETIMEDOUT: return "timeout";
	case ECONNRESET: case EPIPE: return "reset";
	case ENETUNREACH: case EHOSTUNREACH: case ENETDOWN: case EHOSTDOWN: case EADDRNOTAVAIL:
		return "unreachable";
	default: return "net-error";
	}
}

/* first_bytes records the first bytes the server sent, to tell "not TLS" apart precisely. */
static long first_bytes(BIO *b, int oper, const char *argp, size_t len, int argi, long argl,
			int ret, size_t *processed)
{
	conn *c = (conn *)BIO_get_callback_arg(b);

	(void)len; (void)argi; (void)argl;
	if (oper == (BIO_CB_READ | BIO_CB_RETURN) && ret > 0 && processed && c &&
	    c->first_len < sizeof c->first) {
		size_t n = *processed, room = sizeof c->first - c->first_len;
		memcpy(c->first + c->first_len, argp, n < room ? n : room);
		c->first_len += n < room ? n : room;
	}
	return ret;
}

/* new_socket makes the connection's socket: a spare one of the fetch when it can (already
 * closing with RST and registered; its registration only needs the new conn), else a new one. */
static int new_socket(conn *c, bool fast)
{
	int one = 1;
	struct linger lg = {1, 0};

	c->fd = fast ? ch_scan__eng_spare_take(c->e, c->addr.family) : -1;
	if (c->fd >= 0) {
		c->registered = true; /* as the fetch registers: nothing to change */
		c->interest = CH_SCAN__FAST_EV;
		*ch_scan__eng_slot(c->e, c->fd) = c;
		return 0;
	}
	c->fd = socket(c->addr.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return errno;
	if (!ch_scan__eng_slot(c->e, c->fd)) {
		close(c->fd);
		c->fd = -1;
		return EMFILE;
	}
	*ch_scan__eng_slot(c->e, c->fd) = c;
	/* the fetch writes one hello and reads: Nagle never delays it */
	if (!fast)
		(void)setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	/* close with RST: no TIME_WAIT pile-up on the scanner, whatever the scan size */
	(void)setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
	/* the fetch sends its hello as soon as the connect completes: Linux then lets the hello
	 * carry the handshake's last ACK when the socket has TCP_DEFER_ACCEPT (tcp_input.c, "Save
	 * one ACK"; it survives the reset of a spare). Against nginx: 8 -> 6 segments per probe. */
	if (fast)
		(void)setsockopt(c->fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &one, sizeof one);
	return 0;
}

ch_err ch_scan__conn_start(conn *c)
{
	struct sockaddr_storage ss;
	socklen_t sl = ch_scan__addr_sockaddr(&ss, &c->addr, c->port);
	bool fast = ch_scan__fast_wanted(c);
	int e;

	c->phase = "connect";
	if ((e = new_socket(c, fast)) != 0) {
		if (e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM)
			return ch_error_set(CH_ERR_NET, "socket: %s", strerror(e));
		ch_scan__conn_status(c, ch_scan__errno_class(e), "connect", "socket: %s", strerror(e));
		ch_scan__eng_finish(c->e, c);
		return CH_OK;
	}
	c->state = C_CONNECT;
	if (connect(c->fd, (struct sockaddr *)&ss, sl) != 0 && errno != EINPROGRESS) {
		e = errno;
		ch_scan__conn_status(c, ch_scan__errno_class(e), "connect", "connect: %s", strerror(e));
		ch_scan__eng_finish(c->e, c);
		return CH_OK;
	}
	if (!ch_scan__conn_want(c, fast ? CH_SCAN__FAST_EV : CH_SCAN__EV_WRITE))
		ch_scan__eng_finish(c->e, c);
	return CH_OK;
}

void ch_scan__conn_close(conn *c)
{
	conn **slot = c->fd >= 0 ? ch_scan__eng_slot(c->e, c->fd) : NULL;

	if (c->ssl) {
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (slot)
		*slot = NULL;
	/* a connected socket of the fetch is kept as a spare (reset, registered edge-triggered);
	 * closing a socket also ends its epoll registration (it is never duplicated) */
	if (c->fd >= 0 && !(c->state == C_FAST && c->registered &&
			     c->interest == CH_SCAN__FAST_EV &&
			     ch_scan__eng_spare_put(c->e, c->fd, c->addr.family)))
		close(c->fd);
	c->fd = -1;
	ch_scan__fast_free(c);
	c->registered = false;
	c->interest = 0;
	free(c->st);
	c->st = NULL;
}

/* tls_begin creates the TLS state on the connected socket and starts the handshake. */
static void tls_step(conn *c);

static void tls_begin(conn *c)
{
	if (ch_scan__eng_fast(c->e) && !c->slow) {
		ch_scan__fast_begin(c);
		return;
	}
	c->state = C_TLS;
	c->phase = "handshake";
	c->ssl = SSL_new(ch_scan__eng_ctx(c->e));
	if (!c->ssl || !SSL_set_fd(c->ssl, c->fd)) {
		ch_scan__conn_status(c, "local-error", "handshake", "SSL_new failed");
		ch_scan__eng_finish(c->e, c);
		return;
	}
	SSL_set_app_data(c->ssl, c);
	SSL_set_connect_state(c->ssl);
	if (c->sni[0])
		(void)SSL_set_tlsext_host_name(c->ssl, c->sni);
	BIO_set_callback_ex(SSL_get_rbio(c->ssl), first_bytes);
	BIO_set_callback_arg(SSL_get_rbio(c->ssl), (char *)c);
	tls_step(c);
}

/* on_connected follows a connect that ended: writable without an error event means connected;
 * only an error event needs SO_ERROR to say which. */
static void on_connected(conn *c, unsigned ev)
{
	int err = 0;
	socklen_t el = sizeof err;

	if ((ev & CH_SCAN__EV_ERROR) && getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0)
		err = errno;
	if ((ev & CH_SCAN__EV_ERROR) && !err)
		err = ECONNRESET;
	if (err) {
		ch_scan__conn_status(c, ch_scan__errno_class(err), "connect", "connect: %s", strerror(err));
		ch_scan__eng_finish(c->e, c);
		return;
	}
	c->connect_ms = ch_scan__ms_since(c->start_ns);
	c->connected_ns = ch_monotonic_ns();
	ch_scan__eng_connected(c->e, c);
	if (c->proto != CH_SCAN_STARTTLS_NONE) {
		c->st = malloc(sizeof *c->st);
		if (!c->st) {
			ch_scan__conn_status(c, "local-error", "starttls", "out of memory");
			ch_scan__eng_finish(c->e, c);
			return;
		}
		ch_scan__starttls_start(c->st, c->proto);
		c->state = C_STARTTLS;
		c->phase = "starttls";
		if (ch_scan__conn_want(c, CH_SCAN__EV_READ))
			return;
		ch_scan__eng_finish(c->e, c);
		return;
	}
	tls_begin(c);
}

static void starttls_step(conn *c)
{
	char msg[200] = "";

	switch (ch_scan__starttls_step(c->st, c->fd, msg, sizeof msg)) {
	case CH_SCAN__ST_WANT_READ:
		if (!ch_scan__conn_want(c, CH_SCAN__EV_READ))
			break;
		return;
	case CH_SCAN__ST_WANT_WRITE:
		if (!ch_scan__conn_want(c, CH_SCAN__EV_WRITE))
			break;
		return;
	case CH_SCAN__ST_DONE:
		free(c->st);
		c->st = NULL;
		tls_begin(c);
		return;
	case CH_SCAN__ST_CLOSED:
		ch_scan__conn_status(c, "closed", "starttls", "%s", msg);
		break;
	case CH_SCAN__ST_RESET:
		ch_scan__conn_status(c, "reset", "starttls", "%s", msg);
		break;
	default:
		ch_scan__conn_status(c, "starttls-failed", "starttls", "%s", msg);
		break;
	}
	ch_scan__eng_finish(c->e, c);
}

/* looks_tls: does the server's first record header look like TLS (or SSL 3)? */
static bool looks_tls(const conn *c)
{
	if (c->first_len == 0)
		return true; /* nothing read: not our call */
	if (c->first[0] < 0x14 || c->first[0] > 0x18)
		return false;
	return c->first_len < 2 || c->first[1] == 0x03;
}

/* classify sets the status of a failed handshake. */
static void classify(conn *c, int se, int saved_errno)
{
	unsigned long e = ERR_peek_error();
	char buf[200];

	if (c->got_chain && ch_scan__eng_cert_only(c->e)) {
		ch_scan__conn_status(c, "ok", "done", "%s", "");
	} else if (!looks_tls(c)) {
		ch_scan__conn_status(c, "not-tls", "handshake", "the server's first bytes are not a TLS record "
			   "(%02x %02x ...)", c->first[0], c->first_len > 1 ? c->first[1] : 0);
	} else if (c->alert_recv >= 0) {
		char cls[64];
		ch_scan__alert_class(cls, sizeof cls, c->alert_recv);
		ch_scan__conn_status(c, cls, "handshake", "the server sent alert %d (%s)", c->alert_recv,
			   SSL_alert_desc_string_long(c->alert_recv));
	} else if (se == SSL_ERROR_SYSCALL && saved_errno && saved_errno != EAGAIN) {
		ch_scan__conn_status(c, ch_scan__errno_class(saved_errno), "handshake", "%s", strerror(saved_errno));
	} else if (se == SSL_ERROR_SYSCALL || se == SSL_ERROR_ZERO_RETURN ||
		   (ERR_GET_LIB(e) == ERR_LIB_SSL &&
		    ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING)) {
		ch_scan__conn_status(c, "closed", "handshake", "the server closed the connection");
	} else if (ERR_GET_LIB(e) == ERR_LIB_SSL &&
		   ERR_GET_REASON(e) == SSL_R_EXCESSIVE_MESSAGE_SIZE) {
		ch_scan__conn_status(c, "chain-too-large", "handshake", "a handshake message exceeded the "
			   "certificate-list limit");
	} else if (ERR_GET_LIB(e) == ERR_LIB_ASN1 || ERR_GET_LIB(e) == ERR_LIB_X509 ||
		   (ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_GET_REASON(e) == ERR_R_ASN1_LIB)) {
		ERR_error_string_n(e, buf, sizeof buf);
		ch_scan__conn_status(c, "cert-unparseable", "handshake", "%s", buf);
	} else {
		ERR_error_string_n(e, buf, sizeof buf);
		ch_scan__conn_status(c, "tls-error", "handshake", "%s", e ? buf : "handshake failed");
	}
	ERR_clear_error();
}

static void tls_step(conn *c)
{
	int r, se, saved;

	ERR_clear_error();
	errno = 0;
	r = SSL_do_handshake(c->ssl);
	saved = errno;
	if (r == 1) {
		c->handshake_ms = ch_scan__ms_since(c->connected_ns);
		c->tls_version = SSL_get_version(c->ssl);
		c->cipher = SSL_get_cipher_name(c->ssl);
		if (!c->alpn[0]) {
			const unsigned char *a = NULL;
			unsigned al = 0;
			SSL_get0_alpn_selected(c->ssl, &a, &al);
			if (al && al < sizeof c->alpn) {
				memcpy(c->alpn, a, al);
				c->alpn[al] = '\0';
			}
		}
		ch_scan__conn_status(c, "ok", "done", "%s", "");
		ch_scan__eng_finish(c->e, c);
		return;
	}
	se = SSL_get_error(c->ssl, r);
	if (se == SSL_ERROR_WANT_READ) {
		if (ch_scan__conn_want(c, CH_SCAN__EV_READ))
			return;
	} else if (se == SSL_ERROR_WANT_WRITE) {
		if (ch_scan__conn_want(c, CH_SCAN__EV_WRITE))
			return;
	} else {
		classify(c, se, saved);
		if (c->ok)
			c->handshake_ms = ch_scan__ms_since(c->connected_ns);
	}
	ch_scan__eng_finish(c->e, c);
}

void ch_scan__conn_event(conn *c, unsigned ev)
{
	switch (c->state) {
	case C_CONNECT:
		on_connected(c, ev);
		break;
	case C_STARTTLS:
		starttls_step(c);
		break;
	case C_TLS:
		tls_step(c);
		break;
	case C_FAST:
		ch_scan__fast_step(c);
		break;
	default:
		break;
	}
}

void ch_scan__conn_timeout(conn *c, const char *phase)
{
	ch_scan__conn_status(c, "timeout", phase, "no answer within the %s timeout", phase);
	ch_scan__eng_finish(c->e, c);
}

/* ch_scan__verify_cb copies the chain as sent; see the file comment. */
int ch_scan__verify_cb(X509_STORE_CTX *x, void *arg)
{
	SSL *ssl = X509_STORE_CTX_get_ex_data(x, SSL_get_ex_data_X509_STORE_CTX_idx());
	conn *c = ssl ? SSL_get_app_data(ssl) : NULL;
	STACK_OF(X509) *sk = X509_STORE_CTX_get0_untrusted(x);
	const unsigned char *alpn = NULL;
	unsigned alpn_len = 0;
	int n;

	(void)arg;
	if (!c)
		return 0;
	n = sk ? sk_X509_num(sk) : 0;
	for (int i = 0; i < n && c->num_chain < CH_SCAN_MAX_CHAIN_CERTS; i++) {
		X509 *cert = sk_X509_value(sk, i);
		int len = i2d_X509(cert, NULL);
		unsigned char *p;
		if (len <= 0 || ch_buf_reserve(&c->chain, (size_t)len) != CH_OK)
			break;
		p = (unsigned char *)c->chain.data + c->chain.len;
		if (i2d_X509(cert, &p) != len)
			break;
		c->chain.len += (size_t)len;
		c->chain_len[c->num_chain++] = (size_t)len;
	}
	c->got_chain = true;
	c->tls_version = SSL_get_version(ssl);
	c->cipher = SSL_get_cipher_name(ssl);
	SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
	if (alpn_len && alpn_len < sizeof c->alpn) {
		memcpy(c->alpn, alpn, alpn_len);
		c->alpn[alpn_len] = '\0';
	}
	return ch_scan__eng_cert_only(c->e) ? 0 : 1;
}

/* ch_scan__info_cb notes alerts read from and written to the server. */
void ch_scan__info_cb(const SSL *ssl, int where, int ret)
{
	conn *c;

	if (!(where & SSL_CB_ALERT))
		return;
	c = SSL_get_app_data(ssl);
	if (!c)
		return;
	if (where & SSL_CB_READ)
		c->alert_recv = ret & 0xff;
	else
		c->alert_sent = ret & 0xff;
}
