/* certhound/err.h — error codes and the thread-local last-error message. */
#ifndef CERTHOUND_ERR_H
#define CERTHOUND_ERR_H

#include <stdarg.h>

#if defined(__GNUC__)
#define CH_WARN_UNUSED __attribute__((warn_unused_result))
#define CH_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define CH_WARN_UNUSED
#define CH_PRINTF(a, b)
#endif

/* ch_err: 0 on success, a negative code otherwise. The human message is in ch_error_last(). */
typedef enum ch_err {
	CH_OK = 0,
	CH_ERR_NOMEM = -1,    /* an allocation failed */
	CH_ERR_INVALID = -2,  /* the caller passed something unusable (usage) */
	CH_ERR_PARSE = -3,    /* the input is malformed */
	CH_ERR_LIMIT = -4,    /* the input exceeds a hard maximum */
	CH_ERR_IO = -5,       /* reading or writing a file failed */
	CH_ERR_STORE = -6,    /* the store failed */
	CH_ERR_NOTFOUND = -7, /* nothing matched */
	CH_ERR_INTEGRITY = -8,/* a verification failed (signature, Merkle proof) */
	CH_ERR_NET = -9,      /* a network operation failed */
	CH_ERR_EOF = -10,     /* a stream is exhausted (not an error for readers) */
} ch_err;

/* CH_TRY: evaluate an expression returning ch_err; on failure store it in `err` and jump to `out`. */
#define CH_TRY(expr)                  \
	do {                          \
		err = (expr);         \
		if (err != CH_OK)     \
			goto out;     \
	} while (0)

/* ch_error_last returns this thread's last error message ("" when none). The string is owned by
 * the library and valid until the next failing call on this thread. */
const char *ch_error_last(void);

/* ch_error_set formats a message into this thread's last-error slot and returns `code`. */
ch_err ch_error_set(ch_err code, const char *fmt, ...) CH_PRINTF(2, 3);

/* ch_error_prefix prepends "prefix: " to this thread's last error message; returns `code`. */
ch_err ch_error_prefix(ch_err code, const char *fmt, ...) CH_PRINTF(2, 3);

/* ch_error_clear empties this thread's last-error message. */
void ch_error_clear(void);

/* ch_err_name returns a short constant name for an error code ("parse", "io", ...). */
const char *ch_err_name(ch_err code);

#endif
