/* Shared pieces of the ct sync / verify / follow commands: naming a log (from a log list or
 * from --key and a URL), exit codes. */
#ifndef CH_CLI_CT_COMMON_H
#define CH_CLI_CT_COMMON_H

#include <stdbool.h>

#include <certhound/ct.h>
#include <certhound/ct_sync.h>
#include <certhound/err.h>

#include "cli.h"

/* One log to work on, owning its key. */
typedef struct ch_cli_ct_log {
	char name[256];         /* description from the list, else the URL */
	char url[2048];
	char origin[512];       /* tiled: checkpoint origin ("" = derived from the URL) */
	bool tiled;
	ch_ct_key *key;
	ch_ct_log_state state;
} ch_cli_ct_log;

/* ch_cli_ct_exit_for maps a library error to the documented exit code. */
int ch_cli_ct_exit_for(ch_err err);

/* ch_cli_ct_from_list fills *out from a log list entry; an exit code (message printed). */
int ch_cli_ct_from_list(ch_cli_ct_log *out, const ch_ct_log_info *g, const char *cmd);

/* ch_cli_ct_from_key fills *out from --key FILE, a URL and --tiled / --origin. */
int ch_cli_ct_from_key(ch_cli_ct_log *out, const char *url, const char *key_path, bool tiled,
		       const char *origin, const char *cmd);

/* ch_cli_ct_sync_log points a ch_ct_sync_log at *l (borrowing it). */
void ch_cli_ct_sync_log(ch_ct_sync_log *out, const ch_cli_ct_log *l);

void ch_cli_ct_log_clear(ch_cli_ct_log *l);

/* ch_cli_ct_usable says whether a list entry is one `--all-usable` follows: state usable (or
 * qualified), a key that parses, and a temporal interval that has not ended. */
bool ch_cli_ct_usable(const ch_ct_log_info *g);

/* Options of a multi-log run (ct follow, ct sync --all-usable). */
typedef struct ch_cli_ct_run {
	ch_ct_sync_opts sync;   /* per-sync options (progress and stop are set by the runner) */
	bool once;              /* one pass to the current tree heads, then exit */
	double poll_seconds;    /* between passes of a log (follow) */
	unsigned jobs;          /* logs syncing at the same time */
	int progress;           /* 0 none, 1 a line every second on a terminal, 2 plain lines */
} ch_cli_ct_run;

/* ch_cli_ct_run_logs syncs the logs concurrently (a thread per log, each with its own store
 * handle and ingest pipeline) until done (once) or SIGINT/SIGTERM, and prints a summary.
 * Returns the exit code: 4 if any log failed verification, 5 on other failures, else 0. */
int ch_cli_ct_run_logs(ch_cli *cli, ch_cli_ct_log *logs, size_t n, const ch_cli_ct_run *o);

/* ch_cli_ct_follow_main runs `ct follow` (once_default false) or `ct sync --all-usable` (true)
 * with their shared options; cmd names the command in messages. */
int ch_cli_ct_follow_main(ch_cli *cli, int argc, char **argv, bool once_default, const char *cmd);

/* Subcommands of `ct` in their own files (dispatched by cmd_ct.c). */
int ch_cmd_ct_follow(ch_cli *cli, int argc, char **argv);
int ch_cmd_ct_verify(ch_cli *cli, int argc, char **argv);

#endif
