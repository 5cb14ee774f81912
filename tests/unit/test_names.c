/* names: normal form, host-likeness, IDN both ways, registrable domains and PSL sections with
 * Debian's real public suffix list, a certificate's names from a hand-filled ch_cert, from
 * certificates made by OpenSSL and from the shared corpus. */
#include <certhound/names.h>
#include <certhound/pem.h>
#include <certhound/x509.h>

#include "testlib.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

static const char *norm(const char *in, size_t len)
{
	static char buf[CH_NAME_BUF];
	if (ch_name_normalize(buf, in, len) != CH_OK)
		return "(error)";
	return buf;
}
#define NORM(s) norm(s, sizeof(s) - 1)

static void test_normalize(void)
{
	char u[CH_NAME_BUF], buf[CH_NAME_BUF];

	CHECK_STR(NORM("WWW.Example.COM."), "www.example.com");
	CHECK_STR(NORM("example.com.."), "example.com."); /* only one trailing dot goes */
	CHECK_STR(NORM("münchen.de"), "xn--mnchen-3ya.de");
	CHECK_STR(NORM("MÜNCHEN.DE"), "xn--mnchen-3ya.de");
	CHECK_STR(NORM("*.münchen.de"), "*.xn--mnchen-3ya.de");
	CHECK_STR(NORM("XN--MNCHEN-3YA.DE"), "xn--mnchen-3ya.de");
	CHECK_STR(NORM("faß.de"), "xn--fa-hia.de");          /* IDNA2008: ß is kept */
	CHECK_STR(NORM("健診予約.com"), "xn--0kq38bf53fqbl.com");
	CHECK_STR(NORM("2001:DB8:0:0:0:0:0:1"), "2001:db8::1"); /* RFC 5952 */
	/* An IPv6 literal with a code point IDNA ignores (U+034F): the same form as without it
	 * (found by fuzz_names, whose normal form must normalise to itself). */
	CHECK_STR(NORM("0::\xcd\x8f"), "::");
	CHECK_STR(NORM("2001:DB8::0:1\xcd\x8f"), "2001:db8::1");
	CHECK_STR(NORM("a.com\0.evil.com"), "a.com\\0.evil.com");
	CHECK_INT(ch_name_normalize(buf, "\xff.com", 5), CH_ERR_PARSE); /* invalid UTF-8 */
	CHECK_INT(ch_name_normalize(buf, "", 0), CH_ERR_PARSE);
	CHECK_INT(ch_name_normalize(buf, ".", 1), CH_ERR_PARSE);
	{
		char big[CH_NAME_BUF + 10];
		memset(big, 'a', sizeof big);
		CHECK_INT(ch_name_normalize(buf, big, sizeof big), CH_ERR_LIMIT);
	}

	CHECK(ch_name_to_unicode(u, "xn--mnchen-3ya.de"));
	CHECK_STR(u, "münchen.de");
	CHECK(ch_name_to_unicode(u, "*.www.xn--mnchen-3ya.de"));
	CHECK_STR(u, "*.www.münchen.de");
	CHECK(!ch_name_to_unicode(u, "www.example.com"));
	CHECK_STR(u, "www.example.com");
	CHECK(!ch_name_to_unicode(u, "xn--.example")); /* not a valid A-label: kept as is */
	CHECK_STR(u, "xn--.example");
	/* round trip */
	CHECK(ch_name_to_unicode(u, NORM("Bücher.example")));
	CHECK_STR(u, "bücher.example");
}

static void test_classify(void)
{
	char l63[80], l64[80], n253[300], n254[300];

	CHECK_INT(ch_name_classify("www.example.com"), CH_NAME_HOST);
	CHECK_INT(ch_name_classify("localhost"), CH_NAME_HOST);
	CHECK_INT(ch_name_classify("jenkins"), CH_NAME_HOST);
	CHECK_INT(ch_name_classify("_dmarc.example.com"), CH_NAME_HOST);
	CHECK_INT(ch_name_classify("xn--mnchen-3ya.de"), CH_NAME_HOST);
	CHECK_INT(ch_name_classify("*.example.com"), CH_NAME_WILDCARD);
	CHECK_INT(ch_name_classify("192.168.1.1"), CH_NAME_IPV4);
	CHECK_INT(ch_name_classify("2001:db8::1"), CH_NAME_IPV6);
	CHECK_INT(ch_name_classify("a.com\\0.evil.com"), CH_NAME_HOST);

	CHECK_INT(ch_name_classify("Example Corp Root CA"), CH_NAME_NOT_HOST);
	CHECK_INT(ch_name_classify("user@example.com"), CH_NAME_NOT_HOST);
	CHECK_INT(ch_name_classify("https://example.com/"), CH_NAME_NOT_HOST);
	CHECK_INT(ch_name_classify("*"), CH_NAME_NOT_HOST);
	CHECK_INT(ch_name_classify("foo.*.example.com"), CH_NAME_NOT_HOST);
	CHECK_INT(ch_name_classify("f*o.example.com"), CH_NAME_NOT_HOST);
	CHECK_INT(ch_name_classify("a..b"), CH_NAME_NOT_HOST);
	CHECK_INT(ch_name_classify("-"), CH_NAME_NOT_HOST);
	CHECK_INT(ch_name_classify("1.2.3"), CH_NAME_NOT_HOST);
	CHECK_INT(ch_name_classify("example.123"), CH_NAME_NOT_HOST);
	CHECK_INT(ch_name_classify("a\\b.com"), CH_NAME_NOT_HOST); /* a real backslash */
	CHECK_INT(ch_name_classify("1:2"), CH_NAME_NOT_HOST);
	CHECK_INT(ch_name_classify(""), CH_NAME_NOT_HOST);

	memset(l63, 'a', 63);
	strcpy(l63 + 63, ".com");
	memset(l64, 'a', 64);
	strcpy(l64 + 64, ".com");
	CHECK_INT(ch_name_classify(l63), CH_NAME_HOST);
	CHECK_INT(ch_name_classify(l64), CH_NAME_NOT_HOST);
	/* 253 bytes: 4 labels of 61 + 3 dots + ".com"(4) = 251 -> pad the first label */
	memset(n253, 0, sizeof n253);
	for (int i = 0; i < 4; i++) {
		memset(n253 + i * 62, 'b', 61);
		n253[i * 62 + 61] = '.';
	}
	strcpy(n253 + 4 * 62, "co");
	CHECK_INT(strlen(n253), 250);
	strcpy(n254, "xy.");
	strcat(n254, n253);
	CHECK_INT(strlen(n254), 253);
	CHECK_INT(ch_name_classify(n254), CH_NAME_HOST);
	n254[0] = 'w';
	memmove(n254 + 1, n254, strlen(n254) + 1);
	CHECK_INT(strlen(n254), 254);
	CHECK_INT(ch_name_classify(n254), CH_NAME_NOT_HOST);

	CHECK(ch_name_is_hostlike("WWW.EXAMPLE.COM.", 16));
	CHECK(ch_name_is_hostlike("münchen.de", strlen("münchen.de")));
	CHECK(!ch_name_is_hostlike("Example Corp Root CA", 20));
	CHECK(!ch_name_is_hostlike("Bücher GmbH", strlen("Bücher GmbH")));
	CHECK(ch_name_is_hostlike("a.com\0.evil.com", 16));
}

static void test_psl(ch_names *n)
{
	struct stat st;

	if (stat("/usr/share/publicsuffix/public_suffix_list.dafsa", &st) == 0)
		CHECK(strstr(ch_names_psl_source(n), "/usr/share/publicsuffix/") != NULL);
	CHECK_STR(ch_names_registered_domain(n, "www.example.com"), "example.com");
	CHECK_STR(ch_names_registered_domain(n, "a.b.example.co.uk"), "example.co.uk");
	CHECK_STR(ch_names_registered_domain(n, "*.example.co.uk"), "example.co.uk");
	CHECK(ch_names_registered_domain(n, "co.uk") == NULL);
	CHECK(ch_names_registered_domain(n, "*.co.uk") == NULL);
	CHECK(ch_names_registered_domain(n, "localhost") == NULL);
	CHECK(ch_names_registered_domain(n, "10.0.0.1") == NULL);
	CHECK(ch_names_registered_domain(n, "2001:db8::1") == NULL);
	CHECK_STR(ch_names_registered_domain(n, "www.xn--mnchen-3ya.de"), "xn--mnchen-3ya.de");
	CHECK_STR(ch_names_registered_domain(n, "a.com\\0.evil.com"), "evil.com");
	CHECK_STR(ch_names_registered_domain(n, "myapp.herokuapp.com"), "myapp.herokuapp.com");
	CHECK_STR(ch_names_registered_domain(n, "d111111abcdef8.cloudfront.net"),
		  "d111111abcdef8.cloudfront.net");

	CHECK_INT(ch_names_suffix_type(n, "myapp.herokuapp.com"), CH_SUFFIX_PRIVATE);
	CHECK_INT(ch_names_suffix_type(n, "x.d111111abcdef8.cloudfront.net"), CH_SUFFIX_PRIVATE);
	CHECK_INT(ch_names_suffix_type(n, "*.user.github.io"), CH_SUFFIX_PRIVATE);
	CHECK_INT(ch_names_suffix_type(n, "www.example.com"), CH_SUFFIX_ICANN);
	CHECK_INT(ch_names_suffix_type(n, "shop.example.co.uk"), CH_SUFFIX_ICANN);
	CHECK_INT(ch_names_suffix_type(n, "co.uk"), CH_SUFFIX_ICANN);
	CHECK_INT(ch_names_suffix_type(n, "herokuapp.com"), CH_SUFFIX_PRIVATE);
	CHECK_INT(ch_names_suffix_type(n, "jenkins.corp"), CH_SUFFIX_NONE);
	CHECK_INT(ch_names_suffix_type(n, "localhost"), CH_SUFFIX_NONE);
	CHECK_INT(ch_names_suffix_type(n, "10.0.0.1"), CH_SUFFIX_NONE);

	/* an explicit list file, and a missing one */
	{
		ch_names *m;
		CHECK(ch_names_new_from(&m, "/usr/share/publicsuffix/public_suffix_list.dat") == CH_OK);
		if (m) {
			CHECK_STR(ch_names_registered_domain(m, "a.b.example.co.uk"), "example.co.uk");
			CHECK_INT(ch_names_suffix_type(m, "myapp.herokuapp.com"), CH_SUFFIX_PRIVATE);
		}
		ch_names_free(m);
		CHECK(ch_names_new_from(&m, "/nonexistent/psl.dat") == CH_ERR_IO);
		CHECK(m == NULL);
	}
}

/* A hand-filled record: the x509 decoder's output is a plain struct. */
static void test_of_cert_by_hand(ch_names *n)
{
	ch_str dns[] = {
		{"WWW.Example.com.", 16},
		{"www.example.com", 15},
		{"*.example.com", 13},
		{"münchen.de", 11},
		{"a.com\0.evil.com", 15},
		{"a.com", 5},
		{"Not A Host", 10},
		{"10.0.0.1", 8},
		{"myapp.herokuapp.com", 19},
	};
	ch_dn_attr cn[] = {
		{.id = CH_ATTR_O, .value = {"Example Corp", 12}},
		{.id = CH_ATTR_CN, .value = {"Example Corp Root CA", 20}},
		{.id = CH_ATTR_CN, .value = {"www.example.com", 15}},
		{.id = CH_ATTR_CN, .value = {"Shop.Example.co.uk", 18}},
	};
	static const char *want[] = {"www.example.com", "*.example.com", "xn--mnchen-3ya.de",
				     "a.com\\0.evil.com", "a.com", "10.0.0.1", "myapp.herokuapp.com",
				     "shop.example.co.uk"};
	static const char *want_rd[] = {"example.com", "xn--mnchen-3ya.de", "evil.com", "a.com",
					"myapp.herokuapp.com", "example.co.uk"};
	ch_cert c;
	const ch_cert_names *r = NULL;

	memset(&c, 0, sizeof c);
	c.san.dns = dns;
	c.san.num_dns = sizeof dns / sizeof dns[0];
	c.subject.attrs = cn;
	c.subject.num_attrs = sizeof cn / sizeof cn[0];
	CHECK(ch_names_of_cert(n, &c, &r) == CH_OK);
	if (!r)
		return;
	CHECK_INT(r->num_names, 8);
	for (size_t i = 0; i < 8 && i < r->num_names; i++)
		CHECK_STR(r->names[i], want[i]);
	CHECK_INT(r->num_registered_domains, 6);
	for (size_t i = 0; i < 6 && i < r->num_registered_domains; i++)
		CHECK_STR(r->registered_domains[i], want_rd[i]);
	CHECK_INT(r->num_dropped, 2); /* "Not A Host", "Example Corp Root CA" */
	CHECK(r->has_nul);
	CHECK(r->has_idn);
	CHECK_STR(r->unicode[2], "münchen.de");
	CHECK_STR(r->unicode[0], "www.example.com");
	CHECK_STR(r->domains[1], "example.com");
	CHECK(r->domains[5] == NULL);
	CHECK_INT(r->kinds[1], CH_NAME_WILDCARD);
	CHECK_INT(r->kinds[5], CH_NAME_IPV4);
	CHECK_INT(r->suffix_types[0], CH_SUFFIX_ICANN);
	CHECK_INT(r->suffix_types[4], CH_SUFFIX_PRIVATE);

	/* the handle is reused: a second certificate replaces the first */
	c.san.num_dns = 0;
	c.subject.num_attrs = 1;
	CHECK(ch_names_of_cert(n, &c, &r) == CH_OK);
	CHECK_INT(r->num_names, 0);
	CHECK_INT(r->num_registered_domains, 0);
}

static void test_many_sans(ch_names *n)
{
	size_t count = CH_NAMES_MAX_PER_CERT + 1;
	ch_str *dns = malloc(count * 2 * sizeof *dns);
	char *text = malloc(count * 32);
	ch_cert c;
	const ch_cert_names *r = NULL;
	size_t o = 0;

	for (size_t i = 0; i < count; i++) {
		int len = sprintf(text + o, "Host%zu.Zone%zu.Example.com", i, i % 97);
		dns[2 * i].s = text + o;
		dns[2 * i].len = (size_t)len;
		dns[2 * i + 1] = dns[2 * i]; /* every name twice */
		o += (size_t)len + 1;
	}
	memset(&c, 0, sizeof c);
	c.san.dns = dns;
	c.san.num_dns = 20000; /* 10,000 distinct names, each twice */
	CHECK(ch_names_of_cert(n, &c, &r) == CH_OK);
	CHECK(r && r->num_names == 10000);
	CHECK(r && r->num_registered_domains == 1);
	CHECK(r && strcmp(r->names[9999], "host9999.zone8.example.com") == 0);

	c.san.num_dns = 2 * count; /* one more distinct name than allowed */
	CHECK_INT(ch_names_of_cert(n, &c, &r), CH_ERR_LIMIT);
	CHECK(strstr(ch_error_last(), "more than") != NULL);
	free(dns);
	free(text);
}

/* One handle per thread, no shared state: threads get the same answers as a single thread. */
static void *worker(void *arg)
{
	ch_names *n = NULL;
	char text[64];
	ch_str dns[1] = {{text, 0}};
	ch_cert c;
	const ch_cert_names *r;
	long bad = 0;

	(void)arg;
	if (ch_names_new(&n) != CH_OK)
		return (void *)1;
	memset(&c, 0, sizeof c);
	c.san.dns = dns;
	c.san.num_dns = 1;
	for (int i = 0; i < 2000; i++) {
		dns[0].len = (size_t)sprintf(text, "Host%d.Bücher%d.co.uk", i, i % 7);
		if (ch_names_of_cert(n, &c, &r) != CH_OK || r->num_names != 1 ||
		    r->num_registered_domains != 1 || strncmp(r->unicode[0], "host", 4) != 0 ||
		    strstr(r->registered_domains[0], "xn--bcher") != r->registered_domains[0])
			bad++;
	}
	ch_names_free(n);
	return (void *)bad;
}

static void test_threads(void)
{
	pthread_t t[4];
	void *res;

	for (int i = 0; i < 4; i++)
		CHECK(pthread_create(&t[i], NULL, worker, NULL) == 0);
	for (int i = 0; i < 4; i++) {
		CHECK(pthread_join(t[i], &res) == 0);
		CHECK(res == NULL);
	}
}

/* ---------- end to end through ch_cert_parse ---------- */

static uint8_t *make_der(const char *cn, const char *san, size_t *out_len)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509_NAME *nm = X509_NAME_new();
	X509V3_CTX ctx;
	X509_EXTENSION *e;
	unsigned char *der = NULL;
	int len;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
	X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, nm);
	X509_set_issuer_name(x, nm);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, san);
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	X509_sign(x, key, EVP_sha256());
	len = i2d_X509(x, &der);
	*out_len = len > 0 ? (size_t)len : 0;
	X509_NAME_free(nm);
	X509_free(x);
	EVP_PKEY_free(key);
	return der;
}

static void test_end_to_end(ch_names *n)
{
	size_t len;
	uint8_t *der = make_der("bücher.example", "DNS:xn--bcher-kva.example,DNS:*.Shop.Example.CO.UK,"
					  "DNS:app.herokuapp.com,IP:192.0.2.1", &len);
	ch_cert *c = NULL;
	const ch_cert_names *r = NULL;

	CHECK(ch_cert_new(&c) == CH_OK);
	CHECK(ch_cert_parse(c, der, len, 0) == CH_OK);
	CHECK(ch_names_of_cert(n, c, &r) == CH_OK);
	if (r) {
		/* the UTF-8 CN normalises to the SAN's A-label, so it is not repeated */
		CHECK_INT(r->num_names, 3);
		CHECK_STR(r->names[0], "xn--bcher-kva.example");
		CHECK_STR(r->unicode[0], "bücher.example");
		CHECK_STR(r->names[1], "*.shop.example.co.uk");
		CHECK_STR(r->names[2], "app.herokuapp.com");
		CHECK_INT(r->num_registered_domains, 3);
		CHECK_STR(r->registered_domains[0], "xn--bcher-kva.example");
		CHECK_STR(r->registered_domains[1], "example.co.uk");
		CHECK_INT(r->suffix_types[2], CH_SUFFIX_PRIVATE);
	}
	ch_cert_free(c);
	OPENSSL_free(der);
}

/* The corpus: the 10,000-SAN certificate, a NUL in a SAN, IDN in SANs and CN. */
static const ch_cert_names *corpus_names(ch_names *n, ch_cert *c, const char *shared,
					 const char *file)
{
	char path[600];
	ch_pem *rd;
	ch_pem_item it;
	const ch_cert_names *r = NULL;

	snprintf(path, sizeof path, "%s/corpus/%s", shared, file);
	CHECK(ch_pem_new(&rd) == CH_OK);
	CHECK(ch_pem_add_path(rd, path) == CH_OK);
	if (ch_pem_next(rd, &it) == CH_OK && it.err == CH_OK &&
	    ch_cert_parse(c, it.der, it.der_len, 0) == CH_OK) {
		if (ch_names_of_cert(n, c, &r) != CH_OK)
			r = NULL;
	} else {
		fprintf(stderr, "corpus: cannot read %s: %s\n", file, ch_error_last());
	}
	ch_pem_free(rd);
	CHECK(r != NULL);
	return r;
}

static bool has(const ch_cert_names *r, const char *name)
{
	for (size_t i = 0; r && i < r->num_names; i++)
		if (strcmp(r->names[i], name) == 0)
			return true;
	return false;
}

static void test_corpus(ch_names *n, const char *shared)
{
	ch_cert *c = NULL;
	const ch_cert_names *r;

	CHECK(ch_cert_new(&c) == CH_OK);
	r = corpus_names(n, c, shared, "certs/zeek/traces-extracted/tls__tls-fragmented-handshake.pcap.gz.cert0.der");
	if (r) {
		CHECK(r->num_names >= 10000); /* 10,000 distinct SANs (plus the CN if new) */
		CHECK(has(r, "1.alt.helloiamadomain.example"));
		CHECK_INT(r->num_registered_domains, 1);
		CHECK_STR(r->registered_domains[0], "helloiamadomain.example");
	}
	r = corpus_names(n, c, shared, "certs/ct-cpp/python/ct/crypto/testdata/null_chars.pem");
	if (r) {
		/* never cut at the NUL: the escaped name is a name of its own */
		CHECK(r->has_nul);
		CHECK(has(r, "altnull.python.org\\0example.com"));
		CHECK(has(r, "null.python.org\\0example.org"));
		CHECK(!has(r, "altnull.python.org"));
		for (size_t i = 0; i < r->num_names; i++)
			if (strcmp(r->names[i], "altnull.python.org\\0example.com") == 0)
				CHECK_STR(r->domains[i], "org\\0example.com");
	}
	r = corpus_names(n, c, shared, "certs/zlint/v3/testdata/idnCorrectUnicode.pem");
	if (r) {
		/* the Cyrillic UTF-8 CN is the same name as the A-label SAN */
		CHECK_INT(r->num_names, 2);
		CHECK(has(r, "xn----7sbaabin3cbc7afgb4aiqh6v.xn--80adxhks"));
		CHECK(r->has_idn);
		for (size_t i = 0; i < r->num_names; i++)
			if (strcmp(r->names[i], "xn----7sbaabin3cbc7afgb4aiqh6v.xn--80adxhks") == 0)
				CHECK_STR(r->unicode[i], "адвокатская-контора.москва");
	}
	r = corpus_names(n, c, shared, "certs/zlint/v3/testdata/dnsNamesNotNFC.pem");
	CHECK(has(r, "xn--109-3veba6djs1bfxlfmx6c9g.xn--f1awi.xn--p1ai"));
	r = corpus_names(n, c, shared,
			 "certs/boringssl/malformed/pki/testdata/parse_certificate_unittest/subjectaltname_dns_not_ascii.pem");
	CHECK(has(r, "xn--0kq38bf53fqbl.com"));
	ch_cert_free(c);
}

int main(void)
{
	ch_names *n = NULL;
	const char *shared = ch_test_shared_dir();

	test_normalize();
	test_classify();
	CHECK(ch_names_new(&n) == CH_OK);
	if (!n)
		return ch_test_done("names");
	test_psl(n);
	test_of_cert_by_hand(n);
	test_many_sans(n);
	test_end_to_end(n);
	test_threads();
	if (shared)
		test_corpus(n, shared);
	else
		printf("SKIP corpus part: ../shared (CH_SHARED_DIR) is absent\n");
	ch_names_free(n);
	ch_names_free(NULL);
	return ch_test_done("names");
}
