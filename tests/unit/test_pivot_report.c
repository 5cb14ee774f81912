/* pivot graph formats with hostile values: a host name or seed text carrying quotes, angle
 * brackets, a newline and a bidirectional override must not break out of a DOT string, an HTML
 * element or a STIX pattern; the STIX ids of observables are the STIX 2.1 UUIDv5 values. */
#include "testlib.h"

#include <certhound/pivot.h>
#include <certhound/report.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#define EVIL "evil\"name<script>alert(1)</script>\n\xe2\x80\xae" "moc.x"

static ch_pivot_via via(const char *from, const char *attr, const char *value, double w)
{
	ch_pivot_via v = {strdup(from), strdup(attr), strdup(value), 3, w};
	return v;
}

static ch_pivot_result *result(void)
{
	ch_pivot_result *r = calloc(1, sizeof *r);
	static const char *const sha = "7c95511a28da6478c297ba71c7b4ae61576ce813bcc43c3c33f1796b6f4af7d9";

	r->num_seeds = 1;
	r->seeds = calloc(1, sizeof *r->seeds);
	r->seeds[0] = (ch_pivot_seed){strdup("domain:" EVIL), strdup("domain"), strdup(EVIL), 1, NULL};
	r->num_leads = 3;
	r->leads = calloc(3, sizeof *r->leads);
	r->leads[0].kind = CH_PIVOT_CERT;
	r->leads[0].value = strdup(sha);
	r->leads[0].score = 1;
	r->leads[0].cert_name = strdup(EVIL);
	r->leads[0].issuer = strdup("CN=R10,O=Let's Encrypt,C=US");
	r->leads[0].not_before = 1735689600;
	r->leads[0].not_after = 1743465599;
	r->leads[0].corroborate = strdup(sha);
	r->leads[0].num_via = 1;
	r->leads[0].via = malloc(sizeof(ch_pivot_via));
	r->leads[0].via[0] = via("domain:" EVIL, "domain", EVIL, 1);
	r->leads[1].kind = CH_PIVOT_NAME;
	r->leads[1].value = strdup(EVIL);
	r->leads[1].score = 0.9;
	r->leads[1].corroborate = strdup(EVIL);
	r->leads[1].num_via = 1;
	r->leads[1].via = malloc(sizeof(ch_pivot_via));
	r->leads[1].via[0] = via(sha, "san", EVIL, 0.9);
	r->leads[2].kind = CH_PIVOT_DOMAIN;
	r->leads[2].value = strdup("example.com");
	r->leads[2].score = 0.8;
	r->leads[2].depth = 1;
	r->leads[2].corroborate = strdup("example.com");
	r->leads[2].num_via = 1;
	r->leads[2].via = malloc(sizeof(ch_pivot_via));
	r->leads[2].via[0] = via(sha, "domain", "example.com", 0.8);
	r->num_suppressed = 1;
	r->suppressed = calloc(1, sizeof *r->suppressed);
	r->suppressed[0] = (ch_pivot_suppressed){strdup("cert"), strdup("e3e9613cfe5899e6f91ed15f8376373bc2f9ba78eff34dc67008b633a712145f"),
						 strdup("cdn"), strdup("name <b>" EVIL), strdup(sha), 1};
	return r;
}

int main(void)
{
	ch_pivot_result *r = result();
	ch_buf b;
	json_t *bundle;
	json_error_t jerr;
	size_t i;
	json_t *o;
	bool domain_seen = false, evil_pattern = false;

	/* DOT: every label stays one quoted string on its line */
	ch_buf_init(&b, 1u << 20);
	CHECK(ch_report_pivot_dot(&b, r) == CH_OK);
	CHECK(ch_buf_putc(&b, '\0') == CH_OK);
	CHECK(strstr(b.data, "digraph certhound_pivot {") == b.data);
	CHECK(strstr(b.data, "<script>") != NULL);          /* text, inside a quoted string */
	CHECK(strstr(b.data, "evil\\\"name") != NULL);      /* the quote escaped */
	CHECK(strstr(b.data, "\xe2\x80\xae") == NULL);      /* the bidi override made visible */
	for (char *line = b.data; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		size_t n = strcspn(line, "\n"), q = 0;
		for (size_t k = 0; k < n; k++)
			if (line[k] == '"' && (k == 0 || line[k - 1] != '\\'))
				q++;
		CHECK(q % 2 == 0);
	}
	ch_buf_free(&b);

	/* HTML: no live markup from values */
	ch_buf_init(&b, 1u << 20);
	CHECK(ch_report_pivot_html(&b, r, 1735689600) == CH_OK);
	CHECK(ch_buf_putc(&b, '\0') == CH_OK);
	CHECK(strstr(b.data, "<script>alert") == NULL);
	CHECK(strstr(b.data, "&lt;script&gt;alert(1)&lt;/script&gt;") != NULL);
	CHECK(strstr(b.data, "<b>") == NULL);
	CHECK(strstr(b.data, "\xe2\x80\xae") == NULL);
	CHECK(strstr(b.data, "<svg") != NULL && strstr(b.data, "</html>") != NULL);
	ch_buf_free(&b);

	/* STIX: valid JSON; the hostile value gets no pattern, the plain one the standard id */
	ch_buf_init(&b, 1u << 20);
	CHECK(ch_report_pivot_stix(&b, r, 1735689600) == CH_OK);
	bundle = json_loadb(b.data, b.len, 0, &jerr);
	CHECK(bundle != NULL);
	json_array_foreach(json_object_get(bundle, "objects"), i, o) {
		const char *id = json_string_value(json_object_get(o, "id"));
		const char *pat = json_string_value(json_object_get(o, "pattern"));
		if (pat && strstr(pat, "evil"))
			evil_pattern = true;
		/* uuid5(00abedb4-aa42-466c-9c01-fed23315a9b7, '{"value":"example.com"}') */
		if (!strcmp(id, "domain-name--bedb4899-d24b-5401-bc86-8f6b4cc18ec7"))
			domain_seen = true;
		CHECK(!strcmp(json_string_value(json_object_get(o, "spec_version")), "2.1"));
	}
	CHECK(domain_seen);
	CHECK(!evil_pattern);
	CHECK(strstr(b.data, "\"created\": \"2025-01-01T00:00:00.000Z\"") != NULL);
	json_decref(bundle);
	ch_buf_free(&b);
	ch_pivot_result_free(r);
	return ch_test_done("pivot_report");
}
