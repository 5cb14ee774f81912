/* scan TLS details: the client context and the names of alerts. */
#include "internal.h"

#include <ctype.h>
#include <string.h>

#include <openssl/err.h>

/* ch_scan__alpn_wire: see internal.h. */
size_t ch_scan__alpn_wire(unsigned char *out, size_t cap, const char *list)
{
	size_t n = 0;

	while (*list) {
		const char *comma = strchr(list, ',');
		size_t len = comma ? (size_t)(comma - list) : strlen(list);
		if (!len || len > 255 || n + 1 + len > cap)
			return 0;
		out[n++] = (unsigned char)len;
		memcpy(out + n, list, len);
		n += len;
		list += len + (comma ? 1 : 0);
	}
	return n;
}

ch_err ch_scan__tls_ctx_new(SSL_CTX **out, const ch_scan_opts *o)
{
	unsigned char alpn[512];
	size_t alpn_len;
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	*out = NULL;
	if (!ctx)
		return ch_error_set(CH_ERR_NOMEM, "SSL_CTX_new failed");
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	/* collect from old and odd servers too: every version, every cipher, no key-size floor */
	SSL_CTX_set_security_level(ctx, 0);
	SSL_CTX_set_min_proto_version(ctx, 0);
	SSL_CTX_set_max_proto_version(ctx, 0);
	(void)SSL_CTX_set_cipher_list(ctx, "ALL:@SECLEVEL=0");
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET | SSL_OP_LEGACY_SERVER_CONNECT |
				 SSL_OP_IGNORE_UNEXPECTED_EOF);
	SSL_CTX_set_max_cert_list(ctx, (long)(o->max_chain_bytes ? o->max_chain_bytes
							    : CH_SCAN_DEFAULT_CHAIN_BYTES));
	alpn_len = ch_scan__alpn_wire(alpn, sizeof alpn, o->alpn ? o->alpn : "h2,http/1.1");
	if (alpn_len && SSL_CTX_set_alpn_protos(ctx, alpn, (unsigned)alpn_len) != 0) {
		SSL_CTX_free(ctx);
		return ch_error_set(CH_ERR_INVALID, "bad ALPN list");
	}
	*out = ctx;
	return CH_OK;
}

void ch_scan__alert_class(char *out, size_t cap, int code)
{
	const char *name = SSL_alert_desc_string_long(code);
	size_t n;

	if (!name || !strcmp(name, "unknown")) {
		snprintf(out, cap, "tls-alert-%d", code);
		return;
	}
	n = (size_t)snprintf(out, cap, "tls-alert-%s", name);
	for (size_t i = 10; i < n && i < cap; i++)
		out[i] = out[i] == ' ' ? '-' : (char)tolower((unsigned char)out[i]);
}
