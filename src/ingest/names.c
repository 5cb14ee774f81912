/* ingest: a certificate's host names and registrable domains, as the record's `names` and
 * `registered_domains` define them (CONTRACT.md): SAN dNSNames plus a host-like subject CN,
 * lower-cased and de-duplicated; registrable domains through libpsl. */
#include "internal.h"

#include <ctype.h>
#include <libpsl.h>
#include <string.h>

/* host_like: letters, digits, '-', '_', '.', a leading "*." and at least one dot. */
static bool host_like(const char *s, size_t n)
{
	bool dot = false;

	if (n == 0 || n > 253)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '.')
			dot = true;
		else if (!(isalnum(ch) || ch == '-' || ch == '_' || (ch == '*' && i == 0 && n > 1 &&
								 s[1] == '.')))
			return false;
	}
	return dot && s[0] != '.' && s[n - 1] != '.';
}

/* seen: whether the NUL-separated list text[start..len) already holds name. */
static bool seen(const ch_buf *b, size_t start, const char *name)
{
	for (size_t o = start; o < b->len; o += strlen(b->data + o) + 1)
		if (!strcmp(b->data + o, name))
			return true;
	return false;
}

static ch_err add_lower(ch_buf *b, size_t start, size_t *count, const char *s, size_t n)
{
	size_t at = b->len;
	ch_err err = ch_buf_reserve(b, n + 1);

	if (err)
		return err;
	for (size_t i = 0; i < n; i++)
		b->data[at + i] = (char)tolower((unsigned char)s[i]);
	b->data[at + n] = '\0';
	if (seen(b, start, b->data + at) && *count) {
		b->data[at] = '\0';
		return CH_OK;
	}
	b->len = at + n + 1;
	(*count)++;
	return CH_OK;
}

ch_err ch_ingest__names(ch_buf *text, size_t *out_num_names, size_t *out_num_domains,
			const ch_cert *c)
{
	const psl_ctx_t *psl = psl_builtin();
	size_t start = text->len, names = 0, domains = 0, dstart, o;
	const ch_str *cn;
	ch_err err = CH_OK;

	for (size_t i = 0; i < c->san.num_dns; i++)
		if (c->san.dns[i].len && c->san.dns[i].len == strlen(c->san.dns[i].s))
			CH_TRY(add_lower(text, start, &names, c->san.dns[i].s, c->san.dns[i].len));
	for (size_t i = 0; (cn = ch_dn_get(&c->subject, CH_ATTR_CN, i)); i++)
		if (host_like(cn->s, cn->len))
			CH_TRY(add_lower(text, start, &names, cn->s, cn->len));
	dstart = text->len;
	for (o = start; o < dstart; o += strlen(text->data + o) + 1) {
		const char *name = text->data + o, *rd;
		if (name[0] == '*' && name[1] == '.')
			name += 2;
		char copy[256];
		rd = psl ? psl_registrable_domain(psl, name) : NULL;
		/* rd points into text, which add_lower may move: copy it first. */
		if (rd && strlen(rd) < sizeof copy) {
			size_t n = strlen(rd);
			memcpy(copy, rd, n + 1);
			CH_TRY(add_lower(text, dstart, &domains, copy, n));
		}
	}
	*out_num_names = names;
	*out_num_domains = domains;
out:
	return err;
}
