/* Fuzz the output face: arbitrary bytes as a JSON string and as terminal/CSV text, and, when
 * the input decodes as a certificate, its record in every format. Checks what users rely on:
 * JSON output always parses (jansson, which rejects invalid UTF-8) and gives back the input
 * string when the input was valid UTF-8; table and CSV output never carry control bytes. */
#include <certhound/report.h>
#include <certhound/x509.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static void die(const char *why)
{
	fprintf(stderr, "fuzz_report: %s\n", why);
	abort();
}

static void check_json(const char *text, size_t len)
{
	json_error_t e;
	json_t *v = json_loadb(text, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
	if (!v) {
		fprintf(stderr, "jansson: %s at %d\n", e.text, e.position);
		die("JSON output does not parse");
	}
	json_decref(v);
}

static void check_no_controls(const char *text, size_t len, bool allow_crlf)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)text[i];
		if (c == '\n' || (allow_crlf && c == '\r'))
			continue;
		if (c < 0x20 || c == 0x7f)
			die("control byte in human/CSV output");
	}
}

static void fuzz_strings(const uint8_t *data, size_t size)
{
	ch_buf b;
	ch_json j;

	ch_buf_init(&b, 64 * size + 64);
	ch_json_init(&j, &b, false);
	ch_json_str(&j, (const char *)data, size);
	if (ch_json_finish(&j) != CH_OK)
		die("ch_json_str failed");
	check_json(b.data, b.len);
	if (j.replaced == 0) { /* valid UTF-8 in, the same bytes back */
		json_t *v = json_loadb(b.data, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
		if (!v || json_string_length(v) != size ||
		    (size && memcmp(json_string_value(v), data, size) != 0))
			die("JSON string does not round-trip");
		json_decref(v);
	}
	ch_buf_reset(&b);
	if (ch_report_text_safe(&b, (const char *)data, size, ";") != CH_OK)
		die("text_safe failed");
	check_no_controls(b.data ? b.data : "", b.len, false);
	ch_buf_reset(&b);
	if (ch_report_csv_field(&b, (const char *)data, size) != CH_OK)
		die("csv_field failed");
	check_no_controls(b.data ? b.data : "", b.len, false);
	ch_buf_free(&b);
}

static void fuzz_cert(const uint8_t *data, size_t size)
{
	static ch_cert *cert;
	static ch_report_namer *namer;
	const ch_report_names *nm = NULL;
	ch_buf b;

	if (!cert && ch_cert_new(&cert) != CH_OK)
		die("ch_cert_new");
	if (!namer && ch_report_namer_new(&namer) != CH_OK)
		die("namer");
	if (ch_cert_parse(cert, data, size, CH_PARSE_ALL) != CH_OK)
		return;
	if (ch_report_namer_get(namer, &nm, cert) != CH_OK)
		nm = NULL;
	ch_buf_init(&b, (size_t)1 << 28);
	if (ch_report_cert_json(&b, cert, nm, NULL, false) != CH_OK)
		die("record JSON failed");
	check_json(b.data, b.len);
	ch_buf_free(&b);

	/* The stream formats through a real FILE*. */
	static const ch_report_format fmts[] = {CH_REPORT_TABLE, CH_REPORT_CSV, CH_REPORT_JSON};
	for (size_t i = 0; i < sizeof fmts / sizeof fmts[0]; i++) {
		char *text = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&text, &len);
		ch_report *r = NULL;
		if (!f)
			die("open_memstream");
		if (ch_report_open(&r, fmts[i], f, 0) != CH_OK ||
		    ch_report_cert(r, cert, nm, NULL) != CH_OK || ch_report_close(r) != CH_OK)
			die("report failed");
		fclose(f);
		if (fmts[i] == CH_REPORT_JSON)
			check_json(text, len);
		else
			check_no_controls(text, len, fmts[i] == CH_REPORT_CSV);
		free(text);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size > (1u << 20))
		return 0;
	fuzz_strings(data, size);
	fuzz_cert(data, size);
	return 0;
}
