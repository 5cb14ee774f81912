/* scan scope: target specs (names, IPv4, IPv6 with and without brackets and ports, CIDR ranges),
 * the range-size rule, exclusions, target files, port lists, STARTTLS by port, checkpoints and
 * the scope id. Network-free: the engine is tested against real servers in sh_scan_cli. */
#include <certhound/scan.h>

#include "scan/internal.h"
#include "testlib.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* collect iterates the whole scope into "text:port[x]" lines joined by spaces. */
static void collect(ch_scan_targets *t, char *out, size_t cap)
{
	ch_scan__target x;
	bool excl;
	size_t n = 0;
	uint64_t expect = 0;

	out[0] = '\0';
	CHECK(ch_scan__iter_begin(t) == CH_OK);
	while (ch_scan__iter_next(t, &x, &excl) == CH_OK) {
		CHECK_INT(x.index, expect++);
		n += (size_t)snprintf(out + n, cap - n, "%s%s:%d%s", n ? " " : "", x.text, x.port,
				      excl ? "x" : "");
		if (n >= cap)
			break;
	}
}

static void test_specs(void)
{
	ch_scan_opts o;
	ch_scan_targets *t;
	char buf[2048];
	uint64_t n;

	ch_scan_opts_default(&o);
	CHECK(ch_scan_targets_new(&t, &o) == CH_OK);
	CHECK(ch_scan_targets_add(t, "Example.COM.") == CH_OK);
	CHECK(ch_scan_targets_add(t, " www.example.org:8443 ") == CH_OK);
	CHECK(ch_scan_targets_add(t, "10.0.0.1") == CH_OK);
	CHECK(ch_scan_targets_add(t, "10.0.0.2:25") == CH_OK);
	CHECK(ch_scan_targets_add(t, "[::1]:8443") == CH_OK);
	CHECK(ch_scan_targets_add(t, "2001:DB8::1") == CH_OK);
	CHECK(ch_scan_targets_add(t, "192.168.1.254/31") == CH_OK);
	CHECK(ch_scan_targets_add(t, "[2001:db8::/127]:443") == CH_OK);
	CHECK(ch_scan_targets_add(t, "10.9.9.9/32") == CH_OK);
	collect(t, buf, sizeof buf);
	CHECK_STR(buf, "example.com:0 www.example.org:8443 10.0.0.1:0 10.0.0.2:25 ::1:8443 "
		       "2001:db8::1:0 192.168.1.254:0 192.168.1.255:0 2001:db8:::443 "
		       "2001:db8::1:443 10.9.9.9:0");
	CHECK(ch_scan_targets_count(t, &n) == CH_OK);
	CHECK_INT(n, 11);
	/* iteration restarts from the beginning */
	collect(t, buf, sizeof buf);
	CHECK(strncmp(buf, "example.com:0 ", 14) == 0);
	ch_scan_targets_free(t);
}

static void test_bad_specs(void)
{
	static const char *const bad[] = {"", "   ", "a b", "1.2.3.4:0", "1.2.3.4:70000",
		"host:", "[::1", "[::1]x", "example.com/24", "1.2.3.4/33", "1.2.3.4/-1",
		"::1/129", "bad_label-.com..", "a..b", "x:y", "[::1]:http"};
	ch_scan_targets *t;

	CHECK(ch_scan_targets_new(&t, NULL) == CH_OK);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		ch_err e = ch_scan_targets_add(t, bad[i]);
		if (e == CH_OK)
			fprintf(stderr, "accepted bad spec '%s'\n", bad[i]);
		CHECK(e == CH_ERR_PARSE);
	}
	/* a whole /0 of IPv6 is never accepted, even with --yes */
	CHECK(ch_scan_targets_add(t, "2001:db8::/64") == CH_ERR_LIMIT);
	ch_scan_targets_free(t);
}

static void test_range_rule(void)
{
	ch_scan_opts o;
	ch_scan_targets *t;
	ch_scan__target x;
	bool excl;
	uint64_t n;

	ch_scan_opts_default(&o);
	CHECK(ch_scan_targets_new(&t, &o) == CH_OK);
	CHECK(ch_scan_targets_add(t, "10.0.0.0/24") == CH_OK);       /* 256: the default limit */
	CHECK(ch_scan_targets_add(t, "10.0.0.0/23") == CH_ERR_LIMIT);
	CHECK(strstr(ch_error_last(), "--yes") != NULL);
	ch_scan_targets_free(t);

	o.allow_large = true;
	CHECK(ch_scan_targets_new(&t, &o) == CH_OK);
	CHECK(ch_scan_targets_add(t, "10.0.0.77/23") == CH_OK);      /* host bits cleared */
	CHECK(ch_scan_targets_add(t, "10.0.0.0/8") == CH_OK);
	CHECK(ch_scan_targets_count(t, &n) == CH_OK);
	CHECK_INT(n, 512 + (1u << 24));
	CHECK(ch_scan__iter_begin(t) == CH_OK);
	for (int i = 0; i <= 256; i++)
		CHECK(ch_scan__iter_next(t, &x, &excl) == CH_OK);
	CHECK_STR(x.text, "10.0.1.0");                              /* carry across an octet */
	ch_scan_targets_free(t);

	o.allow_large = false;
	o.max_range = 4;
	CHECK(ch_scan_targets_new(&t, &o) == CH_OK);
	CHECK(ch_scan_targets_add(t, "10.0.0.0/30") == CH_OK);
	CHECK(ch_scan_targets_add(t, "10.0.0.0/29") == CH_ERR_LIMIT);
	ch_scan_targets_free(t);
}

static void test_excludes(void)
{
	ch_scan_targets *t;
	ch_scan__addr a = {0};
	char buf[1024];

	CHECK(ch_scan_targets_new(&t, NULL) == CH_OK);
	CHECK(ch_scan_targets_exclude(t, "10.0.0.1") == CH_OK);
	CHECK(ch_scan_targets_exclude(t, "[2001:db8::]/126") == CH_OK);
	CHECK(ch_scan_targets_exclude(t, "*.Example.com") == CH_OK);
	CHECK(ch_scan_targets_exclude(t, "exact.test") == CH_OK);
	CHECK(ch_scan_targets_exclude(t, "10.0.0.0/33") == CH_ERR_PARSE);
	CHECK(ch_scan_targets_exclude(t, "not a name") == CH_ERR_PARSE);
	CHECK(ch_scan_targets_add(t, "10.0.0.0/30") == CH_OK);
	CHECK(ch_scan_targets_add(t, "www.example.com") == CH_OK);
	CHECK(ch_scan_targets_add(t, "example.com") == CH_OK);
	CHECK(ch_scan_targets_add(t, "EXACT.test") == CH_OK);
	CHECK(ch_scan_targets_add(t, "notexact.test") == CH_OK);
	collect(t, buf, sizeof buf);
	CHECK_STR(buf, "10.0.0.0:0 10.0.0.1:0x 10.0.0.2:0 10.0.0.3:0 www.example.com:0x "
		       "example.com:0 exact.test:0x notexact.test:0");
	a.family = AF_INET6;
	a.b[0] = 0x20; a.b[1] = 0x01; a.b[2] = 0x0d; a.b[3] = 0xb8; a.b[15] = 3;
	CHECK(ch_scan__excluded_addr(t, &a));
	a.b[15] = 4;
	CHECK(!ch_scan__excluded_addr(t, &a));
	ch_scan_targets_free(t);
}

static void test_file(void)
{
	const char *dir = ch_test_tmpdir();
	char path[512], buf[1024];
	ch_scan_targets *t;
	FILE *f;

	snprintf(path, sizeof path, "%s/targets.txt", dir);
	f = fopen(path, "w");
	CHECK(f != NULL);
	fputs("# scope of the test\n\n10.1.1.1:8443  # a comment\n  host.test\n10.2.2.0/31\n", f);
	fclose(f);
	CHECK(ch_scan_targets_new(&t, NULL) == CH_OK);
	CHECK(ch_scan_targets_add(t, "first.test") == CH_OK);
	CHECK(ch_scan_targets_add_file(t, path) == CH_OK);
	CHECK(ch_scan_targets_add(t, "last.test") == CH_OK);
	collect(t, buf, sizeof buf);
	CHECK_STR(buf, "first.test:0 10.1.1.1:8443 host.test:0 10.2.2.0:0 10.2.2.1:0 last.test:0");
	ch_scan_targets_free(t);

	f = fopen(path, "w");
	fputs("ok.test\n\nnot ok\n", f);
	fclose(f);
	CHECK(ch_scan_targets_new(&t, NULL) == CH_OK);
	CHECK(ch_scan_targets_add_file(t, path) == CH_ERR_PARSE);
	CHECK(strstr(ch_error_last(), "targets.txt:3") != NULL);
	CHECK(ch_scan_targets_add_file(t, "/nonexistent/targets") == CH_ERR_IO);
	ch_scan_targets_free(t);
}

static void test_ports_and_more(void)
{
	ch_scan_opts o, o2;
	ch_scan_targets *t;
	ch_scan_starttls p;
	char id1[80], id2[80], id3[80];
	uint64_t next, total;

	ch_scan_opts_default(&o);
	CHECK(ch_scan_ports_parse(&o, "443,8443,9000-9002") == CH_OK);
	CHECK_INT(o.num_ports, 5);
	CHECK_INT(o.ports[4], 9002);
	CHECK(ch_scan_ports_parse(&o, "0") == CH_ERR_INVALID);
	CHECK(ch_scan_ports_parse(&o, "10-5") == CH_ERR_INVALID);
	CHECK(ch_scan_ports_parse(&o, "443,,") == CH_ERR_INVALID);
	CHECK(ch_scan_ports_parse(&o, "1-65") == CH_ERR_LIMIT);

	CHECK(ch_scan__starttls_for_port(25) == CH_SCAN_STARTTLS_SMTP);
	CHECK(ch_scan__starttls_for_port(587) == CH_SCAN_STARTTLS_SMTP);
	CHECK(ch_scan__starttls_for_port(143) == CH_SCAN_STARTTLS_IMAP);
	CHECK(ch_scan__starttls_for_port(110) == CH_SCAN_STARTTLS_POP3);
	CHECK(ch_scan__starttls_for_port(21) == CH_SCAN_STARTTLS_FTP);
	CHECK(ch_scan__starttls_for_port(443) == CH_SCAN_STARTTLS_NONE);
	CHECK(ch_scan_starttls_parse(&p, "imap") == CH_OK && p == CH_SCAN_STARTTLS_IMAP);
	CHECK(ch_scan_starttls_parse(&p, "gopher") == CH_ERR_INVALID);

	CHECK(ch_scan_checkpoint_parse(&next, &total, "v1 12 40", 8) == CH_OK);
	CHECK_INT(next, 12);
	CHECK_INT(total, 40);
	CHECK(ch_scan_checkpoint_parse(&next, &total, "v1 41 40", 8) == CH_ERR_PARSE);
	CHECK(ch_scan_checkpoint_parse(&next, &total, "garbage", 7) == CH_ERR_PARSE);

	/* the scope id: stable for the same scope and options, different otherwise */
	ch_scan_opts_default(&o2);
	CHECK(ch_scan_targets_new(&t, &o2) == CH_OK);
	CHECK(ch_scan_targets_add(t, "10.0.0.0/30") == CH_OK);
	CHECK(ch_scan_targets_id(t, id1, &o2) == CH_OK);
	CHECK(ch_scan_targets_id(t, id2, &o2) == CH_OK);
	CHECK_STR(id1, id2);
	CHECK(strncmp(id1, "scan:", 5) == 0 && strlen(id1) == 69);
	CHECK(ch_scan_ports_parse(&o2, "8443") == CH_OK);
	CHECK(ch_scan_targets_id(t, id3, &o2) == CH_OK);
	CHECK(strcmp(id1, id3) != 0);
	CHECK(ch_scan_targets_resolve(t, "pinned.test=127.0.0.1") == CH_OK);
	CHECK(ch_scan_targets_resolve(t, "pinned.test=[::1]") == CH_OK);
	CHECK(ch_scan_targets_resolve(t, "nope") == CH_ERR_PARSE);
	{
		ch_scan__addr a[4];
		CHECK_INT(ch_scan__pinned(t, "PINNED.test", a, 4), 2);
		CHECK_INT(a[1].family, AF_INET6);
		CHECK_INT(ch_scan__pinned(t, "other.test", a, 4), 0);
	}
	ch_scan_targets_free(t);
}

int main(void)
{
	test_specs();
	test_bad_specs();
	test_range_rule();
	test_excludes();
	test_file();
	test_ports_and_more();
	return ch_test_done("scan_targets");
}
