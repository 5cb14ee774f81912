/* Golden cases for the telemetry readers: tests/golden/telemetry/<case> is a log written by hand
 * from its format's documentation (with the awkward parts), <case>.map a column mapping when the
 * reader needs one, and <case>.expected.ndjson every observation (non-default fields only), every
 * bad line with its reason, then the reader's counts. Format auto-detection is part of the
 * test: no case names its format. Syslog times without a year are read as 2024.
 * CH_GOLDEN_UPDATE=1 rewrites the expected files (review the diff!). */
#include "testlib.h"

#include <certhound/report.h>
#include <certhound/telemetry.h>

#include <dirent.h>
#include <stdlib.h>
#include <string.h>

static void str_field(ch_json *j, const char *k, const char *v)
{
	if (*v) {
		ch_json_key(j, k);
		ch_json_cstr(j, v);
	}
}

static void list_field(ch_json *j, const char *k, const char *const *v, size_t n)
{
	if (!n)
		return;
	ch_json_key(j, k);
	ch_json_arr_begin(j);
	for (size_t i = 0; i < n; i++)
		ch_json_cstr(j, v[i]);
	ch_json_arr_end(j);
}

static void dump_obs(ch_json *j, const ch_obs *o)
{
	ch_json_obj_begin(j);
	ch_json_key(j, "line");
	ch_json_uint(j, o->line);
	ch_json_key(j, "kind");
	ch_json_cstr(j, ch_obs_kind_name(o->kind));
	ch_json_key(j, "log");
	ch_json_cstr(j, o->log);
	if (o->time != CH_OBS_NO_TIME) {
		ch_json_key(j, "time");
		ch_json_time(j, o->time);
		if (o->time_us) {
			ch_json_key(j, "us");
			ch_json_uint(j, o->time_us);
		}
	}
	str_field(j, "src", o->src);
	if (o->src_port) {
		ch_json_key(j, "sport");
		ch_json_int(j, o->src_port);
	}
	str_field(j, "dst", o->dst);
	if (o->dst_port) {
		ch_json_key(j, "dport");
		ch_json_int(j, o->dst_port);
	}
	str_field(j, "proto", o->proto);
	str_field(j, "service", o->service);
	str_field(j, "name", o->name);
	str_field(j, "sni", o->sni);
	str_field(j, "uri", o->uri);
	str_field(j, "action", o->action);
	list_field(j, "answers", o->answers, o->num_answers);
	list_field(j, "certs", o->certs, o->num_certs);
	list_field(j, "fuids", o->fuids, o->num_fuids);
	if (o->num_der) {
		ch_json_key(j, "der_len");
		ch_json_arr_begin(j);
		for (size_t i = 0; i < o->num_der; i++)
			ch_json_uint(j, o->der_len[i]);
		ch_json_arr_end(j);
	}
	if (o->bytes_out >= 0) {
		ch_json_key(j, "bytes_out");
		ch_json_int(j, o->bytes_out);
	}
	if (o->bytes_in >= 0) {
		ch_json_key(j, "bytes_in");
		ch_json_int(j, o->bytes_in);
	}
	ch_json_obj_end(j);
}

/* Reads one case into out (ndjson). */
static bool run_case(ch_buf *out, const char *path, const char *map_spec)
{
	ch_telemetry_map *map = NULL;
	ch_telemetry_opts o = {.year = 2024};
	ch_telemetry_reader *r = NULL;
	ch_telemetry_counts c;
	ch_obs ob;
	ch_err err;
	const char *base = strrchr(path, '/') + 1;

	if (map_spec && ch_telemetry_map_parse(&map, map_spec) != CH_OK)
		return false;
	o.map = map;
	if (ch_telemetry_open(&r, path, &o) != CH_OK)
		return false;
	for (;;) {
		ch_json j;
		err = ch_telemetry_next(r, &ob);
		if (err == CH_ERR_EOF)
			break;
		ch_json_init(&j, out, false);
		if (err == CH_ERR_PARSE) {
			char where[8400];
			ch_json_obj_begin(&j);
			ch_json_key(&j, "line");
			ch_json_uint(&j, ch_telemetry_bad_line(r));
			ch_json_key(&j, "bad");
			ch_json_cstr(&j, ch_telemetry_bad_reason(r));
			ch_json_obj_end(&j);
			/* the message carries file:line too */
			snprintf(where, sizeof where, "%s:%llu: ", path,
				 (unsigned long long)ch_telemetry_bad_line(r));
			CHECK(!strncmp(ch_error_last(), where, strlen(where)));
		} else if (err == CH_OK) {
			dump_obs(&j, &ob);
			CHECK(ob.line > 0);
			CHECK(!strcmp(ob.file, path));
		} else {
			fprintf(stderr, "%s: %s\n", base, ch_error_last());
			break;
		}
		if (ch_json_finish(&j) != CH_OK || ch_buf_putc(out, '\n') != CH_OK)
			return false;
	}
	ch_telemetry_get_counts(r, &c);
	if (ch_buf_printf(out, "{\"format\":\"%s\",\"lines\":%llu,\"observations\":%llu,"
			       "\"skipped\":%llu,\"bad\":%llu}\n",
			  ch_telemetry_format_name(ch_telemetry_get_format(r)),
			  (unsigned long long)c.lines, (unsigned long long)c.observations,
			  (unsigned long long)c.skipped, (unsigned long long)c.bad) != CH_OK)
		return false;
	CHECK_INT(c.lines, c.observations + c.skipped + c.bad);
	ch_telemetry_free(r);
	ch_telemetry_map_free(map);
	return err == CH_ERR_EOF;
}

static bool is_input(const char *name)
{
	size_t n = strlen(name);
	return name[0] != '.' && !(n > 16 && !strcmp(name + n - 16, ".expected.ndjson")) &&
	       !(n > 4 && !strcmp(name + n - 4, ".map"));
}

int main(void)
{
	char dir[4096];
	DIR *d;
	struct dirent *de;
	int cases = 0;
	bool update = getenv("CH_GOLDEN_UPDATE") && !strcmp(getenv("CH_GOLDEN_UPDATE"), "1");

	snprintf(dir, sizeof dir, "%s/tests/golden/telemetry", ch_test_source_dir());
	d = opendir(dir);
	CHECK(d != NULL);
	while (d && (de = readdir(d))) {
		char path[8192], exp_path[8300], map_path[8300];
		char *map = NULL, *want;
		ch_buf out;
		size_t ml;
		if (!is_input(de->d_name))
			continue;
		snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
		snprintf(exp_path, sizeof exp_path, "%s.expected.ndjson", path);
		snprintf(map_path, sizeof map_path, "%s.map", path);
		map = (char *)ch_test_read_file(map_path, &ml);
		if (map)
			map[strcspn(map, "\r\n")] = '\0';
		ch_buf_init(&out, 1u << 24);
		CHECK(run_case(&out, path, map));
		if (update) {
			FILE *f = fopen(exp_path, "wb");
			CHECK(f && fwrite(out.data, 1, out.len, f) == out.len);
			if (f)
				fclose(f);
		} else {
			size_t wl = 0;
			want = (char *)ch_test_read_file(exp_path, &wl);
			CHECK(want != NULL);
			if (want && (wl != out.len || memcmp(want, out.data, wl))) {
				fprintf(stderr, "golden %s differs; got:\n%.*s\n", de->d_name,
					(int)out.len, out.data);
				CHECK(!"golden output matches");
			}
			free(want);
		}
		cases++;
		free(map);
		ch_buf_free(&out);
	}
	if (d)
		closedir(d);
	CHECK(cases >= 14);
	return ch_test_done("golden_telemetry");
}
