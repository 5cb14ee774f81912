/* The command-line face: shared options and the subcommand signature. */
#ifndef CH_CLI_H
#define CH_CLI_H

#include <stdbool.h>
#include <stdio.h>

/* Exit codes (CONTRACT.md). */
enum {
	CH_EXIT_OK = 0,
	CH_EXIT_NOTHING = 1,
	CH_EXIT_USAGE = 2,
	CH_EXIT_BAD_INPUT = 3,
	CH_EXIT_INTEGRITY = 4,
	CH_EXIT_ENV = 5,
};

/* Global options, parsed before the subcommand. */
typedef struct ch_cli {
	const char *db_path; /* --db, else $CERTHOUND_DB, else $XDG_DATA_HOME/certhound/certhound.db */
	const char *prog;    /* "certhound" */
} ch_cli;

/* A subcommand: argv[0] is the command name; returns an exit code. */
typedef int (*ch_cmd_fn)(ch_cli *cli, int argc, char **argv);

/* ch_cli_fail prints "certhound: <what>: <why>" on stderr and returns `code`. */
int ch_cli_fail(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ch_cli_db_path returns the store path to use (never NULL). */
const char *ch_cli_db_path(ch_cli *cli);

/* Subcommands. Each lives in src/cli/cmd_<name>.c. A command not linked in is weak/NULL. */
#define CH_CLI_CMD(name) int ch_cmd_##name(ch_cli *cli, int argc, char **argv) __attribute__((weak))
CH_CLI_CMD(parse);
CH_CLI_CMD(ingest);
CH_CLI_CMD(search);
CH_CLI_CMD(show);
CH_CLI_CMD(stats);
CH_CLI_CMD(ct);
CH_CLI_CMD(pivot);
CH_CLI_CMD(exposure);
CH_CLI_CMD(monitor);
CH_CLI_CMD(scan);
CH_CLI_CMD(corroborate);
CH_CLI_CMD(detect);
CH_CLI_CMD(serve);

#endif
