/* ct verify: re-check a log's stored entries and tree head from the store alone (ct_sync.h). */
#include <certhound/ct_sync.h>

#include <certhound/merkle.h>

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

typedef struct vctx {
	ch_ct_verify_result *res;
	ch_hash *h;
	ch_merkle_range range;
	uint64_t expect;        /* next index to see */
	ch_buf leaf, scratch;
} vctx;

static ch_err evidence(ch_ct_verify_result *res, const char *fmt, ...) CH_PRINTF(2, 3);
static ch_err evidence(ch_ct_verify_result *res, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(res->evidence, sizeof res->evidence, fmt, ap);
	va_end(ap);
	return ch_error_set(CH_ERR_INTEGRITY, "log %s: %s", res->log_id, res->evidence);
}

static void hex(char *out, const uint8_t *p, size_t n)
{
	static const char d[] = "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = d[p[i] >> 4];
		out[2 * i + 1] = d[p[i] & 15];
	}
	out[2 * n] = '\0';
}

static ch_err on_entry(void *arg, const ch_store_ct_entry *e, const uint8_t *der, size_t der_len)
{
	vctx *v = arg;
	uint8_t h[32];
	char hx[65];
	ch_ct_entry ent;
	ch_err err;

	if (e->index != v->expect)
		return evidence(v->res, "entry %" PRIu64 " is missing from the store (next stored: %"
				PRIu64 ")", v->expect, e->index);
	if (e->has_cert) {
		hex(hx, e->cert_sha256, 32);
		if (!der)
			return evidence(v->res, "entry %" PRIu64 ": its certificate %s is not in the store",
					e->index, hx);
		CH_TRY(ch_hash_sha256(v->h, h, der, der_len));
		if (memcmp(h, e->cert_sha256, 32) != 0)
			return evidence(v->res, "entry %" PRIu64 ": the stored DER of certificate %s does "
					"not hash to its SHA-256", e->index, hx);
	}
	err = ch_ct_entry_rebuild(&v->leaf, e->leaf, e->leaf_len, e->has_cert ? der : NULL, der_len,
				  &v->scratch);
	if (err == CH_ERR_INTEGRITY || err == CH_ERR_PARSE || err == CH_ERR_NOTFOUND)
		return evidence(v->res, "entry %" PRIu64 ": the leaf cannot be rebuilt: %s", e->index,
				ch_error_last());
	if (err)
		return err;
	if (ch_ct_leaf_decode(&ent, (const uint8_t *)v->leaf.data, v->leaf.len) == CH_OK &&
	    ent.has_leaf_index && ent.leaf_index != e->index)
		return evidence(v->res, "entry %" PRIu64 ": its leaf_index extension says %" PRIu64,
				e->index, ent.leaf_index);
	CH_TRY(ch_merkle_leaf_hash(v->h, h, v->leaf.data, v->leaf.len));
	CH_TRY(ch_merkle_range_append(&v->range, v->h, h));
	v->res->entries++;
	v->res->from_certs += e->has_cert;
	v->expect++;
out:
	return err;
}

static void fmt_sth(char *out, size_t n, const ch_ct_sth *s)
{
	char b64[48];

	ch_base64_encode(b64, s->root, 32);
	snprintf(out, n, "size %" PRIu64 ", timestamp %" PRIu64 ", root %s", s->tree_size,
		 s->timestamp, b64);
}

/* check_start checks the range of [0, start) kept by a --start-at-end sync: its tree head signed
 * by the log's key and the range hashing to that head's signed root. */
static ch_err check_start(ch_ct_verify_result *out, ch_hash *h, const ch_ct__start *st,
			  const ch_ct_key *key)
{
	char t[200], b1[48];
	uint8_t root[32];
	ch_err err;

	fmt_sth(t, sizeof t, &st->sth);
	if (st->sth.sig_len == 0 || ch_ct_sth_verify(&st->sth, key) != CH_OK)
		return evidence(out, "the tree head kept by --start-at-end (%s) is not signed by the "
				"log's key", t);
	CH_TRY(ch_merkle_range_root(&st->range, h, root));
	if (memcmp(root, st->sth.root, 32) != 0) {
		ch_base64_encode(b1, root, 32);
		return evidence(out, "the range of entries [0, %" PRIu64 ") kept by --start-at-end "
				"hashes to %s, not to the signed root of its tree head (%s)",
				st->range.size, b1, t);
	}
out:
	return err;
}

ch_err ch_ct_verify(ch_ct_verify_result *out, ch_store *store, const ch_ct_key *key)
{
	char source[64], t[200], b1[48], b2[48], what[160];
	ch_merkle_range stored;
	ch_ct__start start;
	uint8_t root[32], sroot[32];
	ch_buf b;
	vctx v;
	ch_err err;

	memset(out, 0, sizeof *out);
	memset(&v, 0, sizeof v);
	v.res = out;
	ch_buf_init(&b, CH_STORE_CHECKPOINT_MAX);
	ch_buf_init(&v.leaf, CH_CT_MAX_CERT + 4096);
	ch_buf_init(&v.scratch, CH_CT_MAX_CERT);
	ch_merkle_range_init(&v.range);
	ch_base64_encode(out->log_id, ch_ct_key_log_id(key), 32);
	ch_ct_sync_source_id(source, key);
	CH_TRY(ch_hash_new(&v.h));
	err = ch_store_checkpoint_get(store, &b, source);
	if (err == CH_ERR_NOTFOUND) {
		err = ch_error_set(CH_ERR_NOTFOUND, "nothing is stored for log %s", out->log_id);
		goto out;
	}
	if (err)
		goto out;
	if (ch_ct__checkpoint_parse(b.data, b.len, &out->sth, &stored, &start, out->url,
				    sizeof out->url) != CH_OK) {
		err = evidence(out, "the stored checkpoint is malformed: %s", ch_error_last());
		goto out;
	}
	out->next = stored.size;
	out->start = start.range.size;
	out->start_sth = start.sth;
	fmt_sth(t, sizeof t, &out->sth);
	if (out->sth.tree_size == 0 && out->next == 0)
		goto out; /* an empty log: nothing signed to check */
	if (out->sth.sig_len == 0 || ch_ct_sth_verify(&out->sth, key) != CH_OK) {
		err = evidence(out, "the stored tree head (%s) is not signed by the log's key", t);
		goto out;
	}
	if (out->start) { /* --start-at-end: the entries are hashed onto the range kept then */
		CH_TRY(check_start(out, v.h, &start, key));
		v.range = start.range;
		v.expect = out->start;
		snprintf(what, sizeof what, "the --start-at-end range of [0, %" PRIu64 ") and entries "
			 "[%" PRIu64 ", %" PRIu64 ")", out->start, out->start, out->next);
	} else {
		snprintf(what, sizeof what, "entries [0, %" PRIu64 ")", out->next);
	}
	err = ch_store_ct_walk(store, source, out->start, out->next, on_entry, &v);
	if (err == CH_ERR_INTEGRITY && !out->evidence[0])
		snprintf(out->evidence, sizeof out->evidence, "entry %" PRIu64 ": %s", v.expect,
			 ch_error_last());
	if (err)
		goto out;
	if (v.expect != out->next) {
		err = evidence(out, "entry %" PRIu64 " is missing from the store (the stored position "
			       "is %" PRIu64 ")", v.expect, out->next);
		goto out;
	}
	CH_TRY(ch_merkle_range_root(&v.range, v.h, root));
	CH_TRY(ch_merkle_range_root(&stored, v.h, sroot));
	ch_base64_encode(b1, root, 32);
	ch_base64_encode(b2, sroot, 32);
	if (v.range.num_hashes != stored.num_hashes ||
	    memcmp(v.range.hashes, stored.hashes, 32 * (size_t)stored.num_hashes) != 0) {
		err = evidence(out, "%s rebuilt from the store hash to %s, but the range verified at "
			       "sync time hashes to %s (tree head %s)", what, b1, b2, t);
		goto out;
	}
	if (out->next == out->sth.tree_size) {
		out->root_checked = true;
		if (memcmp(root, out->sth.root, 32) != 0) {
			err = evidence(out, "%s rebuilt from the store hash to %s, not to the signed root "
				       "of the stored tree head (%s)", what, b1, t);
			goto out;
		}
	}
out:
	ch_hash_free(v.h);
	ch_buf_free(&v.leaf);
	ch_buf_free(&v.scratch);
	ch_buf_free(&b);
	return err;
}
