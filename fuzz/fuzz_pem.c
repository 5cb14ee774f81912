/* Fuzz target: the certificate reader over arbitrary bytes. The same input is read twice, from
 * memory and through a FILE* (fmemopen, so in read-sized chunks); both readers must yield the
 * same items. Every yielded certificate must be non-empty, within the size limit and, for DER
 * files, start with a SEQUENCE. */
#include <certhound/pem.h>
#include <certhound/x509.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void check(const ch_pem_item *it)
{
	if (it->err == CH_OK) {
		if (!it->der || it->der_len == 0 || it->der_len > CH_CERT_MAX_DER)
			abort();
		if (it->format == CH_PEM_FMT_DER && it->der[0] != 0x30)
			abort();
	} else if (!it->message || !*it->message) {
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ch_pem *a = NULL, *b = NULL;
	FILE *f = size ? fmemopen((void *)data, size, "rb") : NULL;
	ch_pem_item x, y;
	ch_err ea, eb;

	if (ch_pem_new(&a) != CH_OK || ch_pem_new(&b) != CH_OK)
		abort();
	if (ch_pem_add_mem(a, data, size, "fuzz") != CH_OK)
		abort();
	if (f && ch_pem_add_file(b, f, "fuzz") != CH_OK)
		abort();
	for (;;) {
		ea = ch_pem_next(a, &x);
		if (ea == CH_OK)
			check(&x);
		if (!f) {
			if (ea != CH_OK)
				break;
			continue;
		}
		eb = ch_pem_next(b, &y);
		if (ea != eb)
			abort();
		if (ea != CH_OK)
			break;
		if (x.err != y.err || x.index != y.index || x.offset != y.offset || x.line != y.line ||
		    x.der_len != y.der_len || (x.der_len && memcmp(x.der, y.der, x.der_len) != 0) ||
		    strcmp(x.message, y.message) != 0)
			abort();
	}
	if (ea != CH_ERR_EOF)
		abort();
	ch_pem_free(a);
	ch_pem_free(b);
	if (f)
		fclose(f);
	return 0;
}
