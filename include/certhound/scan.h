/* certhound/scan.h — the TLS prober: fetch certificate chains from live services in an explicit
 * scope, fast, and feed them to the ingest pipeline as sightings.
 *
 * Three pieces:
 *
 *  1. ch_scan_targets: the scope. Target specs (host[:port], IPv4, [IPv6]:port, CIDR ranges),
 *     target files (one spec per line, '#' comments) and exclusions (CIDR ranges or host names).
 *     Nothing that is not named here is ever contacted. Ranges are expanded lazily (streaming), so
 *     a /16 costs no memory; ranges larger than opts.max_range addresses are refused unless
 *     opts.allow_large ("--yes").
 *
 *  2. ch_scan_run: one thread drives up to opts.concurrency non-blocking connections through an
 *     epoll poller (src/scan/poll_epoll.c), with OpenSSL in non-blocking mode, connect /
 *     handshake / total timeouts, retries, a global and a per-host token-bucket rate limit,
 *     IPv4 and IPv6, and STARTTLS (SMTP, IMAP, POP3, FTP) as small per-protocol state machines.
 *     Host names are resolved by a small pool of resolver threads (getaddrinfo) that hand their
 *     answers to the loop through an eventfd, so a slow DNS answer never stalls the loop.
 *
 *  3. Results: each connection ends in one ch_scan_result (status, TLS version, cipher, ALPN,
 *     the chain as sent, timings, the precise error class), handed to a callback; when an ingest
 *     pipeline is given, every certificate of every chain enters it as a CH_SOURCE_SCAN sighting
 *     (source "host:port", ip, port, sni, index = probe time in ms), and the scan's progress
 *     (the next target index not yet finished) is checkpointed through the same pipeline, so an
 *     interrupted scan resumes where it stopped.
 *
 * A ch_scan_targets and a run are used by one thread; nothing here is global. */
#ifndef CERTHOUND_SCAN_H
#define CERTHOUND_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <certhound/err.h>
#include <certhound/ingest.h>
#include <certhound/util.h>

/* ---- limits and defaults ------------------------------------------------------------------ */

#define CH_SCAN_MAX_PORTS 64             /* ports in one scan */
#define CH_SCAN_MAX_SPEC 1024            /* bytes of one target spec / target-file line */
#define CH_SCAN_MAX_EXCLUDES 4096        /* exclusion entries */
#define CH_SCAN_MAX_ADDRS 16             /* addresses used per resolved name (all_addrs) */
#define CH_SCAN_MAX_CONCURRENCY 100000   /* connections in flight */
#define CH_SCAN_MAX_CHAIN_BYTES (1u << 20) /* largest certificate list accepted from a peer */
#define CH_SCAN_MAX_CHAIN_CERTS 64       /* certificates kept per chain */

#define CH_SCAN_DEFAULT_PORT 443
#define CH_SCAN_DEFAULT_RATE 50.0        /* new connections per second, whole scan */
#define CH_SCAN_DEFAULT_HOST_RATE 2.0    /* new connections per second to one address */
#define CH_SCAN_DEFAULT_CONCURRENCY 500
#define CH_SCAN_DEFAULT_CONNECT_MS 5000
#define CH_SCAN_DEFAULT_HANDSHAKE_MS 10000
#define CH_SCAN_DEFAULT_TOTAL_MS 20000
#define CH_SCAN_DEFAULT_RETRIES 1        /* extra attempts after a timeout or reset */
#define CH_SCAN_DEFAULT_MAX_RANGE 256    /* addresses in one range without allow_large (/24) */
#define CH_SCAN_DEFAULT_CHAIN_BYTES (256u << 10)

/* STARTTLS dialogue spoken before the TLS handshake. */
typedef enum ch_scan_starttls {
	CH_SCAN_STARTTLS_AUTO = 0, /* by port: 25/587 smtp, 143 imap, 110 pop3, 21 ftp, else none */
	CH_SCAN_STARTTLS_NONE,
	CH_SCAN_STARTTLS_SMTP,
	CH_SCAN_STARTTLS_IMAP,
	CH_SCAN_STARTTLS_POP3,
	CH_SCAN_STARTTLS_FTP,
} ch_scan_starttls;

/* ch_scan_starttls_parse reads "auto", "none", "smtp", "imap", "pop3" or "ftp". */
ch_err ch_scan_starttls_parse(ch_scan_starttls *out, const char *name) CH_WARN_UNUSED;

/* ch_scan_starttls_name returns the protocol's name ("smtp", ...; "none" for NONE). */
const char *ch_scan_starttls_name(ch_scan_starttls p);

/* Options of a scan. Zero-initialise and call ch_scan_opts_default, then change fields. */
typedef struct ch_scan_opts {
	uint16_t ports[CH_SCAN_MAX_PORTS]; /* ports tried on targets that name none */
	size_t num_ports;                  /* 0 = CH_SCAN_DEFAULT_PORT */
	double rate;                       /* new connections per second (global token bucket) */
	double host_rate;                  /* new connections per second to one address */
	unsigned concurrency;              /* connections in flight at most */
	unsigned connect_ms, handshake_ms, total_ms; /* timeouts; handshake includes STARTTLS */
	unsigned retries;                  /* extra attempts after timeout/reset/unreachable */
	bool sni_probe;                    /* names: probe with SNI (default true) */
	bool also_default;                 /* names: also probe without SNI, compare the leaves */
	ch_scan_starttls starttls;
	int family;                        /* 0 = both, 4 or 6 only */
	bool all_addrs;                    /* names: every address (<= CH_SCAN_MAX_ADDRS), not one
	                                      per family */
	uint64_t max_range;                /* addresses in one range allowed without allow_large */
	bool allow_large;                  /* "--yes": bigger ranges allowed */
	size_t max_chain_bytes;            /* certificate-list message limit (OpenSSL max_cert_list) */
	unsigned resolvers;                /* resolver threads (default 4) */
	const char *alpn;                  /* comma-separated ALPN offer; NULL = "h2,http/1.1" */
	bool cert_only;                    /* fetch the certificate only: a hand-written TLS 1.2
	                                      ClientHello, the answer read up to the Certificate
	                                      message, no key exchange; servers that need more
	                                      (TLS 1.3 only, ...) are handed to OpenSSL, stopped
	                                      once the certificate is read */
	bool no_fast_path;                 /* cert_only through OpenSSL always (the TLS 1.3
	                                      handshake stopped at the certificate) */
} ch_scan_opts;

/* ch_scan_opts_default fills *o with the conservative defaults above. */
void ch_scan_opts_default(ch_scan_opts *o);

/* ch_scan_ports_parse reads a port list ("443,8443,9000-9010") into o->ports. */
ch_err ch_scan_ports_parse(ch_scan_opts *o, const char *list) CH_WARN_UNUSED;

/* ---- scope -------------------------------------------------------------------------------- */

typedef struct ch_scan_targets ch_scan_targets;

/* ch_scan_targets_new makes an empty scope in *out; opts (copied for the range and family
 * rules; may be NULL = defaults) decide what specs are accepted. */
ch_err ch_scan_targets_new(ch_scan_targets **out, const ch_scan_opts *opts) CH_WARN_UNUSED;

/* ch_scan_targets_free releases the scope; NULL is a no-op. */
void ch_scan_targets_free(ch_scan_targets *t);

/* ch_scan_targets_add adds one spec: "host", "host:port", "1.2.3.4[:port]", "::1",
 * "[::1]:8443", "10.0.0.0/24[:port]", "[2001:db8::/120]:443". CH_ERR_PARSE for a malformed spec,
 * CH_ERR_LIMIT for a range bigger than max_range without allow_large (ch_error_last() says
 * which). */
ch_err ch_scan_targets_add(ch_scan_targets *t, const char *spec) CH_WARN_UNUSED;

/* ch_scan_targets_add_file adds a file of specs, one per line (blank lines and '#' comments
 * skipped). The file is checked now (every line must parse) and read again while scanning, so it
 * is never held in memory. `where` errors name "path:line". */
ch_err ch_scan_targets_add_file(ch_scan_targets *t, const char *path) CH_WARN_UNUSED;

/* ch_scan_targets_exclude adds an exclusion: an address, a CIDR range or a host name (exact,
 * case-insensitive; "*.example.com" excludes the names under example.com). Excluded addresses
 * are never contacted, whatever name resolves to them. */
ch_err ch_scan_targets_exclude(ch_scan_targets *t, const char *spec) CH_WARN_UNUSED;

/* ch_scan_targets_exclude_file adds one exclusion per line of a file. */
ch_err ch_scan_targets_exclude_file(ch_scan_targets *t, const char *path) CH_WARN_UNUSED;

/* ch_scan_targets_resolve pins a host name to an address ("name=addr", curl's --resolve): the
 * name is then probed at that address (with the name as SNI) without asking DNS. At most
 * CH_SCAN_MAX_EXCLUDES pins. */
ch_err ch_scan_targets_resolve(ch_scan_targets *t, const char *pin) CH_WARN_UNUSED;

/* ch_scan_targets_count sets *out to the number of target hosts (addresses and names, ranges
 * expanded, exclusions of literal addresses applied) in the scope. */
ch_err ch_scan_targets_count(ch_scan_targets *t, uint64_t *out) CH_WARN_UNUSED;

/* ch_scan_targets_id appends to out a stable id of the scope and the options that change what
 * is probed ("scan:<sha256 hex>"): the checkpoint key of a resumable scan. */
ch_err ch_scan_targets_id(ch_scan_targets *t, char out[80], const ch_scan_opts *opts) CH_WARN_UNUSED;

/* ---- results ------------------------------------------------------------------------------ */

/* SNI vs no-SNI certificate selection, given on the no-SNI probe of a name. */
typedef enum ch_scan_selection {
	CH_SCAN_SEL_NONE = 0,     /* not a paired probe */
	CH_SCAN_SEL_SAME,         /* the default certificate is the SNI one */
	CH_SCAN_SEL_DIFFERENT,    /* the server selects by SNI */
	CH_SCAN_SEL_UNKNOWN,      /* one of the two probes failed */
} ch_scan_selection;

/* The outcome of one connection. Pointers are valid during the result callback only. */
typedef struct ch_scan_result {
	const char *target;        /* the target host as named (name or address text) */
	uint64_t target_index;     /* 0-based position of the target host in the scope */
	const char *ip;            /* address text (IPv6 RFC 5952); NULL for dns-failure */
	int port;
	const char *sni;           /* NULL when no SNI was sent */
	const char *status;        /* "ok" or the error class: "refused", "timeout", "reset",
	                              "closed", "unreachable", "dns-failure", "not-tls",
	                              "tls-alert-<name>", "tls-error", "starttls-failed",
	                              "cert-unparseable", "chain-too-large", "excluded" */
	bool ok;
	int alert;                 /* TLS alert code received, -1 when none */
	const char *phase;         /* where it ended: "dns", "connect", "starttls", "handshake",
	                              "done" */
	const char *error;         /* human detail, "" when ok */
	const char *tls_version;   /* "TLSv1.3", ... or NULL */
	const char *cipher;        /* OpenSSL cipher name or NULL */
	const char *alpn;          /* negotiated ALPN protocol or NULL */
	const char *starttls;      /* "smtp", ... or NULL when none was spoken */
	ch_scan_selection selection;
	const char *default_of;    /* selection != NONE: the SNI the comparison was made with */
	double connect_ms;         /* TCP connect time; < 0 when not connected */
	double handshake_ms;       /* STARTTLS + TLS handshake time; < 0 when not finished */
	int64_t time_ms;           /* when the connection started, epoch milliseconds */
	unsigned attempts;         /* connections made for this result (1 + retries used) */
	const ch_bytes *chain;     /* the certificates as sent, leaf first (DER) */
	size_t num_chain;
	uint8_t leaf_sha256[32];   /* when num_chain > 0 */
} ch_scan_result;

/* Progress counters, for the terminal line and the summary. */
#define CH_SCAN_NUM_CLASSES 16
typedef struct ch_scan_progress {
	uint64_t targets_total;    /* target hosts in the scope */
	uint64_t targets_done;     /* target hosts finished (every probe of them) */
	uint64_t resumed_from;     /* first target index of this run (0 unless resumed) */
	uint64_t connections;      /* TCP connections attempted */
	uint64_t results;          /* results delivered */
	uint64_t ok;
	uint64_t excluded;         /* addresses skipped by an exclusion */
	uint64_t addresses;        /* distinct addresses contacted (approximate beyond 1M) */
	uint64_t in_flight;
	uint64_t certificates;     /* certificates fed to the ingest pipeline */
	uint64_t fallbacks;        /* cert_only probes the TLS 1.2 fetch handed to OpenSSL */
	double elapsed_s;
	struct {
		const char *name;  /* error class name */
		uint64_t count;
	} classes[CH_SCAN_NUM_CLASSES];
	size_t num_classes;
} ch_scan_progress;

/* Called once per connection result; a non-CH_OK return stops the scan (returned by
 * ch_scan_run). */
typedef ch_err (*ch_scan_result_fn)(void *arg, const ch_scan_result *r);

/* Called about every progress_ms milliseconds and once at the end (final = true). */
typedef void (*ch_scan_progress_fn)(void *arg, const ch_scan_progress *p, bool final);

/* How a run reports and stores. All optional. */
typedef struct ch_scan_sink {
	ch_scan_result_fn on_result;
	ch_scan_progress_fn on_progress;
	void *arg;
	unsigned progress_ms;      /* 0 = 250 */
	ch_ingest *ingest;         /* certificates go here as sightings; NULL = not stored */
	const char *checkpoint_id; /* with ingest: checkpoint source id (ch_scan_targets_id) */
	uint64_t resume_from;      /* first target index to probe (from a checkpoint) */
	volatile int *stop;        /* set non-zero (e.g. from a signal handler) to stop early:
	                              connections in flight are abandoned, the checkpoint stays at
	                              the first unfinished target */
} ch_scan_sink;

/* ch_scan_run probes every target of `t` on its ports under `opts` and reports through `sink`.
 * The checkpoint written with ingest is the text "v1 <next> <total>" (next = first target index
 * not finished; next == total when complete). Returns CH_OK when the scope was covered (errors of
 * individual connections are results, not failures), CH_ERR_EOF when stopped early, or the first
 * failure of the environment (epoll, store, memory, a callback). *out_progress (may be NULL)
 * receives the final counters. */
ch_err ch_scan_run(ch_scan_progress *out_progress, ch_scan_targets *t, const ch_scan_opts *opts,
		   const ch_scan_sink *sink) CH_WARN_UNUSED;

/* ch_scan_checkpoint_parse reads a checkpoint blob written by ch_scan_run into *out_next and
 * *out_total; CH_ERR_PARSE if it is not one. */
ch_err ch_scan_checkpoint_parse(uint64_t *out_next, uint64_t *out_total, const void *data,
				size_t len) CH_WARN_UNUSED;

#endif
