/* The byte source under every event reader: a bounded window over a file (or a caller's
 * buffer) that counts lines as bytes are consumed. */
#include "detect/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DSRC_MAX (CH_PROCEV_RECORD_MAX + DSRC_CHUNK)

size_t ch_detect__src_fill(dsrc *s, size_t need)
{
	size_t have = s->end - s->start;

	if (need > DSRC_MAX)
		need = DSRC_MAX;
	while (have < need && !s->eof && s->f) {
		size_t got;

		if (s->end == s->cap || s->cap - s->end < DSRC_CHUNK / 2) {
			/* Slide the unread bytes to the front, growing only up to DSRC_MAX. */
			if (s->start > 0) {
				memmove(s->heap, s->heap + s->start, have);
				s->start = 0;
				s->end = have;
			}
			if (s->cap - s->end < DSRC_CHUNK / 2 && s->cap < DSRC_MAX) {
				size_t cap = s->cap ? s->cap * 2 : DSRC_CHUNK;
				uint8_t *p;
				if (cap > DSRC_MAX)
					cap = DSRC_MAX;
				p = realloc(s->heap, cap);
				if (!p) {
					s->err = ch_error_set(CH_ERR_NOMEM, "out of memory");
					s->eof = true;
					break;
				}
				s->heap = p;
				s->buf = p;
				s->cap = cap;
			}
			if (s->end == s->cap)
				break;
		}
		got = fread(s->heap + s->end, 1, s->cap - s->end, s->f);
		s->end += got;
		have += got;
		if (got == 0) {
			if (ferror(s->f))
				s->err = ch_error_set(CH_ERR_IO, "read error: %s", strerror(errno));
			s->eof = true;
		}
	}
	return have;
}

void ch_detect__src_skip(dsrc *s, size_t n)
{
	const uint8_t *p = s->buf + s->start, *e = p + n;

	while ((p = memchr(p, '\n', (size_t)(e - p))) != NULL) {
		s->line++;
		p++;
	}
	s->start += n;
}

bool ch_detect__src_line(dsrc *s, const char **out, size_t *out_len, bool *out_too_long)
{
	size_t have, scanned = 0;
	const uint8_t *nl = NULL;

	*out_too_long = false;
	for (;;) {
		have = ch_detect__src_fill(s, scanned + 1);
		if (have == 0)
			return false;
		nl = memchr(s->buf + s->start + scanned, '\n', have - scanned);
		if (nl || s->eof || s->err)
			break;
		scanned = have;
		if (have > CH_PROCEV_RECORD_MAX) {
			/* Too long: drop what we have and keep dropping to the newline. */
			*out_too_long = true;
			for (;;) {
				s->start = s->end; /* no newline among the dropped bytes */
				have = ch_detect__src_fill(s, DSRC_CHUNK);
				if (have == 0)
					break;
				nl = memchr(s->buf + s->start, '\n', have);
				if (nl) {
					s->start = (size_t)(nl - s->buf) + 1;
					s->line++;
					break;
				}
			}
			*out = "";
			*out_len = 0;
			return true;
		}
		scanned = have;
	}
	{
		size_t len = nl ? (size_t)(nl - (s->buf + s->start)) : have;
		const char *p = (const char *)s->buf + s->start;
		*out = p;
		*out_len = len;
		if (len > CH_PROCEV_RECORD_MAX) {
			*out_too_long = true;
			*out = "";
			*out_len = 0;
		} else if (len > 0 && p[len - 1] == '\r') {
			(*out_len)--;
		}
		s->start += len + (nl ? 1 : 0);
		if (nl)
			s->line++;
	}
	return true;
}
