/* Stored certificates back as full records: store record + decoded certificate + names. */
#include <certhound/names.h>
#include <certhound/query.h>

#include <stdlib.h>
#include <string.h>

static void drop_record(ch_query_cert *qc)
{
	ch_store_record_free(qc->record);
	for (size_t i = 0; i < qc->num_unicode; i++)
		free((char *)qc->unicode[i].s);
	free(qc->names);
	free(qc->domains);
	free(qc->unicode);
	qc->record = NULL;
	qc->names = qc->domains = qc->unicode = NULL;
	qc->num_names = qc->num_domains = qc->num_unicode = 0;
}

/* collect points names/domains at the record's NAME and DOMAIN values. */
static ch_err collect(ch_query_cert *qc)
{
	const ch_store_record *r = qc->record;
	size_t n = r->num_values ? r->num_values : 1;

	char u[CH_NAME_BUF];

	qc->names = calloc(n, sizeof *qc->names);
	qc->domains = calloc(n, sizeof *qc->domains);
	qc->unicode = calloc(n, sizeof *qc->unicode);
	if (!qc->names || !qc->domains || !qc->unicode)
		return ch_error_set(CH_ERR_NOMEM, "out of memory loading a certificate");
	for (size_t i = 0; i < r->num_values; i++) {
		const ch_store_value *v = &r->values[i];
		ch_str s = {v->text, v->text ? strlen(v->text) : 0};
		if (v->attr == CH_SA_NAME) {
			qc->names[qc->num_names++] = s;
			if (s.s && ch_name_to_unicode(u, s.s)) {
				char *d = strdup(u);
				if (!d)
					return ch_error_set(CH_ERR_NOMEM, "out of memory loading a certificate");
				qc->unicode[qc->num_unicode].s = d;
				qc->unicode[qc->num_unicode++].len = strlen(d);
			}
		} else if (v->attr == CH_SA_DOMAIN)
			qc->domains[qc->num_domains++] = s;
	}
	return CH_OK;
}

/* stored_tbs puts the stored TBS fingerprint in the decoded record, so that the record printed
 * agrees with `tbs:` search and the linked certificates: for a precertificate synced from CT
 * it is the logged TBS's, which the DER alone cannot give when a Precertificate Signing
 * Certificate signed it. */
static void stored_tbs(ch_query_cert *qc)
{
	const ch_store_record *r = qc->record;

	for (size_t i = 0; i < r->num_values; i++) {
		const ch_store_value *v = &r->values[i];
		uint8_t fp[32];
		if (v->attr == CH_SA_TBS && v->text && strlen(v->text) == 64 &&
		    ch_hex_decode(fp, sizeof fp, v->text, 64) == 32) {
			memcpy(qc->cert->tbs_sha256, fp, 32);
			return;
		}
	}
}

/* ch_query_cert_load loads one stored certificate into *qc (see certhound/query.h). */
ch_err ch_query_cert_load(ch_query_cert *qc, ch_store *s, const char *sha256_hex)
{
	ch_err err = CH_OK;

	drop_record(qc);
	if (!qc->cert)
		CH_TRY(ch_cert_new(&qc->cert));
	CH_TRY(ch_store_get(s, &qc->record, sha256_hex));
	CH_TRY(collect(qc));
	err = ch_cert_parse(qc->cert, qc->record->der, qc->record->der_len, CH_PARSE_ALL);
	if (err)
		ch_error_prefix(err, "stored certificate %s", sha256_hex);
	else
		stored_tbs(qc);
out:
	if (err)
		drop_record(qc);
	return err;
}

/* ch_query_cert_clear frees what *qc holds. */
void ch_query_cert_clear(ch_query_cert *qc)
{
	drop_record(qc);
	ch_cert_free(qc->cert);
	qc->cert = NULL;
}
