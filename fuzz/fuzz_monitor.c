/* fuzz_monitor: arbitrary bytes as a watch list and as certificate names (src/monitor/). The
 * input is a watch list, then "\n=\n", then one name per line (and the line after "\n=\n" once
 * more as a subject DN). A watch list either builds or fails naming a line of "fuzz"; matching
 * arbitrary (even invalid UTF-8) names must not crash, alerts must name a real entry and a rule,
 * and a name that is watched exactly must get its `exact` alert. */
#include <certhound/monitor.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define MAX_NAMES 64

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *sep = NULL;
	ch_monitor *m = NULL;
	ch_monitor_matches mm = {0};
	char *rest = NULL, *names[MAX_NAMES];
	size_t n = 0, watch_len = size, num_e;
	const ch_watch_entry *e;

	for (size_t i = 0; i + 3 <= size; i++)
		if (!memcmp(text + i, "\n=\n", 3)) {
			sep = text + i;
			break;
		}
	if (sep)
		watch_len = (size_t)(sep - text);
	if (ch_monitor_new(&m, text, watch_len, "fuzz", NULL) != CH_OK) {
		if (!strstr(ch_error_last(), "fuzz") && !strstr(ch_error_last(), "memory"))
			abort();
		return 0;
	}
	e = ch_monitor_entries(m, &num_e);
	if (sep && (rest = malloc(size - watch_len - 3 + 1))) {
		size_t l = size - watch_len - 3;
		memcpy(rest, sep + 3, l);
		rest[l] = '\0';
		for (char *p = rest; p && n < MAX_NAMES;) {
			char *nl = memchr(p, '\n', strlen(p));
			if (nl)
				*nl = '\0';
			names[n++] = p;
			p = nl ? nl + 1 : NULL;
		}
	}
	{
		ch_monitor_cert c = {.serial_hex = "01", .subject = n ? names[0] : "",
				     .issuer = "CN=fuzz", .names = (const char *const *)names,
				     .num_names = n};
		if (ch_monitor_match(m, &mm, &c) != CH_OK)
			abort();
		for (size_t i = 0; i < mm.num_alerts; i++)
			if (mm.alerts[i].entry >= num_e ||
			    !strcmp(ch_monitor_rule_name(mm.alerts[i].rule), "?") || !mm.alerts[i].num_names)
				abort();
		/* every watched name matches itself */
		for (size_t i = 0; i < num_e; i++) {
			const char *one[1] = {e[i].value};
			bool hit = false;
			if (e[i].kind != CH_WATCH_NAME)
				continue;
			c.names = one;
			c.num_names = 1;
			if (ch_monitor_match(m, &mm, &c) != CH_OK)
				abort();
			for (size_t k = 0; k < mm.num_alerts; k++)
				hit |= mm.alerts[k].rule == CH_RULE_EXACT;
			if (!hit)
				abort();
		}
	}
	ch_monitor_matches_free(&mm);
	free(rest);
	ch_monitor_free(m);
	return 0;
}
