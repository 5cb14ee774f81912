/* Signed notes and checkpoints: the real checkpoints of ../shared/corpus/ct (a Sunlight
 * static-ct-api log with an RFC6962NoteSignature, the same checkpoint cosigned by a witness,
 * and 16 Tessera checkpoints with Ed25519 signatures whose roots are recomputed from the
 * log's own entry bundles), then notes that lie in every way we could think of. */
#include "testlib.h"

#include <certhound/merkle.h>
#include <certhound/note.h>

#include <stdio.h>
#include <stdlib.h>

static const char *shared;
static ch_hash *H;

static char *rd(const char *rel, size_t *len)
{
	char path[1024];

	snprintf(path, sizeof path, "%s/corpus/ct/%s", shared, rel);
	return (char *)ch_test_read_file(path, len);
}

/* The key of rome2026h1.example.org, from its log.v3.json. */
static const char rome_key[] = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEPIcer7RB32jt4bTEbhgUKLKvOc"
			       "tFD+I2hoDItFxUBlJiGFvftBuRk3fO7e1T7gC2ekyfL7XoO2oN/ObcZyc4EA==";

static ch_err verify_str(ch_checkpoint *cp, const char *note, const char *origin,
			 const ch_note_verifier *v, size_t nv)
{
	return ch_checkpoint_verify(cp, note, strlen(note), origin, v, nv);
}

/* replace returns a copy of s with the first `from` replaced by `to`. */
static char *replace(const char *s, const char *from, const char *to)
{
	const char *p = strstr(s, from);
	char *r;

	if (!p)
		return NULL;
	r = malloc(strlen(s) + strlen(to) + 1);
	memcpy(r, s, (size_t)(p - s));
	strcpy(r + (p - s), to);
	strcat(r, p + strlen(from));
	return r;
}

static void test_sunlight(void)
{
	size_t len;
	char *cp_text = rd("sunlight/cmd/skylight/testdata/tree/checkpoint", &len);
	char *cosigned = rd("sunlight/cmd/skylight/testdata/witness/"
			    "000de184301123b9278c086a7d9f68c9577e83872224c197058fd90784ea9706/checkpoint",
			    &len);
	ch_ct_key *key = NULL, *ed = NULL;
	ch_note_verifier v, wrong_name, wv;
	ch_checkpoint cp;
	char b64[48], *bad;

	if (!cp_text || !cosigned)
		goto out;
	CHECK(ch_ct_key_parse(&key, rome_key, strlen(rome_key)) == CH_OK);
	if (!key)
		goto out;
	ch_base64_encode(b64, ch_ct_key_log_id(key), 32);
	CHECK_STR(b64, "CKIDXIl+znJaHUyhzhNVaSxIUov59RCXLh3fJXJExnk="); /* log.v3.json log_id */
	CHECK(ch_note_verifier_rfc6962(&v, "rome2026h1.example.org", key) == CH_OK);
	/* The signature line's first four bytes: kVB1Jg.. = 0x91507526. */
	CHECK(v.key_id == 0x91507526u);
	CHECK(verify_str(&cp, cp_text, "rome2026h1.example.org", &v, 1) == CH_OK);
	CHECK_STR(cp.origin, "rome2026h1.example.org");
	CHECK(cp.size == 300 && cp.has_sth && cp.sth.tree_size == 300 && cp.num_verified == 1);
	CHECK(cp.sth.timestamp == 1767139200000ull); /* log.v3.json final_tree_head */
	ch_base64_encode(b64, cp.root, 32);
	CHECK_STR(b64, "lCkHUpkmVBEms2r2T1K6Og69+wUuuN3MIEW1/ezu2v0=");
	/* The recovered STH verifies as an RFC 6962 tree head too. */
	CHECK(ch_ct_sth_verify(&cp.sth, key) == CH_OK);

	/* A witness cosignature (type 0x04) is from an unknown key: ignored. */
	CHECK(verify_str(&cp, cosigned, "rome2026h1.example.org", &v, 1) == CH_OK);
	CHECK(cp.num_verified == 1);
	/* Wrong origin expected by the caller. */
	CHECK(verify_str(&cp, cp_text, "milan2026h1.example.org", &v, 1) == CH_ERR_INTEGRITY);
	CHECK(strstr(ch_error_last(), "origin") != NULL);
	/* A verifier with another name does not know this signature: no known signature. */
	CHECK(ch_note_verifier_rfc6962(&wrong_name, "milan2026h1.example.org", key) == CH_OK);
	CHECK(verify_str(&cp, cp_text, NULL, &wrong_name, 1) == CH_ERR_INTEGRITY);
	CHECK(strstr(ch_error_last(), "no signature by a known key") != NULL);
	/* A different tree size under the same signature. */
	bad = replace(cp_text, "\n300\n", "\n301\n");
	CHECK(verify_str(&cp, bad, NULL, &v, 1) == CH_ERR_INTEGRITY);
	free(bad);
	/* A different root under the same signature. */
	bad = replace(cp_text, "lCkHUpkm", "lCkHUpkn");
	CHECK(verify_str(&cp, bad, NULL, &v, 1) == CH_ERR_INTEGRITY);
	free(bad);
	/* A corrupted signature (still base64, same key ID). */
	bad = replace(cp_text, "P+f1WkfKaSZ", "P+f1WkfKaSA");
	CHECK(verify_str(&cp, bad, NULL, &v, 1) == CH_ERR_INTEGRITY);
	free(bad);
	/* Extension lines are forbidden with RFC6962NoteSignature. */
	bad = replace(cp_text, "2v0=\n", "2v0=\nextra\n");
	CHECK(verify_str(&cp, bad, NULL, &v, 1) == CH_ERR_INTEGRITY);
	free(bad);
	/* Malformed: leading zero in the size, no blank line, a control character, a hyphen
	 * instead of the em dash, missing final newline, a bad root line. */
	bad = replace(cp_text, "\n300\n", "\n0300\n");
	CHECK(verify_str(&cp, bad, NULL, &v, 1) == CH_ERR_PARSE);
	free(bad);
	bad = replace(cp_text, "\n\n", "\n");
	CHECK(verify_str(&cp, bad, NULL, &v, 1) == CH_ERR_PARSE);
	free(bad);
	bad = replace(cp_text, "rome2026h1.example.org\n", "rome2026h1.example.org\t\n");
	CHECK(verify_str(&cp, bad, NULL, &v, 1) == CH_ERR_PARSE);
	free(bad);
	bad = replace(cp_text, "\xe2\x80\x94 ", "- ");
	CHECK(verify_str(&cp, bad, NULL, &v, 1) == CH_ERR_PARSE);
	free(bad);
	CHECK(ch_checkpoint_verify(&cp, cp_text, strlen(cp_text) - 1, NULL, &v, 1) == CH_ERR_PARSE);
	bad = replace(cp_text, "2v0=\n", "2v=\n");
	CHECK(verify_str(&cp, bad, NULL, &v, 1) == CH_ERR_PARSE);
	free(bad);
	bad = replace(cp_text, "\xe2\x80\x94", "\xe2\x80");
	CHECK(verify_str(&cp, bad, NULL, &v, 1) == CH_ERR_PARSE);
	free(bad);

	/* The witness's own Ed25519 key cannot be a type-0x04 key here, but vkeys must parse. */
	CHECK(ch_note_vkey_parse(&wv, &ed, "witness.example.org+b8a2cf20+BFLN3yikSfFkVAJtrnh/CiY3Zo"
				 "zkoy7clp+P7XB28qUN") == CH_ERR_PARSE); /* type 0x04, not 0x01 */
out:
	free(cp_text);
	free(cosigned);
	ch_ct_key_free(key);
	ch_ct_key_free(ed);
}

static void test_tessera_ed25519(void)
{
	size_t len;
	char *vkey = rd("static-ct/internal/client/testdata/log.vkey", &len);
	ch_note_verifier v;
	ch_ct_key *key = NULL;
	unsigned ok = 0;

	if (!vkey)
		return;
	while (len && (vkey[len - 1] == '\n'))
		vkey[--len] = '\0';
	CHECK(ch_note_vkey_parse(&v, &key, vkey) == CH_OK);
	CHECK_STR(v.name, "example.com/log/testdata");
	CHECK(v.key_id == 0x33d7b496u);
	for (int i = 0; i <= 16 && key; i++) {
		char rel[256], *text, *bundle;
		size_t tl, bl;
		ch_checkpoint cp;
		ch_merkle_range r;
		ch_bytes cur, entry;
		uint8_t lh[32], root[32];

		if (i == 16)
			snprintf(rel, sizeof rel, "static-ct/internal/client/testdata/log/checkpoint");
		else
			snprintf(rel, sizeof rel, "static-ct/internal/client/testdata/log/checkpoint.%d", i);
		if (!(text = rd(rel, &tl)))
			continue;
		CHECK(ch_checkpoint_verify(&cp, text, tl, "example.com/log/testdata", &v, 1) == CH_OK);
		CHECK(!cp.has_sth);
		/* Recompute the root from the entry bundle of that size. */
		snprintf(rel, sizeof rel, "static-ct/internal/client/testdata/log/tile/entries/000.p/%llu",
			 (unsigned long long)cp.size);
		bundle = rd(rel, &bl);
		if (bundle) {
			ch_merkle_range_init(&r);
			cur.data = (uint8_t *)bundle;
			cur.len = bl;
			while (cur.len > 0 && ch_ct_bundle_next(&entry, &cur) == CH_OK) {
				CHECK(ch_merkle_leaf_hash(H, lh, entry.data, entry.len) == CH_OK);
				CHECK(ch_merkle_range_append(&r, H, lh) == CH_OK);
			}
			CHECK(cur.len == 0 && r.size == cp.size);
			CHECK(ch_merkle_range_root(&r, H, root) == CH_OK);
			CHECK(memcmp(root, cp.root, 32) == 0);
			ok++;
		}
		/* Flip one signature character: Ed25519 must reject. */
		text[tl - 6] = text[tl - 6] == 'A' ? 'B' : 'A';
		CHECK(ch_checkpoint_verify(&cp, text, tl, NULL, &v, 1) == CH_ERR_INTEGRITY);
		free(text);
		free(bundle);
	}
	CHECK(ok >= 15);
	ch_ct_key_free(key);
	free(vkey);
}

int main(void)
{
	char p[1024];
	FILE *f;

	shared = ch_test_shared_dir();
	if (!shared)
		return ch_test_skip("../shared is absent");
	snprintf(p, sizeof p, "%s/corpus/ct/README.txt", shared);
	if (!(f = fopen(p, "r")))
		return ch_test_skip("../shared/corpus/ct is absent");
	fclose(f);
	if (ch_hash_new(&H) != CH_OK)
		return 1;
	test_sunlight();
	test_tessera_ed25519();
	ch_hash_free(H);
	return ch_test_done("ct_note");
}
