/* Fuzz target: the RFC 6962 JSON responses and the log list, all from the same bytes. */
#include <certhound/ct.h>

#include <stdlib.h>

/* ignore drops a result on purpose: the target only looks for crashes. */
static void ignore(ch_err e)
{
	(void)e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	ch_ct_sth sth;
	ch_ct_proof proof;
	ch_ct_entries es;
	ch_ct_log_list *l = NULL;
	ch_buf b;
	ch_bytes *certs = NULL;
	size_t n;

	ignore(ch_ct_sth_parse_json(&sth, s, size));
	ignore(ch_ct_proof_parse_json(&proof, s, size));
	if (ch_ct_entries_parse_json(&es, s, size) == CH_OK) {
		for (size_t i = 0; i < es.num; i++) {
			ch_ct_entry e;
			if (ch_ct_leaf_decode(&e, es.leaf_input[i].data, es.leaf_input[i].len) == CH_OK)
				ignore(ch_ct_extra_decode(&e, es.extra_data[i].data, es.extra_data[i].len));
		}
		ch_ct_entries_free(&es);
	}
	ch_buf_init(&b, 1u << 20);
	if (ch_ct_roots_parse_json(&b, &certs, &n, s, size) == CH_OK)
		free(certs);
	ch_buf_free(&b);
	if (ch_ct_log_list_parse(&l, s, size) == CH_OK) {
		(void)ch_ct_log_list_find(l, "x");
		ch_ct_log_list_free(l);
	}
	return 0;
}
