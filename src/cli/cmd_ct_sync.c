/* certhound ct sync LOG: verified, resumable sync of one CT log into the store. */
#include "ct_common.h"

#include <certhound/ct.h>
#include <certhound/ct_sync.h>
#include <certhound/ingest.h>
#include <certhound/store.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BULK_CHUNK 65536 /* entries per chunk of a first sync into an empty store */

static void sync_usage(FILE *f)
{
	fputs("usage: certhound [--db PATH] ct sync [options] LOG\n"
	      "\n"
	      "Fetch a CT log's entries from the stored position up to its current signed tree head,\n"
	      "verify them (signature, Merkle root, consistency with the previous tree head) and\n"
	      "store the certificates and precertificates with a sighting (log ID, index, time).\n"
	      "\n"
	      "LOG is a log URL (RFC 6962 base URL, or a tiled log's monitoring prefix; file:// is\n"
	      "allowed), or a description / base64 log ID / URL from the log list.\n"
	      "  --all-usable      every usable log of the list instead of LOG, concurrently (the\n"
	      "                    options of ct follow apply; see ct follow --help)\n"
	      "  --log-list FILE|URL  CT log list v3 (default $CERTHOUND_LOG_LIST)\n"
	      "  --key FILE        the log's public key (PEM, DER or base64 DER) when not in a list\n"
	      "  --tiled           the log is a static-ct-api log (when not in a list)\n"
	      "  --origin NAME     tiled: the checkpoint origin (default: the URL without scheme)\n"
	      "  --max-entries N   stop after N entries\n"
	      "  --start-at-end    first sync of a log: skip its history and start at the current\n"
	      "                    tree head (tiled: from the hash tiles; RFC 6962: from the last\n"
	      "                    entry and its audit path), verified against the signed root\n"
	      "  --batch N         entries per get-entries request (default 1000)\n"
	      "  --chunk N         entries verified and committed together (default 8192; 65536\n"
	      "                    into an empty store)\n"
	      "  --retries N       HTTP retries on 429/5xx/timeouts (default 4)\n"
	      "  --timeout S       abort a transfer stalled for S seconds (default 30)\n"
	      "  --parallel N      concurrent requests to the log over kept-alive connections\n"
	      "                    (default 4; 1 = one at a time)\n"
	      "  --max-rps N       at most N HTTP requests per second to the log (politeness;\n"
	      "                    default: no limit but the log's own 429s and Retry-After)\n"
	      "  --no-store        verify and decode only (measures fetch + decode)\n"
	      "  --progress        report progress on stderr\n"
	      "\n"
	      "Prints entries stored, tree size and verified root hash. Exit status: 0 ok, 2 usage,\n"
	      "3 bad key or log list, 4 the log failed verification (the evidence is printed; what\n"
	      "was verified before is kept), 5 network or store failure.\n",
	      f);
}

static void on_progress(void *arg, const ch_ct_sync_progress *p)
{
	(void)arg;
	fprintf(stderr, "certhound: ct sync: %" PRIu64 "/%" PRIu64 " (%" PRIu64 " this run, %" PRIu64
		" requests)\n", p->next, p->tree_size, p->entries, p->requests);
}

int ch_cmd_ct_sync(ch_cli *cli, int argc, char **argv)
{
	const char *list_path = getenv("CERTHOUND_LOG_LIST"), *key_path = NULL, *what = NULL;
	const char *origin = NULL;
	char root[48];
	ch_ct_sync_opts o = {.retries = 4};
	ch_ct_sync_log log = {0};
	ch_cli_ct_log cl = {0};
	bool tiled = false;
	ch_ct_sync_result res;
	ch_ct_log_list *list = NULL;
	ch_store *store = NULL;
	ch_ingest *ig = NULL;
	ch_ingest_counts c;
	bool progress = false;
	int rc = CH_EXIT_OK;
	ch_err err;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--all-usable"))
			return ch_cli_ct_follow_main(cli, argc, argv, true, "ct sync");
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			sync_usage(stdout);
			return CH_EXIT_OK;
		} else if (!strcmp(a, "--tiled"))
			tiled = true;
		else if (!strcmp(a, "--start-at-end"))
			o.start_at_end = true;
		else if (!strcmp(a, "--no-store"))
			o.no_store = true;
		else if (!strcmp(a, "--progress"))
			progress = true;
		else if (v && !strcmp(a, "--log-list"))
			list_path = argv[++i];
		else if (v && !strcmp(a, "--key"))
			key_path = argv[++i];
		else if (v && !strcmp(a, "--origin"))
			origin = argv[++i];
		else if (v && !strcmp(a, "--max-entries"))
			o.max_entries = strtoull(argv[++i], NULL, 10);
		else if (v && !strcmp(a, "--batch"))
			o.batch = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (v && !strcmp(a, "--chunk"))
			o.chunk = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (v && !strcmp(a, "--retries"))
			o.retries = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (v && !strcmp(a, "--max-rps"))
			o.max_rps = strtod(argv[++i], NULL);
		else if (v && !strcmp(a, "--parallel"))
			o.parallel = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (v && !strcmp(a, "--timeout"))
			o.stall_seconds = strtol(argv[++i], NULL, 10);
		else if (a[0] != '-' && !what)
			what = a;
		else {
			sync_usage(stderr);
			return ch_cli_fail(CH_EXIT_USAGE, "ct sync: unexpected '%s'", a);
		}
	}
	if (!what) {
		sync_usage(stderr);
		return ch_cli_fail(CH_EXIT_USAGE, "ct sync: which log?");
	}
	if (list_path && *list_path && !key_path) {
		const ch_ct_log_info *g;
		if (ch_ct_log_list_open(&list, list_path) != CH_OK)
			return ch_cli_fail(CH_EXIT_BAD_INPUT, "ct sync: %s", ch_error_last());
		g = ch_ct_log_list_find(list, what);
		if (!g) {
			rc = ch_cli_fail(CH_EXIT_USAGE, "ct sync: no log \"%s\" in %s", what, list_path);
			goto out;
		}
		if ((rc = ch_cli_ct_from_list(&cl, g, "ct sync")) != CH_EXIT_OK)
			goto out;
		if (origin)
			snprintf(cl.origin, sizeof cl.origin, "%s", origin);
	} else {
		if (!key_path) {
			rc = ch_cli_fail(CH_EXIT_USAGE, "ct sync: %s is not from a log list: give --key "
					 "FILE (and --tiled for a static-ct-api log)", what);
			goto out;
		}
		if ((rc = ch_cli_ct_from_key(&cl, what, key_path, tiled, origin, "ct sync")))
			goto out;
	}
	ch_cli_ct_sync_log(&log, &cl);
	if (progress) {
		o.progress = on_progress;
	}
	if (!o.no_store) {
		if (ch_store_open(&store, ch_cli_db_path(cli), CH_STORE_CREATE) != CH_OK) {
			rc = ch_cli_fail(CH_EXIT_ENV, "%s: %s", ch_cli_db_path(cli), ch_error_last());
			goto out;
		}
		/* into an empty store: a bulk load, indexes built once at the end, in larger chunks
		 * (fewer commits: each one rewrites the pages of the values shared with earlier
		 * certificates, e.g. domains; 65,536 entries hold ~100 MB) */
		ch_store_stats st = {0};
		if (!o.chunk && ch_store_stats_get(store, &st) == CH_OK && !st.certificates)
			o.chunk = BULK_CHUNK;
		ch_error_clear();
		if (ch_ingest_new(&ig, store, &(ch_ingest_opts){.bulk = true}) != CH_OK) {
			rc = ch_cli_fail(CH_EXIT_ENV, "ct sync: %s", ch_error_last());
			goto out;
		}
	}
	err = ch_ct_sync(&res, store, ig, &log, &o);
	if (err) {
		rc = ch_cli_fail(ch_cli_ct_exit_for(err), "ct sync: %s", ch_error_last());
		/* Keep what was verified before the failure. */
		if (ig && err != CH_ERR_STORE && err != CH_ERR_NOMEM && ch_ingest_flush(ig) != CH_OK)
			rc = ch_cli_fail(CH_EXIT_ENV, "ct sync: %s", ch_error_last());
	}
	if (!err && store && ch_store_bulk_end(store) != CH_OK) /* else closing the store ends it */
		rc = ch_cli_fail(CH_EXIT_ENV, "ct sync: %s", ch_error_last());
	if (err == CH_ERR_INTEGRITY)
		fprintf(stderr, "certhound: ct sync: evidence: %s\n", res.evidence);
	ch_base64_encode(root, res.sth.root, 32);
	printf("log %s (%s)\n", log.url, res.log_id);
	printf("entries stored: %" PRIu64 " (from index %" PRIu64 " to %" PRIu64 ")\n", res.entries,
	       res.start, res.next);
	if (err != CH_ERR_INTEGRITY || res.sth.tree_size)
		printf("tree size: %" PRIu64 "\nverified root: %s\n", res.sth.tree_size, root);
	if (ig) {
		ch_ingest_get_counts(ig, &c);
		printf("certificates: %" PRIu64 " new, %" PRIu64 " duplicate, %" PRIu64 " rejected\n",
		       c.new_certs, c.duplicates, c.rejected);
	}
out:
	ch_ingest_free(ig);
	ch_store_close(store);
	ch_cli_ct_log_clear(&cl);
	ch_ct_log_list_free(list);
	return rc;
}
