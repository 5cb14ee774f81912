/* corroborate internals: the indicator table and per-indicator accumulators. */
#ifndef CH_CORROBORATE_INTERNAL_H
#define CH_CORROBORATE_INTERNAL_H

#include <certhound/corroborate.h>

/* Key tags in the table. */
enum { T_NAME = 1, T_IP, T_FP, T_FUID };

#define CORR_NAME_MAX 253
#define CORR_MAX_TECH 32

/* One key -> indicator entry; entries with the same key chain through `next` (index + 1). */
typedef struct corr_entry {
	uint64_t h;
	uint32_t off;        /* key bytes in the key arena */
	uint16_t len;
	uint8_t tag;
	uint32_t ind;
	uint32_t next;
} corr_entry;

typedef struct corr_table {
	uint64_t *slots;     /* high 32 bits of the hash << 32 | entry index + 1; 0 = empty */
	size_t mask;
	corr_entry *e;
	size_t n, cap, heads;
	uint8_t *keys;
	size_t keys_len, keys_cap;
} corr_table;

/* What one indicator has gathered. */
typedef struct corr_ind {
	char *text;
	char *source;
	uint8_t kind;        /* ch_corr_kind */
	uint8_t verdict;     /* ch_verdict */
	bool hosts_truncated;
	uint8_t num_ev[4];
	uint32_t num_hosts;
	uint64_t count, count_by[4];
	int64_t first, last;
	uint32_t attack;     /* bit i = technique i of the run's attack rules */
	char **hosts;
	ch_corr_evidence *ev; /* 3 levels x evidence_per_kind, allocated on the first match */
} corr_ind;

/* An interned string (file names, log names). */
typedef struct corr_str {
	char *s;
	struct corr_str *next;
} corr_str;

struct ch_corroborate {
	ch_corroborate_opts opts;
	size_t ev_per;
	corr_ind *ind;
	size_t num_ind, cap_ind;
	corr_table t;
	size_t num_fuids;
	corr_str *strs;      /* interned strings */
	const char *last_file;   /* the last interned file (fast path) */
	const char *last_file_in;
	/* result scratch */
	ch_corr_evidence *res_ev;
	const char *res_attack[CORR_MAX_TECH];
	size_t matched;
};

/* ---- table.c ------------------------------------------------------------------------------ */

uint64_t ch_corroborate__hash(uint8_t tag, const void *p, size_t n);

/* Returns the index + 1 of the first entry with (tag, key), or 0. */
uint32_t ch_corroborate__find(const corr_table *t, uint8_t tag, const void *key, size_t n,
			      uint64_t h);

/* Adds (tag, key) -> ind unless that exact pair exists. */
ch_err ch_corroborate__insert(corr_table *t, uint8_t tag, const void *key, size_t n,
			      uint32_t ind);

void ch_corroborate__table_free(corr_table *t);

/* ch_corroborate__ip parses an IPv4/IPv6 address into 4 or 16 bytes (IPv4-mapped IPv6 -> 4);
 * returns the length, 0 if not an address. */
size_t ch_corroborate__ip(uint8_t out[16], const char *s);

/* ch_corroborate__fp parses 40/64 hex digits (':' allowed) into bytes; returns 20/32 or 0. */
size_t ch_corroborate__fp(uint8_t out[32], const char *s, size_t n);

/* ---- attack.c ----------------------------------------------------------------------------- */

/* ch_corr__attack_bits returns the techniques (bit per technique index) for one evidence line. */
uint32_t ch_corr__attack_bits(const ch_corr_attack *a, ch_obs_kind kind, const char *matched,
			      int port);

/* ch_corr__attack_id returns technique i's id. */
const char *ch_corr__attack_id(const ch_corr_attack *a, size_t i);
size_t ch_corr__attack_count(const ch_corr_attack *a);

#endif
