/* The configuration-file lexer shared by rule files and allow-lists:
 *
 *   # a comment (a line whose first non-blank character is '#')
 *   [kind name]        a section
 *   key = value        a setting (value: the rest of the line, trimmed)
 *   word word ...      in [list …] sections: items
 */
#include "detect/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define CONF_MAX ((size_t)16 << 20)
#define CONF_LINE_MAX 8192

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

ch_err ch_detect__conf_parse(const char *text, size_t len, const char *name, conf_cb cb, void *ctx)
{
	ch_err err = CH_OK;
	char kind[64] = "", sect[256] = "", line[CONF_LINE_MAX];
	size_t pos = 0;
	uint64_t lineno = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos, a = 0, b;
		conf_line cl = {0};

		lineno++;
		if (n >= CONF_LINE_MAX) {
			err = ch_error_set(CH_ERR_PARSE, "%s:%llu: line longer than %d bytes", name,
					   (unsigned long long)lineno, CONF_LINE_MAX - 1);
			goto out;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos += n + (nl ? 1 : 0);
		if (memchr(line, '\0', n)) {
			err = ch_error_set(CH_ERR_PARSE, "%s:%llu: NUL byte", name,
					   (unsigned long long)lineno);
			goto out;
		}
		while (a < n && blank(line[a]))
			a++;
		b = n;
		while (b > a && blank(line[b - 1]))
			b--;
		line[b] = '\0';
		if (a == b || line[a] == '#')
			continue;
		if (line[a] == '[') {
			char *close = strchr(line + a, ']'), *sp;
			if (!close || close[1] != '\0') {
				err = ch_error_set(CH_ERR_PARSE, "%s:%llu: a section is written [kind name]",
						   name, (unsigned long long)lineno);
				goto out;
			}
			*close = '\0';
			sp = line + a + 1;
			while (blank(*sp))
				sp++;
			{
				size_t kl = strcspn(sp, " \t");
				char *nm = sp + kl;
				while (blank(*nm))
					nm++;
				if (kl == 0 || kl >= sizeof kind || !*nm || strlen(nm) >= sizeof sect) {
					err = ch_error_set(CH_ERR_PARSE,
							   "%s:%llu: a section is written [kind name]", name,
							   (unsigned long long)lineno);
					goto out;
				}
				memcpy(kind, sp, kl);
				kind[kl] = '\0';
				snprintf(sect, sizeof sect, "%s", nm);
				for (size_t i = strlen(sect); i > 0 && blank(sect[i - 1]); i--)
					sect[i - 1] = '\0';
			}
			continue;
		}
		if (!kind[0]) {
			err = ch_error_set(CH_ERR_PARSE, "%s:%llu: setting outside a [section]", name,
					   (unsigned long long)lineno);
			goto out;
		}
		cl.section_kind = kind;
		cl.section_name = sect;
		cl.line = lineno;
		if (strcmp(kind, "list") == 0) {
			cl.value = line + a;
		} else {
			char *eq = strchr(line + a, '='), *k = line + a, *ke, *v;
			if (!eq) {
				err = ch_error_set(CH_ERR_PARSE, "%s:%llu: expected key = value", name,
						   (unsigned long long)lineno);
				goto out;
			}
			ke = eq;
			while (ke > k && blank(ke[-1]))
				ke--;
			*ke = '\0';
			v = eq + 1;
			while (blank(*v))
				v++;
			cl.key = k;
			cl.value = v;
		}
		err = cb(ctx, &cl);
		if (err != CH_OK) {
			ch_error_prefix(err, "%s:%llu", name, (unsigned long long)lineno);
			goto out;
		}
	}
out:
	return err;
}

ch_err ch_detect__read_small(char **out, size_t *out_len, const char *path)
{
	ch_err err = CH_OK;
	FILE *f = fopen(path, "rb");
	ch_buf b;
	char chunk[16384];
	size_t got;

	ch_buf_init(&b, CONF_MAX);
	*out = NULL;
	*out_len = 0;
	if (!f) {
		err = ch_error_set(CH_ERR_IO, "%s: %s", path, strerror(errno));
		goto out;
	}
	while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
		err = ch_buf_append(&b, chunk, got);
		if (err != CH_OK) {
			ch_error_prefix(err, "%s", path);
			goto out;
		}
	}
	if (ferror(f)) {
		err = ch_error_set(CH_ERR_IO, "%s: read error", path);
		goto out;
	}
	if (ch_buf_reserve(&b, 1) != CH_OK) {
		err = ch_error_set(CH_ERR_NOMEM, "out of memory");
		goto out;
	}
	b.data[b.len] = '\0';
	*out = b.data;
	*out_len = b.len;
	b.data = NULL;
out:
	if (f)
		fclose(f);
	ch_buf_free(&b);
	return err;
}
