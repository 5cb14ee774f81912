/* Sysmon Event ID 1 (and Security 4688) process creations from Windows event XML: exported
 * .xml files (<Events><Event>…</Event>…</Events>, often all on one line), forwarded events,
 * wevtutil output with one <Event> per line.
 *
 * Not a general XML parser: a bounded scanner that cuts the input into <Event>…</Event> slices
 * (each at most CH_PROCEV_RECORD_MAX bytes) and reads the few elements an event needs —
 * EventID, Provider, TimeCreated/@SystemTime, Computer and <Data Name="…">value</Data> — with
 * the five predefined entities and numeric character references decoded. No DTDs, no external
 * entities, nothing that could make a small input expand. */
#include "detect/internal.h"

#include <string.h>

static const char *find(const char *p, size_t n, const char *needle)
{
	return memmem(p, n, needle, strlen(needle));
}

/* Appends UTF-8 for a code point; false for one XML does not allow. */
static bool put_cp(ch_buf *b, uint32_t cp, ch_err *err)
{
	char u[4];
	size_t n;

	if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return false;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	*err = ch_buf_append(b, u, n);
	return true;
}

/* Decodes XML character data into field `id`; false (with *why) on a bad reference. */
static ch_err xml_text(ch_procev_reader *r, int id, const char *s, size_t n, const char **why)
{
	ch_err err;
	ch_buf *b = &r->field[id];
	size_t i = 0;

	CH_TRY(ch_detect__field_set(r, id, "", 0));
	while (i < n) {
		const char *amp = memchr(s + i, '&', n - i);
		size_t run = amp ? (size_t)(amp - (s + i)) : n - i;
		const char *semi;
		size_t ref_len;

		CH_TRY(ch_detect__field_append(r, id, s + i, run));
		i += run;
		if (i >= n)
			break;
		semi = memchr(s + i, ';', n - i < 12 ? n - i : 12);
		if (!semi) {
			*why = "unterminated character reference";
			err = CH_ERR_PARSE;
			goto out;
		}
		ref_len = (size_t)(semi - (s + i)) + 1;
		static const struct { const char *ent; char c; } ents[] = {
			{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
		bool done = false;
		for (size_t k = 0; k < 5 && !done; k++) {
			if (ref_len == strlen(ents[k].ent) && !memcmp(s + i, ents[k].ent, ref_len)) {
				CH_TRY(ch_detect__field_append(r, id, &ents[k].c, 1));
				done = true;
			}
		}
		if (!done && ref_len > 3 && s[i + 1] == '#') {
			uint32_t cp = 0;
			bool hex = s[i + 2] == 'x' || s[i + 2] == 'X', ok = true;
			for (size_t k = i + (hex ? 3 : 2); k < i + ref_len - 1; k++) {
				char c = s[k];
				int d = (c >= '0' && c <= '9') ? c - '0'
					: (hex && c >= 'a' && c <= 'f') ? c - 'a' + 10
					: (hex && c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
				if (d < 0 || cp > 0x10ffff) {
					ok = false;
					break;
				}
				cp = cp * (hex ? 16 : 10) + (uint32_t)d;
			}
			err = CH_OK;
			done = ok && put_cp(b, cp, &err);
			if (err != CH_OK)
				goto out;
			r->set[id] = true;
		}
		if (!done) {
			*why = "bad character reference";
			err = CH_ERR_PARSE;
			goto out;
		}
		i += ref_len;
	}
	err = CH_OK;
out:
	if (err == CH_ERR_LIMIT)
		*why = ch_error_last();
	return err;
}

/* Text of the first <tag ...>text</tag> in the slice; false if absent. */
static bool element(const char *p, size_t n, const char *tag, const char **out, size_t *out_len)
{
	char open[40], close[40];
	const char *a, *gt, *end;
	size_t tl = strlen(tag);

	snprintf(open, sizeof open, "<%s", tag);
	snprintf(close, sizeof close, "</%s>", tag);
	for (a = p; (a = find(a, n - (size_t)(a - p), open)) != NULL; a += tl + 1) {
		char c = a + tl + 1 < p + n ? a[tl + 1] : 0;
		if (c != '>' && c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '/')
			continue;
		gt = memchr(a, '>', n - (size_t)(a - p));
		if (!gt)
			return false;
		if (gt[-1] == '/') {
			*out = gt;
			*out_len = 0;
			return true;
		}
		end = find(gt + 1, n - (size_t)(gt + 1 - p), close);
		if (!end)
			return false;
		*out = gt + 1;
		*out_len = (size_t)(end - (gt + 1));
		return true;
	}
	return false;
}

/* Value of attribute `name` inside a start tag [p, gt). */
static bool attribute(const char *p, const char *gt, const char *name, const char **out,
		      size_t *out_len)
{
	size_t nl = strlen(name);

	for (const char *a = p + 1; a + nl + 2 < gt; a++) {
		const char *q, *e;
		if ((a[-1] != ' ' && a[-1] != '\t' && a[-1] != '\n' && a[-1] != '\r') ||
		    memcmp(a, name, nl) != 0)
			continue;
		q = a + nl;
		while (q < gt && (*q == ' ' || *q == '\t'))
			q++;
		if (q >= gt || *q != '=')
			continue;
		q++;
		while (q < gt && (*q == ' ' || *q == '\t'))
			q++;
		if (q >= gt || (*q != '"' && *q != '\''))
			continue;
		e = memchr(q + 1, *q, (size_t)(gt - (q + 1)));
		if (!e)
			return false;
		*out = q + 1;
		*out_len = (size_t)(e - (q + 1));
		return true;
	}
	return false;
}

/* Which field a <Data Name="…"> holds, per event id (Sysmon 1 or Security 4688). */
static int data_field(bool is4688, const char *name, size_t n)
{
	static const struct { const char *name; int id; } sysmon[] = {
		{"UtcTime", F_TIME}, {"Image", F_IMAGE}, {"CommandLine", F_CMD}, {"User", F_USER},
		{"ParentImage", F_PIMAGE}, {"ParentCommandLine", F_PCMD}, {"ProcessId", F_PID},
		{"ParentProcessId", F_PPID}, {"ParentUser", -1},
	}, security[] = {
		{"NewProcessName", F_IMAGE}, {"CommandLine", F_CMD}, {"SubjectUserName", F_USER},
		{"SubjectDomainName", F_DOMAIN}, {"ParentProcessName", F_PIMAGE},
		{"NewProcessId", F_PID}, {"ProcessId", F_PPID},
	};
	const size_t ns = sizeof sysmon / sizeof sysmon[0], nsec = sizeof security / sizeof security[0];

	for (size_t i = 0; i < (is4688 ? nsec : ns); i++) {
		const char *k = is4688 ? security[i].name : sysmon[i].name;
		if (strlen(k) == n && !memcmp(k, name, n))
			return is4688 ? security[i].id : sysmon[i].id;
	}
	return -1;
}

/* Reads one event slice. Returns 1 with a process item, 0 to pass it over, -1 with a BAD item. */
static int parse_event(ch_procev_reader *r, const char *p, size_t n, ch_procev_item *out,
		       uint64_t line)
{
	const char *v, *why = "unreadable event";
	size_t vl;
	bool is4688;
	ch_err err;

	ch_detect__fields_reset(r);
	if (!element(p, n, "EventID", &v, &vl)) {
		ch_detect__bad(r, out, line, "event without <EventID>");
		return -1;
	}
	if (vl == 1 && v[0] == '1')
		is4688 = false;
	else if (vl == 4 && !memcmp(v, "4688", 4))
		is4688 = true;
	else
		return 0;
	{ /* Event ID 1 is a process creation only from Sysmon. */
		const char *prov = find(p, n, "<Provider"), *gt, *name;
		size_t name_len;
		if (prov && (gt = memchr(prov, '>', n - (size_t)(prov - p))) != NULL &&
		    attribute(prov, gt, "Name", &name, &name_len) &&
		    !memmem(name, name_len, is4688 ? "Security-Auditing" : "Sysmon",
			    is4688 ? 17 : 6))
			return 0;
	}
	{
		const char *tc = find(p, n, "<TimeCreated"), *gt;
		if (tc && (gt = memchr(tc, '>', n - (size_t)(tc - p))) != NULL &&
		    attribute(tc, gt, "SystemTime", &v, &vl) &&
		    (err = xml_text(r, F_TIME, v, vl, &why)) != CH_OK)
			goto bad;
	}
	if (element(p, n, "Computer", &v, &vl) && (err = xml_text(r, F_HOST, v, vl, &why)) != CH_OK)
		goto bad;
	for (const char *d = p; (d = find(d, n - (size_t)(d - p), "<Data")) != NULL; d += 5) {
		const char *gt = memchr(d, '>', n - (size_t)(d - p)), *name, *end;
		size_t name_len;
		int id;
		if (!gt)
			break;
		if (d[5] != ' ' && d[5] != '\t' && d[5] != '\n' && d[5] != '\r')
			continue;
		if (!attribute(d, gt, "Name", &name, &name_len))
			continue;
		id = data_field(is4688, name, name_len);
		if (id < 0 || gt[-1] == '/')
			continue;
		end = find(gt + 1, n - (size_t)(gt + 1 - p), "</Data>");
		if (!end) {
			why = "<Data> without </Data>";
			goto bad;
		}
		if ((err = xml_text(r, id, gt + 1, (size_t)(end - (gt + 1)), &why)) != CH_OK)
			goto bad;
		d = end;
	}
	if (is4688) { /* Security 4688 gives process ids in hex and the user apart from its domain */
		if (r->set[F_USER] && !strcmp(r->field[F_USER].data, "-"))
			r->set[F_USER] = false;
	}
	ch_detect__emit_proc(r, out, line);
	return out->kind == CH_PROCEV_BAD ? -1 : 1;
bad:
	ch_detect__bad(r, out, line, "%s", why);
	return -1;
}

/* Start of the next "<Event" start tag (not <Events>, <EventData>, <EventID>...) in the window. */
static const char *next_event(const char *p, size_t n)
{
	const char *a = p;

	while ((a = find(a, n - (size_t)(a - p), "<Event")) != NULL) {
		if (a + 6 >= p + n)
			return NULL;
		if (a[6] == '>' || a[6] == ' ' || a[6] == '\t' || a[6] == '\r' || a[6] == '\n')
			return a;
		a += 6;
	}
	return NULL;
}

ch_err ch_detect__xml_next(ch_procev_reader *r, ch_procev_item *out)
{
	dsrc *s = &r->src;

	for (;;) {
		size_t have = ch_detect__src_fill(s, 64 << 10);
		const char *p = (const char *)s->buf + s->start, *ev, *end;
		uint64_t line;
		int got;

		if (have == 0)
			return CH_ERR_EOF;
		ev = next_event(p, have);
		if (!ev) {
			if (s->eof) {
				ch_detect__src_skip(s, have);
				return CH_ERR_EOF;
			}
			ch_detect__src_skip(s, have > 6 ? have - 6 : 0);
			if (have <= 6)
				(void)ch_detect__src_fill(s, have + 1);
			continue;
		}
		ch_detect__src_skip(s, (size_t)(ev - p));
		line = s->line;
		have = ch_detect__src_fill(s, CH_PROCEV_RECORD_MAX);
		p = (const char *)s->buf + s->start;
		end = find(p, have < CH_PROCEV_RECORD_MAX ? have : CH_PROCEV_RECORD_MAX, "</Event>");
		if (!end) {
			if (have >= CH_PROCEV_RECORD_MAX)
				ch_detect__bad(r, out, line, "event longer than %zu bytes",
					       CH_PROCEV_RECORD_MAX);
			else
				ch_detect__bad(r, out, line, "truncated event (no </Event>)");
			ch_detect__src_skip(s, have >= CH_PROCEV_RECORD_MAX ? 6 : have);
			return CH_OK;
		}
		got = parse_event(r, p, (size_t)(end - p), out, line);
		ch_detect__src_skip(s, (size_t)(end - p) + 8);
		if (got != 0)
			return CH_OK;
		r->skipped++;
	}
}
