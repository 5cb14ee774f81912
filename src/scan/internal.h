/* scan internals: addresses and the scope iterator (targets.c), the poller (poll_epoll.c), the
 * resolver pool (resolve.c), STARTTLS dialogues (starttls.c) and TLS details (tls.c). */
#ifndef CH_SCAN_INTERNAL_H
#define CH_SCAN_INTERNAL_H

#include <certhound/buf.h>
#include <certhound/der.h>
#include <certhound/scan.h>

#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>

#include <openssl/ssl.h>

/* ---- addresses ---------------------------------------------------------------------------- */

typedef struct ch_scan__addr {
	int family;     /* AF_INET or AF_INET6; 0 = none */
	uint8_t b[16];  /* network order; 4 bytes used for AF_INET */
} ch_scan__addr;

/* ch_scan__addr_text writes the address (IPv6 RFC 5952) into out (>= INET6_ADDRSTRLEN). */
void ch_scan__addr_text(char *out, size_t cap, const ch_scan__addr *a);

/* ch_scan__addr_sockaddr fills a sockaddr for a, port; returns its length. */
socklen_t ch_scan__addr_sockaddr(struct sockaddr_storage *ss, const ch_scan__addr *a, int port);

/* ch_scan__addr_hash returns a 64-bit hash of the address. */
uint64_t ch_scan__addr_hash(const ch_scan__addr *a);

/* ---- scope iteration ---------------------------------------------------------------------- */

/* One target host produced by the iterator. */
typedef struct ch_scan__target {
	uint64_t index;               /* position in the scope */
	char name[256];               /* host name, "" for an address */
	ch_scan__addr addr;           /* the address when name is "" */
	int port;                     /* the spec's port, 0 = the scan's ports */
	char text[300];               /* the target as printed ("example.com", "10.0.0.1") */
} ch_scan__target;

/* ch_scan__iter_begin restarts iteration of t at the first target. */
ch_err ch_scan__iter_begin(ch_scan_targets *t);

/* ch_scan__iter_next produces the next target in *out: CH_OK, CH_ERR_EOF at the end, or an I/O
 * error (a target file that vanished). Literal addresses that are excluded are produced with
 * *out_excluded = true so that the caller can count them. */
ch_err ch_scan__iter_next(ch_scan_targets *t, ch_scan__target *out, bool *out_excluded);

/* ch_scan__excluded_addr / _name: is the address / name excluded? */
bool ch_scan__excluded_addr(const ch_scan_targets *t, const ch_scan__addr *a);
bool ch_scan__excluded_name(const ch_scan_targets *t, const char *name);

/* ch_scan__pinned collects the addresses pinned to name (ch_scan_targets_resolve) into out;
 * returns how many (0 = ask DNS). */
size_t ch_scan__pinned(const ch_scan_targets *t, const char *name, ch_scan__addr *out, size_t cap);

/* ---- the poller (Redis ae style: the backend in its own file) ----------------------------- */

#define CH_SCAN__EV_READ 0x1u
#define CH_SCAN__EV_WRITE 0x2u
#define CH_SCAN__EV_ERROR 0x4u  /* EPOLLERR / EPOLLHUP */
#define CH_SCAN__EV_EDGE 0x8u   /* interest only: report changes, not states (EPOLLET) */

typedef struct ch_scan__poll ch_scan__poll;

typedef struct ch_scan__event {
	void *data;
	unsigned events;
} ch_scan__event;

ch_err ch_scan__poll_new(ch_scan__poll **out, size_t max_events);
void ch_scan__poll_free(ch_scan__poll *p);
/* ch_scan__poll_set adds fd (or changes its interest) with events CH_SCAN__EV_*; 0 = none. */
ch_err ch_scan__poll_set(ch_scan__poll *p, int fd, unsigned events, void *data, bool added);
void ch_scan__poll_del(ch_scan__poll *p, int fd);
/* ch_scan__poll_wait waits up to timeout_ms and returns the ready events (owned by p) in
 * *out / *out_n. */
ch_err ch_scan__poll_wait(ch_scan__poll *p, ch_scan__event **out, size_t *out_n, int timeout_ms);

/* ---- the resolver pool -------------------------------------------------------------------- */

typedef struct ch_scan__resolver ch_scan__resolver;

typedef struct ch_scan__answer {
	uint64_t cookie;                        /* the caller's */
	int gai_error;                          /* 0 or an EAI_* code */
	ch_scan__addr addrs[CH_SCAN_MAX_ADDRS];
	size_t num_addrs;
} ch_scan__answer;

/* ch_scan__resolver_new starts `threads` resolver threads; *out_fd is an eventfd readable when
 * answers wait. family 0/4/6 restricts answers; all_addrs keeps up to CH_SCAN_MAX_ADDRS (else
 * the first of each family). */
ch_err ch_scan__resolver_new(ch_scan__resolver **out, int *out_fd, unsigned threads, int family,
			     bool all_addrs);
/* ch_scan__resolver_free stops the threads (waiting for a lookup in progress) and frees. */
void ch_scan__resolver_free(ch_scan__resolver *r);
/* ch_scan__resolver_submit queues a lookup of `name`. */
ch_err ch_scan__resolver_submit(ch_scan__resolver *r, const char *name, uint64_t cookie);
/* ch_scan__resolver_take moves up to `cap` ready answers into out; returns how many. */
size_t ch_scan__resolver_take(ch_scan__resolver *r, ch_scan__answer *out, size_t cap);

/* ---- STARTTLS ----------------------------------------------------------------------------- */

#define CH_SCAN__LINE_MAX 1024      /* one protocol line */
#define CH_SCAN__DIALOGUE_MAX 16384 /* everything read before TLS starts */

typedef struct ch_scan__starttls {
	ch_scan_starttls proto;
	int step;                   /* index in the protocol's steps */
	bool sending;               /* the step's command is being written */
	size_t sent;                /* bytes of the command written */
	char line[CH_SCAN__LINE_MAX];
	size_t line_len;
	size_t total_read;
} ch_scan__starttls;

typedef enum ch_scan__st_rc {
	CH_SCAN__ST_WANT_READ,
	CH_SCAN__ST_WANT_WRITE,
	CH_SCAN__ST_DONE,           /* the server agreed: start TLS */
	CH_SCAN__ST_FAILED,         /* refused or malformed: detail in msg */
	CH_SCAN__ST_CLOSED,         /* peer closed */
	CH_SCAN__ST_RESET,          /* peer reset */
} ch_scan__st_rc;

/* ch_scan__starttls_for_port returns the protocol AUTO picks for a port. */
ch_scan_starttls ch_scan__starttls_for_port(int port);

/* ch_scan__starttls_start prepares the dialogue of `proto` (never NONE/AUTO). */
void ch_scan__starttls_start(ch_scan__starttls *st, ch_scan_starttls proto);

/* ch_scan__starttls_step advances the dialogue on non-blocking socket fd as far as it can
 * without blocking. msg (cap bytes) receives the detail on failure. */
ch_scan__st_rc ch_scan__starttls_step(ch_scan__starttls *st, int fd, char *msg, size_t cap);

/* ---- certificates known to decode (known.c) ------------------------------------------------ */

/* The last few certificates that certhound's decoder accepted, so that a result does not decode
 * the same intermediate (or, against one server, the same leaf) again only to learn it decodes.
 * Bounded: CH_SCAN__KNOWN entries of at most CH_SCAN__KNOWN_DER bytes each. */
#define CH_SCAN__KNOWN 16
#define CH_SCAN__KNOWN_DER 8192

typedef struct ch_scan__known {
	uint8_t *der[CH_SCAN__KNOWN];
	size_t len[CH_SCAN__KNOWN];
	size_t next;                /* the slot replaced next */
} ch_scan__known;

/* ch_scan__known_has: was this exact DER recorded? */
bool ch_scan__known_has(const ch_scan__known *k, const uint8_t *der, size_t len);

/* ch_scan__known_add records a DER that decoded (a copy; skipped when too long or out of
 * memory). */
void ch_scan__known_add(ch_scan__known *k, const uint8_t *der, size_t len);

/* ch_scan__known_free releases the copies; the zeroed struct is empty. */
void ch_scan__known_free(ch_scan__known *k);

/* ---- TLS ---------------------------------------------------------------------------------- */

/* ch_scan__tls_ctx_new makes the client context: every protocol version OpenSSL offers, security
 * level 0 (old servers still answer), no verification (we collect, not trust), the ALPN offer,
 * the certificate-list limit, no session cache. */
ch_err ch_scan__tls_ctx_new(SSL_CTX **out, const ch_scan_opts *opts);

/* ch_scan__alpn_wire turns "h2,http/1.1" into ALPN wire format in out; returns its length, 0 when
 * the list is empty or malformed (an empty name, a name over 255 bytes, no room). */
size_t ch_scan__alpn_wire(unsigned char *out, size_t cap, const char *list);

/* ---- the TLS 1.2 certificate fetch (tls12_hello.c, tls12_parse.c; used by fast.c) ---------
 *
 * --cert-only does not need a TLS session, only the server's first flight: ServerHello and
 * Certificate travel in the clear up to TLS 1.2. So the scanner writes its own ClientHello (TLS
 * 1.2 at most, no supported_versions extension) and reads the answer with a small record and
 * handshake parser: no key exchange, no OpenSSL certificate parsing, no per-connection OpenSSL
 * state. What this path cannot answer with certainty (TLS 1.3 only, handshake_failure, a
 * malformed answer) is handed back to the OpenSSL path. */

#define CH_SCAN__HELLO_MAX 1024     /* the ClientHello record we write is smaller */
#define CH_SCAN__RECORD_MAX 18432   /* 2^14 + 2048: the largest record body accepted */
#define CH_SCAN__MSG_MAX 65536      /* the largest handshake message other than Certificate */

/* ch_scan__hello_write writes one ClientHello record into out: record version TLS 1.0, client
 * version TLS 1.2, random (32 bytes, the caller's), no session id, the suites below, and the
 * extensions server_name (when sni is not ""), supported_groups, ec_point_formats,
 * signature_algorithms, ALPN (when alpn_len > 0, wire format), extended_master_secret and the
 * padding that keeps the hello out of 256..511 bytes. Returns the length, 0 if cap is too
 * small or sni is longer than 255 bytes. */
size_t ch_scan__hello_write(uint8_t *out, size_t cap, const char *sni, const uint8_t *alpn,
			    size_t alpn_len, const uint8_t random[32]);

/* ch_scan__cipher_name returns OpenSSL's name of a suite the ClientHello offers, NULL for a suite
 * it does not offer. ch_scan__cipher_at enumerates the offer (NULL id past the end). */
const char *ch_scan__cipher_name(uint16_t id);
const char *ch_scan__cipher_at(size_t i, uint16_t *out_id);

/* ch_scan__version_name returns OpenSSL's name of a protocol version ("TLSv1.2", "TLSv1.1",
 * "TLSv1", "SSLv3"), NULL for another value. */
const char *ch_scan__version_name(uint16_t version);

typedef enum ch_scan__t12_rc {
	CH_SCAN__T12_MORE,          /* give more bytes */
	CH_SCAN__T12_DONE,          /* the Certificate message is complete (results below) */
	CH_SCAN__T12_FAILED,        /* a definite outcome: status and error set */
	CH_SCAN__T12_FALLBACK,      /* this path cannot tell (TLS 1.3, handshake_failure, a malformed
	                               answer): ask OpenSSL; error says why */
} ch_scan__t12_rc;

/* The parser of the server's first flight. Bytes come in any split (records across reads,
 * handshake messages across records, several messages in one record); only the handshake
 * message being assembled is buffered, at most max_chain bytes for Certificate and
 * CH_SCAN__MSG_MAX for the others. */
typedef struct ch_scan__t12 {
	uint8_t state;              /* what is expected next (tls12_parse.c) */
	uint8_t outcome;            /* the ch_scan__t12_rc once it is no longer MORE */
	uint8_t hdr[5];             /* the record header being read */
	uint8_t hdr_len;
	uint8_t alert_buf[2];
	uint8_t alert_len;
	size_t rec_left;            /* bytes of the current record body still to come */
	size_t num_records;
	size_t total;               /* bytes fed: bounded, so that a stream of empty records or
	                               HelloRequests ends */
	size_t max_chain;           /* largest Certificate message body accepted */
	ch_buf msg;                 /* handshake bytes not yet consumed */
	/* results */
	uint16_t version;           /* from ServerHello */
	uint16_t cipher;
	bool tls13_capable;         /* the ServerHello random carries RFC 8446's downgrade mark */
	char alpn[64];              /* the ALPN protocol chosen, "" for none */
	int alert;                  /* alert code received, -1 for none */
	const uint8_t *certs;       /* DONE: the certificate_list (views into msg, valid until */
	size_t certs_len;           /*  the next feed or free), each certificate u24-prefixed */
	char status[64];            /* FAILED: the result class */
	char error[160];            /* FAILED / FALLBACK: the human detail */
} ch_scan__t12;

/* ch_scan__t12_init prepares p; max_chain bounds the Certificate message (--max-chain-bytes). */
void ch_scan__t12_init(ch_scan__t12 *p, size_t max_chain);

/* ch_scan__t12_free releases the buffered message; p can be initialised again. */
void ch_scan__t12_free(ch_scan__t12 *p);

/* ch_scan__t12_feed parses len more bytes from the server. After DONE, FAILED or FALLBACK the
 * parser takes no more input (it returns the same answer). */
ch_scan__t12_rc ch_scan__t12_feed(ch_scan__t12 *p, const uint8_t *data, size_t len);

/* ch_scan__t12_next_cert takes the next certificate of a DONE parser's list: *list starts as
 * (certs, certs_len); false at the end (the list was checked when it was parsed). */
bool ch_scan__t12_next_cert(ch_der *list, ch_der *out);

/* ch_scan__alert_name writes the class "tls-alert-<name>" for an alert code. */
void ch_scan__alert_class(char *out, size_t cap, int code);

#endif
