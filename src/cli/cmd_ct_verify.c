/* certhound ct verify LOG: re-check a log's stored entries and tree head, without the network. */
#include "ct_common.h"

#include <certhound/store.h>

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static void verify_usage(FILE *f)
{
	fputs("usage: certhound [--db PATH] ct verify [--log-list FILE|URL | --key FILE] LOG\n"
	      "\n"
	      "Re-check what ct sync stored for a log, without fetching anything: the stored tree\n"
	      "head's signature (with the log's key), every entry below the stored position present\n"
	      "once, each entry's Merkle leaf rebuilt from the stored certificate or precertificate\n"
	      "(whose DER must hash to the recorded SHA-256), and the root of the rebuilt tree equal\n"
	      "to the signed root (or, for a partly synced log, to the range proven at sync time).\n"
	      "A log whose first sync used --start-at-end at N holds no entry below N: its check\n"
	      "starts at N from the range of [0, N) kept then, which must hash to the signed root of\n"
	      "the tree head kept with it (signature checked too); the skipped entries are reported.\n"
	      "\n"
	      "LOG is a description / base64 log ID / URL from the log list; with --key it may be\n"
	      "omitted. Exit status: 0 verified, 1 nothing stored for the log, 2 usage, 3 bad key or\n"
	      "log list, 4 the store does not match the signed tree head (evidence printed),\n"
	      "5 store failure.\n",
	      f);
}

int ch_cmd_ct_verify(ch_cli *cli, int argc, char **argv)
{
	const char *list_path = getenv("CERTHOUND_LOG_LIST"), *key_path = NULL, *what = NULL;
	ch_ct_log_list *list = NULL;
	ch_cli_ct_log cl = {0};
	ch_ct_verify_result res;
	ch_store *store = NULL;
	char root[48];
	int rc = CH_EXIT_OK;
	ch_err err;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			verify_usage(stdout);
			return CH_EXIT_OK;
		} else if (v && !strcmp(a, "--log-list"))
			list_path = argv[++i];
		else if (v && !strcmp(a, "--key"))
			key_path = argv[++i];
		else if (!strcmp(a, "--tiled"))
			; /* accepted for symmetry with ct sync: the key names the log */
		else if (a[0] != '-' && !what)
			what = a;
		else {
			verify_usage(stderr);
			return ch_cli_fail(CH_EXIT_USAGE, "ct verify: unexpected '%s'", a);
		}
	}
	if (key_path) {
		if ((rc = ch_cli_ct_from_key(&cl, what, key_path, false, NULL, "ct verify")))
			goto out;
	} else {
		const ch_ct_log_info *g;
		if (!what || !list_path || !*list_path) {
			verify_usage(stderr);
			rc = ch_cli_fail(CH_EXIT_USAGE, "ct verify: which log? (LOG from a log list, or "
					 "--key FILE)");
			goto out;
		}
		if (ch_ct_log_list_open(&list, list_path) != CH_OK) {
			rc = ch_cli_fail(CH_EXIT_BAD_INPUT, "ct verify: %s", ch_error_last());
			goto out;
		}
		if (!(g = ch_ct_log_list_find(list, what))) {
			rc = ch_cli_fail(CH_EXIT_USAGE, "ct verify: no log \"%s\" in %s", what, list_path);
			goto out;
		}
		if ((rc = ch_cli_ct_from_list(&cl, g, "ct verify")))
			goto out;
	}
	if (ch_store_open(&store, ch_cli_db_path(cli), CH_STORE_READONLY) != CH_OK) {
		rc = ch_cli_fail(CH_EXIT_ENV, "%s: %s", ch_cli_db_path(cli), ch_error_last());
		goto out;
	}
	err = ch_ct_verify(&res, store, cl.key);
	if (err == CH_ERR_NOTFOUND) {
		rc = ch_cli_fail(CH_EXIT_NOTHING, "ct verify: %s", ch_error_last());
		goto out;
	}
	printf("log %s (%s)\n", res.url[0] ? res.url : cl.name, res.log_id);
	if (res.sth.tree_size || res.next) {
		ch_base64_encode(root, res.sth.root, 32);
		printf("stored tree head: size %" PRIu64 ", timestamp %" PRIu64 ", root %s\n",
		       res.sth.tree_size, res.sth.timestamp, root);
	}
	if (res.start) {
		ch_base64_encode(root, res.start_sth.root, 32);
		printf("entries 0..%" PRIu64 " not held: synced with --start-at-end at %" PRIu64
		       " (tree head: size %" PRIu64 ", timestamp %" PRIu64 ", root %s)\n",
		       res.start - 1, res.start, res.start_sth.tree_size, res.start_sth.timestamp,
		       root);
	}
	printf("entries rebuilt from the store: %" PRIu64 " of %" PRIu64 " (%" PRIu64
	       " from stored certificates)\n", res.entries, res.next - res.start, res.from_certs);
	if (err) {
		rc = ch_cli_fail(ch_cli_ct_exit_for(err), "ct verify: %s", ch_error_last());
		if (err == CH_ERR_INTEGRITY)
			fprintf(stderr, "certhound: ct verify: evidence: %s\n", res.evidence);
		goto out;
	}
	if (res.start)
		printf("verified: the range of entries [0, %" PRIu64 ") kept by --start-at-end hashes "
		       "to the signed root of its tree head\n", res.start);
	if (res.root_checked)
		printf("verified: the stored entries hash to the signed root\n");
	else
		printf("verified: the stored entries [%" PRIu64 ", %" PRIu64 ") hash to the range "
		       "proven at sync time (a prefix of the signed tree of %" PRIu64 "; the rest is "
		       "not stored yet)\n", res.start, res.next, res.sth.tree_size);
out:
	ch_store_close(store);
	ch_cli_ct_log_clear(&cl);
	ch_ct_log_list_free(list);
	return rc;
}
