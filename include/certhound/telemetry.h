/* certhound/telemetry.h — streaming readers for the network logs teams already keep.
 *
 * One reader per file turns each log line into one normalised observation (ch_obs): when, which
 * internal host, which destination address and port, which name was looked up or requested,
 * which TLS server name and certificates were seen, how many bytes moved, and the file and line
 * it came from. Formats (docs/telemetry.md):
 *
 *   zeek        Zeek ssl/x509/dns/conn/http logs, TSV with #separator/#fields/#types header
 *               (also several headers in one file, as `cat`-ed rotations produce)
 *   zeek-json   the same logs as JSON lines
 *   eve         Suricata EVE JSON: tls, dns, http, flow events (others are skipped)
 *   bind        BIND query logs ("client ... query: NAME IN TYPE")
 *   dnsmasq     dnsmasq log-queries lines (query/reply/forwarded/cached)
 *   squid       Squid native access.log
 *   combined    NCSA combined/common log format of nginx/Apache forward proxies
 *   netfilter   Linux iptables/nftables LOG lines (SRC= DST= DPT= PROTO=)
 *   csv, jsonl  anything else, through a column mapping (ch_telemetry_map)
 *
 * Every file may be gzip-compressed (rotated logs); it is decompressed while streaming. The
 * format is detected per file from its first meaningful line unless given. Lines longer than
 * the line limit and lines that do not parse are reported (file:line and why) and skipped; the
 * reader then goes on. Memory per reader is bounded by the line limit plus a fixed read buffer.
 *
 * No global state: one reader per file and thread. */
#ifndef CERTHOUND_TELEMETRY_H
#define CERTHOUND_TELEMETRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <certhound/err.h>

#define CH_TEL_LINE_MAX ((size_t)1 << 20)   /* default and largest line accepted */
#define CH_TEL_LINE_MIN ((size_t)256)       /* smallest line limit accepted */
#define CH_TEL_MAX_LIST 16                  /* answers / fingerprints / file ids kept per line */
#define CH_TEL_MAX_DER 8                    /* certificates (DER) kept per line */
#define CH_TEL_DER_MAX ((size_t)64 << 10)   /* one certificate's DER */
#define CH_OBS_NO_TIME INT64_MIN

/* What a line records. */
typedef enum ch_obs_kind {
	CH_OBS_DNS = 1,  /* a name lookup, maybe with its answers (Zeek dns, EVE dns, BIND, dnsmasq) */
	CH_OBS_CONN,     /* a connection or flow (Zeek conn, EVE flow) */
	CH_OBS_HTTP,     /* an HTTP request seen on the wire (Zeek http, EVE http) */
	CH_OBS_PROXY,    /* a request through a forward proxy (Squid, combined log, CONNECT) */
	CH_OBS_TLS,      /* a TLS session (Zeek ssl, EVE tls) */
	CH_OBS_X509,     /* a certificate seen in a TLS session (Zeek x509) */
	CH_OBS_FIREWALL, /* a packet logged by a firewall (iptables/nftables LOG) */
} ch_obs_kind;

/* ch_obs_kind_name returns "dns", "conn", "http", "proxy", "tls", "x509", "firewall" or "?". */
const char *ch_obs_kind_name(ch_obs_kind k);

/* A normalised observation. Strings are NUL-terminated, never NULL ("" when the line has no such
 * field), borrowed from the reader and valid until its next ch_telemetry_next call. Names are as
 * logged (not lower-cased). Addresses are as logged (IPv4 dotted, IPv6 text). */
typedef struct ch_obs {
	ch_obs_kind kind;
	int64_t time;            /* seconds since the epoch, UTC; CH_OBS_NO_TIME when unknown */
	uint32_t time_us;        /* microseconds within that second (0 when not logged) */
	const char *src;         /* the internal/client side: IP address or host name */
	int src_port;            /* 0 = none */
	const char *dst;         /* the server side: IP address (proxy: the upstream peer) */
	int dst_port;            /* 0 = none */
	const char *proto;       /* "tcp", "udp", "icmp", ... lower-case as logged */
	const char *service;     /* Zeek conn service, EVE app_proto, proxy method ("CONNECT") */
	const char *name;        /* DNS query, HTTP Host, proxy URL / CONNECT host (no port) */
	const char *sni;         /* TLS server name */
	const char *uri;         /* HTTP URI or proxy URL as logged */
	const char *action;      /* firewall prefix / proxy result code / DNS rcode, as logged */
	const char *answers[CH_TEL_MAX_LIST]; /* DNS answers (addresses and names) */
	size_t num_answers;
	/* Certificate fingerprints, lower-case hex without separators: 64 digits = SHA-256,
	 * 40 = SHA-1. The leaf comes first when the log says which one it is. When the line holds
	 * a certificate's DER, its SHA-256 and SHA-1 are listed here too. */
	const char *certs[CH_TEL_MAX_LIST];
	size_t num_certs;
	const char *fuids[CH_TEL_MAX_LIST];   /* Zeek file ids (ssl cert_chain_fuids, x509 id) */
	size_t num_fuids;
	const uint8_t *der[CH_TEL_MAX_DER];  /* certificates the line carries (leaf first) */
	size_t der_len[CH_TEL_MAX_DER];
	size_t num_der;
	int64_t bytes_out;       /* client -> server bytes; -1 when unknown */
	int64_t bytes_in;        /* server -> client bytes; -1 when unknown */
	const char *log;         /* the log's own type: Zeek path ("ssl"), EVE event_type, format */
	const char *file;        /* the file as opened ("-" for stdin) */
	uint64_t line;           /* 1-based line number */
} ch_obs;

/* ---- formats ------------------------------------------------------------------------------ */

typedef enum ch_telemetry_format {
	CH_TEL_AUTO = 0,
	CH_TEL_ZEEK,
	CH_TEL_ZEEK_JSON,
	CH_TEL_EVE,
	CH_TEL_BIND,
	CH_TEL_DNSMASQ,
	CH_TEL_SQUID,
	CH_TEL_COMBINED,
	CH_TEL_NETFILTER,
	CH_TEL_CSV,
	CH_TEL_JSONL,
	CH_TEL_FORMAT_COUNT_ /* not a format */
} ch_telemetry_format;

/* ch_telemetry_format_parse reads a format name ("auto", "zeek", "zeek-json", "eve", "bind",
 * "dnsmasq", "squid", "combined" (also "clf", "nginx", "apache"), "netfilter" (also "iptables",
 * "nftables"), "csv", "jsonl"); CH_ERR_INVALID with the choices otherwise. */
ch_err ch_telemetry_format_parse(ch_telemetry_format *out, const char *name) CH_WARN_UNUSED;

/* ch_telemetry_format_name returns the canonical name of a format. */
const char *ch_telemetry_format_name(ch_telemetry_format f);

/* ---- column mapping for csv / jsonl --------------------------------------------------------- */

/* A mapping from observation fields to column names (CSV header names, or JSON keys with dots
 * for nested objects: "tls.sni"). Made by ch_telemetry_map_parse from a spec such as
 *   "time=ts,src=client,dst=server,port=dport,host=query,sni=sni,cert=sha256,bytes=len,kind=dns"
 * Keys: time, src, sport, dst, port (destination port), host (alias name, query), sni, cert
 * (fingerprint; several columns may be given as cert=a+b), answer, uri, bytes (alias bytes_out),
 * bytes_in, proto, action, and `kind` whose value is an observation kind (dns, conn, http,
 * proxy, tls, x509, firewall) rather than a column; without `kind` a line is tls when it has an
 * SNI or a fingerprint, else http when it has a host and a destination, else dns when it has a
 * host, else conn. */
typedef struct ch_telemetry_map ch_telemetry_map;

/* ch_telemetry_map_parse parses a mapping spec into *out (free with ch_telemetry_map_free).
 * CH_ERR_INVALID with a message naming the bad item. */
ch_err ch_telemetry_map_parse(ch_telemetry_map **out, const char *spec) CH_WARN_UNUSED;

/* ch_telemetry_map_free releases a mapping; NULL is a no-op. */
void ch_telemetry_map_free(ch_telemetry_map *m);

/* ---- readers ------------------------------------------------------------------------------ */

typedef struct ch_telemetry_opts {
	ch_telemetry_format format;  /* CH_TEL_AUTO: detected from the file's first line */
	const ch_telemetry_map *map; /* for csv/jsonl (borrowed, must outlive the reader); with a
	                                map, AUTO files that are neither Zeek nor EVE use it */
	size_t max_line;             /* 0 = CH_TEL_LINE_MAX; clamped to [CH_TEL_LINE_MIN, MAX] */
	int year;                    /* year for syslog-style times without one; 0 = the current
	                                year, or the previous one when that date is in the future */
} ch_telemetry_opts;

typedef struct ch_telemetry_reader ch_telemetry_reader;

/* Counters of one reader. */
typedef struct ch_telemetry_counts {
	uint64_t lines;          /* lines read (headers and comments included) */
	uint64_t observations;   /* observations returned */
	uint64_t bad;            /* lines reported as bad */
	uint64_t skipped;        /* well-formed lines that are not observations (headers,
	                            comments, other event types, DNS lines without a name...) */
	uint64_t bytes;          /* bytes read after decompression */
} ch_telemetry_counts;

/* ch_telemetry_open opens `path` ("-" = standard input; gzip-compressed or plain) and returns
 * the reader in *out. opts may be NULL (auto-detect, default limits). CH_ERR_IO when the file
 * cannot be opened; CH_ERR_INVALID for csv/jsonl without a map. The path is copied. */
ch_err ch_telemetry_open(ch_telemetry_reader **out, const char *path,
			 const ch_telemetry_opts *opts) CH_WARN_UNUSED;

/* ch_telemetry_open_mem reads from a caller-owned buffer (plain text, not compressed) that
 * must outlive the reader; `name` is used as the file name. For tests and fuzzing. */
ch_err ch_telemetry_open_mem(ch_telemetry_reader **out, const void *data, size_t len,
			     const char *name, const ch_telemetry_opts *opts) CH_WARN_UNUSED;

/* ch_telemetry_next fills *out with the next observation. Returns
 *   CH_OK         an observation;
 *   CH_ERR_PARSE  a bad line, skipped: ch_error_last() is "FILE:LINE: why", and
 *                 ch_telemetry_bad_line / ch_telemetry_bad_reason say the same in parts;
 *                 call again to go on with the next line;
 *   CH_ERR_EOF    the end of the input;
 *   CH_ERR_IO     reading or decompressing failed (the reader is finished; the message says
 *                 where), CH_ERR_NOMEM. */
ch_err ch_telemetry_next(ch_telemetry_reader *r, ch_obs *out) CH_WARN_UNUSED;

/* ch_telemetry_bad_line / ch_telemetry_bad_reason describe the last bad line (0 / "" if none;
 * the reason is valid until the next call). */
uint64_t ch_telemetry_bad_line(const ch_telemetry_reader *r);
const char *ch_telemetry_bad_reason(const ch_telemetry_reader *r);

/* ch_telemetry_get_format returns the format in use (CH_TEL_AUTO until it is known). */
ch_telemetry_format ch_telemetry_get_format(const ch_telemetry_reader *r);

/* ch_telemetry_get_file returns the file name the reader reports (owned by the reader). */
const char *ch_telemetry_get_file(const ch_telemetry_reader *r);

/* ch_telemetry_get_counts fills *out. */
void ch_telemetry_get_counts(const ch_telemetry_reader *r, ch_telemetry_counts *out);

/* ch_telemetry_free closes the file (not standard input) and frees the reader; NULL is a no-op. */
void ch_telemetry_free(ch_telemetry_reader *r);

/* ---- helpers shared with the analyses ------------------------------------------------------ */

/* ch_telemetry_parse_time reads a log time: epoch seconds with an optional fraction
 * ("1714564800.123456"), epoch milliseconds (13+ digits), or RFC 3339 / ISO 8601
 * ("2024-05-01T12:00:00.5Z", "+02:00", "+0200", a space instead of 'T', no zone = UTC).
 * Returns true and sets *out (seconds) and *out_us (may be NULL). */
bool ch_telemetry_parse_time(int64_t *out, uint32_t *out_us, const char *s, size_t len);

#endif
