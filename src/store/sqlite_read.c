/* SQLite backend: search pages, counts, distinct names, one certificate, rarity, statistics. */
#include "sqlite.h"

#include <certhound/util.h>

#include <errno.h>
#include <stdio.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static ch_err nomem(void)
{
	return ch_error_set(CH_ERR_NOMEM, "out of memory reading the store");
}

static char *col_strdup(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	return t ? ch_store__strdup((const char *)t) : NULL;
}

/* unreverse turns a stored name ("com.example.www") back into the name. Caller frees. */
static char *unreverse(const char *stored)
{
	size_t n = strlen(stored);
	char *out = malloc(n + 1);

	if (out)
		ch_sq__reverse_labels(out, stored, n);
	return out;
}

/* serial_of cuts "<hex>/<issuer id>" back to the serial hex. Caller frees. */
static char *serial_of(const char *stored)
{
	const char *slash = stored ? strchr(stored, '/') : NULL;
	size_t n = slash ? (size_t)(slash - stored) : (stored ? strlen(stored) : 0);
	char *out = stored ? malloc(n + 1) : NULL;

	if (out) {
		memcpy(out, stored, n);
		out[n] = '\0';
	}
	return out;
}

/* load_summary fills one search result from its certificate id. */
static ch_err load_summary(ch_sqlite *q, ch_store_summary *out, int64_t id)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	ch_err err = CH_OK;
	int rc;

	CH_TRY(ch_sq__stmt(q, &st, SQ_SUMMARY));
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		err = ch_error_set(CH_ERR_STORE, "store: certificate %lld vanished", (long long)id);
		goto out;
	}
	if (sqlite3_column_bytes(st, 0) == 32)
		memcpy(out->sha256, sqlite3_column_blob(st, 0), 32);
	out->not_before = sqlite3_column_int64(st, 1);
	out->not_after = sqlite3_column_int64(st, 2);
	out->flags = (unsigned)sqlite3_column_int(st, 3);
	out->serial_hex = serial_of((const char *)sqlite3_column_text(st, 4));
	out->subject = col_strdup(st, 5);
	out->issuer = col_strdup(st, 6);
	sqlite3_reset(st);
	if (!out->serial_hex || !out->subject || !out->issuer) {
		/* A certificate always has all three (an empty DN is stored as ""). */
		if (!out->serial_hex)
			out->serial_hex = ch_store__strdup("");
		if (!out->subject)
			out->subject = ch_store__strdup("");
		if (!out->issuer)
			out->issuer = ch_store__strdup("");
		if (!out->serial_hex || !out->subject || !out->issuer)
			CH_TRY(nomem());
	}
	CH_TRY(ch_sq__stmt(q, &st, SQ_CERT_NAMES));
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (out->num_names == cap) {
			char **nn = realloc(out->names, (cap = cap ? 2 * cap : 8) * sizeof *nn);
			if (!nn) {
				sqlite3_reset(st);
				CH_TRY(nomem());
			}
			out->names = nn;
		}
		out->names[out->num_names] = unreverse((const char *)sqlite3_column_text(st, 0));
		if (!out->names[out->num_names]) {
			sqlite3_reset(st);
			CH_TRY(nomem());
		}
		out->num_names++;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		err = ch_sq__fail(q, "reading names");
out:
	return err;
}

static ch_err parse_cursor(int64_t *out, const char *after)
{
	char *end;
	long long v;

	*out = 0;
	if (!after || !*after)
		return CH_OK;
	errno = 0;
	v = after[0] == 'c' ? strtoll(after + 1, &end, 10) : -1;
	if (after[0] != 'c' || errno || *end || v < 0)
		return ch_error_set(CH_ERR_INVALID, "store: bad cursor '%s'", after);
	*out = v;
	return CH_OK;
}

static ch_err prepare(ch_sqlite *q, sqlite3_stmt **out, const char *sql)
{
	if (sqlite3_prepare_v2(q->db, sql, -1, out, NULL) != SQLITE_OK) {
		*out = NULL;
		return ch_sq__fail(q, "preparing a search");
	}
	return CH_OK;
}

/* page_of runs "SELECT DISTINCT id FROM (expr) ORDER BY id LIMIT n" and loads the summaries. */
static ch_err page_of(ch_sqlite *q, ch_store_page **out, ch_sq_query *qq, size_t limit,
		      const char *after)
{
	ch_store_page *p = calloc(1, sizeof *p);
	sqlite3_stmt *st = NULL;
	int64_t cur, *ids = NULL;
	size_t n = 0;
	ch_err err = CH_OK;
	ch_buf sql;
	int rc;

	ch_buf_init(&sql, 2u << 20);
	if (!p || !(ids = malloc((limit + 1) * sizeof *ids)))
		CH_TRY(nomem());
	CH_TRY(parse_cursor(&cur, after));
	CH_TRY(ch_buf_printf(&sql, "SELECT DISTINCT id FROM (%s) ORDER BY id LIMIT %zu",
			     qq->sql.data, limit + 1));
	CH_TRY(prepare(q, &st, sql.data));
	CH_TRY(ch_sq__bind(q, st, qq, cur));
	while (n <= limit && (rc = sqlite3_step(st)) == SQLITE_ROW)
		ids[n++] = sqlite3_column_int64(st, 0);
	if (n <= limit && rc != SQLITE_DONE)
		CH_TRY(ch_sq__fail(q, "searching"));
	sqlite3_finalize(st);
	st = NULL;
	if (n > limit) /* one more than asked: there is a next page */
		snprintf(p->cursor, sizeof p->cursor, "c%lld", (long long)ids[limit - 1]);
	n = n > limit ? limit : n;
	p->items = calloc(n ? n : 1, sizeof *p->items);
	if (!p->items)
		CH_TRY(nomem());
	for (size_t i = 0; i < n; i++) {
		p->num_items = i + 1;
		CH_TRY(load_summary(q, &p->items[i], ids[i]));
	}
out:
	sqlite3_finalize(st);
	ch_buf_free(&sql);
	free(ids);
	if (err)
		ch_store_page_free(p);
	else
		*out = p;
	return err;
}

ch_err ch_sq__search(ch_store *s, ch_store_page **out, const ch_filter *f, size_t limit,
		     const char *after)
{
	ch_sqlite *q = (ch_sqlite *)s;
	ch_sq_query qq;
	ch_err err;

	ch_sq__query_init(&qq);
	err = ch_sq__compile(q, &qq, f);
	if (!err)
		err = page_of(q, out, &qq, limit, after);
	ch_sq__query_free(&qq);
	return err;
}

ch_err ch_sq__certs_with(ch_store *s, ch_store_page **out, ch_store_attr attr,
			 const char *value, size_t limit, const char *after)
{
	ch_sqlite *q = (ch_sqlite *)s;
	ch_sq_query qq;
	ch_err err;

	ch_sq__query_init(&qq);
	err = ch_sq__compile_attr(q, &qq, attr, value);
	if (!err)
		err = page_of(q, out, &qq, limit, after);
	ch_sq__query_free(&qq);
	return err;
}

ch_err ch_sq__count(ch_store *s, uint64_t *out, const ch_filter *f)
{
	ch_sqlite *q = (ch_sqlite *)s;
	ch_sq_query qq;
	sqlite3_stmt *st = NULL;
	ch_buf sql;
	ch_err err = CH_OK;
	ch_store_stats stats;

	*out = 0;
	ch_sq__query_init(&qq);
	ch_buf_init(&sql, 2u << 20);
	if (!f) { /* everything: the maintained counter */
		err = ch_sq__stats(s, &stats);
		*out = stats.certificates;
		goto out;
	}
	CH_TRY(ch_sq__compile(q, &qq, f));
	CH_TRY(ch_buf_printf(&sql, "SELECT count(DISTINCT id) FROM (%s)", qq.sql.data));
	CH_TRY(prepare(q, &st, sql.data));
	CH_TRY(ch_sq__bind(q, st, &qq, 0));
	if (sqlite3_step(st) != SQLITE_ROW)
		CH_TRY(ch_sq__fail(q, "counting"));
	*out = (uint64_t)sqlite3_column_int64(st, 0);
out:
	sqlite3_finalize(st);
	ch_buf_free(&sql);
	ch_sq__query_free(&qq);
	return err;
}

/* names cursor: 'n' + hex of the stored (reversed) name. */
static ch_err names_cursor(char *out, size_t cap, const char *stored)
{
	size_t n = strlen(stored);

	if (2 * n + 2 > cap)
		return ch_error_set(CH_ERR_LIMIT, "store: name too long for a cursor");
	out[0] = 'n';
	ch_hex_encode(out + 1, (const uint8_t *)stored, n);
	return CH_OK;
}

static ch_err names_after(char *out, size_t cap, const char *after)
{
	size_t n = after ? strlen(after) : 0;
	long k;

	out[0] = '\0';
	if (n == 0)
		return CH_OK;
	if (after[0] != 'n' || (k = ch_hex_decode((uint8_t *)out, cap - 1, after + 1, n - 1)) < 0)
		return ch_error_set(CH_ERR_INVALID, "store: bad cursor '%s'", after);
	out[k] = '\0';
	return CH_OK;
}

ch_err ch_sq__names(ch_store *s, ch_store_strpage **out, const ch_filter *f, size_t limit,
		    const char *after)
{
	ch_sqlite *q = (ch_sqlite *)s;
	ch_store_strpage *p = calloc(1, sizeof *p);
	ch_sq_query qq;
	sqlite3_stmt *st = NULL;
	char from[CH_STORE_CURSOR_MAX], last[CH_STORE_CURSOR_MAX];
	ch_buf sql;
	ch_err err = CH_OK;
	size_t n = 0;
	int rc, np;

	ch_sq__query_init(&qq);
	ch_buf_init(&sql, 2u << 20);
	if (!p || !(p->items = calloc(limit, sizeof *p->items)))
		CH_TRY(nomem());
	CH_TRY(names_after(from, sizeof from, after));
	if (!f) {
		CH_TRY(ch_buf_printf(&sql, "SELECT text FROM val WHERE attr=%d AND text>?1 "
				     "ORDER BY text LIMIT %zu", (int)CH_SA_NAME, limit + 1));
		CH_TRY(prepare(q, &st, sql.data));
		sqlite3_bind_text(st, 1, from, -1, SQLITE_STATIC);
	} else {
		CH_TRY(ch_sq__compile(q, &qq, f));
		np = (int)qq.num_params + 2;
		/* Walk the matching certificates' value lists (vlist), never all names. */
		CH_TRY(ch_buf_printf(&sql, "SELECT DISTINCT v.text FROM (SELECT DISTINCT id FROM (%s)) r"
				     " CROSS JOIN vlist l ON l.id=r.id CROSS JOIN json_each(l.ids) j"
				     " CROSS JOIN val v ON v.id=j.value"
				     " WHERE (j.value & %d)=%d AND v.text>?%d ORDER BY v.text LIMIT %zu",
				     qq.sql.data, CH_SQ_ATTR_MASK, (int)CH_SA_NAME, np, limit + 1));
		CH_TRY(prepare(q, &st, sql.data));
		CH_TRY(ch_sq__bind(q, st, &qq, 0));
		sqlite3_bind_text(st, np, from, -1, SQLITE_STATIC);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);
		if (n == limit) {
			CH_TRY(names_cursor(p->cursor, sizeof p->cursor, last));
			break;
		}
		snprintf(last, sizeof last, "%s", t);
		if (!(p->items[n] = unreverse(t)))
			CH_TRY(nomem());
		p->num_items = ++n;
	}
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		CH_TRY(ch_sq__fail(q, "listing names"));
out:
	sqlite3_finalize(st);
	ch_buf_free(&sql);
	ch_sq__query_free(&qq);
	if (err)
		ch_store_strpage_free(p);
	else
		*out = p;
	return err;
}

ch_err ch_sq__explain(ch_store *s, ch_buf *out, const ch_filter *f)
{
	ch_sqlite *q = (ch_sqlite *)s;
	ch_sq_query qq;
	sqlite3_stmt *st = NULL;
	ch_buf sql;
	ch_err err = CH_OK;

	ch_sq__query_init(&qq);
	ch_buf_init(&sql, 2u << 20);
	CH_TRY(ch_sq__compile(q, &qq, f));
	CH_TRY(ch_buf_printf(&sql, "EXPLAIN QUERY PLAN SELECT DISTINCT id FROM (%s) ORDER BY id "
			     "LIMIT 100", qq.sql.data));
	CH_TRY(ch_buf_printf(out, "%s\n", sql.data + strlen("EXPLAIN QUERY PLAN ")));
	CH_TRY(prepare(q, &st, sql.data));
	CH_TRY(ch_sq__bind(q, st, &qq, 0));
	while (sqlite3_step(st) == SQLITE_ROW)
		CH_TRY(ch_buf_printf(out, "%d %d %s\n", sqlite3_column_int(st, 0),
				     sqlite3_column_int(st, 1), sqlite3_column_text(st, 3)));
out:
	sqlite3_finalize(st);
	ch_buf_free(&sql);
	ch_sq__query_free(&qq);
	return err;
}

/* find_prefix resolves a SHA-256 hex prefix to one certificate id. */
static ch_err find_prefix(ch_sqlite *q, int64_t *out, const char *hex)
{
	char lo_hex[65], hi_hex[65];
	uint8_t lo[32], hi[32];
	size_t n = hex ? strlen(hex) : 0;
	sqlite3_stmt *st;
	int rows = 0, rc;
	ch_err err = CH_OK;

	if (n < 4 || n > 64)
		return ch_error_set(CH_ERR_INVALID, "store: a SHA-256 prefix needs 4 to 64 hex digits");
	memset(lo_hex, '0', 64);
	memset(hi_hex, 'f', 64);
	memcpy(lo_hex, hex, n);
	memcpy(hi_hex, hex, n);
	if (ch_hex_decode(lo, 32, lo_hex, 64) != 32 || ch_hex_decode(hi, 32, hi_hex, 64) != 32)
		return ch_error_set(CH_ERR_INVALID, "store: '%s' is not hex", hex);
	CH_TRY(ch_sq__stmt(q, &st, SQ_PREFIX));
	sqlite3_bind_blob(st, 1, lo, 32, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, hi, 32, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if (rows++ == 0)
			*out = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		err = ch_sq__fail(q, "looking up a certificate");
	else if (rows == 0)
		err = ch_error_set(CH_ERR_NOTFOUND, "store: no certificate %s", hex);
	else if (rows > 1)
		err = ch_error_set(CH_ERR_INVALID, "store: prefix %s is ambiguous", hex);
out:
	return err;
}

static ch_err load_der(ch_sqlite *q, ch_store_record *r, int64_t id)
{
	sqlite3_stmt *st;
	const void *data;
	size_t len, raw;
	ch_err err = CH_OK;

	CH_TRY(ch_sq__stmt(q, &st, SQ_DER_GET));
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_reset(st);
		CH_TRY(ch_error_set(CH_ERR_STORE, "store: DER of certificate %lld missing", (long long)id));
	}
	raw = (size_t)sqlite3_column_int64(st, 1);
	data = sqlite3_column_blob(st, 2);
	len = (size_t)sqlite3_column_bytes(st, 2);
	if (raw > CH_CERT_MAX_DER || !(r->der = malloc(raw ? raw : 1))) {
		sqlite3_reset(st);
		CH_TRY(nomem());
	}
	if (sqlite3_column_int(st, 0) == 1) {
		size_t got = ZSTD_decompressDCtx(q->zd, r->der, raw, data, len);
		if (ZSTD_isError(got) || got != raw)
			err = ch_error_set(CH_ERR_INTEGRITY, "store: DER of certificate %lld is corrupt",
					   (long long)id);
	} else if (len == raw) {
		memcpy(r->der, data, len);
	} else {
		err = ch_error_set(CH_ERR_INTEGRITY, "store: DER length mismatch");
	}
	r->der_len = raw;
	sqlite3_reset(st);
out:
	return err;
}

static ch_err load_sightings(ch_sqlite *q, ch_store_record *r, int64_t id)
{
	sqlite3_stmt *st;
	ch_err err = CH_OK;
	int rc;

	CH_TRY(ch_sq__stmt(q, &st, SQ_SIGHT_COUNT));
	sqlite3_bind_int64(st, 1, id);
	if (sqlite3_step(st) == SQLITE_ROW)
		r->total_sightings = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	r->sightings = calloc(r->total_sightings < CH_STORE_MAX_SIGHTINGS ? r->total_sightings + 1 :
			      CH_STORE_MAX_SIGHTINGS, sizeof *r->sightings);
	if (!r->sightings)
		CH_TRY(nomem());
	CH_TRY(ch_sq__stmt(q, &st, SQ_SIGHTINGS));
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int(st, 2, CH_STORE_MAX_SIGHTINGS);
	while (r->num_sightings < CH_STORE_MAX_SIGHTINGS && r->num_sightings < r->total_sightings &&
	       (rc = sqlite3_step(st)) == SQLITE_ROW) {
		ch_store_sighting *g = &r->sightings[r->num_sightings++];
		g->kind = (ch_source_kind)sqlite3_column_int(st, 0);
		g->source = col_strdup(st, 1);
		g->index = sqlite3_column_int64(st, 2);
		g->timestamp = sqlite3_column_int64(st, 3);
		g->ip = col_strdup(st, 4);
		g->port = sqlite3_column_int(st, 5);
		g->sni = col_strdup(st, 6);
		if (!g->source) {
			sqlite3_reset(st);
			CH_TRY(nomem());
		}
	}
	sqlite3_reset(st);
out:
	return err;
}

static ch_err load_linked(ch_sqlite *q, ch_store_record *r, int64_t id)
{
	sqlite3_stmt *st;
	ch_err err = CH_OK;

	r->linked = calloc(100, sizeof *r->linked);
	if (!r->linked)
		return nomem();
	CH_TRY(ch_sq__stmt(q, &st, SQ_LINKED));
	sqlite3_bind_int64(st, 1, id);
	while (r->num_linked < 100 && sqlite3_step(st) == SQLITE_ROW)
		if (sqlite3_column_bytes(st, 0) == 32)
			memcpy(r->linked[r->num_linked++], sqlite3_column_blob(st, 0), 32);
	sqlite3_reset(st);
out:
	return err;
}

static ch_err serial_sum(ch_sqlite *q, uint64_t *out, const char *hex)
{
	sqlite3_stmt *st;
	char lo[300], hi[300];
	ch_err err;

	snprintf(lo, sizeof lo, "%s/", hex);
	snprintf(hi, sizeof hi, "%s0", hex);
	err = ch_sq__stmt(q, &st, SQ_SERIAL_SUM);
	if (err)
		return err;
	sqlite3_bind_text(st, 1, lo, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 2, hi, -1, SQLITE_TRANSIENT);
	*out = sqlite3_step(st) == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
	sqlite3_reset(st);
	return CH_OK;
}

static ch_err push_value(ch_store_value **v, size_t *n, size_t *cap, ch_store_attr attr,
			 char *text, uint64_t count)
{
	if (!text)
		return nomem();
	if (*n == *cap) {
		ch_store_value *nv = realloc(*v, (*cap = *cap ? 2 * *cap : 32) * sizeof *nv);
		if (!nv) {
			free(text);
			return nomem();
		}
		*v = nv;
	}
	(*v)[*n].attr = attr;
	(*v)[*n].text = text;
	(*v)[*n].count = count;
	(*n)++;
	return CH_OK;
}

/* values_by_id lists a certificate's values in their public text form, serials expanded into
 * SERIAL (count over every issuer) and SERIAL_ISSUER. */
static ch_err values_by_id(ch_sqlite *q, ch_store_value **out, size_t *out_num, int64_t id,
			   const char *issuer_dn)
{
	sqlite3_stmt *st;
	ch_store_value *v = NULL;
	size_t n = 0, cap = 0;
	char *serial = NULL, *si = NULL;
	uint64_t sum;
	ch_err err = CH_OK;
	int rc;

	CH_TRY(ch_sq__stmt(q, &st, SQ_CERT_VALUES));
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ch_store_attr a = (ch_store_attr)sqlite3_column_int(st, 0);
		const char *t = (const char *)sqlite3_column_text(st, 1);
		uint64_t cnt = (uint64_t)sqlite3_column_int64(st, 2);
		if (a == CH_SA_NAME)
			err = push_value(&v, &n, &cap, a, unreverse(t), cnt);
		else if (a == CH_SA_SERIAL && !serial) {
			serial = serial_of(t);
			err = serial ? push_value(&v, &n, &cap, CH_SA_SERIAL_ISSUER,
						  ch_store__strdup(""), cnt) : nomem();
		} else
			err = push_value(&v, &n, &cap, a, ch_store__strdup(t), cnt);
		if (err) {
			sqlite3_reset(st);
			goto out;
		}
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		CH_TRY(ch_sq__fail(q, "reading values"));
	if (serial) {
		/* Fill the serial+issuer text now that the statement is done. */
		size_t k = strlen(serial) + strlen(issuer_dn ? issuer_dn : "") + 2;
		if (!(si = malloc(k)))
			CH_TRY(nomem());
		snprintf(si, k, "%s/%s", serial, issuer_dn ? issuer_dn : "");
		for (size_t i = 0; i < n; i++)
			if (v[i].attr == CH_SA_SERIAL_ISSUER && si) {
				free(v[i].text);
				v[i].text = si;
				si = NULL;
			}
		CH_TRY(serial_sum(q, &sum, serial));
		CH_TRY(push_value(&v, &n, &cap, CH_SA_SERIAL, serial, sum));
		serial = NULL;
	}
out:
	free(serial);
	free(si);
	if (err) {
		ch_store_values_free(v, n);
	} else {
		*out = v;
		*out_num = n;
	}
	return err;
}

ch_err ch_sq__get(ch_store *s, ch_store_record **out, const char *sha256_hex)
{
	ch_sqlite *q = (ch_sqlite *)s;
	ch_store_record *r = calloc(1, sizeof *r);
	int64_t id = 0;
	ch_err err = CH_OK;

	if (!r)
		return nomem();
	CH_TRY(find_prefix(q, &id, sha256_hex));
	CH_TRY(load_summary(q, &r->summary, id));
	CH_TRY(load_der(q, r, id));
	CH_TRY(load_sightings(q, r, id));
	CH_TRY(load_linked(q, r, id));
	CH_TRY(values_by_id(q, &r->values, &r->num_values, id, r->summary.issuer));
out:
	if (err)
		ch_store_record_free(r);
	else
		*out = r;
	return err;
}

ch_err ch_sq__get_der(ch_store *s, ch_buf *out, const uint8_t sha256[32])
{
	ch_sqlite *q = (ch_sqlite *)s;
	ch_store_record r = {0};
	int64_t id = 0;
	char hex[65];
	ch_err err = CH_OK;

	CH_TRY(ch_sq__find_cert(q, &id, sha256));
	if (!id) {
		ch_hex_encode(hex, sha256, 32);
		CH_TRY(ch_error_set(CH_ERR_NOTFOUND, "store: no certificate %s", hex));
	}
	CH_TRY(load_der(q, &r, id));
	err = ch_buf_append(out, r.der, r.der_len);
out:
	free(r.der);
	return err;
}

ch_err ch_sq__values_of(ch_store *s, ch_store_value **out, size_t *out_num,
			const uint8_t sha256[32])
{
	ch_sqlite *q = (ch_sqlite *)s;
	ch_store_summary sum = {0};
	char hex[65];
	int64_t id = 0;
	ch_err err;

	ch_hex_encode(hex, sha256, 32);
	err = find_prefix(q, &id, hex);
	if (!err)
		err = load_summary(q, &sum, id);
	if (!err)
		err = values_by_id(q, out, out_num, id, sum.issuer);
	ch_store__summary_clear(&sum);
	return err;
}

ch_err ch_sq__rarity(ch_store *s, uint64_t *out, ch_store_attr attr, const char *value)
{
	ch_sqlite *q = (ch_sqlite *)s;
	sqlite3_stmt *st;
	size_t n = value ? strlen(value) : 0;
	char *text = NULL;
	const char *slash;
	int64_t issuer_id;
	ch_err err = CH_OK;

	*out = 0;
	if (!value || (int)attr <= 0 || attr >= CH_SA_COUNT_)
		return ch_error_set(CH_ERR_INVALID, "store: bad rarity lookup");
	if (attr == CH_SA_SERIAL)
		return serial_sum(q, out, value);
	if (!(text = malloc(n + 32)))
		return nomem();
	if (attr == CH_SA_NAME) {
		ch_sq__reverse_labels(text, value, n);
	} else if (attr == CH_SA_SERIAL_ISSUER) {
		if (!(slash = strchr(value, '/')))
			CH_TRY(ch_error_set(CH_ERR_INVALID, "store: serial+issuer is \"SERIAL/ISSUER DN\""));
		CH_TRY(ch_sq__lookup_value(q, &issuer_id, CH_SA_ISSUER_DN, slash + 1));
		if (!issuer_id)
			goto out;
		memcpy(text, value, (size_t)(slash - value));
		snprintf(text + (slash - value), 32, "/%lld", (long long)issuer_id);
		attr = CH_SA_SERIAL;
	} else {
		memcpy(text, value, n + 1);
	}
	CH_TRY(ch_sq__stmt(q, &st, SQ_VAL_FIND));
	sqlite3_bind_int(st, 1, (int)attr);
	sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		*out = (uint64_t)sqlite3_column_int64(st, 1);
	sqlite3_reset(st);
out:
	free(text);
	return err;
}

ch_err ch_sq__stats(ch_store *s, ch_store_stats *out)
{
	ch_sqlite *q = (ch_sqlite *)s;
	sqlite3_stmt *st;
	ch_err err = CH_OK;

	CH_TRY(ch_sq__stmt(q, &st, SQ_COUNTERS));
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(st, 0);
		uint64_t v = (uint64_t)sqlite3_column_int64(st, 1);
		if (!strcmp(k, "certs")) out->certificates = v;
		else if (!strcmp(k, "precerts")) out->precertificates = v;
		else if (!strcmp(k, "names")) out->names = v;
		else if (!strcmp(k, "domains")) out->domains = v;
		else if (!strcmp(k, "sightings")) out->sightings = v;
		else if (!strcmp(k, "der_bytes")) out->der_bytes = v;
		else if (!strcmp(k, "der_raw_bytes")) out->der_raw_bytes = v;
	}
	sqlite3_reset(st);
	CH_TRY(ch_sq__stmt(q, &st, SQ_LOGS));
	if (sqlite3_step(st) == SQLITE_ROW)
		out->logs = (uint64_t)sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	if (sqlite3_prepare_v2(q->db, "SELECT max(id) FROM source", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			out->sources = (uint64_t)sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	if (sqlite3_prepare_v2(q->db, "SELECT version FROM schema_version", -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			out->schema_version = sqlite3_column_int(st, 0);
		sqlite3_finalize(st);
	}
out:
	return err;
}

ch_err ch_sq__check(ch_store *s)
{
	ch_sqlite *q = (ch_sqlite *)s;
	sqlite3_stmt *st = NULL;
	ch_err err = CH_OK;
	const char *r;

	CH_TRY(prepare(q, &st, "PRAGMA integrity_check"));
	if (sqlite3_step(st) != SQLITE_ROW)
		CH_TRY(ch_sq__fail(q, "integrity check"));
	r = (const char *)sqlite3_column_text(st, 0);
	if (!r || strcmp(r, "ok") != 0)
		err = ch_error_set(CH_ERR_INTEGRITY, "store: integrity check: %s", r ? r : "?");
out:
	sqlite3_finalize(st);
	return err;
}
