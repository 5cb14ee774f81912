/* The certificate reader: a queue of sources, chunked reads, and the item loop that hands each
 * file to the PEM line machine or the DER framer. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

ch_err ch_pem_new(ch_pem **out)
{
	ch_pem *r = calloc(1, sizeof *r);
	ch_err err = CH_OK;

	*out = NULL;
	if (!r) {
		err = ch_error_set(CH_ERR_NOMEM, "out of memory creating a certificate reader");
		goto out;
	}
	r->chunkbuf = malloc(PEM_CHUNK);
	if (!r->chunkbuf) {
		free(r);
		err = ch_error_set(CH_ERR_NOMEM, "out of memory creating a certificate reader");
		goto out;
	}
	ch_buf_init(&r->b64, PEM_B64_MAX);
	ch_buf_init(&r->der, CH_CERT_MAX_DER + 4u);
	ch_buf_init(&r->msg, 16384); /* a path of PATH_MAX plus the reason */
	r->in.fd = -1;
	*out = r;
out:
	return err;
}

static void close_input(ch_pem *r)
{
	pem_in *in = &r->in;

	if (in->own_fd && in->fd >= 0)
		close(in->fd);
	memset(in, 0, sizeof *in);
	in->fd = -1;
}

void ch_pem_free(ch_pem *r)
{
	if (!r)
		return;
	close_input(r);
	ch_pem__walk_clear(r);
	for (size_t i = 0; i < r->num_srcs; i++)
		free(r->srcs[i].name);
	free(r->srcs);
	free(r->dirs);
	free(r->name);
	free(r->chunkbuf);
	ch_buf_free(&r->b64);
	ch_buf_free(&r->der);
	ch_buf_free(&r->msg);
	free(r);
}

static ch_err add_src(ch_pem *r, const pem_src *s)
{
	pem_src *n;
	ch_err err = CH_OK;

	n = realloc(r->srcs, (r->num_srcs + 1) * sizeof *n);
	if (!n) {
		err = ch_error_set(CH_ERR_NOMEM, "out of memory queueing %s", s->name);
		goto out;
	}
	r->srcs = n;
	n[r->num_srcs] = *s;
	n[r->num_srcs].name = strdup(s->name);
	if (!n[r->num_srcs].name) {
		err = ch_error_set(CH_ERR_NOMEM, "out of memory queueing %s", s->name);
		goto out;
	}
	r->num_srcs++;
	r->total_known = false;
out:
	return err;
}

ch_err ch_pem_add_path(ch_pem *r, const char *path)
{
	pem_src s = {.kind = PEM_SRC_PATH, .name = (char *)path, .fd = -1};

	if (!path || !*path)
		return ch_error_set(CH_ERR_INVALID, "empty path");
	return add_src(r, &s);
}

ch_err ch_pem_add_file(ch_pem *r, FILE *f, const char *name)
{
	pem_src s = {.kind = PEM_SRC_FILE, .name = (char *)(name ? name : "-"), .f = f, .fd = -1};

	if (!f)
		return ch_error_set(CH_ERR_INVALID, "no stream given for %s", s.name);
	return add_src(r, &s);
}

ch_err ch_pem_add_fd(ch_pem *r, int fd, const char *name)
{
	pem_src s = {.kind = PEM_SRC_FD, .name = (char *)(name ? name : "-"), .fd = fd};

	if (fd < 0)
		return ch_error_set(CH_ERR_INVALID, "bad file descriptor for %s", s.name);
	return add_src(r, &s);
}

ch_err ch_pem_add_mem(ch_pem *r, const void *data, size_t len, const char *name)
{
	pem_src s = {.kind = PEM_SRC_MEM, .name = (char *)(name ? name : "<memory>"), .fd = -1,
		     .mem = data, .mem_len = len};

	if (!data && len)
		return ch_error_set(CH_ERR_INVALID, "no buffer given for %s", s.name);
	return add_src(r, &s);
}

void ch_pem_get_stats(const ch_pem *r, ch_pem_stats *out)
{
	*out = r->stats;
}

ch_err ch_pem__set_name(ch_pem *r, const char *name)
{
	char *n = strdup(name);

	if (!n)
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	free(r->name);
	r->name = n;
	return CH_OK;
}

int ch_pem__error(ch_pem *r, ch_pem_item *out, ch_err code, ch_pem_format fmt, size_t index,
		  uint64_t offset, uint64_t line, const char *fmt_msg, ...)
{
	va_list ap;
	char why[PEM_MSG_MAX + 128];
	size_t prefix;
	ch_err err;

	va_start(ap, fmt_msg);
	vsnprintf(why, sizeof why, fmt_msg, ap);
	va_end(ap);
	ch_buf_reset(&r->msg);
	if (fmt == CH_PEM_FMT_PEM)
		err = ch_buf_printf(&r->msg, "%s:%llu: ", r->name, (unsigned long long)line);
	else if (fmt == CH_PEM_FMT_DER)
		err = ch_buf_printf(&r->msg, "%s: offset %llu: ", r->name,
				    (unsigned long long)offset);
	else
		err = ch_buf_printf(&r->msg, "%s: ", r->name);
	prefix = r->msg.len;
	if (err == CH_OK)
		err = ch_buf_puts(&r->msg, why);
	if (err == CH_ERR_NOMEM)
		return err;
	memset(out, 0, sizeof *out);
	out->err = code;
	out->message = r->msg.data ? r->msg.data : "";
	out->reason = r->msg.data ? r->msg.data + prefix : "";
	out->file = r->name;
	out->index = index;
	out->offset = offset;
	out->line = line;
	out->format = fmt;
	r->stats.errors++;
	ch_error_set(code, "%s", out->message);
	return 1;
}

int ch_pem__cert(ch_pem *r, ch_pem_item *out, ch_pem_format fmt, size_t index, uint64_t offset,
		 uint64_t line, const char *label, size_t der_len)
{
	memset(out, 0, sizeof *out);
	out->err = CH_OK;
	out->message = "";
	out->reason = "";
	out->der = (const uint8_t *)r->der.data;
	out->der_len = der_len;
	out->file = r->name;
	out->index = index;
	out->offset = offset;
	out->line = line;
	out->format = fmt;
	out->label = label;
	r->stats.certificates++;
	return 1;
}

static void start_input(ch_pem *r, bool walked)
{
	pem_in *in = &r->in;

	in->open = true;
	in->walked = walked;
	ch_pem__text_reset(&in->text);
	ch_pem__frame_reset(&in->frame);
	r->stats.files++;
}

int ch_pem__open_path(ch_pem *r, ch_pem_item *out, const char *path, bool walked)
{
	int fd;

	if (ch_pem__set_name(r, path) != CH_OK)
		return CH_ERR_NOMEM;
	if (strcmp(path, "-") == 0) {
		fd = STDIN_FILENO;
	} else {
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0)
			return ch_pem__error(r, out, CH_ERR_IO, CH_PEM_FMT_NONE, 0, 0, 0,
					     "cannot open: %s", strerror(errno));
	}
	close_input(r);
	r->in.fd = fd;
	r->in.own_fd = fd != STDIN_FILENO;
	start_input(r, walked);
	return 0;
}

/* open_src makes the next queued source current: 0 opened (or a directory pushed), 1 error
 * item, 2 queue exhausted, <0 fatal. */
static int open_src(ch_pem *r, ch_pem_item *out)
{
	pem_src *s;
	struct stat st;

	if (r->next_src >= r->num_srcs)
		return 2;
	s = &r->srcs[r->next_src++];
	if (s->kind == PEM_SRC_PATH) {
		if (strcmp(s->name, "-") != 0 && stat(s->name, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (ch_pem__set_name(r, s->name) != CH_OK)
				return CH_ERR_NOMEM;
			return ch_pem__walk_push(r, out, s->name, &st);
		}
		return ch_pem__open_path(r, out, s->name, false);
	}
	if (ch_pem__set_name(r, s->name) != CH_OK)
		return CH_ERR_NOMEM;
	close_input(r);
	r->in.f = s->kind == PEM_SRC_FILE ? s->f : NULL;
	r->in.fd = s->kind == PEM_SRC_FD ? s->fd : -1;
	if (s->kind == PEM_SRC_MEM) {
		r->in.mem = s->mem ? s->mem : (const uint8_t *)"";
		r->in.mem_len = s->mem_len;
	}
	start_input(r, false);
	return 0;
}

/* read_some appends up to `room` bytes at buf; returns bytes read, 0 at end, -1 on error. */
static long read_some(pem_in *in, uint8_t *buf, size_t room)
{
	ssize_t n;

	if (in->f) {
		size_t got = fread(buf, 1, room, in->f);
		if (got == 0 && ferror(in->f))
			return -1;
		return (long)got;
	}
	do
		n = read(in->fd, buf, room);
	while (n < 0 && errno == EINTR);
	return (long)n;
}

/* fill loads the next chunk (at least `want` bytes unless the input ends). Returns 0, or 1 with
 * an error item when reading fails. */
static int fill(ch_pem *r, ch_pem_item *out, size_t want)
{
	pem_in *in = &r->in;
	size_t have = 0;

	in->base += in->chunk_len;
	in->chunk = r->chunkbuf;
	in->chunk_len = in->pos = 0;
	if (in->mem) {
		in->chunk = in->mem;
		in->chunk_len = in->mem_len;
		in->mem = NULL;
		in->eof = true;
		r->stats.bytes += in->chunk_len;
		return 0;
	}
	if (in->eof)
		return 0;
	while (have < want) {
		long n = read_some(in, r->chunkbuf + have, PEM_CHUNK - have);
		if (n < 0) {
			in->eof = true;
			in->chunk_len = have;
			return ch_pem__error(r, out, CH_ERR_IO, CH_PEM_FMT_NONE, in->num_certs,
					     in->base + have, 0, "read failed at offset %llu: %s",
					     (unsigned long long)(in->base + have), strerror(errno));
		}
		if (n == 0) {
			in->eof = true;
			break;
		}
		have += (size_t)n;
		r->stats.bytes += (uint64_t)n;
	}
	in->chunk_len = have;
	return 0;
}

static bool is_text_byte(uint8_t c)
{
	return (c >= 0x20 && c < 0x7f) || c == '\t' || c == '\n' || c == '\r';
}

/* detect decides DER or PEM from the first bytes of the file. */
static void detect(pem_in *in)
{
	const uint8_t *p = in->chunk;
	size_t n = in->chunk_len;

	in->started = true;
	if (n >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) {
		in->pos = 3; /* UTF-8 byte-order mark */
		in->text.line_off = 3;
		in->fmt = CH_PEM_FMT_PEM;
		return;
	}
	if (n >= 1 && p[0] == 0x30 && (n == 1 || !is_text_byte(p[1])))
		in->fmt = CH_PEM_FMT_DER;
	else
		in->fmt = CH_PEM_FMT_PEM;
}

/* step reads the current file until it yields an item (1), ends (0) or fails fatally (<0). */
static int step(ch_pem *r, ch_pem_item *out)
{
	pem_in *in = &r->in;
	int got;

	if (!in->started) {
		got = fill(r, out, 4);
		detect(in);
		if (got)
			return got;
	}
	for (;;) {
		if (in->pos >= in->chunk_len) {
			if (in->eof) {
				if (in->fmt == CH_PEM_FMT_DER)
					return ch_pem__frame_finish(r, out);
				return ch_pem__text_finish(r, out);
			}
			got = fill(r, out, 1);
			if (got)
				return got;
			continue;
		}
		if (in->fmt == CH_PEM_FMT_DER)
			got = ch_pem__frame_feed(r, out);
		else
			got = ch_pem__text_feed(r, out);
		if (got)
			return got;
	}
}

ch_err ch_pem_next(ch_pem *r, ch_pem_item *out)
{
	int got;
	ch_err err = CH_OK;

	for (;;) {
		if (r->in.open) {
			got = step(r, out);
			if (got < 0) {
				err = (ch_err)got;
				goto out;
			}
			if (got == 1)
				goto out;
			close_input(r);
			continue;
		}
		got = r->num_dirs ? ch_pem__walk_next(r, out) : open_src(r, out);
		if (got < 0) {
			err = (ch_err)got;
			goto out;
		}
		if (got == 1)
			goto out;
		if (got == 2 && !r->num_dirs && r->next_src >= r->num_srcs) {
			err = CH_ERR_EOF;
			goto out;
		}
	}
out:
	return err;
}

uint64_t ch_pem_total_bytes(ch_pem *r)
{
	struct stat st;
	uint64_t total = 0;

	if (r->total_known)
		return r->total;
	for (size_t i = 0; i < r->num_srcs; i++) {
		const pem_src *s = &r->srcs[i];
		int ok = -1;
		switch (s->kind) {
		case PEM_SRC_MEM:
			total += s->mem_len;
			break;
		case PEM_SRC_FD:
			ok = fstat(s->fd, &st);
			break;
		case PEM_SRC_FILE:
			ok = fstat(fileno(s->f), &st);
			break;
		case PEM_SRC_PATH:
			if (strcmp(s->name, "-") == 0)
				ok = fstat(STDIN_FILENO, &st);
			else
				total += ch_pem__walk_size(s->name);
			break;
		}
		if (ok == 0 && S_ISREG(st.st_mode))
			total += (uint64_t)st.st_size;
	}
	r->total = total;
	r->total_known = true;
	return total;
}
