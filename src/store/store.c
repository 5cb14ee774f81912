/* store: the public calls, dispatched through the backend's table of function pointers, and the
 * pieces every backend shares (attribute names, freeing results). */
#include "internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

/* Every call through a handle holds the handle's (recursive) lock: the ingest pipeline writes
 * from its own thread while its caller may still read through the same handle. */
#define CALL(s, expr)                             \
	do {                                      \
		ch_err e_;                        \
		pthread_mutex_lock(&(s)->lock);   \
		e_ = (expr);                      \
		pthread_mutex_unlock(&(s)->lock); \
		return e_;                        \
	} while (0)

static const char *const attr_names[CH_SA_COUNT_] = {
	[CH_SA_NAME] = "name",
	[CH_SA_DOMAIN] = "domain",
	[CH_SA_IP] = "ip",
	[CH_SA_EMAIL] = "email",
	[CH_SA_URI] = "uri",
	[CH_SA_SERIAL] = "serial",
	[CH_SA_SERIAL_ISSUER] = "serial+issuer",
	[CH_SA_SPKI] = "spki",
	[CH_SA_TBS] = "tbs",
	[CH_SA_JA4X] = "ja4x",
	[CH_SA_ISSUER_DN] = "issuer",
	[CH_SA_SUBJECT_DN] = "subject",
	[CH_SA_ISSUER_O] = "issuer.o",
	[CH_SA_ISSUER_CN] = "issuer.cn",
	[CH_SA_SUBJECT_O] = "subject.o",
	[CH_SA_SUBJECT_OU] = "subject.ou",
	[CH_SA_SUBJECT_CN] = "subject.cn",
	[CH_SA_FLAG] = "flag",
	[CH_SA_KEY] = "key",
	[CH_SA_SIG] = "sig",
};

const char *ch_store_attr_name(ch_store_attr a)
{
	if ((int)a <= 0 || a >= CH_SA_COUNT_)
		return "?";
	return attr_names[a];
}

ch_store_attr ch_store_attr_from_name(const char *name)
{
	for (int a = 1; name && a < CH_SA_COUNT_; a++)
		if (!strcmp(attr_names[a], name))
			return (ch_store_attr)a;
	return (ch_store_attr)0;
}

const char *ch_source_kind_name(ch_source_kind k)
{
	switch (k) {
	case CH_SOURCE_FILE: return "file";
	case CH_SOURCE_CT: return "ct";
	case CH_SOURCE_SCAN: return "scan";
	case CH_SOURCE_TELEMETRY: return "telemetry";
	}
	return "?";
}

char *ch_store__strdup(const char *s)
{
	size_t n;
	char *p;

	if (!s)
		return NULL;
	n = strlen(s);
	p = malloc(n + 1);
	if (p)
		memcpy(p, s, n + 1);
	return p;
}

ch_err ch_store_open(ch_store **out, const char *path, unsigned flags)
{
	pthread_mutexattr_t ma;
	ch_err err;

	*out = NULL;
	if (!path || !*path)
		return ch_error_set(CH_ERR_INVALID, "store: no path given");
	if (!strncmp(path, "sqlite:", 7))
		path += 7;
	else if (strstr(path, "://"))
		return ch_error_set(CH_ERR_INVALID, "store: unsupported backend in '%s'", path);
	err = ch_store__sqlite_open(out, path, flags);
	if (!err) {
		pthread_mutexattr_init(&ma);
		pthread_mutexattr_settype(&ma, PTHREAD_MUTEX_RECURSIVE);
		pthread_mutex_init(&(*out)->lock, &ma);
		pthread_mutexattr_destroy(&ma);
	}
	return err;
}

void ch_store_close(ch_store *s)
{
	if (!s)
		return;
	pthread_mutex_destroy(&s->lock);
	s->ops->close(s);
}

const char *ch_store_backend(const ch_store *s)
{
	return s->ops->name;
}

ch_err ch_store_begin(ch_store *s) { CALL(s, s->ops->begin(s)); }
ch_err ch_store_commit(ch_store *s) { CALL(s, s->ops->commit(s)); }
ch_err ch_store_rollback(ch_store *s) { CALL(s, s->ops->rollback(s)); }

ch_err ch_store_bulk_begin(ch_store *s, size_t max_bytes, bool *out_on)
{
	*out_on = false;
	if (!s->ops->bulk_begin)
		return CH_OK;
	CALL(s, s->ops->bulk_begin(s, max_bytes, out_on));
}

ch_err ch_store_bulk_end(ch_store *s)
{
	if (!s->ops->bulk_end)
		return CH_OK;
	CALL(s, s->ops->bulk_end(s));
}

ch_err ch_store_put_certs(ch_store *s, uint8_t *out_new, const ch_store_put *items, size_t n)
{
	CALL(s, s->ops->put_certs(s, out_new, items, n));
}

ch_err ch_store_add_sightings(ch_store *s, const uint8_t (*sha256s)[32],
			      const ch_sighting *sightings, size_t n)
{
	CALL(s, s->ops->add_sightings(s, sha256s, sightings, n));
}

ch_err ch_store_checkpoint_set(ch_store *s, const char *source_id, const void *data, size_t len)
{
	if (!source_id || len > CH_STORE_CHECKPOINT_MAX)
		return ch_error_set(CH_ERR_LIMIT, "store: checkpoint of %zu bytes exceeds %u", len,
				    CH_STORE_CHECKPOINT_MAX);
	CALL(s, s->ops->checkpoint_set(s, source_id, data, len));
}

ch_err ch_store_checkpoint_get(ch_store *s, ch_buf *out, const char *source_id)
{
	CALL(s, s->ops->checkpoint_get(s, out, source_id));
}

ch_err ch_store_search(ch_store *s, ch_store_page **out, const ch_filter *f, size_t limit,
		       const char *after)
{
	*out = NULL;
	if (limit == 0 || limit > CH_STORE_MAX_PAGE)
		return ch_error_set(CH_ERR_INVALID, "store: page size must be 1..%d", CH_STORE_MAX_PAGE);
	CALL(s, s->ops->search(s, out, f, limit, after));
}

ch_err ch_store_count(ch_store *s, uint64_t *out, const ch_filter *f)
{
	CALL(s, s->ops->count(s, out, f));
}

ch_err ch_store_names(ch_store *s, ch_store_strpage **out, const ch_filter *f, size_t limit,
		      const char *after)
{
	*out = NULL;
	if (limit == 0 || limit > CH_STORE_MAX_PAGE)
		return ch_error_set(CH_ERR_INVALID, "store: page size must be 1..%d", CH_STORE_MAX_PAGE);
	CALL(s, s->ops->names(s, out, f, limit, after));
}

ch_err ch_store_explain(ch_store *s, ch_buf *out, const ch_filter *f)
{
	CALL(s, s->ops->explain(s, out, f));
}

ch_err ch_store_get(ch_store *s, ch_store_record **out, const char *sha256_hex)
{
	*out = NULL;
	CALL(s, s->ops->get(s, out, sha256_hex));
}

ch_err ch_store_get_der(ch_store *s, ch_buf *out, const uint8_t sha256[32])
{
	CALL(s, s->ops->get_der(s, out, sha256));
}

ch_err ch_store_rarity(ch_store *s, uint64_t *out, ch_store_attr attr, const char *value)
{
	*out = 0;
	CALL(s, s->ops->rarity(s, out, attr, value));
}

ch_err ch_store_values_of(ch_store *s, ch_store_value **out_values, size_t *out_num,
			  const uint8_t sha256[32])
{
	*out_values = NULL;
	*out_num = 0;
	CALL(s, s->ops->values_of(s, out_values, out_num, sha256));
}

ch_err ch_store_scan(ch_store *s, ch_store_page **out, size_t limit, const char *after)
{
	*out = NULL;
	if (limit == 0 || limit > CH_STORE_MAX_PAGE)
		return ch_error_set(CH_ERR_INVALID, "store: page size must be 1..%d", CH_STORE_MAX_PAGE);
	if (!s->ops->scan)
		return ch_error_set(CH_ERR_INVALID, "store: %s cannot scan", s->ops->name);
	CALL(s, s->ops->scan(s, out, limit, after));
}

ch_err ch_store_certs_with(ch_store *s, ch_store_page **out, ch_store_attr attr,
			   const char *value, size_t limit, const char *after)
{
	*out = NULL;
	if (limit == 0 || limit > CH_STORE_MAX_PAGE)
		return ch_error_set(CH_ERR_INVALID, "store: page size must be 1..%d", CH_STORE_MAX_PAGE);
	CALL(s, s->ops->certs_with(s, out, attr, value, limit, after));
}

ch_err ch_store_stats_get(ch_store *s, ch_store_stats *out)
{
	memset(out, 0, sizeof *out);
	CALL(s, s->ops->stats(s, out));
}

ch_err ch_store_check(ch_store *s)
{
	CALL(s, s->ops->check(s));
}

ch_err ch_store_ct_put(ch_store *s, const char *log, const ch_store_ct_entry *e, size_t n)
{
	if (!s->ops->ct_put)
		return ch_error_set(CH_ERR_INVALID, "store: %s keeps no CT entries", s->ops->name);
	CALL(s, s->ops->ct_put(s, log, e, n));
}

ch_err ch_store_ct_walk(ch_store *s, const char *log, uint64_t from, uint64_t to,
			ch_store_ct_fn fn, void *arg)
{
	if (!s->ops->ct_walk)
		return ch_error_set(CH_ERR_INVALID, "store: %s keeps no CT entries", s->ops->name);
	CALL(s, s->ops->ct_walk(s, log, from, to, fn, arg));
}

void ch_store__summary_clear(ch_store_summary *s)
{
	free(s->serial_hex);
	free(s->subject);
	free(s->issuer);
	for (size_t i = 0; i < s->num_names; i++)
		free(s->names[i]);
	free(s->names);
	memset(s, 0, sizeof *s);
}

void ch_store_page_free(ch_store_page *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->num_items; i++)
		ch_store__summary_clear(&p->items[i]);
	free(p->items);
	free(p);
}

void ch_store_strpage_free(ch_store_strpage *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->num_items; i++)
		free(p->items[i]);
	free(p->items);
	free(p);
}

void ch_store_values_free(ch_store_value *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i].text);
	free(v);
}

void ch_store_record_free(ch_store_record *r)
{
	if (!r)
		return;
	ch_store__summary_clear(&r->summary);
	free(r->der);
	for (size_t i = 0; i < r->num_sightings; i++) {
		free(r->sightings[i].source);
		free(r->sightings[i].ip);
		free(r->sightings[i].sni);
	}
	free(r->sightings);
	free(r->linked);
	ch_store_values_free(r->values, r->num_values);
	free(r);
}
