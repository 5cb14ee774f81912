/* Golden cases for the X.509 decoder: tests/golden/x509/<case>.der (or .pem) beside
 * <case>.expected.json, written by hand from what the bytes say (tests/golden/x509/src/ holds
 * the genconf files and the script that rebuilds the inputs).
 *
 * An expected file is either a rejection — {"error": "parse", "offset": N}: ch_cert_parse must
 * fail with that error and its message must name byte offset N — or a subset of the certificate
 * record (CONTRACT.md, as ch_report_cert_json prints it): every key it lists must be in the
 * record with the same value (objects compared key by key, arrays element by element and whole,
 * `anomalies` as a set, so a missing or an extra anomaly fails). Every case must say why it
 * exists ("_why"); `names`, `registered_domains` and `names_unicode` come from the names module
 * through the report's namer, as `certhound parse` prints them. An input without an expected file, or the reverse, fails; and every anomaly
 * code the decoder has must be exercised by at least one case. */
#include <certhound/report.h>
#include <certhound/x509.h>

#include <dirent.h>
#include <jansson.h>
#include <stdlib.h>

#include "testlib.h"

#define MAX_CASES 512

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_json_str(const void *a, const void *b)
{
	const char *x = json_string_value(*(json_t *const *)a);
	const char *y = json_string_value(*(json_t *const *)b);
	return strcmp(x ? x : "", y ? y : "");
}

static void show(const char *c, const char *path, const json_t *want, const json_t *got)
{
	char *w = want ? json_dumps(want, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
	char *g = got ? json_dumps(got, JSON_ENCODE_ANY | JSON_COMPACT) : NULL;
	fprintf(stderr, "%s: %s\n  expected: %s\n  got:      %s\n", c, path, w ? w : "(missing)",
		g ? g : "(missing)");
	free(w);
	free(g);
}

/* match reports whether `got` satisfies `want` (see the file comment), printing each mismatch. */
static bool match(const char *c, const char *path, const json_t *want, const json_t *got)
{
	char sub[512];
	bool ok = true;

	if (!got || json_typeof(want) != json_typeof(got)) {
		if (!(json_is_number(want) && json_is_number(got) &&
		      json_number_value(want) == json_number_value(got))) {
			show(c, path, want, got);
			return false;
		}
		return true;
	}
	if (json_is_object(want)) {
		const char *k;
		json_t *v;
		json_object_foreach((json_t *)want, k, v)
		{
			snprintf(sub, sizeof sub, "%s.%s", path, k);
			ok &= match(c, sub, v, json_object_get(got, k));
		}
		return ok;
	}
	if (json_is_array(want)) {
		if (json_array_size(want) != json_array_size(got)) {
			show(c, path, want, got);
			return false;
		}
		for (size_t i = 0; i < json_array_size(want); i++) {
			snprintf(sub, sizeof sub, "%s[%zu]", path, i);
			ok &= match(c, sub, json_array_get(want, i), json_array_get(got, i));
		}
		return ok;
	}
	if (!json_equal((json_t *)want, (json_t *)got)) {
		show(c, path, want, got);
		return false;
	}
	return true;
}

/* sorted_copy returns a new array of the strings of `a`, sorted. */
static json_t *sorted_copy(const json_t *a)
{
	size_t n = json_array_size(a);
	json_t **v = calloc(n ? n : 1, sizeof *v), *out = json_array();

	for (size_t i = 0; i < n; i++)
		v[i] = json_array_get(a, i);
	qsort(v, n, sizeof *v, cmp_json_str);
	for (size_t i = 0; i < n; i++)
		json_array_append(out, v[i]);
	free(v);
	return out;
}

/* der_of returns the certificate bytes of a case input: a .der file as is, or the first
 * CERTIFICATE block of a .pem. */
static uint8_t *der_of(const char *path, size_t *out_len)
{
	size_t n;
	uint8_t *buf = ch_test_read_file(path, &n), *der;
	const char *b, *e;
	long k;

	if (!buf || !strstr(path, ".pem")) {
		*out_len = n;
		return buf;
	}
	b = strstr((char *)buf, "-----BEGIN CERTIFICATE-----");
	e = b ? strstr(b, "-----END CERTIFICATE-----") : NULL;
	der = malloc(n + 1);
	k = (b && e && der) ? ch_base64_decode(der, n, b + 27, (size_t)(e - b - 27)) : -1;
	free(buf);
	if (k < 0) {
		free(der);
		return NULL;
	}
	*out_len = (size_t)k;
	return der;
}

/* offset_named: the message says "offset N" with exactly this N. */
static bool offset_named(const char *msg, long long want)
{
	for (const char *p = msg; (p = strstr(p, "offset ")) != NULL; p += 7) {
		char *end;
		long long v = strtoll(p + 7, &end, 10);
		if (end != p + 7 && v == want)
			return true;
	}
	return false;
}

static void run_case(ch_cert *cert, ch_report_namer *namer, const char *dir, const char *name,
		     json_t *covered)
{
	char path[8400];
	json_error_t jerr;
	json_t *want, *got = NULL;
	uint8_t *der = NULL;
	size_t len = 0;
	ch_err err;
	ch_buf out;

	ch_buf_init(&out, 1u << 26);
	snprintf(path, sizeof path, "%s/%s.expected.json", dir, name);
	want = json_load_file(path, JSON_ALLOW_NUL, &jerr);
	CHECK(want != NULL);
	if (!want) {
		fprintf(stderr, "%s: %s line %d\n", path, jerr.text, jerr.line);
		goto done;
	}
	if (!json_is_string(json_object_get(want, "_why"))) {
		fprintf(stderr, "%s: unexplained golden case (no \"_why\")\n", name);
		ch_test_failures++;
	}
	snprintf(path, sizeof path, "%s/%s.der", dir, name);
	der = der_of(path, &len);
	if (!der) {
		snprintf(path, sizeof path, "%s/%s.pem", dir, name);
		der = der_of(path, &len);
	}
	CHECK(der != NULL);
	if (!der) {
		fprintf(stderr, "%s: no input (.der or .pem)\n", name);
		goto done;
	}
	err = ch_cert_parse(cert, len ? der : (const uint8_t *)"", len, CH_PARSE_ALL);
	if (json_object_get(want, "error")) {
		const char *code = json_string_value(json_object_get(want, "error"));
		long long off = json_integer_value(json_object_get(want, "offset"));
		if (err == CH_OK) {
			fprintf(stderr, "%s: accepted, expected a %s error at offset %lld\n", name, code, off);
			ch_test_failures++;
		} else {
			CHECK_STR(ch_err_name(err), code);
			if (!offset_named(ch_error_last(), off)) {
				fprintf(stderr, "%s: error \"%s\" does not name offset %lld\n", name,
					ch_error_last(), off);
				ch_test_failures++;
			}
		}
		ch_test_checks++;
		goto done;
	}
	if (err != CH_OK) {
		fprintf(stderr, "%s: rejected: %s\n", name, ch_error_last());
		ch_test_failures++;
		goto done;
	}
	const ch_report_names *names = NULL;
	CHECK(ch_report_namer_get(namer, &names, cert) == CH_OK);
	CHECK(ch_report_cert_json(&out, cert, names, NULL, false) == CH_OK);
	got = json_loadb(out.data ? out.data : "", out.len, JSON_ALLOW_NUL, &jerr);
	CHECK(got != NULL);
	if (!got)
		goto done;
	const char *key;
	json_t *v;
	json_object_foreach(want, key, v)
	{
		if (key[0] == '_')
			continue;
		ch_test_checks++;
		if (strcmp(key, "anomalies") == 0) {
			json_t *a = sorted_copy(v), *b = sorted_copy(json_object_get(got, key));
			if (!match(name, key, a, b))
				ch_test_failures++;
			size_t i;
			json_t *s;
			json_array_foreach(v, i, s) json_object_set(covered, json_string_value(s), s);
			json_decref(a);
			json_decref(b);
		} else if (!match(name, key, v, json_object_get(got, key))) {
			ch_test_failures++;
		}
	}
done:
	json_decref(want);
	json_decref(got);
	free(der);
	ch_buf_free(&out);
}

int main(void)
{
	char dir[4096];
	DIR *d;
	struct dirent *e;
	char *names[MAX_CASES];
	size_t num = 0, inputs = 0;
	ch_cert *cert;
	ch_report_namer *namer;
	json_t *covered = json_object();

	snprintf(dir, sizeof dir, "%s/tests/golden/x509", ch_test_source_dir());
	d = opendir(dir);
	CHECK(d != NULL);
	if (!d)
		return ch_test_done("golden_x509");
	/* Every input needs an expected file and every expected file an input (checked in run_case). */
	while ((e = readdir(d)) != NULL) {
		size_t n = strlen(e->d_name);
		const char *suffix = ".expected.json";
		if (n > strlen(suffix) && strcmp(e->d_name + n - strlen(suffix), suffix) == 0) {
			if (num < MAX_CASES)
				names[num++] = strndup(e->d_name, n - strlen(suffix));
		} else if (n > 4 && (!strcmp(e->d_name + n - 4, ".der") || !strcmp(e->d_name + n - 4, ".pem"))) {
			char exp[8400];
			FILE *f;
			inputs++;
			snprintf(exp, sizeof exp, "%s/%.*s.expected.json", dir, (int)(n - 4), e->d_name);
			if (!(f = fopen(exp, "r"))) {
				fprintf(stderr, "%s: unexplained golden case (no .expected.json)\n", e->d_name);
				ch_test_failures++;
			} else {
				fclose(f);
			}
		}
	}
	closedir(d);
	qsort(names, num, sizeof *names, cmp_str);
	CHECK(num >= 30);
	CHECK_INT(inputs, num);
	if (ch_cert_new(&cert) != CH_OK || ch_report_namer_new(&namer) != CH_OK) {
		fprintf(stderr, "setup: %s\n", ch_error_last());
		return 1;
	}
	for (size_t i = 0; i < num; i++) {
		int before = ch_test_failures;
		run_case(cert, namer, dir, names[i], covered);
		printf("%-32s %s\n", names[i], ch_test_failures == before ? "ok" : "FAILED");
		free(names[i]);
	}
	for (unsigned bit = 0; bit < CH_ANOM_COUNT; bit++) {
		const char *code = ch_anomaly_name(1u << bit);
		ch_test_checks++;
		if (!code || !json_object_get(covered, code)) {
			fprintf(stderr, "no golden case exercises anomaly %s\n", code ? code : "(unnamed)");
			ch_test_failures++;
		}
	}
	ch_cert_free(cert);
	ch_report_namer_free(namer);
	json_decref(covered);
	return ch_test_done("golden_x509");
}
