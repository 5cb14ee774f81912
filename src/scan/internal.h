/* scan internals: addresses and the scope iterator (targets.c), the poller (poll_epoll.c), the
 * resolver pool (resolve.c), STARTTLS dialogues (starttls.c) and TLS details (tls.c). */
#ifndef CH_SCAN_INTERNAL_H
#define CH_SCAN_INTERNAL_H

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

/* ---- TLS ---------------------------------------------------------------------------------- */

/* ch_scan__tls_ctx_new makes the client context: every protocol version OpenSSL offers, security
 * level 0 (old servers still answer), no verification (we collect, not trust), the ALPN offer,
 * the certificate-list limit, no session cache. */
ch_err ch_scan__tls_ctx_new(SSL_CTX **out, const ch_scan_opts *opts);

/* ch_scan__alert_name writes the class "tls-alert-<name>" for an alert code. */
void ch_scan__alert_class(char *out, size_t cap, int code);

#endif
