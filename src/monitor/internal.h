/* monitor internals: string multimaps, the confusables table, the matcher's indexes. */
#ifndef CH_MONITOR_INTERNAL_H
#define CH_MONITOR_INTERNAL_H

#include <certhound/monitor.h>
#include <certhound/names.h>

/* A string -> uint32 multimap with open addressing (a key may be stored several times with
 * different values; lookups walk the probe sequence). Keys are copied. */
typedef struct ch_mon_map {
	uint64_t *hash;   /* 0 = empty slot */
	char **key;
	uint32_t *klen;
	uint32_t *val;
	size_t cap, n;
} ch_mon_map;

ch_err ch_mon__map_put(ch_mon_map *m, const char *key, size_t len, uint32_t val) CH_WARN_UNUSED;
void ch_mon__map_free(ch_mon_map *m);

typedef struct ch_mon_iter {
	const ch_mon_map *m;
	const char *key;
	size_t len;
	uint64_t h;
	size_t i;
	bool done;
} ch_mon_iter;

void ch_mon__map_find(ch_mon_iter *it, const ch_mon_map *m, const char *key, size_t len);
bool ch_mon__map_next(ch_mon_iter *it, uint32_t *val);
bool ch_mon__map_has(const ch_mon_map *m, const char *key, size_t len);

/* The confusables table: code point -> ASCII text, plus ASCII sequences ("rn" -> "m"). */
typedef struct ch_mon_conf {
	uint32_t cp;
	char to[8];
} ch_mon_conf;

typedef struct ch_mon_seq {
	char from[8];
	char to[8];
	size_t from_len;
} ch_mon_seq;

#define CH_MON_SCRIPT_LATIN 0x1u
#define CH_MON_SCRIPT_CYRILLIC 0x2u
#define CH_MON_SCRIPT_GREEK 0x4u
#define CH_MON_SCRIPT_OTHER 0x8u

struct ch_monitor {
	ch_watch_entry *e;
	size_t num_e, cap_e;
	ch_monitor_opts o;
	ch_mon_map exact, subtree, org, allow, kw, del, skel;
	unsigned max_sub_labels;
	uint64_t kw_lens;      /* bit n: some keyword has n bytes (n < 64; longer ones set bit 63) */
	ch_mon_conf *conf;
	size_t num_conf;
	ch_mon_seq *seq;
	size_t num_seq;
	ch_names *names;
};

/* ch_mon__load_confusables reads DIR/confusables.txt into m. */
ch_err ch_mon__load_confusables(ch_monitor *m, const char *dir) CH_WARN_UNUSED;

/* ch_mon__skeleton writes the look-alike skeleton of s[0..len) into out (cap bytes); returns
 * its length (cut at cap-1) and the scripts seen in *scripts. */
size_t ch_mon__skeleton(const ch_monitor *m, char *out, size_t cap, const char *s, size_t len,
			unsigned *scripts);

/* ch_mon__index builds the maps from the entries (after parsing). */
ch_err ch_mon__index(ch_monitor *m) CH_WARN_UNUSED;

/* ch_mon__dn_values calls fn for each value of attribute `type` ("O") in an RFC 4514 DN. */
void ch_mon__dn_values(const char *dn, const char *type, void (*fn)(void *, const char *), void *arg);

/* ch_mon__damerau1 says whether a and b are exactly one edit apart (insert, delete,
 * substitute, or swap of neighbours). */
bool ch_mon__damerau1(const char *a, size_t al, const char *b, size_t bl);

uint64_t ch_mon__hash(const char *s, size_t len);

#endif
