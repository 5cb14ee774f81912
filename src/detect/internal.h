/* detect module internals: the byte source, the reader's field slots, per-format entry points,
 * text helpers and the configuration-file lexer shared by rules and allow-lists. */
#ifndef CH_DETECT_INTERNAL_H
#define CH_DETECT_INTERNAL_H

#include <certhound/buf.h>
#include <certhound/detect.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* ---- byte source: a window over a file or a memory buffer, with line counting ------------ */

#define DSRC_CHUNK ((size_t)256 << 10)

typedef struct dsrc {
	FILE *f;             /* NULL for memory sources */
	bool own_f;
	uint8_t *heap;       /* the window's storage for files */
	const uint8_t *buf;  /* heap, or the caller's memory */
	size_t cap;
	size_t start, end;   /* unread bytes are buf[start..end) */
	bool eof;            /* nothing more will come after buf[end) */
	uint64_t line;       /* 1-based line number of buf[start] */
	ch_err err;          /* sticky read error */
	/* UTF-16LE input (PowerShell's `>` writes it): converted to UTF-8 as it is read. */
	bool utf16;
	const uint8_t *raw;  /* raw bytes to convert before reading more of f */
	size_t raw_len, raw_pos;
	uint8_t *raw_heap;   /* owns raw when it was copied out of the window */
	uint8_t *u16;        /* conversion scratch */
	uint8_t carry[4];    /* an odd byte or an unpaired high surrogate awaiting more input */
	size_t ncarry;
} dsrc;

/* ch_detect__src_sniff_utf16 looks at the first bytes once: UTF-16LE (a BOM, or ASCII with NUL
 * high bytes) switches the source to converting into UTF-8. */
void ch_detect__src_sniff_utf16(dsrc *s);

/* ch_detect__src_free releases what the source owns (not the caller's FILE or memory). */
void ch_detect__src_free(dsrc *s);

/* ch_detect__src_fill makes at least `need` unread bytes available (fewer only at end of
 * input; never more than CH_PROCEV_RECORD_MAX + DSRC_CHUNK). Returns the unread count. */
size_t ch_detect__src_fill(dsrc *s, size_t need);

/* ch_detect__src_skip consumes n unread bytes, counting the newlines among them. */
void ch_detect__src_skip(dsrc *s, size_t n);

/* ch_detect__src_line reads one line (without its LF or CRLF) as a view into the window, valid
 * until the next source call. Returns false at end of input. A line longer than
 * CH_PROCEV_RECORD_MAX is consumed to its end and reported by *out_too_long (view empty). */
bool ch_detect__src_line(dsrc *s, const char **out, size_t *out_len, bool *out_too_long);

/* ---- the reader and its field slots ------------------------------------------------------- */

enum {
	F_TIME,      /* time text or epoch number */
	F_HOST,
	F_USER,
	F_DOMAIN,    /* user domain when the source gives it apart */
	F_IMAGE,
	F_NAME,      /* explicit file name (Defender FileName, ECS process.name) */
	F_CMD,
	F_PIMAGE,
	F_PNAME,     /* explicit parent file name */
	F_PCMD,
	F_PID,
	F_PPID,
	F_EVENTID,   /* Sysmon/ECS event id or code, Defender ActionType, osquery "name" */
	F_ACTION,    /* ECS event.type / osquery action */
	F_NET_HOST,
	F_NET_NAME,
	F_REASON,    /* BAD items */
	F_NUM
};

/* JSON flavours (also --input-format aliases). */
typedef enum jflavour { JF_ANY = 0, JF_ECS, JF_DEFENDER, JF_OSQUERY, JF_NET } jflavour;

/* A per-reader index from JSON path to map entry (json_fields.c), so each scalar costs one
 * hash and one compare. */
#define JINDEX_SLOTS 512
typedef struct jindex {
	int16_t slot[JINDEX_SLOTS]; /* map index + 1; 0 = empty */
	bool built;
} jindex;

typedef struct auditd_state auditd_state;
typedef struct csv_state csv_state;
typedef struct zeek_state zeek_state;

struct ch_procev_reader {
	dsrc src;
	char *path;
	ch_procev_format format;
	jflavour jflav;
	bool started;
	bool done;
	ch_buf field[F_NUM];
	bool set[F_NUM];
	uint64_t skipped;
	uint64_t rec_line;   /* line where the current record starts */
	auditd_state *auditd;
	csv_state *csv;
	zeek_state *zeek;
	int json_wrap;       /* JSON: where records sit (json.c states; -1 = resynchronising) */
	int json_resume;     /* JSON: the state to go back to after resynchronising */
	jindex jix;
};

/* ch_detect__field_set stores a field's value (decoded text). Values longer than
 * CH_PROCEV_FIELD_MAX fail with CH_ERR_LIMIT naming the field. */
ch_err ch_detect__field_set(ch_procev_reader *r, int id, const char *s, size_t n) CH_WARN_UNUSED;

/* ch_detect__field_append adds to a field (for decoders that produce text piecewise). */
ch_err ch_detect__field_append(ch_procev_reader *r, int id, const char *s,
			       size_t n) CH_WARN_UNUSED;

/* ch_detect__fields_reset forgets every field of the previous record. */
void ch_detect__fields_reset(ch_procev_reader *r);

/* ch_detect__bad makes *out a BAD item for the current record with a formatted reason. */
void ch_detect__bad(ch_procev_reader *r, ch_procev_item *out, uint64_t line, const char *fmt, ...)
	CH_PRINTF(4, 5);

/* ch_detect__emit_proc normalises the fields into out->proc (time, user, names, UTF-8 check);
 * CH_OK, or a BAD item already filled in when a field is unusable. */
void ch_detect__emit_proc(ch_procev_reader *r, ch_procev_item *out, uint64_t line);

/* Per-format readers: each fills *out with the next item; CH_ERR_EOF at end. */
ch_err ch_detect__xml_next(ch_procev_reader *r, ch_procev_item *out) CH_WARN_UNUSED;
ch_err ch_detect__json_next(ch_procev_reader *r, ch_procev_item *out) CH_WARN_UNUSED;
ch_err ch_detect__csv_next(ch_procev_reader *r, ch_procev_item *out) CH_WARN_UNUSED;
ch_err ch_detect__auditd_next(ch_procev_reader *r, ch_procev_item *out) CH_WARN_UNUSED;
ch_err ch_detect__zeek_next(ch_procev_reader *r, ch_procev_item *out) CH_WARN_UNUSED;
void ch_detect__auditd_free(auditd_state *s);
void ch_detect__csv_free(csv_state *s);
void ch_detect__zeek_free(zeek_state *s);

/* JSON: which field a dotted key path holds (json_fields.c). ch_detect__json_field returns the
 * index of the path's map entry (only entries of flavour `fl` unless JF_ANY) or -1; the
 * accessors give that entry's field id, priority (higher wins) and flavour. */
int ch_detect__json_field(jflavour fl, const char *path, size_t path_len);
int ch_detect__json_map_field(int i);
/* ch_detect__json_index_build fills ix with the entries of flavour fl (all for JF_ANY) plus the
 * network entries; ch_detect__json_lookup is ch_detect__json_field through it. */
void ch_detect__json_index_build(jindex *ix, jflavour fl);
int ch_detect__json_lookup(const jindex *ix, const char *path, size_t path_len);
int ch_detect__json_map_prio(int i);
jflavour ch_detect__json_map_flavour(int i);

/* JSON scanner (json_scan.c): walks one value at p[0..n), calling `cb` for each scalar with its
 * dotted key path (raw key bytes, escapes undecoded) and the raw value text. Returns the length
 * of the value, 0 if more input is needed (value runs past n), or -1 if malformed (*why set). */
typedef int (*json_scalar_cb)(void *ctx, const char *path, size_t path_len, char type,
			      const char *val, size_t val_len);
long ch_detect__json_scan(const char *p, size_t n, json_scalar_cb cb, void *ctx,
			  const char **why);

/* ch_detect__json_unescape decodes a raw JSON string body into `out` (appending). */
ch_err ch_detect__json_unescape(ch_buf *out, const char *s, size_t n) CH_WARN_UNUSED;

/* ---- text helpers (text.c) ---------------------------------------------------------------- */

/* ch_detect__parse_time reads RFC 3339 / ISO 8601 ("2024-05-01T12:00:00.1234567Z", with a space
 * instead of T, offsets +hh:mm), or epoch seconds with an optional fraction. */
bool ch_detect__parse_time(int64_t *out_ms, const char *s, size_t n);

/* ch_detect__utf8_valid is true when s[0..n) is well-formed UTF-8. */
bool ch_detect__utf8_valid(const char *s, size_t n);

/* ch_detect__basename returns the last component of a Windows or POSIX path. */
const char *ch_detect__basename(const char *path);

/* ch_detect__glob matches a case-insensitive pattern with '*' and '?' in O(len(p)*len(s)). */
bool ch_detect__glob(const char *pat, const char *s);

/* ch_detect__ieq compares n bytes without ASCII case. */
bool ch_detect__ieq(const char *a, const char *b, size_t n);

/* ch_detect__allow_match_rule is ch_detect_allow_match also checking entries' `rule` keys
 * against rule_id (allow.c). */
const char *ch_detect__allow_match_rule(const ch_detect_allow *al, const ch_proc_event *ev,
					const char *category, const char *rule_id);

/* ---- configuration files (conf.c): "[kind name]" sections of "key = value" lines ---------- */

typedef struct conf_line {
	const char *section_kind; /* "rule", "list", "allow" */
	const char *section_name;
	const char *key;          /* NULL for a bare item line (lists) */
	const char *value;
	uint64_t line;
} conf_line;

typedef ch_err (*conf_cb)(void *ctx, const conf_line *l);

/* ch_detect__conf_parse calls cb once per key or item line; errors come back as
 * "NAME:LINE: why". `text` need not be NUL-terminated. */
ch_err ch_detect__conf_parse(const char *text, size_t len, const char *name, conf_cb cb,
			     void *ctx) CH_WARN_UNUSED;

/* ch_detect__read_small reads a whole configuration file (at most 16 MiB). Caller frees. */
ch_err ch_detect__read_small(char **out, size_t *out_len, const char *path) CH_WARN_UNUSED;

#endif
