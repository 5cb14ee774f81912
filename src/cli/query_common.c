/* Helpers shared by the search, show and stats commands. */
#include "cli/query_common.h"

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

int chq_open_store(ch_cli *cli, const char *cmd, ch_store **out)
{
	const char *path = ch_cli_db_path(cli);
	struct stat st;
	ch_err err;

	*out = NULL;
	if (strncmp(path, "sqlite:", 7) != 0 && strstr(path, "://") == NULL &&
	    stat(path, &st) != 0)
		return ch_cli_fail(CH_EXIT_ENV, "%s: no store at %s (%s); add certificates with "
				   "'certhound ingest' or choose one with --db", cmd, path,
				   strerror(errno));
	err = ch_store_open(out, path, CH_STORE_READONLY);
	if (err)
		return ch_cli_fail(CH_EXIT_ENV, "%s: %s: %s", cmd, path, ch_error_last());
	return -1;
}

int chq_exit_for(ch_err err)
{
	switch (err) {
	case CH_OK:
		return CH_EXIT_OK;
	case CH_ERR_INVALID:
	case CH_ERR_PARSE:
	case CH_ERR_LIMIT:
		return CH_EXIT_USAGE;
	case CH_ERR_NOTFOUND:
		return CH_EXIT_NOTHING;
	default:
		return CH_EXIT_ENV;
	}
}

ch_report_names chq_names(const ch_query_cert *qc)
{
	ch_report_names n = {qc->names,   qc->num_names,   qc->domains,
			     qc->num_domains, qc->unicode, qc->num_unicode};

	return n;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* value_end unescapes one RFC 4514 value starting at p into out; returns where it stopped
 * (at an unescaped ',' or '+', or the end). */
static const char *read_value(const char *p, char *out, size_t cap)
{
	size_t k = 0;

	while (*p && *p != ',' && *p != '+') {
		char c = *p++;
		if (c == '\\' && *p) {
			if (hexval(p[0]) >= 0 && p[1] && hexval(p[1]) >= 0) {
				c = (char)(hexval(p[0]) * 16 + hexval(p[1]));
				p += 2;
			} else {
				c = *p++;
			}
		}
		if (out && k + 1 < cap)
			out[k++] = c;
	}
	if (out && cap)
		out[k] = '\0';
	return p;
}

bool chq_dn_attr(char *out, size_t cap, const char *dn, const char *type)
{
	const char *p = dn ? dn : "";
	size_t tl = strlen(type);

	while (*p) {
		const char *eq = strchr(p, '=');
		if (!eq)
			return false;
		if ((size_t)(eq - p) == tl && !strncasecmp(p, type, tl)) {
			read_value(eq + 1, out, cap);
			return true;
		}
		p = read_value(eq + 1, NULL, 0);
		if (*p)
			p++;
	}
	return false;
}

int chq_parse_format(const char *cmd, const char *v, ch_report_format *out)
{
	if (ch_report_format_parse(out, v) != CH_OK)
		return ch_cli_fail(CH_EXIT_USAGE, "%s: %s", cmd, ch_error_last());
	return -1;
}

bool chq_write(const ch_buf *b)
{
	return b->len == 0 || fwrite(b->data, 1, b->len, stdout) == b->len;
}
