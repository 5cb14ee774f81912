/* certhound: git-style subcommands over libcerthound. */
#include "cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct cmd {
	const char *name;
	ch_cmd_fn fn;
	const char *summary;
};

static const struct cmd *commands(size_t *out_n)
{
	static struct cmd cmds[] = {
		{"parse", NULL, "decode certificates (PEM/DER/bundles) and print their records"},
		{"ingest", NULL, "decode and store certificates from files and directories"},
		{"search", NULL, "search the store with the query language"},
		{"show", NULL, "one stored certificate in full, with where it was seen"},
		{"stats", NULL, "what the store holds"},
		{"ct", NULL, "Certificate Transparency logs: sync, follow, logs, verify"},
		{"pivot", NULL, "related infrastructure from seeds, with reasons and scores"},
		{"exposure", NULL, "an organisation's certificate exposure report"},
		{"monitor", NULL, "watch CT for an organisation's names and look-alikes"},
		{"scan", NULL, "fetch certificates from TLS services in an explicit scope"},
		{"corroborate", NULL, "match leads against local DNS/proxy/firewall/Zeek logs"},
		{"detect", NULL, "certificate-reconnaissance detection over endpoint events"},
		{"serve", NULL, "HTTP API and web UI"},
	};
	cmds[0].fn = ch_cmd_parse;
	cmds[1].fn = ch_cmd_ingest;
	cmds[2].fn = ch_cmd_search;
	cmds[3].fn = ch_cmd_show;
	cmds[4].fn = ch_cmd_stats;
	cmds[5].fn = ch_cmd_ct;
	cmds[6].fn = ch_cmd_pivot;
	cmds[7].fn = ch_cmd_exposure;
	cmds[8].fn = ch_cmd_monitor;
	cmds[9].fn = ch_cmd_scan;
	cmds[10].fn = ch_cmd_corroborate;
	cmds[11].fn = ch_cmd_detect;
	cmds[12].fn = ch_cmd_serve;
	*out_n = sizeof cmds / sizeof cmds[0];
	return cmds;
}

int ch_cli_fail(int code, const char *fmt, ...)
{
	va_list ap;

	fputs("certhound: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

const char *ch_cli_db_path(ch_cli *cli)
{
	static char path[4096];
	const char *v;

	if (cli->db_path)
		return cli->db_path;
	if ((v = getenv("CERTHOUND_DB")) && *v)
		return v;
	if ((v = getenv("XDG_DATA_HOME")) && *v)
		snprintf(path, sizeof path, "%s/certhound/certhound.db", v);
	else
		snprintf(path, sizeof path, "%s/.local/share/certhound/certhound.db",
			 getenv("HOME") ? getenv("HOME") : ".");
	return path;
}

static void usage(FILE *f)
{
	size_t n;
	const struct cmd *c = commands(&n);

	fprintf(f, "usage: certhound [--db PATH] COMMAND [options] [args]\n\ncommands:\n");
	for (size_t i = 0; i < n; i++)
		if (c[i].fn)
			fprintf(f, "  %-12s %s\n", c[i].name, c[i].summary);
	fprintf(f, "\n'certhound COMMAND --help' describes one command.\n");
}

int main(int argc, char **argv)
{
	ch_cli cli = {.prog = "certhound"};
	size_t n;
	const struct cmd *c = commands(&n);
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "--db") && i + 1 < argc)
			cli.db_path = argv[++i];
		else if (!strncmp(argv[i], "--db=", 5))
			cli.db_path = argv[i] + 5;
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			usage(stdout);
			return CH_EXIT_OK;
		} else if (!strcmp(argv[i], "--version")) {
			printf("certhound 0.1.0\n");
			return CH_EXIT_OK;
		} else {
			usage(stderr);
			return ch_cli_fail(CH_EXIT_USAGE, "unknown option '%s'", argv[i]);
		}
	}
	if (i >= argc) {
		usage(stderr);
		return CH_EXIT_USAGE;
	}
	for (size_t k = 0; k < n; k++) {
		if (strcmp(argv[i], c[k].name) != 0)
			continue;
		if (!c[k].fn)
			return ch_cli_fail(CH_EXIT_USAGE, "%s: not part of this build yet", c[k].name);
		return c[k].fn(&cli, argc - i, argv + i);
	}
	usage(stderr);
	return ch_cli_fail(CH_EXIT_USAGE, "unknown command '%s'", argv[i]);
}
