/* Network observations from Zeek's tab-separated logs: dns.log (query), ssl.log (server_name)
 * and http.log (host), columns found by the #fields header. The minimal network input of the
 * detect module until the telemetry readers feed ch_detect_add_network directly. */
#include "detect/internal.h"

#include <stdlib.h>
#include <string.h>

#define ZEEK_MAX_COLS 128

struct zeek_state {
	int col_ts, col_host, col_name;
	const char *kind;
	bool have_fields;
};

void ch_detect__zeek_free(zeek_state *s)
{
	free(s);
}

/* Column n (0-based) of a tab-separated line. */
static bool column(const char *l, size_t n, int col, const char **out, size_t *out_len)
{
	size_t i = 0;

	for (int c = 0; c < col; c++) {
		const char *tab = memchr(l + i, '\t', n - i);
		if (!tab)
			return false;
		i = (size_t)(tab - l) + 1;
	}
	{
		const char *tab = memchr(l + i, '\t', n - i);
		*out = l + i;
		*out_len = tab ? (size_t)(tab - (l + i)) : n - i;
	}
	return true;
}

static void header(zeek_state *z, const char *l, size_t n)
{
	if (n > 6 && !memcmp(l, "#path\t", 6)) {
		const char *p = l + 6;
		size_t pl = n - 6;
		z->kind = (pl == 3 && !memcmp(p, "ssl", 3)) ? "sni"
			  : (pl == 4 && !memcmp(p, "http", 4)) ? "http" : "dns";
	} else if (n > 8 && !memcmp(l, "#fields\t", 8)) {
		const char *v;
		size_t vl;
		z->col_ts = z->col_host = z->col_name = -1;
		for (int c = 0; c < ZEEK_MAX_COLS && column(l + 8, n - 8, c, &v, &vl); c++) {
			if (vl == 2 && !memcmp(v, "ts", 2))
				z->col_ts = c;
			else if (vl == 9 && !memcmp(v, "id.orig_h", 9))
				z->col_host = c;
			else if ((vl == 5 && !memcmp(v, "query", 5)) ||
				 (vl == 11 && !memcmp(v, "server_name", 11)) ||
				 (vl == 4 && !memcmp(v, "host", 4)))
				z->col_name = c;
		}
		z->have_fields = true;
	}
}

ch_err ch_detect__zeek_next(ch_procev_reader *r, ch_procev_item *out)
{
	dsrc *s = &r->src;
	zeek_state *z;

	if (!r->zeek) {
		if (!(r->zeek = calloc(1, sizeof *r->zeek)))
			return ch_error_set(CH_ERR_NOMEM, "out of memory");
		r->zeek->kind = "dns";
		r->zeek->col_ts = r->zeek->col_host = r->zeek->col_name = -1;
	}
	z = r->zeek;
	for (;;) {
		const char *l, *ts, *host, *name;
		size_t n, tsl, hl, nl;
		bool too_long;
		uint64_t line = s->line;

		if (!ch_detect__src_line(s, &l, &n, &too_long))
			return CH_ERR_EOF;
		if (too_long) {
			ch_detect__bad(r, out, line, "line longer than %zu bytes", CH_PROCEV_RECORD_MAX);
			return CH_OK;
		}
		if (n == 0)
			continue;
		if (l[0] == '#') {
			header(z, l, n);
			continue;
		}
		if (!z->have_fields || z->col_host < 0 || z->col_name < 0) {
			ch_detect__bad(r, out, line, "Zeek line before a #fields header naming "
						     "id.orig_h and query/server_name/host");
			return CH_OK;
		}
		if (!column(l, n, z->col_host, &host, &hl) || !column(l, n, z->col_name, &name, &nl) ||
		    (z->col_ts >= 0 && !column(l, n, z->col_ts, &ts, &tsl))) {
			ch_detect__bad(r, out, line, "fewer columns than the #fields header");
			return CH_OK;
		}
		if ((nl == 1 && name[0] == '-') || (nl == 7 && !memcmp(name, "(empty)", 7))) {
			r->skipped++;
			continue;
		}
		ch_detect__fields_reset(r);
		if (ch_detect__field_set(r, F_NET_HOST, host, hl) != CH_OK ||
		    ch_detect__field_set(r, F_NET_NAME, name, nl) != CH_OK) {
			ch_detect__bad(r, out, line, "%s", ch_error_last());
			return CH_OK;
		}
		out->net.time_ms = INT64_MIN;
		if (z->col_ts >= 0 && !ch_detect__parse_time(&out->net.time_ms, ts, tsl)) {
			ch_detect__bad(r, out, line, "unreadable time '%.*s'", (int)(tsl > 40 ? 40 : tsl),
				       ts);
			return CH_OK;
		}
		if (!ch_detect__utf8_valid(name, nl) || !ch_detect__utf8_valid(host, hl)) {
			ch_detect__bad(r, out, line, "invalid UTF-8");
			return CH_OK;
		}
		out->kind = CH_PROCEV_NETWORK;
		out->net.host = r->field[F_NET_HOST].data;
		out->net.name = r->field[F_NET_NAME].data;
		out->net.kind = z->kind;
		out->net.file = out->file = r->path;
		out->net.line = out->line = line;
		return CH_OK;
	}
}
