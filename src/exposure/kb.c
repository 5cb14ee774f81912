/* exposure knowledge: internal-name rules and weak key/signature rules from data/exposure/
 * (format in docs/exposure.md). Nothing here names a label, a TLD or an algorithm. */
#include "internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#ifndef CH_DATA_DIR
#define CH_DATA_DIR "data"
#endif

#define KB_MAX_FILES 256
#define KB_MAX_FILE_BYTES (4u << 20)

const char *ch_exposure__default_dir(void)
{
	static __thread char path[4096];
	const char *env = getenv("CERTHOUND_DATA_DIR");

	snprintf(path, sizeof path, "%s/exposure", env && *env ? env : CH_DATA_DIR);
	return path;
}

char *ch_exposure__strdup(const char *s, ch_err *err)
{
	char *p;

	if (!s)
		return NULL;
	p = strdup(s);
	if (!p)
		*err = ch_error_set(CH_ERR_NOMEM, "out of memory");
	return p;
}

bool ch_exposure__ip_parse(uint8_t out[16], bool *v6, const char *text)
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, text, out) == 1) {
		*v6 = false;
		return true;
	}
	if (inet_pton(AF_INET6, text, out) == 1) {
		*v6 = true;
		return true;
	}
	return false;
}

static char *lower_dup(const char *s)
{
	char *p = strdup(s);

	for (char *q = p; q && *q; q++)
		*q = (char)tolower((unsigned char)*q);
	return p;
}

static ch_err push_str(char ***arr, size_t *n, const char *v)
{
	char **a = realloc(*arr, (*n + 1) * sizeof **arr);
	char *c;

	if (!a)
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	*arr = a;
	if (!(c = lower_dup(v)))
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	a[(*n)++] = c;
	return CH_OK;
}

static ch_err add_cidr(ch_exposure_kb *kb, const char *v, const char *where)
{
	char ip[64];
	const char *slash = strchr(v, '/');
	unsigned long bits;
	char *end;
	ch_expo_cidr c = {0}, *a;

	if (!slash || (size_t)(slash - v) >= sizeof ip)
		return ch_error_set(CH_ERR_PARSE, "%s: cidr wants ADDRESS/BITS", where);
	memcpy(ip, v, (size_t)(slash - v));
	ip[slash - v] = '\0';
	bits = strtoul(slash + 1, &end, 10);
	if (*end || !ch_exposure__ip_parse(c.addr, &c.v6, ip) || bits > (c.v6 ? 128u : 32u))
		return ch_error_set(CH_ERR_PARSE, "%s: bad cidr '%s'", where, v);
	c.bits = (unsigned)bits;
	if (!(a = realloc(kb->cidrs, (kb->num_cidrs + 1) * sizeof *a)) || !(c.text = strdup(v))) {
		if (a)
			kb->cidrs = a;
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	}
	kb->cidrs = a;
	a[kb->num_cidrs++] = c;
	return CH_OK;
}

static ch_err add_reasoned(ch_exposure_kb *kb, bool sig, const char *v, const char *rest)
{
	char *a_needle = lower_dup(v), *a_reason = strdup(rest && *rest ? rest : v);
	ch_err err = CH_OK;

	if (!a_needle || !a_reason) {
		err = ch_error_set(CH_ERR_NOMEM, "out of memory");
	} else if (sig) {
		ch_expo_sig *a = realloc(kb->sigs, (kb->num_sigs + 1) * sizeof *a);
		if (!a) {
			err = ch_error_set(CH_ERR_NOMEM, "out of memory");
		} else {
			kb->sigs = a;
			a[kb->num_sigs++] = (ch_expo_sig){a_needle, a_reason};
			a_needle = a_reason = NULL;
		}
	} else {
		ch_expo_keyrule *a = realloc(kb->keys, (kb->num_keys + 1) * sizeof *a);
		if (!a) {
			err = ch_error_set(CH_ERR_NOMEM, "out of memory");
		} else {
			kb->keys = a;
			a[kb->num_keys++] = (ch_expo_keyrule){a_needle, a_reason};
			a_needle = a_reason = NULL;
		}
	}
	free(a_needle);
	free(a_reason);
	return err;
}

static ch_err parse_bits(unsigned *out, const char *v, const char *where)
{
	char *end;
	unsigned long n = v ? strtoul(v, &end, 10) : 0;

	if (!v || *end || n == 0 || n > 65536)
		return ch_error_set(CH_ERR_PARSE, "%s: wants a number of bits", where);
	*out = (unsigned)n;
	return CH_OK;
}

/* parse_line handles one non-comment line split into kind, value and the rest. */
static ch_err parse_line(ch_exposure_kb *kb, char *kind, char *value, char *rest, const char *where)
{
	if (!strcmp(kind, "single-label")) {
		kb->single_label = true;
		return CH_OK;
	}
	if (!value)
		return ch_error_set(CH_ERR_PARSE, "%s: '%s' wants a value", where, kind);
	if (!strcmp(kind, "label"))
		return push_str(&kb->labels, &kb->num_labels, value);
	if (!strcmp(kind, "tld"))
		return push_str(&kb->tlds, &kb->num_tlds, value[0] == '.' ? value + 1 : value);
	if (!strcmp(kind, "cidr"))
		return add_cidr(kb, value, where);
	if (!strcmp(kind, "rsa-min-bits"))
		return parse_bits(&kb->rsa_min_bits, value, where);
	if (!strcmp(kind, "ec-min-bits"))
		return parse_bits(&kb->ec_min_bits, value, where);
	if (!strcmp(kind, "sig"))
		return add_reasoned(kb, true, value, rest);
	if (!strcmp(kind, "key"))
		return add_reasoned(kb, false, value, rest);
	return ch_error_set(CH_ERR_PARSE, "%s: unknown rule '%s' (label, tld, single-label, cidr, "
			    "rsa-min-bits, ec-min-bits, key, sig)", where, kind);
}

static char *next_word(char **p)
{
	char *s = *p, *w;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return NULL;
	w = s;
	while (*s && *s != ' ' && *s != '\t')
		s++;
	if (*s)
		*s++ = '\0';
	*p = s;
	return w;
}

ch_err ch_exposure_kb_parse(ch_exposure_kb **kbp, const char *text, size_t len, const char *label)
{
	char line[CH_EXPO_LINE_MAX + 1], where[512];
	size_t pos = 0, lineno = 0;
	ch_err err = CH_OK;

	if (!*kbp && !(*kbp = calloc(1, sizeof **kbp)))
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	while (pos < len && !err) {
		size_t e = pos, n;
		char *p = line, *kind, *value, *hash;
		while (e < len && text[e] != '\n')
			e++;
		n = e - pos;
		lineno++;
		snprintf(where, sizeof where, "%s:%zu", label, lineno);
		if (n > CH_EXPO_LINE_MAX) {
			err = ch_error_set(CH_ERR_LIMIT, "%s: line longer than %u bytes", where,
					   CH_EXPO_LINE_MAX);
			break;
		}
		memcpy(line, text + pos, n);
		line[n] = '\0';
		pos = e + 1;
		if (memchr(line, '\0', n))
			err = ch_error_set(CH_ERR_PARSE, "%s: NUL byte", where);
		if ((hash = strchr(line, '#')))
			*hash = '\0';
		line[strcspn(line, "\r")] = '\0';
		if (err || !(kind = next_word(&p)))
			continue;
		value = next_word(&p);
		while (*p == ' ' || *p == '\t')
			p++;
		for (size_t k = strlen(p); k && (p[k - 1] == ' ' || p[k - 1] == '\t'); k--)
			p[k - 1] = '\0';
		if (++(*kbp)->num_rules > CH_EXPO_KB_MAX_RULES)
			err = ch_error_set(CH_ERR_LIMIT, "%s: more than %u rules", where,
					   CH_EXPO_KB_MAX_RULES);
		else
			err = parse_line(*kbp, kind, value, p, where);
	}
	return err;
}

static ch_err load_file(ch_exposure_kb **kb, const char *path)
{
	FILE *f = fopen(path, "rb");
	char *text = NULL;
	size_t n = 0;
	ch_err err = CH_OK;

	if (!f)
		return ch_error_set(CH_ERR_IO, "%s: %s", path, strerror(errno));
	if (!(text = malloc(KB_MAX_FILE_BYTES + 1))) {
		err = ch_error_set(CH_ERR_NOMEM, "out of memory");
		goto out;
	}
	n = fread(text, 1, KB_MAX_FILE_BYTES + 1, f);
	if (ferror(f))
		err = ch_error_set(CH_ERR_IO, "%s: read error", path);
	else if (n > KB_MAX_FILE_BYTES)
		err = ch_error_set(CH_ERR_LIMIT, "%s: larger than %u bytes", path, KB_MAX_FILE_BYTES);
	else
		err = ch_exposure_kb_parse(kb, text, n, path);
out:
	free(text);
	fclose(f);
	return err;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static ch_err load_dir(ch_exposure_kb **kb, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char *files[KB_MAX_FILES], path[4400];
	size_t n = 0;
	ch_err err = CH_OK;

	if (!d)
		return ch_error_set(CH_ERR_IO, "%s: %s", dir, strerror(errno));
	while ((e = readdir(d)) && n < KB_MAX_FILES) {
		size_t l = strlen(e->d_name);
		if (l > 5 && !strcmp(e->d_name + l - 5, ".conf") && !(files[n++] = strdup(e->d_name))) {
			n--;
			err = ch_error_set(CH_ERR_NOMEM, "out of memory");
			break;
		}
	}
	closedir(d);
	qsort(files, n, sizeof *files, cmp_str);
	for (size_t i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s/%s", dir, files[i]);
		if (!err)
			err = load_file(kb, path);
		free(files[i]);
	}
	return err;
}

ch_err ch_exposure_kb_load(ch_exposure_kb **out, const char *dir, const char *const *extra,
			   size_t n_extra)
{
	ch_exposure_kb *kb = calloc(1, sizeof *kb);
	ch_err err = CH_OK;

	*out = NULL;
	if (!kb)
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	err = load_dir(&kb, dir ? dir : ch_exposure__default_dir());
	for (size_t i = 0; !err && i < n_extra; i++)
		err = load_file(&kb, extra[i]);
	if (err)
		ch_exposure_kb_free(kb);
	else
		*out = kb;
	return err;
}

void ch_exposure_kb_free(ch_exposure_kb *kb)
{
	if (!kb)
		return;
	for (size_t i = 0; i < kb->num_labels; i++)
		free(kb->labels[i]);
	for (size_t i = 0; i < kb->num_tlds; i++)
		free(kb->tlds[i]);
	for (size_t i = 0; i < kb->num_cidrs; i++)
		free(kb->cidrs[i].text);
	for (size_t i = 0; i < kb->num_sigs; i++) {
		free(kb->sigs[i].needle);
		free(kb->sigs[i].reason);
	}
	for (size_t i = 0; i < kb->num_keys; i++) {
		free(kb->keys[i].type);
		free(kb->keys[i].reason);
	}
	free(kb->labels);
	free(kb->tlds);
	free(kb->cidrs);
	free(kb->sigs);
	free(kb->keys);
	free(kb);
}

/* ---- matching ----------------------------------------------------------------------------- */

static bool in_cidr(const ch_expo_cidr *c, const uint8_t *a, bool v6)
{
	unsigned full = c->bits / 8, rest = c->bits % 8;

	if (c->v6 != v6)
		return false;
	if (memcmp(c->addr, a, full))
		return false;
	return !rest || ((c->addr[full] ^ a[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

/* label_match tries a label and its '-'/'_' parts (trailing digits dropped) against the list. */
static const char *label_match(const ch_exposure_kb *kb, const char *label, size_t len)
{
	size_t i = 0;

	for (size_t k = 0; k < kb->num_labels; k++)
		if (strlen(kb->labels[k]) == len && !memcmp(kb->labels[k], label, len))
			return kb->labels[k];
	while (i < len) {
		size_t s = i, e;
		while (i < len && label[i] != '-' && label[i] != '_')
			i++;
		e = i;
		while (e > s && isdigit((unsigned char)label[e - 1]))
			e--;
		for (size_t k = 0; e > s && k < kb->num_labels; k++)
			if (strlen(kb->labels[k]) == e - s && !memcmp(kb->labels[k], label + s, e - s))
				return kb->labels[k];
		i++;
	}
	return NULL;
}

bool ch_exposure_internal_reason(const ch_exposure_kb *kb, char *out, size_t cap,
				 const char *name, const char *registered)
{
	uint8_t ip[16];
	bool v6;
	size_t len = strlen(name), left;
	const char *dot, *p;

	if (ch_exposure__ip_parse(ip, &v6, name)) {
		for (size_t i = 0; i < kb->num_cidrs; i++)
			if (in_cidr(&kb->cidrs[i], ip, v6)) {
				snprintf(out, cap, "private-ip:%s", kb->cidrs[i].text);
				return true;
			}
		return false;
	}
	if (!strncmp(name, "*.", 2)) {
		name += 2;
		len -= 2;
	}
	if (!(dot = strchr(name, '.'))) {
		if (kb->single_label) {
			snprintf(out, cap, "single-label");
			return true;
		}
	}
	/* TLDs: the longest listed suffix of whole labels ("home.arpa" before "arpa"). */
	for (size_t i = 0; dot && i < kb->num_tlds; i++) {
		size_t tl = strlen(kb->tlds[i]);
		if (tl < len && name[len - tl - 1] == '.' && !strcmp(name + len - tl, kb->tlds[i])) {
			snprintf(out, cap, "tld:.%s", kb->tlds[i]);
			return true;
		}
	}
	/* Labels left of the registrable domain (all but the last label when there is none). */
	left = dot ? (size_t)(strrchr(name, '.') - name) : 0;
	if (registered) {
		size_t rl = strlen(registered);
		left = 0;
		if (rl < len && name[len - rl - 1] == '.' && !strcmp(name + len - rl, registered))
			left = len - rl - 1;
	}
	for (p = name; p < name + left;) {
		const char *e = memchr(p, '.', (size_t)(name + left - p));
		size_t l = e ? (size_t)(e - p) : (size_t)(name + left - p);
		const char *hit = l ? label_match(kb, p, l) : NULL;
		if (hit) {
			snprintf(out, cap, "label:%s", hit);
			return true;
		}
		p += l + 1;
	}
	return false;
}

ch_err ch_exposure__weak(const ch_exposure_kb *kb, const ch_exposure_cert *c, ch_expo_add_fn add,
			 void *arg)
{
	char reason[512], type[32];
	ch_err err = CH_OK;
	size_t tl;

	snprintf(type, sizeof type, "%s", c->key ? c->key : "");
	tl = strcspn(type, "-");
	type[tl] = '\0';
	if (kb->rsa_min_bits && !strcmp(type, "rsa") && c->key_bits && c->key_bits < kb->rsa_min_bits) {
		snprintf(reason, sizeof reason, "key %s < %u bits", c->key, kb->rsa_min_bits);
		err = add(arg, reason);
	}
	if (!err && kb->ec_min_bits && !strcmp(type, "ec") && c->key_bits &&
	    c->key_bits < kb->ec_min_bits) {
		snprintf(reason, sizeof reason, "key %s < %u bits", c->key, kb->ec_min_bits);
		err = add(arg, reason);
	}
	for (size_t i = 0; !err && i < kb->num_keys; i++)
		if (!strcmp(type, kb->keys[i].type)) {
			snprintf(reason, sizeof reason, "key %s: %s", c->key, kb->keys[i].reason);
			err = add(arg, reason);
		}
	for (size_t i = 0; !err && c->sig_alg && i < kb->num_sigs; i++)
		if (strcasestr(c->sig_alg, kb->sigs[i].needle)) {
			snprintf(reason, sizeof reason, "signature %s (%s)", c->sig_alg,
				 kb->sigs[i].reason);
			err = add(arg, reason);
			break; /* one signature reason is enough ("md5" inside "sha1"-free names) */
		}
	return err;
}
