/* scan: the few certificates last known to decode (see internal.h). Certificates of different
 * issuers or serials differ in their first few dozen bytes, so a miss costs a length compare
 * and an early-ending memcmp per entry. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

bool ch_scan__known_has(const ch_scan__known *k, const uint8_t *der, size_t len)
{
	for (size_t i = 0; i < CH_SCAN__KNOWN; i++)
		if (k->der[i] && k->len[i] == len && !memcmp(k->der[i], der, len))
			return true;
	return false;
}

void ch_scan__known_add(ch_scan__known *k, const uint8_t *der, size_t len)
{
	size_t i = k->next;
	uint8_t *copy;

	if (!len || len > CH_SCAN__KNOWN_DER || !(copy = malloc(len)))
		return;
	memcpy(copy, der, len);
	free(k->der[i]);
	k->der[i] = copy;
	k->len[i] = len;
	k->next = (i + 1) % CH_SCAN__KNOWN;
}

void ch_scan__known_free(ch_scan__known *k)
{
	for (size_t i = 0; i < CH_SCAN__KNOWN; i++)
		free(k->der[i]);
	memset(k, 0, sizeof *k);
}
