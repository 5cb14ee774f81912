/* certhound ingest FILE|DIR...: decode and store certificates through the ingest pipeline.
 *
 * Every file is a checkpointed source: "file:<absolute path>" -> "v1 <size> <mtime_ns> <next>",
 * written in the same transaction as the certificates it covers. A rerun (after a crash, a kill
 * or a finished run) skips the items a file's checkpoint says are stored, as long as the file's
 * size and mtime are unchanged; a changed file is read again from the start (the store's
 * dedupe and idempotent sightings keep that exact). */
#include "cli.h"

#include <certhound/ingest.h>
#include <certhound/pem.h>
#include <certhound/report.h>
#include <certhound/store.h>
#include <certhound/util.h>

#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct run {
	ch_store *store;
	ch_ingest *ig;
	ch_pem *reader;
	bool json;
	bool progress;
	/* the file being read */
	char file[PATH_MAX];          /* as the reader names it */
	char source[PATH_MAX + 8];    /* "file:" + absolute path; "" = not checkpointed (stdin) */
	char abs[PATH_MAX];
	uint64_t size;
	int64_t mtime_ns;
	uint64_t skip_below;          /* items with index < this are already stored */
	uint64_t skipped;
	uint64_t files;
	double start, last_draw;
	uint64_t total_bytes;
	size_t bulk_mb;               /* --bulk-memory; 0 = the store's default */
	bool no_bulk;
	double index_secs;            /* building the deferred indexes at the end */
} run;

static void usage(FILE *f)
{
	fputs("usage: certhound ingest [--format table|json] [--batch N] [--no-progress] FILE|DIR|-...\n"
	      "\n"
	      "Decode certificates (PEM, DER, bundles; directories are walked) and store them,\n"
	      "deduplicated by SHA-256, with one sighting per file and position. Progress is\n"
	      "checkpointed per file in the same transaction as the data, so an interrupted run can\n"
	      "simply be started again: it skips what is stored and stores nothing twice.\n"
	      "\n"
	      "  --format table|json  the summary (read, new, duplicates, rejected with reasons)\n"
	      "  --batch N            certificates per transaction (default 50000)\n"
	      "  --no-progress        no progress bar (it is shown only on a terminal anyway)\n"
	      "  --bulk-memory MB     into an empty store, certificates are loaded with the lookup\n"
	      "                       indexes built once at the end; this bounds the memory that\n"
	      "                       load uses meanwhile (default 1024; past it the indexes are built\n"
	      "                       and the rest is written normally)\n"
	      "  --no-bulk            write with every index maintained from the start\n"
	      "\n"
	      "Exit status: 0; 3 when some items were rejected (the others are stored);\n"
	      "5 when the store fails.\n",
	      f);
}

static double now_s(void)
{
	return (double)ch_monotonic_ns() / 1e9;
}

static void draw(run *r, bool final)
{
	ch_ingest_counts c;
	ch_pem_stats ps;
	double t = now_s(), el;

	if (!r->progress || (!final && t - r->last_draw < 0.25))
		return;
	r->last_draw = t;
	el = t - r->start;
	ch_ingest_get_counts(r->ig, &c);
	ch_pem_get_stats(r->reader, &ps);
	fprintf(stderr, "\r%10llu certs  %8.0f certs/s  %8.1f / %.1f MB  %llu files%s",
		(unsigned long long)c.read, el > 0 ? (double)c.read / el : 0.0,
		(double)ps.bytes / 1e6, (double)r->total_bytes / 1e6, (unsigned long long)ps.files,
		final ? "\n" : "   ");
	fflush(stderr);
}

static void ckpt_text(char *out, size_t cap, const run *r, uint64_t next)
{
	snprintf(out, cap, "v1 %llu %lld %llu", (unsigned long long)r->size, (long long)r->mtime_ns,
		 (unsigned long long)next);
}

/* enter_file sets up the checkpoint of a file the reader has just started on. */
static int enter_file(run *r, const char *file)
{
	struct stat sb;
	ch_buf b;
	unsigned long long size, next;
	long long mt;
	int rc = CH_EXIT_OK;
	ch_err err;

	snprintf(r->file, sizeof r->file, "%s", file);
	r->source[0] = '\0';
	r->skip_below = 0;
	r->files++;
	if (!strcmp(file, "-") || !realpath(file, r->abs) || stat(r->abs, &sb) != 0 ||
	    !S_ISREG(sb.st_mode))
		return CH_EXIT_OK;
	r->size = (uint64_t)sb.st_size;
	r->mtime_ns = (int64_t)sb.st_mtim.tv_sec * 1000000000 + sb.st_mtim.tv_nsec;
	snprintf(r->source, sizeof r->source, "file:%s", r->abs);
	ch_buf_init(&b, CH_STORE_CHECKPOINT_MAX);
	err = ch_store_checkpoint_get(r->store, &b, r->source);
	if (err == CH_OK && b.data &&
	    sscanf(b.data, "v1 %llu %lld %llu", &size, &mt, &next) == 3 && size == r->size &&
	    mt == r->mtime_ns)
		r->skip_below = next;
	else if (err != CH_OK && err != CH_ERR_NOTFOUND)
		rc = ch_cli_fail(CH_EXIT_ENV, "%s", ch_error_last());
	ch_buf_free(&b);
	return rc;
}

static const char *reject_reason(ch_err e)
{
	switch (e) {
	case CH_ERR_IO: return "io";
	case CH_ERR_LIMIT: return "limit";
	default: return "pem";
	}
}

/* one_item handles one reader item: stores it or records why not, with the file's checkpoint. */
static int one_item(run *r, const ch_pem_item *it)
{
	char ck[128];
	ch_sighting g;
	const char *src = r->source[0] ? r->source : NULL;
	ch_err err;

	if (strcmp(it->file, r->file) != 0 || r->files == 0) {
		int rc = enter_file(r, it->file);
		if (rc)
			return rc;
		src = r->source[0] ? r->source : NULL;
	}
	if (src && it->index < r->skip_below) {
		r->skipped++;
		return CH_EXIT_OK;
	}
	ckpt_text(ck, sizeof ck, r, it->index + 1);
	if (it->err) {
		ch_ingest_reject_item(r->ig, reject_reason(it->err), it->file, it->message);
		err = src ? ch_ingest_checkpoint(r->ig, src, ck, strlen(ck)) : CH_OK;
	} else {
		g = (ch_sighting){
			.kind = CH_SOURCE_FILE,
			.source = src ? r->abs : it->file,
			.index = (int64_t)it->index,
			.timestamp = ch_time_now(),
		};
		err = ch_ingest_add_at(r->ig, it->der, it->der_len, &g, src, ck, src ? strlen(ck) : 0);
	}
	if (err)
		return ch_cli_fail(CH_EXIT_ENV, "%s", ch_error_last());
	return CH_EXIT_OK;
}

static void summary_json(const run *r, const ch_ingest_counts *c, double secs)
{
	ch_buf b;
	ch_json j;

	ch_buf_init(&b, 16u << 20);
	ch_json_init(&j, &b, false);
	ch_json_obj_begin(&j);
	ch_json_key(&j, "read");
	ch_json_uint(&j, c->read);
	ch_json_key(&j, "new");
	ch_json_uint(&j, c->new_certs);
	ch_json_key(&j, "duplicates");
	ch_json_uint(&j, c->duplicates);
	ch_json_key(&j, "rejected");
	ch_json_uint(&j, c->rejected);
	ch_json_key(&j, "rejected_reasons");
	ch_json_obj_begin(&j);
	for (size_t i = 0; i < c->num_reasons; i++) {
		ch_json_key(&j, c->reasons[i].reason);
		ch_json_uint(&j, c->reasons[i].count);
	}
	ch_json_obj_end(&j);
	ch_json_key(&j, "rejects");
	ch_json_arr_begin(&j);
	for (size_t i = 0; i < c->num_rejects; i++) {
		ch_json_obj_begin(&j);
		ch_json_key(&j, "reason");
		ch_json_cstr(&j, c->rejects[i].reason);
		ch_json_key(&j, "where");
		ch_json_cstr(&j, c->rejects[i].where);
		ch_json_key(&j, "message");
		ch_json_cstr(&j, c->rejects[i].message);
		ch_json_obj_end(&j);
	}
	ch_json_arr_end(&j);
	ch_json_key(&j, "skipped");
	ch_json_uint(&j, r->skipped);
	ch_json_key(&j, "sightings");
	ch_json_uint(&j, c->sightings);
	ch_json_key(&j, "bytes");
	ch_json_uint(&j, c->der_bytes);
	ch_json_key(&j, "seconds");
	ch_json_raw(&j, "0", 1);
	ch_json_obj_end(&j);
	if (ch_json_finish(&j) == CH_OK) {
		/* seconds with millisecond precision: replace the placeholder */
		char *p = strstr(b.data, "\"seconds\":0}");
		if (p)
			*p = '\0';
		printf("%s\"seconds\":%.3f}\n", b.data, secs);
	}
	ch_buf_free(&b);
}

static void summary_table(const run *r, const ch_ingest_counts *c, double secs)
{
	printf("read        %llu\n", (unsigned long long)c->read);
	printf("new         %llu\n", (unsigned long long)c->new_certs);
	printf("duplicates  %llu\n", (unsigned long long)c->duplicates);
	printf("rejected    %llu\n", (unsigned long long)c->rejected);
	for (size_t i = 0; i < c->num_reasons; i++)
		printf("  %-10s %llu\n", c->reasons[i].reason, (unsigned long long)c->reasons[i].count);
	if (r->skipped)
		printf("skipped     %llu (already stored by an earlier run)\n",
		       (unsigned long long)r->skipped);
	printf("time        %.2f s (%.0f certs/s)\n", secs, secs > 0 ? (double)c->read / secs : 0.0);
	if (c->bulk)
		printf("indexes     built at the end in %.2f s (bulk load into an empty store)\n",
		       r->index_secs);
	for (size_t i = 0; i < c->num_rejects && i < 20; i++)
		fprintf(stderr, "certhound: rejected (%s): %s: %s\n", c->rejects[i].reason,
			c->rejects[i].where, c->rejects[i].message);
}

static int parse_args(run *r, size_t *batch, int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"batch", required_argument, NULL, 'b'},
		{"no-progress", no_argument, NULL, 'n'},
		{"bulk-memory", required_argument, NULL, 'm'},
		{"no-bulk", no_argument, NULL, 'B'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int ch;
	char *end;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "f:b:nm:Bh", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			if (!strcmp(optarg, "json"))
				r->json = true;
			else if (strcmp(optarg, "table") != 0)
				return ch_cli_fail(CH_EXIT_USAGE, "ingest: unknown format '%s'", optarg);
			break;
		case 'b':
			*batch = (size_t)strtoull(optarg, &end, 10);
			if (*end || *batch == 0 || *batch > 1000000)
				return ch_cli_fail(CH_EXIT_USAGE, "ingest: --batch wants 1..1000000");
			break;
		case 'n':
			r->progress = false;
			break;
		case 'm':
			r->bulk_mb = (size_t)strtoull(optarg, &end, 10);
			if (*end || r->bulk_mb < 16 || r->bulk_mb > (1u << 20))
				return ch_cli_fail(CH_EXIT_USAGE, "ingest: --bulk-memory wants 16..1048576 (MB)");
			break;
		case 'B':
			r->no_bulk = true;
			break;
		case 'h':
			usage(stdout);
			return -1;
		default:
			usage(stderr);
			return CH_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return CH_EXIT_USAGE;
	}
	return CH_EXIT_OK;
}

/* end_bulk builds the indexes a bulk load deferred (a no-op otherwise). */
static int end_bulk(run *r)
{
	ch_ingest_counts c;
	double t0 = now_s();

	ch_ingest_get_counts(r->ig, &c);
	if (!c.bulk)
		return 0;
	if (r->progress)
		fprintf(stderr, "\rbuilding the store's indexes...\033[K");
	if (ch_store_bulk_end(r->store) != CH_OK)
		return ch_cli_fail(CH_EXIT_ENV, "%s", ch_error_last());
	r->index_secs = now_s() - t0;
	if (r->progress)
		fprintf(stderr, "\r\033[K");
	return 0;
}

int ch_cmd_ingest(ch_cli *cli, int argc, char **argv)
{
	run r = {.progress = isatty(2) != 0};
	size_t batch = CH_INGEST_DEFAULT_BATCH;
	ch_pem_item it;
	ch_ingest_counts c;
	int rc = parse_args(&r, &batch, argc, argv);
	ch_err err;

	if (rc)
		return rc < 0 ? CH_EXIT_OK : rc;
	if (ch_store_open(&r.store, ch_cli_db_path(cli), CH_STORE_CREATE) != CH_OK)
		return ch_cli_fail(CH_EXIT_ENV, "%s", ch_error_last());
	if (ch_ingest_new(&r.ig, r.store, &(ch_ingest_opts){.batch_size = batch, .bulk = !r.no_bulk,
				.bulk_max_bytes = r.bulk_mb << 20}) != CH_OK ||
	    ch_pem_new(&r.reader) != CH_OK) {
		rc = ch_cli_fail(CH_EXIT_ENV, "%s", ch_error_last());
		goto out;
	}
	for (int i = optind; i < argc; i++)
		if (ch_pem_add_path(r.reader, argv[i]) != CH_OK) {
			rc = ch_cli_fail(CH_EXIT_ENV, "%s", ch_error_last());
			goto out;
		}
	r.start = now_s();
	if (r.progress)
		r.total_bytes = ch_pem_total_bytes(r.reader);
	while (!rc && (err = ch_pem_next(r.reader, &it)) == CH_OK) {
		rc = one_item(&r, &it);
		draw(&r, false);
	}
	if (!rc && err != CH_ERR_EOF)
		rc = ch_cli_fail(CH_EXIT_ENV, "reading: %s", ch_error_last());
	if (!rc && ch_ingest_flush(r.ig) != CH_OK)
		rc = ch_cli_fail(CH_EXIT_ENV, "%s", ch_error_last());
	if (rc)
		goto out;
	rc = end_bulk(&r);
	if (rc)
		goto out;
	draw(&r, true);
	ch_ingest_get_counts(r.ig, &c);
	if (r.json)
		summary_json(&r, &c, now_s() - r.start);
	else
		summary_table(&r, &c, now_s() - r.start);
	rc = c.rejected ? CH_EXIT_BAD_INPUT : CH_EXIT_OK;
out:
	ch_pem_free(r.reader);
	ch_ingest_free(r.ig);
	ch_store_close(r.store);
	return rc;
}
