/* certhound/x509.h — one DER certificate into one record.
 *
 * A ch_cert is a reusable decoding context: make one with ch_cert_new, call ch_cert_parse for
 * each certificate, free it with ch_cert_free. After a successful parse the record's ch_bytes
 * fields are views into the caller's DER buffer (valid while that buffer lives), and its strings
 * and arrays live in the ch_cert's own arena (valid until the next ch_cert_parse or
 * ch_cert_free). Parsing reuses the arena's memory, so a steady stream of certificates causes no
 * allocation. A ch_cert is not shared between threads. */
#ifndef CERTHOUND_X509_H
#define CERTHOUND_X509_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <certhound/err.h>
#include <certhound/hash.h>
#include <certhound/util.h>

/* Hard limits: inputs over these are rejected, not truncated. */
#define CH_CERT_MAX_DER (1u << 24)  /* 16 MiB for one certificate */
#define CH_CERT_MAX_ITEMS 100000u   /* entries in one name, SAN list, extension list... */

/* A decoded string: UTF-8, NUL-terminated, but `len` is authoritative (it may contain NUL). */
typedef struct ch_str {
	const char *s;
	size_t len;
} ch_str;

/* The attributes certhound reports by name; everything else is CH_ATTR_OTHER. */
typedef enum ch_attr_id {
	CH_ATTR_OTHER = 0,
	CH_ATTR_CN,
	CH_ATTR_O,
	CH_ATTR_OU,
	CH_ATTR_C,
	CH_ATTR_ST,
	CH_ATTR_L,
	CH_ATTR_EMAIL,
} ch_attr_id;

typedef struct ch_dn_attr {
	ch_attr_id id;
	const char *oid;        /* dotted OID text (arena) */
	const char *short_name; /* OpenSSL's short name ("CN", "emailAddress"), or NULL if none */
	unsigned tag;           /* the ASN.1 string tag (CH_DER_UTF8_STRING, ...) */
	ch_str value;           /* decoded to UTF-8 (arena) */
	unsigned rdn;           /* which RDN (0 = first in DER order) */
} ch_dn_attr;

typedef struct ch_dn {
	ch_bytes der;           /* the whole Name element */
	ch_dn_attr *attrs;      /* in DER order */
	size_t num_attrs;
	const char *text;       /* RFC 4514 / openssl -nameopt RFC2253 style, UTF-8 kept readable */
} ch_dn;

typedef enum ch_key_type {
	CH_KEY_OTHER = 0,
	CH_KEY_RSA,
	CH_KEY_EC,
	CH_KEY_ED25519,
	CH_KEY_ED448,
	CH_KEY_DSA,
} ch_key_type;

typedef struct ch_key {
	ch_key_type type;
	unsigned bits;          /* modulus / field / key size in bits; 0 when unknown */
	const char *curve;      /* OpenSSL's curve short name ("prime256v1"), or NULL */
	const char *alg;        /* OpenSSL's name of the key algorithm (long name, e.g.
				 * rsaEncryption, id-ecPublicKey) or the dotted OID */
	ch_bytes spki;          /* the whole SubjectPublicKeyInfo element, as encoded */
} ch_key;

/* A GeneralName kept raw: `type` is its context tag number (0 otherName ... 8 registeredID). */
typedef struct ch_general_name {
	unsigned type;
	ch_bytes raw;           /* the contents octets */
} ch_general_name;

typedef struct ch_san {
	ch_str *dns;    size_t num_dns;
	ch_str *ip;     size_t num_ip;     /* IPv4 dotted, IPv6 RFC 5952 text */
	ch_str *email;  size_t num_email;
	ch_str *uri;    size_t num_uri;
	ch_general_name *other; size_t num_other;  /* otherName, dirName, x400, ediParty, rid */
} ch_san;

typedef struct ch_ext {
	ch_bytes oid;           /* OID contents octets */
	const char *oid_text;   /* dotted (arena) */
	bool critical;
	bool known;             /* certhound decodes this extension */
	ch_bytes value;         /* the extnValue OCTET STRING contents */
	bool recognised;        /* a standard extension (decoded or not): never "unknown critical" */
} ch_ext;

typedef struct ch_sct {
	uint8_t version;
	uint8_t log_id[32];
	uint64_t timestamp_ms;
} ch_sct;

/* Key usage bits, in RFC 5280 order (bit 0 = digitalSignature). */
#define CH_KU_DIGITAL_SIGNATURE 0x001u
#define CH_KU_NON_REPUDIATION 0x002u
#define CH_KU_KEY_ENCIPHERMENT 0x004u
#define CH_KU_DATA_ENCIPHERMENT 0x008u
#define CH_KU_KEY_AGREEMENT 0x010u
#define CH_KU_KEY_CERT_SIGN 0x020u
#define CH_KU_CRL_SIGN 0x040u
#define CH_KU_ENCIPHER_ONLY 0x080u
#define CH_KU_DECIPHER_ONLY 0x100u

/* Validation level from certificate policies (CA/Browser Forum reserved OIDs). */
typedef enum ch_validation {
	CH_VALIDATION_UNKNOWN = 0,
	CH_VALIDATION_DV,
	CH_VALIDATION_OV,
	CH_VALIDATION_IV,
	CH_VALIDATION_EV,
} ch_validation;

/* Anomalies: odd but readable; each has a stable short code (ch_anomaly_name). */
typedef enum ch_anomaly {
	CH_ANOM_NUL_IN_NAME = 1u << 0,      /* nul_in_name */
	CH_ANOM_BAD_UTF8 = 1u << 1,         /* bad_utf8 */
	CH_ANOM_NEGATIVE_SERIAL = 1u << 2,  /* negative_serial */
	CH_ANOM_LONG_SERIAL = 1u << 3,      /* oversized_serial: more than 20 octets */
	CH_ANOM_DUP_EXTENSION = 1u << 4,    /* dup_extension */
	CH_ANOM_UNKNOWN_CRITICAL = 1u << 5, /* unknown_critical_extension */
	CH_ANOM_TRAILING_DATA = 1u << 6,    /* trailing_data after the certificate */
	CH_ANOM_BER = 1u << 7,              /* ber_encoding where DER is required */
	CH_ANOM_VALIDITY_INVERTED = 1u << 8,/* not_after before not_before */
	CH_ANOM_BAD_IP_SAN = 1u << 9,       /* bad_ip_san: iPAddress neither 4 nor 16 octets */
	CH_ANOM_BAD_EXTENSION = 1u << 10,   /* bad_extension: a known extension failed to decode */
	CH_ANOM_SIG_ALG_MISMATCH = 1u << 11,/* sig_alg_mismatch between TBS and outer */
	CH_ANOM_BAD_STRING = 1u << 12,      /* bad_string: characters illegal for the string type */
	CH_ANOM_BAD_TIME = 1u << 13,        /* bad_time: a time that is not in RFC 5280 form */
	CH_ANOM_EXT_IN_V1 = 1u << 14,       /* extensions_in_v1: extensions or UIDs below v3 */
	CH_ANOM_ZERO_SERIAL = 1u << 15,     /* zero_serial */
	CH_ANOM_EMPTY_ISSUER = 1u << 16,    /* empty_issuer */
	CH_ANOM_NON_MINIMAL_INT = 1u << 17, /* non_minimal_integer */
	CH_ANOM_BAD_VERSION = 1u << 18,     /* bad_version: version field above v3 */
} ch_anomaly;
#define CH_ANOM_COUNT 19

/* ch_anomaly_name returns the short code of one anomaly bit, or NULL. */
const char *ch_anomaly_name(unsigned bit);

typedef struct ch_cert {
	ch_bytes der;           /* the certificate element itself (without trailing bytes) */
	ch_bytes tbs;           /* the TBSCertificate element */
	int version;            /* 1, 2 or 3 (higher values are kept and flagged bad_version) */
	ch_bytes serial;        /* INTEGER contents octets */
	const char *serial_hex; /* value in hex without leading zero bytes; "-..." if negative */
	const char *sig_alg;    /* the outer signatureAlgorithm as OpenSSL names it (OBJ_obj2txt: long
				 * name, e.g. sha256WithRSAEncryption), or the dotted OID; the TBS
				 * copy differing from it is flagged sig_alg_mismatch */
	ch_bytes sig_alg_der;   /* the outer AlgorithmIdentifier element */
	ch_dn issuer;
	ch_dn subject;
	int64_t not_before;     /* seconds since the epoch (negative before 1970) */
	int64_t not_after;
	ch_key key;
	ch_san san;
	ch_ext *exts;
	size_t num_exts;
	/* Decoded extensions. */
	bool has_basic_constraints;
	bool is_ca;             /* basicConstraints cA */
	int path_len;           /* -1 when absent */
	bool has_key_usage;
	unsigned key_usage;     /* CH_KU_* bits */
	const char **eku;       /* OpenSSL short names ("serverAuth") or dotted OIDs */
	size_t num_eku;
	ch_bytes ski;           /* subjectKeyIdentifier contents */
	ch_bytes aki;           /* authorityKeyIdentifier keyIdentifier */
	ch_str *ocsp;           size_t num_ocsp;       /* AIA OCSP URLs */
	ch_str *ca_issuers;     size_t num_ca_issuers; /* AIA caIssuers URLs */
	ch_str *crl_dps;        size_t num_crl_dps;    /* CRL distribution point URLs */
	const char **policies;  size_t num_policies;   /* dotted policy OIDs */
	ch_validation validation;
	bool precert;           /* carries the CT poison extension */
	ch_sct *scts;           size_t num_scts;       /* embedded SCT list */
	unsigned anomalies;     /* CH_ANOM_* bits */
	/* Derived values (filled when the matching CH_PARSE_* flag is given). */
	bool self_signed;       /* issuer DN equals subject DN (and key ids agree when present) */
	uint8_t sha256[32];
	uint8_t sha1[20];
	uint8_t spki_sha256[32];
	uint8_t tbs_sha256[32]; /* SHA-256 of the TBS without the CT poison and SCT extensions */
	char ja4x[40];          /* FoxIO JA4X: "a_b_c", 12 hex digits each */
	void *priv_;            /* the arena and scratch; not for callers */
} ch_cert;

#define CH_PARSE_DIGESTS 0x1u /* sha256, sha1, spki_sha256, tbs_sha256 */
#define CH_PARSE_JA4X 0x2u    /* ja4x */
#define CH_PARSE_ALL (CH_PARSE_DIGESTS | CH_PARSE_JA4X)

/* ch_cert_new returns a reusable decoding context in *out; free it with ch_cert_free. */
ch_err ch_cert_new(ch_cert **out) CH_WARN_UNUSED;

/* ch_cert_free releases a context and everything it owns; NULL is a no-op. */
void ch_cert_free(ch_cert *c);

/* ch_cert_parse decodes one DER certificate at der[0..der_len) into out. Bytes after the
 * certificate are tolerated and flagged (trailing_data). On failure returns CH_ERR_PARSE with
 * ch_error_last() naming the structure and byte offset, and out is left unusable. */
ch_err ch_cert_parse(ch_cert *out, const uint8_t *der, size_t der_len, unsigned flags) CH_WARN_UNUSED;

/* ch_cert_tbs_sha256 writes into out the TBS fingerprint of a bare TBSCertificate
 * (tbs[0..tbs_len), exactly one element): SHA-256 of it with the CT poison and SCT-list
 * extensions removed, by the same rule as ch_cert_parse's tbs_sha256, so a certificate's TBS
 * gives that certificate's tbs_sha256. For the TBS a CT log records in a precert_entry (issuer
 * and authority key identifier already the final issuer's when a Precertificate Signing
 * Certificate signed the precertificate, RFC 6962 section 3.1), it is the final certificate's
 * fingerprint. h is a hashing handle of the caller's. CH_ERR_PARSE when the TBS cannot be
 * walked to its extensions (which must come last). */
ch_err ch_cert_tbs_sha256(uint8_t out[32], ch_hash *h, const uint8_t *tbs,
			  size_t tbs_len) CH_WARN_UNUSED;

/* ch_cert_ext_find returns the first extension with the given dotted OID, or NULL. */
const ch_ext *ch_cert_ext_find(const ch_cert *c, const char *oid_text);

/* ch_dn_get returns the idx-th value of attribute `id` in a DN, or NULL. */
const ch_str *ch_dn_get(const ch_dn *dn, ch_attr_id id, size_t idx);

#endif
