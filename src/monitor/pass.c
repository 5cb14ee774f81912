/* monitor: passes over the store. The cursor, the alert records and the outbox of alerts not yet
 * delivered are checkpoints of the store (opaque blobs under "monitor:<name>:..." keys), written
 * in the same transaction, so a pass killed at any moment resumes exactly: the certificates
 * after the cursor are examined again, their alerts are found already recorded, and what was
 * recorded but not delivered is still in the outbox. */
#include "internal.h"

#include <certhound/util.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PASS_DEFAULT_PAGE 1000
#define KEY_MAX 512
#define ID_LEN 16
#define OUTBOX_ROOM 64 /* alerts one certificate may add: keep room for them */
#define AUTH_KEY "monitor:authorized"

/* rollback after a failure: the first error is what the caller reports */
static void rollback(ch_store *s)
{
	if (ch_store_rollback(s) != CH_OK)
		return;
}

static void key(char out[KEY_MAX], const char *name, const char *what, const char *id)
{
	snprintf(out, KEY_MAX, "monitor:%s:%s%s%s", name, what, id ? ":" : "", id ? id : "");
}

/* ---- the outbox: ids of recorded, undelivered alerts, one per line ------------------------- */

static ch_err outbox_get(ch_store *s, ch_buf *out, const char *name)
{
	char k[KEY_MAX];
	ch_err err;

	ch_buf_reset(out);
	key(k, name, "pending", NULL);
	err = ch_store_checkpoint_get(s, out, k);
	return err == CH_ERR_NOTFOUND ? CH_OK : err;
}

static ch_err outbox_set(ch_store *s, const ch_buf *b, const char *name)
{
	char k[KEY_MAX];

	key(k, name, "pending", NULL);
	return ch_store_checkpoint_set(s, k, b->len ? b->data : "", b->len);
}

/* deliver_outbox delivers the pending alerts in order; each delivered one leaves the outbox in
 * its own small transaction. A delivery failure stops (the rest wait for the next pass). */
static ch_err deliver_outbox(ch_monitor_pass_result *r, ch_store *s, const char *name,
			     ch_monitor_deliver_fn deliver, void *arg)
{
	ch_buf box, json;
	char k[KEY_MAX], id[ID_LEN + 1];
	ch_err err = CH_OK;

	ch_buf_init(&box, CH_STORE_CHECKPOINT_MAX);
	ch_buf_init(&json, CH_STORE_CHECKPOINT_MAX);
	CH_TRY(outbox_get(s, &box, name));
	while (box.len >= ID_LEN + 1) {
		memcpy(id, box.data, ID_LEN);
		id[ID_LEN] = '\0';
		key(k, name, "alert", id);
		ch_buf_reset(&json);
		err = ch_store_checkpoint_get(s, &json, k);
		if (err == CH_OK && (err = deliver(arg, json.data, json.len)) != CH_OK)
			break;
		if (err && err != CH_ERR_NOTFOUND)
			goto out;
		memmove(box.data, box.data + ID_LEN + 1, box.len - ID_LEN - 1);
		box.len -= ID_LEN + 1;
		CH_TRY(ch_store_begin(s));
		if ((err = outbox_set(s, &box, name)) != CH_OK || (err = ch_store_commit(s)) != CH_OK) {
			rollback(s);
			goto out;
		}
		r->delivered++;
	}
	r->pending = box.len / (ID_LEN + 1);
	if (err != CH_OK && err != CH_ERR_NOTFOUND) {
		/* a delivery failure is not a pass failure: the alert stays pending */
		err = CH_OK;
	}
out:
	ch_buf_free(&box);
	ch_buf_free(&json);
	return err;
}

/* ---- authorizations ------------------------------------------------------------------------ */

ch_err ch_monitor_authorize(ch_store *s, const uint8_t sha256[32])
{
	ch_buf b;
	char hex[65];
	ch_err err = CH_OK;

	ch_hex_encode(hex, sha256, 32);
	ch_buf_init(&b, CH_STORE_CHECKPOINT_MAX);
	err = ch_store_checkpoint_get(s, &b, AUTH_KEY);
	if (err == CH_ERR_NOTFOUND)
		err = CH_OK;
	if (!err && b.len && strstr(b.data, hex))
		goto out;
	if (!err && (err = ch_buf_printf(&b, "%s\n", hex)) == CH_ERR_LIMIT)
		err = ch_error_set(CH_ERR_LIMIT, "monitor: too many authorized certificates (%u bytes)",
				   CH_STORE_CHECKPOINT_MAX);
	if (!err && (err = ch_store_begin(s)) == CH_OK) {
		if ((err = ch_store_checkpoint_set(s, AUTH_KEY, b.data, b.len)) == CH_OK)
			err = ch_store_commit(s);
		else
			rollback(s);
	}
out:
	ch_buf_free(&b);
	return err;
}

static bool authorized(const ch_buf *auth, const uint8_t sha[32])
{
	char hex[65];

	if (!auth->len)
		return false;
	ch_hex_encode(hex, sha, 32);
	return strstr(auth->data, hex) != NULL;
}

/* ---- the cursor: a store scan position and how many items after it were done -------------- */

static ch_err cursor_get(ch_store *s, const char *name, char *start, size_t *skip, bool *found)
{
	ch_buf b;
	char k[KEY_MAX];
	ch_err err;

	ch_buf_init(&b, CH_STORE_CHECKPOINT_MAX);
	key(k, name, "cursor", NULL);
	*found = false;
	start[0] = '\0';
	*skip = 0;
	err = ch_store_checkpoint_get(s, &b, k);
	if (err == CH_ERR_NOTFOUND) {
		err = CH_OK;
	} else if (!err) {
		char *nl = b.len ? memchr(b.data, '\n', b.len) : NULL;
		if (!nl || (size_t)(nl - b.data) >= CH_STORE_CURSOR_MAX) {
			err = ch_error_set(CH_ERR_INTEGRITY, "monitor %s: bad cursor record", name);
		} else {
			memcpy(start, b.data, (size_t)(nl - b.data));
			start[nl - b.data] = '\0';
			*skip = (size_t)strtoull(nl + 1, NULL, 10);
			*found = true;
		}
	}
	ch_buf_free(&b);
	return err;
}

static ch_err cursor_set(ch_store *s, const char *name, const char *start, size_t skip)
{
	char k[KEY_MAX], v[CH_STORE_CURSOR_MAX + 32];
	int n = snprintf(v, sizeof v, "%s\n%zu\n", start, skip);

	key(k, name, "cursor", NULL);
	return ch_store_checkpoint_set(s, k, v, (size_t)n);
}

/* to_end moves a new monitor's cursor past everything stored (--start-at-end). */
static ch_err to_end(ch_store *s, const char *name, size_t page)
{
	char start[CH_STORE_CURSOR_MAX] = "";
	ch_store_page *pg = NULL;
	ch_err err = CH_OK;

	for (;;) {
		CH_TRY(ch_store_scan(s, &pg, page, start));
		snprintf(start, sizeof start, "%s", pg->cursor);
		if (pg->num_items < page)
			break;
		ch_store_page_free(pg);
		pg = NULL;
	}
	CH_TRY(ch_store_begin(s));
	if ((err = cursor_set(s, name, start, 0)) != CH_OK || (err = ch_store_commit(s)) != CH_OK)
		rollback(s);
out:
	ch_store_page_free(pg);
	return err;
}

/* ---- one page ------------------------------------------------------------------------------ */

typedef struct pass_ctx {
	ch_monitor *m;
	ch_store *s;
	const char *name;
	int64_t now;
	ch_monitor_matches mm;
	ch_buf box, json, auth;
	ch_monitor_pass_result *r;
} pass_ctx;

/* record stores the new alerts of one certificate and queues them. */
static ch_err record(pass_ctx *x, const ch_monitor_cert *c)
{
	char k[KEY_MAX];
	ch_err err = CH_OK;

	CH_TRY(ch_monitor_match(x->m, &x->mm, c));
	for (size_t i = 0; i < x->mm.num_alerts; i++) {
		const ch_monitor_alert *a = &x->mm.alerts[i];
		key(k, x->name, "alert", a->id);
		ch_buf_reset(&x->json);
		err = ch_store_checkpoint_get(x->s, &x->json, k);
		if (err == CH_OK) {
			x->r->duplicates++;
			continue;
		}
		if (err != CH_ERR_NOTFOUND)
			goto out;
		ch_buf_reset(&x->json);
		CH_TRY(ch_monitor_alert_json(&x->json, x->m, a, x->now));
		CH_TRY(ch_store_checkpoint_set(x->s, k, x->json.data, x->json.len));
		CH_TRY(ch_buf_printf(&x->box, "%s\n", a->id));
		x->r->alerts++;
	}
out:
	return err;
}

/* page_items examines items [skip, n) of a page inside one transaction; *done = items done. */
static ch_err page_items(pass_ctx *x, const ch_store_page *pg, size_t skip, size_t *done)
{
	ch_err err = CH_OK;
	size_t i;

	for (i = skip; i < pg->num_items; i++) {
		const ch_store_summary *sm = &pg->items[i];
		ch_monitor_cert c = {.serial_hex = sm->serial_hex, .subject = sm->subject,
				     .issuer = sm->issuer, .not_before = sm->not_before,
				     .not_after = sm->not_after,
				     .precert = (sm->flags & CH_STORE_F_PRECERT) != 0,
				     .names = (const char *const *)sm->names, .num_names = sm->num_names};
		if (x->box.len + OUTBOX_ROOM * (ID_LEN + 1) > CH_STORE_CHECKPOINT_MAX)
			break; /* the outbox is full: the rest waits for the next page */
		memcpy(c.sha256, sm->sha256, 32);
		x->r->certs++;
		if (authorized(&x->auth, sm->sha256)) {
			x->r->authorized++;
			continue;
		}
		CH_TRY(record(x, &c));
	}
out:
	*done = i;
	return err;
}

ch_err ch_monitor_pass(ch_monitor_pass_result *out, ch_monitor *m, ch_store *s,
		       const ch_monitor_pass_opts *opts, ch_monitor_deliver_fn deliver, void *arg)
{
	ch_monitor_pass_opts o = opts ? *opts : (ch_monitor_pass_opts){0};
	pass_ctx x = {.m = m, .s = s};
	char start[CH_STORE_CURSOR_MAX];
	ch_store_page *pg = NULL;
	size_t skip, done;
	bool found, in_tx = false;
	ch_err err = CH_OK;

	memset(out, 0, sizeof *out);
	x.r = out;
	x.name = o.name && *o.name ? o.name : "default";
	x.now = o.now ? o.now : ch_time_now();
	if (!o.page || o.page > CH_STORE_MAX_PAGE)
		o.page = PASS_DEFAULT_PAGE;
	ch_buf_init(&x.box, CH_STORE_CHECKPOINT_MAX);
	ch_buf_init(&x.json, CH_STORE_CHECKPOINT_MAX);
	ch_buf_init(&x.auth, CH_STORE_CHECKPOINT_MAX);
	if (strlen(x.name) > 64 || strchr(x.name, ':'))
		CH_TRY(ch_error_set(CH_ERR_INVALID, "monitor: a name is at most 64 bytes without ':'"));
	CH_TRY(deliver_outbox(out, s, x.name, deliver, arg));
	if ((err = ch_store_checkpoint_get(s, &x.auth, AUTH_KEY)) == CH_ERR_NOTFOUND)
		err = CH_OK;
	CH_TRY(err);
	CH_TRY(cursor_get(s, x.name, start, &skip, &found));
	if (!found && o.start_at_end) {
		err = to_end(s, x.name, o.page);
		goto out;
	}
	while (!(o.stop && atomic_load(o.stop)) && (!o.max_certs || out->certs < o.max_certs)) {
		ch_store_page_free(pg);
		pg = NULL;
		CH_TRY(ch_store_scan(s, &pg, o.page, start));
		if (pg->num_items <= skip)
			break; /* caught up */
		CH_TRY(ch_store_begin(s));
		in_tx = true;
		CH_TRY(outbox_get(s, &x.box, x.name));
		CH_TRY(page_items(&x, pg, skip, &done));
		if (done == pg->num_items) {
			snprintf(start, sizeof start, "%s", pg->cursor);
			skip = 0;
		} else {
			skip = done;
		}
		CH_TRY(cursor_set(s, x.name, start, skip));
		CH_TRY(outbox_set(s, &x.box, x.name));
		CH_TRY(ch_store_commit(s));
		in_tx = false;
		CH_TRY(deliver_outbox(out, s, x.name, deliver, arg));
		if (out->pending)
			break; /* deliveries fail: do not pile up more */
	}
out:
	if (in_tx)
		rollback(s);
	ch_store_page_free(pg);
	ch_monitor_matches_free(&x.mm);
	ch_buf_free(&x.box);
	ch_buf_free(&x.json);
	ch_buf_free(&x.auth);
	return err;
}
