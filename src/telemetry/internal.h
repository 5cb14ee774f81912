/* telemetry internals: the line source, per-format parsers and their shared helpers. */
#ifndef CH_TELEMETRY_INTERNAL_H
#define CH_TELEMETRY_INTERNAL_H

#include <certhound/hash.h>
#include <certhound/telemetry.h>

#include <jansson.h>
#include <stdio.h>
#include <zlib.h>

/* Parser results. */
enum { TEL_OBS = 0, TEL_SKIP = 1, TEL_BAD = 2 };

#define TEL_ZEEK_MAX_COLS 256
#define TEL_READ_CHUNK ((size_t)256 << 10)
#define TEL_MAP_MAX_CERT 4

/* Observation slots a column (Zeek field, CSV column, mapped JSON key) can feed. */
enum tel_slot {
	S_NONE = 0,
	S_TIME,
	S_SRC,
	S_SPORT,
	S_DST,
	S_DPORT,
	S_PROTO,
	S_SERVICE,
	S_NAME,
	S_SNI,
	S_URI,
	S_ACTION,
	S_ANSWERS,
	S_CERTS,      /* fingerprint list */
	S_FUIDS,      /* Zeek file id list */
	S_CERT_B64,   /* certificate DER in base64 */
	S_BYTES_OUT,
	S_BYTES_IN,
	S_METHOD,
	S_COUNT_
};

/* A column mapping for csv/jsonl (telemetry.h). */
struct ch_telemetry_map {
	char *col[S_COUNT_];                 /* column name per slot (NULL = unmapped) */
	char *cert_cols[TEL_MAP_MAX_CERT];   /* extra fingerprint columns (cert=a+b) */
	size_t num_cert_cols;
	int kind;                            /* ch_obs_kind, 0 = decided per line */
};

/* Zeek TSV header state. */
typedef struct tel_zeek {
	char sep;               /* field separator (tab) */
	char set_sep;           /* set/vector separator (',') */
	char empty[32];         /* "(empty)" */
	char unset[32];         /* "-" */
	size_t empty_len, unset_len;
	char path[32];          /* "conn", "ssl", ... */
	int kind;               /* ch_obs_kind for the path, 0 = unknown path */
	bool have_fields;
	size_t num_cols;
	uint8_t slot[TEL_ZEEK_MAX_COLS];
} tel_zeek;

/* Generic CSV state. */
typedef struct tel_csv {
	bool have_header;
	size_t num_cols;
	uint8_t slot[TEL_ZEEK_MAX_COLS];
	int8_t extra_cert[TEL_ZEEK_MAX_COLS];
} tel_csv;

struct ch_telemetry_reader {
	char *file;
	gzFile gz;
	const uint8_t *mem;
	size_t mem_len, mem_pos;
	bool eof, failed, skipping, gave_up;
	char *buf;               /* read buffer: [start, end) unread */
	size_t cap, start, end;
	size_t max_line;
	uint64_t lineno;
	ch_telemetry_format fmt;
	const ch_telemetry_map *map;
	int year;                /* 0 = infer */
	int64_t now;
	ch_telemetry_counts counts;
	unsigned undetected;
	char reason[256];
	uint64_t bad_line;
	char *scratch;           /* strings made for the current observation */
	size_t scratch_len, scratch_cap;
	uint8_t *der;            /* decoded certificates of the current line */
	size_t der_used;
	char fp[CH_TEL_MAX_DER * 2][65];
	ch_hash *hash;
	json_t *json;            /* the current JSON line */
	tel_zeek zeek;
	tel_csv csv;
};

/* ---- helpers (fields.c) -------------------------------------------------------------------- */

/* tel_bad records why the current line is bad; returns TEL_BAD. */
int tel_bad(ch_telemetry_reader *r, const char *fmt, ...) CH_PRINTF(2, 3);

/* tel_obs_init clears *o for the current line. */
void tel_obs_init(ch_telemetry_reader *r, ch_obs *o, ch_obs_kind kind);

/* tel_str copies n bytes into the line's scratch area (NUL-terminated); "" when full. */
const char *tel_str(ch_telemetry_reader *r, const char *s, size_t n);

/* tel_add_answer / tel_add_fuid append to the observation's lists (ignored beyond the max). */
void tel_add_answer(ch_obs *o, const char *s);
void tel_add_fuid(ch_obs *o, const char *s);

/* tel_add_fp adds a fingerprint given as hex with optional ':' or ' ' separators; false (and
 * nothing added) when it is not 40 or 64 hex digits. */
bool tel_add_fp(ch_telemetry_reader *r, ch_obs *o, const char *s, size_t n);

/* tel_add_der_b64 decodes a base64 certificate, keeps its DER and adds its SHA-256 and SHA-1
 * fingerprints; false when it is not base64 or too large. */
bool tel_add_der_b64(ch_telemetry_reader *r, ch_obs *o, const char *s, size_t n);

/* tel_parse_int reads a non-negative decimal integer of the whole field; false otherwise. */
bool tel_parse_int(int64_t *out, const char *s, size_t n);

/* tel_parse_port reads 0..65535. */
bool tel_parse_port(int *out, const char *s, size_t n);

/* tel_url_host finds the host (and port, 0 if none) of an absolute URL ("http://h:8080/x"),
 * a CONNECT target ("h:443", "[v6]:443") or a bare host; *host is a scratch string. */
void tel_url_host(ch_telemetry_reader *r, const char *s, size_t n, const char **host, int *port);

/* tel_syslog_time reads "Mon DD HH:MM:SS" (year inferred) or an RFC 3339 time at the start of
 * s; sets *out and *used (bytes consumed). */
bool tel_syslog_time(ch_telemetry_reader *r, int64_t *out, uint32_t *us, const char *s,
		     size_t n, size_t *used);

/* tel_slot_set stores one text value into the slot of *o (scalars, lists, times). For list
 * slots the value is one element. Returns false when a time/port/number does not parse. */
bool tel_slot_set(ch_telemetry_reader *r, ch_obs *o, int slot, const char *s, size_t n);

/* tel_lower_inplace lower-cases ASCII letters. */
void tel_lower_inplace(char *s);

/* ---- JSON (json.c) ------------------------------------------------------------------------ */

/* tel_json_load parses the line into r->json (released at the next line); TEL_BAD if invalid. */
int tel_json_load(ch_telemetry_reader *r, const char *line, size_t len);

/* tel_json_path returns the member at a dotted path ("tls.sni"), or NULL. */
json_t *tel_json_path(json_t *obj, const char *path);

/* ---- format parsers: each returns TEL_OBS, TEL_SKIP or TEL_BAD ---------------------------- */

int ch_telemetry__zeek_line(ch_telemetry_reader *r, char *line, size_t len, ch_obs *o);
int ch_telemetry__zeek_json(ch_telemetry_reader *r, ch_obs *o);
int ch_telemetry__eve(ch_telemetry_reader *r, ch_obs *o);
int ch_telemetry__jsonl(ch_telemetry_reader *r, ch_obs *o);
int ch_telemetry__csv(ch_telemetry_reader *r, char *line, size_t len, ch_obs *o);
int ch_telemetry__bind(ch_telemetry_reader *r, char *line, size_t len, ch_obs *o);
int ch_telemetry__dnsmasq(ch_telemetry_reader *r, char *line, size_t len, ch_obs *o);
int ch_telemetry__squid(ch_telemetry_reader *r, char *line, size_t len, ch_obs *o);
int ch_telemetry__combined(ch_telemetry_reader *r, char *line, size_t len, ch_obs *o);
int ch_telemetry__netfilter(ch_telemetry_reader *r, char *line, size_t len, ch_obs *o);

/* ch_telemetry__map_kind decides the kind of a mapped line (map's kind, else by its fields). */
int ch_telemetry__map_kind(const ch_telemetry_map *m, const ch_obs *o);

/* ch_telemetry__zeek_slot maps a Zeek field name to a slot (S_NONE if not used). */
int ch_telemetry__zeek_slot(const char *name, size_t n);

/* ch_telemetry__zeek_kind maps a Zeek path ("ssl") to an observation kind (0 if unknown). */
int ch_telemetry__zeek_kind(const char *path, size_t n);

/* ch_telemetry__detect guesses the format of a first meaningful line (CH_TEL_AUTO = unknown). */
ch_telemetry_format ch_telemetry__detect(ch_telemetry_reader *r, const char *line, size_t len);

#endif
