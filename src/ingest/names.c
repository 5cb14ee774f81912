/* ingest: a certificate's host names and registrable domains (the record's `names` and
 * `registered_domains`), from the names module, copied into the slot's own buffer because the
 * names handle reuses its memory on the next certificate. */
#include "internal.h"

#include <string.h>

ch_err ch_ingest__names(ch_names *nm, ch_buf *text, size_t *out_num_names,
			size_t *out_num_domains, const ch_cert *c)
{
	const ch_cert_names *cn = NULL;
	ch_err err = CH_OK;

	*out_num_names = *out_num_domains = 0;
	CH_TRY(ch_names_of_cert(nm, c, &cn));
	for (size_t i = 0; i < cn->num_names; i++)
		CH_TRY(ch_buf_append(text, cn->names[i], strlen(cn->names[i]) + 1));
	for (size_t i = 0; i < cn->num_registered_domains; i++)
		CH_TRY(ch_buf_append(text, cn->registered_domains[i],
				     strlen(cn->registered_domains[i]) + 1));
	*out_num_names = cn->num_names;
	*out_num_domains = cn->num_registered_domains;
out:
	return err;
}
