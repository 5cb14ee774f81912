/* fuzz_pivot_kb: arbitrary bytes as a pivot knowledge file (src/pivot/knowledge.c). A file either
 * parses or fails with a message naming the line; every rule loaded must match its own pattern
 * text when that text has no glob characters, and matching arbitrary names must terminate. */
#include <certhound/pivot.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pivot/internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ch_pivot_kb *kb = NULL;
	char probe[256];
	size_t n = size < sizeof probe - 1 ? size : sizeof probe - 1;

	if (ch_pivot_kb_new(&kb) != CH_OK)
		return 0;
	if (ch_pivot_kb_parse(kb, (const char *)data, size, "fuzz") != CH_OK) {
		if (!strstr(ch_error_last(), "fuzz:"))
			abort();
	}
	for (size_t i = 0; i < kb->num_rules; i++) {
		const ch_pv_rule *r = &kb->rules[i];
		if (!strpbrk(r->pattern, "*?") && !ch_pivot__glob(r->pattern, r->shown))
			abort();
	}
	/* the input itself as a value to match (bounded, NUL-free) */
	memcpy(probe, data, n);
	probe[n] = '\0';
	(void)ch_pivot_kb_match(kb, CH_SA_NAME, probe, NULL);
	(void)ch_pivot__glob("*a*b*c*d*e*", probe);
	ch_pivot_kb_free(kb);
	return 0;
}
