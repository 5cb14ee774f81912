/* Name normal form, host-likeness and display form. Pure functions over caller buffers, no
 * handle: libidn2 is only called for labels that need it (non-ASCII input, "xn--" display). */
#include <certhound/names.h>

#include <arpa/inet.h>
#include <idn2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* put appends n bytes at out[*o]; false when CH_NAME_BUF (with the final NUL) would overflow. */
static bool put(char *out, size_t *o, const char *p, size_t n)
{
	if (*o + n >= CH_NAME_BUF)
		return false;
	memcpy(out + *o, p, n);
	*o += n;
	return true;
}

/* ipv6 writes the RFC 5952 form of an IPv6 literal; false when `in` is not one. */
static bool ipv6(char out[CH_NAME_BUF], const char *in, size_t len)
{
	char tmp[64];
	struct in6_addr a;

	if (len == 0 || len >= sizeof tmp || !memchr(in, ':', len) || memchr(in, '\0', len))
		return false;
	memcpy(tmp, in, len);
	tmp[len] = '\0';
	if (inet_pton(AF_INET6, tmp, &a) != 1)
		return false;
	return inet_ntop(AF_INET6, &a, out, CH_NAME_BUF) != NULL;
}

/* label_to_ascii converts one label holding non-ASCII bytes to its A-label. */
static ch_err label_to_ascii(char *out, size_t *o, const char *p, size_t n)
{
	char tmp[CH_NAME_BUF];
	char *a = NULL;
	int rc;
	ch_err err = CH_OK;

	if (n >= sizeof tmp)
		return CH_ERR_LIMIT;
	if (memchr(p, '\0', n))
		return CH_ERR_PARSE; /* NUL inside a Unicode label: no A-label exists */
	memcpy(tmp, p, n);
	tmp[n] = '\0';
	rc = idn2_to_ascii_8z(tmp, &a, IDN2_NFC_INPUT | IDN2_NONTRANSITIONAL);
	if (rc != IDN2_OK) {
		free(a);
		a = NULL;
		rc = idn2_to_ascii_8z(tmp, &a, IDN2_NFC_INPUT | IDN2_TRANSITIONAL);
	}
	if (rc != IDN2_OK)
		err = CH_ERR_PARSE;
	else if (!put(out, o, a, strlen(a)))
		err = CH_ERR_LIMIT;
	free(a);
	return err;
}

/* label_copy lower-cases an ASCII label and escapes NUL as "\0". */
static ch_err label_copy(char *out, size_t *o, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (c == '\0') {
			if (!put(out, o, "\\0", 2))
				return CH_ERR_LIMIT;
			continue;
		}
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (!put(out, o, &c, 1))
			return CH_ERR_LIMIT;
	}
	return CH_OK;
}

ch_err ch_name_normalize(char out[CH_NAME_BUF], const char *in, size_t in_len)
{
	size_t o = 0, start = 0;
	ch_err err = CH_OK;

	out[0] = '\0';
	if (in_len && in[in_len - 1] == '.')
		in_len--;
	if (in_len == 0)
		return CH_ERR_PARSE;
	if (ipv6(out, in, in_len))
		return CH_OK;
	while (start <= in_len) {
		const char *p = in + start;
		const char *dot = memchr(p, '.', in_len - start);
		size_t n = dot ? (size_t)(dot - p) : in_len - start;
		bool ascii = true;

		for (size_t i = 0; i < n; i++)
			ascii &= (unsigned char)p[i] < 0x80;
		err = ascii ? label_copy(out, &o, p, n) : label_to_ascii(out, &o, p, n);
		if (err)
			goto out;
		if (!dot)
			break;
		if (!put(out, &o, ".", 1)) {
			err = CH_ERR_LIMIT;
			goto out;
		}
		start += n + 1;
	}
out:
	out[err ? 0 : o] = '\0';
	/* Mapping Unicode labels can leave an IPv6 literal ("0::" and an ignored code point):
	 * it gets the same RFC 5952 form as when it was given in ASCII. */
	if (!err && strchr(out, ':')) {
		char tmp[CH_NAME_BUF];
		if (ipv6(tmp, out, o))
			memcpy(out, tmp, strlen(tmp) + 1);
	}
	return err;
}

static bool is_ipv4(const char *s)
{
	struct in_addr a;
	return inet_pton(AF_INET, s, &a) == 1;
}

ch_name_kind ch_name_classify(const char *norm)
{
	struct in6_addr a6;
	size_t total = 0, label = 0, nlabels = 0;
	bool alnum = false, digits_only = true, wildcard = false;
	const char *s = norm;

	if (!norm || !*norm)
		return CH_NAME_NOT_HOST;
	if (strchr(norm, ':'))
		return inet_pton(AF_INET6, norm, &a6) == 1 ? CH_NAME_IPV6 : CH_NAME_NOT_HOST;
	if (is_ipv4(norm))
		return CH_NAME_IPV4;
	if (s[0] == '*' && s[1] == '.') {
		wildcard = true;
		s += 2;
		total = 2;
	}
	for (;; s++) {
		char c = *s;
		if (c == '.' || c == '\0') {
			if (label == 0 || label > 63 || !alnum)
				return CH_NAME_NOT_HOST;
			nlabels++;
			if (c == '\0')
				break;
			total++;
			label = 0;
			alnum = false;
			digits_only = true;
			continue;
		}
		if (c == '\\') {
			if (s[1] != '0')
				return CH_NAME_NOT_HOST;
			s++; /* an escaped NUL counts as one byte of the label */
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
			alnum = true;
			digits_only = false;
		} else if (c >= '0' && c <= '9') {
			alnum = true;
		} else if (c == '-' || c == '_') {
			digits_only = false;
		} else {
			return CH_NAME_NOT_HOST;
		}
		label++;
		total++;
	}
	if (total > CH_NAME_MAX || digits_only)
		return CH_NAME_NOT_HOST;
	(void)nlabels;
	return wildcard ? CH_NAME_WILDCARD : CH_NAME_HOST;
}

bool ch_name_is_hostlike(const char *in, size_t in_len)
{
	char buf[CH_NAME_BUF];

	if (ch_name_normalize(buf, in, in_len) != CH_OK)
		return false;
	return ch_name_classify(buf) != CH_NAME_NOT_HOST;
}

bool ch_name_to_unicode(char out[CH_NAME_BUF], const char *norm)
{
	size_t o = 0;
	bool converted = false;
	const char *p = norm;

	for (;;) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		char *u = NULL;
		bool done = false;

		if (n > 4 && n < 64 && strncmp(p, "xn--", 4) == 0) {
			char tmp[64];
			memcpy(tmp, p, n);
			tmp[n] = '\0';
			if (idn2_to_unicode_8z8z(tmp, &u, 0) == IDN2_OK && u) {
				done = put(out, &o, u, strlen(u));
				converted |= done;
			}
			free(u);
		}
		if (!done && !put(out, &o, p, n))
			goto overflow;
		if (!dot)
			break;
		if (!put(out, &o, ".", 1))
			goto overflow;
		p = dot + 1;
	}
	out[o] = '\0';
	return converted;
overflow:
	snprintf(out, CH_NAME_BUF, "%s", norm);
	return false;
}
