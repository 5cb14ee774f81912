/* Telemetry readers: the bounded line source (gzip or plain, file, stdin or memory), format
 * detection and dispatch to the per-format parsers. */
#include "telemetry/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <certhound/util.h>

static const struct {
	const char *name;
	ch_telemetry_format f;
} formats[] = {
	{"auto", CH_TEL_AUTO},          {"zeek", CH_TEL_ZEEK},         {"zeek-json", CH_TEL_ZEEK_JSON},
	{"eve", CH_TEL_EVE},            {"bind", CH_TEL_BIND},         {"dnsmasq", CH_TEL_DNSMASQ},
	{"squid", CH_TEL_SQUID},        {"combined", CH_TEL_COMBINED}, {"netfilter", CH_TEL_NETFILTER},
	{"csv", CH_TEL_CSV},            {"jsonl", CH_TEL_JSONL},       {"zeek-tsv", CH_TEL_ZEEK},
	{"suricata", CH_TEL_EVE},       {"clf", CH_TEL_COMBINED},      {"nginx", CH_TEL_COMBINED},
	{"apache", CH_TEL_COMBINED},    {"iptables", CH_TEL_NETFILTER}, {"nftables", CH_TEL_NETFILTER},
	{"json", CH_TEL_JSONL},
};

ch_err ch_telemetry_format_parse(ch_telemetry_format *out, const char *name)
{
	for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
		if (!strcmp(name, formats[i].name)) {
			*out = formats[i].f;
			return CH_OK;
		}
	}
	return ch_error_set(CH_ERR_INVALID, "unknown log format '%s' (auto, zeek, zeek-json, eve, "
			    "bind, dnsmasq, squid, combined, netfilter, csv, jsonl)", name);
}

const char *ch_telemetry_format_name(ch_telemetry_format f)
{
	for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
		if (formats[i].f == f)
			return formats[i].name;
	return "?";
}

const char *ch_obs_kind_name(ch_obs_kind k)
{
	static const char *const names[] = {"?", "dns", "conn", "http", "proxy", "tls", "x509",
					    "firewall"};
	return (k >= CH_OBS_DNS && k <= CH_OBS_FIREWALL) ? names[k] : "?";
}

/* Allocates the reader and its buffers (no input yet). `whole` is the input's length when it is
 * known (in memory), else SIZE_MAX: an input shorter than the line limit gets buffers sized for
 * itself rather than for the longest line (3 MB at the default limit). */
static ch_err reader_new(ch_telemetry_reader **out, const char *name, const ch_telemetry_opts *o,
			 size_t whole)
{
	ch_telemetry_reader *r = calloc(1, sizeof *r);
	size_t max = o && o->max_line ? o->max_line : CH_TEL_LINE_MAX;

	*out = NULL;
	if (max < CH_TEL_LINE_MIN)
		max = CH_TEL_LINE_MIN;
	if (max > CH_TEL_LINE_MAX)
		max = CH_TEL_LINE_MAX;
	if (!r)
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	r->max_line = max;
	if (whole < max) {
		r->cap = whole + 2; /* all of it in one fill, and room to see the end */
		r->scratch_cap = 2 * whole + 4096;
	} else {
		r->cap = max + TEL_READ_CHUNK + 1;
		r->scratch_cap = 2 * max + 4096;
	}
	r->buf = malloc(r->cap);
	r->scratch = malloc(r->scratch_cap);
	r->file = strdup(name);
	if (o) {
		r->fmt = o->format;
		r->map = o->map;
		r->year = o->year;
	}
	r->now = ch_time_now();
	if (!r->buf || !r->scratch || !r->file) {
		ch_telemetry_free(r);
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	}
	if ((r->fmt == CH_TEL_CSV || r->fmt == CH_TEL_JSONL) && !r->map) {
		ch_telemetry_free(r);
		return ch_error_set(CH_ERR_INVALID, "the %s format needs a column mapping (--map)",
				    ch_telemetry_format_name(o->format));
	}
	*out = r;
	return CH_OK;
}

ch_err ch_telemetry_open(ch_telemetry_reader **out, const char *path, const ch_telemetry_opts *o)
{
	ch_telemetry_reader *r = NULL;
	ch_err err = reader_new(&r, path, o, SIZE_MAX);

	if (err != CH_OK)
		goto out;
	if (!strcmp(path, "-")) {
		int fd = dup(0);
		r->gz = fd >= 0 ? gzdopen(fd, "rb") : NULL;
		if (!r->gz && fd >= 0)
			close(fd);
	} else {
		r->gz = gzopen(path, "rb");
	}
	if (!r->gz) {
		err = ch_error_set(CH_ERR_IO, "%s: %s", path, errno ? strerror(errno) : "cannot open");
		goto out;
	}
	gzbuffer(r->gz, 128u << 10);
	*out = r;
	r = NULL;
out:
	ch_telemetry_free(r);
	return err;
}

ch_err ch_telemetry_open_mem(ch_telemetry_reader **out, const void *data, size_t len,
			     const char *name, const ch_telemetry_opts *o)
{
	ch_err err = reader_new(out, name, o, len);

	if (err == CH_OK) {
		(*out)->mem = data;
		(*out)->mem_len = len;
	}
	return err;
}

void ch_telemetry_free(ch_telemetry_reader *r)
{
	if (!r)
		return;
	if (r->gz)
		gzclose(r->gz);
	if (r->json)
		json_decref(r->json);
	ch_hash_free(r->hash);
	free(r->buf);
	free(r->scratch);
	free(r->der);
	free(r->file);
	free(r);
}

/* Reads more input into the buffer after compacting it. */
static ch_err fill(ch_telemetry_reader *r)
{
	size_t avail = r->end - r->start, room;

	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, avail);
		r->start = 0;
		r->end = avail;
	}
	room = r->cap - 1 - r->end;
	if (r->mem) {
		size_t n = r->mem_len - r->mem_pos < room ? r->mem_len - r->mem_pos : room;
		memcpy(r->buf + r->end, r->mem + r->mem_pos, n);
		r->mem_pos += n;
		r->end += n;
		r->eof = n == 0;
	} else if (r->gz) {
		int n = gzread(r->gz, r->buf + r->end, (unsigned)(room > (1u << 30) ? 1u << 30 : room));
		if (n < 0) {
			int zerr = 0;
			const char *msg = gzerror(r->gz, &zerr);
			r->failed = true;
			return ch_error_set(CH_ERR_IO, "%s: after line %llu: %s", r->file,
					    (unsigned long long)r->lineno,
					    zerr == Z_ERRNO ? strerror(errno) : msg);
		}
		if (n == 0) {
			int zerr = 0;
			const char *msg = gzerror(r->gz, &zerr);
			if (zerr != Z_OK && zerr != Z_STREAM_END) {
				r->failed = true;
				return ch_error_set(CH_ERR_IO, "%s: after line %llu: %s", r->file,
						    (unsigned long long)r->lineno, msg);
			}
		}
		r->end += (size_t)n;
		r->eof = n == 0;
	} else {
		r->eof = true;
	}
	r->counts.bytes += r->end - avail - r->start;
	return CH_OK;
}

/* Next line into *line (NUL-terminated, '\r' stripped). CH_ERR_LIMIT for an over-long line
 * (then skipped up to its end), CH_ERR_EOF at the end. */
static ch_err next_line(ch_telemetry_reader *r, char **line, size_t *len)
{
	for (;;) {
		char *p = r->buf + r->start;
		size_t avail = r->end - r->start;
		char *nl = avail ? memchr(p, '\n', avail) : NULL;
		ch_err err;

		if (nl) {
			size_t n = (size_t)(nl - p);
			r->start += n + 1;
			if (r->skipping) {
				r->skipping = false;
				continue;
			}
			r->lineno++;
			r->counts.lines++;
			if (n > 0 && p[n - 1] == '\r')
				n--;
			p[n] = '\0';
			*line = p;
			*len = n;
			return CH_OK;
		}
		if (r->skipping) {
			r->start = r->end = 0;
		} else if (avail >= r->max_line) {
			r->lineno++;
			r->counts.lines++;
			r->skipping = true;
			r->start = r->end = 0;
			return CH_ERR_LIMIT;
		}
		if (r->eof) {
			if (avail == 0 || r->skipping)
				return CH_ERR_EOF;
			r->lineno++;
			r->counts.lines++;
			if (avail > 0 && p[avail - 1] == '\r')
				avail--;
			p[avail] = '\0';
			r->start = r->end;
			*line = p;
			*len = avail;
			return CH_OK;
		}
		if (r->failed)
			return CH_ERR_EOF;
		if ((err = fill(r)) != CH_OK)
			return err;
	}
}

/* Decides the format from one line; lines before the decision that are blank or '#' comments
 * (other than Zeek's #separator) are skipped. */
static int detect_line(ch_telemetry_reader *r, const char *line, size_t len)
{
	ch_telemetry_format f;

	if (len == 0 || (line[0] == '#' && strncmp(line, "#separator", 10) != 0))
		return TEL_SKIP;
	f = ch_telemetry__detect(r, line, len);
	if (f != CH_TEL_AUTO) {
		r->fmt = f;
		return TEL_OBS;
	}
	if (++r->undetected >= 16) {
		r->gave_up = true;
		return tel_bad(r, "log format not recognised in the first lines; rest of the file "
			       "skipped (give the format)");
	}
	return tel_bad(r, "log format not recognised (give the format, or --map for other logs)");
}

/* Runs the parser of the reader's format over one line. */
static int parse_line(ch_telemetry_reader *r, char *line, size_t len, ch_obs *o)
{
	int rc;

	r->scratch_len = 0;
	r->der_used = 0;
	tel_obs_init(r, o, CH_OBS_CONN);
	switch (r->fmt) {
	case CH_TEL_ZEEK:
		return ch_telemetry__zeek_line(r, line, len, o);
	case CH_TEL_CSV:
		return ch_telemetry__csv(r, line, len, o);
	case CH_TEL_BIND:
		return ch_telemetry__bind(r, line, len, o);
	case CH_TEL_DNSMASQ:
		return ch_telemetry__dnsmasq(r, line, len, o);
	case CH_TEL_SQUID:
		return ch_telemetry__squid(r, line, len, o);
	case CH_TEL_COMBINED:
		return ch_telemetry__combined(r, line, len, o);
	case CH_TEL_NETFILTER:
		return ch_telemetry__netfilter(r, line, len, o);
	case CH_TEL_ZEEK_JSON:
	case CH_TEL_EVE:
	case CH_TEL_JSONL:
		if (len == 0)
			return TEL_SKIP;
		if ((rc = tel_json_load(r, line, len)) != TEL_OBS)
			return rc;
		if (r->fmt == CH_TEL_EVE)
			return ch_telemetry__eve(r, o);
		if (r->fmt == CH_TEL_ZEEK_JSON)
			return ch_telemetry__zeek_json(r, o);
		return ch_telemetry__jsonl(r, o);
	default:
		return tel_bad(r, "no format");
	}
}

ch_err ch_telemetry_next(ch_telemetry_reader *r, ch_obs *out)
{
	for (;;) {
		char *line = NULL;
		size_t len = 0;
		int rc;
		ch_err err;

		if (r->gave_up)
			return CH_ERR_EOF;
		err = next_line(r, &line, &len);
		if (err == CH_ERR_LIMIT) {
			rc = tel_bad(r, "line longer than %zu bytes", r->max_line);
		} else if (err != CH_OK) {
			return err;
		} else if (r->fmt == CH_TEL_AUTO && (rc = detect_line(r, line, len)) != TEL_OBS) {
			/* rc is TEL_SKIP or TEL_BAD */
		} else {
			rc = parse_line(r, line, len, out);
		}
		if (rc == TEL_OBS) {
			r->counts.observations++;
			return CH_OK;
		}
		if (rc == TEL_SKIP) {
			r->counts.skipped++;
			continue;
		}
		r->counts.bad++;
		r->bad_line = r->lineno;
		return ch_error_set(CH_ERR_PARSE, "%s:%llu: %s", r->file,
				    (unsigned long long)r->lineno, r->reason);
	}
}

uint64_t ch_telemetry_bad_line(const ch_telemetry_reader *r)
{
	return r->bad_line;
}

const char *ch_telemetry_bad_reason(const ch_telemetry_reader *r)
{
	return r->bad_line ? r->reason : "";
}

ch_telemetry_format ch_telemetry_get_format(const ch_telemetry_reader *r)
{
	return r->fmt;
}

const char *ch_telemetry_get_file(const ch_telemetry_reader *r)
{
	return r->file;
}

void ch_telemetry_get_counts(const ch_telemetry_reader *r, ch_telemetry_counts *out)
{
	*out = r->counts;
}
