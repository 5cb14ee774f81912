/* Helpers shared by the search, show and stats commands. */
#ifndef CH_CLI_QUERY_COMMON_H
#define CH_CLI_QUERY_COMMON_H

#include <certhound/query.h>
#include <certhound/report.h>
#include <certhound/store.h>

#include "cli.h"

/* chq_open_store opens the store read-only for `cmd`; returns -1 on success or an exit code
 * (5 when there is no store or it cannot be opened), having printed why. */
int chq_open_store(ch_cli *cli, const char *cmd, ch_store **out);

/* chq_exit_for maps a library error to an exit code (usage for invalid input, 5 otherwise). */
int chq_exit_for(ch_err err);

/* chq_names returns the ch_report_names of a loaded certificate. */
ch_report_names chq_names(const ch_query_cert *qc);

/* chq_dn_attr copies the unescaped value of the first `type` attribute ("CN", "O") of an
 * RFC 4514 DN string into out (cap bytes, NUL-terminated); false when absent. */
bool chq_dn_attr(char *out, size_t cap, const char *dn, const char *type);

/* chq_parse_format reads a --format value; returns -1 or an exit code. */
int chq_parse_format(const char *cmd, const char *v, ch_report_format *out);

/* chq_write writes a buffer to stdout; false on a write error. */
bool chq_write(const ch_buf *b);

#endif
