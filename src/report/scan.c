/* report: scan results (CONTRACT.md "Scan") as NDJSON, JSON, CSV and a one-line-per-connection
 * table. Each result is built in a reused buffer and written with one fwrite. */
#include "internal.h"

#include <certhound/hash.h>
#include <certhound/report_scan.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define SCAN_RECORD_MAX (64u << 20)

struct ch_report_scan {
	ch_report_format format;
	FILE *f;
	ch_buf buf;
	ch_cert *cert;
	ch_report_namer *namer;
	ch_hash *hash;
	ch_err io;
};

static const char *selection_name(ch_scan_selection s)
{
	switch (s) {
	case CH_SCAN_SEL_SAME: return "same";
	case CH_SCAN_SEL_DIFFERENT: return "different";
	case CH_SCAN_SEL_UNKNOWN: return "unknown";
	default: return NULL;
	}
}

/* chain_json writes the chain's certificate records into j. */
static ch_err chain_json(ch_json *j, ch_buf *scratch, const ch_scan_result *r, ch_cert *cert,
			 ch_report_namer *namer)
{
	ch_err err = CH_OK;

	ch_json_arr_begin(j);
	for (size_t i = 0; i < r->num_chain; i++) {
		const ch_report_names *nm = NULL;
		ch_buf_reset(scratch);
		if (ch_cert_parse(cert, r->chain[i].data, r->chain[i].len, CH_PARSE_ALL) == CH_OK &&
		    ch_report_namer_get(namer, &nm, cert) == CH_OK &&
		    (err = ch_report_cert_json(scratch, cert, nm, NULL, false)) == CH_OK) {
			ch_json_raw(j, scratch->data, scratch->len);
			continue;
		}
		if (err == CH_ERR_NOMEM)
			return err;
		err = CH_OK;
		ch_json_obj_begin(j);
		ch_json_key(j, "der_len");
		ch_json_uint(j, r->chain[i].len);
		ch_json_key(j, "error");
		ch_json_cstr(j, ch_error_last());
		ch_json_obj_end(j);
	}
	ch_json_arr_end(j);
	return err;
}

static void json_ms(ch_json *j, double ms)
{
	char t[32];

	if (ms < 0) {
		ch_json_null(j);
		return;
	}
	snprintf(t, sizeof t, "%.3f", ms);
	ch_json_raw(j, t, strlen(t));
}

ch_err ch_report_scan_json(ch_buf *out, const ch_scan_result *r, ch_cert *cert,
			   ch_report_namer *namer, bool pretty)
{
	ch_json j;
	ch_buf scratch;
	ch_err err;
	char t[21];

	ch_buf_init(&scratch, SCAN_RECORD_MAX);
	ch_json_init(&j, out, pretty);
	ch_json_obj_begin(&j);
	ch_json_key(&j, "target");
	ch_json_cstr(&j, r->target);
	ch_json_key(&j, "ip");
	ch_json_cstr(&j, r->ip);
	ch_json_key(&j, "port");
	ch_json_int(&j, r->port);
	ch_json_key(&j, "sni");
	ch_json_cstr(&j, r->sni);
	ch_json_key(&j, "status");
	ch_json_cstr(&j, r->status);
	ch_json_key(&j, "tls_version");
	ch_json_cstr(&j, r->tls_version);
	ch_json_key(&j, "cipher");
	ch_json_cstr(&j, r->cipher);
	ch_json_key(&j, "alpn");
	ch_json_cstr(&j, r->alpn);
	ch_json_key(&j, "chain");
	err = chain_json(&j, &scratch, r, cert, namer);
	ch_json_key(&j, "leaf_sha256");
	if (r->num_chain)
		ch_json_hex(&j, r->leaf_sha256, 32);
	else
		ch_json_null(&j);
	ch_json_key(&j, "time");
	ch_time_format(t, r->time_ms / 1000);
	ch_json_cstr(&j, t);
	ch_json_key(&j, "target_index");
	ch_json_uint(&j, r->target_index);
	ch_json_key(&j, "phase");
	ch_json_cstr(&j, r->phase);
	ch_json_key(&j, "error");
	ch_json_cstr(&j, r->ok ? NULL : r->error);
	ch_json_key(&j, "alert");
	if (r->alert >= 0)
		ch_json_int(&j, r->alert);
	else
		ch_json_null(&j);
	ch_json_key(&j, "starttls");
	ch_json_cstr(&j, r->starttls);
	ch_json_key(&j, "selection");
	ch_json_cstr(&j, selection_name(r->selection));
	if (r->selection != CH_SCAN_SEL_NONE) {
		ch_json_key(&j, "compared_with_sni");
		ch_json_cstr(&j, r->default_of);
	}
	ch_json_key(&j, "connect_ms");
	json_ms(&j, r->connect_ms);
	ch_json_key(&j, "handshake_ms");
	json_ms(&j, r->handshake_ms);
	ch_json_key(&j, "attempts");
	ch_json_uint(&j, r->attempts);
	ch_json_obj_end(&j);
	ch_buf_free(&scratch);
	if (err != CH_OK)
		return err;
	return ch_json_finish(&j);
}

static void free_rs(ch_report_scan *rs)
{
	ch_buf_free(&rs->buf);
	ch_cert_free(rs->cert);
	ch_report_namer_free(rs->namer);
	ch_hash_free(rs->hash);
	free(rs);
}

ch_err ch_report_scan_open(ch_report_scan **out, ch_report_format format, FILE *f)
{
	ch_report_scan *rs = calloc(1, sizeof *rs);
	ch_err err = CH_OK;

	*out = NULL;
	if (!rs)
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	rs->format = format;
	rs->f = f;
	ch_buf_init(&rs->buf, SCAN_RECORD_MAX);
	CH_TRY(ch_cert_new(&rs->cert));
	CH_TRY(ch_report_namer_new(&rs->namer));
	CH_TRY(ch_hash_new(&rs->hash));
	if (format == CH_REPORT_CSV &&
	    fputs("target,ip,port,sni,status,tls_version,cipher,alpn,leaf_sha256,leaf_subject,"
		  "chain_len,connect_ms,handshake_ms,error\n", f) == EOF)
		err = ch_error_set(CH_ERR_IO, "write: %s", strerror(errno));
out:
	if (err != CH_OK) {
		rs->io = CH_OK;
		rs->f = NULL;
		free_rs(rs);
		return err;
	}
	*out = rs;
	return CH_OK;
}

/* leaf_subject returns the leaf's subject DN text (in rs->cert) or "". */
static const char *leaf_subject(ch_report_scan *rs, const ch_scan_result *r, size_t *len)
{
	*len = 0;
	if (!r->num_chain || ch_cert_parse(rs->cert, r->chain[0].data, r->chain[0].len, 0) != CH_OK)
		return "";
	*len = strlen(rs->cert->subject.text);
	return rs->cert->subject.text;
}

static ch_err csv_str(ch_buf *b, const char *s)
{
	return s ? ch_report_csv_field(b, s, strlen(s)) : CH_OK;
}

static ch_err csv_row(ch_report_scan *rs, const ch_scan_result *r)
{
	ch_buf *b = &rs->buf;
	char port[16], hex[65] = "", n[24], cms[32] = "", hms[32] = "";
	size_t sl;
	const char *subj = leaf_subject(rs, r, &sl);
	ch_err err;

	snprintf(port, sizeof port, "%d", r->port);
	snprintf(n, sizeof n, "%zu", r->num_chain);
	if (r->num_chain)
		ch_hex_encode(hex, r->leaf_sha256, 32);
	if (r->connect_ms >= 0)
		snprintf(cms, sizeof cms, "%.3f", r->connect_ms);
	if (r->handshake_ms >= 0)
		snprintf(hms, sizeof hms, "%.3f", r->handshake_ms);
#define F(s, l) CH_TRY(ch_report_csv_field(b, (s), (l)))
#define FS(s) CH_TRY(csv_str(b, (s)))
	FS(r->target); CH_TRY(ch_buf_putc(b, ','));
	FS(r->ip); CH_TRY(ch_buf_putc(b, ','));
	FS(port); CH_TRY(ch_buf_putc(b, ','));
	FS(r->sni); CH_TRY(ch_buf_putc(b, ','));
	FS(r->status); CH_TRY(ch_buf_putc(b, ','));
	FS(r->tls_version); CH_TRY(ch_buf_putc(b, ','));
	FS(r->cipher); CH_TRY(ch_buf_putc(b, ','));
	FS(r->alpn); CH_TRY(ch_buf_putc(b, ','));
	FS(hex); CH_TRY(ch_buf_putc(b, ','));
	F(subj, sl); CH_TRY(ch_buf_putc(b, ','));
	FS(n); CH_TRY(ch_buf_putc(b, ','));
	FS(cms); CH_TRY(ch_buf_putc(b, ','));
	FS(hms); CH_TRY(ch_buf_putc(b, ','));
	FS(r->ok ? "" : r->error);
#undef F
#undef FS
	err = ch_buf_putc(b, '\n');
out:
	return err;
}

/* table_row: "status  host:port  sni  version cipher alpn  chain  leaf subject | error". */
static ch_err table_row(ch_report_scan *rs, const ch_scan_result *r)
{
	ch_buf *b = &rs->buf;
	char where[300];
	size_t sl;
	const char *subj = leaf_subject(rs, r, &sl);
	ch_err err;

	if (r->ip && strchr(r->ip, ':'))
		snprintf(where, sizeof where, "[%s]:%d", r->ip, r->port);
	else
		snprintf(where, sizeof where, "%s:%d", r->ip ? r->ip : r->target, r->port);
	CH_TRY(ch_buf_printf(b, "%-18s %-24s ", r->status, where));
	CH_TRY(ch_report_text_safe(b, r->sni ? r->sni : "-", r->sni ? strlen(r->sni) : 1, NULL));
	if (r->ok || r->num_chain) {
		CH_TRY(ch_buf_printf(b, "  %s %s %s  chain=%zu ", r->tls_version ? r->tls_version : "-",
				     r->cipher ? r->cipher : "-", r->alpn ? r->alpn : "-",
				     r->num_chain));
		CH_TRY(ch_report_text_safe(b, subj, sl, NULL));
		if (r->selection == CH_SCAN_SEL_SAME || r->selection == CH_SCAN_SEL_DIFFERENT)
			CH_TRY(ch_buf_printf(b, "  default-cert=%s", selection_name(r->selection)));
	}
	if (!r->ok) {
		CH_TRY(ch_buf_puts(b, "  "));
		CH_TRY(ch_report_text_safe(b, r->error, strlen(r->error), NULL));
	}
	err = ch_buf_putc(b, '\n');
out:
	return err;
}

ch_err ch_report_scan_add(ch_report_scan *rs, const ch_scan_result *r)
{
	ch_err err;

	if (rs->io != CH_OK)
		return ch_error_set(rs->io, "an earlier write failed");
	ch_buf_reset(&rs->buf);
	switch (rs->format) {
	case CH_REPORT_CSV:
		err = csv_row(rs, r);
		break;
	case CH_REPORT_TABLE:
		err = table_row(rs, r);
		break;
	default:
		err = ch_report_scan_json(&rs->buf, r, rs->cert, rs->namer,
					  rs->format == CH_REPORT_JSON);
		if (err == CH_OK)
			err = ch_buf_putc(&rs->buf, '\n');
		break;
	}
	if (err != CH_OK)
		return err;
	if (fwrite(rs->buf.data, 1, rs->buf.len, rs->f) != rs->buf.len) {
		rs->io = CH_ERR_IO;
		return ch_error_set(CH_ERR_IO, "write: %s", strerror(errno));
	}
	return CH_OK;
}

ch_err ch_report_scan_close(ch_report_scan *rs)
{
	ch_err err = CH_OK;

	if (!rs)
		return CH_OK;
	if (rs->io != CH_OK || fflush(rs->f) != 0 || ferror(rs->f))
		err = ch_error_set(CH_ERR_IO, "write: %s", strerror(errno));
	free_rs(rs);
	return err;
}
