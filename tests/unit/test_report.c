/* The report module: JSON escaping (checked by jansson), the record's contract fields, CSV
 * quoting, terminal safety of the table, and the stream API over a real FILE*. The record is
 * built by hand here so that every field has a known, hostile value; the end-to-end path with
 * real certificates is tests/sh/cli_parse.sh. */
#include <certhound/report.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

#define S(lit) {lit, sizeof(lit) - 1}

/* ---- JSON writer ---------------------------------------------------------------------------- */

static char *json_of_string(const char *s, size_t len, uint64_t *out_replaced)
{
	ch_buf b;
	ch_json j;
	char *res;

	ch_buf_init(&b, 1 << 20);
	ch_json_init(&j, &b, false);
	ch_json_str(&j, s, len);
	CHECK(ch_json_finish(&j) == CH_OK);
	res = strdup(b.data ? b.data : "");
	if (out_replaced)
		*out_replaced = j.replaced;
	ch_buf_free(&b);
	return res;
}

static void test_escaping(void)
{
	static const char in[] = "a\0b\x01\x1f\"\\\n\r\t\b\f\x7f/end";
	uint64_t rep = 99;
	char *out = json_of_string(in, sizeof in - 1, &rep);

	CHECK_STR(out, "\"a\\u0000b\\u0001\\u001f\\\"\\\\\\n\\r\\t\\b\\f\x7f/end\"");
	CHECK_INT(rep, 0);

	/* jansson (which rejects invalid UTF-8 and, without JSON_ALLOW_NUL, NUL) reads back the
	 * exact bytes. */
	json_error_t e;
	json_t *v = json_loads(out, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
	CHECK(v && json_is_string(v));
	if (v) {
		CHECK_INT(json_string_length(v), sizeof in - 1);
		CHECK(memcmp(json_string_value(v), in, sizeof in - 1) == 0);
		json_decref(v);
	}
	free(out);
}

static void test_utf8(void)
{
	/* Valid: ü (2 bytes), € (3), U+1F600 (4), U+10FFFF (max). */
	static const char good[] = "\xc3\xbc\xe2\x82\xac\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf";
	uint64_t rep = 99;
	char *out = json_of_string(good, sizeof good - 1, &rep);
	CHECK_INT(rep, 0);
	CHECK(strlen(out) == sizeof good - 1 + 2 && memcmp(out + 1, good, sizeof good - 1) == 0);
	free(out);

	/* Invalid, each byte of a malformed sequence replaced by U+FFFD:
	 * stray continuation, 0xff, overlong NUL (c0 80), surrogate (ed a0 80),
	 * above U+10FFFF (f4 90 80 80), truncated at the end (e2 82). */
	static const struct {
		const char *in;
		size_t len;
		const char *want;
		uint64_t replaced;
	} bad[] = {
		{"x\x80y", 3, "\"x\xef\xbf\xbdy\"", 1},
		{"\xff", 1, "\"\xef\xbf\xbd\"", 1},
		{"\xc0\x80", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\"", 2},
		{"\xed\xa0\x80", 3, "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", 3},
		{"\xf4\x90\x80\x80", 4,
		 "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"", 4},
		{"ok\xe2\x82", 4, "\"ok\xef\xbf\xbd\xef\xbf\xbd\"", 2},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		out = json_of_string(bad[i].in, bad[i].len, &rep);
		CHECK_STR(out, bad[i].want);
		CHECK_INT(rep, bad[i].replaced);
		json_error_t e;
		json_t *v = json_loads(out, JSON_DECODE_ANY, &e);
		CHECK(v != NULL); /* jansson accepts it: it is valid UTF-8 now */
		json_decref(v);
		free(out);
	}
}

static void test_structure(void)
{
	ch_buf b;
	ch_json j;

	ch_buf_init(&b, 1 << 16);
	ch_json_init(&j, &b, false);
	ch_json_obj_begin(&j);
	ch_json_key(&j, "a");
	ch_json_arr_begin(&j);
	ch_json_int(&j, -5);
	ch_json_uint(&j, 18446744073709551615ull);
	ch_json_bool(&j, true);
	ch_json_null(&j);
	ch_json_arr_end(&j);
	ch_json_key(&j, "e");
	ch_json_obj_begin(&j);
	ch_json_obj_end(&j);
	ch_json_key(&j, "h");
	ch_json_hex(&j, (const uint8_t *)"\x00\xab\xff", 3);
	ch_json_key(&j, "t");
	ch_json_time(&j, 1714564800);
	ch_json_obj_end(&j);
	CHECK(ch_json_finish(&j) == CH_OK);
	CHECK_STR(b.data, "{\"a\":[-5,18446744073709551615,true,null],\"e\":{},\"h\":\"00abff\","
			  "\"t\":\"2024-05-01T12:00:00Z\"}");

	/* Pretty output parses to the same document. */
	ch_buf_reset(&b);
	ch_json_init(&j, &b, true);
	ch_json_obj_begin(&j);
	ch_json_key(&j, "k");
	ch_json_arr_begin(&j);
	ch_json_cstr(&j, "v");
	ch_json_arr_end(&j);
	ch_json_key(&j, "empty");
	ch_json_arr_begin(&j);
	ch_json_arr_end(&j);
	ch_json_obj_end(&j);
	CHECK(ch_json_finish(&j) == CH_OK);
	CHECK_STR(b.data, "{\n  \"k\": [\n    \"v\"\n  ],\n  \"empty\": []\n}");

	/* Misuse sticks as an error instead of producing broken JSON. */
	ch_buf_reset(&b);
	ch_json_init(&j, &b, false);
	ch_json_obj_begin(&j);
	ch_json_cstr(&j, "value without key");
	CHECK(ch_json_finish(&j) == CH_ERR_INVALID);
	ch_buf_reset(&b);
	ch_json_init(&j, &b, false);
	ch_json_arr_begin(&j);
	CHECK(ch_json_finish(&j) == CH_ERR_INVALID); /* unbalanced */
	ch_buf_reset(&b);
	ch_json_init(&j, &b, false);
	for (int i = 0; i < CH_JSON_MAX_DEPTH + 1; i++)
		ch_json_arr_begin(&j);
	CHECK(ch_json_finish(&j) == CH_ERR_LIMIT);

	/* The buffer's hard maximum is honoured. */
	ch_buf small;
	ch_buf_init(&small, 8);
	ch_json_init(&j, &small, false);
	ch_json_cstr(&j, "this does not fit");
	CHECK(ch_json_finish(&j) == CH_ERR_LIMIT);
	CHECK(small.len <= 8);
	ch_buf_free(&small);
	ch_buf_free(&b);
}

/* ---- a hand-made certificate record --------------------------------------------------------- */

static ch_dn_attr subject_attrs[] = {
	{CH_ATTR_C, "2.5.4.6", "C", 19, S("GB"), 0},
	{CH_ATTR_O, "2.5.4.10", "O", 12, S("Shop, \"Quoted\" Ltd"), 1},
	{CH_ATTR_OU, "2.5.4.11", "OU", 12, S("Ops\nTeam"), 2},
	{CH_ATTR_OTHER, "2.5.4.5", "serialNumber", 19, S("12345"), 3},
	{CH_ATTR_OTHER, "1.2.3.4.5", NULL, 12, S("odd"), 3},
	{CH_ATTR_CN, "2.5.4.3", "CN", 12, S("a.com\0.evil.com"), 4},
};
static ch_dn_attr issuer_attrs[] = {
	{CH_ATTR_CN, "2.5.4.3", "CN", 12, S("Test \xe2\x80\xae CA \x1b[31m"), 0},
};
static ch_str san_dns[] = {S("www.example.com"), S("a.com\0.evil.com"), S("bad\xff.example")};
static ch_str san_ip[] = {S("192.0.2.1"), S("2001:db8::1")};
static ch_str san_email[] = {S("a@example.com")};
static ch_str san_uri[] = {S("https://example.com/a,b")};
static ch_str names[] = {S("www.example.com"), S("a.com\0.evil.com"), S("x;y.example")};
static ch_str domains[] = {S("example.com"), S("evil.com")};
static ch_str unicode[] = {S("m\xc3\xbcnchen.example")};
static const char *ekus[] = {"serverAuth", "1.2.3"};
static ch_str ocsp[] = {S("http://ocsp.example/")};
static const char *policies[] = {"2.23.140.1.2.2"};
static ch_sct scts[1];
static ch_ext exts[] = {{.oid = {NULL, 0}, .oid_text = "2.5.29.17", .known = true, .recognised = true}};

static void make_cert(ch_cert *c)
{
	memset(c, 0, sizeof *c);
	for (int i = 0; i < 32; i++) {
		c->sha256[i] = (uint8_t)i;
		c->spki_sha256[i] = (uint8_t)(0xff - i);
		c->tbs_sha256[i] = 0x11;
	}
	for (int i = 0; i < 20; i++)
		c->sha1[i] = (uint8_t)(0xa0 + i);
	c->version = 3;
	c->serial_hex = "-1f";
	c->sig_alg = "sha256WithRSAEncryption";
	c->subject = (ch_dn){{NULL, 0}, subject_attrs, 6,
			     "CN=a.com\\00.evil.com,1.2.3.4.5=odd,serialNumber=12345,OU=Ops\nTeam,"
			     "O=Shop\\, \\\"Quoted\\\" Ltd,C=GB"};
	c->issuer = (ch_dn){{NULL, 0}, issuer_attrs, 1, "CN=Test \xe2\x80\xae CA \x1b[31m"};
	c->not_before = -86400;        /* 1969-12-31 */
	c->not_after = 2524608000;     /* 2050-01-01 */
	c->key = (ch_key){CH_KEY_EC, 256, "prime256v1", "id-ecPublicKey", {NULL, 0}};
	c->san = (ch_san){san_dns, 3, san_ip, 2, san_email, 1, san_uri, 1, NULL, 0};
	c->is_ca = false;
	c->path_len = -1;
	c->has_key_usage = true;
	c->key_usage = CH_KU_DIGITAL_SIGNATURE | CH_KU_KEY_ENCIPHERMENT;
	c->eku = ekus;
	c->num_eku = 2;
	c->ocsp = ocsp;
	c->num_ocsp = 1;
	c->policies = policies;
	c->num_policies = 1;
	c->validation = CH_VALIDATION_OV;
	memset(scts[0].log_id, 0xee, 32);
	scts[0].timestamp_ms = 1714564800123ull;
	c->scts = scts;
	c->num_scts = 1;
	c->exts = exts;
	c->num_exts = 1;
	c->self_signed = true;
	c->precert = true;
	c->anomalies = CH_ANOM_NUL_IN_NAME | CH_ANOM_NEGATIVE_SERIAL;
	strcpy(c->ja4x, "a373a9f83c6b_2bab15409345_7bf9f1134a8c");
}

static const ch_report_names the_names = {names, 3, domains, 2, unicode, 1};
static const ch_report_source the_src = {"certs/x.pem", 2, 17, 1234};

static void check_str_array(json_t *arr, const char *what, size_t n)
{
	CHECK(json_is_array(arr));
	if (!json_is_array(arr)) {
		fprintf(stderr, "  field %s is not an array\n", what);
		return;
	}
	CHECK_INT(json_array_size(arr), n);
	for (size_t i = 0; i < json_array_size(arr); i++)
		CHECK(json_is_string(json_array_get(arr, i)));
}

static void check_dn(json_t *dn)
{
	CHECK(json_is_object(dn));
	CHECK(json_is_string(json_object_get(dn, "dn")));
	static const char *keys[] = {"cn", "o", "ou", "c", "st", "l", "email", "other"};
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		CHECK(json_is_array(json_object_get(dn, keys[i])));
}

static void test_record_json(void)
{
	ch_cert c;
	ch_buf b;
	json_error_t e;

	make_cert(&c);
	ch_buf_init(&b, 1 << 20);
	CHECK(ch_report_cert_json(&b, &c, &the_names, &the_src, false) == CH_OK);
	CHECK(strchr(b.data, '\n') == NULL); /* compact: one line */
	json_t *o = json_loads(b.data, JSON_ALLOW_NUL, &e);
	CHECK(o != NULL);
	if (!o) {
		fprintf(stderr, "jansson: %s at %d: %s\n", e.text, e.position, b.data);
		ch_buf_free(&b);
		return;
	}
	/* Every contract field, with its type. */
	CHECK_STR(json_string_value(json_object_get(o, "sha256")),
		  "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f");
	CHECK_STR(json_string_value(json_object_get(o, "sha1")),
		  "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3");
	CHECK_STR(json_string_value(json_object_get(o, "serial")), "-1f");
	CHECK_INT(json_integer_value(json_object_get(o, "version")), 3);
	check_dn(json_object_get(o, "subject"));
	check_dn(json_object_get(o, "issuer"));
	CHECK_STR(json_string_value(json_object_get(o, "not_before")), "1969-12-31T00:00:00Z");
	CHECK_STR(json_string_value(json_object_get(o, "not_after")), "2050-01-01T00:00:00Z");
	json_t *san = json_object_get(o, "san");
	check_str_array(json_object_get(san, "dns"), "san.dns", 3);
	check_str_array(json_object_get(san, "ip"), "san.ip", 2);
	check_str_array(json_object_get(san, "email"), "san.email", 1);
	check_str_array(json_object_get(san, "uri"), "san.uri", 1);
	json_t *key = json_object_get(o, "key");
	CHECK_STR(json_string_value(json_object_get(key, "type")), "ec");
	CHECK_INT(json_integer_value(json_object_get(key, "bits")), 256);
	CHECK_STR(json_string_value(json_object_get(key, "curve")), "prime256v1");
	CHECK_STR(json_string_value(json_object_get(o, "spki_sha256")),
		  "fffefdfcfbfaf9f8f7f6f5f4f3f2f1f0efeeedecebeae9e8e7e6e5e4e3e2e1e0");
	CHECK_STR(json_string_value(json_object_get(o, "sig_alg")), "sha256WithRSAEncryption");
	CHECK_STR(json_string_value(json_object_get(o, "ja4x")),
		  "a373a9f83c6b_2bab15409345_7bf9f1134a8c");
	CHECK(json_is_false(json_object_get(o, "is_ca")));
	CHECK(json_is_true(json_object_get(o, "self_signed")));
	CHECK(json_is_true(json_object_get(o, "precert")));
	check_str_array(json_object_get(o, "names"), "names", 3);
	check_str_array(json_object_get(o, "registered_domains"), "registered_domains", 2);
	json_t *an = json_object_get(o, "anomalies");
	check_str_array(an, "anomalies", 2);

	/* Values survive exactly: the NUL inside a name, the DN attribute arrays, `other`. */
	json_t *n1 = json_array_get(json_object_get(o, "names"), 1);
	CHECK_INT(json_string_length(n1), 15);
	CHECK(memcmp(json_string_value(n1), "a.com\0.evil.com", 15) == 0);
	json_t *subj = json_object_get(o, "subject");
	CHECK_STR(json_string_value(json_array_get(json_object_get(subj, "o"), 0)),
		  "Shop, \"Quoted\" Ltd");
	CHECK_STR(json_string_value(json_array_get(json_object_get(subj, "ou"), 0)), "Ops\nTeam");
	json_t *other = json_object_get(subj, "other");
	CHECK_INT(json_array_size(other), 2);
	CHECK_STR(json_string_value(json_object_get(json_array_get(other, 0), "oid")), "2.5.4.5");
	CHECK_STR(json_string_value(json_object_get(json_array_get(other, 1), "value")), "odd");
	/* The invalid UTF-8 SAN came out replaced, still three entries. */
	CHECK_STR(json_string_value(json_array_get(json_object_get(san, "dns"), 2)),
		  "bad\xef\xbf\xbd.example");

	/* Extras. */
	CHECK_STR(json_string_value(json_array_get(json_object_get(o, "key_usage"), 1)),
		  "keyEncipherment");
	CHECK_STR(json_string_value(json_array_get(json_object_get(o, "eku"), 0)), "serverAuth");
	CHECK_STR(json_string_value(json_object_get(o, "validation")), "ov");
	CHECK(json_is_null(json_object_get(o, "path_len")));
	json_t *sct = json_array_get(json_object_get(o, "scts"), 0);
	CHECK_STR(json_string_value(json_object_get(sct, "timestamp")), "2024-05-01T12:00:00.123Z");
	CHECK_STR(json_string_value(json_object_get(sct, "log_id")),
		  "7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u7u4=");
	CHECK_STR(json_string_value(json_array_get(json_object_get(o, "names_unicode"), 0)),
		  "m\xc3\xbcnchen.example");
	json_t *src = json_object_get(o, "source");
	CHECK_STR(json_string_value(json_object_get(src, "file")), "certs/x.pem");
	CHECK_INT(json_integer_value(json_object_get(src, "line")), 17);
	json_decref(o);

	/* Without names or source: the arrays are still there, empty; no `source`. */
	ch_buf_reset(&b);
	CHECK(ch_report_cert_json(&b, &c, NULL, NULL, true) == CH_OK);
	o = json_loads(b.data, JSON_ALLOW_NUL, &e);
	CHECK(o != NULL);
	check_str_array(json_object_get(o, "names"), "names", 0);
	check_str_array(json_object_get(o, "registered_domains"), "registered_domains", 0);
	CHECK(json_object_get(o, "source") == NULL);
	json_decref(o);
	ch_buf_free(&b);
}

/* ---- the stream API over a FILE* ------------------------------------------------------------ */

static char *run_report(ch_report_format fmt, unsigned flags, int n, size_t *out_len)
{
	ch_cert c;
	ch_report *r = NULL;
	FILE *f = tmpfile();
	char *text = NULL;
	long sz;

	make_cert(&c);
	CHECK(f != NULL);
	if (!f)
		return NULL;
	CHECK(ch_report_open(&r, fmt, f, flags) == CH_OK);
	for (int i = 0; i < n && r; i++)
		CHECK(ch_report_cert(r, &c, &the_names, &the_src) == CH_OK);
	if (r)
		CHECK_INT(ch_report_count(r), n);
	CHECK(ch_report_close(r) == CH_OK);
	sz = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)sz + 1);
	CHECK(fread(text, 1, (size_t)sz, f) == (size_t)sz);
	fclose(f);
	*out_len = (size_t)sz;
	return text;
}

static void test_ndjson_and_json_streams(void)
{
	size_t len;
	char *t = run_report(CH_REPORT_NDJSON, 0, 3, &len);
	json_error_t e;
	size_t lines = 0;

	for (char *p = t; p && *p;) {
		char *nl = memchr(p, '\n', len - (size_t)(p - t));
		CHECK(nl != NULL);
		if (!nl)
			break;
		json_t *o = json_loadb(p, (size_t)(nl - p), JSON_ALLOW_NUL, &e);
		CHECK(json_is_object(o));
		json_decref(o);
		lines++;
		p = nl + 1;
	}
	CHECK_INT(lines, 3);
	free(t);

	/* json: indented objects one after another, each a complete document. */
	t = run_report(CH_REPORT_JSON, 0, 2, &len);
	size_t off = 0, docs = 0;
	while (off < len) {
		json_t *o = json_loadb(t + off, len - off, JSON_ALLOW_NUL | JSON_DISABLE_EOF_CHECK, &e);
		CHECK(json_is_object(o));
		if (!o)
			break;
		json_decref(o);
		off += e.position;
		while (off < len && (t[off] == '\n' || t[off] == ' '))
			off++;
		docs++;
	}
	CHECK_INT(docs, 2);
	CHECK(t && t[0] == '{' && strstr(t, "\n  \"sha256\": ") != NULL);
	free(t);
}

/* A minimal RFC 4180 reader: splits one record (ending in CRLF) into fields. */
static size_t csv_split(const char *p, char fields[][512], size_t max, const char **out_end)
{
	size_t n = 0;

	for (;;) {
		size_t k = 0;
		if (*p == '"') {
			p++;
			for (;;) {
				if (*p == '"' && p[1] == '"') {
					fields[n][k++] = '"';
					p += 2;
				} else if (*p == '"') {
					p++;
					break;
				} else if (*p == '\0') {
					break;
				} else {
					fields[n][k++] = *p++;
				}
			}
		} else {
			while (*p && *p != ',' && *p != '\r' && *p != '\n')
				fields[n][k++] = *p++;
		}
		fields[n][k] = '\0';
		if (n + 1 < max)
			n++;
		if (*p == ',') {
			p++;
			continue;
		}
		break;
	}
	if (p[0] == '\r' && p[1] == '\n')
		p += 2;
	*out_end = p;
	return n;
}

static int col(char hdr[][512], size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(hdr[i], name) == 0)
			return (int)i;
	fprintf(stderr, "no CSV column %s\n", name);
	return 0;
}

static void test_csv(void)
{
	size_t len;
	char *t = run_report(CH_REPORT_CSV, 0, 2, &len);
	static char hdr[64][512], row[64][512];
	const char *p = t, *end;

	size_t nh = csv_split(p, hdr, 64, &end);
	CHECK_STR(hdr[0], "sha256");
	CHECK(nh >= 30);
	p = end;
	size_t nr = csv_split(p, row, 64, &end);
	CHECK_INT(nr, nh);
	/* Quoting: comma and quotes in O, the newline in OU escaped, NUL escaped, lists joined. */
	CHECK_STR(row[col(hdr, nh, "subject_o")], "Shop, \"Quoted\" Ltd");
	CHECK_STR(row[col(hdr, nh, "subject_ou")], "Ops\\x0aTeam");
	CHECK_STR(row[col(hdr, nh, "subject_cn")], "a.com\\x00.evil.com");
	CHECK_STR(row[col(hdr, nh, "names")], "www.example.com;a.com\\x00.evil.com;x\\x3by.example");
	CHECK_STR(row[col(hdr, nh, "san_uri")], "https://example.com/a,b");
	CHECK_STR(row[col(hdr, nh, "san_dns")], "www.example.com;a.com\\x00.evil.com;bad\\xff.example");
	CHECK_STR(row[col(hdr, nh, "issuer_cn")], "Test \\u{202e} CA \\x1b[31m");
	CHECK_STR(row[col(hdr, nh, "is_ca")], "false");
	CHECK_STR(row[col(hdr, nh, "precert")], "true");
	CHECK_STR(row[col(hdr, nh, "anomalies")], "nul_in_name;negative_serial");
	CHECK_STR(row[col(hdr, nh, "not_before")], "1969-12-31T00:00:00Z");
	CHECK_STR(row[col(hdr, nh, "file")], "certs/x.pem");
	CHECK_STR(row[col(hdr, nh, "index")], "2");
	p = end;
	CHECK_INT(csv_split(p, row, 64, &end), nh);
	CHECK(*end == '\0');
	/* Raw control bytes never reach the output; every line ends in CRLF. */
	for (size_t i = 0; i < len; i++)
		CHECK((unsigned char)t[i] >= 0x20 || t[i] == '\r' || t[i] == '\n');
	free(t);

	t = run_report(CH_REPORT_CSV, CH_REPORT_NO_HEADER, 1, &len);
	CHECK(t && strncmp(t, "0001020304", 10) == 0);
	free(t);

	/* The field helper alone. */
	ch_buf b;
	ch_buf_init(&b, 1024);
	CHECK(ch_report_csv_field(&b, "plain", 5) == CH_OK);
	CHECK(ch_buf_putc(&b, ',') == CH_OK);
	CHECK(ch_report_csv_field(&b, "a\"b", 3) == CH_OK);
	CHECK(ch_buf_putc(&b, ',') == CH_OK);
	CHECK(ch_report_csv_field(&b, "", 0) == CH_OK);
	CHECK_STR(b.data, "plain,\"a\"\"b\",");
	ch_buf_free(&b);
}

static void test_table(void)
{
	size_t len;
	char *t = run_report(CH_REPORT_TABLE, 0, 2, &len);

	CHECK(t != NULL);
	if (!t)
		return;
	/* Terminal safety: no ESC, no raw NUL, the bidi override shown as an escape. */
	CHECK(memchr(t, 0x1b, len) == NULL);
	CHECK(strlen(t) == len);
	CHECK(strstr(t, "\xe2\x80\xae") == NULL);
	CHECK(strstr(t, "Test \\u{202e} CA \\x1b[31m") != NULL);
	CHECK(strstr(t, "a.com\\x00.evil.com") != NULL);
	CHECK(strstr(t, "\nsha256       000102030405") != NULL);
	CHECK(strstr(t, "certificate  certs/x.pem #3 (line 17)\n") != NULL);
	CHECK(strstr(t, "anomalies    nul_in_name, negative_serial\n") != NULL);
	CHECK(strstr(t, "key          ec 256 prime256v1\n") != NULL);
	CHECK(strstr(t, "\n\ncertificate") != NULL); /* blank line between records */
	free(t);

	t = run_report(CH_REPORT_TABLE, CH_REPORT_COMPACT, 2, &len);
	CHECK_STR(t, "0001020304050607  2050-01-01  ec256       a.com\\x00.evil.com  (+2 names)\n"
		     "0001020304050607  2050-01-01  ec256       a.com\\x00.evil.com  (+2 names)\n");
	free(t);
}

/* Names derived through the names module when the caller passes none. */
static void test_namer(void)
{
	ch_cert c;
	ch_report_namer *n = NULL;
	const ch_report_names *nm = NULL;

	make_cert(&c);
	CHECK(ch_report_namer_new(&n) == CH_OK);
	if (!n)
		return;
	CHECK(ch_report_namer_get(n, &nm, &c) == CH_OK);
	if (nm) {
		CHECK(nm->num_names >= 2);
		CHECK_STR(nm->names[0].s, "www.example.com");
		/* The NUL name is kept whole, in the names module's escaped form. */
		CHECK_STR(nm->names[1].s, "a.com\\0.evil.com");
		CHECK(nm->num_domains >= 1);
		CHECK_STR(nm->domains[0].s, "example.com");
	}
	ch_report_namer_free(n);

	/* ch_report_cert with names == NULL prints the derived names. */
	FILE *f = tmpfile();
	ch_report *r = NULL;
	char line[65536];
	CHECK(ch_report_open(&r, CH_REPORT_NDJSON, f, 0) == CH_OK);
	CHECK(ch_report_cert(r, &c, NULL, NULL) == CH_OK);
	CHECK(ch_report_close(r) == CH_OK);
	rewind(f);
	CHECK(fgets(line, sizeof line, f) != NULL);
	CHECK(strstr(line, "\"names\":[\"www.example.com\",\"a.com\\\\0.evil.com\"") != NULL);
	CHECK(strstr(line, "\"registered_domains\":[\"example.com\"") != NULL);
	fclose(f);
}

static void test_formats(void)
{
	ch_report_format f;

	CHECK(ch_report_format_parse(&f, "csv") == CH_OK && f == CH_REPORT_CSV);
	CHECK(ch_report_format_parse(&f, "ndjson") == CH_OK && f == CH_REPORT_NDJSON);
	CHECK(ch_report_format_parse(&f, "xml") == CH_ERR_INVALID);
	CHECK(strstr(ch_error_last(), "xml") != NULL);
	CHECK_STR(ch_report_format_name(CH_REPORT_TABLE), "table");
	/* A file is not a terminal: the default is ndjson. */
	FILE *tf = tmpfile();
	CHECK(ch_report_format_default(tf) == CH_REPORT_NDJSON);
	fclose(tf);
}

int main(void)
{
	test_escaping();
	test_utf8();
	test_structure();
	test_record_json();
	test_ndjson_and_json_streams();
	test_csv();
	test_table();
	test_namer();
	test_formats();
	return ch_test_done("report");
}
