/* fuzz_exposure_kb: arbitrary bytes as an exposure knowledge file (src/exposure/kb.c), then each
 * of its lines as a name to classify. A file either parses or fails naming a line of "fuzz";
 * a `label X` rule makes "X.example.com" internal; classification never crashes. */
#include <certhound/exposure.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ch_exposure_kb *kb = NULL;
	char *copy = malloc(size + 1), why[256];

	if (!copy)
		return 0;
	memcpy(copy, data, size);
	copy[size] = '\0';
	if (ch_exposure_kb_parse(&kb, (const char *)data, size, "fuzz") != CH_OK) {
		if (!strstr(ch_error_last(), "fuzz:") && !strstr(ch_error_last(), "memory"))
			abort();
	} else {
		for (char *p = copy; p;) {
			char *nl = strchr(p, '\n'), name[1200];
			if (nl)
				*nl = '\0';
			(void)ch_exposure_internal_reason(kb, why, sizeof why, p, NULL);
			(void)ch_exposure_internal_reason(kb, why, sizeof why, p, "example.com");
			/* ("label *" is no test: "*.example.com" is a wildcard over example.com) */
			if (!strncmp(p, "label ", 6) && strlen(p) < 1000 && !strpbrk(p + 6, " \t#\r.") &&
			    p[6] && p[6] != '*') {
				snprintf(name, sizeof name, "%s.example.com", p + 6);
				for (char *q = name; *q; q++)
					if (*q >= 'A' && *q <= 'Z')
						*q = (char)(*q - 'A' + 'a');
				if (!ch_exposure_internal_reason(kb, why, sizeof why, name, "example.com"))
					abort();
			}
			p = nl ? nl + 1 : NULL;
		}
	}
	ch_exposure_kb_free(kb);
	free(copy);
	return 0;
}
