/* certhound ct SUBCOMMAND: Certificate Transparency logs. Each sub-subcommand is a function
 * below; `sync` lives in cmd_ct_sync.c once the ingest pipeline exists. */
#include "ct_common.h"

#include <certhound/ct.h>
#include <certhound/note.h>
#include <certhound/report.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CT_MAX_INPUT (1u << 20) /* bytes of an STH, checkpoint or key file */

static void ct_usage(FILE *f)
{
	fputs("usage: certhound ct COMMAND [options]\n"
	      "\n"
	      "  logs [--log-list FILE] [--state STATE] [--format table|json|ndjson]\n"
	      "        list the logs of a CT log list v3 (FILE, else $CERTHOUND_LOG_LIST)\n"
	      "  verify-sth --key FILE STH.json\n"
	      "        verify an RFC 6962 get-sth response with a log's public key\n"
	      "  verify-checkpoint --key FILE|--vkey VKEY [--origin NAME] CHECKPOINT\n"
	      "        verify a static-ct-api / tlog checkpoint (C2SP signed note)\n"
	      "  sync [options] LOG|--all-usable\n"
	      "        fetch, verify and store a log's entries up to its signed tree head\n"
	      "  follow [options] LOG...|--all-usable\n"
	      "        keep logs synced (poll, many at once) until SIGINT/SIGTERM\n"
	      "  verify [--log-list FILE|--key FILE] LOG\n"
	      "        re-check the stored entries and tree head of a log, without the network\n"
	      "\n"
	      "Keys are PEM, DER, or base64 DER (as in log lists); VKEY is a signed-note verifier\n"
	      "key (name+id+base64). Exit status: 0 ok, 2 usage, 3 unreadable or malformed input,\n"
	      "4 a signature or proof does not verify, 5 environment failure.\n",
	      f);
}

/* read_file reads a small input file (bounded) into b. */
static int read_file(ch_buf *b, const char *path)
{
	char chunk[8192];
	size_t n;
	FILE *f = strcmp(path, "-") ? fopen(path, "rb") : stdin;
	int rc = CH_EXIT_OK;

	if (!f)
		return ch_cli_fail(CH_EXIT_BAD_INPUT, "%s: cannot open", path);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		if (ch_buf_append(b, chunk, n) != CH_OK) {
			rc = ch_cli_fail(CH_EXIT_BAD_INPUT, "%s: %s", path, ch_error_last());
			break;
		}
	if (rc == CH_EXIT_OK && ferror(f))
		rc = ch_cli_fail(CH_EXIT_BAD_INPUT, "%s: read error", path);
	if (f != stdin)
		fclose(f);
	return rc;
}

/* exit_for maps a library error to the documented exit code. */
static int exit_for(ch_err err)
{
	switch (err) {
	case CH_OK: return CH_EXIT_OK;
	case CH_ERR_INTEGRITY: return CH_EXIT_INTEGRITY;
	case CH_ERR_PARSE: case CH_ERR_LIMIT: case CH_ERR_IO: return CH_EXIT_BAD_INPUT;
	case CH_ERR_INVALID: return CH_EXIT_USAGE;
	default: return CH_EXIT_ENV;
	}
}

static int load_key(ch_ct_key **out, const char *path)
{
	ch_buf b;
	int rc;

	ch_buf_init(&b, CT_MAX_INPUT);
	rc = read_file(&b, path);
	if (rc == CH_EXIT_OK && ch_ct_key_parse(out, b.data, b.len) != CH_OK)
		rc = ch_cli_fail(CH_EXIT_BAD_INPUT, "%s: %s", path, ch_error_last());
	ch_buf_free(&b);
	return rc;
}

static void log_json(ch_json *j, const ch_ct_log_info *g)
{
	ch_json_obj_begin(j);
	ch_json_key(j, "operator");
	ch_json_cstr(j, g->operator_name);
	ch_json_key(j, "description");
	ch_json_cstr(j, g->description);
	ch_json_key(j, "type");
	ch_json_cstr(j, g->tiled ? "static-ct-api" : "rfc6962");
	ch_json_key(j, "url");
	ch_json_cstr(j, g->url);
	if (g->submission_url) {
		ch_json_key(j, "submission_url");
		ch_json_cstr(j, g->submission_url);
	}
	ch_json_key(j, "log_id");
	ch_json_cstr(j, g->log_id_b64);
	ch_json_key(j, "key_ok");
	ch_json_bool(j, g->key_ok);
	ch_json_key(j, "state");
	ch_json_cstr(j, ch_ct_log_state_name(g->state));
	if (g->state_time) {
		ch_json_key(j, "state_time");
		ch_json_time(j, g->state_time);
	}
	if (g->has_interval) {
		ch_json_key(j, "temporal_interval");
		ch_json_obj_begin(j);
		ch_json_key(j, "start_inclusive");
		ch_json_time(j, g->interval_start);
		ch_json_key(j, "end_exclusive");
		ch_json_time(j, g->interval_end);
		ch_json_obj_end(j);
	}
	if (g->has_final_tree_head) {
		ch_json_key(j, "final_tree_size");
		ch_json_uint(j, g->final_tree_size);
	}
	ch_json_key(j, "mmd");
	ch_json_int(j, g->mmd);
	ch_json_obj_end(j);
}

/* log_table appends one aligned line: state, type, interval, description, url. */
static ch_err log_table(ch_buf *b, const ch_ct_log_info *g)
{
	char from[21] = "-", to[21] = "-";
	ch_err err;

	if (g->has_interval) {
		ch_time_format(from, g->interval_start);
		ch_time_format(to, g->interval_end);
		from[10] = to[10] = '\0';
	}
	CH_TRY(ch_buf_printf(b, "%-9s %-7s %-10s %-10s ", ch_ct_log_state_name(g->state),
			     g->tiled ? "tiled" : "rfc6962", from, to));
	CH_TRY(ch_report_text_safe(b, g->description, strlen(g->description), NULL));
	CH_TRY(ch_buf_puts(b, "  "));
	CH_TRY(ch_report_text_safe(b, g->url, strlen(g->url), NULL));
	CH_TRY(ch_buf_puts(b, g->key_ok ? "\n" : "  (key does not parse)\n"));
out:
	return err;
}

static int cmd_logs(int argc, char **argv)
{
	const char *path = getenv("CERTHOUND_LOG_LIST"), *state = NULL, *fmt = NULL;
	ch_report_format format;
	ch_ct_log_list *l = NULL;
	ch_buf b;
	ch_json j;
	size_t shown = 0;
	int rc = CH_EXIT_OK;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--log-list") && i + 1 < argc)
			path = argv[++i];
		else if (!strcmp(argv[i], "--state") && i + 1 < argc)
			state = argv[++i];
		else if (!strcmp(argv[i], "--format") && i + 1 < argc)
			fmt = argv[++i];
		else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			ct_usage(stdout);
			return CH_EXIT_OK;
		} else
			return ch_cli_fail(CH_EXIT_USAGE, "ct logs: unexpected '%s'", argv[i]);
	}
	if (!path || !*path)
		return ch_cli_fail(CH_EXIT_USAGE, "ct logs: no log list (give --log-list FILE or set "
				   "CERTHOUND_LOG_LIST)");
	format = ch_report_format_default(stdout);
	if (fmt && ch_report_format_parse(&format, fmt) != CH_OK)
		return ch_cli_fail(CH_EXIT_USAGE, "ct logs: %s", ch_error_last());
	if (format == CH_REPORT_CSV)
		return ch_cli_fail(CH_EXIT_USAGE, "ct logs: csv is not supported here");
	if (ch_ct_log_list_open(&l, path) != CH_OK)
		return ch_cli_fail(CH_EXIT_BAD_INPUT, "ct logs: %s", ch_error_last());
	ch_buf_init(&b, 1u << 20);
	for (size_t i = 0; i < l->num_logs && rc == CH_EXIT_OK; i++) {
		const ch_ct_log_info *g = &l->logs[i];
		if (state && strcmp(state, ch_ct_log_state_name(g->state)) != 0)
			continue;
		ch_buf_reset(&b);
		if (format == CH_REPORT_TABLE) {
			if (log_table(&b, g) != CH_OK)
				rc = ch_cli_fail(CH_EXIT_ENV, "ct logs: %s", ch_error_last());
		} else {
			ch_json_init(&j, &b, format == CH_REPORT_JSON);
			log_json(&j, g);
			if (ch_json_finish(&j) != CH_OK || ch_buf_putc(&b, '\n') != CH_OK)
				rc = ch_cli_fail(CH_EXIT_ENV, "ct logs: %s", ch_error_last());
		}
		if (rc == CH_EXIT_OK && fwrite(b.data, 1, b.len, stdout) != b.len)
			rc = ch_cli_fail(CH_EXIT_ENV, "ct logs: write error");
		shown++;
	}
	if (rc == CH_EXIT_OK && fflush(stdout) != 0)
		rc = ch_cli_fail(CH_EXIT_ENV, "ct logs: write error");
	if (rc == CH_EXIT_OK && shown == 0)
		rc = CH_EXIT_NOTHING;
	ch_buf_free(&b);
	ch_ct_log_list_free(l);
	return rc;
}

static int cmd_verify_sth(int argc, char **argv)
{
	const char *key_path = NULL, *file = NULL;
	ch_ct_key *key = NULL;
	ch_ct_sth sth;
	ch_buf b;
	char root[48];
	int rc;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--key") && i + 1 < argc)
			key_path = argv[++i];
		else if (!file && argv[i][0] != '-')
			file = argv[i];
		else if (!strcmp(argv[i], "-") && !file)
			file = "-";
		else
			return ch_cli_fail(CH_EXIT_USAGE, "ct verify-sth: unexpected '%s'", argv[i]);
	}
	if (!key_path || !file)
		return ch_cli_fail(CH_EXIT_USAGE, "ct verify-sth: need --key FILE and an STH file");
	if ((rc = load_key(&key, key_path)) != CH_EXIT_OK)
		return rc;
	ch_buf_init(&b, CT_MAX_INPUT);
	rc = read_file(&b, file);
	if (rc == CH_EXIT_OK && ch_ct_sth_parse_json(&sth, b.data, b.len) != CH_OK)
		rc = ch_cli_fail(CH_EXIT_BAD_INPUT, "%s: %s", file, ch_error_last());
	if (rc == CH_EXIT_OK) {
		ch_err err = ch_ct_sth_verify(&sth, key);
		if (err)
			rc = ch_cli_fail(exit_for(err), "%s: %s", file, ch_error_last());
	}
	if (rc == CH_EXIT_OK) {
		ch_base64_encode(root, sth.root, 32);
		printf("verified: tree_size %llu timestamp %llu root %s\n",
		       (unsigned long long)sth.tree_size, (unsigned long long)sth.timestamp, root);
	}
	ch_buf_free(&b);
	ch_ct_key_free(key);
	return rc;
}

static int cmd_verify_checkpoint(int argc, char **argv)
{
	const char *key_path = NULL, *vkey = NULL, *origin = NULL, *file = NULL;
	ch_ct_key *key = NULL;
	ch_note_verifier v;
	ch_checkpoint cp;
	ch_buf b;
	char root[48];
	int rc = CH_EXIT_OK;
	ch_err err;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--key") && i + 1 < argc)
			key_path = argv[++i];
		else if (!strcmp(argv[i], "--vkey") && i + 1 < argc)
			vkey = argv[++i];
		else if (!strcmp(argv[i], "--origin") && i + 1 < argc)
			origin = argv[++i];
		else if (!file && (argv[i][0] != '-' || !strcmp(argv[i], "-")))
			file = argv[i];
		else
			return ch_cli_fail(CH_EXIT_USAGE, "ct verify-checkpoint: unexpected '%s'",
					   argv[i]);
	}
	if ((!key_path == !vkey) || !file)
		return ch_cli_fail(CH_EXIT_USAGE, "ct verify-checkpoint: need one of --key FILE or "
				   "--vkey VKEY, and a checkpoint file");
	if (key_path && !origin)
		return ch_cli_fail(CH_EXIT_USAGE, "ct verify-checkpoint: --key needs --origin NAME "
				   "(the log's key name)");
	if (vkey) {
		if (ch_note_vkey_parse(&v, &key, vkey) != CH_OK)
			return ch_cli_fail(CH_EXIT_USAGE, "ct verify-checkpoint: %s", ch_error_last());
	} else {
		if ((rc = load_key(&key, key_path)) != CH_EXIT_OK)
			return rc;
		err = ch_ct_key_type_of(key) == CH_CT_KEY_ED25519
			      ? ch_note_verifier_ed25519(&v, origin, key)
			      : ch_note_verifier_rfc6962(&v, origin, key);
		if (err)
			rc = ch_cli_fail(CH_EXIT_USAGE, "ct verify-checkpoint: %s", ch_error_last());
	}
	ch_buf_init(&b, CH_NOTE_MAX + 1);
	if (rc == CH_EXIT_OK)
		rc = read_file(&b, file);
	if (rc == CH_EXIT_OK) {
		err = ch_checkpoint_verify(&cp, b.data ? b.data : "", b.len, origin, &v, 1);
		if (err)
			rc = ch_cli_fail(exit_for(err), "%s: %s", file, ch_error_last());
	}
	if (rc == CH_EXIT_OK) {
		ch_base64_encode(root, cp.root, 32);
		printf("verified: origin %s tree_size %llu root %s", cp.origin,
		       (unsigned long long)cp.size, root);
		if (cp.has_sth)
			printf(" timestamp %llu", (unsigned long long)cp.sth.timestamp);
		printf("\n");
	}
	ch_buf_free(&b);
	ch_ct_key_free(key);
	return rc;
}

/* Sub-subcommands; `sync` is provided by cmd_ct_sync.c when it is linked in. */
int ch_cmd_ct_sync(ch_cli *cli, int argc, char **argv) __attribute__((weak));

int ch_cmd_ct(ch_cli *cli, int argc, char **argv)
{
	const char *sub = argc > 1 ? argv[1] : NULL;

	if (!sub || !strcmp(sub, "--help") || !strcmp(sub, "-h") || !strcmp(sub, "help")) {
		ct_usage(sub ? stdout : stderr);
		return sub ? CH_EXIT_OK : CH_EXIT_USAGE;
	}
	if (!strcmp(sub, "logs"))
		return cmd_logs(argc - 1, argv + 1);
	if (!strcmp(sub, "verify-sth"))
		return cmd_verify_sth(argc - 1, argv + 1);
	if (!strcmp(sub, "verify-checkpoint"))
		return cmd_verify_checkpoint(argc - 1, argv + 1);
	if (!strcmp(sub, "sync") && ch_cmd_ct_sync)
		return ch_cmd_ct_sync(cli, argc - 1, argv + 1);
	if (!strcmp(sub, "follow"))
		return ch_cmd_ct_follow(cli, argc - 1, argv + 1);
	if (!strcmp(sub, "verify"))
		return ch_cmd_ct_verify(cli, argc - 1, argv + 1);
	ct_usage(stderr);
	return ch_cli_fail(CH_EXIT_USAGE, "ct: unknown command '%s'", sub);
}
