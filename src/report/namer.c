/* ch_report_namer: the names module's view of a certificate, shaped for records. */
#include "report/internal.h"

#include <certhound/names.h>

#include <stdlib.h>
#include <string.h>

struct ch_report_namer {
	ch_names *names;
	ch_report_names out;
	ch_str *strs;   /* scratch: names, then domains, then unicode forms */
	size_t cap;
};

ch_err ch_report_namer_new(ch_report_namer **out)
{
	ch_err err = CH_OK;
	ch_report_namer *n = calloc(1, sizeof *n);

	*out = NULL;
	if (!n) {
		err = ch_error_set(CH_ERR_NOMEM, "out of memory");
		goto out;
	}
	CH_TRY(ch_names_new(&n->names));
	*out = n;
	n = NULL;
out:
	ch_report_namer_free(n);
	return err;
}

void ch_report_namer_free(ch_report_namer *n)
{
	if (!n)
		return;
	ch_names_free(n->names);
	free(n->strs);
	free(n);
}

static ch_err reserve(ch_report_namer *n, size_t want)
{
	ch_str *p;

	if (want <= n->cap)
		return CH_OK;
	if (want < 64)
		want = 64;
	p = realloc(n->strs, want * sizeof *p);
	if (!p)
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	n->strs = p;
	n->cap = want;
	return CH_OK;
}

static ch_str str_of(const char *s)
{
	return (ch_str){s, strlen(s)};
}

ch_err ch_report_namer_get(ch_report_namer *n, const ch_report_names **out, const ch_cert *c)
{
	ch_err err = CH_OK;
	const ch_cert_names *cn = NULL;
	size_t k = 0, num_uni = 0;

	*out = NULL;
	CH_TRY(ch_names_of_cert(n->names, c, &cn));
	CH_TRY(reserve(n, 2 * cn->num_names + cn->num_registered_domains));
	for (size_t i = 0; i < cn->num_names; i++)
		n->strs[k++] = str_of(cn->names[i]);
	for (size_t i = 0; i < cn->num_registered_domains; i++)
		n->strs[k++] = str_of(cn->registered_domains[i]);
	for (size_t i = 0; i < cn->num_names; i++) {
		if (cn->unicode && cn->unicode[i] && strcmp(cn->unicode[i], cn->names[i]) != 0) {
			n->strs[k++] = str_of(cn->unicode[i]);
			num_uni++;
		}
	}
	n->out.names = n->strs;
	n->out.num_names = cn->num_names;
	n->out.domains = n->strs + cn->num_names;
	n->out.num_domains = cn->num_registered_domains;
	n->out.unicode = n->strs + cn->num_names + cn->num_registered_domains;
	n->out.num_unicode = num_uni;
	*out = &n->out;
out:
	return err;
}
