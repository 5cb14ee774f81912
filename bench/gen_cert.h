/* bench/gen_cert.h — CA profiles and certificate encoding for the benchmark corpus generator. */
#ifndef CH_BENCH_GEN_CERT_H
#define CH_BENCH_GEN_CERT_H

#include "gen.h"

typedef enum gen_style { STYLE_DV, STYLE_OV, STYLE_EV, STYLE_PRIVATE, STYLE_SELF } gen_style;

/* One issuing CA as it behaves in CT logs. */
typedef struct gen_ca {
	const char *label;
	const char *dn;          /* issuer DN, '/'-separated RDNs in DER order; NULL: self-signed */
	gen_key_kind ca_key;     /* the issuer's key, which fixes the signature algorithm */
	unsigned weight;         /* share of issuances, per mille */
	unsigned days;           /* validity */
	const char *ocsp, *ca_issuers, *crl;
	const char *policy, *policy2, *cps;
	gen_style style;
	unsigned ec_pct;         /* share of EC subject keys, percent */
	bool ct;                 /* logs precertificates and embeds SCTs */
	unsigned serial_len;     /* octets */
	unsigned nscts;          /* SCTs embedded in final certificates */
	double multi_domain;     /* chance that a 4+ name SAN list spans unrelated domains */
	bool le_order;           /* Let's Encrypt's extension order */
} gen_ca;

typedef struct gen_blob {
	size_t off, len;         /* into gen_ctx.blobs */
} gen_blob;

/* The per-CA pieces encoded once. */
typedef struct gen_issuer {
	const gen_ca *ca;
	uint8_t ski[20];
	gen_blob issuer, aki, aia, crl, policies;
} gen_issuer;

#define GEN_MAX_CAS 32

typedef struct gen_ctx {
	const gen_keypool *keys;
	const gen_domains *doms;
	dw blobs;                /* every pre-encoded piece */
	gen_issuer cas[GEN_MAX_CAS];
	size_t num_cas;
	uint64_t ca_weight_total;
	uint8_t log_ids[16][32];
	gen_blob ku_rsa, ku_ec, ku_ca, eku, bc_leaf, bc_ca, poison, sct_oid;
	gen_blob *ski_ext;       /* per pool key */
	dw subject;              /* the current issuance's subject Name */
} gen_ctx;

/* What a precertificate and its final certificate share. */
typedef struct gen_issuance {
	const gen_ca *ca;
	const gen_issuer *issuer;
	gen_sans *sans;          /* caller-provided storage */
	size_t key;              /* index into the key pool */
	uint8_t serial[20];
	size_t serial_len;
	int64_t not_before, not_after;
	uint64_t sct_ms;
	size_t sct_logs[8];
	int self_variant;
	bool self_ca;
} gen_issuance;

typedef enum gen_ct_mode { GEN_PLAIN, GEN_PRECERT, GEN_FINAL } gen_ct_mode;

int gen_ctx_init(gen_ctx *g, const gen_keypool *keys, const gen_domains *doms);
void gen_ctx_free(gen_ctx *g);

/* gen_pick_ca draws an issuing CA by weight. */
const gen_ca *gen_pick_ca(const gen_ctx *g, gen_rng *r, size_t *out_idx);

/* gen_issuance_make draws everything a certificate needs (CA, names, key, serial, dates). */
void gen_issuance_make(gen_ctx *g, gen_issuance *is, gen_rng *r);

/* gen_cert_encode writes the DER certificate of an issuance into w (replacing its contents). */
void gen_cert_encode(gen_ctx *g, const gen_issuance *is, gen_ct_mode mode, dw *w, gen_rng *r);

#endif
