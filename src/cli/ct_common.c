/* ct commands: naming logs and exit codes (see ct_common.h). */
#include "ct_common.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

int ch_cli_ct_exit_for(ch_err err)
{
	switch (err) {
	case CH_OK: return CH_EXIT_OK;
	case CH_ERR_INTEGRITY: return CH_EXIT_INTEGRITY;
	case CH_ERR_INVALID: return CH_EXIT_USAGE;
	case CH_ERR_PARSE: case CH_ERR_LIMIT: return CH_EXIT_BAD_INPUT;
	default: return CH_EXIT_ENV;
	}
}

/* origin_of: static-ct-api origins are the submission prefix without scheme and slashes. */
static void origin_of(char *out, size_t n, const char *url)
{
	const char *p = strstr(url, "://") ? strstr(url, "://") + 3 : url;
	size_t len;

	snprintf(out, n, "%s", p);
	for (len = strlen(out); len && out[len - 1] == '/';)
		out[--len] = '\0';
}

int ch_cli_ct_from_list(ch_cli_ct_log *out, const ch_ct_log_info *g, const char *cmd)
{
	memset(out, 0, sizeof *out);
	if (!g->key_ok || ch_ct_key_parse(&out->key, g->key, g->key_len) != CH_OK)
		return ch_cli_fail(CH_EXIT_BAD_INPUT, "%s: the key of \"%s\" in the log list does not "
				   "parse", cmd, g->description ? g->description : "?");
	snprintf(out->name, sizeof out->name, "%s", g->description ? g->description : g->url);
	snprintf(out->url, sizeof out->url, "%s", g->url ? g->url : "");
	out->tiled = g->tiled;
	out->state = g->state;
	if (g->tiled)
		origin_of(out->origin, sizeof out->origin,
			  g->submission_url ? g->submission_url : g->url);
	return CH_EXIT_OK;
}

int ch_cli_ct_from_key(ch_cli_ct_log *out, const char *url, const char *key_path, bool tiled,
		       const char *origin, const char *cmd)
{
	FILE *f = fopen(key_path, "rb");
	char buf[16384];
	size_t n;

	memset(out, 0, sizeof *out);
	if (!f)
		return ch_cli_fail(CH_EXIT_BAD_INPUT, "%s: %s: cannot open", cmd, key_path);
	n = fread(buf, 1, sizeof buf, f);
	fclose(f);
	if (n == sizeof buf || ch_ct_key_parse(&out->key, buf, n) != CH_OK)
		return ch_cli_fail(CH_EXIT_BAD_INPUT, "%s: %s: %s", cmd, key_path, ch_error_last());
	snprintf(out->url, sizeof out->url, "%s", url ? url : "");
	snprintf(out->name, sizeof out->name, "%s", url ? url : key_path);
	out->tiled = tiled;
	out->state = CH_CT_STATE_UNKNOWN;
	if (origin)
		snprintf(out->origin, sizeof out->origin, "%s", origin);
	return CH_EXIT_OK;
}

void ch_cli_ct_sync_log(ch_ct_sync_log *out, const ch_cli_ct_log *l)
{
	memset(out, 0, sizeof *out);
	out->url = l->url;
	out->tiled = l->tiled;
	out->origin = l->origin[0] ? l->origin : NULL;
	out->key = l->key;
}

void ch_cli_ct_log_clear(ch_cli_ct_log *l)
{
	ch_ct_key_free(l->key);
	l->key = NULL;
}

bool ch_cli_ct_usable(const ch_ct_log_info *g)
{
	if (!g->key_ok || !g->url)
		return false;
	if (g->state != CH_CT_STATE_USABLE && g->state != CH_CT_STATE_QUALIFIED)
		return false;
	if (g->has_interval && g->interval_end <= (int64_t)time(NULL))
		return false;
	return true;
}
