/* ch_procev_reader: opening inputs, telling formats apart, and the normalised event every
 * format reader hands back. */
#include "detect/internal.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static const struct {
	const char *name;
	ch_procev_format format;
	jflavour flavour;
} format_names[] = {
	{"auto", CH_PROCEV_AUTO, JF_ANY},
	{"sysmon-xml", CH_PROCEV_SYSMON_XML, JF_ANY},
	{"json", CH_PROCEV_JSON, JF_ANY},
	{"ecs-json", CH_PROCEV_JSON, JF_ECS},
	{"defender-json", CH_PROCEV_JSON, JF_DEFENDER},
	{"osquery-json", CH_PROCEV_JSON, JF_OSQUERY},
	{"defender-csv", CH_PROCEV_DEFENDER_CSV, JF_ANY},
	{"auditd", CH_PROCEV_AUDITD, JF_ANY},
	{"zeek-dns", CH_PROCEV_ZEEK_DNS, JF_ANY},
};
#define NUM_FORMATS (sizeof format_names / sizeof format_names[0])

/* The flavour hint travels in the high bits of the format value between parse and open. */
#define FLAVOUR_SHIFT 8

ch_err ch_procev_format_parse(ch_procev_format *out, const char *name)
{
	for (size_t i = 0; i < NUM_FORMATS; i++) {
		if (name && strcmp(name, format_names[i].name) == 0) {
			*out = (ch_procev_format)(format_names[i].format |
						  (format_names[i].flavour << FLAVOUR_SHIFT));
			return CH_OK;
		}
	}
	return ch_error_set(CH_ERR_INVALID,
			    "unknown input format '%s' (use auto, sysmon-xml, json, ecs-json, "
			    "defender-json, osquery-json, defender-csv, auditd or zeek-dns)",
			    name ? name : "");
}

const char *ch_procev_format_name(ch_procev_format f)
{
	for (size_t i = 0; i < NUM_FORMATS; i++)
		if (format_names[i].format == (ch_procev_format)(f & ((1 << FLAVOUR_SHIFT) - 1)))
			return format_names[i].name;
	return "?";
}

static ch_err reader_new(ch_procev_reader **out, const char *name, ch_procev_format format)
{
	ch_err err = CH_OK;
	ch_procev_reader *r = calloc(1, sizeof *r);

	*out = NULL;
	if (!r || !(r->path = strdup(name))) {
		free(r);
		err = ch_error_set(CH_ERR_NOMEM, "out of memory");
		goto out;
	}
	r->format = (ch_procev_format)(format & ((1 << FLAVOUR_SHIFT) - 1));
	r->jflav = (jflavour)((unsigned)format >> FLAVOUR_SHIFT);
	r->src.line = 1;
	for (int i = 0; i < F_NUM; i++)
		ch_buf_init(&r->field[i], CH_PROCEV_FIELD_MAX);
	*out = r;
out:
	return err;
}

ch_err ch_procev_open(ch_procev_reader **out, const char *path, ch_procev_format format)
{
	ch_err err;
	ch_procev_reader *r = NULL;
	FILE *f;
	bool is_stdin = strcmp(path, "-") == 0;

	*out = NULL;
	f = is_stdin ? stdin : fopen(path, "rb");
	if (!f) {
		err = ch_error_set(CH_ERR_IO, "%s: %s", path, strerror(errno));
		goto out;
	}
	err = reader_new(&r, path, format);
	if (err != CH_OK) {
		if (!is_stdin)
			fclose(f);
		goto out;
	}
	r->src.f = f;
	r->src.own_f = !is_stdin;
	*out = r;
out:
	return err;
}

ch_err ch_procev_open_stream(ch_procev_reader **out, FILE *f, const char *name,
			     ch_procev_format format)
{
	ch_err err = reader_new(out, name, format);

	if (err == CH_OK)
		(*out)->src.f = f;
	return err;
}

ch_err ch_procev_open_mem(ch_procev_reader **out, const void *data, size_t len, const char *name,
			  ch_procev_format format)
{
	ch_err err = reader_new(out, name, format);

	if (err == CH_OK) {
		(*out)->src.buf = data;
		(*out)->src.end = len;
		(*out)->src.cap = len;
		(*out)->src.eof = true;
	}
	return err;
}

/* Decides the format from the first non-blank bytes. */
static ch_procev_format sniff(dsrc *s)
{
	size_t have = ch_detect__src_fill(s, 4096), i = 0;
	const char *p = (const char *)s->buf + s->start;

	if (have >= 3 && (uint8_t)p[0] == 0xef && (uint8_t)p[1] == 0xbb && (uint8_t)p[2] == 0xbf)
		i = 3; /* UTF-8 byte order mark (PowerShell exports) */
	while (i < have && (p[i] == ' ' || p[i] == '\t' || p[i] == '\r' || p[i] == '\n'))
		i++;
	if (i >= have)
		return CH_PROCEV_JSON; /* empty: any reader finds nothing */
	if (p[i] == '<')
		return CH_PROCEV_SYSMON_XML;
	if (p[i] == '{' || p[i] == '[')
		return CH_PROCEV_JSON;
	if (have - i >= 5 && (!strncmp(p + i, "type=", 5) || !strncmp(p + i, "node=", 5)))
		return CH_PROCEV_AUDITD;
	if (have - i >= 11 && !strncmp(p + i, "#separator", 10))
		return CH_PROCEV_ZEEK_DNS;
	return CH_PROCEV_DEFENDER_CSV;
}

ch_err ch_procev_next(ch_procev_reader *r, ch_procev_item *out)
{
	ch_err err = CH_ERR_EOF;

	memset(out, 0, sizeof *out);
	out->file = r->path;
	if (r->done)
		goto out;
	if (!r->started) {
		r->started = true;
		ch_detect__src_sniff_utf16(&r->src);
		if (r->format == CH_PROCEV_AUTO)
			r->format = sniff(&r->src);
	}
	switch (r->format) {
	case CH_PROCEV_SYSMON_XML:
		err = ch_detect__xml_next(r, out);
		break;
	case CH_PROCEV_JSON:
		err = ch_detect__json_next(r, out);
		break;
	case CH_PROCEV_DEFENDER_CSV:
		err = ch_detect__csv_next(r, out);
		break;
	case CH_PROCEV_AUDITD:
		err = ch_detect__auditd_next(r, out);
		break;
	case CH_PROCEV_ZEEK_DNS:
		err = ch_detect__zeek_next(r, out);
		break;
	default:
		err = ch_error_set(CH_ERR_INVALID, "%s: no reader for this format", r->path);
		break;
	}
	if (err == CH_ERR_EOF && r->src.err != CH_OK) {
		err = ch_error_set(r->src.err, "%s: %s", r->path, ch_error_last());
	}
	if (err != CH_OK)
		r->done = true;
out:
	return err;
}

ch_procev_format ch_procev_get_format(const ch_procev_reader *r)
{
	return r->format;
}

uint64_t ch_procev_num_skipped(const ch_procev_reader *r)
{
	return r->skipped;
}

void ch_procev_free(ch_procev_reader *r)
{
	if (!r)
		return;
	if (r->src.f && r->src.own_f)
		fclose(r->src.f);
	ch_detect__src_free(&r->src);
	for (int i = 0; i < F_NUM; i++)
		ch_buf_free(&r->field[i]);
	ch_detect__auditd_free(r->auditd);
	ch_detect__csv_free(r->csv);
	ch_detect__zeek_free(r->zeek);
	free(r->path);
	free(r);
}

/* ---- fields -------------------------------------------------------------------------------- */

static const char *const field_names[F_NUM] = {
	"time", "host", "user", "domain", "image", "name", "command line", "parent image",
	"parent name", "parent command line", "pid", "ppid", "event id", "action",
	"network host", "network name", "reason",
};

ch_err ch_detect__field_set(ch_procev_reader *r, int id, const char *s, size_t n)
{
	ch_buf_reset(&r->field[id]);
	r->set[id] = false;
	return ch_detect__field_append(r, id, s, n);
}

ch_err ch_detect__field_append(ch_procev_reader *r, int id, const char *s, size_t n)
{
	ch_err err = ch_buf_append(&r->field[id], s, n);

	if (err == CH_ERR_LIMIT)
		err = ch_error_set(err, "%s longer than %zu bytes", field_names[id],
				   CH_PROCEV_FIELD_MAX);
	else if (err == CH_OK)
		r->set[id] = true;
	return err;
}

void ch_detect__fields_reset(ch_procev_reader *r)
{
	for (int i = 0; i < F_NUM; i++) {
		ch_buf_reset(&r->field[i]);
		r->set[i] = false;
	}
}

static const char *fv(ch_procev_reader *r, int id)
{
	return r->field[id].data && r->set[id] ? r->field[id].data : "";
}

void ch_detect__bad(ch_procev_reader *r, ch_procev_item *out, uint64_t line, const char *fmt, ...)
{
	va_list ap;
	char msg[512];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	ch_buf_reset(&r->field[F_REASON]);
	if (ch_buf_puts(&r->field[F_REASON], msg) != CH_OK)
		ch_buf_reset(&r->field[F_REASON]);
	out->kind = CH_PROCEV_BAD;
	out->file = r->path;
	out->line = line;
	out->reason = r->field[F_REASON].data ? r->field[F_REASON].data : "unreadable record";
}

static int64_t parse_int(const char *s)
{
	int64_t v = 0;
	bool any = false;

	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) { /* Defender/Sysmon sometimes hex */
		for (s += 2; *s; s++) {
			int d = (*s >= '0' && *s <= '9') ? *s - '0'
				: (*s >= 'a' && *s <= 'f') ? *s - 'a' + 10
				: (*s >= 'A' && *s <= 'F') ? *s - 'A' + 10 : -1;
			if (d < 0 || v > (INT64_MAX >> 4))
				return -1;
			v = v * 16 + d;
			any = true;
		}
		return any ? v : -1;
	}
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (INT64_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*s - '0');
		any = true;
	}
	return any ? v : -1;
}

/* "DOMAIN" + "user" -> "DOMAIN\user" in F_USER, unless the user already names a domain.
 * Built in the F_REASON slot (unused for good records) and swapped in, so no allocation. */
static ch_err join_user(ch_procev_reader *r)
{
	ch_err err = CH_OK;
	const char *u = fv(r, F_USER), *d = fv(r, F_DOMAIN);
	ch_buf *tmp = &r->field[F_REASON], swap;

	if (!*d || !*u || strchr(u, '\\') || strchr(u, '@'))
		goto out;
	ch_buf_reset(tmp);
	tmp->max = CH_PROCEV_FIELD_MAX;
	CH_TRY(ch_buf_append(tmp, d, strlen(d)));
	CH_TRY(ch_buf_putc(tmp, '\\'));
	CH_TRY(ch_buf_append(tmp, u, strlen(u)));
	swap = r->field[F_USER];
	r->field[F_USER] = *tmp;
	*tmp = swap;
	ch_buf_reset(tmp);
out:
	if (err == CH_ERR_LIMIT)
		err = ch_error_set(err, "user longer than %zu bytes", CH_PROCEV_FIELD_MAX);
	return err;
}

void ch_detect__emit_proc(ch_procev_reader *r, ch_procev_item *out, uint64_t line)
{
	static const int text_fields[] = {F_HOST, F_USER, F_IMAGE, F_NAME, F_CMD, F_PIMAGE, F_PNAME,
					  F_PCMD};
	ch_proc_event *ev = &out->proc;
	const char *t = fv(r, F_TIME);

	if (join_user(r) != CH_OK) {
		ch_detect__bad(r, out, line, "%s", ch_error_last());
		return;
	}
	for (size_t i = 0; i < sizeof text_fields / sizeof text_fields[0]; i++) {
		int id = text_fields[i];
		if (!ch_detect__utf8_valid(fv(r, id), strlen(fv(r, id)))) {
			ch_detect__bad(r, out, line, "invalid UTF-8 in the %s", field_names[id]);
			return;
		}
	}
	ev->time_ms = INT64_MIN;
	if (*t && !ch_detect__parse_time(&ev->time_ms, t, strlen(t))) {
		ch_detect__bad(r, out, line, "unreadable time '%.64s'", t);
		return;
	}
	if (!*fv(r, F_IMAGE) && !*fv(r, F_NAME) && !*fv(r, F_CMD)) {
		ch_detect__bad(r, out, line, "no process image, file name or command line");
		return;
	}
	ev->host = fv(r, F_HOST);
	ev->user = fv(r, F_USER);
	ev->image = *fv(r, F_IMAGE) ? fv(r, F_IMAGE) : fv(r, F_NAME);
	ev->name = *fv(r, F_NAME) ? fv(r, F_NAME) : ch_detect__basename(ev->image);
	ev->command_line = fv(r, F_CMD);
	ev->parent_image = *fv(r, F_PIMAGE) ? fv(r, F_PIMAGE) : fv(r, F_PNAME);
	ev->parent_command_line = fv(r, F_PCMD);
	ev->pid = parse_int(fv(r, F_PID));
	ev->file = r->path;
	ev->line = line;
	out->kind = CH_PROCEV_PROCESS;
	out->file = r->path;
	out->line = line;
}
