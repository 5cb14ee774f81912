/* The search language: the filter tree for many queries, and the column of every error. */
#include <certhound/query.h>
#include <certhound/util.h>

#include <stdlib.h>

#include "testlib.h"

static int64_t now;

/* ok checks that q parses to the S-expression `want`. */
static void ok_at(int line, const char *q, const char *want)
{
	ch_filter *f = NULL;
	size_t col = 99;
	ch_buf b;
	ch_err err = ch_query_parse(&f, &col, q, strlen(q), now);

	ch_buf_init(&b, 1 << 16);
	ch_test_checks++;
	if (err != CH_OK) {
		ch_test_failures++;
		fprintf(stderr, "line %d: %s: unexpected error: %s\n", line, q, ch_error_last());
		return;
	}
	CHECK_INT(col, 0);
	if (ch_query_describe(&b, f) != CH_OK || strcmp(b.data, want) != 0) {
		ch_test_failures++;
		fprintf(stderr, "line %d: %s\n  got  %s\n  want %s\n", line, q, b.data, want);
	}
	ch_buf_free(&b);
	ch_filter_free(f);
}
#define ok(q, want) ok_at(__LINE__, q, want)

/* bad checks that q fails at column `want_col` with a message containing `want_msg`. */
static void bad_at(int line, const char *q, size_t want_col, const char *want_msg)
{
	ch_filter *f = (ch_filter *)1;
	size_t col = 0;
	char prefix[32];
	ch_err err = ch_query_parse(&f, &col, q, strlen(q), now);

	ch_test_checks++;
	snprintf(prefix, sizeof prefix, "column %zu: ", want_col);
	if (err == CH_OK || f != NULL || col != want_col ||
	    strncmp(ch_error_last(), prefix, strlen(prefix)) != 0 ||
	    !strstr(ch_error_last(), want_msg)) {
		ch_test_failures++;
		fprintf(stderr, "line %d: %s: want error at column %zu with \"%s\", got %d col %zu \"%s\"\n",
			line, q, want_col, want_msg, err, col, ch_error_last());
	}
	if (err == CH_OK)
		ch_filter_free(f);
}
#define bad(q, col, msg) bad_at(__LINE__, q, col, msg)

static void test_fields(void)
{
	ok("name:example.com", "(name eq \"example.com\")");
	ok("name:WWW.Example.COM.", "(name eq \"www.example.com\")");
	ok("name:*.example.com", "(name-under eq \"example.com\")");
	ok("name:\"*.example.com\"", "(name eq \"*.example.com\")");
	ok("name:bücher.example", "(name eq \"xn--bcher-kva.example\")");
	ok("name:BÜCHER.example", "(name eq \"xn--bcher-kva.example\")");
	ok("name:*.bücher.example", "(name-under eq \"xn--bcher-kva.example\")");
	ok("domain:Example.CO.uk", "(domain eq \"example.co.uk\")");
	ok("san:10.0.0.1", "(san eq \"10.0.0.1\")");
	ok("san:WWW.example.com", "(san eq \"www.example.com\")");
	ok("san:*.example.com", "(san eq \"*.example.com\")");
	ok("san:Admin@Example.com", "(san eq \"admin@example.com\")");
	ok("san:https://Example.com/X", "(san eq \"https://Example.com/X\")");
	ok("cn:\"Acme Root CA\"", "(cn eq \"Acme Root CA\")");
	ok("cn:*.example.com", "(cn eq \"*.example.com\")");
	ok("ip:192.0.2.1", "(ip eq \"192.0.2.1\")");
	ok("ip:2001:DB8:0:0:0:0:0:1", "(ip eq \"2001:db8::1\")");
	ok("email:Hostmaster@Example.COM", "(email eq \"hostmaster@example.com\")");
	ok("sha256:ABCDEF0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789",
	   "(sha256 eq \"abcdef0123456789abcdef0123456789abcdef0123456789abcdef0123456789\")");
	ok("sha256:DEADBEEF", "(sha256 prefix \"deadbeef\")");
	ok("sha256:de:ad:be:ef:01", "(sha256 prefix \"deadbeef01\")");
	ok("sha1:0123456789abcdef0123456789ABCDEF01234567",
	   "(sha1 eq \"0123456789abcdef0123456789abcdef01234567\")");
	ok("sha1:0123456789", "(sha1 prefix \"0123456789\")");
	ok("serial:00A1B2", "(serial eq \"a1b2\")");
	ok("serial:0x0001", "(serial eq \"01\")");
	ok("serial:123", "(serial eq \"0123\")");
	ok("serial:0", "(serial eq \"00\")");
	ok("serial:00:00", "(serial eq \"00\")");
	ok("serial:03:E8", "(serial eq \"03e8\")");
	ok("serial:-7F", "(serial eq \"-7f\")");
	ok("spki:0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
	   "(spki eq \"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\")");
	ok("tbs:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	   "(tbs eq \"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\")");
	ok("ja4x:A373A9F83C6B_2BD8A8C50D94_7BF9CB3C0FCB",
	   "(ja4x eq \"a373a9f83c6b_2bd8a8c50d94_7bf9cb3c0fcb\")");
	ok("issuer:\"Let's Encrypt\"", "(issuer contains \"Let's Encrypt\")");
	ok("subject:O=Acme", "(subject contains \"O=Acme\")");
	ok("issuer.o:\"Let's Encrypt\"", "(issuer.o eq \"Let's Encrypt\")");
	ok("issuer.o:Let*", "(issuer.o prefix \"Let\")");
	ok("issuer.o:\"Let*\"", "(issuer.o eq \"Let*\")");
	ok("issuer.cn:R3", "(issuer.cn eq \"R3\")");
	ok("subject.o:Acme", "(subject.o eq \"Acme\")");
	ok("subject.ou:IT", "(subject.ou eq \"IT\")");
	ok("subject.cn:www.example.com", "(subject.cn eq \"www.example.com\")");
	ok("ISSUER.O:Acme", "(issuer.o eq \"Acme\")");
	ok("key:rsa", "(key eq \"rsa\")");
	ok("key:RSA-2048", "(key eq \"rsa\" 2048)");
	ok("key:rsa4096", "(key eq \"rsa\" 4096)");
	ok("key:ec-p256", "(key eq \"ec\" 256)");
	ok("key:ecdsa-secp384r1", "(key eq \"ec\" 384)");
	ok("key:ed25519", "(key eq \"ed25519\")");
	ok("sig:sha256WithRSAEncryption", "(sig eq \"sha256WithRSAEncryption\")");
	ok("ca:true", "(ca eq 1)");
	ok("ca:NO", "(ca eq 0)");
	ok("self-signed:yes", "(self-signed eq 1)");
	ok("precert:0", "(precert eq 0)");
	ok("seen-in:file", "(seen-in eq \"file\")");
	ok("seen-in:\"Google 'Argon2024' log\"", "(seen-in eq \"Google 'Argon2024' log\")");
}

static void test_times(void)
{
	/* now = 2024-06-01T00:00:00Z */
	ok("valid-at:now", "(valid-at eq 2024-06-01T00:00:00Z)");
	ok("valid-at:2024-01-15", "(valid-at eq 2024-01-15T00:00:00Z)");
	ok("valid-at:2024-01-15T12:30:00Z", "(valid-at eq 2024-01-15T12:30:00Z)");
	ok("valid-at:-30d", "(valid-at eq 2024-05-02T00:00:00Z)");
	ok("expires:<30d", "(expires lt 2024-07-01T00:00:00Z)");
	ok("expires:<=12h", "(expires le 2024-06-01T12:00:00Z)");
	ok("expires:>2w", "(expires gt 2024-06-15T00:00:00Z)");
	ok("expires:>2025-01-01", "(expires gt 2025-01-01T23:59:59Z)");
	ok("expires:>=2025-01-01", "(expires ge 2025-01-01T00:00:00Z)");
	ok("expires:<-1y", "(expires lt 2023-06-02T00:00:00Z)");
	ok("expires:2025-01-01",
	   "(and (expires ge 2025-01-01T00:00:00Z) (expires lt 2025-01-02T00:00:00Z))");
	ok("issued:>2024-01-01", "(issued gt 2024-01-01T23:59:59Z)");
	ok("issued:>7d", "(issued gt 2024-05-25T00:00:00Z)");
	ok("issued:<+1d", "(issued lt 2024-06-02T00:00:00Z)");
	ok("issued:<now", "(issued lt 2024-06-01T00:00:00Z)");
	ok("not-after:<30d", "(expires lt 2024-07-01T00:00:00Z)");
}

static void test_structure(void)
{
	ok("example.com", "(or (name eq \"example.com\") (cn eq \"example.com\"))");
	ok("Example.COM", "(or (name eq \"example.com\") (cn eq \"Example.COM\"))");
	ok("*.example.com", "(name-under eq \"example.com\")");
	ok("192.0.2.7", "(or (ip eq \"192.0.2.7\") (name eq \"192.0.2.7\") (cn eq \"192.0.2.7\"))");
	ok("2001:DB8::1 ca:0", "(and (or (ip eq \"2001:db8::1\") (name eq \"2001:db8::1\") "
			       "(cn eq \"2001:DB8::1\")) (ca eq 0))");
	ok("\"2001:db8::1\"", "(or (ip eq \"2001:db8::1\") (name eq \"2001:db8::1\") "
			     "(cn eq \"2001:db8::1\"))");
	ok("\"Acme Corp\"", "(cn eq \"Acme Corp\")");
	ok("a.com b.com", "(and (or (name eq \"a.com\") (cn eq \"a.com\")) "
			  "(or (name eq \"b.com\") (cn eq \"b.com\")))");
	ok("ca:true AND precert:false", "(and (ca eq 1) (precert eq 0))");
	ok("ca:true precert:false key:rsa", "(and (ca eq 1) (precert eq 0) (key eq \"rsa\"))");
	ok("ca:true OR precert:false", "(or (ca eq 1) (precert eq 0))");
	/* NOT > AND > OR */
	ok("ca:1 OR ca:0 precert:1", "(or (ca eq 1) (and (ca eq 0) (precert eq 1)))");
	ok("ca:1 precert:1 OR ca:0", "(or (and (ca eq 1) (precert eq 1)) (ca eq 0))");
	ok("NOT ca:1 precert:1", "(and (not (ca eq 1)) (precert eq 1))");
	ok("-ca:1 OR -precert:1", "(or (not (ca eq 1)) (not (precert eq 1)))");
	ok("NOT NOT ca:1", "(not (not (ca eq 1)))");
	ok("(ca:1 OR ca:0) precert:1", "(and (or (ca eq 1) (ca eq 0)) (precert eq 1))");
	ok("-(ca:1 OR ca:0)", "(not (or (ca eq 1) (ca eq 0)))");
	ok("((((ca:1))))", "(ca eq 1)");
	ok("ca:1 OR (precert:1 OR key:rsa)", "(or (ca eq 1) (precert eq 1) (key eq \"rsa\"))");
	ok("  ca:1\t\nprecert:1  ", "(and (ca eq 1) (precert eq 1))");
	ok("(ca:1)(precert:1)", "(and (ca eq 1) (precert eq 1))");
	/* lower-case keywords are ordinary words */
	ok("or", "(or (name eq \"or\") (cn eq \"or\"))");
	ok("\"OR\"", "(or (name eq \"or\") (cn eq \"OR\"))");
	ok("self-signed:true -name:*.example.com",
	   "(and (self-signed eq 1) (not (name-under eq \"example.com\")))");
	ok("cn:\"a \\\"quoted\\\" \\\\ name\"", "(cn eq \"a \\\"quoted\\\" \\\\ name\")");
	ok("name:*.example.com -name:www.example.com expires:<30d",
	   "(and (name-under eq \"example.com\") (not (name eq \"www.example.com\")) "
	   "(expires lt 2024-07-01T00:00:00Z))");
}

static void test_errors(void)
{
	bad("", 1, "expected a search term");
	bad("   ", 4, "expected a search term");
	bad("(name:a.com", 12, "expected ')'");
	bad("(name:a.com OR (ca:1)", 22, "expected ')' to close the '(' at column 1");
	bad("name:a.com)", 11, "unexpected ')'");
	bad("()", 2, "expected a search term after '('");
	bad("ca:1 OR", 8, "expected a search term after OR");
	bad("ca:1 OR OR ca:0", 9, "expected a search term after OR");
	bad("ca:1 AND", 9, "expected a search term after AND");
	bad("AND ca:1", 1, "expected a search term before AND");
	bad("NOT", 4, "expected a search term after NOT");
	bad("ca:1 -", 7, "expected a search term right after '-'");
	bad("ca:1 - ca:0", 7, "expected a search term right after '-'");
	bad("ca:1 -)", 7, "expected a search term after '-'");
	bad("ca:1 NOT)", 9, "expected a search term after NOT");
	bad("foo:bar", 1, "unknown field 'foo'");
	bad("2001:db8::1::2", 1, "unknown field '2001'");
	bad("name:a.com bogus.field:x", 12, "unknown field 'bogus.field'");
	bad("name:", 6, "expected a value after 'name:'");
	bad("name: a.com", 6, "expected a value after 'name:'");
	bad("sha256:abc", 11, "expected at least 8 hex digits");
	bad("sha256:abcdefgh", 14, "expected a hex digit");
	bad("sha1:0123456789abcdef0123456789abcdef012345678", 46, "too many hex digits");
	bad("spki:abcd1234", 14, "expected 64 hex digits");
	bad("serial:xyz", 8, "expected a hex digit");
	bad("serial:0x", 10, "expected a serial number");
	bad("ja4x:abc", 6, "expected a JA4X fingerprint");
	bad("ja4x:a373a9f83c6b-2bd8a8c50d94_7bf9cb3c0fcb", 18, "expected '_'");
	bad("name:a*.example.com", 7, "a wildcard is allowed only as a leading '*.'");
	bad("name:*.*.example.com", 8, "a wildcard is allowed only");
	bad("domain:*.example.com", 8, "takes no wildcard");
	bad("ip:10.0.0.0/8", 4, "expected an IPv4 or IPv6 address");
	bad("ip:2001:db8::1::2", 4, "expected an IPv4 or IPv6 address");
	bad("ca:maybe", 4, "expected true or false");
	bad("key:rsa-big", 9, "expected a key size");
	bad("key:rsa-", 9, "expected a key size");
	bad("key:foo", 5, "expected a key type");
	bad("key:rsa-0", 9, "key size out of range");
	bad("expires:<30x", 12, "expected a duration unit");
	bad("expires:<", 10, "expected a date");
	bad("expires:30d", 9, "expected '<'");
	bad("expires:<2024-13-01", 10, "expected a date as YYYY-MM-DD");
	bad("issued:>yesterday", 9, "expected a date");
	bad("valid-at:<now", 10, "valid-at takes a date");
	bad("cn:\"unterminated", 17, "expected '\"' to close the quote opened at column 4");
	bad("\"abc\"def", 6, "expected a space or ')' after a quoted value");
	bad("name:ab\"c\"", 8, "unexpected '\"' inside a value");
	bad("cn:*", 4, "expected text before '*'");
	bad("issuer.o:", 10, "expected a value");
	/* columns count characters, not bytes */
	bad("name:bücher.example (", 22, "expected a search term after '('");
	bad("cn:\"é\" foo:x", 8, "unknown field 'foo'");
	bad("ca:1 \x01", 6, "unexpected control character");
}

static void test_limits(void)
{
	char q[CH_QUERY_MAX_LEN + 2];
	ch_filter *f = NULL;
	size_t col = 0;
	ch_err err;
	size_t n = 0;

	memset(q, 'a', sizeof q);
	err = ch_query_parse(&f, &col, q, CH_QUERY_MAX_LEN + 1, now);
	CHECK_INT(err, CH_ERR_LIMIT);
	CHECK(f == NULL);
	CHECK_INT(col, CH_QUERY_MAX_LEN + 1);
	CHECK(strstr(ch_error_last(), "longer than") != NULL);

	/* depth: 32 parentheses are fine, 33 are not */
	for (int i = 0; i < CH_QUERY_MAX_DEPTH; i++)
		q[n++] = '(';
	memcpy(q + n, "ca:1", 4);
	n += 4;
	for (int i = 0; i < CH_QUERY_MAX_DEPTH; i++)
		q[n++] = ')';
	err = ch_query_parse(&f, &col, q, n, now);
	CHECK_INT(err, CH_OK);
	ch_filter_free(f);
	n = 0;
	for (int i = 0; i <= CH_QUERY_MAX_DEPTH; i++)
		q[n++] = '(';
	memcpy(q + n, "ca:1", 4);
	n += 4;
	err = ch_query_parse(&f, &col, q, n, now);
	CHECK_INT(err, CH_ERR_LIMIT);
	CHECK_INT(col, CH_QUERY_MAX_DEPTH + 1);
	CHECK(strstr(ch_error_last(), "nesting deeper than 32") != NULL);

	/* NOT chains count as nesting too */
	n = 0;
	for (int i = 0; i <= CH_QUERY_MAX_DEPTH; i++)
		q[n++] = '-';
	memcpy(q + n, "ca:1", 4);
	n += 4;
	err = ch_query_parse(&f, &col, q, n, now);
	CHECK_INT(err, CH_ERR_LIMIT);

	/* terms */
	n = 0;
	for (int i = 0; i <= CH_QUERY_MAX_TERMS; i++) {
		memcpy(q + n, "ca:1 ", 5);
		n += 5;
	}
	err = ch_query_parse(&f, &col, q, n, now);
	CHECK_INT(err, CH_ERR_LIMIT);
	CHECK_INT(col, CH_QUERY_MAX_TERMS * 5 + 1);

	/* an embedded NUL is an error, not the end of the query */
	err = ch_query_parse(&f, &col, "ca:1\0 ca:0", 10, now);
	CHECK_INT(err, CH_ERR_PARSE);
	CHECK_INT(col, 5);

	/* not NUL-terminated input is read only up to len */
	memcpy(q, "ca:1 precert:1 junk", 19);
	err = ch_query_parse(&f, &col, q, 14, now);
	CHECK_INT(err, CH_OK);
	CHECK_INT(f ? f->num_kids : 0, 2);
	ch_filter_free(f);
}

int main(void)
{
	now = ch_time_from_civil(2024, 6, 1, 0, 0, 0);
	test_fields();
	test_times();
	test_structure();
	test_errors();
	test_limits();
	return ch_test_done("query");
}
