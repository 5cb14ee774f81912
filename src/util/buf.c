/* Bounded growable buffers: every buffer fed from outside has a hard maximum. */
#include <certhound/buf.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ch_buf_init(ch_buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

void ch_buf_free(ch_buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}

void ch_buf_reset(ch_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

ch_err ch_buf_reserve(ch_buf *b, size_t n)
{
	size_t need, cap;
	char *p;

	if (n > b->max || b->len > b->max - n)
		return ch_error_set(CH_ERR_LIMIT, "buffer limit of %zu bytes exceeded", b->max);
	need = b->len + n + 1;
	if (need <= b->cap)
		return CH_OK;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	if (cap > b->max + 1)
		cap = b->max + 1;
	p = realloc(b->data, cap);
	if (!p)
		return ch_error_set(CH_ERR_NOMEM, "out of memory growing a buffer to %zu bytes", cap);
	b->data = p;
	b->cap = cap;
	return CH_OK;
}

ch_err ch_buf_append(ch_buf *b, const void *p, size_t n)
{
	ch_err err = ch_buf_reserve(b, n);

	if (err)
		return err;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return CH_OK;
}

ch_err ch_buf_putc(ch_buf *b, char c)
{
	return ch_buf_append(b, &c, 1);
}

ch_err ch_buf_puts(ch_buf *b, const char *s)
{
	return ch_buf_append(b, s, strlen(s));
}

ch_err ch_buf_printf(ch_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;
	ch_err err;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return ch_error_set(CH_ERR_INVALID, "bad format string");
	err = ch_buf_reserve(b, (size_t)n);
	if (err)
		return err;
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return CH_OK;
}
