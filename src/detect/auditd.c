/* Linux auditd process executions from raw audit.log lines: the SYSCALL, EXECVE and PROCTITLE
 * records of one event share msg=audit(TIME:SERIAL) and are joined by that serial until the
 * event's EOE record (or until the pending table overflows, or the file ends). Arguments come
 * quoted ("curl") or hex-encoded (a2=68747470…, a1[0]=… pieces for long ones) and are decoded;
 * bad hex reports the event with its line and skips it. The enriched format's trailer
 * (\x1d AUID="alice" …) gives user names; `node=` gives the host. The executable of a parent is
 * taken from an earlier execve of its pid in the same file when there was one. */
#include "detect/internal.h"

#include <stdlib.h>
#include <string.h>

#define AU_PENDING 64
#define AU_PIDS 4096
#define AU_PATH 256

typedef struct au_event {
	bool used, has_execve, has_syscall, bad, done;
	uint64_t serial, order, line;
	char time[32];
	int64_t args_seen;
	ch_buf node, exe, comm, user, auid, uid, pid, ppid, argv, proctitle;
	char why[128];
} au_event;

typedef struct au_pid {
	int64_t pid;
	char exe[AU_PATH];
} au_pid;

struct auditd_state {
	au_event ev[AU_PENDING];
	uint64_t next_order;
	au_pid pids[AU_PIDS];
	bool eof;
};

static void ev_init(au_event *e)
{
	ch_buf *b[] = {&e->node, &e->exe, &e->comm, &e->user, &e->auid, &e->uid, &e->pid,
		       &e->ppid, &e->argv, &e->proctitle};
	for (size_t i = 0; i < sizeof b / sizeof b[0]; i++) {
		ch_buf_free(b[i]);
		ch_buf_init(b[i], CH_PROCEV_FIELD_MAX);
	}
	e->used = e->has_execve = e->has_syscall = e->bad = e->done = false;
	e->line = 0;
	e->time[0] = '\0';
	e->args_seen = 0;
	e->why[0] = '\0';
}

void ch_detect__auditd_free(auditd_state *s)
{
	if (!s)
		return;
	for (int i = 0; i < AU_PENDING; i++) {
		ev_init(&s->ev[i]);
		ch_buf_free(&s->ev[i].argv);
	}
	free(s);
}

static int hexv(char c)
{
	return (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
	       : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
}

/* Decodes a hex value into b; false on a bad digit or odd length. */
static bool unhex(ch_buf *b, const char *v, size_t n, ch_err *err)
{
	*err = CH_OK;
	if (n % 2)
		return false;
	for (size_t i = 0; i < n; i += 2) {
		int hi = hexv(v[i]), lo = hexv(v[i + 1]);
		char c;
		if (hi < 0 || lo < 0)
			return false;
		c = (char)(hi << 4 | lo);
		if ((*err = ch_buf_putc(b, c)) != CH_OK)
			return true;
	}
	return true;
}

/* One key=value token; quoted values lose their quotes. */
typedef struct kv {
	const char *k, *v;
	size_t kl, vl;
	bool quoted;
} kv;

/* Next token of the line from *pos; false at the end. */
static bool next_kv(const char *l, size_t n, size_t *pos, kv *out)
{
	size_t i = *pos;

	while (i < n && (l[i] == ' ' || l[i] == '\x1d'))
		i++;
	if (i >= n)
		return false;
	out->k = l + i;
	while (i < n && l[i] != '=' && l[i] != ' ' && l[i] != '\x1d')
		i++;
	out->kl = (size_t)(l + i - out->k);
	out->v = "";
	out->vl = 0;
	out->quoted = false;
	if (i < n && l[i] == '=') {
		i++;
		if (i < n && l[i] == '"') {
			const char *q = memchr(l + i + 1, '"', n - i - 1);
			out->quoted = true;
			out->v = l + i + 1;
			out->vl = q ? (size_t)(q - out->v) : n - i - 1;
			i = q ? (size_t)(q - l) + 1 : n;
		} else if (i < n && l[i] == '\'') { /* msg='…' of user-space records */
			out->v = l + i + 1;
			out->vl = 0;
			i++;
		} else {
			out->v = l + i;
			while (i < n && l[i] != ' ' && l[i] != '\x1d')
				i++;
			out->vl = (size_t)(l + i - out->v);
		}
	}
	*pos = i;
	return true;
}

static bool key_is(const kv *t, const char *k)
{
	return t->kl == strlen(k) && !memcmp(t->k, k, t->kl);
}

static au_event *find_event(auditd_state *st, uint64_t serial, bool create, au_event **evict)
{
	au_event *free_slot = NULL, *oldest = NULL;

	*evict = NULL;
	for (int i = 0; i < AU_PENDING; i++) {
		au_event *e = &st->ev[i];
		if (e->used && !e->done && e->serial == serial)
			return e;
		if (!e->used && !free_slot)
			free_slot = e;
		if (e->used && !e->done && (!oldest || e->order < oldest->order))
			oldest = e;
	}
	if (!create)
		return NULL;
	if (!free_slot) {
		*evict = oldest; /* the caller emits it first */
		return NULL;
	}
	ev_init(free_slot);
	free_slot->used = true;
	free_slot->serial = serial;
	free_slot->order = st->next_order++;
	return free_slot;
}

static void set_bad(au_event *e, const char *why)
{
	if (!e->bad)
		snprintf(e->why, sizeof e->why, "%s", why);
	e->bad = true;
}

/* Appends one argv value (quoted text, hex, or "(null)") with a separating blank. */
static void add_arg(au_event *e, const kv *t)
{
	ch_err err = CH_OK;
	size_t before = e->argv.len;
	bool quote;

	if (before > 0 && (err = ch_buf_putc(&e->argv, ' ')) != CH_OK)
		goto out;
	before = e->argv.len;
	if (t->quoted)
		err = ch_buf_append(&e->argv, t->v, t->vl);
	else if (t->vl == 6 && !memcmp(t->v, "(null)", 6))
		;
	else if (!unhex(&e->argv, t->v, t->vl, &err)) {
		set_bad(e, "bad hex in an EXECVE argument");
		return;
	}
	if (err != CH_OK)
		goto out;
	/* Show an argument with blanks the way a shell would need it. */
	quote = memchr(e->argv.data ? e->argv.data + before : "", ' ', e->argv.len - before) != NULL;
	if (quote) {
		size_t alen = e->argv.len - before;
		if ((err = ch_buf_reserve(&e->argv, 2)) != CH_OK)
			goto out;
		memmove(e->argv.data + before + 1, e->argv.data + before, alen);
		e->argv.data[before] = '"';
		e->argv.data[before + 1 + alen] = '"';
		e->argv.len += 2;
		e->argv.data[e->argv.len] = '\0';
	}
out:
	if (err != CH_OK)
		set_bad(e, err == CH_ERR_LIMIT ? "command line longer than the field limit"
					       : "out of memory");
}

static void put(au_event *e, ch_buf *b, const kv *t)
{
	ch_buf_reset(b);
	if (ch_buf_append(b, t->v, t->vl) != CH_OK)
		set_bad(e, "field longer than the field limit");
}

/* Applies one record's tokens to its event. */
static void apply(au_event *e, const char *type, size_t type_len, const char *l, size_t n,
		  size_t pos)
{
	kv t;
	bool execve = type_len == 6 && !memcmp(type, "EXECVE", 6);
	bool syscall = type_len == 7 && !memcmp(type, "SYSCALL", 7);
	bool ptitle = type_len == 9 && !memcmp(type, "PROCTITLE", 9);

	if (execve)
		e->has_execve = true;
	if (syscall)
		e->has_syscall = true;
	while (next_kv(l, n, &pos, &t)) {
		if (execve) {
			if (t.kl >= 2 && t.k[0] == 'a' && t.k[1] >= '0' && t.k[1] <= '9' &&
				 !memchr(t.k, '_', t.kl)) {
				/* a0=…, or a1[0]=… pieces of one long argument (joined) */
				const char *br = memchr(t.k, '[', t.kl);
				if (br && br[1] != '0') { /* a later piece: same argument, hex */
					ch_err err;
					if (!unhex(&e->argv, t.v, t.vl, &err) || err != CH_OK)
						set_bad(e, "bad hex in an EXECVE argument");
				} else {
					add_arg(e, &t);
				}
				e->args_seen++;
			}
		} else if (syscall) {
			if (key_is(&t, "exe"))
				put(e, &e->exe, &t);
			else if (key_is(&t, "comm"))
				put(e, &e->comm, &t);
			else if (key_is(&t, "pid"))
				put(e, &e->pid, &t);
			else if (key_is(&t, "ppid"))
				put(e, &e->ppid, &t);
			else if (key_is(&t, "auid"))
				put(e, &e->auid, &t);
			else if (key_is(&t, "uid"))
				put(e, &e->uid, &t);
			else if (key_is(&t, "AUID") && t.vl && !(t.vl == 5 && !memcmp(t.v, "unset", 5)))
				put(e, &e->user, &t);
		} else if (ptitle && key_is(&t, "proctitle")) {
			ch_err err;
			ch_buf_reset(&e->proctitle);
			if (t.quoted)
				put(e, &e->proctitle, &t);
			else if (!unhex(&e->proctitle, t.v, t.vl, &err))
				set_bad(e, "bad hex in PROCTITLE");
			for (size_t i = 0; i < e->proctitle.len; i++)
				if (e->proctitle.data[i] == '\0')
					e->proctitle.data[i] = ' ';
		}
	}
}

static const char *bs(const ch_buf *b)
{
	return b->data ? b->data : "";
}

/* Moves a finished event into the reader's fields and item; false to pass it over. */
static bool emit(ch_procev_reader *r, au_event *e, ch_procev_item *out)
{
	auditd_state *st = r->auditd;
	const char *user;
	int64_t pid, ppid;
	ch_err err = CH_OK;

	e->used = false;
	if (!e->has_execve)
		return false;
	if (e->bad) {
		ch_detect__bad(r, out, e->line, "%s", e->why);
		return true;
	}
	ch_detect__fields_reset(r);
	user = bs(&e->user);
	if (!*user) {
		user = bs(&e->auid);
		if (!*user || !strcmp(user, "4294967295") || !strcmp(user, "-1"))
			user = bs(&e->uid);
	}
	err = ch_detect__field_set(r, F_TIME, e->time, strlen(e->time));
	if (err == CH_OK)
		err = ch_detect__field_set(r, F_HOST, bs(&e->node), e->node.len);
	if (err == CH_OK)
		err = ch_detect__field_set(r, F_USER, user, strlen(user));
	if (err == CH_OK && e->exe.len)
		err = ch_detect__field_set(r, F_IMAGE, bs(&e->exe), e->exe.len);
	if (err == CH_OK && !e->exe.len && e->comm.len)
		err = ch_detect__field_set(r, F_NAME, bs(&e->comm), e->comm.len);
	if (err == CH_OK)
		err = e->argv.len ? ch_detect__field_set(r, F_CMD, bs(&e->argv), e->argv.len)
				  : ch_detect__field_set(r, F_CMD, bs(&e->proctitle), e->proctitle.len);
	if (err == CH_OK)
		err = ch_detect__field_set(r, F_PID, bs(&e->pid), e->pid.len);
	pid = strtoll(bs(&e->pid), NULL, 10);
	ppid = strtoll(bs(&e->ppid), NULL, 10);
	if (err == CH_OK && ppid > 0) {
		au_pid *pp = &st->pids[(uint64_t)ppid % AU_PIDS];
		if (pp->pid == ppid)
			err = ch_detect__field_set(r, F_PIMAGE, pp->exe, strlen(pp->exe));
	}
	if (pid > 0 && e->exe.len) {
		au_pid *me = &st->pids[(uint64_t)pid % AU_PIDS];
		me->pid = pid;
		snprintf(me->exe, sizeof me->exe, "%s", bs(&e->exe));
	}
	if (err != CH_OK) {
		ch_detect__bad(r, out, e->line, "%s", ch_error_last());
		return true;
	}
	ch_detect__emit_proc(r, out, e->line);
	return true;
}

/* The oldest finished event, if any. */
static au_event *oldest_done(auditd_state *st, bool all)
{
	au_event *best = NULL;

	for (int i = 0; i < AU_PENDING; i++) {
		au_event *e = &st->ev[i];
		if (e->used && (e->done || all) && (!best || e->order < best->order))
			best = e;
	}
	return best;
}

/* "msg=audit(1700000000.123:4567):" -> time text and serial. */
static bool parse_msg(const char *v, size_t n, char time[32], uint64_t *serial)
{
	const char *colon;
	size_t tl;

	if (n < 8 || memcmp(v, "audit(", 6) != 0)
		return false;
	colon = memchr(v, ':', n);
	if (!colon)
		return false;
	tl = (size_t)(colon - (v + 6));
	if (tl == 0 || tl >= 32)
		return false;
	memcpy(time, v + 6, tl);
	time[tl] = '\0';
	*serial = 0;
	for (const char *p = colon + 1; p < v + n && *p != ')'; p++) {
		if (*p < '0' || *p > '9' || *serial > UINT64_MAX / 10 - 10)
			return false;
		*serial = *serial * 10 + (uint64_t)(*p - '0');
	}
	return true;
}

ch_err ch_detect__auditd_next(ch_procev_reader *r, ch_procev_item *out)
{
	auditd_state *st;
	dsrc *s = &r->src;

	if (!r->auditd && !(r->auditd = calloc(1, sizeof *r->auditd)))
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	st = r->auditd;
	for (;;) {
		const char *l, *type = NULL;
		size_t n, pos = 0, type_len = 0;
		bool too_long;
		uint64_t line = s->line, serial = 0;
		char time[32] = "";
		bool have_msg = false;
		kv t, node = {0};
		au_event *e, *evict;

		if ((e = oldest_done(st, st->eof)) != NULL) {
			if (emit(r, e, out))
				return CH_OK;
			r->skipped++;
			continue;
		}
		if (st->eof)
			return CH_ERR_EOF;
		if (!ch_detect__src_line(s, &l, &n, &too_long)) {
			st->eof = true;
			continue;
		}
		if (too_long) {
			ch_detect__bad(r, out, line, "line longer than %zu bytes", CH_PROCEV_RECORD_MAX);
			return CH_OK;
		}
		if (n == 0)
			continue;
		while (pos < n && next_kv(l, n, &pos, &t)) {
			if (key_is(&t, "node"))
				node = t;
			else if (key_is(&t, "type")) {
				type = t.v;
				type_len = t.vl;
			} else if (key_is(&t, "msg")) {
				have_msg = parse_msg(t.v, t.vl, time, &serial);
				break;
			} else
				break;
		}
		if (!type || !have_msg) {
			ch_detect__bad(r, out, line, "not an audit record (no type=… msg=audit(TIME:SERIAL))");
			return CH_OK;
		}
		if (type_len == 3 && !memcmp(type, "EOE", 3)) {
			e = find_event(st, serial, false, &evict);
			if (e)
				e->done = true;
			continue;
		}
		if (!((type_len == 7 && !memcmp(type, "SYSCALL", 7)) ||
		      (type_len == 6 && !memcmp(type, "EXECVE", 6)) ||
		      (type_len == 9 && !memcmp(type, "PROCTITLE", 9)))) {
			r->skipped++;
			continue;
		}
		e = find_event(st, serial, true, &evict);
		if (!e) {
			/* Table full: the oldest pending event goes out now, this record takes its
			 * slot, and the item (if any) is returned after the record is applied. */
			bool got = emit(r, evict, out);
			e = find_event(st, serial, true, &evict);
			if (!e)
				return ch_error_set(CH_ERR_INVALID, "internal: no audit slot");
			e->line = line;
			snprintf(e->time, sizeof e->time, "%s", time);
			if (node.kl)
				put(e, &e->node, &node);
			apply(e, type, type_len, l, n, pos);
			if (got)
				return CH_OK;
			r->skipped++;
			continue;
		}
		if (!e->line) {
			e->line = line;
			snprintf(e->time, sizeof e->time, "%s", time);
		}
		if (node.kl && !e->node.len)
			put(e, &e->node, &node);
		apply(e, type, type_len, l, n, pos);
	}
}
