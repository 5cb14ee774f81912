/* Fuzz target: a checkpoint note checked against an RFC 6962 verifier and an Ed25519 one (the public
 * halves of throw-away keys that signed the seed corpus, so the seeds reach verification). */
#include <certhound/note.h>

#include <string.h>

static const char ec_key[] = "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE85XSU9ZqUzdE9AOFRH+ohYtHw22tCzVI"
			     "SFQ5RGF/QmN2nw/Y4BBx1XEgeFKwso97oHWctUzBuzl73Rmby7q24w==";

/* ignore drops a result on purpose: the target only looks for crashes. */
static void ignore(ch_err e)
{
	(void)e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static ch_ct_key *key, *ed;
	static ch_note_verifier v[2];
	static const uint8_t ed_pub[32] = {
		73, 123, 251, 231, 178, 61, 249, 45, 37, 0, 180, 19, 187, 22, 134, 102,
		183, 220, 191, 150, 126, 87, 241, 111, 62, 204, 140, 220, 93, 245, 224, 230};
	ch_checkpoint cp;

	if (!key) {
		if (ch_ct_key_parse(&key, ec_key, strlen(ec_key)) != CH_OK ||
		    ch_note_verifier_rfc6962(&v[0], "fuzz.example/log", key) != CH_OK)
			return 0;
		if (ch_ct_key_from_ed25519(&ed, ed_pub) == CH_OK)
			ignore(ch_note_verifier_ed25519(&v[1], "fuzz.example/log", ed));
	}
	ignore(ch_checkpoint_verify(&cp, (const char *)data, size, NULL, v, ed ? 2 : 1));
	return 0;
}
