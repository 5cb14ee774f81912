/* CT wire formats on real data from ../shared/corpus/ct (see its README.txt for what was
 * verified independently): RFC 6962 get-sth signatures (Argon2020, Pilot), the Argon2020
 * inclusion proof of entry 10000, get-entries decoding (x509 and precert entries with chains),
 * get-roots, the log list v3, and static-ct-api tiles (Navigli 2025h2: 1,034 real entries whose
 * leaf hashes match the level-0 tiles). */
#include "testlib.h"

#include <certhound/ct.h>
#include <certhound/merkle.h>
#include <certhound/x509.h>

#include <stdio.h>
#include <stdlib.h>

#include <openssl/x509.h>

static const char *shared;
static ch_hash *H;
static ch_cert *X;

static void check_logged_tbs(const ch_ct_entry *e);

static uint8_t *rd(const char *rel, size_t *len)
{
	char path[1024];
	uint8_t *d;

	snprintf(path, sizeof path, "%s/corpus/ct/%s", shared, rel);
	d = ch_test_read_file(path, len);
	if (!d)
		fprintf(stderr, "cannot read %s\n", path);
	return d;
}

static bool is_x509(ch_bytes b)
{
	const unsigned char *p = b.data;
	X509 *x = d2i_X509(NULL, &p, (long)b.len);
	bool ok = x && p == b.data + b.len;

	X509_free(x);
	return ok;
}

static ch_ct_log_list *list3;

static ch_ct_key *list_key(const char *description)
{
	const ch_ct_log_info *g = ch_ct_log_list_find(list3, description);
	ch_ct_key *k = NULL;

	CHECK(g != NULL);
	if (!g)
		return NULL;
	CHECK(g->key_ok);
	CHECK(ch_ct_key_parse(&k, g->key, g->key_len) == CH_OK);
	return k;
}

static void test_log_list(void)
{
	char path[1024];
	ch_ct_log_list *big = NULL;
	const ch_ct_log_info *g;
	size_t tiled = 0, rfc = 0, usable = 0;

	snprintf(path, sizeof path, "%s/corpus/ct/ct-go/testdata/loglist3.json", shared);
	CHECK(ch_ct_log_list_load(&list3, path) == CH_OK);
	g = ch_ct_log_list_find(list3, "Google 'Racketeer' log");
	CHECK(g && !g->key_ok); /* its key is deliberately malformed */
	g = ch_ct_log_list_find(list3, "https://ct.googleapis.com/logs/argon2020");
	CHECK(g && g->key_ok && g->state == CH_CT_STATE_QUALIFIED && g->has_interval);
	CHECK(g && ch_ct_log_list_find(list3, "sh4FzIuizYogTodm+Su5iiUgZ2va+nDnsklTLe+LkF4=") == g);
	g = ch_ct_log_list_find(list3, "google 'aviator' log");
	CHECK(g && g->state == CH_CT_STATE_READONLY && g->has_final_tree_head);
	CHECK(ch_ct_log_list_find(list3, "no such log") == NULL);

	snprintf(path, sizeof path, "%s/corpus/ct/azul/crates/sct_validator/tests/log_list.json",
		 shared);
	CHECK(ch_ct_log_list_load(&big, path) == CH_OK);
	if (!big)
		return;
	CHECK_STR(big->version, "81.14");
	for (size_t i = 0; i < big->num_logs; i++) {
		big->logs[i].tiled ? tiled++ : rfc++;
		usable += big->logs[i].state == CH_CT_STATE_USABLE;
		CHECK(big->logs[i].key_ok);
	}
	/* README: 49 RFC 6962 logs + 26 static-ct-api logs. */
	CHECK_INT(rfc, 49);
	CHECK_INT(tiled, 26);
	CHECK(usable > 0);
	g = ch_ct_log_list_find(big, "https://tuscolo2025h2.skylight.geomys.org/");
	CHECK(g && g->tiled && g->submission_url &&
	      !strcmp(g->submission_url, "https://tuscolo2025h2.sunlight.geomys.org/"));
	CHECK(g && g->interval_start == ch_time_from_civil(2025, 7, 1, 0, 0, 0));
	ch_ct_log_list_free(big);
	CHECK(ch_ct_log_list_parse(&big, "{\"operators\": 5}", 16) == CH_ERR_PARSE);
	CHECK(ch_ct_log_list_parse(&big, "[", 1) == CH_ERR_PARSE);
}

static void test_argon2020(void)
{
	size_t len;
	uint8_t *sth_json = rd("azul/crates/tlog_tiles/tests/http_get/get-sth", &len), *ej, *pj;
	ch_ct_sth sth;
	ch_ct_key *argon = list_key("Google 'Argon2020' log"), *other = list_key("Google 'Icarus' log");
	ch_ct_entries es;
	ch_ct_entry e;
	ch_ct_proof proof;
	uint8_t lh[32];
	char b64[48];
	size_t elen, plen;

	if (!sth_json || !argon || !other)
		goto out;
	CHECK(ch_ct_sth_parse_json(&sth, (char *)sth_json, len) == CH_OK);
	CHECK(sth.tree_size == 961984011u && sth.timestamp == 1726494206646u);
	CHECK(ch_ct_sth_verify(&sth, argon) == CH_OK);
	CHECK(ch_ct_sth_verify(&sth, other) == CH_ERR_INTEGRITY);
	sth.tree_size++;
	CHECK(ch_ct_sth_verify(&sth, argon) == CH_ERR_INTEGRITY);
	sth.tree_size--;
	sth.root[0] ^= 1;
	CHECK(ch_ct_sth_verify(&sth, argon) == CH_ERR_INTEGRITY);
	sth.root[0] ^= 1;
	sth.sig[1] = 1; /* claims RSA under an ECDSA key */
	CHECK(ch_ct_sth_verify(&sth, argon) == CH_ERR_INTEGRITY);
	sth.sig[1] = 3;
	sth.sig_len--;
	CHECK(ch_ct_sth_verify(&sth, argon) == CH_ERR_PARSE);
	sth.sig_len++;

	ej = rd("azul/crates/tlog_tiles/tests/http_get/get-entries-start-10000-end-10000", &elen);
	pj = rd("azul/crates/tlog_tiles/tests/http_get/"
		"get-proof-by-hash-tree-size-961984011-hash-nCs3mfIydh9x4CKyQ-2Bu2xtmpxmFggA5MLymHwNQSlLg-3D",
		&plen);
	CHECK(ej && pj);
	if (!ej || !pj)
		goto out2;
	CHECK(ch_ct_entries_parse_json(&es, (char *)ej, elen) == CH_OK);
	CHECK_INT(es.num, 1);
	CHECK(ch_ct_leaf_decode(&e, es.leaf_input[0].data, es.leaf_input[0].len) == CH_OK);
	CHECK(e.type == CH_CT_X509_ENTRY && is_x509(e.cert) && !e.has_leaf_index);
	CHECK(ch_ct_extra_decode(&e, es.extra_data[0].data, es.extra_data[0].len) == CH_OK);
	CHECK(e.num_chain >= 1);
	for (size_t i = 0; i < e.num_chain; i++)
		CHECK(is_x509(e.chain[i]));
	CHECK(ch_ct_entry_leaf_hash(H, lh, &e) == CH_OK);
	ch_base64_encode(b64, lh, 32);
	CHECK_STR(b64, "nCs3mfIydh9x4CKyQ+u2xtmpxmFggA5MLymHwNQSlLg=");
	CHECK(ch_merkle_leaf_hash(H, lh, es.leaf_input[0].data, es.leaf_input[0].len) == CH_OK);
	ch_base64_encode(b64, lh, 32);
	CHECK_STR(b64, "nCs3mfIydh9x4CKyQ+u2xtmpxmFggA5MLymHwNQSlLg=");

	CHECK(ch_ct_proof_parse_json(&proof, (char *)pj, plen) == CH_OK);
	CHECK(proof.leaf_index == 10000 && proof.num_hashes == 30);
	CHECK(ch_merkle_verify_inclusion(H, proof.leaf_index, sth.tree_size, lh,
					 (const uint8_t(*)[32])proof.hashes, proof.num_hashes,
					 sth.root) == CH_OK);
	CHECK(ch_merkle_verify_inclusion(H, proof.leaf_index + 1, sth.tree_size, lh,
					 (const uint8_t(*)[32])proof.hashes, proof.num_hashes,
					 sth.root) == CH_ERR_INTEGRITY);
	proof.hashes[17][3] ^= 4;
	CHECK(ch_merkle_verify_inclusion(H, proof.leaf_index, sth.tree_size, lh,
					 (const uint8_t(*)[32])proof.hashes, proof.num_hashes,
					 sth.root) == CH_ERR_INTEGRITY);
	/* A leaf with a trailing byte is malformed. */
	CHECK(ch_ct_leaf_decode(&e, es.leaf_input[0].data, es.leaf_input[0].len - 1) == CH_ERR_PARSE);
	ch_ct_entries_free(&es);
out2:
	free(ej);
	free(pj);
out:
	free(sth_json);
	ch_ct_key_free(argon);
	ch_ct_key_free(other);
}

static void test_pilot_and_syntax(void)
{
	size_t len, klen;
	uint8_t *j = rd("ct-go/logclient.ValidSTH.get-sth.json", &len);
	uint8_t *pem = rd("ct-cpp/test/testdata/google-ct-pilot-server-key-public.pem", &klen);
	uint8_t *fj = NULL, *ej = NULL;
	ch_ct_key *pilot = NULL;
	ch_ct_sth sth;
	ch_ct_entries es;
	ch_merkle_range r;
	uint8_t root[32], lh[32];

	if (!j || !pem)
		goto out;
	CHECK(ch_ct_key_parse(&pilot, pem, klen) == CH_OK);
	CHECK(pilot && ch_ct_key_type_of(pilot) == CH_CT_KEY_ECDSA);
	CHECK(ch_ct_sth_parse_json(&sth, (char *)j, len) == CH_OK);
	CHECK(sth.tree_size == 3721782);
	CHECK(pilot && ch_ct_sth_verify(&sth, pilot) == CH_OK);

	/* FourEntrySTH: a syntactically valid STH whose signature is the word "signature", and whose
	 * root is not the Merkle root of FourEntries. */
	fj = rd("ct-go/scanner.FourEntrySTH.get-sth.json", &len);
	ej = rd("ct-go/scanner.FourEntries.get-entries.json", &klen);
	if (!fj || !ej)
		goto out;
	CHECK(ch_ct_sth_parse_json(&sth, (char *)fj, len) == CH_OK);
	CHECK(ch_ct_sth_verify(&sth, pilot) != CH_OK);
	CHECK(ch_ct_entries_parse_json(&es, (char *)ej, klen) == CH_OK);
	CHECK_INT(es.num, 4);
	ch_merkle_range_init(&r);
	for (size_t i = 0; i < es.num; i++) {
		ch_ct_entry e;
		CHECK(ch_ct_leaf_decode(&e, es.leaf_input[i].data, es.leaf_input[i].len) == CH_OK);
		CHECK(e.type == CH_CT_X509_ENTRY && is_x509(e.cert));
		CHECK(ch_ct_entry_leaf_hash(H, lh, &e) == CH_OK);
		CHECK(ch_merkle_range_append(&r, H, lh) == CH_OK);
	}
	CHECK(ch_merkle_range_root(&r, H, root) == CH_OK);
	CHECK(sth.tree_size != 4 || memcmp(root, sth.root, 32) != 0);
	ch_ct_entries_free(&es);
out:
	free(j);
	free(pem);
	free(fj);
	free(ej);
	ch_ct_key_free(pilot);
}

static void test_entries_and_roots(void)
{
	size_t len;
	uint8_t *j = rd("ct-go/logclient.TestGetEntries.get-entries.json", &len), *rj = NULL;
	ch_ct_entries es;
	ch_ct_entry e;
	ch_buf b;
	ch_bytes *certs = NULL;
	size_t n = 0;

	if (!j)
		return;
	CHECK(ch_ct_entries_parse_json(&es, (char *)j, len) == CH_OK);
	CHECK_INT(es.num, 2);
	CHECK(ch_ct_leaf_decode(&e, es.leaf_input[0].data, es.leaf_input[0].len) == CH_OK);
	CHECK(e.type == CH_CT_PRECERT_ENTRY && e.tbs.len > 100 && e.tbs.data[0] == 0x30);
	CHECK(ch_ct_extra_decode(&e, es.extra_data[0].data, es.extra_data[0].len) == CH_OK);
	CHECK(is_x509(e.precert) && e.num_chain >= 1);
	check_logged_tbs(&e);
	for (size_t i = 0; i < e.num_chain; i++)
		CHECK(is_x509(e.chain[i]));
	/* The x509 entry's chain does not decode as a precert chain. */
	CHECK(ch_ct_leaf_decode(&e, es.leaf_input[1].data, es.leaf_input[1].len) == CH_OK);
	CHECK(e.type == CH_CT_X509_ENTRY && is_x509(e.cert));
	CHECK(ch_ct_extra_decode(&e, es.extra_data[1].data, es.extra_data[1].len) == CH_OK);
	CHECK(e.num_chain >= 1 && is_x509(e.chain[0]));
	e.type = CH_CT_PRECERT_ENTRY;
	CHECK(ch_ct_extra_decode(&e, es.extra_data[1].data, es.extra_data[1].len) == CH_ERR_PARSE);
	ch_ct_entries_free(&es);
	free(j);
	CHECK(ch_ct_entries_parse_json(&es, "{\"entries\":[{\"leaf_input\":\"!!\"}]}", 31) ==
	      CH_ERR_PARSE);
	CHECK(ch_ct_entries_parse_json(&es, "{\"entries\":[]}", 14) == CH_OK && es.num == 0);
	ch_ct_entries_free(&es);

	rj = rd("ct-go/logclient.GetRootsResp.get-roots.json", &len);
	if (!rj)
		return;
	ch_buf_init(&b, 1 << 20);
	CHECK(ch_ct_roots_parse_json(&b, &certs, &n, (char *)rj, len) == CH_OK);
	CHECK(n >= 1);
	for (size_t i = 0; i < n; i++)
		CHECK(is_x509(certs[i]));
	free(certs);
	ch_buf_free(&b);
	free(rj);
}

static void test_tile_paths(void)
{
	char p[CH_CT_TILE_PATH_MAX];

	CHECK(ch_ct_tile_path(p, "0", 1234067, 0) > 0);
	CHECK_STR(p, "tile/0/x001/x234/067");
	ch_ct_tile_path(p, "data", 0, 256);
	CHECK_STR(p, "tile/data/000");
	ch_ct_tile_path(p, "1", 1000, 44);
	CHECK_STR(p, "tile/1/x001/000.p/44");
	ch_ct_tile_path(p, "entries", 999, 255);
	CHECK_STR(p, "tile/entries/999.p/255");
	ch_ct_tile_path(p, "0", UINT64_MAX, 1);
	CHECK_STR(p, "tile/0/x018/x446/x744/x073/x709/x551/615.p/1");
	CHECK(ch_ct_tile_path(p, "0", 1, 257) == 0);
	CHECK(ch_ct_hash_tile_check(8192, 256) == CH_OK);
	CHECK(ch_ct_hash_tile_check(8191, 256) == CH_ERR_PARSE);
	CHECK(ch_ct_hash_tile_check(320, 10) == CH_OK);
}

/* check_logged_tbs: for a precertificate signed by its final issuer (every real one here), the
 * fingerprint of the TBS the log recorded is exactly the one ch_cert_parse derives from the
 * precertificate itself, which the store used before it took the logged TBS's. */
static size_t num_logged_tbs;

static void check_logged_tbs(const ch_ct_entry *e)
{
	uint8_t fp[32];

	if (!X) {
		CHECK(ch_cert_new(&X) == CH_OK);
		if (!X)
			return;
	}
	CHECK(ch_cert_tbs_sha256(fp, H, e->tbs.data, e->tbs.len) == CH_OK);
	CHECK(ch_cert_parse(X, e->precert.data, e->precert.len, CH_PARSE_ALL) == CH_OK);
	CHECK(X->precert && memcmp(fp, X->tbs_sha256, 32) == 0);
	{ /* the rule removed something: the precertificate's TBS as is hashes differently */
		uint8_t as_is[32];
		CHECK(ch_hash_sha256(H, as_is, X->tbs.data, X->tbs.len) == CH_OK);
		CHECK(memcmp(as_is, fp, 32) != 0);
	}
	num_logged_tbs++;
}

/* check_data_tile decodes one data tile and compares every leaf hash with the level-0 tile. */
static size_t check_data_tile(const char *dir, const char *name, uint64_t first, unsigned width,
			      ch_merkle_range *r)
{
	char rel[512];
	size_t dl, hl, n = 0;
	uint8_t *data, *hashes;
	ch_bytes cur;
	ch_ct_entry e;
	uint8_t lh[32];

	snprintf(rel, sizeof rel, "%s/tile/data/%s", dir, name);
	data = rd(rel, &dl);
	snprintf(rel, sizeof rel, "%s/tile/0/%s", dir, name);
	hashes = rd(rel, &hl);
	if (!data || !hashes)
		goto out;
	CHECK(ch_ct_hash_tile_check(hl, width) == CH_OK);
	cur.data = data;
	cur.len = dl;
	while (cur.len > 0 && n < width) {
		if (ch_ct_tile_leaf_next(&e, &cur) != CH_OK) {
			CHECK(!"TileLeaf decodes");
			break;
		}
		CHECK(e.has_leaf_index && e.leaf_index == first + n);
		CHECK(e.type != CH_CT_PRECERT_ENTRY || (e.precert.len > 0 && e.tbs.len > 0));
		if (e.type == CH_CT_PRECERT_ENTRY)
			check_logged_tbs(&e);
		CHECK(ch_ct_entry_leaf_hash(H, lh, &e) == CH_OK);
		CHECK(memcmp(lh, hashes + 32 * n, 32) == 0);
		if (r)
			CHECK(ch_merkle_range_append(r, H, lh) == CH_OK);
		n++;
	}
	CHECK(cur.len == 0);
	CHECK_INT(n, width);
out:
	free(data);
	free(hashes);
	return n;
}

static void test_navigli_tiles(void)
{
	static const char dir[] = "sunlight/testdata/navigli2025h2";
	size_t total = 0, len;
	char rel[512];
	uint8_t *der, *data;
	ch_bytes cur;
	ch_ct_entry e;

	num_logged_tbs = 0;
	for (int t = 0; t < 4; t++) {
		char name[8];
		snprintf(name, sizeof name, "%03d", t);
		total += check_data_tile(dir, name, (uint64_t)t * 256, 256, NULL);
	}
	total += check_data_tile(dir, "003.p/10", 768, 10, NULL);
	CHECK_INT(total, 1034);
	CHECK_INT(num_logged_tbs, 1034);

	/* Every 8th precertificate was also written out as DER: compare it with the TileLeaf. */
	data = rd("sunlight/testdata/navigli2025h2/tile/data/000", &len);
	if (!data)
		return;
	cur.data = data;
	cur.len = len;
	for (unsigned i = 0; i < 256; i++) {
		if (ch_ct_tile_leaf_next(&e, &cur) != CH_OK)
			break;
		if (i % 8)
			continue;
		snprintf(rel, sizeof rel,
			 "%s/corpus/certs/sunlight/navigli2025h2-precerts/navigli2025h2.leaf%04u.precert.der",
			 shared, i);
		size_t dlen;
		der = ch_test_read_file(rel, &dlen);
		if (!der)
			continue;
		CHECK(e.type == CH_CT_PRECERT_ENTRY && dlen == e.precert.len &&
		      memcmp(der, e.precert.data, dlen) == 0);
		CHECK(e.num_fingerprints >= 1);
		free(der);
	}
	/* Truncating the tile anywhere inside an entry is detected. */
	cur.data = data;
	cur.len = 700;
	CHECK(ch_ct_tile_leaf_next(&e, &cur) != CH_OK && cur.len == 700);
	free(data);
}

/* The skylight test tree's tiles are decoys ("fake full level 0 tile"): they must be refused,
 * not decoded into entries. */
static void test_skylight_decoys(void)
{
	size_t len;
	uint8_t *t = rd("sunlight/cmd/skylight/testdata/tree/tile/0/000", &len), *d;
	ch_bytes cur;
	ch_ct_entry e;

	if (t)
		CHECK(ch_ct_hash_tile_check(len, 256) == CH_ERR_PARSE);
	free(t);
	d = rd("sunlight/cmd/skylight/testdata/tree/tile/data/000", &len);
	if (d) {
		cur.data = d;
		cur.len = len;
		CHECK(ch_ct_tile_leaf_next(&e, &cur) != CH_OK);
	}
	free(d);
}

static void test_gunzip(void)
{
	/* "hello\n" gzipped (python3 gzip, mtime 0). */
	static const uint8_t gz[] = {0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0xff,
				     0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0xe7, 0x02, 0x00, 0x20, 0x30,
				     0x3a, 0x36, 0x06, 0x00, 0x00, 0x00};
	ch_buf b;

	ch_buf_init(&b, 1024);
	CHECK(ch_ct_gunzip(&b, gz, sizeof gz) == CH_OK);
	CHECK(b.len == 6 && memcmp(b.data, "hello\n", 6) == 0);
	ch_buf_reset(&b);
	CHECK(ch_ct_gunzip(&b, gz, sizeof gz - 5) == CH_ERR_PARSE);
	ch_buf_reset(&b);
	CHECK(ch_ct_gunzip(&b, (const uint8_t *)"plain", 5) == CH_OK && b.len == 5);
	ch_buf_free(&b);
	ch_buf_init(&b, 3);
	CHECK(ch_ct_gunzip(&b, gz, sizeof gz) == CH_ERR_LIMIT);
	ch_buf_free(&b);
}

static bool corpus_present(void)
{
	char p[1024];
	FILE *f;

	snprintf(p, sizeof p, "%s/corpus/ct/README.txt", shared);
	if (!(f = fopen(p, "r")))
		return false;
	fclose(f);
	return true;
}

int main(void)
{
	test_tile_paths();
	test_gunzip();
	shared = ch_test_shared_dir();
	if (!shared || !corpus_present()) {
		if (ch_test_failures)
			return ch_test_done("ct_wire");
		return ch_test_skip("../shared/corpus/ct is absent");
	}
	if (ch_hash_new(&H) != CH_OK)
		return 1;
	test_log_list();
	test_argon2020();
	test_pilot_and_syntax();
	test_entries_and_roots();
	test_navigli_tiles();
	test_skylight_decoys();
	ch_ct_log_list_free(list3);
	ch_cert_free(X);
	ch_hash_free(H);
	return ch_test_done("ct_wire");
}
