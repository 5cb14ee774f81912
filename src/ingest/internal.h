/* ingest internals. */
#ifndef CH_INGEST_INTERNAL_H
#define CH_INGEST_INTERNAL_H

#include <certhound/buf.h>
#include <certhound/names.h>
#include <certhound/x509.h>

/* ch_ingest__names appends to `text` the NUL-separated host names and then the registrable
 * domains of a certificate, and sets *out_num_names / *out_num_domains. */
ch_err ch_ingest__names(ch_names *nm, ch_buf *text, size_t *out_num_names,
			size_t *out_num_domains, const ch_cert *c);

#endif
