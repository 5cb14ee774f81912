/* scan engine: the single-threaded event loop.
 *
 * Targets come from the scope iterator into a bounded window (a ring in target order). Address
 * targets become probes at once; names go to the resolver pool and become probes when their
 * answer arrives. Probes wait in a FIFO until the concurrency limit, the global token bucket and
 * their address's token bucket all allow a new connection. Connections run in conn.c; each has a
 * phase timer (connect, then handshake) and a total timer. Because every timer of one kind has the
 * same length, each kind is a plain list in deadline order: O(1) to add, remove and expire.
 *
 * A target is finished when all its probes are; the checkpoint (first unfinished target index) is
 * recorded through the ingest pipeline after the certificates of every finished target, so the
 * store's checkpoint never runs ahead of the store's data. */
#include "engine.h"

#include <certhound/hash.h>

#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <time.h>

enum { Q_NONE = 0, Q_PENDING, Q_CONNECT, Q_HS };

typedef struct list {
	conn *head, *tail;
	size_t n;
} list;

typedef struct host {
	ch_scan__addr addr;
	double tokens;
	uint64_t last_ns;
	bool used;
} host;

#define SEEN_BITS (1u << 20)
#define SCRATCH_BYTES 32768
#define SPARES 64                        /* spare sockets kept per address family */

struct eng {
	const ch_scan_opts *o;
	ch_scan_opts opts;
	ch_scan_targets *t;
	const ch_scan_sink *sink;
	ch_scan__poll *poll;
	SSL_CTX *ctx;
	ch_scan__resolver *res;
	int res_fd;
	int res_marker;                  /* its address tags the eventfd's poll events */
	ch_hash *hash;
	ch_cert *cert;
	ch_err fatal;
	/* the TLS 1.2 certificate fetch */
	uint8_t alpn[512];
	size_t alpn_len;
	uint64_t rng;                    /* splitmix64 state for hello randoms */
	uint8_t *scratch;                /* SCRATCH_BYTES: every socket read of the fetch */
	ch_scan__known known;            /* certificates that decoded lately */
	int spare[2][SPARES];            /* [0] IPv4, [1] IPv6 (ch_scan__eng_spare_put) */
	conn **by_fd;                    /* the conn of each socket; its slots are the poll data */
	size_t by_fd_cap;
	size_t num_spare[2];
	/* the target window */
	tgt *ring;
	size_t ring_cap, ring_head, ring_n;
	bool iter_eof;
	uint64_t next_index;             /* index after the last target taken from the iterator */
	uint64_t ckpt_next;
	size_t resolving;
	/* probes */
	list pending, connecting, handshaking;
	conn *all_head, *all_tail;       /* active connections in start order */
	size_t active;
	/* rate limits */
	double tokens;
	uint64_t tokens_ns;
	host *hosts;
	size_t hosts_cap, hosts_n;
	/* counters */
	ch_scan_progress pr;
	uint8_t *seen;                   /* linear-counting bitmap of contacted addresses */
	uint64_t seen_set;
	uint64_t start_ns;
};

/* ---- lists -------------------------------------------------------------------------------- */

static void l_push(list *l, conn *c, int which)
{
	c->q_next = NULL;
	c->q_prev = l->tail;
	if (l->tail)
		l->tail->q_next = c;
	else
		l->head = c;
	l->tail = c;
	l->n++;
	c->qlist = which;
}

static void l_del(list *l, conn *c)
{
	if (c->q_prev)
		c->q_prev->q_next = c->q_next;
	else
		l->head = c->q_next;
	if (c->q_next)
		c->q_next->q_prev = c->q_prev;
	else
		l->tail = c->q_prev;
	c->q_prev = c->q_next = NULL;
	l->n--;
	c->qlist = Q_NONE;
}

static list *qlist_of(eng *e, conn *c)
{
	switch (c->qlist) {
	case Q_PENDING: return &e->pending;
	case Q_CONNECT: return &e->connecting;
	case Q_HS: return &e->handshaking;
	default: return NULL;
	}
}

static void l_push_front(list *l, conn *c, int which)
{
	c->q_prev = NULL;
	c->q_next = l->head;
	if (l->head)
		l->head->q_prev = c;
	else
		l->tail = c;
	l->head = c;
	l->n++;
	c->qlist = which;
}

static void all_push(eng *e, conn *c)
{
	c->a_next = NULL;
	c->a_prev = e->all_tail;
	if (e->all_tail)
		e->all_tail->a_next = c;
	else
		e->all_head = c;
	e->all_tail = c;
	e->active++;
}

static void all_del(eng *e, conn *c)
{
	if (c->a_prev)
		c->a_prev->a_next = c->a_next;
	else
		e->all_head = c->a_next;
	if (c->a_next)
		c->a_next->a_prev = c->a_prev;
	else
		e->all_tail = c->a_prev;
	c->a_prev = c->a_next = NULL;
	e->active--;
}

/* ---- accessors for conn.c ----------------------------------------------------------------- */

SSL_CTX *ch_scan__eng_ctx(eng *e) { return e->ctx; }
ch_scan__poll *ch_scan__eng_poll(eng *e) { return e->poll; }
bool ch_scan__eng_cert_only(eng *e) { return e->opts.cert_only; }
bool ch_scan__eng_fast(eng *e) { return e->opts.cert_only && !e->opts.no_fast_path; }
size_t ch_scan__eng_max_chain(eng *e) { return e->opts.max_chain_bytes; }

const uint8_t *ch_scan__eng_alpn(eng *e, size_t *out_len)
{
	*out_len = e->alpn_len;
	return e->alpn;
}

uint8_t *ch_scan__eng_scratch(eng *e, size_t *out_cap)
{
	*out_cap = SCRATCH_BYTES;
	return e->scratch;
}

/* ch_scan__eng_random fills a ClientHello random. It keys nothing (the fetch never completes a
 * handshake), so a seeded splitmix64 stream is enough. */
void ch_scan__eng_random(eng *e, uint8_t out[32])
{
	for (int i = 0; i < 4; i++) {
		uint64_t z = (e->rng += 0x9e3779b97f4a7c15u);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
		z ^= z >> 31;
		memcpy(out + 8 * i, &z, 8);
	}
}

void ch_scan__eng_connected(eng *e, conn *c)
{
	l_del(&e->connecting, c);
	c->phase_deadline = c->connected_ns + (uint64_t)e->opts.handshake_ms * 1000000u;
	l_push(&e->handshaking, c, Q_HS);
}

conn **ch_scan__eng_slot(eng *e, int fd)
{
	return e->by_fd && fd >= 0 && (size_t)fd < e->by_fd_cap ? &e->by_fd[fd] : NULL;
}

bool ch_scan__eng_spare_put(eng *e, int fd, int family)
{
	int k = family == AF_INET6;
	struct sockaddr sa;

	if (e->num_spare[k] == SPARES)
		return false;
	memset(&sa, 0, sizeof sa);
	sa.sa_family = AF_UNSPEC;
	if (connect(fd, &sa, sizeof sa) != 0)
		return false;
	e->spare[k][e->num_spare[k]++] = fd;
	return true;
}

int ch_scan__eng_spare_take(eng *e, int family)
{
	int k = family == AF_INET6;

	return e->num_spare[k] ? e->spare[k][--e->num_spare[k]] : -1;
}

static void spares_close(eng *e)
{
	for (int k = 0; k < 2; k++)
		while (e->num_spare[k])
			close(e->spare[k][--e->num_spare[k]]);
}

/* ---- options ------------------------------------------------------------------------------ */

void ch_scan_opts_default(ch_scan_opts *o)
{
	memset(o, 0, sizeof *o);
	o->rate = CH_SCAN_DEFAULT_RATE;
	o->host_rate = CH_SCAN_DEFAULT_HOST_RATE;
	o->concurrency = CH_SCAN_DEFAULT_CONCURRENCY;
	o->connect_ms = CH_SCAN_DEFAULT_CONNECT_MS;
	o->handshake_ms = CH_SCAN_DEFAULT_HANDSHAKE_MS;
	o->total_ms = CH_SCAN_DEFAULT_TOTAL_MS;
	o->retries = CH_SCAN_DEFAULT_RETRIES;
	o->sni_probe = true;
	o->starttls = CH_SCAN_STARTTLS_AUTO;
	o->max_range = CH_SCAN_DEFAULT_MAX_RANGE;
	o->max_chain_bytes = CH_SCAN_DEFAULT_CHAIN_BYTES;
	o->resolvers = 4;
}

ch_err ch_scan_ports_parse(ch_scan_opts *o, const char *list)
{
	const char *p = list;

	o->num_ports = 0;
	while (*p) {
		char *end;
		long a = strtol(p, &end, 10), b = a;
		if (end == p || a < 1 || a > 65535)
			return ch_error_set(CH_ERR_INVALID, "bad port list '%s'", list);
		p = end;
		if (*p == '-') {
			b = strtol(p + 1, &end, 10);
			if (end == p + 1 || b < a || b > 65535)
				return ch_error_set(CH_ERR_INVALID, "bad port range in '%s'", list);
			p = end;
		}
		for (long v = a; v <= b; v++) {
			if (o->num_ports == CH_SCAN_MAX_PORTS)
				return ch_error_set(CH_ERR_LIMIT, "more than %d ports",
						    CH_SCAN_MAX_PORTS);
			o->ports[o->num_ports++] = (uint16_t)v;
		}
		if (*p == ',')
			p++;
		else if (*p)
			return ch_error_set(CH_ERR_INVALID, "bad port list '%s'", list);
	}
	if (!o->num_ports)
		return ch_error_set(CH_ERR_INVALID, "empty port list");
	return CH_OK;
}

ch_err ch_scan_checkpoint_parse(uint64_t *out_next, uint64_t *out_total, const void *data,
				size_t len)
{
	char buf[64];
	unsigned long long a, b;

	if (len >= sizeof buf)
		return ch_error_set(CH_ERR_PARSE, "not a scan checkpoint");
	memcpy(buf, data, len);
	buf[len] = '\0';
	if (sscanf(buf, "v1 %llu %llu", &a, &b) != 2 || a > b)
		return ch_error_set(CH_ERR_PARSE, "not a scan checkpoint");
	*out_next = a;
	*out_total = b;
	return CH_OK;
}

/* ---- counters ----------------------------------------------------------------------------- */

static void count_class(eng *e, const char *name)
{
	ch_scan_progress *p = &e->pr;

	for (size_t i = 0; i < p->num_classes; i++)
		if (!strcmp(p->classes[i].name, name)) {
			p->classes[i].count++;
			return;
		}
	if (p->num_classes < CH_SCAN_NUM_CLASSES - 1) {
		p->classes[p->num_classes].name = name;
		p->classes[p->num_classes++].count = 1;
		return;
	}
	p->classes[CH_SCAN_NUM_CLASSES - 1].name = "other";
	p->classes[CH_SCAN_NUM_CLASSES - 1].count++;
	p->num_classes = CH_SCAN_NUM_CLASSES;
}

/* class_const maps a status to a string that outlives the connection (for the counters). */
static const char *class_const(const char *s)
{
	static const char *const known[] = {"refused", "timeout", "reset", "closed", "unreachable",
		"dns-failure", "not-tls", "tls-error", "starttls-failed", "cert-unparseable",
		"chain-too-large", "net-error", "local-error"};
	for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
		if (!strcmp(s, known[i]))
			return known[i];
	return !strncmp(s, "tls-alert-", 10) ? "tls-alert" : "other";
}

static void note_address(eng *e, const ch_scan__addr *a)
{
	uint64_t h = ch_scan__addr_hash(a) & (SEEN_BITS - 1);

	if (!(e->seen[h / 8] & (1u << (h % 8)))) {
		e->seen[h / 8] |= (uint8_t)(1u << (h % 8));
		e->seen_set++;
	}
}

static void fill_progress(eng *e)
{
	double zeros = (double)(SEEN_BITS - e->seen_set);

	e->pr.in_flight = e->active;
	e->pr.elapsed_s = (double)(ch_monotonic_ns() - e->start_ns) / 1e9;
	e->pr.addresses = zeros > 0 ? (uint64_t)llround(-(double)SEEN_BITS *
							log(zeros / (double)SEEN_BITS))
				    : e->seen_set;
}

/* ---- rate limits -------------------------------------------------------------------------- */

static void refill_global(eng *e, uint64_t now)
{
	double burst = e->opts.rate / 20.0 < 1.0 ? 1.0 : e->opts.rate / 20.0;

	e->tokens += (double)(now - e->tokens_ns) / 1e9 * e->opts.rate;
	if (e->tokens > burst)
		e->tokens = burst;
	e->tokens_ns = now;
}

static host *host_slot(host *tab, size_t cap, const ch_scan__addr *a)
{
	size_t i = (size_t)ch_scan__addr_hash(a) & (cap - 1);

	while (tab[i].used && memcmp(&tab[i].addr, a, sizeof *a) != 0)
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

/* hosts_rebuild keeps the entries whose bucket is not yet full again, in a table of cap slots. */
static bool hosts_rebuild(eng *e, size_t cap, uint64_t now)
{
	host *n = calloc(cap, sizeof *n);
	double burst = e->opts.host_rate < 1.0 ? 1.0 : e->opts.host_rate;

	if (!n)
		return false;
	e->hosts_n = 0;
	for (size_t i = 0; i < e->hosts_cap; i++) {
		host *h = &e->hosts[i];
		double tok;
		if (!h->used)
			continue;
		tok = h->tokens + (double)(now - h->last_ns) / 1e9 * e->opts.host_rate;
		if (tok >= burst)
			continue;
		*host_slot(n, cap, &h->addr) = *h;
		e->hosts_n++;
	}
	free(e->hosts);
	e->hosts = n;
	e->hosts_cap = cap;
	return true;
}

/* host_take takes a token from a's bucket if it has one. */
static bool host_take(eng *e, const ch_scan__addr *a, uint64_t now, bool take)
{
	double burst = e->opts.host_rate < 1.0 ? 1.0 : e->opts.host_rate;
	host *h;

	if (e->opts.host_rate <= 0)
		return true;
	if (e->hosts_n * 2 >= e->hosts_cap) {
		size_t cap = e->hosts_cap;
		if (!hosts_rebuild(e, cap, now))
			return false;
		if (e->hosts_n * 4 >= cap && !hosts_rebuild(e, cap * 2, now))
			return false;
	}
	h = host_slot(e->hosts, e->hosts_cap, a);
	if (!h->used) {
		if (!take)
			return true;
		h->used = true;
		h->addr = *a;
		h->tokens = burst;
		h->last_ns = now;
		e->hosts_n++;
	}
	h->tokens += (double)(now - h->last_ns) / 1e9 * e->opts.host_rate;
	if (h->tokens > burst)
		h->tokens = burst;
	h->last_ns = now;
	if (h->tokens < 1.0)
		return false;
	if (take)
		h->tokens -= 1.0;
	return true;
}

/* ---- results ------------------------------------------------------------------------------ */

static void source_text(char *out, size_t cap, const tgt *t, const char *ip, int port)
{
	const char *host = t->name[0] ? t->name : ip;

	if (strchr(host, ':'))
		snprintf(out, cap, "[%s]:%d", host, port);
	else
		snprintf(out, cap, "%s:%d", host, port);
}

static int64_t wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* deliver turns a finished connection into a result: certificates into the pipeline, then the
 * callback. */
static void deliver(eng *e, conn *c)
{
	ch_scan_result r;
	ch_bytes chain[CH_SCAN_MAX_CHAIN_CERTS];
	char ip[INET6_ADDRSTRLEN], src[320];
	size_t off = 0;
	ch_err err = CH_OK;

	memset(&r, 0, sizeof r);
	ch_scan__addr_text(ip, sizeof ip, &c->addr);
	for (size_t i = 0; i < c->num_chain; i++) {
		chain[i].data = (const uint8_t *)c->chain.data + off;
		chain[i].len = c->chain_len[i];
		off += c->chain_len[i];
		if (ch_scan__known_has(&e->known, chain[i].data, chain[i].len))
			continue;
		if (ch_cert_parse(e->cert, chain[i].data, chain[i].len, 0) == CH_OK) {
			ch_scan__known_add(&e->known, chain[i].data, chain[i].len);
		} else if (c->ok) {
			snprintf(c->error, sizeof c->error, "certificate %zu: %s", i, ch_error_last());
			snprintf(c->status, sizeof c->status, "cert-unparseable");
			c->ok = false;
		}
	}
	if (c->num_chain && ch_hash_sha256(e->hash, r.leaf_sha256, chain[0].data, chain[0].len) != CH_OK)
		c->num_chain = 0;
	r.target = c->t->text;
	r.target_index = c->t->index;
	r.ip = ip;
	r.port = c->port;
	r.sni = c->sni[0] ? c->sni : NULL;
	r.status = c->status;
	r.ok = c->ok;
	r.alert = c->alert_recv;
	r.phase = c->phase ? c->phase : "connect";
	r.error = c->error;
	r.tls_version = c->got_chain || c->ok ? c->tls_version : NULL;
	r.cipher = c->got_chain || c->ok ? c->cipher : NULL;
	r.alpn = c->alpn[0] ? c->alpn : NULL;
	r.starttls = c->proto != CH_SCAN_STARTTLS_NONE ? ch_scan_starttls_name(c->proto) : NULL;
	if (c->default_probe) {
		r.default_of = c->pair_sni;
		if (c->pair_leaf != 1 || !c->num_chain)
			r.selection = CH_SCAN_SEL_UNKNOWN;
		else
			r.selection = memcmp(c->pair_leaf_sha, r.leaf_sha256, 32) ? CH_SCAN_SEL_DIFFERENT
										 : CH_SCAN_SEL_SAME;
	}
	r.connect_ms = c->connect_ms;
	r.handshake_ms = c->handshake_ms;
	r.time_ms = c->time_ms;
	r.attempts = c->attempts;
	r.chain = chain;
	r.num_chain = c->num_chain;

	if (e->sink->ingest && c->num_chain) {
		ch_sighting g = {CH_SOURCE_SCAN, src, c->time_ms, c->time_ms / 1000, ip, c->port,
				 r.sni};
		source_text(src, sizeof src, c->t, ip, c->port);
		for (size_t i = 0; err == CH_OK && i < c->num_chain; i++)
			err = ch_ingest_add(e->sink->ingest, chain[i].data, chain[i].len, &g);
		e->pr.certificates += c->num_chain;
	}
	if (err == CH_OK && e->sink->on_result)
		err = e->sink->on_result(e->sink->arg, &r);
	if (err != CH_OK && e->fatal == CH_OK)
		e->fatal = err;
	e->pr.results++;
	if (c->ok)
		e->pr.ok++;
	else
		count_class(e, class_const(c->status));
	if (c->default_probe == false && c->pair_next) {
		c->pair_leaf = c->ok && c->num_chain ? 1 : 2;
		memcpy(c->pair_leaf_sha, r.leaf_sha256, 32);
	}
}

/* simple_result reports a target that produced no connection (dns-failure). */
static void simple_result(eng *e, tgt *t, int port, const char *status, const char *msg)
{
	ch_scan_result r;
	ch_err err = CH_OK;

	memset(&r, 0, sizeof r);
	r.target = t->text;
	r.target_index = t->index;
	r.port = port;
	r.sni = t->name[0] ? t->name : NULL;
	r.status = status;
	r.alert = -1;
	r.phase = "dns";
	r.error = msg;
	r.connect_ms = r.handshake_ms = -1;
	r.time_ms = wall_ms();
	if (e->sink->on_result)
		err = e->sink->on_result(e->sink->arg, &r);
	if (err != CH_OK && e->fatal == CH_OK)
		e->fatal = err;
	e->pr.results++;
	count_class(e, class_const(status));
}

/* ---- targets and checkpoints -------------------------------------------------------------- */

static void advance_window(eng *e)
{
	bool moved = false;

	while (e->ring_n && !e->ring[e->ring_head].live) {
		e->ring_head = (e->ring_head + 1) % e->ring_cap;
		e->ring_n--;
		e->pr.targets_done++;
		moved = true;
	}
	if (!moved)
		return;
	e->ckpt_next = e->ring_n ? e->ring[e->ring_head].index : e->next_index;
	if (e->sink->ingest && e->sink->checkpoint_id) {
		char blob[64];
		int n = snprintf(blob, sizeof blob, "v1 %llu %llu", (unsigned long long)e->ckpt_next,
				 (unsigned long long)e->pr.targets_total);
		ch_err err = ch_ingest_checkpoint(e->sink->ingest, e->sink->checkpoint_id, blob,
						  (size_t)n);
		if (err != CH_OK && e->fatal == CH_OK)
			e->fatal = err;
	}
}

static void target_done(eng *e, tgt *t)
{
	t->live = false;
	advance_window(e);
}

static int port_count(const eng *e, const tgt *t, int *ports)
{
	if (t->port) {
		ports[0] = t->port;
		return 1;
	}
	for (size_t i = 0; i < e->opts.num_ports; i++)
		ports[i] = e->opts.ports[i];
	return (int)e->opts.num_ports;
}

/* new_conn makes a pending probe. */
static conn *new_conn(eng *e, tgt *t, const ch_scan__addr *a, int port)
{
	conn *c = calloc(1, sizeof *c);

	if (!c) {
		if (e->fatal == CH_OK)
			e->fatal = ch_error_set(CH_ERR_NOMEM, "out of memory");
		return NULL;
	}
	c->e = e;
	c->t = t;
	c->addr = *a;
	c->port = port;
	c->fd = -1;
	c->alert_recv = c->alert_sent = -1;
	c->connect_ms = c->handshake_ms = -1;
	ch_buf_init(&c->chain, e->opts.max_chain_bytes + 65536);
	c->proto = e->opts.starttls == CH_SCAN_STARTTLS_AUTO ? ch_scan__starttls_for_port(port)
							     : e->opts.starttls;
	if (t->name[0] && e->opts.sni_probe) {
		snprintf(c->sni, sizeof c->sni, "%s", t->name);
		c->pair_next = e->opts.also_default;
	}
	return c;
}

static void add_probes(eng *e, tgt *t, const ch_scan__addr *addrs, size_t n)
{
	int ports[CH_SCAN_MAX_PORTS];
	int np = port_count(e, t, ports);

	for (size_t i = 0; i < n; i++) {
		if (ch_scan__excluded_addr(e->t, &addrs[i])) {
			e->pr.excluded++;
			continue;
		}
		for (int p = 0; p < np; p++) {
			conn *c = new_conn(e, t, &addrs[i], ports[p]);
			if (!c)
				return;
			l_push(&e->pending, c, Q_PENDING);
			t->remaining++;
		}
	}
	if (!t->remaining)
		target_done(e, t);
}

static void on_answers(eng *e)
{
	ch_scan__answer a[32];
	size_t n;

	while (e->resolving && (n = ch_scan__resolver_take(e->res, a, 32)) > 0) {
		for (size_t i = 0; i < n; i++) {
			tgt *t = &e->ring[a[i].cookie];
			int ports[CH_SCAN_MAX_PORTS];
			int np;
			e->resolving--;
			t->resolving = false;
			if (!a[i].gai_error) {
				add_probes(e, t, a[i].addrs, a[i].num_addrs);
				continue;
			}
			np = port_count(e, t, ports);
			for (int p = 0; p < np; p++)
				simple_result(e, t, ports[p], "dns-failure", gai_strerror(a[i].gai_error));
			target_done(e, t);
		}
	}
}

/* refill takes targets from the scope into the window while there is room. */
static void refill(eng *e)
{
	size_t pending_max = (size_t)e->opts.concurrency * 2 + 64;

	while (!e->iter_eof && e->fatal == CH_OK && e->ring_n < e->ring_cap &&
	       e->pending.n < pending_max && e->resolving < 512) {
		ch_scan__target x;
		ch_scan__addr pins[CH_SCAN_MAX_ADDRS];
		bool excluded = false;
		size_t slot, npin;
		tgt *t;
		ch_err err = ch_scan__iter_next(e->t, &x, &excluded);
		if (err == CH_ERR_EOF) {
			e->iter_eof = true;
			break;
		}
		if (err != CH_OK) {
			e->fatal = err;
			break;
		}
		if (x.index < e->sink->resume_from)
			continue;
		e->next_index = x.index + 1;
		slot = (e->ring_head + e->ring_n) % e->ring_cap;
		t = &e->ring[slot];
		memset(t, 0, sizeof *t);
		t->index = x.index;
		t->port = x.port;
		t->live = true;
		snprintf(t->text, sizeof t->text, "%s", x.text);
		snprintf(t->name, sizeof t->name, "%s", x.name);
		e->ring_n++;
		if (excluded) {
			e->pr.excluded++;
			target_done(e, t);
		} else if (x.name[0] && (npin = ch_scan__pinned(e->t, x.name, pins,
								  CH_SCAN_MAX_ADDRS)) > 0) {
			add_probes(e, t, pins, npin);
		} else if (x.name[0]) {
			err = ch_scan__resolver_submit(e->res, x.name, slot);
			if (err != CH_OK) {
				e->fatal = err;
				break;
			}
			t->resolving = true;
			e->resolving++;
		} else {
			add_probes(e, t, &x.addr, 1);
		}
	}
}

/* ---- connections -------------------------------------------------------------------------- */

static void start(eng *e, conn *c, uint64_t now)
{
	c->attempts++;
	c->start_ns = now;
	c->time_ms = wall_ms();
	c->phase_deadline = now + (uint64_t)e->opts.connect_ms * 1000000u;
	c->total_deadline = now + (uint64_t)e->opts.total_ms * 1000000u;
	l_push(&e->connecting, c, Q_CONNECT);
	all_push(e, c);
	e->pr.connections++;
	note_address(e, &c->addr);
	if (ch_scan__conn_start(c) != CH_OK) {
		/* out of descriptors: give the probe back and stop raising concurrency */
		l_del(&e->connecting, c);
		all_del(e, c);
		c->attempts--;
		e->pr.connections--;
		l_push(&e->pending, c, Q_PENDING);
		if (e->opts.concurrency > e->active + 1)
			e->opts.concurrency = (unsigned)e->active + 1;
	}
}

/* schedule starts pending probes as far as the limits allow. */
static void schedule(eng *e)
{
	uint64_t now = ch_monotonic_ns();

	if (e->opts.rate > 0)
		refill_global(e, now);
	while (e->active < e->opts.concurrency && e->pending.n && e->fatal == CH_OK) {
		conn *c = e->pending.head;
		int scanned = 0;
		if (e->opts.rate > 0 && e->tokens < 1.0)
			break;
		while (c && scanned < 64 && !host_take(e, &c->addr, now, false)) {
			c = c->q_next;
			scanned++;
		}
		if (!c || scanned == 64)
			break;
		(void)host_take(e, &c->addr, now, true);
		if (e->opts.rate > 0)
			e->tokens -= 1.0;
		l_del(&e->pending, c);
		start(e, c, now);
	}
	spares_close(e);
}

static bool retryable(const conn *c)
{
	return !strcmp(c->status, "timeout") || !strcmp(c->status, "reset") ||
	       !strcmp(c->status, "unreachable");
}

/* reset_probe clears what one attempt left behind. */
static void reset_probe(conn *c)
{
	c->state = C_PENDING;
	c->alert_recv = c->alert_sent = -1;
	c->first_len = 0;
	c->got_chain = false;
	ch_buf_reset(&c->chain);
	c->num_chain = 0;
	c->tls_version = c->cipher = NULL;
	c->alpn[0] = c->status[0] = c->error[0] = '\0';
	c->phase = NULL;
	c->connect_ms = c->handshake_ms = -1;
	c->ok = false;
}

/* ch_scan__eng_fallback hands a probe from the TLS 1.2 fetch to OpenSSL: the connection is
 * closed and the probe queued first, to be connected again under the same limits. It stays one
 * attempt (attempts counts retries), but the new connection is counted. */
void ch_scan__eng_fallback(eng *e, conn *c)
{
	list *l = qlist_of(e, c);

	if (l)
		l_del(l, c);
	all_del(e, c);
	ch_scan__conn_close(c);
	reset_probe(c);
	c->slow = true;
	c->attempts--;
	e->pr.fallbacks++;
	l_push_front(&e->pending, c, Q_PENDING);
}

void ch_scan__eng_finish(eng *e, conn *c)
{
	list *l = qlist_of(e, c);
	tgt *t = c->t;

	if (l)
		l_del(l, c);
	all_del(e, c);
	ch_scan__conn_close(c);
	if (!c->ok && c->attempts <= e->opts.retries && retryable(c)) {
		reset_probe(c);
		l_push(&e->pending, c, Q_PENDING);
		return;
	}
	deliver(e, c);
	if (c->pair_next) {
		c->pair_next = false;
		c->default_probe = true;
		c->slow = false;
		snprintf(c->pair_sni, sizeof c->pair_sni, "%s", c->sni);
		c->sni[0] = '\0';
		c->attempts = 0;
		reset_probe(c);
		l_push(&e->pending, c, Q_PENDING);
		return;
	}
	ch_buf_free(&c->chain);
	free(c);
	if (--t->remaining == 0 && !t->resolving)
		target_done(e, t);
}

static void expire(eng *e, uint64_t now)
{
	while (e->connecting.head && e->connecting.head->phase_deadline <= now)
		ch_scan__conn_timeout(e->connecting.head, "connect");
	while (e->handshaking.head && e->handshaking.head->phase_deadline <= now)
		ch_scan__conn_timeout(e->handshaking.head,
				      e->handshaking.head->state == C_STARTTLS ? "starttls"
									       : "handshake");
	while (e->all_head && e->all_head->total_deadline <= now)
		ch_scan__conn_timeout(e->all_head, "total");
}

static int next_timeout(eng *e, uint64_t now)
{
	uint64_t d = now + 100000000u;

	if (e->connecting.head && e->connecting.head->phase_deadline < d)
		d = e->connecting.head->phase_deadline;
	if (e->handshaking.head && e->handshaking.head->phase_deadline < d)
		d = e->handshaking.head->phase_deadline;
	if (e->all_head && e->all_head->total_deadline < d)
		d = e->all_head->total_deadline;
	if (e->pending.n && e->active < e->opts.concurrency && d > now + 2000000u)
		d = now + 2000000u; /* waiting for tokens */
	return d <= now ? 0 : (int)((d - now + 999999) / 1000000);
}

/* ---- setup and the loop ------------------------------------------------------------------- */

static ch_err setup(eng *e)
{
	struct rlimit rl;
	ch_err err;

	if (!e->opts.num_ports) {
		e->opts.ports[0] = CH_SCAN_DEFAULT_PORT;
		e->opts.num_ports = 1;
	}
	if (!e->opts.concurrency)
		e->opts.concurrency = CH_SCAN_DEFAULT_CONCURRENCY;
	if (e->opts.concurrency > CH_SCAN_MAX_CONCURRENCY)
		e->opts.concurrency = CH_SCAN_MAX_CONCURRENCY;
	if (!e->opts.max_chain_bytes || e->opts.max_chain_bytes > CH_SCAN_MAX_CHAIN_BYTES)
		e->opts.max_chain_bytes = e->opts.max_chain_bytes ? CH_SCAN_MAX_CHAIN_BYTES
								  : CH_SCAN_DEFAULT_CHAIN_BYTES;
	if (!e->opts.connect_ms)
		e->opts.connect_ms = CH_SCAN_DEFAULT_CONNECT_MS;
	if (!e->opts.handshake_ms)
		e->opts.handshake_ms = CH_SCAN_DEFAULT_HANDSHAKE_MS;
	if (!e->opts.total_ms)
		e->opts.total_ms = CH_SCAN_DEFAULT_TOTAL_MS;
	/* descriptors: raise the soft limit to the hard one, and stay below it */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			(void)setrlimit(RLIMIT_NOFILE, &rl);
			(void)getrlimit(RLIMIT_NOFILE, &rl);
		}
		if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < (rlim_t)e->opts.concurrency + 64)
			e->opts.concurrency = rl.rlim_cur > 128 ? (unsigned)(rl.rlim_cur - 64) : 64;
	}
	e->ring_cap = (size_t)e->opts.concurrency * 2 + 1024;
	e->ring = calloc(e->ring_cap, sizeof *e->ring);
	e->seen = calloc(SEEN_BITS / 8, 1);
	e->hosts_cap = 4096;
	e->hosts = calloc(e->hosts_cap, sizeof *e->hosts);
	e->scratch = malloc(SCRATCH_BYTES);
	/* descriptors are numbered lowest first: the open ones fit in concurrency plus the
	 * spares and the few of the store, the resolver and the poller */
	e->by_fd_cap = (size_t)e->opts.concurrency + 2 * SPARES + 4096;
	e->by_fd = calloc(e->by_fd_cap, sizeof *e->by_fd);
	if (!e->ring || !e->seen || !e->hosts || !e->scratch || !e->by_fd)
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	if (getrandom(&e->rng, sizeof e->rng, 0) != (ssize_t)sizeof e->rng)
		e->rng = ch_monotonic_ns();
	e->alpn_len = ch_scan__alpn_wire(e->alpn, sizeof e->alpn,
					 e->opts.alpn ? e->opts.alpn : "h2,http/1.1");
	CH_TRY(ch_scan__poll_new(&e->poll, 1024));
	CH_TRY(ch_scan__tls_ctx_new(&e->ctx, &e->opts));
	SSL_CTX_set_verify(e->ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_cert_verify_callback(e->ctx, ch_scan__verify_cb, NULL);
	SSL_CTX_set_info_callback(e->ctx, ch_scan__info_cb);
	SSL_CTX_set_mode(e->ctx, SSL_MODE_RELEASE_BUFFERS);
	CH_TRY(ch_scan__resolver_new(&e->res, &e->res_fd, e->opts.resolvers, e->opts.family,
				     e->opts.all_addrs));
	CH_TRY(ch_scan__poll_set(e->poll, e->res_fd, CH_SCAN__EV_READ, &e->res_marker, false));
	CH_TRY(ch_hash_new(&e->hash));
	CH_TRY(ch_cert_new(&e->cert));
	CH_TRY(ch_scan_targets_count(e->t, &e->pr.targets_total));
	CH_TRY(ch_scan__iter_begin(e->t));
out:
	return err;
}

static void teardown(eng *e)
{
	conn *c;

	while ((c = e->all_head) != NULL) {
		all_del(e, c);
		ch_scan__conn_close(c);
		ch_buf_free(&c->chain);
		free(c);
	}
	while ((c = e->pending.head) != NULL) {
		l_del(&e->pending, c);
		ch_buf_free(&c->chain);
		free(c);
	}
	spares_close(e);
	ch_scan__known_free(&e->known);
	ch_scan__resolver_free(e->res);
	ch_scan__poll_free(e->poll);
	SSL_CTX_free(e->ctx);
	ch_hash_free(e->hash);
	ch_cert_free(e->cert);
	free(e->ring);
	free(e->seen);
	free(e->hosts);
	free(e->scratch);
	free(e->by_fd);
}

static void report_progress(eng *e, uint64_t *last, bool final)
{
	uint64_t now = ch_monotonic_ns();
	unsigned every = e->sink->progress_ms ? e->sink->progress_ms : 250;

	if (!e->sink->on_progress || (!final && now - *last < (uint64_t)every * 1000000u))
		return;
	*last = now;
	fill_progress(e);
	e->sink->on_progress(e->sink->arg, &e->pr, final);
}

/* Event coalescing: when a poll returned only a few events although many connections are in
 * flight, the loop waits COALESCE_US before polling again, so that the next poll collects a batch
 * instead of waking the thread once per event (a fast scan of a slow server spent a tenth of its
 * CPU going to sleep and waking up). Results and timings get at most that much later. */
#define COALESCE_EVENTS 8
#define COALESCE_US 1000

static void coalesce(eng *e, size_t n, uint64_t now)
{
	struct timespec ts = {0, COALESCE_US * 1000};

	if (n >= COALESCE_EVENTS || e->active < 4 * COALESCE_EVENTS ||
	    (uint64_t)next_timeout(e, now) * 1000000u < (uint64_t)COALESCE_US * 1000u)
		return;
	nanosleep(&ts, NULL);
}

/* loop runs until the scope is covered, a stop is requested or something fatal happens. */
static ch_err loop(eng *e)
{
	size_t n = COALESCE_EVENTS;

	uint64_t last = ch_monotonic_ns();

	for (;;) {
		ch_scan__event *ev;
		uint64_t now;
		ch_err err;

		if (e->sink->stop && *e->sink->stop)
			return ch_error_set(CH_ERR_EOF, "scan stopped");
		refill(e);
		on_answers(e);
		schedule(e);
		if (e->fatal != CH_OK)
			return e->fatal;
		if (e->iter_eof && !e->ring_n && !e->active && !e->pending.n && !e->resolving)
			return CH_OK;
		now = ch_monotonic_ns();
		coalesce(e, n, now);
		err = ch_scan__poll_wait(e->poll, &ev, &n, next_timeout(e, ch_monotonic_ns()));
		if (err != CH_OK)
			return err;
		for (size_t i = 0; i < n; i++) {
			conn *c;
			if (ev[i].data == &e->res_marker)
				on_answers(e);
			else if ((c = *(conn **)ev[i].data) != NULL)
				ch_scan__conn_event(c, ev[i].events);
		}
		expire(e, ch_monotonic_ns());
		report_progress(e, &last, false);
	}
}

ch_err ch_scan_run(ch_scan_progress *out_progress, ch_scan_targets *t, const ch_scan_opts *opts,
		   const ch_scan_sink *sink)
{
	static const ch_scan_sink none;
	eng e;
	sigset_t pipe, old;
	struct timespec zero = {0, 0};
	ch_err err;

	memset(&e, 0, sizeof e);
	e.opts = *opts;
	e.t = t;
	e.sink = sink ? sink : &none;
	e.start_ns = ch_monotonic_ns();
	e.tokens_ns = e.start_ns;
	e.pr.resumed_from = e.sink->resume_from;
	/* OpenSSL writes to sockets with write(2): keep a reset peer from raising SIGPIPE */
	sigemptyset(&pipe);
	sigaddset(&pipe, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe, &old);
	err = setup(&e);
	if (err == CH_OK) {
		if (e.sink->resume_from > e.pr.targets_total)
			e.pr.resumed_from = e.pr.targets_total;
		e.pr.targets_done = e.pr.resumed_from;
		e.ckpt_next = e.pr.resumed_from;
		err = loop(&e);
	}
	if (err == CH_OK && e.sink->ingest && e.sink->checkpoint_id) {
		char blob[64];
		int n = snprintf(blob, sizeof blob, "v1 %llu %llu",
				 (unsigned long long)e.pr.targets_total,
				 (unsigned long long)e.pr.targets_total);
		err = ch_ingest_checkpoint(e.sink->ingest, e.sink->checkpoint_id, blob, (size_t)n);
	}
	{
		uint64_t last = 0;
		report_progress(&e, &last, true);
	}
	fill_progress(&e);
	if (out_progress)
		*out_progress = e.pr;
	teardown(&e);
	while (sigtimedwait(&pipe, NULL, &zero) > 0)
		;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return err;
}
