/* JSON event records: JSON lines (Winlogbeat, osquery, Zeek), concatenated or pretty-printed
 * objects, a top-level array of records, or records inside a wrapper object's array
 * ({"Schema": [...], "Results": [...]} from the Defender API, {"records": [...]} from Azure
 * storage exports). Each record (at most CH_PROCEV_RECORD_MAX bytes) is scanned once by
 * json_scan.c; its flavour is told by the paths it holds (json_fields.c). */
#include "detect/internal.h"

#include <string.h>

enum { JS_TOP = 0, JS_ARRAY_TOP, JS_WRAPPER, JS_ARRAY_WRAPPED };

typedef struct jctx {
	ch_procev_reader *r;
	uint8_t prio[F_NUM];
	unsigned seen;         /* bit per flavour */
	const char *net_kind;
	const char *why;
} jctx;

static int on_scalar(void *vctx, const char *path, size_t len, char type, const char *v, size_t n)
{
	jctx *c = vctx;
	ch_procev_reader *r = c->r;
	int i = ch_detect__json_lookup(&r->jix, path, len), f, pr;
	ch_err err;

	if (i < 0 || type == 'z' || type == 't' || type == 'f')
		return 0;
	f = ch_detect__json_map_field(i);
	pr = ch_detect__json_map_prio(i);
	c->seen |= 1u << ch_detect__json_map_flavour(i);
	if (f == F_ACTION && r->set[F_ACTION] && pr == c->prio[f]) {
		/* event.type is an array: keep every value */
		err = ch_detect__field_append(r, f, " ", 1);
		if (err == CH_OK)
			err = type == 's' ? ch_detect__json_unescape(&r->field[f], v, n)
					  : ch_detect__field_append(r, f, v, n);
		goto out;
	}
	if (r->set[f] && pr < c->prio[f])
		return 0;
	c->prio[f] = (uint8_t)pr;
	if (type == 's') {
		err = ch_detect__field_set(r, f, "", 0);
		if (err == CH_OK)
			err = ch_detect__json_unescape(&r->field[f], v, n);
	} else {
		err = ch_detect__field_set(r, f, v, n);
	}
	if (f == F_NET_NAME)
		c->net_kind = memmem(path, len, "sni", 3) || memmem(path, len, "server_name", 11)
				      ? "sni" : (memmem(path, len, "query", 5) || memmem(path, len, "rrname", 6))
				      ? "dns" : "http";
out:
	if (err == CH_ERR_LIMIT && r->field[f].len >= CH_PROCEV_FIELD_MAX)
		c->why = "a field is longer than the field limit";
	else if (err != CH_OK)
		c->why = ch_error_last()[0] ? ch_error_last() : "unreadable string";
	return err != CH_OK;
}

static const char *fv(ch_procev_reader *r, int id)
{
	return r->set[id] && r->field[id].data ? r->field[id].data : "";
}

static bool has_word(const char *s, const char *w)
{
	size_t n = strlen(w);

	for (const char *p = s; (p = strstr(p, w)) != NULL; p += n)
		if ((p == s || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return true;
	return false;
}

/* After a record's fields are in: 1 process item, 2 network item, 0 pass over, -1 BAD. */
static int finish_record(jctx *c, ch_procev_item *out, uint64_t line)
{
	ch_procev_reader *r = c->r;
	bool proc = r->set[F_IMAGE] || r->set[F_CMD] || r->set[F_NAME];
	const char *id = fv(r, F_EVENTID), *act = fv(r, F_ACTION);

	if (!proc) {
		if (r->set[F_NET_NAME] && r->set[F_NET_HOST] && *fv(r, F_NET_NAME)) {
			const char *t = fv(r, F_TIME);
			out->net.time_ms = INT64_MIN;
			if (*t && !ch_detect__parse_time(&out->net.time_ms, t, strlen(t))) {
				ch_detect__bad(r, out, line, "unreadable time '%.64s'", t);
				return -1;
			}
			if (!ch_detect__utf8_valid(fv(r, F_NET_NAME), strlen(fv(r, F_NET_NAME))) ||
			    !ch_detect__utf8_valid(fv(r, F_NET_HOST), strlen(fv(r, F_NET_HOST)))) {
				ch_detect__bad(r, out, line, "invalid UTF-8 in a network field");
				return -1;
			}
			out->kind = CH_PROCEV_NETWORK;
			out->net.host = fv(r, F_NET_HOST);
			out->net.name = fv(r, F_NET_NAME);
			out->net.kind = c->net_kind ? c->net_kind : "dns";
			out->net.file = out->file = r->path;
			out->net.line = out->line = line;
			return 2;
		}
		return 0;
	}
	if (c->seen & (1u << JF_DEFENDER)) {
		if (*act && strcmp(act, "ProcessCreated") != 0)
			return 0;
	} else if (c->seen & (1u << JF_OSQUERY)) {
		if (!strcmp(act, "removed"))
			return 0;
	} else {
		if (*id && strcmp(id, "1") != 0 && strcmp(id, "4688") != 0)
			return 0;
		if (!*id && *act && !has_word(act, "start"))
			return 0;
	}
	ch_detect__emit_proc(r, out, line);
	return out->kind == CH_PROCEV_BAD ? -1 : 1;
}

/* Skips to after the next newline; true if there was one. */
static void skip_line(dsrc *s)
{
	const char *l;
	size_t n;
	bool too_long;

	(void)ch_detect__src_line(s, &l, &n, &too_long);
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Reads a key string at p (which is '"'); the key's text in *k, its length in *kl. Returns bytes
 * consumed through the ':' and following blanks, 0 if more input is needed, -1 if malformed. */
static long wrapper_key(const char *p, size_t n, const char **k, size_t *kl)
{
	size_t i = 1;

	while (i < n && p[i] != '"') {
		if (p[i] == '\\' || (uint8_t)p[i] < 0x20)
			return -1; /* wrapper keys are plain words */
		i++;
	}
	if (i >= n)
		return 0;
	*k = p + 1;
	*kl = i - 1;
	for (i++; i < n && is_ws(p[i]); i++)
		;
	if (i >= n)
		return 0;
	if (p[i] != ':')
		return -1;
	for (i++; i < n && is_ws(p[i]); i++)
		;
	return i < n ? (long)i : 0;
}

static bool key_is(const char *k, size_t kl, const char *const *set)
{
	for (; *set; set++)
		if (strlen(*set) == kl && !memcmp(*set, k, kl))
			return true;
	return false;
}

static const char *const wrapper_first_keys[] = {"Schema", "Results", "records", "value",
						  "events", "@odata.context", "Stats", NULL};
static const char *const record_array_keys[] = {"Results", "records", "value", "events", NULL};

/* After a bad record: skip lines until one starts a record, then go on where records were. */
static void lose_sync(ch_procev_reader *r)
{
	if (r->json_wrap != -1)
		r->json_resume = r->json_wrap == JS_WRAPPER ? JS_TOP : r->json_wrap;
	r->json_wrap = -1;
}

/* One record starting at p[0] == '{': scanned into the fields. */
static ch_err scan_record(ch_procev_reader *r, ch_procev_item *out, bool *out_item)
{
	dsrc *s = &r->src;
	uint64_t line = s->line;
	size_t have = ch_detect__src_fill(s, 4096);
	jctx c = {.r = r};
	const char *why = NULL;
	long used;
	int got;

	*out_item = false;
	ch_detect__fields_reset(r);
	for (;;) {
		used = ch_detect__json_scan((const char *)s->buf + s->start, have, on_scalar, &c, &why);
		if (used != 0 || s->eof || have >= CH_PROCEV_RECORD_MAX)
			break;
		have = ch_detect__src_fill(s, have * 2 < CH_PROCEV_RECORD_MAX ? have * 2
									     : CH_PROCEV_RECORD_MAX);
		ch_detect__fields_reset(r);
		memset(&c, 0, sizeof c);
		c.r = r;
	}
	*out_item = true;
	if (used == 0) {
		if (have >= CH_PROCEV_RECORD_MAX)
			ch_detect__bad(r, out, line, "record longer than %zu bytes", CH_PROCEV_RECORD_MAX);
		else
			ch_detect__bad(r, out, line, "truncated record");
		skip_line(s);
		lose_sync(r); /* resynchronise on a line that starts a record */
		return CH_OK;
	}
	if (used < 0) {
		ch_detect__bad(r, out, line, "malformed JSON: %s", c.why ? c.why : why ? why : "?");
		skip_line(s);
		lose_sync(r);
		return CH_OK;
	}
	ch_detect__src_skip(s, (size_t)used);
	got = finish_record(&c, out, line);
	if (got == 0) {
		r->skipped++;
		*out_item = false;
	}
	return CH_OK;
}

ch_err ch_detect__json_next(ch_procev_reader *r, ch_procev_item *out)
{
	dsrc *s = &r->src;

	if (!r->jix.built)
		ch_detect__json_index_build(&r->jix, r->jflav);

	for (;;) {
		size_t have = ch_detect__src_fill(s, 1);
		const char *p = (const char *)s->buf + s->start;
		bool item;
		char c;

		if (have == 0)
			return CH_ERR_EOF;
		c = *p;
		if (is_ws(c) || (c == ',' && r->json_wrap != JS_TOP)) {
			size_t i = 1;
			while (i < have && is_ws(p[i]))
				i++;
			ch_detect__src_skip(s, i);
			continue;
		}
		if (r->json_wrap == -1) { /* after an error: wait for a line starting a record */
			if (c == '{') {
				r->json_wrap = r->json_resume;
				continue;
			}
			skip_line(s);
			continue;
		}
		if (c == (char)0xef && have >= 3 && (uint8_t)p[1] == 0xbb && (uint8_t)p[2] == 0xbf) {
			ch_detect__src_skip(s, 3);
			continue;
		}
		if (c == '{' && r->json_wrap == JS_TOP) {
			/* A wrapper object? Look at its first key. */
			const char *k;
			size_t kl, i = 1;
			have = ch_detect__src_fill(s, 256);
			p = (const char *)s->buf + s->start;
			while (i < have && is_ws(p[i]))
				i++;
			if (i < have && p[i] == '"' && wrapper_key(p + i, have - i, &k, &kl) > 0 &&
			    key_is(k, kl, wrapper_first_keys)) {
				ch_detect__src_skip(s, 1);
				r->json_wrap = JS_WRAPPER;
				continue;
			}
		}
		if (c == '{' && r->json_wrap != JS_WRAPPER) {
			ch_err err = scan_record(r, out, &item);
			if (err != CH_OK || item)
				return err;
			continue;
		}
		if (c == '[' && r->json_wrap == JS_TOP) {
			ch_detect__src_skip(s, 1);
			r->json_wrap = JS_ARRAY_TOP;
			continue;
		}
		if (c == ']' && (r->json_wrap == JS_ARRAY_TOP || r->json_wrap == JS_ARRAY_WRAPPED)) {
			ch_detect__src_skip(s, 1);
			r->json_wrap = r->json_wrap == JS_ARRAY_TOP ? JS_TOP : JS_WRAPPER;
			continue;
		}
		if (c == '}' && r->json_wrap == JS_WRAPPER) {
			ch_detect__src_skip(s, 1);
			r->json_wrap = JS_TOP;
			continue;
		}
		if (c == '"' && r->json_wrap == JS_WRAPPER) {
			const char *k, *why;
			size_t kl;
			long used;
			have = ch_detect__src_fill(s, 4096);
			p = (const char *)s->buf + s->start;
			used = wrapper_key(p, have, &k, &kl);
			if (used > 0 && key_is(k, kl, record_array_keys) && p[used] == '[') {
				ch_detect__src_skip(s, (size_t)used + 1);
				r->json_wrap = JS_ARRAY_WRAPPED;
				continue;
			}
			if (used > 0) { /* another member: pass over its value */
				size_t vstart = (size_t)used;
				have = ch_detect__src_fill(s, CH_PROCEV_RECORD_MAX);
				p = (const char *)s->buf + s->start;
				long vl = ch_detect__json_scan(p + vstart, have - vstart, NULL, NULL, &why);
				if (vl > 0) {
					ch_detect__src_skip(s, vstart + (size_t)vl);
					continue;
				}
			}
		}
		if (c != '{' && (r->json_wrap == JS_ARRAY_TOP || r->json_wrap == JS_ARRAY_WRAPPED)) {
			/* a scalar element: not a record */
			const char *why;
			have = ch_detect__src_fill(s, 4096);
			p = (const char *)s->buf + s->start;
			long vl = ch_detect__json_scan(p, have, NULL, NULL, &why);
			if (vl > 0) {
				ch_detect__src_skip(s, (size_t)vl);
				r->skipped++;
				continue;
			}
		}
		{
			uint64_t line = s->line;
			ch_detect__bad(r, out, line, "not a JSON record (starts with '%c')",
				       (c >= 0x20 && c < 0x7f) ? c : '?');
			skip_line(s);
			lose_sync(r);
			return CH_OK;
		}
	}
}
