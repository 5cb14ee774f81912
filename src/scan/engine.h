/* scan engine state shared by engine.c (the loop, scheduling, results, checkpoints) and conn.c
 * (one connection's state machine). */
#ifndef CH_SCAN_ENGINE_H
#define CH_SCAN_ENGINE_H

#include "internal.h"

#include <certhound/buf.h>
#include <certhound/x509.h>

typedef struct eng eng;

/* A target host inside the scan window. */
typedef struct tgt {
	uint64_t index;
	char text[300];
	char name[256];          /* "" for an address */
	int port;                /* spec port, 0 = the scan's ports */
	unsigned remaining;      /* probes not finished */
	bool resolving;
	bool live;               /* slot in use */
} tgt;

typedef enum cstate {
	C_PENDING = 0,   /* waiting for its turn (rate limits, concurrency) */
	C_CONNECT,       /* TCP connect in progress */
	C_STARTTLS,      /* plain-text dialogue */
	C_TLS,           /* TLS handshake */
	C_FAST,          /* the TLS 1.2 certificate fetch (fast.c) */
} cstate;

/* One probe: (target, address, port, SNI); becomes a connection when started. */
typedef struct conn {
	struct conn *q_prev, *q_next;   /* pending queue, or the phase's timeout list */
	struct conn *a_prev, *a_next;   /* all active connections in start order (total timeout) */
	eng *e;
	tgt *t;
	ch_scan__addr addr;
	int port;
	char sni[256];                  /* "" = no SNI */
	bool default_probe;             /* the no-SNI probe paired with an SNI probe */
	bool pair_next;                 /* after this SNI probe, probe again without SNI */
	int pair_leaf;                  /* default probe: 1 = SNI leaf known, 2 = SNI probe failed */
	uint8_t pair_leaf_sha[32];
	char pair_sni[256];
	ch_scan_starttls proto;         /* NONE or the dialogue to speak */
	cstate state;
	int qlist;                      /* which list q_* links into (engine.c) */
	int fd;
	unsigned interest;              /* current poll interest */
	bool registered;
	SSL *ssl;
	struct ch_scan__fast *fast;     /* the certificate fetch's state while it runs */
	bool slow;                      /* the fetch handed this probe to OpenSSL */
	ch_scan__starttls *st;          /* allocated for STARTTLS only */
	uint64_t start_ns, connected_ns, phase_deadline, total_deadline;
	int64_t time_ms;
	unsigned attempts;
	int alert_recv, alert_sent;
	uint8_t first[5];
	size_t first_len;
	bool got_chain;
	ch_buf chain;                   /* DER certificates back to back */
	size_t chain_len[CH_SCAN_MAX_CHAIN_CERTS];
	size_t num_chain;
	const char *tls_version, *cipher;
	char alpn[64];
	char status[64];
	char error[256];
	const char *phase;
	double connect_ms, handshake_ms;
	bool ok;
} conn;

/* conn.c */
double ch_scan__ms_since(uint64_t from_ns);
void ch_scan__conn_status(conn *c, const char *status, const char *phase, const char *fmt, ...)
	CH_PRINTF(4, 5);
bool ch_scan__conn_want(conn *c, unsigned ev);  /* false (status set) when polling failed */
const char *ch_scan__errno_class(int e);
ch_err ch_scan__conn_start(conn *c);          /* open the socket and start connecting */
void ch_scan__conn_event(conn *c, unsigned ev); /* advance on a poll event */
void ch_scan__conn_timeout(conn *c, const char *phase);
void ch_scan__conn_close(conn *c);           /* release socket and TLS state */
int ch_scan__verify_cb(X509_STORE_CTX *x, void *arg);
void ch_scan__info_cb(const SSL *ssl, int where, int ret);

/* fast.c: the TLS 1.2 certificate fetch on a connected socket (--cert-only). Its socket is
 * registered once, edge-triggered for reading and writing (CH_SCAN__FAST_EV), from the connect
 * on: no interest changes, and reads go on until the socket is drained. */
#define CH_SCAN__FAST_EV (CH_SCAN__EV_READ | CH_SCAN__EV_WRITE | CH_SCAN__EV_EDGE)
bool ch_scan__fast_wanted(const conn *c);    /* will this probe use the fetch? */
void ch_scan__fast_begin(conn *c);           /* send the ClientHello */
void ch_scan__fast_step(conn *c);            /* advance on a poll event */
void ch_scan__fast_free(conn *c);            /* release its state; no-op without */

/* engine.c, called by conn.c and fast.c */
SSL_CTX *ch_scan__eng_ctx(eng *e);
ch_scan__poll *ch_scan__eng_poll(eng *e);
bool ch_scan__eng_cert_only(eng *e);
bool ch_scan__eng_fast(eng *e);                 /* cert-only through the TLS 1.2 fetch */
size_t ch_scan__eng_max_chain(eng *e);
const uint8_t *ch_scan__eng_alpn(eng *e, size_t *out_len);  /* the ALPN offer, wire format */
void ch_scan__eng_random(eng *e, uint8_t out[32]);          /* a hello random (not secret) */
uint8_t *ch_scan__eng_scratch(eng *e, size_t *out_cap);     /* the loop's read buffer */
void ch_scan__eng_fallback(eng *e, conn *c);    /* close c and queue it again for OpenSSL */
/* Spare sockets of the fetch: a finished connection's socket is reset in place (connect with
 * AF_UNSPEC: RST, no TIME_WAIT) and reused by the next probe started before the loop polls
 * again, which saves creating, configuring, registering and destroying one socket per probe.
 * Spares left when the scheduler is done are closed: none is ever polled while its
 * registration still names a finished conn. */
bool ch_scan__eng_spare_put(eng *e, int fd, int family); /* false: close it yourself */
/* ch_scan__eng_slot returns where the conn of socket fd is noted (the socket's poll data, so a
 * reused spare needs no new registration); NULL when fd is beyond the table. */
conn **ch_scan__eng_slot(eng *e, int fd);
int ch_scan__eng_spare_take(eng *e, int family);         /* -1 when none */
void ch_scan__eng_connected(eng *e, conn *c);   /* connect done: move to the handshake timer */
void ch_scan__eng_finish(eng *e, conn *c);      /* the connection ended (c->status set) */

#endif
