/* The byte source under every event reader: a bounded window over a file (or a caller's
 * buffer) that counts lines as bytes are consumed. */
#include "detect/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DSRC_MAX (CH_PROCEV_RECORD_MAX + DSRC_CHUNK)

/* Reads raw bytes: the pending raw buffer first, then the file. */
static size_t raw_read(dsrc *s, uint8_t *dst, size_t n)
{
	size_t got = 0;

	if (s->raw_pos < s->raw_len) {
		got = s->raw_len - s->raw_pos < n ? s->raw_len - s->raw_pos : n;
		memcpy(dst, s->raw + s->raw_pos, got);
		s->raw_pos += got;
		return got;
	}
	if (!s->f)
		return 0;
	got = fread(dst, 1, n, s->f);
	if (got == 0 && ferror(s->f))
		s->err = ch_error_set(CH_ERR_IO, "read error: %s", strerror(errno));
	return got;
}

static size_t put_utf8(uint8_t *o, uint32_t cp)
{
	if (cp < 0x80) {
		o[0] = (uint8_t)cp;
		return 1;
	}
	if (cp < 0x800) {
		o[0] = (uint8_t)(0xc0 | (cp >> 6));
		o[1] = (uint8_t)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		o[0] = (uint8_t)(0xe0 | (cp >> 12));
		o[1] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
		o[2] = (uint8_t)(0x80 | (cp & 0x3f));
		return 3;
	}
	o[0] = (uint8_t)(0xf0 | (cp >> 18));
	o[1] = (uint8_t)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (uint8_t)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (uint8_t)(0x80 | (cp & 0x3f));
	return 4;
}

/* Converts UTF-16LE into out (room bytes, >= 8); returns bytes produced, 0 only at the end.
 * An unpaired surrogate or a final odd byte becomes 0xFF, which the UTF-8 checks of the
 * readers then report with the record's line. */
static size_t convert(dsrc *s, uint8_t *out, size_t room)
{
	size_t produced = 0;

	if (!s->u16 && !(s->u16 = malloc(DSRC_CHUNK + 8))) {
		s->err = ch_error_set(CH_ERR_NOMEM, "out of memory");
		return 0;
	}
	while (produced == 0) {
		size_t want = room / 3 * 2, total, i = 0, got;
		if (want > DSRC_CHUNK)
			want = DSRC_CHUNK;
		want &= ~(size_t)1;
		memcpy(s->u16, s->carry, s->ncarry);
		got = raw_read(s, s->u16 + s->ncarry, want > s->ncarry ? want - s->ncarry : 2);
		total = s->ncarry + got;
		s->ncarry = 0;
		if (got == 0) {
			if (total > 0)
				out[produced++] = 0xff;
			return produced;
		}
		while (i + 1 < total) {
			uint32_t u = (uint32_t)s->u16[i] | (uint32_t)s->u16[i + 1] << 8;
			if (u >= 0xd800 && u <= 0xdbff) {
				uint32_t lo;
				if (i + 3 >= total)
					break; /* wait for the low half */
				lo = (uint32_t)s->u16[i + 2] | (uint32_t)s->u16[i + 3] << 8;
				if (lo >= 0xdc00 && lo <= 0xdfff) {
					produced += put_utf8(out + produced,
							     0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00));
					i += 4;
					continue;
				}
				out[produced++] = 0xff;
			} else if (u >= 0xdc00 && u <= 0xdfff) {
				out[produced++] = 0xff;
			} else {
				produced += put_utf8(out + produced, u);
			}
			i += 2;
		}
		s->ncarry = total - i;
		memcpy(s->carry, s->u16 + i, s->ncarry);
	}
	return produced;
}

void ch_detect__src_sniff_utf16(dsrc *s)
{
	size_t have = ch_detect__src_fill(s, 4), skip = 0;
	const uint8_t *b = s->buf + s->start;

	if (have >= 2 && b[0] == 0xff && b[1] == 0xfe)
		skip = 2;
	else if (!(have >= 4 && b[0] && !b[1] && b[2] && !b[3]))
		return;
	s->utf16 = true;
	if (s->f) { /* keep the bytes already read as raw input */
		s->raw_heap = malloc(have - skip + 1);
		if (!s->raw_heap) {
			s->err = ch_error_set(CH_ERR_NOMEM, "out of memory");
			s->eof = true;
			return;
		}
		memcpy(s->raw_heap, b + skip, have - skip);
		s->raw = s->raw_heap;
	} else {
		s->raw = b + skip;
	}
	s->raw_len = have - skip;
	s->raw_pos = 0;
	s->buf = s->heap;
	s->start = s->end = 0;
	s->cap = s->heap ? s->cap : 0;
	s->eof = false;
}

void ch_detect__src_free(dsrc *s)
{
	free(s->heap);
	free(s->raw_heap);
	free(s->u16);
}

size_t ch_detect__src_fill(dsrc *s, size_t need)
{
	size_t have = s->end - s->start;

	if (need > DSRC_MAX)
		need = DSRC_MAX;
	while (have < need && !s->eof && (s->f || s->utf16)) {
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
		if (s->utf16 && s->cap - s->end < 8)
			break;
		got = s->utf16 ? convert(s, s->heap + s->end, s->cap - s->end)
			       : raw_read(s, s->heap + s->end, s->cap - s->end);
		s->end += got;
		have += got;
		if (got == 0)
			s->eof = true;
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
