/* scan scope: target specs, target files, exclusions, and the lazy iterator over target hosts.
 *
 * A spec is a host name, an address or a CIDR range, each with an optional port. Ranges are never
 * expanded in memory: the iterator walks (spec, offset). Target files are checked once when
 * added (every line must parse, ranges obey the size rule) and streamed again while scanning. */
#include "internal.h"

#include <certhound/buf.h>
#include <certhound/hash.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

typedef enum sp_kind { SP_NAME = 1, SP_ADDR, SP_RANGE, SP_FILE } sp_kind;

typedef struct spec {
	sp_kind kind;
	char *text;           /* SP_NAME: the normalised name; SP_FILE: the path; else NULL */
	ch_scan__addr addr;   /* SP_ADDR: the address; SP_RANGE: the first address */
	int prefix;           /* SP_RANGE */
	uint64_t count;       /* targets this spec yields */
	int port;             /* 0 = the scan's ports */
	int64_t size, mtime;  /* SP_FILE, for the scope id */
} spec;

typedef struct excl {
	ch_scan__addr addr;   /* family 0 = a name rule */
	int prefix;
	char *name;           /* lower-case; suffix rule when it starts with '.' */
} excl;

struct ch_scan_targets {
	ch_scan_opts opts;
	spec *specs;
	size_t num_specs, cap_specs;
	excl *excls;
	size_t num_excls, cap_excls;
	excl *pins;           /* name -> addr */
	size_t num_pins, cap_pins;
	/* iteration */
	size_t it_spec;
	uint64_t it_off, it_index;
	FILE *it_file;
	unsigned long it_lineno;
	spec it_line;         /* the current file line's spec */
	bool it_line_live;
};

/* ---- addresses ---------------------------------------------------------------------------- */

void ch_scan__addr_text(char *out, size_t cap, const ch_scan__addr *a)
{
	if (!a->family || !inet_ntop(a->family, a->b, out, (socklen_t)cap))
		snprintf(out, cap, "?");
}

socklen_t ch_scan__addr_sockaddr(struct sockaddr_storage *ss, const ch_scan__addr *a, int port)
{
	memset(ss, 0, sizeof *ss);
	if (a->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		memcpy(&s4->sin_addr, a->b, 4);
		return sizeof *s4;
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons((uint16_t)port);
	memcpy(&s6->sin6_addr, a->b, 16);
	return sizeof *s6;
}

uint64_t ch_scan__addr_hash(const ch_scan__addr *a)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)a->family;
	size_t n = a->family == AF_INET ? 4 : 16;

	for (size_t i = 0; i < n; i++)
		h = (h ^ a->b[i]) * 1099511628211ull;
	return h ^ (h >> 29);
}

static bool addr_parse(ch_scan__addr *out, const char *s)
{
	memset(out, 0, sizeof *out);
	if (inet_pton(AF_INET, s, out->b) == 1)
		out->family = AF_INET;
	else if (inet_pton(AF_INET6, s, out->b) == 1)
		out->family = AF_INET6;
	return out->family != 0;
}

/* addr_in reports whether a lies in base/prefix. */
static bool addr_in(const ch_scan__addr *a, const ch_scan__addr *base, int prefix)
{
	int full = prefix / 8, rest = prefix % 8;

	if (a->family != base->family)
		return false;
	if (memcmp(a->b, base->b, (size_t)full) != 0)
		return false;
	if (rest) {
		uint8_t m = (uint8_t)(0xff << (8 - rest));
		if ((a->b[full] & m) != (base->b[full] & m))
			return false;
	}
	return true;
}

/* addr_mask clears the host bits of a below prefix. */
static void addr_mask(ch_scan__addr *a, int prefix)
{
	int bits = a->family == AF_INET ? 32 : 128;

	for (int i = prefix; i < bits; i++)
		a->b[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
}

/* addr_add sets out = base + off (off < 2^32 for every accepted range). */
static void addr_add(ch_scan__addr *out, const ch_scan__addr *base, uint64_t off)
{
	int n = base->family == AF_INET ? 4 : 16;
	unsigned carry = 0;

	*out = *base;
	for (int i = n - 1; i >= 0; i--) {
		unsigned v = out->b[i] + (unsigned)(off & 0xff) + carry;
		out->b[i] = (uint8_t)v;
		carry = v >> 8;
		off >>= 8;
		if (!off && !carry)
			break;
	}
}

/* ---- parsing specs ------------------------------------------------------------------------ */

static bool port_parse(int *out, const char *s)
{
	char *end;
	long v;

	if (!*s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || v < 1 || v > 65535)
		return false;
	*out = (int)v;
	return true;
}

/* name_ok checks a host name's characters and lengths and lower-cases it in place. */
static bool name_ok(char *s)
{
	size_t n = strlen(s), label = 0;

	if (n && s[n - 1] == '.')
		s[--n] = '\0';
	if (!n || n > 253)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '.') {
			if (!label)
				return false;
			label = 0;
			continue;
		}
		if (!isalnum(c) && c != '-' && c != '_')
			return false;
		if (++label > 63)
			return false;
		s[i] = (char)tolower(c);
	}
	return label > 0;
}

/* parse_spec reads one target spec (trimmed, NUL-terminated, modified in place) into *out. */
static ch_err parse_spec(spec *out, char *s, const ch_scan_opts *o)
{
	char *host = s, *port = NULL, *slash;
	int prefix = -1, bits;

	memset(out, 0, sizeof *out);
	if (*s == '[') {
		char *close = strchr(s, ']');
		if (!close)
			return ch_error_set(CH_ERR_PARSE, "%s: '[' without ']'", s);
		*close = '\0';
		host = s + 1;
		if (close[1] == ':')
			port = close + 2;
		else if (close[1])
			return ch_error_set(CH_ERR_PARSE, "unexpected text after ']'");
	} else {
		char *c1 = strchr(s, ':');
		if (c1 && !strchr(c1 + 1, ':')) {
			*c1 = '\0';
			port = c1 + 1;
		}
	}
	if (port && !port_parse(&out->port, port))
		return ch_error_set(CH_ERR_PARSE, "bad port '%s' (1-65535)", port);
	slash = strchr(host, '/');
	if (slash) {
		char *end;
		*slash = '\0';
		errno = 0;
		prefix = (int)strtol(slash + 1, &end, 10);
		if (errno || *end || end == slash + 1 || prefix < 0)
			return ch_error_set(CH_ERR_PARSE, "bad prefix length '/%s'", slash + 1);
	}
	if (addr_parse(&out->addr, host)) {
		bits = out->addr.family == AF_INET ? 32 : 128;
		if (prefix > bits)
			return ch_error_set(CH_ERR_PARSE, "prefix /%d longer than %d bits", prefix, bits);
		if (prefix < 0 || prefix == bits) {
			out->kind = SP_ADDR;
			out->count = 1;
			return CH_OK;
		}
		if (bits - prefix > 32)
			return ch_error_set(CH_ERR_LIMIT, "range %s/%d is too large to scan (over 2^32 "
					    "addresses)", host, prefix);
		out->kind = SP_RANGE;
		out->prefix = prefix;
		out->count = 1ull << (bits - prefix);
		addr_mask(&out->addr, prefix);
		if (out->count > o->max_range && !o->allow_large)
			return ch_error_set(CH_ERR_LIMIT, "range %s/%d holds %llu addresses, more than "
					    "%llu: confirm with --yes", host, prefix,
					    (unsigned long long)out->count,
					    (unsigned long long)o->max_range);
		return CH_OK;
	}
	if (prefix >= 0)
		return ch_error_set(CH_ERR_PARSE, "'%s' is not an address, so it cannot have a prefix",
				    host);
	if (!name_ok(host))
		return ch_error_set(CH_ERR_PARSE, "'%s' is neither an address nor a host name", host);
	out->kind = SP_NAME;
	out->count = 1;
	out->text = strdup(host);
	return out->text ? CH_OK : ch_error_set(CH_ERR_NOMEM, "out of memory");
}

/* trim strips a '#' comment and surrounding white space in place; returns the start. */
static char *trim(char *s)
{
	char *hash = strchr(s, '#'), *e;

	if (hash)
		*hash = '\0';
	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* read_line reads one line of at most CH_SCAN_MAX_SPEC bytes into buf; -1 at EOF, -2 too long. */
static int read_line(FILE *f, char *buf, size_t cap)
{
	if (!fgets(buf, (int)cap, f))
		return -1;
	if (!strchr(buf, '\n') && !feof(f)) {
		int c;
		while ((c = fgetc(f)) != EOF && c != '\n')
			;
		return -2;
	}
	return 0;
}

/* ---- the scope ---------------------------------------------------------------------------- */

ch_err ch_scan_targets_new(ch_scan_targets **out, const ch_scan_opts *opts)
{
	ch_scan_targets *t = calloc(1, sizeof *t);

	*out = NULL;
	if (!t)
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	if (opts)
		t->opts = *opts;
	else
		ch_scan_opts_default(&t->opts);
	*out = t;
	return CH_OK;
}

void ch_scan_targets_free(ch_scan_targets *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->num_specs; i++)
		free(t->specs[i].text);
	for (size_t i = 0; i < t->num_excls; i++)
		free(t->excls[i].name);
	for (size_t i = 0; i < t->num_pins; i++)
		free(t->pins[i].name);
	free(t->pins);
	if (t->it_file)
		fclose(t->it_file);
	free(t->it_line.text);
	free(t->specs);
	free(t->excls);
	free(t);
}

static ch_err push_spec(ch_scan_targets *t, const spec *s)
{
	if (t->num_specs == t->cap_specs) {
		size_t n = t->cap_specs ? t->cap_specs * 2 : 16;
		spec *p = realloc(t->specs, n * sizeof *p);
		if (!p)
			return ch_error_set(CH_ERR_NOMEM, "out of memory");
		t->specs = p;
		t->cap_specs = n;
	}
	t->specs[t->num_specs++] = *s;
	return CH_OK;
}

ch_err ch_scan_targets_add(ch_scan_targets *t, const char *text)
{
	char buf[CH_SCAN_MAX_SPEC + 1], *p;
	spec s = {0};
	ch_err err;

	if (strlen(text) > CH_SCAN_MAX_SPEC)
		return ch_error_set(CH_ERR_LIMIT, "target longer than %d bytes", CH_SCAN_MAX_SPEC);
	snprintf(buf, sizeof buf, "%s", text);
	p = trim(buf);
	err = *p ? parse_spec(&s, p, &t->opts) : ch_error_set(CH_ERR_PARSE, "empty target");
	if (err != CH_OK)
		return ch_error_prefix(err, "target '%s'", text);
	err = push_spec(t, &s);
	if (err != CH_OK)
		free(s.text);
	return err;
}

ch_err ch_scan_targets_add_file(ch_scan_targets *t, const char *path)
{
	char line[CH_SCAN_MAX_SPEC + 2];
	unsigned long lineno = 0;
	struct stat sb;
	spec s, fs = {0};
	ch_err err = CH_OK;
	FILE *f = fopen(path, "r");
	int rc;

	if (!f)
		return ch_error_set(CH_ERR_IO, "%s: %s", path, strerror(errno));
	while ((rc = read_line(f, line, sizeof line)) != -1) {
		char *p;
		lineno++;
		if (rc == -2) {
			err = ch_error_set(CH_ERR_LIMIT, "%s:%lu: line longer than %d bytes", path,
					   lineno, CH_SCAN_MAX_SPEC);
			goto out;
		}
		p = trim(line);
		if (!*p)
			continue;
		err = parse_spec(&s, p, &t->opts);
		free(s.text);
		if (err != CH_OK) {
			err = ch_error_prefix(err, "%s:%lu", path, lineno);
			goto out;
		}
		fs.count += s.count;
	}
	if (ferror(f) || fstat(fileno(f), &sb) != 0) {
		err = ch_error_set(CH_ERR_IO, "%s: %s", path, strerror(errno));
		goto out;
	}
	fs.kind = SP_FILE;
	fs.size = sb.st_size;
	fs.mtime = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
	fs.text = strdup(path);
	if (!fs.text) {
		err = ch_error_set(CH_ERR_NOMEM, "out of memory");
		goto out;
	}
	err = push_spec(t, &fs);
	if (err != CH_OK)
		free(fs.text);
out:
	fclose(f);
	return err;
}

ch_err ch_scan_targets_exclude(ch_scan_targets *t, const char *text)
{
	char buf[CH_SCAN_MAX_SPEC + 1], *p, *slash;
	excl e = {0};

	if (t->num_excls >= CH_SCAN_MAX_EXCLUDES)
		return ch_error_set(CH_ERR_LIMIT, "more than %d exclusions", CH_SCAN_MAX_EXCLUDES);
	if (strlen(text) > CH_SCAN_MAX_SPEC)
		return ch_error_set(CH_ERR_LIMIT, "exclusion longer than %d bytes", CH_SCAN_MAX_SPEC);
	snprintf(buf, sizeof buf, "%s", text);
	p = trim(buf);
	if (*p == '[') {
		char *c = strchr(p, ']');
		if (!c || (c[1] && c[1] != '/'))
			return ch_error_set(CH_ERR_PARSE, "exclusion '%s': bad brackets", text);
		memmove(c, c + 1, strlen(c + 1) + 1); /* "[a]/n" -> "[a/n" */
		p++;
	}
	slash = strchr(p, '/');
	if (slash)
		*slash = '\0';
	if (addr_parse(&e.addr, p)) {
		int bits = e.addr.family == AF_INET ? 32 : 128;
		char *end;
		e.prefix = bits;
		if (slash) {
			errno = 0;
			e.prefix = (int)strtol(slash + 1, &end, 10);
			if (errno || *end || end == slash + 1 || e.prefix < 0 || e.prefix > bits)
				return ch_error_set(CH_ERR_PARSE, "exclusion '%s': bad prefix", text);
		}
		addr_mask(&e.addr, e.prefix);
	} else {
		bool suffix = !strncmp(p, "*.", 2);
		if (slash || !name_ok(suffix ? p + 2 : p))
			return ch_error_set(CH_ERR_PARSE, "exclusion '%s' is not an address, range or "
					    "host name", text);
		e.name = strdup(suffix ? p + 1 : p);
		if (!e.name)
			return ch_error_set(CH_ERR_NOMEM, "out of memory");
	}
	if (t->num_excls == t->cap_excls) {
		size_t n = t->cap_excls ? t->cap_excls * 2 : 16;
		excl *q = realloc(t->excls, n * sizeof *q);
		if (!q) {
			free(e.name);
			return ch_error_set(CH_ERR_NOMEM, "out of memory");
		}
		t->excls = q;
		t->cap_excls = n;
	}
	t->excls[t->num_excls++] = e;
	return CH_OK;
}

ch_err ch_scan_targets_exclude_file(ch_scan_targets *t, const char *path)
{
	char line[CH_SCAN_MAX_SPEC + 2];
	unsigned long lineno = 0;
	ch_err err = CH_OK;
	FILE *f = fopen(path, "r");
	int rc;

	if (!f)
		return ch_error_set(CH_ERR_IO, "%s: %s", path, strerror(errno));
	while ((rc = read_line(f, line, sizeof line)) != -1) {
		char *p;
		lineno++;
		if (rc == -2) {
			err = ch_error_set(CH_ERR_LIMIT, "%s:%lu: line too long", path, lineno);
			break;
		}
		p = trim(line);
		if (!*p)
			continue;
		err = ch_scan_targets_exclude(t, p);
		if (err != CH_OK) {
			err = ch_error_prefix(err, "%s:%lu", path, lineno);
			break;
		}
	}
	fclose(f);
	return err;
}

ch_err ch_scan_targets_resolve(ch_scan_targets *t, const char *pin)
{
	char buf[CH_SCAN_MAX_SPEC + 1], *eq, *a;
	excl e = {0};

	if (strlen(pin) > CH_SCAN_MAX_SPEC || t->num_pins >= CH_SCAN_MAX_EXCLUDES)
		return ch_error_set(CH_ERR_LIMIT, "too many or too long --resolve pins");
	snprintf(buf, sizeof buf, "%s", pin);
	eq = strchr(buf, '=');
	if (!eq)
		return ch_error_set(CH_ERR_PARSE, "'%s': expected NAME=ADDRESS", pin);
	*eq = '\0';
	a = eq + 1;
	if (*a == '[' && a[strlen(a) - 1] == ']') {
		a[strlen(a) - 1] = '\0';
		a++;
	}
	if (!name_ok(buf) || !addr_parse(&e.addr, a))
		return ch_error_set(CH_ERR_PARSE, "'%s': expected NAME=ADDRESS", pin);
	if (t->num_pins == t->cap_pins) {
		size_t n = t->cap_pins ? t->cap_pins * 2 : 8;
		excl *q = realloc(t->pins, n * sizeof *q);
		if (!q)
			return ch_error_set(CH_ERR_NOMEM, "out of memory");
		t->pins = q;
		t->cap_pins = n;
	}
	e.name = strdup(buf);
	if (!e.name)
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	t->pins[t->num_pins++] = e;
	return CH_OK;
}

size_t ch_scan__pinned(const ch_scan_targets *t, const char *name, ch_scan__addr *out, size_t cap)
{
	size_t n = 0;

	for (size_t i = 0; i < t->num_pins && n < cap; i++)
		if (!strcasecmp(t->pins[i].name, name))
			out[n++] = t->pins[i].addr;
	return n;
}

bool ch_scan__excluded_addr(const ch_scan_targets *t, const ch_scan__addr *a)
{
	for (size_t i = 0; i < t->num_excls; i++)
		if (t->excls[i].addr.family && addr_in(a, &t->excls[i].addr, t->excls[i].prefix))
			return true;
	return false;
}

bool ch_scan__excluded_name(const ch_scan_targets *t, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < t->num_excls; i++) {
		const char *x = t->excls[i].name;
		size_t xl;
		if (!x)
			continue;
		xl = strlen(x);
		if (x[0] == '.') {
			if (n > xl && !strcasecmp(name + n - xl, x))
				return true;
		} else if (!strcasecmp(name, x)) {
			return true;
		}
	}
	return false;
}

ch_err ch_scan_targets_count(ch_scan_targets *t, uint64_t *out)
{
	uint64_t n = 0;

	for (size_t i = 0; i < t->num_specs; i++)
		n += t->specs[i].count;
	*out = n;
	return CH_OK;
}

ch_err ch_scan_targets_id(ch_scan_targets *t, char out[80], const ch_scan_opts *o)
{
	ch_buf b;
	ch_hash *h = NULL;
	uint8_t md[32];
	char hex[65];
	ch_err err;

	ch_buf_init(&b, 1u << 24);
	err = ch_buf_printf(&b, "v1 sni=%d def=%d tls=%d fam=%d all=%d ports", o->sni_probe,
			    o->also_default, (int)o->starttls, o->family, o->all_addrs);
	for (size_t i = 0; err == CH_OK && i < o->num_ports; i++)
		err = ch_buf_printf(&b, ",%u", o->ports[i]);
	for (size_t i = 0; err == CH_OK && i < t->num_specs; i++) {
		const spec *s = &t->specs[i];
		char a[INET6_ADDRSTRLEN];
		ch_scan__addr_text(a, sizeof a, &s->addr);
		err = ch_buf_printf(&b, "\n%d %s %s/%d %d %lld %lld", (int)s->kind,
				    s->text ? s->text : "", a, s->prefix, s->port, (long long)s->size,
				    (long long)s->mtime);
	}
	for (size_t i = 0; err == CH_OK && i < t->num_excls; i++) {
		char a[INET6_ADDRSTRLEN];
		ch_scan__addr_text(a, sizeof a, &t->excls[i].addr);
		err = ch_buf_printf(&b, "\nx %s %s/%d", t->excls[i].name ? t->excls[i].name : "", a,
				    t->excls[i].prefix);
	}
	for (size_t i = 0; err == CH_OK && i < t->num_pins; i++) {
		char a[INET6_ADDRSTRLEN];
		ch_scan__addr_text(a, sizeof a, &t->pins[i].addr);
		err = ch_buf_printf(&b, "\nr %s %s", t->pins[i].name, a);
	}
	if (err == CH_OK)
		err = ch_hash_new(&h);
	if (err == CH_OK)
		err = ch_hash_sha256(h, md, b.data, b.len);
	if (err == CH_OK) {
		ch_hex_encode(hex, md, 32);
		snprintf(out, 80, "scan:%s", hex);
	}
	ch_hash_free(h);
	ch_buf_free(&b);
	return err;
}

/* ---- iteration ---------------------------------------------------------------------------- */

ch_err ch_scan__iter_begin(ch_scan_targets *t)
{
	if (t->it_file)
		fclose(t->it_file);
	t->it_file = NULL;
	free(t->it_line.text);
	t->it_line.text = NULL;
	t->it_line_live = false;
	t->it_spec = 0;
	t->it_off = 0;
	t->it_index = 0;
	return CH_OK;
}

/* emit turns offset `off` of spec s into a target. */
static void emit(ch_scan_targets *t, const spec *s, uint64_t off, ch_scan__target *out,
		 bool *out_excluded)
{
	memset(out, 0, sizeof *out);
	out->index = t->it_index++;
	out->port = s->port;
	if (s->kind == SP_NAME) {
		snprintf(out->name, sizeof out->name, "%s", s->text);
		snprintf(out->text, sizeof out->text, "%s", s->text);
		*out_excluded = ch_scan__excluded_name(t, s->text);
		return;
	}
	addr_add(&out->addr, &s->addr, off);
	ch_scan__addr_text(out->text, sizeof out->text, &out->addr);
	*out_excluded = ch_scan__excluded_addr(t, &out->addr);
}

/* next_file_line loads the next target line of the open file into t->it_line; CH_ERR_EOF at
 * its end. Lines that no longer parse (the file changed) are skipped. */
static ch_err next_file_line(ch_scan_targets *t)
{
	char line[CH_SCAN_MAX_SPEC + 2];
	int rc;

	free(t->it_line.text);
	t->it_line.text = NULL;
	t->it_line_live = false;
	while ((rc = read_line(t->it_file, line, sizeof line)) != -1) {
		char *p;
		t->it_lineno++;
		if (rc == -2)
			continue;
		p = trim(line);
		if (!*p)
			continue;
		if (parse_spec(&t->it_line, p, &t->opts) != CH_OK) {
			free(t->it_line.text);
			t->it_line.text = NULL;
			continue;
		}
		t->it_line_live = true;
		t->it_off = 0;
		return CH_OK;
	}
	return ferror(t->it_file) ? ch_error_set(CH_ERR_IO, "reading a target file failed")
				  : CH_ERR_EOF;
}

ch_err ch_scan__iter_next(ch_scan_targets *t, ch_scan__target *out, bool *out_excluded)
{
	ch_err err;

	while (t->it_spec < t->num_specs) {
		spec *s = &t->specs[t->it_spec];
		if (s->kind != SP_FILE) {
			if (t->it_off < s->count) {
				emit(t, s, t->it_off++, out, out_excluded);
				return CH_OK;
			}
		} else {
			if (!t->it_file) {
				t->it_file = fopen(s->text, "r");
				t->it_lineno = 0;
				if (!t->it_file)
					return ch_error_set(CH_ERR_IO, "%s: %s", s->text,
							    strerror(errno));
			}
			for (;;) {
				if (t->it_line_live && t->it_off < t->it_line.count) {
					emit(t, &t->it_line, t->it_off++, out, out_excluded);
					return CH_OK;
				}
				err = next_file_line(t);
				if (err == CH_ERR_EOF)
					break;
				if (err != CH_OK)
					return err;
			}
			fclose(t->it_file);
			t->it_file = NULL;
		}
		t->it_spec++;
		t->it_off = 0;
	}
	return CH_ERR_EOF;
}
