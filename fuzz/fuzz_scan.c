/* fuzz_scan: the scan module's parsers of outside input — target specs / exclusions / pins (one
 * per line, as target files hold them, then iterated) and the STARTTLS dialogue (the input is
 * what a server says, fed through a socketpair). The first byte picks which. */
#include <certhound/scan.h>

#include "scan/internal.h"

#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void targets(const uint8_t *p, size_t n)
{
	ch_scan_opts o;
	ch_scan_targets *t;
	ch_scan__target x;
	char line[CH_SCAN_MAX_SPEC + 1];
	size_t i = 0;
	bool excl;
	uint64_t count;
	char id[80];

	ch_scan_opts_default(&o);
	o.allow_large = n > 0 && (p[0] & 1); /* an empty input is a valid input */
	if (ch_scan_targets_new(&t, &o) != CH_OK)
		return;
	while (i < n) {
		size_t len = 0;
		while (i < n && p[i] != '\n' && len < CH_SCAN_MAX_SPEC)
			line[len++] = p[i] ? (char)p[i] : ' ', i++;
		line[len] = '\0';
		i++;
		ch_err e;
		if (line[0] == '!')
			e = ch_scan_targets_exclude(t, line + 1);
		else if (line[0] == '=')
			e = ch_scan_targets_resolve(t, line + 1);
		else
			e = ch_scan_targets_add(t, line);
		if (e != CH_OK)
			ch_error_clear();
	}
	if (ch_scan_targets_count(t, &count) == CH_OK && ch_scan__iter_begin(t) == CH_OK)
		for (int k = 0; k < 2000 && ch_scan__iter_next(t, &x, &excl) == CH_OK; k++)
			(void)ch_scan__excluded_name(t, x.name);
	if (ch_scan_targets_id(t, id, &o) != CH_OK)
		ch_error_clear();
	ch_scan_targets_free(t);
}

static void dialogue(const uint8_t *p, size_t n)
{
	int sv[2];
	ch_scan__starttls st;
	char msg[200];

	if (n > 60000 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) != 0)
		return;
	if (write(sv[1], p + 1, n - 1) < 0) {
		/* a full buffer just truncates the input */
	}
	shutdown(sv[1], SHUT_WR);
	ch_scan__starttls_start(&st, (ch_scan_starttls)(CH_SCAN_STARTTLS_SMTP + p[0] % 4));
	for (int k = 0; k < 100000; k++) {
		ch_scan__st_rc rc = ch_scan__starttls_step(&st, sv[0], msg, sizeof msg);
		if (rc != CH_SCAN__ST_WANT_READ && rc != CH_SCAN__ST_WANT_WRITE)
			break;
		if (rc == CH_SCAN__ST_WANT_READ) {
			char c;
			if (recv(sv[0], &c, 1, MSG_PEEK) <= 0)
				break;
		}
	}
	close(sv[0]);
	close(sv[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 0x80)
		dialogue(data, size);
	else
		targets(data + 1, size - 1);
	return 0;
}
