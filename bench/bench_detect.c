/* bench_detect: process events per second through the JSON reader plus every shipped rule,
 * printed beside the raw JSON-parse rate (jansson, one json_loadb per line) of the same bytes
 * and the reader alone, in interleaved rounds on one core.
 *
 *   bench_detect [--events N] [--seconds S] [--rules FILE] [--write FILE]
 *
 * The input is synthetic ECS (Winlogbeat 8 Sysmon Event ID 1 shape, without the rendered
 * `message`): N events of varied hosts, users, programs and command lines, 1 in 100 of them
 * certificate reconnaissance. It is generated in memory (no disk in the timing); --write also
 * saves it for `certhound detect`. Rates use CPU time of this thread. */
#include "benchlib.h"

#include <certhound/detect.h>

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *gen(size_t n, size_t *out_len)
{
	static const char *const progs[][2] = {
		{"C:\\\\Windows\\\\System32\\\\svchost.exe", "svchost.exe -k netsvcs -p -s Schedule"},
		{"C:\\\\Program Files\\\\Google\\\\Chrome\\\\Application\\\\chrome.exe",
		 "\\\"chrome.exe\\\" --type=renderer --lang=en-US --renderer-client-id=%u"},
		{"C:\\\\Windows\\\\System32\\\\cmd.exe", "cmd.exe /c dir C:\\\\Users\\\\u%u\\\\Documents"},
		{"C:\\\\Windows\\\\System32\\\\WindowsPowerShell\\\\v1.0\\\\powershell.exe",
		 "powershell.exe -NoProfile -ExecutionPolicy Bypass -File C:\\\\scripts\\\\inv%u.ps1"},
		{"C:\\\\Program Files\\\\Git\\\\cmd\\\\git.exe", "git.exe fetch origin --prune %u"},
		{"C:\\\\Windows\\\\System32\\\\conhost.exe", "\\\\??\\\\C:\\\\Windows\\\\system32\\\\conhost.exe 0xffffffff -ForceV1"},
	};
	static const char *const recon[] = {
		"curl.exe -s https://crt.sh/?q=%%25.example%u.com&output=json",
		"sslscan.exe --no-colour host%u.example.com:443",
		"openssl.exe s_client -connect host%u.example.com:443 -showcerts",
		"certutil.exe -URL https://host%u.example.com/c.cer",
	};
	static const char *const recon_img[] = {
		"C:\\\\Windows\\\\System32\\\\curl.exe", "C:\\\\Tools\\\\sslscan.exe",
		"C:\\\\Program Files\\\\OpenSSL\\\\bin\\\\openssl.exe",
		"C:\\\\Windows\\\\System32\\\\certutil.exe",
	};
	size_t cap = n * 1400 + 4096, len = 0;
	char *buf = malloc(cap), cmd[512];
	uint32_t x = 12345;

	if (!buf)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char *img;
		unsigned h, u;
		x = x * 1103515245u + 12345u;
		h = (x >> 8) % 500;
		u = (x >> 4) % 2000;
		if (i % 100 == 7) {
			snprintf(cmd, sizeof cmd, recon[(i / 100) % 4], u);
			img = recon_img[(i / 100) % 4];
		} else {
			snprintf(cmd, sizeof cmd, progs[i % 6][1], u);
			img = progs[i % 6][0];
		}
		len += (size_t)snprintf(buf + len, cap - len,
			"{\"@timestamp\":\"2024-05-01T%02zu:%02zu:%02zu.%03zuZ\",\"agent\":{\"type\":\"winlogbeat\","
			"\"version\":\"8.13.2\"},\"ecs\":{\"version\":\"8.0.0\"},\"event\":{\"code\":\"1\","
			"\"kind\":\"event\",\"category\":[\"process\"],\"type\":[\"start\"],"
			"\"provider\":\"Microsoft-Windows-Sysmon\",\"module\":\"sysmon\"},\"host\":{\"name\":"
			"\"ws-%03u.corp.example\",\"os\":{\"family\":\"windows\",\"version\":\"10.0\"}},"
			"\"user\":{\"domain\":\"CORP\",\"name\":\"user%u\"},\"process\":{\"pid\":%zu,"
			"\"executable\":\"%s\",\"command_line\":\"%s\",\"working_directory\":"
			"\"C:\\\\Users\\\\user%u\\\\\",\"parent\":{\"pid\":%zu,\"executable\":"
			"\"C:\\\\Windows\\\\explorer.exe\",\"command_line\":\"C:\\\\Windows\\\\Explorer.EXE\"},"
			"\"hash\":{\"sha256\":\"%08x6b1f3c4a0e2d9b8f7a6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c\"}},"
			"\"winlog\":{\"channel\":\"Microsoft-Windows-Sysmon/Operational\",\"event_id\":1,"
			"\"record_id\":%zu,\"computer_name\":\"ws-%03u.corp.example\"}}\n",
			(i / 3600) % 24, (i / 60) % 60, i % 60, i % 1000, h, u, 1000 + i % 60000, img,
			cmd, u, 900 + i % 100, x, i, h);
	}
	*out_len = len;
	return buf;
}

typedef struct run_stats {
	uint64_t events, alerts;
	double cpu;
} run_stats;

static run_stats run_reader(const char *data, size_t len, const ch_detect_rules *rs)
{
	run_stats s = {0};
	ch_procev_reader *r = NULL;
	ch_procev_item it;
	double t0 = bench_cpu_now();

	if (ch_procev_open_mem(&r, data, len, "bench", CH_PROCEV_JSON) != CH_OK)
		exit(1);
	while (ch_procev_next(r, &it) == CH_OK) {
		if (it.kind != CH_PROCEV_PROCESS)
			continue;
		s.events++;
		if (rs && ch_detect_rules_match(rs, &it.proc) >= 0)
			s.alerts++;
	}
	ch_procev_free(r);
	s.cpu = bench_cpu_now() - t0;
	return s;
}

static run_stats run_jansson(const char *data, size_t len)
{
	run_stats s = {0};
	const char *p = data, *e = data + len;
	double t0 = bench_cpu_now();

	while (p < e) {
		const char *nl = memchr(p, '\n', (size_t)(e - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(e - p);
		json_error_t err;
		json_t *j = json_loadb(p, n, 0, &err);
		if (j) {
			s.events++;
			bench_sink += json_object_size(j);
			json_decref(j);
		}
		p += n + 1;
	}
	s.cpu = bench_cpu_now() - t0;
	return s;
}

static double best(double a, double b)
{
	return a > b ? a : b;
}

int main(int argc, char **argv)
{
	size_t n = 200000, len = 0;
	double seconds = 6;
	const char *rules_path = NULL, *write_path = NULL;
	ch_detect_rules *rs = NULL;
	char *data;
	double r_full = 0, r_read = 0, r_jansson = 0;
	run_stats s;
	int rounds = 0;
	uint64_t alerts = 0;
	double t_end;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--events"))
			n = (size_t)strtoull(argv[i + 1], NULL, 10);
		else if (!strcmp(argv[i], "--seconds"))
			seconds = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--rules"))
			rules_path = argv[i + 1];
		else if (!strcmp(argv[i], "--write"))
			write_path = argv[i + 1];
	}
	if (ch_detect_rules_load(&rs, rules_path ? rules_path : ch_detect_rules_default_path()) != CH_OK) {
		fprintf(stderr, "bench_detect: %s\n", ch_error_last());
		return 1;
	}
	data = gen(n, &len);
	if (!data)
		return 1;
	if (write_path) {
		FILE *f = fopen(write_path, "wb");
		if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
			return 1;
	}
	printf("bench_detect: %zu synthetic ECS process events, %.1f MB (%.0f bytes/event), "
	       "%zu rules\n", n, len / 1e6, (double)len / n, ch_detect_rules_count(rs));
	t_end = bench_now() + seconds;
	while (bench_now() < t_end || rounds < 3) {
		s = run_reader(data, len, rs);
		r_full = best(r_full, s.events / s.cpu);
		alerts = s.alerts;
		s = run_reader(data, len, NULL);
		r_read = best(r_read, s.events / s.cpu);
		s = run_jansson(data, len);
		r_jansson = best(r_jansson, s.events / s.cpu);
		rounds++;
	}
	printf("  reader + all rules : %10.0f events/s  %7.1f MB/s  (%" PRIu64 " matched per pass)\n",
	       r_full, r_full * len / n / 1e6, alerts);
	printf("  reader alone       : %10.0f events/s  %7.1f MB/s\n", r_read, r_read * len / n / 1e6);
	printf("  jansson json_loadb : %10.0f events/s  %7.1f MB/s  (raw parse of the same lines)\n",
	       r_jansson, r_jansson * len / n / 1e6);
	printf("  best of %d interleaved rounds, CPU time of one thread\n", rounds);
	ch_detect_rules_free(rs);
	free(data);
	return 0;
}
