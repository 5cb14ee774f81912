/* ingest: the one pipeline from sources to the store.
 *
 * Items are decoded as they arrive into one of CHUNK slots (each a reusable ch_cert with its own
 * copy of the DER, its names and its sighting); a full chunk is written to the store inside the
 * open batch transaction; a batch is committed, together with the checkpoints recorded while it
 * was open, after batch_size certificates. So memory is one chunk, a crash loses at most the
 * open batch, and the committed checkpoints always describe exactly the committed data. */
#include <certhound/ingest.h>

#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 256

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
} slot;

typedef struct pending_ckpt {
	char *source;
	ch_buf blob;
} pending_ckpt;

struct ch_ingest {
	ch_store *store;
	ch_names *names;
	size_t batch_size;
	slot slots[CHUNK];
	size_t num_chunk;
	size_t chunk_max;         /* min(CHUNK, batch_size) */
	size_t chunk_bytes;
	size_t in_batch;          /* certificates written in the open transaction */
	bool in_txn;
	bool broken;
	pending_ckpt ckpts[CH_INGEST_MAX_PENDING_CHECKPOINTS];
	size_t num_ckpts;
	ch_store_put puts[CHUNK];
	uint8_t is_new[CHUNK];
	/* counts */
	uint64_t read, new_certs, duplicates, rejected, sightings, batches, der_bytes;
	ch_ingest_reason reasons[CH_INGEST_MAX_REASONS];
	size_t num_reasons;
	ch_ingest_reject rejects[CH_INGEST_MAX_REJECT_DETAILS];
	size_t num_rejects;
};

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
	CH_TRY(ch_names_new(&ig->names));
	for (size_t i = 0; i < CHUNK; i++) {
		ch_buf_init(&ig->slots[i].text, 8u << 20);
		CH_TRY(ch_cert_new(&ig->slots[i].cert));
	}
	for (size_t i = 0; i < CH_INGEST_MAX_PENDING_CHECKPOINTS; i++)
		ch_buf_init(&ig->ckpts[i].blob, CH_STORE_CHECKPOINT_MAX);
out:
	if (err)
		ch_ingest_free(ig);
	else
		*out = ig;
	return err;
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
	if (ig->in_txn && ch_store_rollback(ig->store) != CH_OK)
		ch_error_clear(); /* nothing more to do: the transaction dies with the handle */
	drop_pending(ig);
	ch_names_free(ig->names);
	for (size_t i = 0; i < CH_INGEST_MAX_PENDING_CHECKPOINTS; i++)
		ch_buf_free(&ig->ckpts[i].blob);
	for (size_t i = 0; i < CHUNK; i++) {
		ch_cert_free(ig->slots[i].cert);
		free(ig->slots[i].der);
		ch_buf_free(&ig->slots[i].text);
		free(ig->slots[i].ptrs);
	}
	free(ig);
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

/* fail_store marks the pipeline unusable after a store failure and rolls the batch back. */
void ch_ingest_reject_item(ch_ingest *ig, const char *reason, const char *where,
			   const char *message)
{
	ig->read++;
	record_reject(ig, reason, where, message);
}

static ch_err fail_store(ch_ingest *ig, ch_err err)
{
	char msg[512];

	snprintf(msg, sizeof msg, "%s", ch_error_last());
	if (ig->in_txn && ch_store_rollback(ig->store) != CH_OK)
		ch_error_clear();
	ig->in_txn = false;
	ig->broken = true;
	ig->num_chunk = 0;
	ch_error_set(err, "%s", msg);
	return err;
}

static ch_err write_chunk(ch_ingest *ig)
{
	ch_err err = CH_OK;

	if (!ig->num_chunk)
		return CH_OK;
	if (!ig->in_txn) {
		CH_TRY(ch_store_begin(ig->store));
		ig->in_txn = true;
	}
	for (size_t i = 0; i < ig->num_chunk; i++) {
		slot *s = &ig->slots[i];
		ig->puts[i] = (ch_store_put){
			.cert = s->cert,
			.names = s->ptrs,
			.num_names = s->num_names,
			.domains = s->ptrs + s->num_names,
			.num_domains = s->num_domains,
			.sighting = s->has_sighting ? &s->sighting : NULL,
		};
	}
	CH_TRY(ch_store_put_certs(ig->store, ig->is_new, ig->puts, ig->num_chunk));
	for (size_t i = 0; i < ig->num_chunk; i++) {
		ig->new_certs += ig->is_new[i];
		ig->duplicates += !ig->is_new[i];
		ig->sightings += ig->slots[i].has_sighting;
	}
	ig->in_batch += ig->num_chunk;
	ig->num_chunk = 0;
	ig->chunk_bytes = 0;
out:
	return err ? fail_store(ig, err) : CH_OK;
}

/* commit_batch writes the chunk, then the checkpoints, and commits them all at once. */
static ch_err commit_batch(ch_ingest *ig)
{
	ch_err err = CH_OK;

	CH_TRY(write_chunk(ig));
	if (!ig->in_txn && !ig->num_ckpts)
		return CH_OK;
	if (!ig->in_txn) {
		CH_TRY(ch_store_begin(ig->store));
		ig->in_txn = true;
	}
	for (size_t i = 0; i < ig->num_ckpts; i++)
		CH_TRY(ch_store_checkpoint_set(ig->store, ig->ckpts[i].source, ig->ckpts[i].blob.data,
					       ig->ckpts[i].blob.len));
	CH_TRY(ch_store_commit(ig->store));
	ig->in_txn = false;
	ig->in_batch = 0;
	ig->batches++;
	drop_pending(ig);
out:
	return err ? fail_store(ig, err) : CH_OK;
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

/* fill_slot decodes one item into the next slot. CH_ERR_PARSE / CH_ERR_LIMIT are per item. */
static ch_err fill_slot(ch_ingest *ig, slot *s, const uint8_t *der, size_t len,
			const ch_sighting *g)
{
	size_t o_src = 0, o_ip = 0, o_sni = 0;
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
	if (g) {
		s->sighting.source = g->source ? s->text.data + o_src : NULL;
		s->sighting.ip = g->ip ? s->text.data + o_ip : NULL;
		s->sighting.sni = g->sni ? s->text.data + o_sni : NULL;
	}
out:
	return err;
}

static ch_err add_item(ch_ingest *ig, const uint8_t *der, size_t der_len, const ch_sighting *g);

ch_err ch_ingest_add(ch_ingest *ig, const uint8_t *der, size_t der_len, const ch_sighting *g)
{
	ch_err err = add_item(ig, der, der_len, g);

	if (!err && ig->in_batch >= ig->batch_size)
		err = commit_batch(ig);
	return err;
}

ch_err ch_ingest_add_at(ch_ingest *ig, const uint8_t *der, size_t der_len, const ch_sighting *g,
			const char *source_id, const void *ckpt, size_t ckpt_len)
{
	ch_err err = add_item(ig, der, der_len, g);

	if (!err && source_id)
		err = ch_ingest_checkpoint(ig, source_id, ckpt, ckpt_len);
	if (!err && ig->in_batch >= ig->batch_size)
		err = commit_batch(ig);
	return err;
}

/* add_item decodes one item into the chunk and writes the chunk when it is full; it never
 * commits, so the caller can record a checkpoint covering the item first. */
static ch_err add_item(ch_ingest *ig, const uint8_t *der, size_t der_len, const ch_sighting *g)
{
	slot *s;
	char where[256];
	ch_err err;

	if (ig->broken)
		return ch_error_set(CH_ERR_STORE, "ingest: the pipeline failed earlier");
	ig->read++;
	ig->der_bytes += der_len;
	s = &ig->slots[ig->num_chunk];
	err = fill_slot(ig, s, der, der_len, g);
	if (err == CH_ERR_PARSE || err == CH_ERR_LIMIT) {
		snprintf(where, sizeof where, "%s#%lld", g && g->source ? g->source : "-",
			 g ? (long long)g->index : (long long)ig->read - 1);
		record_reject(ig, err == CH_ERR_PARSE ? "parse" : "limit", where,
				      ch_error_last());
		return CH_OK;
	}
	if (err)
		return err;
	ig->num_chunk++;
	ig->chunk_bytes += der_len;
	if (ig->num_chunk >= ig->chunk_max || ig->chunk_bytes >= CH_INGEST_MAX_CHUNK_BYTES)
		err = write_chunk(ig);
	return err;
}

ch_err ch_ingest_checkpoint(ch_ingest *ig, const char *source_id, const void *data, size_t len)
{
	size_t i;
	pending_ckpt *c;
	ch_err err = CH_OK;

	if (ig->broken)
		return ch_error_set(CH_ERR_STORE, "ingest: the pipeline failed earlier");
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
	if (ig->broken)
		return ch_error_set(CH_ERR_STORE, "ingest: the pipeline failed earlier");
	return commit_batch(ig);
}

void ch_ingest_get_counts(const ch_ingest *ig, ch_ingest_counts *out)
{
	memset(out, 0, sizeof *out);
	out->read = ig->read;
	out->new_certs = ig->new_certs;
	out->duplicates = ig->duplicates;
	out->rejected = ig->rejected;
	out->sightings = ig->sightings;
	out->batches = ig->batches;
	out->der_bytes = ig->der_bytes;
	out->reasons = ig->reasons;
	out->num_reasons = ig->num_reasons;
	out->rejects = ig->rejects;
	out->num_rejects = ig->num_rejects;
}
