/* Log lists from a URL (http, https or file), bounded by CH_CT_MAX_LOG_LIST. */
#include "internal.h"

#include <string.h>

ch_err ch_ct_log_list_open(ch_ct_log_list **out, const char *where)
{
	ch_ct_http_opts o = {.retries = 2, .stall_seconds = 30, .backoff_ms = 500};
	ch_ct_http *c = NULL;
	ch_buf b;
	ch_err err;

	*out = NULL;
	if (!strstr(where, "://"))
		return ch_ct_log_list_load(out, where);
	ch_buf_init(&b, CH_CT_MAX_LOG_LIST);
	CH_TRY(ch_ct__http_new(&c, &o));
	CH_TRY(ch_ct__http_get(c, where, &b));
	err = ch_ct_log_list_parse(out, b.data ? b.data : "", b.len);
	if (err)
		ch_error_prefix(err, "%s", where);
out:
	ch_ct__http_free(c);
	ch_buf_free(&b);
	return err;
}
