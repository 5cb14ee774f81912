/* Shared driver of the telemetry fuzz targets: the first input byte picks one of the family's
 * formats, the rest is the log. It is read with a small line limit (so the over-long line path
 * runs) and with the default one; both must report the same number of lines. Every observation
 * must be well-formed (strings never NULL, list counts within their bounds, line numbers
 * increasing) and is matched against a few indicators; bad lines must carry a reason. */
#ifndef CH_TELEMETRY_FUZZ_H
#define CH_TELEMETRY_FUZZ_H

#include <certhound/corroborate.h>
#include <certhound/telemetry.h>

#include <stdlib.h>
#include <string.h>

static void tf_check_obs(const ch_obs *o, uint64_t *last_line)
{
	const char *s[] = {o->src, o->dst, o->proto, o->service, o->name, o->sni, o->uri,
			   o->action, o->log, o->file};
	for (size_t i = 0; i < sizeof s / sizeof s[0]; i++)
		if (!s[i])
			abort();
	if (o->num_answers > CH_TEL_MAX_LIST || o->num_certs > CH_TEL_MAX_LIST ||
	    o->num_fuids > CH_TEL_MAX_LIST || o->num_der > CH_TEL_MAX_DER)
		abort();
	for (size_t i = 0; i < o->num_certs; i++)
		if (strlen(o->certs[i]) != 40 && strlen(o->certs[i]) != 64)
			abort();
	if (o->line <= *last_line || o->src_port < 0 || o->src_port > 65535 || o->dst_port < 0 ||
	    o->dst_port > 65535 || o->time_us >= 1000000)
		abort();
	*last_line = o->line;
}

static uint64_t tf_read(const uint8_t *data, size_t size, ch_telemetry_format f, size_t max_line,
			ch_corroborate *c, const ch_telemetry_map *map)
{
	ch_telemetry_opts o = {.format = f, .max_line = max_line, .year = 2024, .map = map};
	ch_telemetry_reader *r = NULL;
	ch_telemetry_counts n = {0};
	uint64_t last = 0;
	ch_obs ob;
	ch_err err;

	if (ch_telemetry_open_mem(&r, data, size, "fuzz", &o) != CH_OK)
		return 0;
	while ((err = ch_telemetry_next(r, &ob)) != CH_ERR_EOF) {
		if (err == CH_ERR_PARSE) {
			if (!*ch_telemetry_bad_reason(r) || ch_telemetry_bad_line(r) == 0)
				abort();
			continue;
		}
		if (err != CH_OK)
			abort();
		tf_check_obs(&ob, &last);
		if (c && ch_corroborate_observe(c, &ob) != CH_OK)
			abort();
	}
	ch_telemetry_get_counts(r, &n);
	if (n.lines != n.observations + n.skipped + n.bad)
		abort();
	ch_telemetry_free(r);
	return n.lines;
}

static int tf_run(const uint8_t *data, size_t size, const ch_telemetry_format *formats,
		  size_t num_formats, const char *map_spec)
{
	ch_corroborate *c = NULL;
	ch_telemetry_map *map = NULL;
	ch_telemetry_format f;
	uint64_t a, b;
	static const char *const ind[] = {"evil-corp.test", "name:login.evil-corp.test",
					  "203.0.113.7", "2001:db8::7",
					  "ab48fa88ee66cce1848562117d32491838dbe06cce88414259497d32a3d1fefd",
					  "c85f2a92402640f6145a6cd6b762ed8aaec69a73"};

	if (size < 1)
		return 0;
	f = formats[data[0] % num_formats];
	if (map_spec && ch_telemetry_map_parse(&map, map_spec) != CH_OK)
		abort();
	if (ch_corroborate_new(&c, NULL) != CH_OK)
		abort();
	for (size_t i = 0; i < sizeof ind / sizeof ind[0]; i++)
		if (ch_corroborate_add(c, 0, ind[i], NULL) != CH_OK)
			abort();
	a = tf_read(data + 1, size - 1, f, CH_TEL_LINE_MIN, c, map);
	b = tf_read(data + 1, size - 1, f, 0, NULL, map);
	if (a != b)
		abort();
	for (size_t i = 0; i < ch_corroborate_count(c); i++) {
		ch_corr_result r;
		if (ch_corroborate_result(c, &r, i) != CH_OK || r.num_evidence > 3 * 10 ||
		    (r.verdict == CH_VERDICT_NONE) != (r.count == 0))
			abort();
	}
	ch_corroborate_free(c);
	ch_telemetry_map_free(map);
	return 0;
}

#endif
