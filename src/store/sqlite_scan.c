/* SQLite backend: ch_store_scan — certificates in store order after a position, a page at a
 * time with two range queries (summaries, then every name of the page), for readers that follow
 * the store as it grows (monitor passes). */
#include "sqlite.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char scan_sql[] =
	"SELECT c.id, c.sha256, c.not_before, c.not_after, c.flags, se.text, su.text, iu.text"
	" FROM cert c LEFT JOIN val se ON se.id=c.serial_id"
	" LEFT JOIN val su ON su.id=c.subject_id LEFT JOIN val iu ON iu.id=c.issuer_id"
	" WHERE c.id>?1 ORDER BY c.id LIMIT ?2";

static const char names_sql[] =
	"SELECT l.id, v.text FROM vlist l CROSS JOIN json_each(l.ids) j CROSS JOIN val v ON v.id=j.value"
	" WHERE l.id>?1 AND l.id<=?2 AND (j.value & 31)=1"
	" ORDER BY l.id, v.text";

static ch_err nomem(void)
{
	return ch_error_set(CH_ERR_NOMEM, "out of memory reading the store");
}

static char *dup_col(sqlite3_stmt *st, int i, bool serial)
{
	const char *t = (const char *)sqlite3_column_text(st, i);
	size_t n = t ? (serial ? strcspn(t, "/") : strlen(t)) : 0;
	char *out = malloc(n + 1);

	if (out) {
		memcpy(out, t ? t : "", n);
		out[n] = '\0';
	}
	return out;
}

static ch_err parse_after(int64_t *out, const char *after)
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

/* add_name appends an unreversed name to the summary of the page whose id is `id`. */
static ch_err add_name(ch_store_page *p, const int64_t *ids, size_t *k, int64_t id, const char *rev)
{
	ch_store_summary *s;
	char **nn, *name;
	size_t len = strlen(rev);

	while (*k < p->num_items && ids[*k] < id)
		(*k)++;
	if (*k >= p->num_items || ids[*k] != id)
		return CH_OK;
	s = &p->items[*k];
	if (!(name = malloc(len + 1)))
		return nomem();
	ch_sq__reverse_labels(name, rev, len);
	if (!(nn = realloc(s->names, (s->num_names + 1) * sizeof *nn))) {
		free(name);
		return nomem();
	}
	s->names = nn;
	s->names[s->num_names++] = name;
	return CH_OK;
}

static ch_err prepare(ch_sqlite *q, sqlite3_stmt **st, const char *sql)
{
	if (sqlite3_prepare_v2(q->db, sql, -1, st, NULL) != SQLITE_OK) {
		*st = NULL;
		return ch_sq__fail(q, "preparing a scan");
	}
	return CH_OK;
}

ch_err ch_sq__scan(ch_store *s, ch_store_page **out, size_t limit, const char *after)
{
	ch_sqlite *q = (ch_sqlite *)s;
	ch_store_page *p = calloc(1, sizeof *p);
	sqlite3_stmt *st = NULL;
	int64_t from, *ids = NULL;
	size_t k = 0;
	ch_err err = CH_OK;
	int rc;

	if (!p || !(p->items = calloc(limit, sizeof *p->items)) || !(ids = malloc(limit * sizeof *ids)))
		CH_TRY(nomem());
	CH_TRY(parse_after(&from, after));
	CH_TRY(prepare(q, &st, scan_sql));
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, (sqlite3_int64)limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ch_store_summary *m = &p->items[p->num_items];
		ids[p->num_items] = sqlite3_column_int64(st, 0);
		if (sqlite3_column_bytes(st, 1) == 32)
			memcpy(m->sha256, sqlite3_column_blob(st, 1), 32);
		m->not_before = sqlite3_column_int64(st, 2);
		m->not_after = sqlite3_column_int64(st, 3);
		m->flags = (unsigned)sqlite3_column_int(st, 4);
		p->num_items++;
		if (!(m->serial_hex = dup_col(st, 5, true)) || !(m->subject = dup_col(st, 6, false)) ||
		    !(m->issuer = dup_col(st, 7, false)))
			CH_TRY(nomem());
	}
	if (rc != SQLITE_DONE)
		CH_TRY(ch_sq__fail(q, "scanning certificates"));
	sqlite3_finalize(st);
	st = NULL;
	snprintf(p->cursor, sizeof p->cursor, "c%lld",
		 (long long)(p->num_items ? ids[p->num_items - 1] : from));
	if (!p->num_items)
		goto out;
	CH_TRY(prepare(q, &st, names_sql));
	sqlite3_bind_int64(st, 1, from);
	sqlite3_bind_int64(st, 2, ids[p->num_items - 1]);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		CH_TRY(add_name(p, ids, &k, sqlite3_column_int64(st, 0),
				(const char *)sqlite3_column_text(st, 1)));
	if (rc != SQLITE_DONE)
		CH_TRY(ch_sq__fail(q, "scanning names"));
out:
	sqlite3_finalize(st);
	free(ids);
	if (err)
		ch_store_page_free(p);
	else
		*out = p;
	return err;
}
