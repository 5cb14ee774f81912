/* corroborate through the library API: label-boundary matching, indicator normalisation and
 * de-duplication, IPv6 forms, verdict precedence, evidence ordering and bounds, time windows,
 * ATT&CK rules from text, and telemetry reading of gzip files (rotated and truncated). */
#include "testlib.h"

#include <certhound/corroborate.h>
#include <certhound/telemetry.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static ch_obs obs(ch_obs_kind kind, int64_t t, const char *src, const char *dst, const char *name)
{
	ch_obs o;
	memset(&o, 0, sizeof o);
	o.kind = kind;
	o.time = t;
	o.src = src;
	o.dst = dst;
	o.name = name;
	o.sni = o.proto = o.service = o.uri = o.action = "";
	o.log = ch_obs_kind_name(kind);
	o.file = "mem.log";
	o.bytes_in = o.bytes_out = -1;
	return o;
}

static ch_corr_result res(ch_corroborate *c, size_t i)
{
	ch_corr_result r;
	CHECK(ch_corroborate_result(c, &r, i) == CH_OK);
	return r;
}

static void test_matching(void)
{
	ch_corroborate *c = NULL;
	ch_corr_attack *a = NULL;
	const char rules[] = "# test rules\nproxy * * T1071.001 Web\ntls cert * T1573.002 x\ntls fuid * T1573.002 x\n";
	ch_corroborate_opts opts = {.since = 1000, .until = 2000, .evidence_per_kind = 2};
	ch_obs o;

	CHECK(ch_corr_attack_parse(&a, rules, sizeof rules - 1, "rules") == CH_OK);
	opts.attack = a;
	CHECK(ch_corroborate_new(&c, &opts) == CH_OK);
	CHECK(ch_corroborate_add(c, 0, "Evil.COM.", "t") == CH_OK);               /* 0 domain */
	CHECK(ch_corroborate_add(c, 0, "evil.com", "t") == CH_OK);                /* duplicate */
	CHECK(ch_corroborate_add(c, 0, "name:www.evil.com", "t") == CH_OK);       /* 1 name */
	CHECK(ch_corroborate_add(c, 0, "2001:DB8:0::0:7", "t") == CH_OK);         /* 2 ip */
	CHECK(ch_corroborate_add(c, 0, "::ffff:192.0.2.1", "t") == CH_OK);        /* 3 ip (v4) */
	CHECK(ch_corroborate_add(c, 0, "AB:48:FA:88:EE:66:CC:E1:84:85:62:11:7D:32:49:18:38:DB:E0:6C:"
				       "CE:88:41:42:59:49:7D:32:A3:D1:FE:FD", "t") == CH_OK); /* 4 cert */
	CHECK(ch_corroborate_add(c, 0, "*.tunnel.example", "t") == CH_OK);        /* 5 domain */
	CHECK(ch_corroborate_add(c, 0, "bad name", "t") == CH_ERR_PARSE);
	CHECK(ch_corroborate_add(c, CH_CORR_IP, "evil.com", "t") == CH_ERR_PARSE);
	CHECK(ch_corroborate_add(c, CH_CORR_CERT, "abcd", "t") == CH_ERR_PARSE);
	CHECK_INT(ch_corroborate_count(c), 6);
	CHECK_STR(res(c, 0).indicator, "evil.com");
	CHECK_STR(res(c, 2).indicator, "2001:db8::7");
	CHECK_STR(res(c, 3).indicator, "192.0.2.1");
	CHECK_STR(res(c, 4).indicator, "ab48fa88ee66cce1848562117d32491838dbe06cce88414259497d32a3d1fefd");
	CHECK_STR(res(c, 5).indicator, "tunnel.example");

	/* label boundary, case, trailing dot */
	o = obs(CH_OBS_DNS, 1100, "10.0.0.1", "", "notevil.com");
	CHECK(ch_corroborate_observe(c, &o) == CH_OK);
	o = obs(CH_OBS_DNS, 1100, "10.0.0.1", "", "evil.com.notevil.org");
	CHECK(ch_corroborate_observe(c, &o) == CH_OK);
	CHECK_INT(res(c, 0).count, 0);
	o = obs(CH_OBS_DNS, 1200, "10.0.0.2", "", "A.B.EVIL.com.");
	o.line = 7;
	CHECK(ch_corroborate_observe(c, &o) == CH_OK);
	CHECK_INT(res(c, 0).count, 1);
	CHECK_INT(res(c, 0).verdict, CH_VERDICT_RESOLVED);
	CHECK_INT(res(c, 1).count, 0); /* name: exact only */
	o = obs(CH_OBS_PROXY, 1300, "10.0.0.3", "", "www.evil.com");
	o.line = 8;
	CHECK(ch_corroborate_observe(c, &o) == CH_OK);
	CHECK_INT(res(c, 1).verdict, CH_VERDICT_CONTACTED);
	CHECK_INT(res(c, 0).verdict, CH_VERDICT_CONTACTED);
	CHECK_INT(res(c, 0).num_attack, 1);
	CHECK_STR(res(c, 0).attack[0], "T1071.001");
	/* time window: before since and at until are ignored */
	o = obs(CH_OBS_TLS, 999, "10.0.0.4", "", "");
	o.sni = "evil.com";
	CHECK(ch_corroborate_observe(c, &o) == CH_OK);
	o.time = 2000;
	CHECK(ch_corroborate_observe(c, &o) == CH_OK);
	CHECK_INT(res(c, 0).verdict, CH_VERDICT_CONTACTED);
	o.time = 1999;
	o.line = 9;
	CHECK(ch_corroborate_observe(c, &o) == CH_OK);
	{
		ch_corr_result r = res(c, 0);
		CHECK_INT(r.verdict, CH_VERDICT_TLS);
		CHECK_INT(r.count, 3);
		CHECK_INT(r.num_hosts, 3);
		CHECK_INT(r.first_seen, 1200);
		CHECK_INT(r.last_seen, 1999);
		/* strongest first, then reading order */
		CHECK_INT(r.num_evidence, 3);
		CHECK_INT(r.evidence[0].line, 9);
		CHECK_INT(r.evidence[1].line, 8);
		CHECK_INT(r.evidence[2].line, 7);
		CHECK_STR(r.evidence[0].matched, "sni");
	}
	/* evidence bounded per level (2 here), count keeps going */
	for (int i = 0; i < 5; i++) {
		o = obs(CH_OBS_DNS, 1500, "10.0.0.5", "", "x.evil.com");
		o.line = 100 + (uint64_t)i;
		CHECK(ch_corroborate_observe(c, &o) == CH_OK);
	}
	CHECK_INT(res(c, 0).count, 8);
	CHECK_INT(res(c, 0).num_evidence, 4);
	/* IPs: IPv6 written differently, IPv4-mapped, source side gives the other end as host */
	o = obs(CH_OBS_CONN, 1500, "10.0.0.6", "2001:db8:0:0:0:0:0:7", "");
	CHECK(ch_corroborate_observe(c, &o) == CH_OK);
	CHECK_INT(res(c, 2).verdict, CH_VERDICT_CONTACTED);
	o = obs(CH_OBS_FIREWALL, 1500, "192.0.2.1", "10.0.0.7", "");
	CHECK(ch_corroborate_observe(c, &o) == CH_OK);
	CHECK_STR(res(c, 3).hosts[0], "10.0.0.7");
	CHECK_INT(res(c, 3).num_attack, 0);
	/* DNS answer with an address; resolver address itself is not contact */
	o = obs(CH_OBS_DNS, 1500, "10.0.0.8", "2001:db8::7", "other.example");
	CHECK(ch_corroborate_observe(c, &o) == CH_OK);
	CHECK_INT(res(c, 2).count, 1);
	/* certificates: fingerprint in a chain; x509 file id then ssl fuid */
	o = obs(CH_OBS_X509, 1500, "", "", "");
	o.certs[0] = "ab48fa88ee66cce1848562117d32491838dbe06cce88414259497d32a3d1fefd";
	o.num_certs = 1;
	o.fuids[0] = "Fxyz";
	o.num_fuids = 1;
	CHECK(ch_corroborate_observe(c, &o) == CH_OK);
	o = obs(CH_OBS_TLS, 1600, "10.0.0.9", "198.51.100.1", "");
	o.fuids[0] = "Fxyz";
	o.num_fuids = 1;
	CHECK(ch_corroborate_observe(c, &o) == CH_OK);
	{
		ch_corr_result r = res(c, 4);
		CHECK_INT(r.verdict, CH_VERDICT_TLS);
		CHECK_INT(r.count, 2);
		CHECK_INT(r.num_hosts, 1);
		CHECK_STR(r.hosts[0], "10.0.0.9");
		CHECK_INT(r.num_attack, 1);
		CHECK_STR(r.attack[0], "T1573.002");
	}
	CHECK_INT(res(c, 5).verdict, CH_VERDICT_NONE);
	CHECK_INT(ch_corroborate_matched(c), 5);
	ch_corroborate_free(c);
	ch_corr_attack_free(a);
	/* rule file errors name the line */
	CHECK(ch_corr_attack_parse(&a, "http * * X1\n", 12, "r") == CH_ERR_PARSE);
	CHECK(strstr(ch_error_last(), "r:1:") != NULL);
	CHECK(ch_corr_attack_parse(&a, "\nbogus * * T1\n", 14, "r") == CH_ERR_PARSE);
	CHECK(strstr(ch_error_last(), "r:2:") != NULL);
}

static void test_gzip(void)
{
	char path[] = "/tmp/ch_tel_gz_XXXXXX";
	int fd = mkstemp(path);
	gzFile gz;
	ch_telemetry_reader *r = NULL;
	ch_obs o;
	ch_err err;
	int n = 0;
	long size;
	FILE *f;

	CHECK(fd >= 0);
	close(fd);
	gz = gzopen(path, "wb");
	for (int i = 0; i < 20000; i++)
		gzprintf(gz, "%d.000 1 10.0.%d.%d TCP_MISS/200 1 GET http://h%d.example/ - "
			     "HIER_DIRECT/192.0.2.1 -\n", 1714564800 + i, i / 256 % 256, i % 256, i);
	gzclose(gz);
	CHECK(ch_telemetry_open(&r, path, NULL) == CH_OK);
	while ((err = ch_telemetry_next(r, &o)) == CH_OK) {
		if (n == 19999) {
			CHECK_STR(o.name, "h19999.example");
			CHECK_INT(o.line, 20000);
		}
		n++;
	}
	CHECK_INT(err, CH_ERR_EOF);
	CHECK_INT(n, 20000);
	CHECK_INT(ch_telemetry_get_format(r), CH_TEL_SQUID);
	ch_telemetry_free(r);
	/* truncated gzip: the lines before the cut, then an I/O error naming the file */
	f = fopen(path, "r+b");
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fclose(f);
	CHECK(truncate(path, size / 2) == 0);
	n = 0;
	CHECK(ch_telemetry_open(&r, path, NULL) == CH_OK);
	while ((err = ch_telemetry_next(r, &o)) == CH_OK || err == CH_ERR_PARSE)
		n++;
	CHECK_INT(err, CH_ERR_IO);
	CHECK(strstr(ch_error_last(), path) != NULL);
	CHECK(n > 0 && n < 20000);
	ch_telemetry_free(r);
	unlink(path);
	CHECK(ch_telemetry_open(&r, "/nonexistent/x.log", NULL) == CH_ERR_IO);
}

int main(void)
{
	test_matching();
	test_gzip();
	return ch_test_done("corroborate");
}
