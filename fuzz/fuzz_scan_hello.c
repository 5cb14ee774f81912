/* fuzz_scan_hello: the scan certificate fetch's parser of what a server answers — TLS records,
 * ServerHello, Certificate, alerts (src/scan/tls12_parse.c) — fed in reads of a size the input
 * picks, then every certificate of a complete chain through certhound's decoder; and the
 * ClientHello writer (tls12_hello.c) with a fuzzed SNI and ALPN list.
 *
 * Input: byte 0 bit 7 set = writer mode (the SNI up to a NUL, then the ALPN list text); else
 * byte 0 is the read size (0 = everything at once), byte 1 picks the certificate-list limit, and
 * the rest is the server's byte stream. Invariants: the buffered message never exceeds its
 * bound, an outcome never changes once given, and a DONE list walks to its end exactly. */
#include <certhound/scan.h>
#include <certhound/x509.h>

#include "scan/internal.h"

#include <stdlib.h>
#include <string.h>

static void writer(const uint8_t *p, size_t n)
{
	char sni[300], alpn_text[600];
	uint8_t alpn[512], hello[CH_SCAN__HELLO_MAX], rnd[32] = {0};
	size_t i = 0, k = 0, alen, len;

	while (i < n && p[i] && k < sizeof sni - 1)
		sni[k++] = (char)p[i++];
	sni[k] = '\0';
	i++;
	for (k = 0; i < n && k < sizeof alpn_text - 1; i++)
		alpn_text[k++] = p[i] ? (char)p[i] : ',';
	alpn_text[k] = '\0';
	alen = ch_scan__alpn_wire(alpn, sizeof alpn, alpn_text);
	len = ch_scan__hello_write(hello, sizeof hello, sni, alpn, alen, rnd);
	if (len && ((size_t)hello[3] << 8 | hello[4]) != len - 5)
		abort();
}

static void parse_chain(const ch_scan__t12 *p)
{
	ch_cert *cert;
	ch_der list, one;

	if (ch_cert_new(&cert) != CH_OK)
		return;
	ch_der_init(&list, p->certs, p->certs_len);
	while (ch_scan__t12_next_cert(&list, &one))
		if (ch_cert_parse(cert, one.data, one.len, CH_PARSE_ALL) != CH_OK)
			ch_error_clear();
	if (list.len)
		abort(); /* the list was checked: it must walk to its end */
	ch_cert_free(cert);
}

static void server(const uint8_t *p, size_t n)
{
	static const size_t limits[] = {65536, 1000, 100, 1u << 20};
	size_t step = p[0], off = 2;
	ch_scan__t12 t;
	ch_scan__t12_rc rc = CH_SCAN__T12_MORE;

	if (n < 2)
		return;
	ch_scan__t12_init(&t, limits[p[1] % 4]);
	while (off < n && rc == CH_SCAN__T12_MORE) {
		size_t len = step && n - off > step ? step : n - off;
		rc = ch_scan__t12_feed(&t, p + off, len);
		off += len;
		if (t.msg.len > t.msg.max)
			abort();
	}
	if (rc != CH_SCAN__T12_MORE && ch_scan__t12_feed(&t, p, 1) != rc)
		abort();
	if (rc == CH_SCAN__T12_DONE)
		parse_chain(&t);
	ch_scan__t12_free(&t);
	ch_error_clear();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 0x80)
		writer(data + 1, size - 1);
	else
		server(data, size);
	return 0;
}
