/* ingest: the one pipeline from sources to the store.
 *
 * Two threads. The caller's thread decodes each item as it arrives (x509, names) into a slot of
 * the chunk being filled (a reusable ch_cert with its own copy of the DER, its names and its
 * sighting); a full chunk goes to the writer thread, which writes it to the store inside the
 * open batch transaction while the caller decodes the next chunk. A commit request travels in
 * the same queue, after the chunks it covers, carrying the checkpoints recorded before it: the
 * writer commits them with the data, so committed checkpoints always describe exactly the
 * committed data. Memory is NCHUNKS chunks; a crash loses at most the open batch. Store failures
 * happen on the writer and are reported by the caller's next call (the pipeline is then broken:
 * the batch was rolled back). */
#include <certhound/ingest.h>

#include "internal.h"

#include <pthread.h>
#include <zstd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 256
#define NCHUNKS 3 /* one being filled, the others queued or being written */

/* DER compression, on the caller's thread (the writer is the busier one): zstd level 1 per
 * certificate, kept when it saves at least Z_MIN_GAIN percent — the store's own rule, so a
 * store's contents do not depend on which side compressed. */
#define Z_LEVEL 1
#define Z_MIN_GAIN 8

typedef struct slot {
	ch_cert *cert;
	uint8_t *der;
	size_t der_cap;
	ch_buf text;              /* names, domains, then the sighting's strings, NUL-separated */
	const char **ptrs;        /* names then domains, pointing into text */
	size_t ptrs_cap;
	size_t num_names, num_domains;
	ch_sighting sighting;
	bool has_sighting;
	uint8_t *z;               /* compressed DER when z_len > 0 */
	size_t z_cap, z_len;
	int der_form;             /* CH_STORE_DER_* */
	bool has_tbs;             /* tbs_sha256 given by the source (ch_ingest_item) */
	uint8_t tbs_sha256[32];
	ch_store_derived *vals;   /* derived here, on the caller's thread */
} slot;

typedef struct pending_ckpt {
	char *source;
	ch_buf blob;
} pending_ckpt;

typedef struct chunk {
	slot slots[CHUNK];
	ch_store_put puts[CHUNK];
	uint8_t is_new[CHUNK];
	size_t n;
	size_t bytes;
	bool commit;              /* commit after writing it, with ckpts */
	pending_ckpt *ckpts;      /* owned; num_ckpts of them */
	size_t num_ckpts;
} chunk;

struct ch_ingest {
	ch_store *store;
	ch_names *names;
	size_t batch_size;
	size_t chunk_max;         /* min(CHUNK, batch_size) */
	chunk *chunks;            /* NCHUNKS; chunk number k lives in chunks[k % NCHUNKS] */
	size_t fed;               /* items given to chunks since the last commit request */
	pending_ckpt ckpts[CH_INGEST_MAX_PENDING_CHECKPOINTS];
	size_t num_ckpts;
	ZSTD_CCtx *zc;
	/* caller <-> writer, under mu */
	pthread_mutex_t mu;
	pthread_cond_t work;      /* writer: a chunk was submitted, or quit */
	pthread_cond_t done;      /* caller: a chunk was written */
	pthread_t thread;
	bool started;
	uint64_t submitted;       /* chunks handed to the writer (chunk `submitted` is being filled) */
	uint64_t written;         /* chunks the writer is done with */
	bool quit;
	bool broken;
	ch_err werr;              /* the writer's failure and its message */
	char wmsg[512];
	/* writer-owned */
	bool in_txn;
	bool bulk_wanted, bulk_asked, bulk_on;
	size_t bulk_bytes;
	/* counts: read, rejected, reasons by the caller; the rest by the writer under mu */
	uint64_t read, new_certs, duplicates, rejected, sightings, batches, der_bytes;
	ch_ingest_reason reasons[CH_INGEST_MAX_REASONS];
	size_t num_reasons;
	ch_ingest_reject rejects[CH_INGEST_MAX_REJECT_DETAILS];
	size_t num_rejects;
};

static void *writer_main(void *arg);

ch_err ch_ingest_new(ch_ingest **out, ch_store *store, const ch_ingest_opts *opts)
{
	ch_ingest *ig = calloc(1, sizeof *ig);
	ch_err err = CH_OK;

	*out = NULL;
	if (!ig)
		return ch_error_set(CH_ERR_NOMEM, "out of memory creating the ingest pipeline");
	ig->store = store;
	ig->batch_size = opts && opts->batch_size ? opts->batch_size : CH_INGEST_DEFAULT_BATCH;
	ig->chunk_max = ig->batch_size < CHUNK ? ig->batch_size : CHUNK;
	ig->bulk_wanted = opts && opts->bulk;
	ig->bulk_bytes = opts ? opts->bulk_max_bytes : 0;
	pthread_mutex_init(&ig->mu, NULL);
	pthread_cond_init(&ig->work, NULL);
	pthread_cond_init(&ig->done, NULL);
	for (size_t i = 0; i < CH_INGEST_MAX_PENDING_CHECKPOINTS; i++)
		ch_buf_init(&ig->ckpts[i].blob, CH_STORE_CHECKPOINT_MAX);
	if (!(ig->chunks = calloc(NCHUNKS, sizeof *ig->chunks)))
		CH_TRY(ch_error_set(CH_ERR_NOMEM, "out of memory creating the ingest pipeline"));
	CH_TRY(ch_names_new(&ig->names));
	if (!(ig->zc = ZSTD_createCCtx()))
		CH_TRY(ch_error_set(CH_ERR_NOMEM, "out of memory creating the ingest pipeline"));
	for (size_t k = 0; k < NCHUNKS; k++)
		for (size_t i = 0; i < CHUNK; i++) {
			ch_buf_init(&ig->chunks[k].slots[i].text, 8u << 20);
			CH_TRY(ch_cert_new(&ig->chunks[k].slots[i].cert));
			CH_TRY(ch_store_derived_new(&ig->chunks[k].slots[i].vals));
		}
	if (pthread_create(&ig->thread, NULL, writer_main, ig) != 0)
		CH_TRY(ch_error_set(CH_ERR_NOMEM, "ingest: cannot start the writer thread"));
	ig->started = true;
out:
	if (err)
		ch_ingest_free(ig);
	else
		*out = ig;
	return err;
}

static void free_ckpts(pending_ckpt *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(c[i].source);
		ch_buf_free(&c[i].blob);
	}
	free(c);
}

static void drop_pending(ch_ingest *ig)
{
	for (size_t i = 0; i < ig->num_ckpts; i++) {
		free(ig->ckpts[i].source);
		ig->ckpts[i].source = NULL;
		ch_buf_reset(&ig->ckpts[i].blob);
	}
	ig->num_ckpts = 0;
}

void ch_ingest_free(ch_ingest *ig)
{
	if (!ig)
		return;
	if (ig->started) {
		/* Unwritten chunks are discarded: free means "forget what is not committed". */
		pthread_mutex_lock(&ig->mu);
		ig->quit = true;
		ig->broken = true;
		pthread_cond_signal(&ig->work);
		pthread_mutex_unlock(&ig->mu);
		pthread_join(ig->thread, NULL);
	}
	if (ig->in_txn && ch_store_rollback(ig->store) != CH_OK)
		ch_error_clear(); /* nothing more to do: the transaction dies with the handle */
	drop_pending(ig);
	ch_names_free(ig->names);
	ZSTD_freeCCtx(ig->zc);
	for (size_t i = 0; i < CH_INGEST_MAX_PENDING_CHECKPOINTS; i++)
		ch_buf_free(&ig->ckpts[i].blob);
	for (size_t k = 0; ig->chunks && k < NCHUNKS; k++) {
		chunk *c = &ig->chunks[k];
		free_ckpts(c->ckpts, c->num_ckpts);
		for (size_t i = 0; i < CHUNK; i++) {
			ch_cert_free(c->slots[i].cert);
			ch_store_derived_free(c->slots[i].vals);
			free(c->slots[i].der);
			free(c->slots[i].z);
			ch_buf_free(&c->slots[i].text);
			free(c->slots[i].ptrs);
		}
	}
	free(ig->chunks);
	pthread_mutex_destroy(&ig->mu);
	pthread_cond_destroy(&ig->work);
	pthread_cond_destroy(&ig->done);
	free(ig);
}

/* slot_put describes a filled slot to the store (the values derived by fill_slot included). */
static ch_store_put slot_put(const slot *s)
{
	return (ch_store_put){
		.cert = s->cert,
		.names = s->ptrs,
		.num_names = s->num_names,
		.domains = s->ptrs + s->num_names,
		.num_domains = s->num_domains,
		.sighting = s->has_sighting ? &s->sighting : NULL,
		.der_form = s->der_form,
		.der_z = s->z,
		.der_z_len = s->z_len,
		.tbs_sha256 = s->has_tbs ? s->tbs_sha256 : NULL,
		.derived = s->vals,
	};
}

/* ---- the writer thread ------------------------------------------------------------------- */

/* write_chunk (writer) stores a chunk's certificates in the open batch transaction and, for a
 * commit request, writes its checkpoints and commits. */
static ch_err write_chunk(ch_ingest *ig, chunk *c)
{
	uint64_t fresh = 0, sightings = 0;
	ch_err err = CH_OK;

	if (c->n && !ig->in_txn) {
		if (ig->bulk_wanted && !ig->bulk_asked) {
			bool on = false;
			ig->bulk_asked = true;
			CH_TRY(ch_store_bulk_begin(ig->store, ig->bulk_bytes, &on));
			pthread_mutex_lock(&ig->mu);
			ig->bulk_on = on;
			pthread_mutex_unlock(&ig->mu);
		}
		CH_TRY(ch_store_begin(ig->store));
		ig->in_txn = true;
	}
	for (size_t i = 0; i < c->n; i++) {
		c->puts[i] = slot_put(&c->slots[i]);
		sightings += c->slots[i].has_sighting;
	}
	if (c->n)
		CH_TRY(ch_store_put_certs(ig->store, c->is_new, c->puts, c->n));
	for (size_t i = 0; i < c->n; i++)
		fresh += c->is_new[i];
	pthread_mutex_lock(&ig->mu);
	ig->new_certs += fresh;
	ig->duplicates += c->n - fresh;
	ig->sightings += sightings;
	pthread_mutex_unlock(&ig->mu);
	if (!c->commit || (!ig->in_txn && !c->num_ckpts))
		goto out;
	if (!ig->in_txn) {
		CH_TRY(ch_store_begin(ig->store));
		ig->in_txn = true;
	}
	for (size_t i = 0; i < c->num_ckpts; i++)
		CH_TRY(ch_store_checkpoint_set(ig->store, c->ckpts[i].source, c->ckpts[i].blob.data,
					       c->ckpts[i].blob.len));
	CH_TRY(ch_store_commit(ig->store));
	ig->in_txn = false;
	pthread_mutex_lock(&ig->mu);
	ig->batches++;
	pthread_mutex_unlock(&ig->mu);
out:
	return err;
}

static void *writer_main(void *arg)
{
	ch_ingest *ig = arg;
	ch_err err;

	pthread_mutex_lock(&ig->mu);
	for (;;) {
		while (!ig->quit && ig->written == ig->submitted)
			pthread_cond_wait(&ig->work, &ig->mu);
		if (ig->written == ig->submitted)
			break;
		chunk *c = &ig->chunks[ig->written % NCHUNKS];
		bool skip = ig->broken;
		pthread_mutex_unlock(&ig->mu);
		err = skip ? CH_OK : write_chunk(ig, c);
		if (err && ig->in_txn) {
			char msg[512];
			snprintf(msg, sizeof msg, "%s", ch_error_last());
			if (ch_store_rollback(ig->store) != CH_OK)
				ch_error_clear();
			ig->in_txn = false;
			ch_error_set(err, "%s", msg);
		}
		free_ckpts(c->ckpts, c->num_ckpts);
		c->ckpts = NULL;
		c->num_ckpts = 0;
		pthread_mutex_lock(&ig->mu);
		if (err && !ig->broken) {
			ig->broken = true;
			ig->werr = err;
			snprintf(ig->wmsg, sizeof ig->wmsg, "%s", ch_error_last());
		}
		ig->written++;
		pthread_cond_broadcast(&ig->done);
	}
	pthread_mutex_unlock(&ig->mu);
	return NULL;
}

/* ---- the caller's side ------------------------------------------------------------------- */

/* broken_err (caller, under mu) reports the writer's failure. */
static ch_err broken_err(ch_ingest *ig)
{
	if (ig->werr)
		return ch_error_set(ig->werr, "%s", ig->wmsg);
	return ch_error_set(CH_ERR_STORE, "ingest: the pipeline failed earlier");
}

static chunk *current(ch_ingest *ig)
{
	return &ig->chunks[ig->submitted % NCHUNKS];
}

/* submit hands the chunk being filled to the writer (with the pending checkpoints and a commit
 * request when `commit`) and waits until the next chunk is free. */
static ch_err submit(ch_ingest *ig, bool commit)
{
	chunk *c = current(ig);
	ch_err err = CH_OK;

	if (commit && ig->num_ckpts) {
		if (!(c->ckpts = calloc(ig->num_ckpts, sizeof *c->ckpts)))
			return ch_error_set(CH_ERR_NOMEM, "out of memory");
		for (size_t i = 0; i < ig->num_ckpts; i++) {
			c->ckpts[i] = ig->ckpts[i]; /* moved: the pending slot gets a new buffer */
			ig->ckpts[i].source = NULL;
			ch_buf_init(&ig->ckpts[i].blob, CH_STORE_CHECKPOINT_MAX);
		}
		c->num_ckpts = ig->num_ckpts;
		ig->num_ckpts = 0;
	}
	c->commit = commit;
	pthread_mutex_lock(&ig->mu);
	ig->submitted++;
	pthread_cond_signal(&ig->work);
	while (ig->submitted - ig->written >= NCHUNKS)
		pthread_cond_wait(&ig->done, &ig->mu);
	if (ig->broken)
		err = broken_err(ig);
	pthread_mutex_unlock(&ig->mu);
	c = current(ig);
	c->n = 0;
	c->bytes = 0;
	c->commit = false;
	return err;
}

/* commit_batch asks the writer to commit everything fed so far with the pending checkpoints. */
static ch_err commit_batch(ch_ingest *ig)
{
	ig->fed = 0;
	return submit(ig, true);
}

/* drain waits until the writer has written (and committed) everything submitted. */
static ch_err drain(ch_ingest *ig)
{
	ch_err err = CH_OK;

	pthread_mutex_lock(&ig->mu);
	while (ig->written != ig->submitted)
		pthread_cond_wait(&ig->done, &ig->mu);
	if (ig->broken)
		err = broken_err(ig);
	pthread_mutex_unlock(&ig->mu);
	return err;
}

static bool is_broken(ch_ingest *ig)
{
	bool b;

	pthread_mutex_lock(&ig->mu);
	b = ig->broken;
	pthread_mutex_unlock(&ig->mu);
	return b;
}

static ch_err fail_broken(ch_ingest *ig)
{
	ch_err err;

	pthread_mutex_lock(&ig->mu);
	err = broken_err(ig);
	pthread_mutex_unlock(&ig->mu);
	return err;
}

static void copy_field(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

/* record_reject counts one rejected item under `reason` and keeps its details. */
static void record_reject(ch_ingest *ig, const char *reason, const char *where,
			  const char *message)
{
	size_t i;

	ig->rejected++;
	for (i = 0; i < ig->num_reasons; i++)
		if (!strcmp(ig->reasons[i].reason, reason))
			break;
	if (i == ig->num_reasons && i < CH_INGEST_MAX_REASONS)
		copy_field(ig->reasons[ig->num_reasons++].reason, sizeof ig->reasons[i].reason, reason);
	else if (i == ig->num_reasons) /* too many distinct reasons: fold into the last */
		i = CH_INGEST_MAX_REASONS - 1;
	ig->reasons[i].count++;
	if (ig->num_rejects < CH_INGEST_MAX_REJECT_DETAILS) {
		ch_ingest_reject *r = &ig->rejects[ig->num_rejects++];
		copy_field(r->reason, sizeof r->reason, reason);
		copy_field(r->where, sizeof r->where, where);
		copy_field(r->message, sizeof r->message, message);
	}
}

void ch_ingest_reject_item(ch_ingest *ig, const char *reason, const char *where,
			   const char *message)
{
	ig->read++;
	record_reject(ig, reason, where, message);
}

/* set_ptrs makes the slot's name pointers once its text buffer is complete. */
static ch_err set_ptrs(slot *s)
{
	size_t n = s->num_names + s->num_domains, o = 0;

	if (n > s->ptrs_cap) {
		const char **p = realloc(s->ptrs, n * sizeof *p);
		if (!p)
			return ch_error_set(CH_ERR_NOMEM, "out of memory");
		s->ptrs = p;
		s->ptrs_cap = n;
	}
	for (size_t i = 0; i < n; i++) {
		s->ptrs[i] = s->text.data + o;
		o += strlen(s->text.data + o) + 1;
	}
	return CH_OK;
}

static ch_err put_str(ch_buf *b, size_t *off, const char *s)
{
	*off = b->len;
	if (!s)
		return CH_OK;
	return ch_buf_append(b, s, strlen(s) + 1);
}

/* compress decides how the slot's DER is kept (see Z_LEVEL above). */
static ch_err compress(ch_ingest *ig, slot *s, size_t len)
{
	size_t bound = ZSTD_compressBound(len), zn;

	s->z_len = 0;
	s->der_form = CH_STORE_DER_RAW;
	if (len < 256)
		return CH_OK;
	if (bound > s->z_cap) {
		uint8_t *p = realloc(s->z, bound);
		if (!p)
			return ch_error_set(CH_ERR_NOMEM, "out of memory");
		s->z = p;
		s->z_cap = bound;
	}
	zn = ZSTD_compressCCtx(ig->zc, s->z, bound, s->der, len, Z_LEVEL);
	if (!ZSTD_isError(zn) && zn * 100 <= len * (100 - Z_MIN_GAIN)) {
		s->z_len = zn;
		s->der_form = CH_STORE_DER_ZSTD;
	}
	return CH_OK;
}

/* fill_slot decodes one item into the next slot. CH_ERR_PARSE / CH_ERR_LIMIT are per item. */
static ch_err fill_slot(ch_ingest *ig, slot *s, const ch_ingest_item *item)
{
	const uint8_t *der = item->der;
	size_t len = item->der_len, o_src = 0, o_ip = 0, o_sni = 0;
	const ch_sighting *g = item->sighting;
	ch_store_put put;
	ch_err err = CH_OK;

	if (len > CH_CERT_MAX_DER)
		return ch_error_set(CH_ERR_LIMIT, "certificate of %zu bytes exceeds %u", len,
				    CH_CERT_MAX_DER);
	if (len > s->der_cap) {
		uint8_t *p = realloc(s->der, len);
		if (!p)
			return ch_error_set(CH_ERR_NOMEM, "out of memory");
		s->der = p;
		s->der_cap = len;
	}
	memcpy(s->der, der, len);
	CH_TRY(ch_cert_parse(s->cert, s->der, len, CH_PARSE_ALL));
	ch_buf_reset(&s->text);
	err = ch_ingest__names(ig->names, &s->text, &s->num_names, &s->num_domains, s->cert);
	if (err) /* CH_ERR_LIMIT (too many names) rejects this item, not the run */
		goto out;
	s->has_sighting = g != NULL;
	if (g) {
		s->sighting = *g;
		CH_TRY(put_str(&s->text, &o_src, g->source));
		CH_TRY(put_str(&s->text, &o_ip, g->ip));
		CH_TRY(put_str(&s->text, &o_sni, g->sni));
	}
	CH_TRY(set_ptrs(s));
	CH_TRY(compress(ig, s, len));
	s->has_tbs = item->tbs_sha256 != NULL;
	if (s->has_tbs)
		memcpy(s->tbs_sha256, item->tbs_sha256, 32);
	if (g) {
		s->sighting.source = g->source ? s->text.data + o_src : NULL;
		s->sighting.ip = g->ip ? s->text.data + o_ip : NULL;
		s->sighting.sni = g->sni ? s->text.data + o_sni : NULL;
	}
	put = slot_put(s);
	err = ch_store_derive(s->vals, &put); /* CH_ERR_LIMIT (too many values): this item only */
out:
	return err;
}

static ch_err add_item(ch_ingest *ig, const ch_ingest_item *item);

ch_err ch_ingest_add_item(ch_ingest *ig, const ch_ingest_item *item)
{
	ch_err err = add_item(ig, item);

	if (!err && ig->fed >= ig->batch_size)
		err = commit_batch(ig);
	return err;
}

ch_err ch_ingest_add(ch_ingest *ig, const uint8_t *der, size_t der_len, const ch_sighting *g)
{
	ch_ingest_item item = {.der = der, .der_len = der_len, .sighting = g};

	return ch_ingest_add_item(ig, &item);
}

ch_err ch_ingest_add_at(ch_ingest *ig, const uint8_t *der, size_t der_len, const ch_sighting *g,
			const char *source_id, const void *ckpt, size_t ckpt_len)
{
	ch_ingest_item item = {.der = der, .der_len = der_len, .sighting = g};
	ch_err err = add_item(ig, &item);

	if (!err && source_id)
		err = ch_ingest_checkpoint(ig, source_id, ckpt, ckpt_len);
	if (!err && ig->fed >= ig->batch_size)
		err = commit_batch(ig);
	return err;
}

/* add_item decodes one item into the chunk and submits the chunk when it is full; it never
 * commits, so the caller can record a checkpoint covering the item first. */
static ch_err add_item(ch_ingest *ig, const ch_ingest_item *item)
{
	const ch_sighting *g = item->sighting;
	size_t der_len = item->der_len;
	slot *s;
	char where[256];
	ch_err err;

	chunk *c = current(ig);

	if (is_broken(ig))
		return fail_broken(ig);
	ig->read++;
	ig->der_bytes += der_len;
	s = &c->slots[c->n];
	err = fill_slot(ig, s, item);
	if (err == CH_ERR_PARSE || err == CH_ERR_LIMIT) {
		snprintf(where, sizeof where, "%s#%lld", g && g->source ? g->source : "-",
			 g ? (long long)g->index : (long long)ig->read - 1);
		record_reject(ig, err == CH_ERR_PARSE ? "parse" : "limit", where,
				      ch_error_last());
		return CH_OK;
	}
	if (err)
		return err;
	c->n++;
	c->bytes += der_len;
	ig->fed++;
	if (c->n >= ig->chunk_max || c->bytes >= CH_INGEST_MAX_CHUNK_BYTES)
		err = submit(ig, false);
	return err;
}

ch_err ch_ingest_checkpoint(ch_ingest *ig, const char *source_id, const void *data, size_t len)
{
	size_t i;
	pending_ckpt *c;
	ch_err err = CH_OK;

	if (is_broken(ig))
		return fail_broken(ig);
	if (len > CH_STORE_CHECKPOINT_MAX)
		return ch_error_set(CH_ERR_LIMIT, "ingest: checkpoint of %zu bytes is too large", len);
	for (i = 0; i < ig->num_ckpts; i++)
		if (!strcmp(ig->ckpts[i].source, source_id))
			break;
	if (i == CH_INGEST_MAX_PENDING_CHECKPOINTS) {
		/* Too many sources in one batch: commit now (it covers everything fed so far). */
		CH_TRY(commit_batch(ig));
		i = 0;
	}
	c = &ig->ckpts[i];
	if (i == ig->num_ckpts) {
		if (!(c->source = strdup(source_id)))
			return ch_error_set(CH_ERR_NOMEM, "out of memory");
		ig->num_ckpts++;
	}
	ch_buf_reset(&c->blob);
	err = ch_buf_append(&c->blob, data, len);
out:
	return err;
}

ch_err ch_ingest_flush(ch_ingest *ig)
{
	ch_err err = CH_OK;

	if (is_broken(ig))
		return fail_broken(ig);
	CH_TRY(commit_batch(ig));
	err = drain(ig);
out:
	return err;
}

void ch_ingest_get_counts(const ch_ingest *ig, ch_ingest_counts *out)
{
	ch_ingest *m = (ch_ingest *)ig; /* the lock only */

	memset(out, 0, sizeof *out);
	pthread_mutex_lock(&m->mu);
	out->read = ig->read;
	out->new_certs = ig->new_certs;
	out->duplicates = ig->duplicates;
	out->rejected = ig->rejected;
	out->sightings = ig->sightings;
	out->batches = ig->batches;
	out->der_bytes = ig->der_bytes;
	out->bulk = ig->bulk_on;
	out->reasons = ig->reasons;
	out->num_reasons = ig->num_reasons;
	out->rejects = ig->rejects;
	out->num_rejects = ig->num_rejects;
	pthread_mutex_unlock(&m->mu);
}
