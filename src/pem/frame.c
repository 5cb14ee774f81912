/* DER framing: a DER file is one or more concatenated certificates, each a SEQUENCE whose
 * header gives its length. Elements are copied into r->der one at a time, so a file of any size
 * costs one certificate of memory; an element over CH_CERT_MAX_DER is skipped by its length. */
#include "internal.h"

#include <string.h>

void ch_pem__frame_reset(pem_frame *f)
{
	memset(f, 0, sizeof *f);
	f->state = PEM_DER_HDR;
}

bool ch_pem__der_header(const uint8_t *p, size_t n, size_t *out_hdr, uint64_t *out_len)
{
	size_t k;
	uint64_t len = 0;

	if (n < 2 || p[0] != 0x30)
		return false;
	if (p[1] < 0x80) {
		*out_hdr = 2;
		*out_len = p[1];
		return true;
	}
	k = p[1] & 0x7f;
	if (k == 0 || k > 4 || n < 2 + k)
		return false; /* indefinite length (BER) or absurd length-of-length */
	for (size_t i = 0; i < k; i++)
		len = len << 8 | p[2 + i];
	*out_hdr = 2 + k;
	*out_len = len;
	return true;
}

/* header_byte takes one header byte; returns 1 with an item on a bad header, else 0. */
static int header_byte(ch_pem *r, ch_pem_item *out, uint8_t c)
{
	pem_in *in = &r->in;
	pem_frame *f = &in->frame;
	size_t hdr;
	uint64_t len;

	if (f->hdr_len == 0) {
		f->elem_off = in->base + in->pos;
		if (c != 0x30) {
			f->state = PEM_DER_TRAIL;
			return ch_pem__error(r, out, CH_ERR_PARSE, CH_PEM_FMT_DER, in->num_certs,
					     f->elem_off,
					     0, "byte 0x%02x after certificate %zu is not the start of "
					     "another certificate; rest of file ignored", c, in->num_certs);
		}
		f->elem_index = in->num_certs++;
	}
	f->hdr[f->hdr_len++] = c;
	if (f->hdr_len == 2) {
		f->hdr_need = c < 0x80 ? 2 : 2 + (size_t)(c & 0x7f);
		if (c == 0x80 || c > 0x84) {
			f->state = PEM_DER_TRAIL;
			return ch_pem__error(r, out, CH_ERR_PARSE, CH_PEM_FMT_DER, f->elem_index,
					     f->elem_off, 0, "%s; rest of file ignored",
					     c == 0x80 ? "indefinite length (BER) is not supported"
						       : "length field too large");
		}
	}
	if (f->hdr_len < 2 || f->hdr_len < f->hdr_need)
		return 0;
	hdr = len = 0;
	(void)ch_pem__der_header(f->hdr, f->hdr_len, &hdr, &len);
	if (len + hdr > CH_CERT_MAX_DER) {
		f->state = PEM_DER_SKIP;
		f->skip_left = len;
		f->hdr_len = 0;
		return ch_pem__error(r, out, CH_ERR_LIMIT, CH_PEM_FMT_DER, f->elem_index, f->elem_off,
				     0, "certificate of %llu bytes exceeds the limit of %u bytes",
				     (unsigned long long)(len + hdr), CH_CERT_MAX_DER);
	}
	ch_buf_reset(&r->der);
	if (ch_buf_append(&r->der, f->hdr, hdr) != CH_OK)
		return CH_ERR_NOMEM;
	f->body_need = (size_t)len;
	f->state = PEM_DER_BODY;
	return 0;
}

static int emit(ch_pem *r, ch_pem_item *out)
{
	pem_frame *f = &r->in.frame;

	f->state = PEM_DER_HDR;
	f->hdr_len = 0;
	return ch_pem__cert(r, out, CH_PEM_FMT_DER, f->elem_index, f->elem_off, 0, NULL, r->der.len);
}

int ch_pem__frame_feed(ch_pem *r, ch_pem_item *out)
{
	pem_in *in = &r->in;
	pem_frame *f = &in->frame;
	int got;

	while (in->pos < in->chunk_len) {
		size_t avail = in->chunk_len - in->pos, take;
		switch (f->state) {
		case PEM_DER_HDR:
			got = header_byte(r, out, in->chunk[in->pos]);
			in->pos++;
			if (got)
				return got;
			if (f->state == PEM_DER_BODY && f->body_need == 0)
				return emit(r, out);
			break;
		case PEM_DER_BODY:
			take = avail < f->body_need ? avail : f->body_need;
			if (ch_buf_append(&r->der, in->chunk + in->pos, take) != CH_OK)
				return CH_ERR_NOMEM;
			in->pos += take;
			f->body_need -= take;
			if (f->body_need == 0)
				return emit(r, out);
			break;
		case PEM_DER_SKIP:
			take = avail < f->skip_left ? avail : (size_t)f->skip_left;
			in->pos += take;
			f->skip_left -= take;
			if (f->skip_left == 0)
				f->state = PEM_DER_HDR;
			break;
		default:
			in->pos = in->chunk_len;
			break;
		}
	}
	return 0;
}

int ch_pem__frame_finish(ch_pem *r, ch_pem_item *out)
{
	pem_in *in = &r->in;
	pem_frame *f = &in->frame;
	int state = f->state;

	if (in->fin_stage++)
		return 0;
	if (state == PEM_DER_HDR && f->hdr_len > 0)
		return ch_pem__error(r, out, CH_ERR_PARSE, CH_PEM_FMT_DER, f->elem_index, f->elem_off,
				     0, "truncated certificate: the file ends inside its header");
	if (state == PEM_DER_BODY)
		return ch_pem__error(r, out, CH_ERR_PARSE, CH_PEM_FMT_DER, f->elem_index, f->elem_off,
				     0, "truncated certificate: its header gives %zu bytes, the file "
				     "ends after %zu", r->der.len + f->body_need, r->der.len);
	return 0;
}
