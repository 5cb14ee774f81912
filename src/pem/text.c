/* The PEM line machine: finds BEGIN/END lines, skips junk, headers and blocks of other types,
 * collects a certificate block's base64 (validated character by character so an error can name
 * its line) and decodes it at the END line. Lines longer than PEM_HEAD_MAX are handled in
 * pieces: inside a certificate block they stream into the base64 buffer, elsewhere they are
 * skipped, so a file of one huge line never costs more than the block limit. */
#include "internal.h"

#include <string.h>

static const char *const cert_labels[] = {"CERTIFICATE", "X509 CERTIFICATE", "TRUSTED CERTIFICATE"};

void ch_pem__text_reset(pem_text *t)
{
	memset(t, 0, sizeof *t);
	t->line_no = 1;
}

static bool is_ws(uint8_t c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Byte classes inside a certificate block's base64: 0 invalid, 1 whitespace, 2 base64 or '='. */
#define W1 1
#define B2 2
static const uint8_t b64_class[256] = {
	['\t'] = W1, ['\n'] = W1, ['\v'] = W1, ['\f'] = W1, ['\r'] = W1, [' '] = W1,
	['+'] = B2, ['/'] = B2, ['='] = B2,
	['0'] = B2, ['1'] = B2, ['2'] = B2, ['3'] = B2, ['4'] = B2,
	['5'] = B2, ['6'] = B2, ['7'] = B2, ['8'] = B2, ['9'] = B2,
	['A'] = B2, ['B'] = B2, ['C'] = B2, ['D'] = B2, ['E'] = B2, ['F'] = B2, ['G'] = B2,
	['H'] = B2, ['I'] = B2, ['J'] = B2, ['K'] = B2, ['L'] = B2, ['M'] = B2, ['N'] = B2,
	['O'] = B2, ['P'] = B2, ['Q'] = B2, ['R'] = B2, ['S'] = B2, ['T'] = B2, ['U'] = B2,
	['V'] = B2, ['W'] = B2, ['X'] = B2, ['Y'] = B2, ['Z'] = B2,
	['a'] = B2, ['b'] = B2, ['c'] = B2, ['d'] = B2, ['e'] = B2, ['f'] = B2, ['g'] = B2,
	['h'] = B2, ['i'] = B2, ['j'] = B2, ['k'] = B2, ['l'] = B2, ['m'] = B2, ['n'] = B2,
	['o'] = B2, ['p'] = B2, ['q'] = B2, ['r'] = B2, ['s'] = B2, ['t'] = B2, ['u'] = B2,
	['v'] = B2, ['w'] = B2, ['x'] = B2, ['y'] = B2, ['z'] = B2,
};

/* block_fail records the first error of the current block; the block is reported at its end. */
static void block_fail(pem_text *t, ch_err code, const char *why)
{
	if (t->blk_err)
		return;
	t->blk_err = code;
	snprintf(t->blk_msg, sizeof t->blk_msg, "%s", why);
}

/* b64_append adds the base64 characters of p[0..n) to the block, skipping whitespace. */
static int b64_append(ch_pem *r, const uint8_t *p, size_t n)
{
	pem_text *t = &r->in.text;
	char *dst;
	size_t k = 0;

	if (t->blk_err || t->over)
		return 0;
	if (r->b64.len + n > PEM_B64_MAX) {
		t->over = true;
		return 0;
	}
	if (ch_buf_reserve(&r->b64, n) != CH_OK)
		return CH_ERR_NOMEM;
	dst = r->b64.data + r->b64.len;
	for (size_t i = 0; i < n; i++) {
		uint8_t c = p[i], cls = b64_class[c];
		if (cls == B2) {
			dst[k++] = (char)c;
			continue;
		}
		if (cls != W1) {
			char why[128];
			snprintf(why, sizeof why, "bad base64 character 0x%02x on line %llu", c,
				 (unsigned long long)t->line_no);
			block_fail(t, CH_ERR_PARSE, why);
			return 0;
		}
	}
	r->b64.len += k;
	r->b64.data[r->b64.len] = '\0';
	if (k)
		t->has_data = true;
	return 0;
}

/* marker recognises "-----BEGIN label-----" (1) and "-----END label-----" (2); 0 otherwise.
 * Like OpenSSL, text after the END line's closing dashes is tolerated (seen in real files as
 * "-----END CERTIFICATE-----:"); a BEGIN line must end with the dashes. */
static int marker(const char *s, size_t n, char label[PEM_LABEL_MAX + 1])
{
	const char *dash;
	size_t skip, len;

	if (n > 11 && memcmp(s, "-----BEGIN ", 11) == 0) {
		if (n < 16 || memcmp(s + n - 5, "-----", 5) != 0)
			return 0;
		len = n - 16;
		if (len == 0 || len > PEM_LABEL_MAX)
			return 0;
		memcpy(label, s + 11, len);
		label[len] = '\0';
		return 1;
	}
	if (n <= 9 || memcmp(s, "-----END ", 9) != 0)
		return 0;
	skip = 9;
	dash = memmem(s + skip, n - skip, "-----", 5);
	if (!dash)
		return 0;
	len = (size_t)(dash - (s + skip));
	if (len == 0 || len > PEM_LABEL_MAX)
		return 0;
	memcpy(label, s + skip, len);
	label[len] = '\0';
	return 2;
}

/* cert_label returns the static copy of a certificate label, or NULL for other blocks. */
static const char *cert_label(const char *label)
{
	for (size_t i = 0; i < sizeof cert_labels / sizeof cert_labels[0]; i++)
		if (strcmp(label, cert_labels[i]) == 0)
			return cert_labels[i];
	return NULL;
}

static void begin_block(ch_pem *r, const char *label)
{
	pem_text *t = &r->in.text;

	t->cert_label = cert_label(label);
	t->block = t->cert_label ? PEM_BLOCK_CERT : PEM_BLOCK_OTHER;
	snprintf(t->label, sizeof t->label, "%s", label);
	t->trusted = strcmp(label, "TRUSTED CERTIFICATE") == 0;
	t->blk_line = t->line_no;
	t->blk_off = t->line_off;
	t->blk_index = t->block == PEM_BLOCK_CERT ? r->in.num_certs++ : 0;
	t->has_data = t->in_headers = t->over = false;
	t->blk_err = CH_OK;
	t->blk_msg[0] = '\0';
	ch_buf_reset(&r->b64);
}

static int block_error(ch_pem *r, ch_pem_item *out, ch_err code, const char *why)
{
	pem_text *t = &r->in.text;

	return ch_pem__error(r, out, code, CH_PEM_FMT_PEM, t->blk_index, t->blk_off, t->blk_line,
			     "%s block: %s", t->label, why);
}

/* decode turns the collected base64 into r->der and yields the certificate. */
static int decode(ch_pem *r, ch_pem_item *out)
{
	pem_text *t = &r->in.text;
	size_t cap = 3 * (r->b64.len / 4) + 3, hdr;
	uint64_t body;
	long n;
	char why[128];

	if (cap > r->der.max)
		cap = r->der.max;
	ch_buf_reset(&r->der);
	if (ch_buf_reserve(&r->der, cap) != CH_OK)
		return CH_ERR_NOMEM;
	n = ch_base64_decode((uint8_t *)r->der.data, cap, r->b64.data ? r->b64.data : "",
			     r->b64.len);
	if (n < 0)
		return block_error(r, out, CH_ERR_PARSE, "bad base64 (padding or length)");
	if (n == 0)
		return block_error(r, out, CH_ERR_PARSE, "empty block");
	if ((size_t)n > CH_CERT_MAX_DER) {
		snprintf(why, sizeof why, "decodes to more than %u bytes", CH_CERT_MAX_DER);
		return block_error(r, out, CH_ERR_LIMIT, why);
	}
	r->der.len = (size_t)n;
	if (t->trusted) {
		/* Only the leading Certificate; OpenSSL's trust settings follow it. */
		if (!ch_pem__der_header((const uint8_t *)r->der.data, (size_t)n, &hdr, &body) ||
		    body > (uint64_t)n - hdr)
			return block_error(r, out, CH_ERR_PARSE,
					   "does not start with a complete DER SEQUENCE");
		n = (long)(hdr + body);
	}
	return ch_pem__cert(r, out, CH_PEM_FMT_PEM, t->blk_index, t->blk_off, t->blk_line,
			    t->cert_label, (size_t)n);
}

/* end_block handles an END line inside a certificate block. */
static int end_block(ch_pem *r, ch_pem_item *out, const char *label)
{
	pem_text *t = &r->in.text;
	char why[PEM_MSG_MAX + 64];
	int got;

	if (strcmp(label, t->label) != 0) {
		snprintf(why, sizeof why, "ends with \"-----END %s-----\" on line %llu", label,
			 (unsigned long long)t->line_no);
		got = block_error(r, out, CH_ERR_PARSE, why);
	} else if (t->blk_err) {
		got = block_error(r, out, t->blk_err, t->blk_msg);
	} else if (t->over) {
		snprintf(why, sizeof why, "more than %u bytes of base64 (certificate limit %u bytes)",
			 PEM_B64_MAX, CH_CERT_MAX_DER);
		got = block_error(r, out, CH_ERR_LIMIT, why);
	} else {
		got = decode(r, out);
	}
	t->block = PEM_BLOCK_NONE;
	return got;
}

/* truncated reports a certificate block that never saw its END line. */
static int truncated(ch_pem *r, ch_pem_item *out, const char *where)
{
	pem_text *t = &r->in.text;
	char why[128];

	snprintf(why, sizeof why, "no END line (truncated: %s)", where);
	t->block = PEM_BLOCK_NONE;
	return block_error(r, out, CH_ERR_PARSE, why);
}

/* classify handles one complete line kept in t->head. */
static int classify(ch_pem *r, ch_pem_item *out)
{
	pem_text *t = &r->in.text;
	char label[PEM_LABEL_MAX + 1], where[64];
	size_t n = t->head_len;
	int kind, got = 0;

	while (n && is_ws((uint8_t)t->head[n - 1]))
		n--;
	kind = marker(t->head, n, label);
	if (kind == 1) {
		if (t->block == PEM_BLOCK_CERT) {
			snprintf(where, sizeof where, "another BEGIN on line %llu",
				 (unsigned long long)t->line_no);
			got = truncated(r, out, where);
		} else if (t->block == PEM_BLOCK_OTHER) {
			r->stats.other_blocks++;
		}
		begin_block(r, label);
		return got;
	}
	if (t->block == PEM_BLOCK_NONE)
		return 0;
	if (kind == 2) {
		if (t->block == PEM_BLOCK_OTHER) {
			r->stats.other_blocks++;
			t->block = PEM_BLOCK_NONE;
			return 0;
		}
		return end_block(r, out, label);
	}
	if (t->block == PEM_BLOCK_OTHER)
		return 0;
	if (n == 0) {
		t->in_headers = false;
		return 0;
	}
	if (!t->has_data &&
	    (memchr(t->head, ':', n) || (t->in_headers && (t->head[0] == ' ' || t->head[0] == '\t')))) {
		t->in_headers = true; /* RFC 1421 header such as Proc-Type: */
		return 0;
	}
	t->in_headers = false;
	return b64_append(r, (const uint8_t *)t->head, n);
}

/* segment adds part of the current line (no newline in it). */
static int segment(ch_pem *r, const uint8_t *p, size_t n)
{
	pem_text *t = &r->in.text;
	size_t room;

	if (t->line_mode == PEM_LINE_B64)
		return b64_append(r, p, n);
	if (t->line_mode == PEM_LINE_SKIP)
		return 0;
	room = PEM_HEAD_MAX - t->head_len;
	if (n <= room) {
		memcpy(t->head + t->head_len, p, n);
		t->head_len += n;
		return 0;
	}
	memcpy(t->head + t->head_len, p, room);
	t->head_len += room;
	/* Too long to be a marker or a header: base64 inside a certificate block, else junk. */
	if (t->block == PEM_BLOCK_CERT && t->head[0] != '-' && !memchr(t->head, ':', t->head_len)) {
		int err;
		t->line_mode = PEM_LINE_B64;
		t->in_headers = false;
		err = b64_append(r, (const uint8_t *)t->head, t->head_len);
		return err ? err : b64_append(r, p + room, n - room);
	}
	if (t->block == PEM_BLOCK_CERT) {
		char why[96];
		snprintf(why, sizeof why, "unexpected long line %llu", (unsigned long long)t->line_no);
		block_fail(t, CH_ERR_PARSE, why);
	}
	t->line_mode = PEM_LINE_SKIP;
	return 0;
}

/* line_end finishes the current line; the next line starts at file offset `next_off`. */
static int line_end(ch_pem *r, ch_pem_item *out, uint64_t next_off)
{
	pem_text *t = &r->in.text;
	int got = 0;

	if (t->line_mode == PEM_LINE_HEAD)
		got = classify(r, out);
	t->head_len = 0;
	t->line_mode = PEM_LINE_HEAD;
	t->line_no++;
	t->line_off = next_off;
	return got;
}

int ch_pem__text_feed(ch_pem *r, ch_pem_item *out)
{
	pem_in *in = &r->in;
	int got;

	while (in->pos < in->chunk_len) {
		const uint8_t *p = in->chunk + in->pos;
		size_t n = in->chunk_len - in->pos;
		const uint8_t *nl = memchr(p, '\n', n);
		size_t seg = nl ? (size_t)(nl - p) : n;

		got = segment(r, p, seg);
		if (got)
			return got;
		in->pos += seg;
		if (nl) {
			in->pos++;
			got = line_end(r, out, in->base + in->pos);
			if (got)
				return got;
		}
	}
	return 0;
}

int ch_pem__text_finish(ch_pem *r, ch_pem_item *out)
{
	pem_in *in = &r->in;
	pem_text *t = &in->text;
	int got;

	while (in->fin_stage < 3) {
		int stage = in->fin_stage++;
		got = 0;
		if (stage == 0 && (t->head_len || t->line_mode != PEM_LINE_HEAD))
			got = line_end(r, out, in->base + in->pos); /* last line without newline */
		else if (stage == 1 && t->block == PEM_BLOCK_CERT)
			got = truncated(r, out, "end of file");
		else if (stage == 1 && t->block == PEM_BLOCK_OTHER)
			r->stats.other_blocks++;
		else if (stage == 2 && in->num_certs == 0 && !in->walked)
			got = ch_pem__error(r, out, CH_ERR_PARSE, CH_PEM_FMT_NONE, 0, 0, 0,
					    "no certificate found");
		else if (stage == 2 && in->num_certs == 0)
			r->stats.empty_files++;
		if (got)
			return got;
	}
	return 0;
}
