/* certhound/buf.h — growable byte buffers with a hard maximum (curl's dynbuf idea). */
#ifndef CERTHOUND_BUF_H
#define CERTHOUND_BUF_H

#include <stddef.h>
#include <stdint.h>

#include <certhound/err.h>

/* A ch_buf owns `data` (always NUL-terminated when len > 0 or after any append) and never grows
 * beyond `max` bytes of content. Zero-initialise with ch_buf_init. */
typedef struct ch_buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
} ch_buf;

/* ch_buf_init prepares an empty buffer that may hold at most `max` bytes. */
void ch_buf_init(ch_buf *b, size_t max);

/* ch_buf_free releases the buffer's memory; the buffer can be reused after ch_buf_init. */
void ch_buf_free(ch_buf *b);

/* ch_buf_reset empties the buffer and keeps its memory. */
void ch_buf_reset(ch_buf *b);

/* ch_buf_append adds n bytes; CH_ERR_LIMIT if that would exceed max, CH_ERR_NOMEM on OOM. */
ch_err ch_buf_append(ch_buf *b, const void *p, size_t n) CH_WARN_UNUSED;

/* ch_buf_putc adds one byte. */
ch_err ch_buf_putc(ch_buf *b, char c) CH_WARN_UNUSED;

/* ch_buf_puts adds a NUL-terminated string. */
ch_err ch_buf_puts(ch_buf *b, const char *s) CH_WARN_UNUSED;

/* ch_buf_printf appends formatted text. */
ch_err ch_buf_printf(ch_buf *b, const char *fmt, ...) CH_PRINTF(2, 3) CH_WARN_UNUSED;

/* ch_buf_reserve makes room for n more bytes without changing len. */
ch_err ch_buf_reserve(ch_buf *b, size_t n) CH_WARN_UNUSED;

#endif
