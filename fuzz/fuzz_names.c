/* Fuzz target: name normalisation, host-likeness, display form and registrable domain over
 * arbitrary bytes. Invariants: the normal form is a C string without stray bytes after its NUL,
 * normalising a host-like normal form again changes nothing, and a registrable domain is a
 * suffix of the name. */
#include <certhound/names.h>

#include <stdlib.h>
#include <string.h>

static ch_names *handle;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char norm[CH_NAME_BUF], again[CH_NAME_BUF], uni[CH_NAME_BUF];
	const char *rd;
	ch_name_kind kind;

	if (!handle && ch_names_new(&handle) != CH_OK)
		abort();
	if (ch_name_normalize(norm, (const char *)data, size) != CH_OK)
		return 0;
	if (strlen(norm) >= CH_NAME_BUF)
		abort();
	kind = ch_name_classify(norm);
	(void)ch_name_to_unicode(uni, norm);
	if (strlen(uni) >= CH_NAME_BUF)
		abort();
	if (kind == CH_NAME_NOT_HOST)
		return 0;
	if (ch_name_normalize(again, norm, strlen(norm)) != CH_OK || strcmp(again, norm) != 0)
		abort();
	if (ch_name_classify(again) != kind)
		abort();
	rd = ch_names_registered_domain(handle, norm);
	if (rd && (rd < norm || rd >= norm + strlen(norm) || strcmp(norm + strlen(norm) - strlen(rd), rd) != 0))
		abort();
	(void)ch_names_suffix_type(handle, norm);
	return 0;
}
