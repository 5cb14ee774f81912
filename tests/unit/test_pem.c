/* pem: the streaming certificate reader over memory, files, fds, stdin and directory trees, with
 * real certificates made by OpenSSL in-process and the shared real-world corpus. */
#include <certhound/hash.h>
#include <certhound/pem.h>
#include <certhound/x509.h>
#include <certhound/util.h>

#include "testlib.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* ---------- fixtures: real certificates made with OpenSSL ---------- */

#define NCERTS 4
static X509 *certs[NCERTS];
static uint8_t *ders[NCERTS];
static size_t der_lens[NCERTS];

static X509 *make_cert(EVP_PKEY *key, const char *cn, long serial, int nsans)
{
	X509 *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	X509V3_CTX ctx;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, n);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 90);
	X509_set_pubkey(x, key);
	if (nsans) {
		char *san = malloc((size_t)nsans * 32 + 1);
		size_t o = 0;
		X509_EXTENSION *e;
		for (int i = 0; i < nsans; i++)
			o += (size_t)sprintf(san + o, "%sDNS:h%d.%s", i ? "," : "", i, cn);
		X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
		e = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, san);
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
		free(san);
	}
	X509_sign(x, key, EVP_sha256());
	X509_NAME_free(n);
	return x;
}

static void make_fixtures(void)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	static const char *cns[NCERTS] = {"one.example", "two.example", "three.example", "four.example"};

	for (int i = 0; i < NCERTS; i++) {
		unsigned char *p = NULL;
		certs[i] = make_cert(key, cns[i], 1000 + i, i == 3 ? 40 : 1);
		der_lens[i] = (size_t)i2d_X509(certs[i], &p);
		ders[i] = p;
	}
	EVP_PKEY_free(key);
}

/* pem_of returns a malloc'd PEM encoding: `label`, lines of `width` base64 chars, `eol`. */
static char *pem_of(int i, const char *label, size_t width, const char *eol)
{
	char *b64 = malloc(4 * (der_lens[i] / 3) + 8), *out;
	size_t n = ch_base64_encode(b64, ders[i], der_lens[i]), o = 0;

	out = malloc(n + n / (width ? width : n) * 4 + 256);
	o += (size_t)sprintf(out, "-----BEGIN %s-----%s", label, eol);
	for (size_t k = 0; k < n; k += width) {
		size_t w = n - k < width ? n - k : width;
		memcpy(out + o, b64 + k, w);
		o += w;
		o += (size_t)sprintf(out + o, "%s", eol);
	}
	sprintf(out + o, "-----END %s-----%s", label, eol);
	free(b64);
	return out;
}

/* ---------- helpers ---------- */

typedef struct got {
	int n_cert, n_err;
	ch_pem_item items[64];
	uint8_t *der[64];
	char *msg[64];
	char *file[64];
} got;

static void got_free(got *g)
{
	for (int i = 0; i < g->n_cert + g->n_err && i < 64; i++) {
		free(g->der[i]);
		free(g->msg[i]);
		free(g->file[i]);
	}
}

/* drain reads every item, copying what the caller wants to look at afterwards. */
static void drain(ch_pem *r, got *g)
{
	ch_pem_item it;
	ch_err err;

	memset(g, 0, sizeof *g);
	while ((err = ch_pem_next(r, &it)) == CH_OK) {
		int k = g->n_cert + g->n_err;
		if (k < 64) {
			g->items[k] = it;
			g->der[k] = it.der ? malloc(it.der_len) : NULL;
			if (it.der)
				memcpy(g->der[k], it.der, it.der_len);
			g->items[k].der = g->der[k];
			g->msg[k] = strdup(it.message);
			g->items[k].message = g->msg[k];
			g->items[k].reason = g->msg[k] + (it.reason - it.message);
			CHECK(it.reason >= it.message && it.reason <= it.message + strlen(it.message));
			g->file[k] = strdup(it.file);
			g->items[k].file = g->file[k];
		}
		if (it.err == CH_OK)
			g->n_cert++;
		else
			g->n_err++;
	}
	CHECK_INT(err, CH_ERR_EOF);
}

static void read_mem(got *g, const char *text, size_t len, ch_pem_stats *st)
{
	ch_pem *r;

	CHECK(ch_pem_new(&r) == CH_OK);
	CHECK(ch_pem_add_mem(r, text, len, "mem.pem") == CH_OK);
	drain(r, g);
	if (st)
		ch_pem_get_stats(r, st);
	ch_pem_free(r);
}

static bool same_der(const ch_pem_item *it, int i)
{
	return it->err == CH_OK && it->der_len == der_lens[i] && memcmp(it->der, ders[i], der_lens[i]) == 0;
}

static char *cat(const char *a, const char *b)
{
	char *p = malloc(strlen(a) + strlen(b) + 1);
	strcpy(p, a);
	strcat(p, b);
	return p;
}

static void append(char **acc, const char *s)
{
	char *n = cat(*acc, s);
	free(*acc);
	*acc = n;
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	CHECK(f != NULL);
	if (!f)
		return;
	CHECK(fwrite(data, 1, len, f) == len);
	fclose(f);
}

static size_t count_lines(const char *s, size_t upto)
{
	size_t n = 1;
	for (size_t i = 0; i < upto; i++)
		n += s[i] == '\n';
	return n;
}

/* ---------- PEM cases ---------- */

static void test_single_and_positions(void)
{
	char *p = pem_of(0, "CERTIFICATE", 64, "\n");
	char *doc = cat("Certificate:\n    Data:\n        Version: 3 (0x2)\n"
			"        Subject: CN = one.example\n", p);
	got g;

	read_mem(&g, doc, strlen(doc), NULL);
	CHECK_INT(g.n_cert, 1);
	CHECK_INT(g.n_err, 0);
	CHECK(same_der(&g.items[0], 0));
	CHECK_INT(g.items[0].index, 0);
	CHECK_INT(g.items[0].line, 5);
	CHECK_INT(g.items[0].offset, strstr(doc, "-----BEGIN") - doc);
	CHECK_INT(g.items[0].format, CH_PEM_FMT_PEM);
	CHECK_STR(g.items[0].label, "CERTIFICATE");
	CHECK_STR(g.items[0].file, "mem.pem");
	got_free(&g);
	free(doc);
	free(p);
}

static void test_bundle_junk_crlf_whitespace(void)
{
	char *a = pem_of(0, "CERTIFICATE", 64, "\r\n");
	char *b = pem_of(1, "CERTIFICATE", 76, "\n");
	char *c = pem_of(2, "CERTIFICATE", 100000, "\n"); /* one long base64 line */
	char *doc = strdup("# comment before\n\n");
	size_t offs[3];
	got g;

	offs[0] = strlen(doc);
	append(&doc, a);
	append(&doc, "junk between blocks -----\nsubject=CN = two\n");
	offs[1] = strlen(doc);
	/* whitespace inside the base64: indent every base64 line and add a blank line */
	{
		char *w = malloc(strlen(b) * 2 + 8), *s = b, *o = w;
		int ln = 0;
		while (*s) {
			if (ln > 0 && s[0] != '-')
				*o++ = ' ', *o++ = '\t';
			while (*s && *s != '\n')
				*o++ = *s++;
			if (*s)
				*o++ = *s++;
			if (ln == 2)
				*o++ = '\n';
			ln++;
		}
		*o = 0;
		append(&doc, w);
		free(w);
	}
	offs[2] = strlen(doc);
	append(&doc, c);
	append(&doc, "trailing text without newline");

	read_mem(&g, doc, strlen(doc), NULL);
	CHECK_INT(g.n_cert, 3);
	CHECK_INT(g.n_err, 0);
	for (int i = 0; i < 3 && i < g.n_cert; i++) {
		CHECK(same_der(&g.items[i], i));
		CHECK_INT(g.items[i].index, i);
		CHECK_INT(g.items[i].offset, offs[i]);
		CHECK_INT(g.items[i].line, count_lines(doc, offs[i]));
	}
	got_free(&g);
	free(doc);
	free(a);
	free(b);
	free(c);
}

static void test_headers_and_other_blocks(void)
{
	char *p = pem_of(0, "CERTIFICATE", 64, "\n");
	char *q = pem_of(1, "X509 CERTIFICATE", 64, "\n");
	char *doc, *hdr;
	ch_pem_stats st;
	got g;

	/* RFC 1421 headers (with a continuation line) before the base64 */
	hdr = strdup(p);
	{
		char *nl = strchr(hdr, '\n');
		char *rest = strdup(nl + 1);
		nl[1] = 0;
		doc = cat(hdr, "Proc-Type: 4,CRL\nOriginator-Certificate:\n  continued\n\n");
		append(&doc, rest);
		free(rest);
	}
	append(&doc, "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n");
	append(&doc, "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n");
	append(&doc, q);
	append(&doc, "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n"); /* never ends */

	read_mem(&g, doc, strlen(doc), &st);
	CHECK_INT(g.n_cert, 2);
	CHECK_INT(g.n_err, 0);
	CHECK(g.n_cert >= 2 && same_der(&g.items[0], 0));
	CHECK(g.n_cert >= 2 && same_der(&g.items[1], 1));
	CHECK_STR(g.items[1].label, "X509 CERTIFICATE");
	CHECK_INT(g.items[1].index, 1); /* other blocks do not take an index */
	CHECK_INT(st.other_blocks, 3);
	CHECK_INT(st.certificates, 2);
	got_free(&g);
	free(doc);
	free(hdr);
	free(p);
	free(q);
}

static void test_trusted_certificate(void)
{
	X509 *x = X509_dup(certs[2]);
	BIO *bio = BIO_new(BIO_s_mem());
	char *data, *doc;
	long n;
	got g;

	X509_add1_trust_object(x, OBJ_nid2obj(NID_server_auth));
	X509_alias_set1(x, (const unsigned char *)"my alias", -1);
	CHECK(PEM_write_bio_X509_AUX(bio, x) == 1);
	n = BIO_get_mem_data(bio, &data);
	doc = strndup(data, (size_t)n);
	CHECK(strstr(doc, "BEGIN TRUSTED CERTIFICATE") != NULL);

	read_mem(&g, doc, strlen(doc), NULL);
	CHECK_INT(g.n_cert, 1);
	CHECK(g.n_cert == 1 && same_der(&g.items[0], 2)); /* the trust data is not part of it */
	CHECK_STR(g.items[0].label, "TRUSTED CERTIFICATE");
	got_free(&g);
	free(doc);
	BIO_free(bio);
	X509_free(x);
}

static void test_errors_continue(void)
{
	char *a = pem_of(0, "CERTIFICATE", 64, "\n");
	char *b = pem_of(1, "CERTIFICATE", 64, "\n");
	char *c = pem_of(2, "CERTIFICATE", 64, "\n");
	char *d = pem_of(3, "CERTIFICATE", 64, "\n");
	char *doc = strdup(""), *bad = strdup(b);
	size_t bad_line, trunc_line, mism_line;
	got g;

	bad[40] = '!'; /* a bad base64 character on the block's second line */
	append(&doc, a);
	bad_line = count_lines(doc, strlen(doc));
	append(&doc, bad);
	trunc_line = count_lines(doc, strlen(doc));
	append(&doc, "-----BEGIN CERTIFICATE-----\nMIIB\n"); /* truncated by the next BEGIN */
	append(&doc, c);
	mism_line = count_lines(doc, strlen(doc));
	append(&doc, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END PRIVATE KEY-----\n");
	append(&doc, "-----BEGIN CERTIFICATE-----\nMIIBx\n-----END CERTIFICATE-----\n");
	append(&doc, d);
	append(&doc, "-----BEGIN CERTIFICATE-----\nMIIB\n"); /* truncated by the end of file */

	read_mem(&g, doc, strlen(doc), NULL);
	CHECK_INT(g.n_cert, 3);
	CHECK_INT(g.n_err, 5);
	if (g.n_cert + g.n_err != 8)
		for (int i = 0; i < g.n_cert + g.n_err; i++)
			fprintf(stderr, "item %d: %s\n", i, g.items[i].message);
	if (g.n_cert + g.n_err == 8) {
		ch_pem_item *it = g.items;
		char want[64];
		CHECK(same_der(&it[0], 0));
		CHECK_INT(it[1].err, CH_ERR_PARSE);
		snprintf(want, sizeof want, "mem.pem:%zu: ", bad_line);
		CHECK(strncmp(it[1].message, want, strlen(want)) == 0);
		CHECK(strstr(it[1].message, "bad base64 character 0x21") != NULL);
		snprintf(want, sizeof want, "CERTIFICATE block: bad base64 character 0x21 on line %zu",
			 bad_line + 1);
		CHECK_STR(it[1].reason, want);
		CHECK_INT(it[1].line, bad_line);
		CHECK_INT(it[1].index, 1);
		CHECK(it[2].err == CH_ERR_PARSE && strstr(it[2].message, "no END line") != NULL);
		CHECK_INT(it[2].line, trunc_line);
		CHECK(same_der(&it[3], 2));
		CHECK_INT(it[3].index, 3);
		CHECK(strstr(it[4].message, "END PRIVATE KEY") != NULL);
		CHECK_INT(it[4].line, mism_line);
		CHECK(strstr(it[5].message, "padding or length") != NULL);
		CHECK(same_der(&it[6], 3));
		CHECK(strstr(it[7].message, "end of file") != NULL);
		CHECK_INT(it[7].index, 7);
	}
	got_free(&g);
	free(doc);
	free(bad);
	free(a);
	free(b);
	free(c);
	free(d);
}

static void test_size_limit(void)
{
	size_t big = 4u * ((CH_CERT_MAX_DER + 2u) / 3u) + 4096;
	char *p = pem_of(1, "CERTIFICATE", 64, "\n");
	char *doc = malloc(big + big / 64 + strlen(p) + 256);
	size_t o = 0;
	got g;

	o += (size_t)sprintf(doc, "-----BEGIN CERTIFICATE-----\n");
	for (size_t k = 0; k < big; k += 64) {
		memset(doc + o, 'A', 64);
		doc[o + 64] = '\n';
		o += 65;
	}
	o += (size_t)sprintf(doc + o, "-----END CERTIFICATE-----\n%s", p);
	read_mem(&g, doc, o, NULL);
	CHECK_INT(g.n_err, 1);
	CHECK_INT(g.n_cert, 1);
	CHECK_INT(g.items[0].err, CH_ERR_LIMIT);
	CHECK(strstr(g.items[0].message, "mem.pem:1: ") == g.items[0].message);
	CHECK(g.n_cert == 1 && same_der(&g.items[1], 1));
	got_free(&g);
	free(doc);
	free(p);
}

static void test_not_a_certificate(void)
{
	got g;
	static const char text[] = "just some notes\n-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";

	read_mem(&g, text, strlen(text), NULL);
	CHECK_INT(g.n_cert, 0);
	CHECK_INT(g.n_err, 1);
	CHECK(g.n_err == 1 && strstr(g.items[0].message, "mem.pem: no certificate found") != NULL);
	got_free(&g);
	read_mem(&g, "", 0, NULL);
	CHECK_INT(g.n_err, 1);
	got_free(&g);
	/* text starting with '0' is text, not DER */
	read_mem(&g, "0 certificates here\n", 20, NULL);
	CHECK_INT(g.n_err, 1);
	CHECK(g.n_err == 1 && g.items[0].format == CH_PEM_FMT_NONE);
	got_free(&g);
}

/* ---------- DER ---------- */

static void test_der(void)
{
	uint8_t *buf = malloc(der_lens[0] + der_lens[1] + der_lens[3] + 16);
	size_t o = 0, cut;
	got g;

	memcpy(buf + o, ders[0], der_lens[0]);
	o += der_lens[0];
	memcpy(buf + o, ders[1], der_lens[1]);
	o += der_lens[1];
	memcpy(buf + o, ders[3], der_lens[3]);
	o += der_lens[3];

	read_mem(&g, (char *)buf, o, NULL);
	CHECK_INT(g.n_cert, 3);
	CHECK_INT(g.n_err, 0);
	CHECK(same_der(&g.items[0], 0) && same_der(&g.items[1], 1) && same_der(&g.items[2], 3));
	CHECK_INT(g.items[1].offset, der_lens[0]);
	CHECK_INT(g.items[2].index, 2);
	CHECK_INT(g.items[2].format, CH_PEM_FMT_DER);
	CHECK_INT(g.items[2].line, 0);
	got_free(&g);

	/* truncated: the error names the offset of the cut certificate */
	cut = der_lens[0] + der_lens[1] / 2;
	read_mem(&g, (char *)buf, cut, NULL);
	CHECK_INT(g.n_cert, 1);
	CHECK_INT(g.n_err, 1);
	if (g.n_err == 1) {
		char want[64];
		snprintf(want, sizeof want, "mem.pem: offset %zu: truncated", der_lens[0]);
		CHECK(strncmp(g.items[1].message, want, strlen(want)) == 0);
		CHECK_INT(g.items[1].offset, der_lens[0]);
		CHECK_INT(g.items[1].index, 1);
		CHECK(strncmp(g.items[1].reason, "truncated certificate", 21) == 0);
	}
	got_free(&g);

	/* junk after a certificate */
	memcpy(buf + der_lens[0], "\nhello", 6);
	read_mem(&g, (char *)buf, der_lens[0] + 6, NULL);
	CHECK_INT(g.n_cert, 1);
	CHECK_INT(g.n_err, 1);
	CHECK(g.n_err == 1 && g.items[1].offset == der_lens[0]);
	got_free(&g);

	/* BER indefinite length is refused, not guessed at */
	read_mem(&g, "\x30\x80\x02\x01\x00\x00\x00", 7, NULL);
	CHECK_INT(g.n_cert, 0);
	CHECK(g.n_err == 1 && strstr(g.items[0].message, "indefinite") != NULL);
	got_free(&g);

	/* a header that claims more than the limit */
	read_mem(&g, "\x30\x84\x7f\xff\xff\xff\x00", 7, NULL);
	CHECK(g.n_err == 1 && g.items[0].err == CH_ERR_LIMIT);
	got_free(&g);
	free(buf);
}

/* ---------- files, fds, stdin, directories ---------- */

static void test_streams_and_chunks(const char *dir)
{
	/* a bundle larger than several read chunks: every certificate found at the right offset */
	char path[512], *doc = strdup("");
	size_t offs[300];
	int n = 300;
	ch_pem *r;
	ch_pem_item it;
	FILE *f;
	int fd, k = 0, bad = 0;

	for (int i = 0; i < n; i++) {
		char *p = pem_of(i % NCERTS, "CERTIFICATE", i % 2 ? 64 : 100000, i % 3 ? "\n" : "\r\n");
		offs[i] = strlen(doc);
		append(&doc, p);
		append(&doc, "some text in between that is not base64 at all\n");
		free(p);
	}
	CHECK(strlen(doc) > 3 * 65536);
	snprintf(path, sizeof path, "%s/big.pem", dir);
	write_file(path, doc, strlen(doc));

	CHECK(ch_pem_new(&r) == CH_OK);
	CHECK(ch_pem_add_path(r, path) == CH_OK);
	f = fopen(path, "rb");
	CHECK(ch_pem_add_file(r, f, "stream") == CH_OK);
	fd = open(path, O_RDONLY);
	CHECK(ch_pem_add_fd(r, fd, "fd") == CH_OK);
	CHECK_INT(ch_pem_total_bytes(r), 3 * strlen(doc));
	while (ch_pem_next(r, &it) == CH_OK) {
		int i = k % n;
		if (!same_der(&it, i % NCERTS) || it.offset != offs[i] || (size_t)it.index != (size_t)i ||
		    it.line != count_lines(doc, offs[i]))
			bad++;
		if (k == 0)
			CHECK_STR(it.file, path);
		if (k == n)
			CHECK_STR(it.file, "stream");
		if (k == 2 * n)
			CHECK_STR(it.file, "fd");
		k++;
	}
	CHECK_INT(k, 3 * n);
	CHECK_INT(bad, 0);
	{
		ch_pem_stats st;
		ch_pem_get_stats(r, &st);
		CHECK_INT(st.bytes, 3 * strlen(doc));
		CHECK_INT(st.files, 3);
	}
	ch_pem_free(r);
	fclose(f);
	close(fd);

	/* "-" reads standard input */
	{
		int saved = dup(0), in = open(path, O_RDONLY);
		got g;
		dup2(in, 0);
		close(in);
		CHECK(ch_pem_new(&r) == CH_OK);
		CHECK(ch_pem_add_path(r, "-") == CH_OK);
		drain(r, &g);
		CHECK_INT(g.n_cert, n);
		CHECK_STR(g.items[0].file, "-");
		ch_pem_free(r);
		got_free(&g);
		dup2(saved, 0);
		close(saved);
	}
	free(doc);
}

static void test_directory_walk(const char *dir)
{
	char root[512], p[600];
	char *pem0 = pem_of(0, "CERTIFICATE", 64, "\n"), *pem1 = pem_of(1, "CERTIFICATE", 64, "\n");
	ch_pem *r;
	ch_pem_stats st;
	got g;
	uint64_t expect_total;

	snprintf(root, sizeof root, "%s/tree", dir);
	mkdir(root, 0755);
	snprintf(p, sizeof p, "%s/b", root);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/a", root);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/b/z.pem", root);
	write_file(p, pem1, strlen(pem1));
	snprintf(p, sizeof p, "%s/a/y.der", root);
	write_file(p, ders[2], der_lens[2]);
	snprintf(p, sizeof p, "%s/a/x.pem", root);
	write_file(p, pem0, strlen(pem0));
	snprintf(p, sizeof p, "%s/README", root); /* no certificate: counted, not an error */
	write_file(p, "notes\n", 6);
	snprintf(p, sizeof p, "%s/b/loop", root);
	CHECK(symlink("..", p) == 0); /* a loop back to the root */
	snprintf(p, sizeof p, "%s/b/dangling", root);
	CHECK(symlink("nowhere", p) == 0);
	snprintf(p, sizeof p, "%s/c.pem", root);
	write_file(p, pem1, strlen(pem1));
	expect_total = strlen(pem1) * 2 + strlen(pem0) + der_lens[2] + 6;
	if (geteuid() != 0)
		chmod(p, 0); /* unreadable (root reads anything) */

	CHECK(ch_pem_new(&r) == CH_OK);
	CHECK(ch_pem_add_path(r, root) == CH_OK);
	snprintf(p, sizeof p, "%s/missing.pem", dir);
	CHECK(ch_pem_add_path(r, p) == CH_OK);
	CHECK_INT(ch_pem_total_bytes(r), expect_total);
	drain(r, &g);
	ch_pem_get_stats(r, &st);
	/* sorted: README, a/x.pem, a/y.der, b/dangling, b/loop (skipped), b/z.pem, c.pem */
	CHECK_INT(g.n_cert, geteuid() != 0 ? 3 : 4);
	CHECK(g.n_cert >= 3 && same_der(&g.items[0], 0) && same_der(&g.items[1], 2));
	CHECK(strstr(g.items[0].file, "/tree/a/x.pem") != NULL);
	CHECK(strstr(g.items[1].file, "/tree/a/y.der") != NULL);
	CHECK(strstr(g.items[2].file, "/tree/b/dangling") != NULL && g.items[2].err == CH_ERR_IO);
	CHECK(strstr(g.items[2].message, "broken symbolic link") != NULL);
	CHECK(same_der(&g.items[3], 1));
	if (geteuid() != 0) {
		CHECK(strstr(g.items[4].file, "/tree/c.pem") != NULL && g.items[4].err == CH_ERR_IO);
		CHECK(strstr(g.items[4].message, "cannot open") != NULL);
	}
	CHECK(strstr(g.items[g.n_cert + g.n_err - 1].message, "missing.pem: cannot open") != NULL);
	CHECK_INT(st.loops, 1);
	CHECK_INT(st.empty_files, 1);
	CHECK_INT(g.n_err, geteuid() != 0 ? 3 : 2);
	ch_pem_free(r);
	got_free(&g);
	snprintf(p, sizeof p, "%s/c.pem", root);
	chmod(p, 0644);

	/* a socket: skipped inside a walk, an error when named (open fails even for root) */
	{
		struct sockaddr_un sa = {.sun_family = AF_UNIX};
		int s = socket(AF_UNIX, SOCK_STREAM, 0);
		if (snprintf(sa.sun_path, sizeof sa.sun_path, "%s/a/sock", root) >=
		    (int)sizeof sa.sun_path)
			fprintf(stderr, "socket path too long\n");
		CHECK(s >= 0 && bind(s, (struct sockaddr *)&sa, sizeof sa) == 0);
		CHECK(ch_pem_new(&r) == CH_OK);
		snprintf(p, sizeof p, "%s/a", root);
		CHECK(ch_pem_add_path(r, p) == CH_OK);
		CHECK(ch_pem_add_path(r, sa.sun_path) == CH_OK);
		drain(r, &g);
		ch_pem_get_stats(r, &st);
		CHECK_INT(st.special, 1);
		CHECK_INT(g.n_cert, 2);
		CHECK_INT(g.n_err, 1);
		CHECK(g.n_err == 1 && g.items[2].err == CH_ERR_IO &&
		      strstr(g.items[2].message, "/a/sock: cannot open") != NULL);
		ch_pem_free(r);
		got_free(&g);
		close(s);
	}
	free(pem0);
	free(pem1);
}

/* ---------- the shared real-world corpus ---------- */

typedef struct want {
	char file[400];
	int index;
	char sha[65];
} want;

static int load_wants(const char *shared, want **out)
{
	char path[600], line[65536];
	int n = 0, cap = 4096;
	want *w = malloc((size_t)cap * sizeof *w);
	FILE *f;

	snprintf(path, sizeof path, "%s/corpus/expected.jsonl", shared);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof line, f) && n < cap) {
		char *a = strstr(line, "\"file\": \""), *i = strstr(line, "\"index\": "),
		     *s = strstr(line, "\"sha256\": \"");
		if (!a || !i || !s)
			continue;
		sscanf(a + 9, "%399[^\"]", w[n].file);
		w[n].index = atoi(i + 9);
		sscanf(s + 11, "%64[0-9a-f]", w[n].sha);
		n++;
	}
	if (f)
		fclose(f);
	snprintf(path, sizeof path, "%s/corpus/refused.tsv", shared);
	f = fopen(path, "r");
	while (f && fgets(line, sizeof line, f) && n < cap) {
		if (strncmp(line, "file\t", 5) == 0)
			continue;
		if (sscanf(line, "%399[^\t]\t%d\t%64[0-9a-f]", w[n].file, &w[n].index, w[n].sha) == 3)
			n++;
	}
	if (f)
		fclose(f);
	*out = w;
	return n;
}

static void test_corpus(const char *shared)
{
	want *w;
	int nw = load_wants(shared, &w), files = 0, certs_seen = 0, mismatched = 0;
	ch_hash *h;
	ch_pem *r;
	ch_pem_item it;
	ch_pem_stats st;
	char path[800], prev[400] = "";

	CHECK_INT(nw, 1642);
	CHECK(ch_hash_new(&h) == CH_OK);
	/* every listed file on its own: certificates in order, with the fingerprints OpenSSL saw */
	for (int i = 0; i < nw; i++) {
		int expect = 0, seen = 0;
		if (strcmp(w[i].file, prev) == 0)
			continue;
		snprintf(prev, sizeof prev, "%s", w[i].file);
		for (int j = 0; j < nw; j++)
			expect += strcmp(w[j].file, w[i].file) == 0;
		snprintf(path, sizeof path, "%s/corpus/%s", shared, w[i].file);
		CHECK(ch_pem_new(&r) == CH_OK);
		CHECK(ch_pem_add_path(r, path) == CH_OK);
		while (ch_pem_next(r, &it) == CH_OK) {
			uint8_t d[32];
			char hex[65];
			bool found = false;
			if (it.err != CH_OK) {
				fprintf(stderr, "corpus: %s\n", it.message);
				mismatched++;
				continue;
			}
			seen++;
			CHECK(ch_hash_sha256(h, d, it.der, it.der_len) == CH_OK);
			ch_hex_encode(hex, d, 32);
			for (int j = 0; j < nw; j++)
				if (w[j].index == (int)it.index && strcmp(w[j].file, w[i].file) == 0)
					found = strcmp(w[j].sha, hex) == 0;
			if (!found) {
				fprintf(stderr, "corpus: %s #%zu sha256 %s not expected\n", w[i].file,
					it.index, hex);
				mismatched++;
			}
		}
		if (seen != expect) {
			fprintf(stderr, "corpus: %s: %d certificates, expected %d\n", w[i].file, seen,
				expect);
			mismatched++;
		}
		certs_seen += seen;
		files++;
		ch_pem_free(r);
	}
	CHECK_INT(files, 819);
	CHECK_INT(certs_seen, 1642);
	CHECK_INT(mismatched, 0);

	/* the whole tree in one walk: the same certificates, nothing counted twice */
	snprintf(path, sizeof path, "%s/corpus/certs", shared);
	CHECK(ch_pem_new(&r) == CH_OK);
	CHECK(ch_pem_add_path(r, path) == CH_OK);
	{
		uint64_t total = ch_pem_total_bytes(r);
		while (ch_pem_next(r, &it) == CH_OK)
			if (it.err != CH_OK)
				fprintf(stderr, "corpus walk: %s\n", it.message);
		ch_pem_get_stats(r, &st);
		CHECK_INT(st.bytes, total);
	}
	CHECK_INT(st.certificates, 1642);
	CHECK_INT(st.errors, 0);
	CHECK_INT(st.files, 867);
	CHECK_INT(st.empty_files, 48);
	ch_pem_free(r);
	ch_hash_free(h);
	free(w);
}

int main(void)
{
	const char *dir = ch_test_tmpdir(), *shared = ch_test_shared_dir();

	make_fixtures();
	test_single_and_positions();
	test_bundle_junk_crlf_whitespace();
	test_headers_and_other_blocks();
	test_trusted_certificate();
	test_errors_continue();
	test_size_limit();
	test_not_a_certificate();
	test_der();
	test_streams_and_chunks(dir);
	test_directory_walk(dir);
	if (shared)
		test_corpus(shared);
	else
		printf("SKIP corpus part: ../shared (CH_SHARED_DIR) is absent\n");
	for (int i = 0; i < NCERTS; i++) {
		X509_free(certs[i]);
		OPENSSL_free(ders[i]);
	}
	{
		char cmd[600];
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", dir);
	}
	return ch_test_done("pem");
}
