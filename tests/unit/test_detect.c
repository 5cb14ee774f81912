/* detect: readers over real files (every format, hostile records, inputs larger than the read
 * window), the shipped rules (every category, case, look-alike hosts and programs), rule and
 * allow-list files, aggregation and network correlation. */
#include "testlib.h"

#include <certhound/detect.h>

#include "detect/internal.h"

#include <stdlib.h>
#include <string.h>

static const char *tmp;

static char *path_of(const char *name)
{
	static char p[4096];
	snprintf(p, sizeof p, "%s/%s", tmp, name);
	return p;
}

typedef struct counts {
	uint64_t proc, net, bad;
	uint64_t bad_lines[16];
	uint64_t last_line;
	char last_cmd[256];
	char first_bad[256];
} counts;

static counts read_all(const char *file, ch_procev_format fmt)
{
	counts c = {0};
	ch_procev_reader *r = NULL;
	ch_procev_item it;
	ch_err err;

	if (ch_procev_open(&r, file, fmt) != CH_OK) {
		CHECK(!"open");
		return c;
	}
	while ((err = ch_procev_next(r, &it)) == CH_OK) {
		if (it.kind == CH_PROCEV_PROCESS) {
			c.proc++;
			c.last_line = it.line;
			snprintf(c.last_cmd, sizeof c.last_cmd, "%s", it.proc.command_line);
		} else if (it.kind == CH_PROCEV_NETWORK) {
			c.net++;
		} else {
			if (c.bad < 16)
				c.bad_lines[c.bad] = it.line;
			if (!c.bad)
				snprintf(c.first_bad, sizeof c.first_bad, "%s", it.reason);
			c.bad++;
		}
	}
	CHECK_INT(err, CH_ERR_EOF);
	ch_procev_free(r);
	return c;
}

static FILE *create(const char *name)
{
	FILE *f = fopen(path_of(name), "wb");
	if (!f)
		abort();
	return f;
}

static void big(FILE *f, char c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		fputc(c, f);
}

/* ---- text helpers ---------------------------------------------------------------------------- */

static void test_text(void)
{
	int64_t t;
	char huge[40001];

	CHECK(ch_detect__parse_time(&t, "2024-05-01T12:00:00Z", 20) && t == 1714564800000);
	CHECK(ch_detect__parse_time(&t, "2024-05-01 12:00:00.123", 23) && t == 1714564800123);
	CHECK(ch_detect__parse_time(&t, "2024-05-01T12:00:00.1234567Z", 28) && t == 1714564800123);
	CHECK(ch_detect__parse_time(&t, "2024-05-01T14:00:00+02:00", 25) && t == 1714564800000);
	CHECK(ch_detect__parse_time(&t, "1714564800.5", 12) && t == 1714564800500);
	CHECK(ch_detect__parse_time(&t, "1714564800123", 13) && t == 1714564800123);
	CHECK(!ch_detect__parse_time(&t, "yesterday", 9));
	CHECK(!ch_detect__parse_time(&t, "2024-13-01T00:00:00Z", 20));

	CHECK(ch_detect__glob("SECSCAN-*", "secscan-01"));
	CHECK(ch_detect__glob("*crt.sh*example.com*", "curl https://crt.sh/?q=%25.example.com"));
	CHECK(!ch_detect__glob("crt.sh", "curl crt.sh"));
	CHECK(ch_detect__glob("CORP\\svc_?ls*", "corp\\svc_tlsaudit"));
	/* A pathological pattern against a long subject finishes (O(n*m)). */
	memset(huge, 'a', sizeof huge - 1);
	huge[sizeof huge - 1] = '\0';
	CHECK(!ch_detect__glob("*a*a*a*a*a*a*a*a*a*a*b", huge));

	CHECK(ch_detect__utf8_valid("caf\xc3\xa9", 5));
	CHECK(!ch_detect__utf8_valid("\xc0\xaf", 2));
	CHECK(!ch_detect__utf8_valid("\xed\xa0\x80", 3));

	CHECK(ch_detect_parse_duration(&t, "1h") && t == 3600);
	CHECK(ch_detect_parse_duration(&t, "15m") && t == 900);
	CHECK(ch_detect_parse_duration(&t, "90") && t == 90);
	CHECK(!ch_detect_parse_duration(&t, "0s"));
	CHECK(!ch_detect_parse_duration(&t, "1w"));
}

/* ---- rules ----------------------------------------------------------------------------------- */

static const char *match(const ch_detect_rules *rs, const char *image, const char *cmd)
{
	ch_proc_event ev = {.time_ms = 0, .host = "h", .user = "u", .image = image,
			    .name = ch_detect__basename(image), .command_line = cmd,
			    .parent_image = "", .parent_command_line = "", .pid = -1, .file = "t",
			    .line = 1};
	long i = ch_detect_rules_match(rs, &ev);
	static char out[128];

	if (i < 0)
		return "-";
	snprintf(out, sizeof out, "%s/%s/%s", ch_detect_rules_get(rs, (size_t)i).category,
		 ch_detect_rules_get(rs, (size_t)i).id, ch_detect_rules_get(rs, (size_t)i).confidence);
	return out;
}

static void test_rules(const ch_detect_rules *rs)
{
	/* every category */
	CHECK_STR(match(rs, "/usr/bin/sslyze", "sslyze example.com"),
		  "CertEnumTool/cert-enum-tool/high");
	CHECK_STR(match(rs, "C:\\t\\TestSSL.sh", "TestSSL.sh x"), "CertEnumTool/cert-enum-tool/high");
	CHECK_STR(match(rs, "/usr/bin/python3", "python3 /opt/ctfr/ctfr.py -d example.com"),
		  "CertEnumTool/cert-enum-tool-cmdline/medium");
	CHECK_STR(match(rs, "/usr/bin/docker", "docker run --rm nablac0d3/sslyze example.com"),
		  "CertEnumTool/cert-enum-tool-cmdline/medium");
	CHECK_STR(match(rs, "C:\\Windows\\System32\\curl.exe", "curl https://crt.sh/?q=example.com"),
		  "CTLogQuery/ct-query-http-client/high");
	CHECK_STR(match(rs, "/usr/bin/pwsh", "pwsh -c iwr https://api.certspotter.com/v1/issuances"),
		  "CTLogQuery/ct-query-http-client/high");
	CHECK_STR(match(rs, "C:\\chrome.exe", "chrome.exe https://search.censys.io/certificates"),
		  "CTLogQuery/ct-query-other-process/low");
	CHECK_STR(match(rs, "/usr/bin/openssl", "openssl s_client -connect a.example:443"),
		  "OpenSSLProbe/openssl-network-probe/medium");
	CHECK_STR(match(rs, "/usr/bin/openssl", "openssl x509 -in local.pem -noout"),
		  "OpenSSLProbe/openssl-local-inspection/low");
	CHECK_STR(match(rs, "C:\\Windows\\System32\\certutil.exe", "certutil -dump c.cer"),
		  "CertutilEnum/certutil-enum/medium");
	CHECK_STR(match(rs, "C:\\Windows\\System32\\certutil.exe", "certutil /urlcache * delete"),
		  "CertutilEnum/certutil-enum/medium");
	/* case-insensitive on file names, flags and hosts */
	CHECK_STR(match(rs, "C:\\WINDOWS\\SYSTEM32\\CURL.EXE", "CURL.EXE HTTPS://CRT.SH/?Q=X"),
		  "CTLogQuery/ct-query-http-client/high");
	CHECK_STR(match(rs, "C:\\W\\CERTUTIL.EXE", "CERTUTIL -VERIFYSTORE MY"),
		  "CertutilEnum/certutil-enum/medium");
	CHECK_STR(match(rs, "/usr/bin/OpenSSL", "OpenSSL S_CLIENT -CONNECT x:443"),
		  "OpenSSLProbe/openssl-network-probe/medium");
	/* names below a CT host, trailing dots */
	CHECK_STR(match(rs, "/usr/bin/wget", "wget http://www.crt.sh./?q=x"),
		  "CTLogQuery/ct-query-http-client/high");
	/* look-alikes */
	CHECK_STR(match(rs, "/usr/bin/curl", "curl https://crt.sh.example.org/"), "-");
	CHECK_STR(match(rs, "/usr/bin/curl", "curl https://mycrt.shop/"), "-");
	CHECK_STR(match(rs, "/usr/bin/curl", "curl https://evil-crt.sh/ https://notshodan.io/"), "-");
	CHECK_STR(match(rs, "/usr/bin/opensslx", "opensslx s_client -connect a:443"), "-");
	CHECK_STR(match(rs, "/usr/bin/sslyzer", "sslyzer --help"), "-");
	CHECK_STR(match(rs, "/usr/bin/openssl", "openssl rand -hex 8"), "-");
	CHECK_STR(match(rs, "C:\\W\\certutil.exe", "certutil -hashfile a.exe SHA256"), "-");
	CHECK_STR(match(rs, "C:\\W\\certutil.exe", "certutil -dumpx"), "-");
	CHECK_STR(match(rs, "/usr/bin/vim", "vim zgrab2-notes.txt"), "-");
	/* network names */
	CHECK(ch_detect_rules_match_host(rs, "crt.sh") >= 0);
	CHECK(ch_detect_rules_match_host(rs, "CT.GoogleAPIs.com") >= 0);
	CHECK(ch_detect_rules_match_host(rs, "crt.sh.example.org") < 0);
	CHECK(ch_detect_rules_match_host(rs, "xcrt.sh") < 0);
}

static void expect_rules_error(const char *text, const char *needle)
{
	ch_detect_rules *rs = NULL;
	ch_err err = ch_detect_rules_parse(&rs, text, strlen(text), "r.conf");

	CHECK_INT(err, CH_ERR_PARSE);
	CHECK(rs == NULL);
	if (!strstr(ch_error_last(), needle)) {
		fprintf(stderr, "message '%s' lacks '%s'\n", ch_error_last(), needle);
		CHECK(!"message");
	}
}

static void test_rule_files(void)
{
	const char *ok = "# c\n[list t]\nfoo bar\n[rule r1]\ncategory = CertEnumTool\nimage = @t baz\n"
			 "severity = high\nconfidence = low\n";
	ch_detect_rules *rs = NULL;

	CHECK_INT(ch_detect_rules_parse(&rs, ok, strlen(ok), "ok.conf"), CH_OK);
	CHECK_STR(match(rs, "/bin/BAZ", ""), "CertEnumTool/r1/low");
	CHECK_STR(match(rs, "/bin/bar.exe", ""), "CertEnumTool/r1/low");
	CHECK_STR(match(rs, "/bin/bars", ""), "-");
	ch_detect_rules_free(rs);

	expect_rules_error("[rule a]\ncategory = Other\n", "r.conf:2: category 'Other'");
	expect_rules_error("[rule a]\ncategory = CTLogQuery\nimage = @nope\n", "r.conf:3: unknown list @nope");
	expect_rules_error("[rule a]\nimage = x\n", "r.conf:2: rule 'a' needs category");
	expect_rules_error("[rule a]\ncategory = CTLogQuery\nseverity = huge\n", "severity 'huge'");
	expect_rules_error("[rule a]\ncolour = red\n", "r.conf:2: unknown rule key 'colour'");
	expect_rules_error("image = x\n", "r.conf:1: setting outside a [section]");
	expect_rules_error("[rule a]\ncategory = CTLogQuery\nseverity = low\nconfidence = low\n",
			   "has no condition");
	expect_rules_error("[rule a]\ncategory = CTLogQuery\nseverity = low\nconfidence = low\n"
			   "net-host = crt.sh\nimage = curl\n", "net-host rules");
	expect_rules_error("", "no [rule");
}

/* ---- allow-lists ----------------------------------------------------------------------------- */

static void test_allow(void)
{
	char p[4096];
	ch_detect_allow *al = NULL;
	ch_proc_event ev = {.time_ms = 1715000000000, .host = "secscan-01", .user = "CORP\\svc_tlsaudit",
			    .image = "/opt/sslyze", .name = "sslyze", .command_line = "sslyze x",
			    .parent_image = "/bin/bash", .parent_command_line = ""};
	const char *bad1 = "[allow x]\ncategory = CTLogQuery\n";
	const char *bad2 = "[allow x]\nhost = a\nfrom = 2024-05-02T00:00:00Z\nuntil = 2024-05-01T00:00:00Z\n";

	snprintf(p, sizeof p, "%s/data/detect/allow.conf.example", ch_test_source_dir());
	CHECK_INT(ch_detect_allow_load(&al, p), CH_OK);
	CHECK_STR(ch_detect_allow_match(al, &ev, "CertEnumTool"), "security-team-tls-assessments");
	CHECK(ch_detect_allow_match(al, &ev, "CTLogQuery") == NULL); /* category restricted */
	ev.user = "CORP\\mallory";
	CHECK(ch_detect_allow_match(al, &ev, "CertEnumTool") == NULL);
	/* pentest window: inside and outside */
	ev.host = "PT-LAPTOP-1";
	ev.user = "CORP\\pentest-kim";
	ev.time_ms = 1715100000000; /* 2024-05-07 */
	CHECK_STR(ch_detect_allow_match(al, &ev, "CertEnumTool"), "pentest-2024-q2");
	ev.time_ms = 1716000000000; /* 2024-05-18 */
	CHECK(ch_detect_allow_match(al, &ev, "CertEnumTool") == NULL);
	ev.time_ms = INT64_MIN; /* no time: a windowed entry cannot vouch for it */
	CHECK(ch_detect_allow_match(al, &ev, "CertEnumTool") == NULL);
	ch_detect_allow_free(al);

	al = NULL;
	CHECK_INT(ch_detect_allow_parse(&al, bad1, strlen(bad1), "a.conf"), CH_ERR_PARSE);
	CHECK(strstr(ch_error_last(), "needs at least one of host") != NULL);
	CHECK_INT(ch_detect_allow_parse(&al, bad2, strlen(bad2), "a.conf"), CH_ERR_PARSE);
	CHECK(strstr(ch_error_last(), "ends before it starts") != NULL);
	CHECK(al == NULL);
}

/* ---- readers: hostile records, large inputs ------------------------------------------------ */

static const char *ecs_line = "{\"@timestamp\":\"2024-05-01T12:00:00Z\",\"event\":{\"code\":\"1\"},"
			      "\"host\":{\"name\":\"ws1\"},\"user\":{\"name\":\"u\"},\"process\":{"
			      "\"executable\":\"/usr/bin/curl\",\"command_line\":\"curl https://crt.sh/\"}}\n";

static void test_json_hostile(void)
{
	FILE *f = create("hostile.ndjson");
	counts c;

	fputs(ecs_line, f);                          /* 1 */
	fputs("{\"process\":{\"command_line\":\"", f); /* 2: 2 MiB line */
	big(f, 'A', (size_t)2 << 20);
	fputs("\"}}\n", f);
	fputs("{\"process\":{\"command_line\":\"", f); /* 3: a 100 KiB field in a short record */
	big(f, 'B', 100 << 10);
	fputs("\"}}\n", f);
	fputs("{\"process\":{\"command_line\":\"\xc3\x28\"}}\n", f); /* 4: bad UTF-8 */
	fputs("not json at all\n", f);                /* 5 */
	fputs(ecs_line, f);                          /* 6 */
	fputs("{\"process\":{\"command_line\":\"cut", f); /* 7: truncated at EOF */
	fclose(f);
	c = read_all(path_of("hostile.ndjson"), CH_PROCEV_AUTO);
	CHECK_INT(c.proc, 2);
	CHECK_INT(c.last_line, 6);
	CHECK_INT(c.bad, 5);
	CHECK_INT(c.bad_lines[0], 2);
	CHECK_INT(c.bad_lines[1], 3);
	CHECK_INT(c.bad_lines[2], 4);
	CHECK_INT(c.bad_lines[3], 5);
	CHECK_INT(c.bad_lines[4], 7);
	CHECK(strstr(c.first_bad, "longer than") != NULL);
}

static void test_auditd_hostile(void)
{
	FILE *f = create("hostile.audit");
	counts c;

	fputs("type=SYSCALL msg=audit(1714730000.000:10): syscall=59 pid=5 ppid=1 auid=0 uid=0 "
	      "comm=\"curl\" exe=\"/usr/bin/curl\"\n", f);                       /* 1 */
	fputs("type=EXECVE msg=audit(1714730000.000:10): argc=2 a0=\"curl\" a1=", f); /* 2 */
	fputs("68747470733A2F2F6372742E73682F\n", f);
	fputs("type=EOE msg=audit(1714730000.000:10): \n", f);                       /* 3 */
	fputs("type=EXECVE msg=audit(1714730001.000:11): argc=2 a0=\"curl\" a1=6G74\n", f); /* 4 */
	fputs("type=EOE msg=audit(1714730001.000:11): \n", f);
	fputs("type=EXECVE msg=audit(1714730002.000:12): argc=2 a0=\"curl\" a1=", f); /* 6: huge */
	big(f, '4', (size_t)3 << 20);
	fputs("\n", f);
	fputs("type=EXECVE msg=audit(1714730003.000:13): argc=2 a0=\"curl\" a1=C328\n", f); /* 7 */
	fputs("type=EOE msg=audit(1714730003.000:13): \n", f);
	/* 9..10: a long argument in pieces */
	fputs("type=EXECVE msg=audit(1714730004.000:14): argc=2 a0=\"wget\" a1_len=30 "
	      "a1[0]=68747470733A2F2F a1[1]=6170692E63657274 a1[2]=73706F7474\n", f);
	fputs("type=EXECVE msg=audit(1714730004.000:14): a1[3]=65722E636F6D2F\n", f);
	fclose(f);
	c = read_all(path_of("hostile.audit"), CH_PROCEV_AUTO);
	CHECK_INT(c.proc, 2);
	CHECK_STR(c.last_cmd, "wget https://api.certspotter.com/");
	CHECK_INT(c.bad, 3);
	CHECK_INT(c.bad_lines[0], 4);
	CHECK_INT(c.bad_lines[1], 6);
	CHECK_INT(c.bad_lines[2], 7);
}

static void test_xml_hostile(void)
{
	FILE *f = create("hostile.xml");
	const char *ev = "<Event><System><Provider Name='Microsoft-Windows-Sysmon'/><EventID>1</EventID>"
			 "<TimeCreated SystemTime='2024-05-01T00:00:00Z'/><Computer>c</Computer></System>"
			 "<EventData><Data Name='Image'>C:\\curl.exe</Data><Data Name='CommandLine'>"
			 "curl crt.sh</Data></EventData></Event>\n";
	counts c;

	fputs("<Events>\n", f);
	fputs(ev, f);                                     /* 2 */
	fputs("<Event><System><EventID>1</EventID></System><EventData><Data Name='CommandLine'>", f);
	big(f, 'x', (size_t)2 << 20);                     /* 3: larger than an event may be */
	fputs("</Data></EventData></Event>\n", f);
	fputs(ev, f);                                     /* 4 */
	fputs("<Event><System><EventID>1</EventID></System><EventData><Data Name='CommandLine'>"
	      "\xff\xfe</Data></EventData></Event>\n", f); /* 5: bad UTF-8 */
	fputs("</Events>\n", f);
	fclose(f);
	c = read_all(path_of("hostile.xml"), CH_PROCEV_AUTO);
	CHECK_INT(c.proc, 2);
	CHECK_INT(c.last_line, 4);
	CHECK_INT(c.bad, 2);
	CHECK_INT(c.bad_lines[0], 3);
	CHECK_INT(c.bad_lines[1], 5);
}

static void test_csv_hostile(void)
{
	FILE *f = create("hostile.csv");
	counts c;

	fputs("Timestamp,DeviceName,FileName,ProcessCommandLine\n", f);
	fputs("2024-05-01T00:00:00Z,d,curl.exe,\"curl \"\"https://crt.sh/\"\"\nsecond line\"\n", f); /* 2-3 */
	fputs("2024-05-01T00:00:00Z,d,curl.exe,\"", f); /* 4: a 2 MiB row */
	big(f, 'z', (size_t)2 << 20);
	fputs("\"\n", f);
	fputs("2024-05-01T00:00:00Z,d,x.exe,\"a\"b\n", f); /* 5 */
	fputs("not-a-time,d,curl.exe,curl crt.sh\n", f);  /* 6 */
	fputs("2024-05-01T00:00:01Z,d,curl.exe,curl crt.sh\n", f); /* 7 */
	fclose(f);
	c = read_all(path_of("hostile.csv"), CH_PROCEV_AUTO);
	CHECK_INT(c.proc, 2);
	CHECK_INT(c.last_line, 7);
	CHECK_INT(c.bad, 3);
	CHECK_INT(c.bad_lines[0], 4);
	CHECK_INT(c.bad_lines[1], 5);
	CHECK_INT(c.bad_lines[2], 6);
}

/* Many events: crosses the reader's window many times; one alert with the full count. */
static void test_large(const ch_detect_rules *rs)
{
	FILE *f = create("large.ndjson");
	ch_procev_reader *r = NULL;
	ch_detect *d = NULL;
	ch_procev_item it;
	const ch_detect_alert *a;
	size_t n = 0;
	const int N = 60000;
	uint64_t events = 0, last = 0;

	for (int i = 0; i < N; i++)
		fprintf(f, "{\"@timestamp\":\"2024-05-01T12:%02d:%02dZ\",\"host\":{\"name\":\"ws1\"},"
			   "\"user\":{\"name\":\"u\"},\"process\":{\"executable\":\"/usr/bin/%s\","
			   "\"command_line\":\"x https://crt.sh/?q=%d\"}}\n",
			(i / 60) % 60, i % 60, i % 2 ? "curl" : "bash", i);
	fclose(f);
	CHECK_INT(ch_procev_open(&r, path_of("large.ndjson"), CH_PROCEV_AUTO), CH_OK);
	CHECK_INT(ch_detect_new(&d, rs, NULL, 3600), CH_OK);
	while (ch_procev_next(r, &it) == CH_OK) {
		CHECK(it.kind == CH_PROCEV_PROCESS);
		events++;
		last = it.line;
		if (ch_detect_add_process(d, &it.proc) != CH_OK)
			CHECK(!"add");
	}
	CHECK_INT(events, N);
	CHECK_INT(last, N);
	CHECK_INT(ch_detect_finish(d, &a, &n), CH_OK);
	/* curl (high) and bash (low) events share host, user and category: one alert each hour */
	CHECK_INT(n, 1);
	if (n == 1) {
		CHECK_INT(a[0].count, N);
		CHECK_STR(a[0].confidence, "high");
		CHECK_INT(a[0].line, 1);
	}
	ch_detect_free(d);
	ch_procev_free(r);

	/* Event Viewer export: thousands of events on one line. */
	f = create("oneline.xml");
	fputs("<?xml version=\"1.0\"?><Events>", f);
	for (int i = 0; i < 20000; i++)
		fprintf(f, "<Event><System><Provider Name='Microsoft-Windows-Sysmon'/><EventID>%d"
			   "</EventID><Computer>c</Computer></System><EventData><Data Name='Image'>"
			   "C:\\x\\sslscan.exe</Data><Data Name='CommandLine'>sslscan h%d</Data>"
			   "</EventData></Event>", i % 2 ? 1 : 5, i);
	fputs("</Events>", f);
	fclose(f);
	{
		counts c = read_all(path_of("oneline.xml"), CH_PROCEV_AUTO);
		CHECK_INT(c.proc, 10000);
		CHECK_INT(c.bad, 0);
		CHECK_STR(c.last_cmd, "sslscan h19999");
	}
}

/* UTF-16LE input (PowerShell redirection) is converted as it is read, across the window. */
static void test_utf16(void)
{
	FILE *f = create("utf16.ndjson");
	counts c;
	const int N = 30000;

	fputc(0xff, f);
	fputc(0xfe, f);
	for (int i = 0; i < N; i++) {
		char line[512];
		int n = snprintf(line, sizeof line, "{\"@timestamp\":\"2024-05-01T12:00:00Z\","
				 "\"process\":{\"executable\":\"/usr/bin/curl\",\"command_line\":"
				 "\"curl https://crt.sh/?q=%d \xf0\x9f\x94\x90\"}}\n", i);
		for (int k = 0; k < n; k++) {
			unsigned char ch = (unsigned char)line[k];
			if (ch == 0xf0) { /* U+1F510 as a surrogate pair */
				fputs("\x3d\xd8\x10\xdd", f);
				k += 3;
				continue;
			}
			fputc(ch, f);
			fputc(0, f);
		}
		if (i == 777) { /* an unpaired high surrogate on the next line */
			static const char head[] = "{\"process\":{\"command_line\":\"", tail[] = "x\"}}\n";
			for (const char *p = head; *p; p++)
				fputc(*p, f), fputc(0, f);
			fputc(0x00, f); /* a high half with no low half after it */
			fputc(0xd8, f);
			for (const char *p = tail; *p; p++)
				fputc(*p, f), fputc(0, f);
		}
	}
	fclose(f);
	c = read_all(path_of("utf16.ndjson"), CH_PROCEV_AUTO);
	CHECK_INT(c.proc, N);
	CHECK_INT(c.last_line, N + 1);
	CHECK_INT(c.bad, 1); /* the lone surrogate: reported as invalid UTF-8 with its line */
	CHECK_INT(c.bad_lines[0], 779);
	CHECK(strstr(c.last_cmd, "\xf0\x9f\x94\x90") != NULL);
}

/* Network observations fold into a process alert of the same host within the window. */
static void test_correlation(const ch_detect_rules *rs)
{
	ch_detect *d = NULL;
	const ch_detect_alert *a;
	size_t n = 0;
	ch_proc_event pe = {.time_ms = 1714730000000, .host = "WS01.corp.example", .user = "u",
			    .image = "/usr/bin/curl", .name = "curl",
			    .command_line = "curl https://crt.sh/?q=x", .parent_image = "",
			    .parent_command_line = "", .file = "p", .line = 3};
	ch_net_event near = {.time_ms = 1714730001000, .host = "ws01", .name = "crt.sh",
			     .kind = "dns", .file = "n", .line = 1};
	ch_net_event far = {.time_ms = 1714740000000, .host = "ws01", .name = "crt.sh",
			    .kind = "dns", .file = "n", .line = 2};
	ch_net_event other = {.time_ms = 1714730001000, .host = "10.0.0.9", .name = "www.crt.sh",
			      .kind = "sni", .file = "n", .line = 3};

	CHECK_INT(ch_detect_new(&d, rs, NULL, 600), CH_OK);
	pe.command_line = "bash -c 'curl https://crt.sh/?q=x'"; /* low confidence on its own */
	pe.image = "/bin/bash";
	pe.name = "bash";
	CHECK_INT(ch_detect_add_process(d, &pe), CH_OK);
	CHECK_INT(ch_detect_add_network(d, &near), CH_OK);
	CHECK_INT(ch_detect_add_network(d, &far), CH_OK);
	CHECK_INT(ch_detect_add_network(d, &other), CH_OK);
	CHECK_INT(ch_detect_finish(d, &a, &n), CH_OK);
	CHECK_INT(n, 3);
	if (n == 3) {
		CHECK_STR(a[0].host, "WS01.corp.example");
		CHECK_STR(a[0].confidence, "high"); /* raised by the DNS lookup next to it */
		CHECK_STR(a[1].host, "10.0.0.9");
		CHECK_STR(a[1].command_line, "sni www.crt.sh");
		CHECK_STR(a[2].host, "ws01");
		CHECK_STR(a[2].rule, "net-ct-lookup");
	}
	CHECK_INT(ch_detect_get_stats(d).correlated, 1);
	ch_detect_free(d);
}

int main(void)
{
	ch_detect_rules *rs = NULL;
	char p[4096];

	tmp = ch_test_tmpdir();
	snprintf(p, sizeof p, "%s/data/detect/rules.conf", ch_test_source_dir());
	CHECK_INT(ch_detect_rules_load(&rs, p), CH_OK);
	if (!rs)
		return ch_test_done("detect");
	test_text();
	test_rules(rs);
	test_rule_files();
	test_allow();
	test_json_hostile();
	test_auditd_hostile();
	test_xml_hostile();
	test_csv_hostile();
	test_large(rs);
	test_utf16();
	test_correlation(rs);
	ch_detect_rules_free(rs);
	return ch_test_done("detect");
}
