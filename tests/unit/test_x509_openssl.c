/* Differential test: certhound's X.509 decoder against OpenSSL 3's own parser, linked in.
 *
 * Every certificate we can gather — ../shared/corpus/certs (1,642 real and odd certificates),
 * Debian's CA store, the demo data, and certificates made here with the `openssl` command
 * (tests/data/x509/gen_certs.sh) — is parsed by both d2i_X509 and ch_cert_parse, and each field
 * of the certificate record is rendered to text on both sides and compared exactly:
 * fingerprints, serial, version, DN strings and every attribute, SANs, validity, key type, bits
 * and curve, signature algorithm, SPKI pin, CA flag, precertificate poison, SCTs and the
 * decoded extensions.
 *
 * A disagreement passes only if it is listed in `exceptions` below with the reason; the test
 * fails on any other disagreement AND on a listed exception that no longer happens (so the list
 * cannot rot). Certificates OpenSSL refuses are listed in `refusals` with what certhound does
 * instead (reject with an error naming the offset, or accept and flag an anomaly) and why.
 *
 * Set CH_X509_DIFF_VERBOSE=1 to print every certificate's label, =2 also OpenSSL's fields. */
#include <certhound/x509.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ct.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "testlib.h"

/* ------------------------------------------------------------------------------------------ */
/* The documented disagreements. `where` is a certificate's label ("corpus:<path under
 * ../shared/corpus>", "debian:<path>", "demo:<path>", "gen:<case>"), `index` its position in
 * the file (-1: every certificate of the file), `field` the compared field. */
struct exception {
	const char *where;
	int index;
	const char *field;
	const char *needs; /* anomaly certhound must have flagged for this to hold, or NULL */
	const char *why;
};

#define BSSL_PARSE "corpus:certs/boringssl/malformed/pki/testdata/parse_certificate_unittest/"
#define ZLINT "corpus:certs/zlint/v3/testdata/"

static const struct exception exceptions[] = {
	{"corpus:certs/ct-cpp/python/ct/crypto/testdata/asn1_indefinite_length_encoding.pem", 0,
	 "spki_sha256", "ber_encoding",
	 "the SPKI is BER with an indefinite length (30 80 at byte 0x105, end-of-contents at "
	 "0x1a6); certhound hashes the bytes as encoded, 0x105..0x1a7 inclusive (checked by hand: "
	 "c6720b87...), while OpenSSL can only hash its DER re-encoding of the key (6552b967...)"},
	{"corpus:certs/ct-cpp/python/ct/crypto/testdata/asn1_indefinite_length_encoding.pem", 0,
	 "tbs_sha256", "ber_encoding",
	 "the TBSCertificate itself has an indefinite length (30 80 at byte 4, end-of-contents "
	 "ending at byte 425); certhound hashes bytes 4..425 as encoded (checked by hand: "
	 "fedcd1bc...), OpenSSL's TLV reader cannot delimit it without decoding"},
	{"corpus:certs/boringssl/malformed/crypto/x509/test/trailing_data_leaf_authority_key_identifier.pem",
	 0, "aki", "bad_extension",
	 "bytes follow the AuthorityKeyIdentifier SEQUENCE inside extnValue; OpenSSL's d2i stops "
	 "after the SEQUENCE and ignores them, certhound treats the extension as malformed"},
	{BSSL_PARSE "bad_policy_qualifiers.pem", 0, "policies", NULL,
	 "a policyQualifier is malformed: OpenSSL's d2i of the whole extension fails; certhound "
	 "reads only the policyIdentifiers (all it reports) and skips the qualifiers"},
	{ZLINT "utf8ControlX10.pem", 0, "policies", NULL,
	 "the userNotice explicitText holds a control character OpenSSL's d2i refuses; certhound "
	 "reads only the policyIdentifiers"},
	{ZLINT "utf8ControlX88.pem", 0, "policies", NULL,
	 "the userNotice explicitText holds a C1 control character OpenSSL's d2i refuses; "
	 "certhound reads only the policyIdentifiers"},
	{ZLINT "utf8NoControl.pem", 0, "policies", NULL,
	 "OpenSSL's d2i refuses the userNotice of this certificatePolicies; certhound reads only "
	 "the policyIdentifiers"},
	{ZLINT "rsassapssInSPKI.pem", 0, "key.bits", NULL,
	 "OpenSSL 3.0 cannot load this RSASSA-PSS key (X509_get0_pubkey fails on its parameters) "
	 "so it has no size; certhound reads the 2048-bit modulus"},
	{NULL, 0, NULL, NULL, NULL},
};
#define NUM_EXCEPTIONS (sizeof exceptions / sizeof exceptions[0])
static int exception_seen[NUM_EXCEPTIONS];

/* Certificates OpenSSL's d2i_X509 refuses, and what certhound does with each. `ours` is
 * "reject" (ch_cert_parse fails and its message names a byte offset) or the short code of the
 * anomaly certhound flags while accepting the certificate. */
struct refusal {
	const char *where;
	int index;
	const char *ours;
	const char *why;
};

static const struct refusal refusals[] = {
	{BSSL_PARSE "cert_algorithm_not_sequence.pem", 0, "reject",
	 "signatureAlgorithm is not a SEQUENCE: the structure cannot be read"},
	{BSSL_PARSE "cert_data_after_signature.pem", 0, "reject",
	 "an element follows signatureValue inside the Certificate SEQUENCE (not bytes after "
	 "the certificate, which would be trailing_data)"},
	{BSSL_PARSE "cert_empty_sequence.pem", 0, "reject", "the Certificate SEQUENCE is empty"},
	{BSSL_PARSE "cert_missing_signature.pem", 0, "reject", "no signatureValue"},
	{BSSL_PARSE "cert_not_sequence.pem", 0, "reject", "the outer element is not a SEQUENCE"},
	{BSSL_PARSE "cert_signature_not_bit_string.pem", 0, "reject",
	 "signatureValue is not a BIT STRING"},
	{BSSL_PARSE "cert_skeleton.pem", 0, "reject",
	 "a Certificate of three empty elements: no algorithm OID"},
	{BSSL_PARSE "extensions_data_after_sequence.pem", 0, "reject",
	 "an element follows the Extensions SEQUENCE inside [3]"},
	{BSSL_PARSE "extensions_not_sequence.pem", 0, "reject", "[3] does not hold a SEQUENCE"},
	{BSSL_PARSE "serial_not_minimal.pem", 0, "non_minimal_integer",
	 "the serial has a superfluous leading zero octet: the value is still clear, so it is "
	 "kept and flagged (OpenSSL 3 refuses non-minimal INTEGERs)"},
	{BSSL_PARSE "serial_not_number.pem", 0, "reject", "the serial is not an INTEGER"},
	{BSSL_PARSE "signature_algorithm_null.pem", 0, "reject",
	 "the outer AlgorithmIdentifier is a NULL, not a SEQUENCE with an OID"},
	{"corpus:certs/ct-cpp/malformed/python/ct/crypto/testdata/cert_bad_utf8_subject.pem", 0,
	 "bad_utf8",
	 "a UTF8String in the subject is not UTF-8: OpenSSL's d2i validates it and refuses the "
	 "certificate, certhound keeps it readable (U+FFFD) and flags it"},
	{"corpus:certs/ct-cpp/malformed/python/ct/crypto/testdata/negative_serial.pem", 0,
	 "negative_serial",
	 "a negative serial written with a superfluous 0xff octet (also flagged "
	 "non_minimal_integer); OpenSSL refuses the non-minimal INTEGER"},
	{"corpus:certs/ct-cpp/malformed/test/testdata/test-corrupted.pem", 0, "reject",
	 "the outer SEQUENCE claims more bytes than the file holds"},
	{"corpus:certs/ct-go/malformed/xf-der-invalid-nonminimal-int.pem", 0, "non_minimal_integer",
	 "an INTEGER with a superfluous leading octet: readable, flagged"},
	{NULL, 0, NULL, NULL},
};
#define NUM_REFUSALS (sizeof refusals / sizeof refusals[0])
static int refusal_seen[NUM_REFUSALS];

/* ------------------------------------------------------------------------------------------ */
/* Growable strings (test code: plain malloc, abort on exhaustion). */
typedef struct sbuf {
	char *p;
	size_t len, cap;
} sbuf;

static void sb_putn(sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		while (cap < b->len + n + 1)
			cap *= 2;
		b->p = realloc(b->p, cap);
		if (!b->p)
			abort();
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = 0;
}

static void sb_puts(sbuf *b, const char *s)
{
	sb_putn(b, s, strlen(s));
}

static void sb_printf(sbuf *b, const char *fmt, ...) CH_PRINTF(2, 3);
static void sb_printf(sbuf *b, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0)
		abort();
	if ((size_t)n < sizeof tmp) {
		sb_putn(b, tmp, (size_t)n);
		return;
	}
	char *big = malloc((size_t)n + 1);
	if (!big)
		abort();
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sb_putn(b, big, (size_t)n);
	free(big);
}

/* utf8_len returns the length of the well-formed UTF-8 sequence at p (at most n bytes), or 0. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	size_t need;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf)
		need = 2, cp = p[0] & 0x1f;
	else if (p[0] >= 0xe0 && p[0] <= 0xef)
		need = 3, cp = p[0] & 0x0f;
	else if (p[0] >= 0xf0 && p[0] <= 0xf4)
		need = 4, cp = p[0] & 0x07;
	else
		return 0;
	if (n < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((need == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (need == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	return need;
}

/* sb_esc appends raw bytes with control bytes, backslash and bytes that are not well-formed
 * UTF-8 made visible (\xNN, \\), so that values with NULs or Latin-1 compare exactly and
 * print readably. Well-formed UTF-8 stays as it is. */
static void sb_esc(sbuf *b, const void *data, size_t n)
{
	const unsigned char *p = data;
	for (size_t i = 0; i < n;) {
		size_t k = utf8_len(p + i, n - i);
		if (p[i] == '\\')
			sb_puts(b, "\\\\");
		else if (k == 0 || p[i] < 0x20 || p[i] == 0x7f)
			sb_printf(b, "\\x%02x", p[i]);
		else {
			sb_putn(b, (const char *)p + i, k);
			i += k;
			continue;
		}
		i++;
	}
}

static void sb_hex(sbuf *b, const unsigned char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		sb_printf(b, "%02x", p[i]);
}

static const char *sb_str(sbuf *b)
{
	return b->p ? b->p : "";
}

/* ------------------------------------------------------------------------------------------ */
/* A certificate rendered as named text fields. */
#define MAX_FIELDS 48

typedef struct fields {
	const char *name[MAX_FIELDS];
	char *value[MAX_FIELDS];
	size_t n;
} fields;

static void f_add(fields *f, const char *name, const char *value)
{
	if (f->n == MAX_FIELDS)
		abort();
	f->name[f->n] = name;
	f->value[f->n] = strdup(value ? value : "");
	if (!f->value[f->n])
		abort();
	f->n++;
}

static void f_add_sb(fields *f, const char *name, sbuf *b)
{
	f_add(f, name, sb_str(b));
	free(b->p);
	memset(b, 0, sizeof *b);
}

static const char *f_get(const fields *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (strcmp(f->name[i], name) == 0)
			return f->value[i];
	return NULL;
}

static void f_free(fields *f)
{
	for (size_t i = 0; i < f->n; i++)
		free(f->value[i]);
	f->n = 0;
}

static const char *bool_text(bool v)
{
	return v ? "true" : "false";
}

/* Key usage bit names in RFC 5280 order, shared by both renderings. */
static const char *const ku_names[9] = {
	"digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment",
	"keyAgreement", "keyCertSign", "cRLSign", "encipherOnly", "decipherOnly",
};

static void ku_text(sbuf *b, unsigned rfc_bits)
{
	for (unsigned i = 0; i < 9; i++)
		if (rfc_bits & (1u << i)) {
			if (b->len)
				sb_puts(b, ",");
			sb_puts(b, ku_names[i]);
		}
}

/* ------------------------------------------------------------------------------------------ */
/* certhound's side. */
static void ours_strs(fields *f, const char *name, const ch_str *v, size_t n)
{
	sbuf b = {0};
	for (size_t i = 0; i < n; i++) {
		if (i)
			sb_puts(&b, " | ");
		sb_esc(&b, v[i].s, v[i].len);
	}
	f_add_sb(f, name, &b);
}

static void ours_attrs(fields *f, const char *name, const ch_dn *dn)
{
	sbuf b = {0};
	for (size_t i = 0; i < dn->num_attrs; i++) {
		const ch_dn_attr *a = &dn->attrs[i];
		if (i)
			sb_puts(&b, " | ");
		sb_printf(&b, "%u:%s(%s)=", a->rdn, a->short_name ? a->short_name : "", a->oid);
		sb_esc(&b, a->value.s, a->value.len);
	}
	f_add_sb(f, name, &b);
}

static void ours_fields(fields *f, const ch_cert *c)
{
	sbuf b = {0};
	char t[21];

	sb_hex(&b, c->sha256, 32);
	f_add_sb(f, "sha256", &b);
	sb_hex(&b, c->sha1, 20);
	f_add_sb(f, "sha1", &b);
	f_add(f, "serial", c->serial_hex);
	sb_printf(&b, "%d", c->version);
	f_add_sb(f, "version", &b);
	f_add(f, "sig_alg", c->sig_alg);
	sb_esc(&b, c->subject.text, strlen(c->subject.text));
	f_add_sb(f, "subject", &b);
	sb_esc(&b, c->issuer.text, strlen(c->issuer.text));
	f_add_sb(f, "issuer", &b);
	/* OpenSSL's plain RFC2253 flags escape every byte >= 0x80 of the UTF-8 text as \XX: ours
	 * with the same transformation must equal it too ("compare with both"). */
	for (int k = 0; k < 2; k++) {
		const char *t = k ? c->issuer.text : c->subject.text;
		sbuf raw = {0};
		for (const unsigned char *q = (const unsigned char *)t; *q; q++)
			if (*q >= 0x80)
				sb_printf(&raw, "\\%02X", *q);
			else
				sb_putn(&raw, (const char *)q, 1);
		sb_esc(&b, sb_str(&raw), raw.len);
		free(raw.p);
		f_add_sb(f, k ? "issuer.esc_msb" : "subject.esc_msb", &b);
	}
	sb_hex(&b, c->tbs_sha256, 32);
	f_add_sb(f, "tbs_sha256", &b);
	ours_attrs(f, "subject.attrs", &c->subject);
	ours_attrs(f, "issuer.attrs", &c->issuer);
	ch_time_format(t, c->not_before);
	f_add(f, "not_before", t);
	ch_time_format(t, c->not_after);
	f_add(f, "not_after", t);
	ours_strs(f, "san.dns", c->san.dns, c->san.num_dns);
	ours_strs(f, "san.ip", c->san.ip, c->san.num_ip);
	ours_strs(f, "san.email", c->san.email, c->san.num_email);
	ours_strs(f, "san.uri", c->san.uri, c->san.num_uri);
	f_add(f, "bad_ip_san", bool_text(c->anomalies & CH_ANOM_BAD_IP_SAN));
	static const char *const kt[] = {"other", "rsa", "ec", "ed25519", "ed448", "dsa"};
	f_add(f, "key.type", c->key.type <= CH_KEY_DSA ? kt[c->key.type] : "?");
	f_add(f, "key.alg", c->key.alg);
	sb_printf(&b, "%u", c->key.bits);
	f_add_sb(f, "key.bits", &b);
	f_add(f, "key.curve", c->key.curve ? c->key.curve : "");
	sb_hex(&b, c->spki_sha256, 32);
	f_add_sb(f, "spki_sha256", &b);
	f_add(f, "is_ca", bool_text(c->is_ca));
	f_add(f, "precert", bool_text(c->precert));
	f_add(f, "self_signed", bool_text(c->self_signed));
	for (size_t i = 0; i < c->num_scts; i++) {
		if (i)
			sb_puts(&b, " | ");
		sb_printf(&b, "v%u:", c->scts[i].version);
		sb_hex(&b, c->scts[i].log_id, 32);
		sb_printf(&b, "@%llu", (unsigned long long)c->scts[i].timestamp_ms);
	}
	f_add_sb(f, "scts", &b);
	sb_hex(&b, c->ski.data, c->ski.len);
	f_add_sb(f, "ski", &b);
	sb_hex(&b, c->aki.data, c->aki.len);
	f_add_sb(f, "aki", &b);
	if (c->has_key_usage)
		ku_text(&b, c->key_usage);
	else
		sb_puts(&b, "(absent)");
	f_add_sb(f, "key_usage", &b);
	for (size_t i = 0; i < c->num_eku; i++)
		sb_printf(&b, "%s%s", i ? "," : "", c->eku[i]);
	f_add_sb(f, "eku", &b);
	ours_strs(f, "ocsp", c->ocsp, c->num_ocsp);
	ours_strs(f, "ca_issuers", c->ca_issuers, c->num_ca_issuers);
	ours_strs(f, "crl_dps", c->crl_dps, c->num_crl_dps);
	for (size_t i = 0; i < c->num_policies; i++)
		sb_printf(&b, "%s%s", i ? "," : "", c->policies[i]);
	f_add_sb(f, "policies", &b);
}

/* ------------------------------------------------------------------------------------------ */
/* OpenSSL's side. */
static void ref_dn(fields *f, const char *name, const X509_NAME *xn, unsigned long flags)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *p;
	long n;
	sbuf b = {0};

	if (!bio)
		abort();
	if (X509_NAME_print_ex(bio, xn, 0, flags) < 0) {
		f_add(f, name, "(openssl cannot print)");
	} else {
		n = BIO_get_mem_data(bio, &p);
		sb_esc(&b, p, (size_t)n);
		f_add_sb(f, name, &b);
	}
	BIO_free(bio);
}

static void ref_attrs(fields *f, const char *name, const X509_NAME *xn)
{
	sbuf b = {0};
	int n = X509_NAME_entry_count(xn);

	for (int i = 0; i < n; i++) {
		const X509_NAME_ENTRY *e = X509_NAME_get_entry(xn, i);
		const ASN1_OBJECT *obj = X509_NAME_ENTRY_get_object(e);
		int nid = OBJ_obj2nid(obj);
		char oid[128];
		unsigned char *utf8 = NULL;
		int len;

		OBJ_obj2txt(oid, sizeof oid, obj, 1);
		if (i)
			sb_puts(&b, " | ");
		sb_printf(&b, "%d:%s(%s)=", X509_NAME_ENTRY_set(e),
			  nid == NID_undef ? "" : OBJ_nid2sn(nid), oid);
		len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(e));
		if (len < 0)
			sb_puts(&b, "(openssl: not convertible to UTF-8)");
		else
			sb_esc(&b, utf8, (size_t)len);
		OPENSSL_free(utf8);
	}
	f_add_sb(f, name, &b);
}

static void ref_time(fields *f, const char *name, const ASN1_TIME *t)
{
	struct tm tm;
	sbuf b = {0};

	if (!t || !ASN1_TIME_to_tm(t, &tm))
		sb_puts(&b, "(openssl: invalid time)");
	else
		sb_printf(&b, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
			  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	f_add_sb(f, name, &b);
}

static void ref_serial(fields *f, const X509 *x)
{
	const ASN1_INTEGER *s = X509_get0_serialNumber(x);
	const unsigned char *p = ASN1_STRING_get0_data(s);
	size_t n = (size_t)ASN1_STRING_length(s);
	sbuf b = {0};

	/* OpenSSL keeps the magnitude; the contract wants it without leading zero bytes. */
	while (n > 0 && p[0] == 0) {
		p++;
		n--;
	}
	if (ASN1_STRING_type(s) == V_ASN1_NEG_INTEGER)
		sb_puts(&b, "-");
	if (n == 0)
		sb_puts(&b, "00");
	sb_hex(&b, p, n);
	f_add_sb(f, "serial", &b);
}

static void ref_strlist(sbuf *b, const ASN1_STRING *s)
{
	if (b->len)
		sb_puts(b, " | ");
	sb_esc(b, ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
}

/* The first subjectAltName extension (a duplicate is flagged, not merged). */
static void ref_san(fields *f, X509 *x)
{
	sbuf dns = {0}, ip = {0}, email = {0}, uri = {0};
	bool bad_ip = false;
	int idx = X509_get_ext_by_NID(x, NID_subject_alt_name, -1);
	GENERAL_NAMES *gens = idx >= 0 ? X509V3_EXT_d2i(X509_get_ext(x, idx)) : NULL;

	for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		if (g->type == GEN_DNS)
			ref_strlist(&dns, g->d.dNSName);
		else if (g->type == GEN_EMAIL)
			ref_strlist(&email, g->d.rfc822Name);
		else if (g->type == GEN_URI)
			ref_strlist(&uri, g->d.uniformResourceIdentifier);
		else if (g->type == GEN_IPADD) {
			const unsigned char *a = ASN1_STRING_get0_data(g->d.iPAddress);
			int n = ASN1_STRING_length(g->d.iPAddress);
			char text[INET6_ADDRSTRLEN];
			/* inet_ntop: glibc's form is RFC 5952 (lower case, longest zero run). */
			if (n == 4 || n == 16) {
				inet_ntop(n == 4 ? AF_INET : AF_INET6, a, text, sizeof text);
				if (ip.len)
					sb_puts(&ip, " | ");
				sb_puts(&ip, text);
			} else {
				bad_ip = true;
			}
		}
	}
	GENERAL_NAMES_free(gens);
	f_add_sb(f, "san.dns", &dns);
	f_add_sb(f, "san.ip", &ip);
	f_add_sb(f, "san.email", &email);
	f_add_sb(f, "san.uri", &uri);
	f_add(f, "bad_ip_san", bool_text(bad_ip));
}

/* ref_spki_element finds the SubjectPublicKeyInfo bytes exactly as encoded, walking the
 * certificate with OpenSSL's own TLV reader (i2d would re-encode). */
static bool ref_spki_element(const unsigned char *der, size_t der_len, const unsigned char **out,
			     long *out_len)
{
	const unsigned char *p = der, *start;
	long len, len2;
	int tag, cls, ret;

	ret = ASN1_get_object(&p, &len, &tag, &cls, (long)der_len); /* Certificate */
	if (ret & 0x80 || ret == 0x21)
		return false;
	ret = ASN1_get_object(&p, &len, &tag, &cls, len); /* TBSCertificate */
	if (ret & 0x80 || ret == 0x21)
		return false;
	for (int i = 0; i < 7; i++) {
		start = p;
		ret = ASN1_get_object(&p, &len2, &tag, &cls, len);
		if (ret & 0x80 || ret == 0x21)
			return false;
		if (i == 0 && !(cls == V_ASN1_CONTEXT_SPECIFIC && tag == 0))
			i++; /* no [0] version: the first element is the serial */
		if (i == 6) {
			*out = start;
			*out_len = (long)(p - start) + len2;
			return true;
		}
		p += len2;
		len -= (long)(p - start);
	}
	return false;
}

static void ref_key(fields *f, X509 *x, const unsigned char *der, size_t der_len)
{
	X509_PUBKEY *pub = X509_get_X509_PUBKEY(x);
	ASN1_OBJECT *alg = NULL;
	const void *pval = NULL;
	int ptype = 0, nid;
	char oid[128];
	const char *type = "other";
	EVP_PKEY *pk = X509_get0_pubkey(x);
	const unsigned char *spki;
	long spki_len;
	unsigned char md[32];
	sbuf b = {0};

	X509_ALGOR *pa = NULL;
	X509_PUBKEY_get0_param(&alg, NULL, NULL, &pa, pub);
	if (pa)
		X509_ALGOR_get0(NULL, &ptype, &pval, pa);
	nid = OBJ_obj2nid(alg);
	switch (nid) {
	case NID_rsaEncryption:
	case NID_rsassaPss: type = "rsa"; break;
	case NID_X9_62_id_ecPublicKey: type = "ec"; break;
	case NID_ED25519: type = "ed25519"; break;
	case NID_ED448: type = "ed448"; break;
	case NID_dsa: type = "dsa"; break;
	default: break;
	}
	f_add(f, "key.type", type);
	/* Like sig_alg: the name OpenSSL prints (long name), e.g. "dsaEncryption", "rsassaPss". */
	OBJ_obj2txt(oid, sizeof oid, alg, 0);
	f_add(f, "key.alg", oid);
	sb_printf(&b, "%d", pk ? EVP_PKEY_get_bits(pk) : 0);
	f_add_sb(f, "key.bits", &b);
	/* A named curve is an OID parameter; explicit parameters name none. */
	if (nid == NID_X9_62_id_ecPublicKey && ptype == V_ASN1_OBJECT) {
		int cn = OBJ_obj2nid(pval);
		if (cn != NID_undef)
			sb_puts(&b, OBJ_nid2sn(cn));
		else
			OBJ_obj2txt(oid, sizeof oid, pval, 1), sb_puts(&b, oid);
	}
	f_add_sb(f, "key.curve", &b);
	if (ref_spki_element(der, der_len, &spki, &spki_len)) {
		EVP_Digest(spki, (size_t)spki_len, md, NULL, EVP_sha256(), NULL);
		sb_hex(&b, md, 32);
	} else {
		/* BER around the SPKI (indefinite lengths): hash i2d's DER of the key instead. */
		unsigned char *enc = NULL;
		int n = i2d_X509_PUBKEY(pub, &enc);
		if (n > 0) {
			EVP_Digest(enc, (size_t)n, md, NULL, EVP_sha256(), NULL);
			sb_hex(&b, md, 32);
		}
		OPENSSL_free(enc);
	}
	f_add_sb(f, "spki_sha256", &b);
}

/* first_ext_d2i decodes the first extension with this NID (X509_get_ext_d2i gives NULL when
 * an extension is duplicated; certhound reads the first and flags dup_extension). */
static void *first_ext_d2i(X509 *x, int nid)
{
	int idx = X509_get_ext_by_NID(x, nid, -1);
	return idx >= 0 ? X509V3_EXT_d2i(X509_get_ext(x, idx)) : NULL;
}

static void ref_ext_lists(fields *f, X509 *x)
{
	sbuf b = {0};

	/* SCTs */
	STACK_OF(SCT) *scts = first_ext_d2i(x, NID_ct_precert_scts);
	for (int i = 0; scts && i < sk_SCT_num(scts); i++) {
		const SCT *s = sk_SCT_value(scts, i);
		unsigned char *id;
		size_t n = SCT_get0_log_id(s, &id);
		if (i)
			sb_puts(&b, " | ");
		sb_printf(&b, "v%d:", (int)SCT_get_version(s));
		sb_hex(&b, id, n);
		sb_printf(&b, "@%llu", (unsigned long long)SCT_get_timestamp(s));
	}
	SCT_LIST_free(scts);
	f_add_sb(f, "scts", &b);

	/* Decoded here, not X509_get0_subject_key_id: OpenSSL's cache of them stays empty when
	 * any other extension of the certificate fails to decode. */
	ASN1_OCTET_STRING *ski = first_ext_d2i(x, NID_subject_key_identifier);
	if (ski)
		sb_hex(&b, ASN1_STRING_get0_data(ski), (size_t)ASN1_STRING_length(ski));
	f_add_sb(f, "ski", &b);
	AUTHORITY_KEYID *akid = first_ext_d2i(x, NID_authority_key_identifier);
	if (akid && akid->keyid)
		sb_hex(&b, ASN1_STRING_get0_data(akid->keyid), (size_t)ASN1_STRING_length(akid->keyid));
	f_add_sb(f, "aki", &b);
	/* self_signed as x509.h defines it: the names match (X509_NAME_cmp) and, when both key
	 * identifiers are present, they agree. Not OpenSSL's EXFLAG_SS, which also wants the
	 * signature algorithm to fit a key OpenSSL can load, and not X509_check_akid, which
	 * trusts a cache that stays empty when another extension fails to decode. */
	bool ss = X509_NAME_cmp(X509_get_subject_name(x), X509_get_issuer_name(x)) == 0 &&
		  !(ski && akid && akid->keyid && ASN1_OCTET_STRING_cmp(ski, akid->keyid) != 0);
	AUTHORITY_KEYID_free(akid);
	ASN1_OCTET_STRING_free(ski);
	f_add(f, "self_signed", bool_text(ss));

	/* keyUsage: OpenSSL's KU_* bits are the first two octets of the BIT STRING. */
	ASN1_BIT_STRING *ku = first_ext_d2i(x, NID_key_usage);
	if (ku) {
		unsigned rfc = 0;
		for (unsigned i = 0; i < 9; i++)
			if (ASN1_BIT_STRING_get_bit(ku, (int)i))
				rfc |= 1u << i;
		ku_text(&b, rfc);
		ASN1_BIT_STRING_free(ku);
	} else {
		sb_puts(&b, "(absent)");
	}
	f_add_sb(f, "key_usage", &b);

	EXTENDED_KEY_USAGE *eku = first_ext_d2i(x, NID_ext_key_usage);
	for (int i = 0; eku && i < sk_ASN1_OBJECT_num(eku); i++) {
		const ASN1_OBJECT *o = sk_ASN1_OBJECT_value(eku, i);
		char oid[128];
		int nid = OBJ_obj2nid(o);
		OBJ_obj2txt(oid, sizeof oid, o, 1);
		sb_printf(&b, "%s%s", i ? "," : "", nid == NID_undef ? oid : OBJ_nid2sn(nid));
	}
	EXTENDED_KEY_USAGE_free(eku);
	f_add_sb(f, "eku", &b);

	sbuf ca = {0};
	AUTHORITY_INFO_ACCESS *aia = first_ext_d2i(x, NID_info_access);
	for (int i = 0; aia && i < sk_ACCESS_DESCRIPTION_num(aia); i++) {
		const ACCESS_DESCRIPTION *ad = sk_ACCESS_DESCRIPTION_value(aia, i);
		int m = OBJ_obj2nid(ad->method);
		if (ad->location->type != GEN_URI)
			continue;
		if (m == NID_ad_OCSP)
			ref_strlist(&b, ad->location->d.uniformResourceIdentifier);
		else if (m == NID_ad_ca_issuers)
			ref_strlist(&ca, ad->location->d.uniformResourceIdentifier);
	}
	AUTHORITY_INFO_ACCESS_free(aia);
	f_add_sb(f, "ocsp", &b);
	f_add_sb(f, "ca_issuers", &ca);

	CRL_DIST_POINTS *dps = first_ext_d2i(x, NID_crl_distribution_points);
	for (int i = 0; dps && i < sk_DIST_POINT_num(dps); i++) {
		const DIST_POINT *dp = sk_DIST_POINT_value(dps, i);
		if (!dp->distpoint || dp->distpoint->type != 0)
			continue;
		const GENERAL_NAMES *gn = dp->distpoint->name.fullname;
		for (int j = 0; j < sk_GENERAL_NAME_num(gn); j++) {
			const GENERAL_NAME *g = sk_GENERAL_NAME_value(gn, j);
			if (g->type == GEN_URI)
				ref_strlist(&b, g->d.uniformResourceIdentifier);
		}
	}
	CRL_DIST_POINTS_free(dps);
	f_add_sb(f, "crl_dps", &b);

	CERTIFICATEPOLICIES *pol = first_ext_d2i(x, NID_certificate_policies);
	for (int i = 0; pol && i < sk_POLICYINFO_num(pol); i++) {
		char oid[128];
		OBJ_obj2txt(oid, sizeof oid, sk_POLICYINFO_value(pol, i)->policyid, 1);
		sb_printf(&b, "%s%s", i ? "," : "", oid);
	}
	CERTIFICATEPOLICIES_free(pol);
	f_add_sb(f, "policies", &b);
}

/* tbs_sha256: SHA-256 of the TBSCertificate without the CT poison and SCT list extensions (so
 * a precertificate and its final certificate share it). Without either extension it is the
 * TBS bytes as encoded; with them, OpenSSL deletes them from a copy and re-encodes the TBS
 * (i2d_re_X509_tbs). */
static void ref_tbs_sha256(fields *f, X509 *x, const unsigned char *der, size_t der_len)
{
	X509 *dup = X509_dup(x);
	bool removed = false;
	int idx;
	unsigned char md[32], *enc = NULL;
	const unsigned char *p = der, *start;
	long len;
	int tag, cls, ret, n;
	sbuf b = {0};

	for (int k = 0; dup && k < 2; k++) {
		int nid = k ? NID_ct_precert_scts : NID_ct_precert_poison;
		while ((idx = X509_get_ext_by_NID(dup, nid, -1)) >= 0) {
			X509_EXTENSION_free(X509_delete_ext(dup, idx));
			removed = true;
		}
	}
	if (removed) {
		n = i2d_re_X509_tbs(dup, &enc);
		if (n > 0) {
			EVP_Digest(enc, (size_t)n, md, NULL, EVP_sha256(), NULL);
			sb_hex(&b, md, 32);
		}
		OPENSSL_free(enc);
	} else {
		ret = ASN1_get_object(&p, &len, &tag, &cls, (long)der_len);
		start = p;
		if (!(ret & 0x80) && ret != 0x21) {
			ret = ASN1_get_object(&p, &len, &tag, &cls, len);
			if (!(ret & 0x80) && ret != 0x21) {
				EVP_Digest(start, (size_t)(p - start) + (size_t)len, md, NULL, EVP_sha256(), NULL);
				sb_hex(&b, md, 32);
			}
		}
		if (!b.len)
			sb_puts(&b, "(openssl: TBS is BER)");
	}
	X509_free(dup);
	f_add_sb(f, "tbs_sha256", &b);
}

static void ref_fields(fields *f, X509 *x, const unsigned char *der, size_t der_len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned mdlen;
	sbuf b = {0};
	const X509_ALGOR *sigalg;
	const ASN1_OBJECT *sigobj;
	char oid[128];

	X509_digest(x, EVP_sha256(), md, &mdlen);
	sb_hex(&b, md, mdlen);
	f_add_sb(f, "sha256", &b);
	X509_digest(x, EVP_sha1(), md, &mdlen);
	sb_hex(&b, md, mdlen);
	f_add_sb(f, "sha1", &b);
	ref_serial(f, x);
	sb_printf(&b, "%ld", X509_get_version(x) + 1);
	f_add_sb(f, "version", &b);
	X509_get0_signature(NULL, &sigalg, x);
	X509_ALGOR_get0(&sigobj, NULL, NULL, sigalg);
	/* The name `openssl x509 -text` prints (OBJ_obj2txt with names: the long name when there is
	 * one, "sha256WithRSAEncryption" and not its short name "RSA-SHA256"), else dotted; this
	 * is what CONTRACT.md's examples show. */
	OBJ_obj2txt(oid, sizeof oid, sigobj, 0);
	f_add(f, "sig_alg", oid);
	ref_dn(f, "subject", X509_get_subject_name(x), XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	ref_dn(f, "issuer", X509_get_issuer_name(x), XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB);
	ref_dn(f, "subject.esc_msb", X509_get_subject_name(x), XN_FLAG_RFC2253);
	ref_dn(f, "issuer.esc_msb", X509_get_issuer_name(x), XN_FLAG_RFC2253);
	ref_tbs_sha256(f, x, der, der_len);
	ref_attrs(f, "subject.attrs", X509_get_subject_name(x));
	ref_attrs(f, "issuer.attrs", X509_get_issuer_name(x));
	ref_time(f, "not_before", X509_get0_notBefore(x));
	ref_time(f, "not_after", X509_get0_notAfter(x));
	ref_san(f, x);
	ref_key(f, x, der, der_len);
	BASIC_CONSTRAINTS *bc = first_ext_d2i(x, NID_basic_constraints);
	f_add(f, "is_ca", bool_text(bc && bc->ca));
	BASIC_CONSTRAINTS_free(bc);
	f_add(f, "precert", bool_text(X509_get_ext_by_NID(x, NID_ct_precert_poison, -1) >= 0));
	ref_ext_lists(f, x);
}

/* ------------------------------------------------------------------------------------------ */
/* Running one certificate through both. */
typedef struct run {
	ch_cert *cert;
	int certs;        /* certificates seen */
	int both;         /* parsed by both */
	int refused;      /* refused by OpenSSL */
	int fields;       /* fields compared */
	int explained;    /* disagreements covered by an exception */
	int unexplained;  /* disagreements not covered */
	bool verbose;
	bool dump;        /* print OpenSSL's rendering of every field */
	sbuf sources;     /* "corpus:", "gen:", ... prefixes that were scanned */
	json_t *seen;     /* label#index -> sha256, for the cross-check with expected.jsonl */
	json_t *refused_seen; /* label#index of what OpenSSL refused (cross-check refused.tsv) */
} run;

static bool has_anomaly(const ch_cert *c, const char *code)
{
	for (unsigned bit = 0; bit < 32; bit++)
		if ((c->anomalies & (1u << bit)) && ch_anomaly_name(1u << bit) &&
		    strcmp(ch_anomaly_name(1u << bit), code) == 0)
			return true;
	return false;
}

/* find_exception returns the exception covering this disagreement; c is NULL when certhound
 * rejected the certificate (field "parse"). */
static const struct exception *find_exception(const char *label, int index, const char *field,
					const ch_cert *c)
{
	for (size_t i = 0; exceptions[i].where; i++) {
		const struct exception *e = &exceptions[i];
		if (strcmp(e->where, label) == 0 && (e->index < 0 || e->index == index) &&
		    strcmp(e->field, field) == 0) {
			if (e->needs && !(c && has_anomaly(c, e->needs))) {
				fprintf(stderr, "exception %s#%d %s needs anomaly %s, not flagged\n",
					label, index, field, e->needs);
				return NULL;
			}
			exception_seen[i]++;
			return e;
		}
	}
	return NULL;
}

static const struct refusal *find_refusal(const char *label, int index)
{
	for (size_t i = 0; refusals[i].where; i++)
		if (strcmp(refusals[i].where, label) == 0 && refusals[i].index == index)
			return refusal_seen[i]++, &refusals[i];
	return NULL;
}

/* Two general rules instead of per-certificate exceptions, both conditional on certhound
 * having flagged the string as odd (bad_utf8 or bad_string):
 * - a name attribute OpenSSL cannot convert to UTF-8 at all is not compared as text;
 * - bytes that are not UTF-8 (OpenSSL hands SAN IA5Strings over raw; sb_esc shows them as
 *   \xNN with NN >= 80) come out of certhound as U+FFFD, one per byte, because ch_str is
 *   UTF-8 by contract; so the OpenSSL text with each such byte replaced must equal ours. */
static bool string_rule_covered(const char *ref, const char *got, const ch_cert *c)
{
	sbuf b = {0};
	bool eq;

	if (!(c->anomalies & (CH_ANOM_BAD_UTF8 | CH_ANOM_BAD_STRING)))
		return false;
	if (strstr(ref, "(openssl: not convertible to UTF-8)"))
		return true;
	for (const char *p = ref; *p;) {
		unsigned v;
		if (p[0] == '\\' && p[1] == 'x' && sscanf(p + 2, "%2x", &v) == 1 && v >= 0x80) {
			sb_puts(&b, "\xef\xbf\xbd");
			p += 4;
		} else if (p[0] == '\\' && p[1]) {
			sb_putn(&b, p, 2);
			p += 2;
		} else {
			sb_putn(&b, p, 1);
			p++;
		}
	}
	eq = strcmp(sb_str(&b), got) == 0;
	free(b.p);
	return eq;
}

static void compare(run *r, const char *label, int index, const ch_cert *c, const fields *ours,
		    const fields *ref)
{
	for (size_t i = 0; i < ref->n; i++) {
		const char *name = ref->name[i], *want = ref->value[i];
		const char *got = f_get(ours, name);
		r->fields++;
		if (got && strcmp(got, want) == 0)
			continue;
		if (got && (strstr(name, ".attrs") || strncmp(name, "san.", 4) == 0) &&
		    string_rule_covered(want, got, c)) {
			r->explained++;
			continue;
		}
		const struct exception *e = find_exception(label, index, name, c);
		if (e) {
			r->explained++;
			continue;
		}
		r->unexplained++;
		fprintf(stderr, "DIFF %s#%d %s\n  ours:    %s\n  openssl: %s\n", label, index, name,
			got ? got : "(missing)", want);
	}
}

static void check_refused(run *r, const char *label, int index, const uint8_t *der, size_t n)
{
	ch_err err = ch_cert_parse(r->cert, der, n, CH_PARSE_ALL);
	const struct refusal *rf = find_refusal(label, index);
	char what[128];

	char key[4200];
	snprintf(key, sizeof key, "%s#%d", label, index);
	json_object_set_new(r->refused_seen, key, json_true());
	r->refused++;
	if (err != CH_OK)
		snprintf(what, sizeof what, "reject (%s)", ch_error_last());
	else {
		sbuf b = {0};
		for (unsigned bit = 0; bit < CH_ANOM_COUNT; bit++)
			if (r->cert->anomalies & (1u << bit))
				sb_printf(&b, "%s%s", b.len ? "," : "", ch_anomaly_name(1u << bit));
		snprintf(what, sizeof what, "accept [%s]", sb_str(&b));
		free(b.p);
	}
	if (!rf) {
		r->unexplained++;
		fprintf(stderr, "REFUSED %s#%d: OpenSSL refuses it, not in `refusals`; certhound: %s\n",
			label, index, what);
		return;
	}
	if (strcmp(rf->ours, "reject") == 0) {
		CHECK(err != CH_OK);
		if (err != CH_OK && !strstr(ch_error_last(), "offset")) {
			r->unexplained++;
			fprintf(stderr, "REFUSED %s#%d: error does not name an offset: %s\n", label,
				index, ch_error_last());
		} else if (err == CH_OK) {
			r->unexplained++;
			fprintf(stderr, "REFUSED %s#%d: expected a rejection; certhound: %s\n", label,
				index, what);
		}
		return;
	}
	bool flagged = false;
	for (unsigned bit = 0; bit < CH_ANOM_COUNT; bit++)
		if ((r->cert->anomalies & (1u << bit)) && strcmp(ch_anomaly_name(1u << bit), rf->ours) == 0)
			flagged = true;
	if (err != CH_OK || !flagged) {
		r->unexplained++;
		fprintf(stderr, "REFUSED %s#%d: expected acceptance with %s; certhound: %s\n", label,
			index, rf->ours, what);
	}
}

/* bare_tbs: the TBS element alone (as a CT log records a precertificate's) gives the same
 * fingerprint as the whole certificate, by the same rule (ch_cert_tbs_sha256). */
static void bare_tbs(const ch_cert *c)
{
	static ch_hash *h;
	uint8_t fp[32];

	if (!h)
		CHECK(ch_hash_new(&h) == CH_OK);
	CHECK(h && ch_cert_tbs_sha256(fp, h, c->tbs.data, c->tbs.len) == CH_OK &&
	      memcmp(fp, c->tbs_sha256, 32) == 0);
}

static void one_cert(run *r, const char *label, int index, const uint8_t *der, size_t n)
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)n);
	fields ours = {0}, ref = {0};
	char key[4200];

	r->certs++;
	if (r->verbose)
		printf("%s#%d\n", label, index);
	if (!x) {
		check_refused(r, label, index, der, n);
		return;
	}
	ref_fields(&ref, x, der, (size_t)(p - der));
	for (size_t i = 0; r->dump && i < ref.n; i++)
		printf("  %s: %s\n", ref.name[i], ref.value[i]);
	snprintf(key, sizeof key, "%s#%d", label, index);
	json_object_set_new(r->seen, key, json_string(f_get(&ref, "sha256")));
	if (ch_cert_parse(r->cert, der, n, CH_PARSE_ALL) != CH_OK) {
		const struct exception *e = find_exception(label, index, "parse", NULL);
		if (e) {
			r->explained++;
		} else {
			r->unexplained++;
			fprintf(stderr, "DIFF %s#%d parse\n  ours:    rejected: %s\n  openssl: accepted\n",
				label, index, ch_error_last());
		}
	} else {
		r->both++;
		ours_fields(&ours, r->cert);
		compare(r, label, index, r->cert, &ours, &ref);
		bare_tbs(r->cert);
	}
	f_free(&ours);
	f_free(&ref);
	X509_free(x);
}

/* ------------------------------------------------------------------------------------------ */
/* Reading files: PEM blocks (CERTIFICATE, TRUSTED CERTIFICATE, X509 CERTIFICATE) or one DER. */
static bool is_cert_label(const char *l, size_t n)
{
	return (n == 11 && memcmp(l, "CERTIFICATE", 11) == 0) ||
	       (n == 19 && memcmp(l, "TRUSTED CERTIFICATE", 19) == 0) ||
	       (n == 16 && memcmp(l, "X509 CERTIFICATE", 16) == 0);
}

static void scan_buffer(run *r, const char *label, const uint8_t *buf, size_t len)
{
	const char *s = (const char *)buf, *end = s + len, *p = s;
	int index = 0;
	bool pem = false;

	while ((p = memmem(p, (size_t)(end - p), "-----BEGIN ", 11)) != NULL) {
		const char *lab = p + 11, *labend, *body, *stop;
		bool at_line_start = p == s || p[-1] == '\n' || p[-1] == '\r';
		p = lab;
		labend = memmem(lab, (size_t)(end - lab), "-----", 5);
		if (!labend || !at_line_start)
			continue;
		body = labend + 5;
		stop = memmem(body, (size_t)(end - body), "-----END ", 9);
		if (!stop)
			break;
		p = stop + 9;
		if (!is_cert_label(lab, (size_t)(labend - lab)))
			continue;
		pem = true;
		size_t cap = 3 * ((size_t)(stop - body) / 4) + 3;
		uint8_t *der = malloc(cap);
		long n = der ? ch_base64_decode(der, cap, body, (size_t)(stop - body)) : -1;
		if (n < 0)
			fprintf(stderr, "note: %s#%d: bad base64, skipped\n", label, index);
		else
			one_cert(r, label, index, der, (size_t)n);
		free(der);
		index++;
	}
	if (!pem && len > 0 && buf[0] == 0x30)
		one_cert(r, label, 0, buf, len);
}

static void scan_file(run *r, const char *label, const char *path)
{
	size_t n;
	uint8_t *buf = ch_test_read_file(path, &n);

	if (!buf) {
		fprintf(stderr, "cannot read %s: %s\n", path, strerror(errno));
		ch_test_failures++;
		return;
	}
	scan_buffer(r, label, buf, n);
	free(buf);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* scan_tree walks dir recursively in sorted order; labels are prefix + path below root. */
static void scan_tree(run *r, const char *prefix, const char *root, const char *rel)
{
	char path[4096];
	DIR *d;
	struct dirent *e;
	char **names = NULL;
	size_t num = 0;

	snprintf(path, sizeof path, "%s%s%s", root, *rel ? "/" : "", rel);
	if (!(d = opendir(path)))
		return;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		names = realloc(names, (num + 1) * sizeof *names);
		names[num++] = strdup(e->d_name);
	}
	closedir(d);
	if (num)
		qsort(names, num, sizeof *names, cmp_str);
	for (size_t i = 0; i < num; i++) {
		char sub[4096], full[8200], label[4200];
		struct stat st;
		const char *dot = strrchr(names[i], '.');
		snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", names[i]);
		snprintf(full, sizeof full, "%s/%s", root, sub);
		if (stat(full, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode))
			scan_tree(r, prefix, root, sub);
		else if (S_ISREG(st.st_mode) && !(dot && (!strcmp(dot, ".json") || !strcmp(dot, ".log") ||
							 !strcmp(dot, ".sh") || !strcmp(dot, ".key")))) {
			snprintf(label, sizeof label, "%s%s", prefix, sub);
			scan_file(r, label, full);
		}
		free(names[i]);
	}
	free(names);
}

/* ------------------------------------------------------------------------------------------ */
/* The sources. */
static void source_corpus(run *r)
{
	const char *shared = ch_test_shared_dir();
	char root[4096], path[4200];

	if (!shared) {
		printf("note: ../shared is absent (CH_SHARED_DIR); skipping the 1,642-certificate corpus\n");
		return;
	}
	snprintf(root, sizeof root, "%s/corpus", shared);
	sb_puts(&r->sources, "|corpus:");
	int before = r->certs;
	scan_tree(r, "corpus:", root, "certs");
	printf("corpus: %d certificates\n", r->certs - before);

	/* Cross-check our reading of the files with OpenSSL's (expected.jsonl, refused.tsv). */
	snprintf(path, sizeof path, "%s/expected.jsonl", root);
	FILE *f = fopen(path, "r");
	char line[1 << 16];
	int rows = 0, missing = 0;
	CHECK(f != NULL);
	while (f && fgets(line, sizeof line, f)) {
		json_t *o = json_loads(line, 0, NULL);
		char key[4200];
		const char *want;
		if (!o)
			continue;
		rows++;
		snprintf(key, sizeof key, "corpus:%s#%lld", json_string_value(json_object_get(o, "file")),
			 (long long)json_integer_value(json_object_get(o, "index")));
		want = json_string_value(json_object_get(o, "sha256"));
		json_t *got = json_object_get(r->seen, key);
		if (!got || !want || strcmp(json_string_value(got), want) != 0) {
			missing++;
			fprintf(stderr, "expected.jsonl row %s: not seen with sha256 %s\n", key, want);
		}
		json_decref(o);
	}
	if (f)
		fclose(f);
	CHECK(rows >= 1600);
	CHECK_INT(missing, 0);

	snprintf(path, sizeof path, "%s/refused.tsv", root);
	f = fopen(path, "r");
	CHECK(f != NULL);
	rows = missing = 0;
	while (f && fgets(line, sizeof line, f)) {
		char file[4096], key[4200];
		int index;
		if (sscanf(line, "%4095[^\t]\t%d", file, &index) != 2 || strncmp(file, "certs/", 6))
			continue;
		rows++;
		snprintf(key, sizeof key, "corpus:%s#%d", file, index);
		if (!json_object_get(r->refused_seen, key)) {
			missing++;
			fprintf(stderr, "refused.tsv row %s: d2i_X509 did not refuse it here\n", key);
		}
	}
	if (f)
		fclose(f);
	CHECK(rows >= 16);
	CHECK_INT(missing, 0);
}

static void source_debian(run *r)
{
	int before = r->certs;
	sb_puts(&r->sources, "|debian:");
	scan_tree(r, "debian:/usr/share/ca-certificates/", "/usr/share/ca-certificates", "");
	scan_tree(r, "debian:/etc/ssl/certs/", "/etc/ssl/certs", "");
	printf("debian: %d certificates\n", r->certs - before);
}

static void source_demo(run *r)
{
	char root[4096];
	int before = r->certs;
	snprintf(root, sizeof root, "%s/data/demo", ch_test_source_dir());
	sb_puts(&r->sources, "|demo:");
	scan_tree(r, "demo:", root, "");
	printf("demo: %d certificates\n", r->certs - before);
}

static void source_generated(run *r)
{
	const char *tmp = ch_test_tmpdir();
	char cmd[8192], out[4200];
	int before = r->certs;

	CHECK(tmp != NULL);
	if (!tmp)
		return;
	snprintf(out, sizeof out, "%s/gen", tmp);
	snprintf(cmd, sizeof cmd, "bash '%s/tests/data/x509/gen_certs.sh' '%s'", ch_test_source_dir(),
		 out);
	int rc = system(cmd);
	CHECK_INT(rc, 0);
	sb_puts(&r->sources, "|gen:");
	scan_tree(r, "gen:", out, "");
	printf("generated: %d certificates\n", r->certs - before);
	CHECK(r->certs - before >= 40);
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmp);
	if (system(cmd) != 0)
		fprintf(stderr, "note: could not remove %s\n", tmp);
}

/* An exception is stale when its source was scanned but it never matched. */
static bool source_scanned(run *r, const char *where)
{
	const char *colon = strchr(where, ':');
	char pfx[64];
	if (!colon || (size_t)(colon - where) + 3 > sizeof pfx)
		return false;
	snprintf(pfx, sizeof pfx, "|%.*s:", (int)(colon - where), where);
	return strstr(sb_str(&r->sources), pfx) != NULL;
}

int main(void)
{
	run r = {0};

	r.verbose = getenv("CH_X509_DIFF_VERBOSE") != NULL;
	r.dump = r.verbose && strcmp(getenv("CH_X509_DIFF_VERBOSE"), "2") == 0;
	r.seen = json_object();
	r.refused_seen = json_object();
	if (ch_cert_new(&r.cert) != CH_OK) {
		fprintf(stderr, "ch_cert_new: %s\n", ch_error_last());
		return 1;
	}
	source_generated(&r);
	source_demo(&r);
	source_debian(&r);
	source_corpus(&r);

	for (size_t i = 0; exceptions[i].where; i++)
		if (!exception_seen[i] && source_scanned(&r, exceptions[i].where)) {
			r.unexplained++;
			fprintf(stderr, "STALE exception no longer occurs: %s#%d %s (%s)\n",
				exceptions[i].where, exceptions[i].index, exceptions[i].field,
				exceptions[i].why);
		}
	for (size_t i = 0; refusals[i].where; i++)
		if (!refusal_seen[i] && source_scanned(&r, refusals[i].where)) {
			r.unexplained++;
			fprintf(stderr, "STALE refusal: OpenSSL now accepts or we no longer see %s#%d\n",
				refusals[i].where, refusals[i].index);
		}
	printf("x509_openssl: %d certificates, %d parsed by both, %d refused by OpenSSL; %d fields "
	       "compared, %d disagreements explained, %d unexplained\n",
	       r.certs, r.both, r.refused, r.fields, r.explained, r.unexplained);
	CHECK_INT(r.unexplained, 0);
	ch_cert_free(r.cert);
	json_decref(r.seen);
	json_decref(r.refused_seen);
	free(r.sources.p);
	return ch_test_done("x509_openssl");
}
