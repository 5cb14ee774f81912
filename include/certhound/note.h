/* certhound/note.h — C2SP signed notes (c2sp.org/signed-note) and checkpoints
 * (c2sp.org/tlog-checkpoint), as served by static-ct-api logs at <monitoring prefix>/checkpoint.
 *
 * A note is text, a blank line, and signature lines "— <key name> base64(key ID || sig)". A
 * verifier is a (key name, key ID, signature type, key) tuple; signatures whose (name, ID) pair
 * matches no verifier are ignored, a matching signature that fails rejects the whole note, and
 * a note with no verified signature is rejected. */
#ifndef CERTHOUND_NOTE_H
#define CERTHOUND_NOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <certhound/ct.h>
#include <certhound/err.h>

#define CH_NOTE_MAX (64u * 1024)  /* bytes of one note */
#define CH_NOTE_MAX_SIGS 64       /* signature lines in one note (the spec asks for >= 16) */
#define CH_NOTE_MAX_NAME 256      /* bytes of a key name or origin line */

/* Signature type identifier bytes (signed-note "Signature types"). */
#define CH_NOTE_SIG_ED25519 0x01
#define CH_NOTE_SIG_RFC6962 0x05

/* A key that may have signed a note. The key is borrowed, not owned. */
typedef struct ch_note_verifier {
	char name[CH_NOTE_MAX_NAME];
	uint32_t key_id;
	uint8_t type;               /* CH_NOTE_SIG_* */
	const ch_ct_key *key;
} ch_note_verifier;

/* ch_note_verifier_rfc6962 makes the verifier of a static-ct-api log: key name = the origin,
 * key ID = SHA-256(name || 0x0A || 0x05 || LogID)[:4] (static-ct-api "Checkpoints"). The key
 * must be an RFC 6962 (ECDSA or RSA) log key. */
ch_err ch_note_verifier_rfc6962(ch_note_verifier *out, const char *name,
				const ch_ct_key *key) CH_WARN_UNUSED;

/* ch_note_verifier_ed25519 makes an Ed25519 verifier: key ID = SHA-256(name || 0x0A || 0x01 ||
 * 32-byte key)[:4]. */
ch_err ch_note_verifier_ed25519(ch_note_verifier *out, const char *name,
				const ch_ct_key *key) CH_WARN_UNUSED;

/* ch_note_vkey_parse reads a verifier key string "<name>+<hex key ID>+<base64(type || key)>"
 * (Ed25519 only), returning the key in *out_key (owned by the caller: ch_ct_key_free) and the
 * verifier in *out (which borrows *out_key). The key ID must match the one computed. */
ch_err ch_note_vkey_parse(ch_note_verifier *out, ch_ct_key **out_key,
			  const char *vkey) CH_WARN_UNUSED;

/* A parsed checkpoint whose signature verified. */
typedef struct ch_checkpoint {
	char origin[CH_NOTE_MAX_NAME];
	uint64_t size;
	uint8_t root[32];
	size_t num_extensions;     /* extension lines after the root hash */
	bool has_sth;              /* verified by an RFC6962NoteSignature: sth is filled */
	ch_ct_sth sth;             /* tree_size, timestamp, root and the DigitallySigned */
	unsigned num_verified;     /* signatures by known keys that verified */
} ch_checkpoint;

/* ch_checkpoint_verify parses a checkpoint note in data[0..len) and verifies it against the
 * given verifiers: the origin line must equal `origin` (when not NULL), at least one signature
 * by a known key must verify, and none by a known key may fail. RFC6962NoteSignature
 * (type 0x05) signatures cover the TreeHeadSignature of (timestamp, size, root) and forbid
 * extension lines. On success *out holds the checkpoint; otherwise CH_ERR_PARSE (malformed
 * note) or CH_ERR_INTEGRITY (wrong origin, bad or missing signature) with the reason. */
ch_err ch_checkpoint_verify(ch_checkpoint *out, const char *data, size_t len, const char *origin,
			    const ch_note_verifier *verifiers, size_t num_verifiers) CH_WARN_UNUSED;

/* ch_checkpoint_format writes the note text of a checkpoint ("origin\nsize\nbase64 root\n")
 * into out (appending). */
ch_err ch_checkpoint_format(ch_buf *out, const char *origin, uint64_t size,
			    const uint8_t root[32]) CH_WARN_UNUSED;

#endif
