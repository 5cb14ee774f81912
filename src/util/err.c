/* Thread-local last-error message (libgit2 style): a small code plus human detail. */
#include <certhound/err.h>

#include <stdio.h>
#include <string.h>

#define CH_ERRMSG_MAX 1024

static _Thread_local char errmsg[CH_ERRMSG_MAX];

const char *ch_error_last(void)
{
	return errmsg;
}

void ch_error_clear(void)
{
	errmsg[0] = '\0';
}

ch_err ch_error_set(ch_err code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errmsg, sizeof errmsg, fmt, ap);
	va_end(ap);
	return code;
}

ch_err ch_error_prefix(ch_err code, const char *fmt, ...)
{
	char old[CH_ERRMSG_MAX];
	size_t n;
	va_list ap;

	memcpy(old, errmsg, sizeof old);
	va_start(ap, fmt);
	vsnprintf(errmsg, sizeof errmsg, fmt, ap);
	va_end(ap);
	n = strlen(errmsg);
	if (old[0] != '\0' && n + 3 < sizeof errmsg) {
		size_t room = sizeof errmsg - n - 3, k = strnlen(old, room);
		memcpy(errmsg + n, ": ", 2);
		memcpy(errmsg + n + 2, old, k);
		errmsg[n + 2 + k] = '\0';
	}
	return code;
}

const char *ch_err_name(ch_err code)
{
	switch (code) {
	case CH_OK: return "ok";
	case CH_ERR_NOMEM: return "out of memory";
	case CH_ERR_INVALID: return "invalid argument";
	case CH_ERR_PARSE: return "parse";
	case CH_ERR_LIMIT: return "limit";
	case CH_ERR_IO: return "io";
	case CH_ERR_STORE: return "store";
	case CH_ERR_NOTFOUND: return "not found";
	case CH_ERR_INTEGRITY: return "integrity";
	case CH_ERR_NET: return "network";
	case CH_ERR_EOF: return "end of input";
	}
	return "unknown";
}
