/* bench_corroborate: Zeek TSV lines per second through the telemetry reader and corroborate's
 * matching against many indicators, printed beside the raw line-splitting rate of the same file
 * in the same run (read + find every newline and tab, nothing else).
 *
 *   bench_corroborate [LINES [INDICATORS [FILE]]]   defaults: 3000000 lines, 100000 indicators,
 *                                                   /tmp/ch_bench_zeek.log (written if missing)
 *
 * The file is one concatenation of three Zeek logs (as `cat` of rotations makes): conn (60%),
 * dns (30%) and ssl (10%) lines with realistic columns; about 1 line in 1000 matches an
 * indicator. Indicators: one third domains, one third IPv4 addresses, one third SHA-256s. */
#include <certhound/corroborate.h>
#include <certhound/telemetry.h>
#include <certhound/util.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static uint64_t rng = 0x243f6a8885a308d3ull;
static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)rng;
}

static void header(FILE *f, const char *path, const char *fields, const char *types)
{
	fprintf(f, "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n"
		   "#path\t%s\n#open\t2024-05-01-00-00-00\n#fields\t%s\n#types\t%s\n", path, fields,
		types);
}

static void write_file(const char *path, uint64_t lines)
{
	FILE *f = fopen(path, "w");
	uint64_t n_conn = lines * 6 / 10, n_dns = lines * 3 / 10, n_ssl = lines - n_conn - n_dns;
	uint64_t ts = 1714521600;

	if (!f) {
		perror(path);
		exit(1);
	}
	header(f, "conn", "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\t"
			  "duration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\t"
			  "missed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\t"
			  "tunnel_parents",
	       "time\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\t"
	       "bool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]");
	for (uint64_t i = 0; i < n_conn; i++)
		fprintf(f, "%" PRIu64 ".%06u\tC%08x%08x\t10.%u.%u.%u\t%u\t%u.%u.%u.%u\t443\ttcp\tssl\t"
			   "0.%06u\t%u\t%u\tSF\tT\tF\t0\tShADadFf\t12\t1500\t14\t9000\t-\n",
			ts + i / 100, rnd() % 1000000, rnd(), rnd(), rnd() % 256, rnd() % 256,
			rnd() % 256, 1024 + rnd() % 60000, 1 + rnd() % 223, rnd() % 256, rnd() % 256,
			rnd() % 256, rnd() % 1000000, rnd() % 5000, rnd() % 90000);
	header(f, "dns", "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\trtt\t"
			 "query\tqclass\tqclass_name\tqtype\tqtype_name\trcode\trcode_name\tAA\tTC\tRD\t"
			 "RA\tZ\tanswers\tTTLs\trejected",
	       "time\tstring\taddr\tport\taddr\tport\tenum\tcount\tinterval\tstring\tcount\tstring\t"
	       "count\tstring\tcount\tstring\tbool\tbool\tbool\tbool\tcount\tvector[string]\t"
	       "vector[interval]\tbool");
	for (uint64_t i = 0; i < n_dns; i++)
		fprintf(f, "%" PRIu64 ".%06u\tD%08x\t10.%u.%u.%u\t%u\t10.0.0.1\t53\tudp\t%u\t0.001\t"
			   "host%u.svc%u.example%u.com\t1\tC_INTERNET\t1\tA\t0\tNOERROR\tF\tF\tT\tT\t0\t"
			   "%u.%u.%u.%u\t60.000000\tF\n",
			ts + i / 100, rnd() % 1000000, rnd(), rnd() % 256, rnd() % 256, rnd() % 256,
			1024 + rnd() % 60000, rnd() % 65536, rnd() % 100, rnd() % 1000, rnd() % 5000,
			1 + rnd() % 223, rnd() % 256, rnd() % 256, rnd() % 256);
	header(f, "ssl", "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tversion\tcipher\t"
			 "curve\tserver_name\tresumed\testablished\tcert_chain_fps\tsni_matches_cert",
	       "time\tstring\taddr\tport\taddr\tport\tstring\tstring\tstring\tstring\tbool\tbool\t"
	       "vector[string]\tbool");
	for (uint64_t i = 0; i < n_ssl; i++) {
		uint8_t fp[32];
		char hex[65];
		for (int k = 0; k < 32; k++)
			fp[k] = (uint8_t)rnd();
		ch_hex_encode(hex, fp, 32);
		fprintf(f, "%" PRIu64 ".%06u\tS%08x\t10.%u.%u.%u\t%u\t%u.%u.%u.%u\t443\tTLSv13\t"
			   "TLS_AES_128_GCM_SHA256\tx25519\twww%u.site%u.org\tF\tT\t%s\tT\n",
			ts + i / 100, rnd() % 1000000, rnd(), rnd() % 256, rnd() % 256, rnd() % 256,
			1024 + rnd() % 60000, 1 + rnd() % 223, rnd() % 256, rnd() % 256, rnd() % 256,
			rnd() % 1000, rnd() % 5000, hex);
	}
	fclose(f);
}

/* The raw rate: read the file and find every newline and tab. */
static uint64_t split_only(const char *path, uint64_t *tabs)
{
	FILE *f = fopen(path, "rb");
	static char buf[1 << 18];
	size_t n;
	uint64_t lines = 0;

	*tabs = 0;
	while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
		const char *p = buf, *end = buf + n;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const char *le = nl ? nl : end;
			for (const char *t = p; (t = memchr(t, '\t', (size_t)(le - t))); t++)
				(*tabs)++;
			if (nl)
				lines++;
			p = le + 1;
		}
	}
	fclose(f);
	return lines;
}

int main(int argc, char **argv)
{
	uint64_t lines = argc > 1 ? strtoull(argv[1], NULL, 10) : 3000000;
	size_t nind = argc > 2 ? strtoull(argv[2], NULL, 10) : 100000;
	const char *path = argc > 3 ? argv[3] : "/tmp/ch_bench_zeek.log";
	ch_corroborate *c = NULL;
	ch_telemetry_reader *r = NULL;
	ch_obs ob;
	ch_err err;
	uint64_t t0, t1, t2, t3, tabs, obs = 0, split_lines;
	FILE *probe = fopen(path, "r");
	struct rusage ru;

	if (probe)
		fclose(probe);
	else
		write_file(path, lines);
	if (ch_corroborate_new(&c, NULL) != CH_OK)
		return 1;
	for (size_t i = 0; i < nind; i++) {
		char v[80];
		switch (i % 3) {
		case 0:
			snprintf(v, sizeof v, "svc%u.example%u.com", rnd() % 100, rnd() % 1000);
			break;
		case 1:
			snprintf(v, sizeof v, "%u.%u.%u.%u", 1 + rnd() % 223, rnd() % 256, rnd() % 256,
				 rnd() % 256);
			break;
		default: {
			uint8_t fp[32];
			for (int k = 0; k < 32; k++)
				fp[k] = (uint8_t)rnd();
			ch_hex_encode(v, fp, 32);
		}
		}
		if (ch_corroborate_add(c, 0, v, NULL) != CH_OK)
			return 1;
	}
	t0 = ch_monotonic_ns();
	split_lines = split_only(path, &tabs);
	t1 = ch_monotonic_ns();
	if (ch_telemetry_open(&r, path, NULL) != CH_OK) {
		fprintf(stderr, "%s\n", ch_error_last());
		return 1;
	}
	t2 = ch_monotonic_ns();
	while ((err = ch_telemetry_next(r, &ob)) != CH_ERR_EOF) {
		if (err != CH_OK)
			continue;
		obs++;
		if (ch_corroborate_observe(c, &ob) != CH_OK)
			return 1;
	}
	t3 = ch_monotonic_ns();
	getrusage(RUSAGE_SELF, &ru);
	printf("file %s: %" PRIu64 " lines, %zu indicators (%zu with evidence)\n", path, split_lines,
	       ch_corroborate_count(c), ch_corroborate_matched(c));
	printf("raw split (newlines + tabs):     %8.0f lines/s  (%.2f s)\n",
	       split_lines / ((t1 - t0) / 1e9), (t1 - t0) / 1e9);
	printf("reader + corroborate matching:   %8.0f lines/s  (%.2f s, %" PRIu64 " observations)\n",
	       split_lines / ((t3 - t2) / 1e9), (t3 - t2) / 1e9, obs);
	printf("max RSS %ld KiB\n", ru.ru_maxrss);
	ch_telemetry_free(r);
	ch_corroborate_free(c);
	return 0;
}
