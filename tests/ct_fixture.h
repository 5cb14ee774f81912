/* Fixtures for the CT tests: a P-256 CA with one leaf key, OpenSSL-made certificates and
 * precertificates it signs, added one by one or a range at a time to a ch_ct_writer log, and
 * the public key such a log publishes. */
#ifndef CH_CT_FIXTURE_H
#define CH_CT_FIXTURE_H

#include <certhound/ct.h>
#include <certhound/ct_writer.h>

#include <stdbool.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

/* A fixture CA and the shape of the entries a test logs. The test sets the shape (usually in
 * the initializer); ch_test_ct_fixture_init makes the keys and the CA. */
typedef struct ch_test_ct_fixture {
	EVP_PKEY *ca_key;   /* signs the CA and every certificate */
	EVP_PKEY *leaf_key; /* the key of every leaf made for the fixture's own entries */
	X509 *ca;
	uint8_t *ca_der; /* the CA's DER, logged as the issuer of every entry */
	int ca_der_len;
	bool www; /* leaves name www.<cn> in their subjectAltName too */
	/* ch_test_ct_add_range: entry i is <tag><i>.example, serial serial0 + i, logged at
	 * ts0 + i * ts_step, a precertificate when i % pre_every == pre_at. */
	long serial0;
	uint64_t ts0, ts_step;
	int pre_every, pre_at;
} ch_test_ct_fixture;

/* ch_test_ct_fixture_init makes the CA key, the leaf key and a self-signed CA named ca_cn
 * (serial 1); the shape fields are left as the test set them. Free with ch_test_ct_fixture_free. */
void ch_test_ct_fixture_init(ch_test_ct_fixture *fx, const char *ca_cn);

/* ch_test_ct_fixture_free frees what ch_test_ct_fixture_init made. */
void ch_test_ct_fixture_free(ch_test_ct_fixture *fx);

/* ch_test_ct_cert makes a leaf for cn with the public key `key`, valid for 90 days from now,
 * issued and signed (SHA-256) by the fixture CA, with subjectAltName cn (and www.cn when
 * fx->www) and the CT poison extension when precert. While fx->ca is NULL (inside
 * ch_test_ct_fixture_init) it makes the self-signed CA instead. Caller frees with X509_free. */
X509 *ch_test_ct_cert(const ch_test_ct_fixture *fx, const char *cn, long serial, EVP_PKEY *key,
		      bool precert);

/* ch_test_ct_add logs a leaf for cn (the fixture's leaf key) at timestamp ts in w, the fixture
 * CA as its issuer, and CHECKs that the writer took it. */
void ch_test_ct_add(const ch_test_ct_fixture *fx, ch_ct_writer *w, const char *cn, long serial,
		    uint64_t ts, bool precert);

/* ch_test_ct_add_range logs entries first .. first+n-1 in w, named and shaped as the fixture
 * says, with one CHECK each. */
void ch_test_ct_add_range(const ch_test_ct_fixture *fx, ch_ct_writer *w, const char *tag,
			  int first, int n);

/* ch_test_ct_log_key reads the key.pem a ch_ct_writer log publishes in root/log and CHECKs that
 * it parses. Returns the key (caller frees with ch_ct_key_free) or NULL. */
ch_ct_key *ch_test_ct_log_key(const char *root, const char *log);

#endif
