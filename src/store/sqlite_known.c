/* SQLite backend: the "known" filter — a scalable Bloom filter over every value (attribute and
 * stored text) and every certificate SHA-256 in the store, kept by a writing handle so that the
 * values and certificates that are certainly new (most of them in a bulk load) skip the index
 * lookups and upserts. A Bloom filter only errs towards "maybe present" (then the exact lookup
 * runs), so results never depend on it.
 *
 * It is only valid while it describes the whole store: it starts empty on a store without
 * certificates, is loaded from a small store (at most KNOWN_LOAD_MAX values), and is turned off
 * for good when another connection has written (PRAGMA data_version moved between two of this
 * handle's write transactions) or when it would outgrow KNOWN_MAX_BYTES (bounded memory). Rolled
 * back inserts stay in it: harmless false positives. */
#include "sqlite.h"

#include <stdlib.h>
#include <string.h>

#define KNOWN_FIRST_BITS (1u << 23)     /* first filter: 1 MiB, ~800k items */
#define KNOWN_MAX_BYTES (256u << 20)    /* all filters together */
#define KNOWN_BITS_PER_ITEM 10          /* with 4 probes: ~1.2% false positives */
#define KNOWN_LOAD_MAX 200000           /* values: load the filter from a store this small */

static uint64_t mix(uint64_t x)
{
	x ^= x >> 31;
	x *= 0x7fb5d329728ea185ull;
	x ^= x >> 27;
	x *= 0x81dadef4bc2dd44dull;
	x ^= x >> 33;
	return x;
}

void ch_sq__known_free(ch_sqlite *q)
{
	for (size_t i = 0; i < q->known.num; i++)
		free(q->known.f[i].bits);
	memset(&q->known, 0, sizeof q->known);
}

void ch_sq__known_off(ch_sqlite *q)
{
	ch_sq__known_free(q);
	q->known.state = CH_SQ_KNOWN_OFF;
}

bool ch_sq__known_maybe(const ch_sqlite *q, uint64_t h)
{
	uint64_t h2 = mix(h) | 1;

	if (q->known.state != CH_SQ_KNOWN_ON)
		return true;
	for (size_t i = 0; i < q->known.num; i++) {
		const ch_sq_bloom *b = &q->known.f[i];
		uint64_t x = h;
		bool all = true;
		for (int k = 0; k < 4 && all; k++, x += h2)
			all = (b->bits[(x & b->mask) >> 6] >> (x & 63)) & 1;
		if (all)
			return true;
	}
	return false;
}

void ch_sq__known_add(ch_sqlite *q, uint64_t h)
{
	uint64_t h2 = mix(h) | 1, x = h;
	ch_sq_bloom *b;

	if (q->known.state != CH_SQ_KNOWN_ON)
		return;
	b = q->known.num ? &q->known.f[q->known.num - 1] : NULL;
	if (!b || b->items >= (b->mask + 1) / KNOWN_BITS_PER_ITEM) {
		/* Full (or none yet): a new filter twice the size of the last. */
		size_t bits = b ? 2 * (b->mask + 1) : KNOWN_FIRST_BITS;
		if (q->known.num == CH_SQ_KNOWN_FILTERS || q->known.bytes + bits / 8 > KNOWN_MAX_BYTES) {
			ch_sq__known_off(q);
			return;
		}
		b = &q->known.f[q->known.num];
		if (!(b->bits = calloc(bits / 64, sizeof *b->bits))) {
			ch_sq__known_off(q);
			return;
		}
		b->mask = bits - 1;
		b->items = 0;
		q->known.bytes += bits / 8;
		q->known.num++;
	}
	for (int k = 0; k < 4; k++, x += h2)
		b->bits[(x & b->mask) >> 6] |= 1ull << (x & 63);
	b->items++;
}

uint64_t ch_sq__sha_key(const uint8_t sha256[32])
{
	uint64_t h;

	memcpy(&h, sha256, 8);
	return mix(h ^ 0x5bd1e9955bd1e995ull);
}

/* load fills the filter from a small store; false when the store is too big for that. */
static bool load(ch_sqlite *q)
{
	sqlite3_stmt *st = NULL;
	bool ok = false;
	int64_t n = 0;

	if (sqlite3_prepare_v2(q->db, "SELECT count(*) FROM val", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		goto out;
	n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	st = NULL;
	if (n > KNOWN_LOAD_MAX)
		goto out;
	if (sqlite3_prepare_v2(q->db, "SELECT attr, text FROM val", -1, &st, NULL) != SQLITE_OK)
		goto out;
	while (sqlite3_step(st) == SQLITE_ROW && q->known.state == CH_SQ_KNOWN_ON)
		ch_sq__known_add(q, ch_sq__val_hash((ch_store_attr)sqlite3_column_int(st, 0),
						    (const char *)sqlite3_column_text(st, 1)));
	sqlite3_finalize(st);
	if (sqlite3_prepare_v2(q->db, "SELECT sha256 FROM cert", -1, &st, NULL) != SQLITE_OK)
		goto out;
	while (sqlite3_step(st) == SQLITE_ROW && q->known.state == CH_SQ_KNOWN_ON)
		if (sqlite3_column_bytes(st, 0) == 32)
			ch_sq__known_add(q, ch_sq__sha_key(sqlite3_column_blob(st, 0)));
	ok = q->known.state == CH_SQ_KNOWN_ON;
out:
	sqlite3_finalize(st);
	return ok;
}

void ch_sq__known_begin(ch_sqlite *q)
{
	sqlite3_stmt *st = NULL;
	int64_t dv = -1;

	if (q->known.state == CH_SQ_KNOWN_OFF)
		return;
	if (sqlite3_prepare_v2(q->db, "PRAGMA data_version", -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		dv = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (dv < 0) {
		ch_sq__known_off(q);
		return;
	}
	if (q->known.state == CH_SQ_KNOWN_ON) {
		if (dv != q->known.data_version)
			ch_sq__known_off(q); /* someone else wrote: the filter no longer covers the store */
		else
			q->known.data_version = dv;
		return;
	}
	/* First write transaction of this handle. */
	q->known.state = CH_SQ_KNOWN_ON;
	q->known.data_version = dv;
	if (!load(q))
		ch_sq__known_off(q);
}
