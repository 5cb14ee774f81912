/* C2SP signed notes and checkpoints: parsing, key IDs, and signature verification. */
#include <certhound/note.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "internal.h"

#define SIG_MAX 8192 /* decoded bytes of one note signature (post-quantum ones reach ~5 kB) */

static const char em_dash_space[] = "\xe2\x80\x94 "; /* U+2014 then U+0020 */

/* key_id computes SHA-256(name || 0x0A || type || key)[:4] as a big-endian uint32. */
static ch_err key_id(uint32_t *out, const char *name, uint8_t type, const uint8_t *key,
		     size_t key_len)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	uint8_t nl = 0x0a, d[32];
	ch_err err = CH_OK;

	if (!ctx || !EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) ||
	    !EVP_DigestUpdate(ctx, name, strlen(name)) || !EVP_DigestUpdate(ctx, &nl, 1) ||
	    !EVP_DigestUpdate(ctx, &type, 1) || !EVP_DigestUpdate(ctx, key, key_len) ||
	    !EVP_DigestFinal_ex(ctx, d, NULL))
		err = ch_error_set(CH_ERR_NOMEM, "note: SHA-256 failed");
	else
		*out = (uint32_t)d[0] << 24 | (uint32_t)d[1] << 16 | (uint32_t)d[2] << 8 | d[3];
	EVP_MD_CTX_free(ctx);
	return err;
}

/* valid_name: non-empty, no spaces (ASCII or the Unicode ones we can see as bytes) and no '+'. */
static bool valid_name(const char *s, size_t n)
{
	if (n == 0 || n >= CH_NOTE_MAX_NAME)
		return false;
	for (size_t i = 0; i < n; i++)
		if (s[i] == ' ' || s[i] == '+' || (unsigned char)s[i] < 0x20)
			return false;
	return true;
}

static ch_err set_name(ch_note_verifier *out, const char *name)
{
	if (!name || !valid_name(name, strlen(name)))
		return ch_error_set(CH_ERR_INVALID, "note: key name \"%s\" is empty, too long or "
				    "contains a space or '+'", name ? name : "");
	memcpy(out->name, name, strlen(name) + 1);
	return CH_OK;
}

ch_err ch_note_verifier_rfc6962(ch_note_verifier *out, const char *name, const ch_ct_key *key)
{
	ch_err err;

	memset(out, 0, sizeof *out);
	if (ch_ct_key_type_of(key) == CH_CT_KEY_ED25519)
		return ch_error_set(CH_ERR_INVALID, "note: an Ed25519 key cannot make RFC 6962 "
				    "signatures");
	CH_TRY(set_name(out, name));
	out->type = CH_NOTE_SIG_RFC6962;
	out->key = key;
	CH_TRY(key_id(&out->key_id, name, CH_NOTE_SIG_RFC6962, ch_ct_key_log_id(key), 32));
out:
	return err;
}

ch_err ch_note_verifier_ed25519(ch_note_verifier *out, const char *name, const ch_ct_key *key)
{
	uint8_t raw[32];
	ch_err err;

	memset(out, 0, sizeof *out);
	if (!ch_ct_key_raw_ed25519(key, raw))
		return ch_error_set(CH_ERR_INVALID, "note: not an Ed25519 key");
	CH_TRY(set_name(out, name));
	out->type = CH_NOTE_SIG_ED25519;
	out->key = key;
	CH_TRY(key_id(&out->key_id, name, CH_NOTE_SIG_ED25519, raw, 32));
out:
	return err;
}

ch_err ch_note_vkey_parse(ch_note_verifier *out, ch_ct_key **out_key, const char *vkey)
{
	const char *p1 = strchr(vkey, '+'), *p2 = p1 ? strchr(p1 + 1, '+') : NULL;
	char name[CH_NOTE_MAX_NAME];
	uint8_t id[4], raw[64];
	long n;
	uint32_t want;
	ch_err err = CH_OK;

	*out_key = NULL;
	memset(out, 0, sizeof *out);
	if (!p1 || !p2 || (size_t)(p1 - vkey) >= sizeof name || p2 - p1 != 9 ||
	    ch_hex_decode(id, sizeof id, p1 + 1, 8) != 4)
		return ch_error_set(CH_ERR_PARSE, "vkey: not \"name+hexid+base64key\"");
	memcpy(name, vkey, (size_t)(p1 - vkey));
	name[p1 - vkey] = '\0';
	n = ch_base64_decode(raw, sizeof raw, p2 + 1, strlen(p2 + 1));
	if (n != 33 || raw[0] != CH_NOTE_SIG_ED25519)
		return ch_error_set(CH_ERR_PARSE, "vkey: only Ed25519 keys (type 0x01, 32 bytes) "
				    "are supported");
	CH_TRY(ch_ct_key_from_ed25519(out_key, raw + 1));
	CH_TRY(ch_note_verifier_ed25519(out, name, *out_key));
	want = (uint32_t)id[0] << 24 | (uint32_t)id[1] << 16 | (uint32_t)id[2] << 8 | id[3];
	if (want != out->key_id)
		err = ch_error_set(CH_ERR_PARSE, "vkey: key ID %08x does not match the key (%08x)",
				   want, out->key_id);
out:
	if (err) {
		ch_ct_key_free(*out_key);
		*out_key = NULL;
	}
	return err;
}

/* check_text: valid UTF-8, no control characters but newline (signed-note "Format"). */
static ch_err check_text(const uint8_t *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint8_t c = s[i];
		size_t k;
		uint32_t cp;

		if (c < 0x80) {
			if ((c < 0x20 && c != '\n') || c == 0x7f)
				return ch_error_set(CH_ERR_PARSE, "note: control character at byte %zu",
						    i);
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			k = 1, cp = c & 0x1f;
		else if (c >= 0xe0 && c <= 0xef)
			k = 2, cp = c & 0x0f;
		else if (c >= 0xf0 && c <= 0xf4)
			k = 3, cp = c & 0x07;
		else
			return ch_error_set(CH_ERR_PARSE, "note: invalid UTF-8 at byte %zu", i);
		if (i + k >= n)
			return ch_error_set(CH_ERR_PARSE, "note: truncated UTF-8 at byte %zu", i);
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return ch_error_set(CH_ERR_PARSE, "note: invalid UTF-8 at byte %zu", i);
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if ((k == 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
		    (k == 3 && (cp < 0x10000 || cp > 0x10ffff)))
			return ch_error_set(CH_ERR_PARSE, "note: invalid UTF-8 at byte %zu", i);
		i += k + 1;
	}
	return CH_OK;
}

/* parse_body reads the checkpoint lines of the note text: origin, size, root, extensions. */
static ch_err parse_body(ch_checkpoint *out, const char *text, size_t len)
{
	const char *line = text, *end = text + len, *nl;
	char b64[64];
	unsigned idx = 0;
	long n;

	for (; line < end; line = nl + 1, idx++) {
		size_t ll;

		nl = memchr(line, '\n', (size_t)(end - line));
		ll = (size_t)(nl - line);
		if (ll == 0)
			return ch_error_set(CH_ERR_PARSE, "checkpoint: empty line %u", idx + 1);
		if (idx == 0) {
			if (ll >= sizeof out->origin)
				return ch_error_set(CH_ERR_PARSE, "checkpoint: origin line too long");
			memcpy(out->origin, line, ll);
			out->origin[ll] = '\0';
		} else if (idx == 1) {
			uint64_t v = 0;
			if (ll > 20 || (line[0] == '0' && ll > 1))
				return ch_error_set(CH_ERR_PARSE, "checkpoint: bad tree size line");
			for (size_t i = 0; i < ll; i++) {
				if (line[i] < '0' || line[i] > '9' ||
				    v > (UINT64_MAX - (uint64_t)(line[i] - '0')) / 10)
					return ch_error_set(CH_ERR_PARSE,
							    "checkpoint: bad tree size line");
				v = v * 10 + (uint64_t)(line[i] - '0');
			}
			out->size = v;
		} else if (idx == 2) {
			if (ll >= sizeof b64)
				return ch_error_set(CH_ERR_PARSE, "checkpoint: bad root hash line");
			memcpy(b64, line, ll);
			n = ch_base64_decode(out->root, sizeof out->root, b64, ll);
			if (n != 32 || ll != 44)
				return ch_error_set(CH_ERR_PARSE,
						    "checkpoint: root hash is not base64 of 32 bytes");
		} else {
			out->num_extensions++;
		}
	}
	if (idx < 3)
		return ch_error_set(CH_ERR_PARSE, "checkpoint: %u lines where at least 3 are needed",
				    idx);
	return CH_OK;
}

/* verify_one checks one signature by a known key over the note. */
static ch_err verify_one(ch_checkpoint *cp, const ch_note_verifier *v, const char *text,
			 size_t text_len, const uint8_t *sig, size_t sig_len)
{
	ch_ct_sth sth;
	uint8_t msg[CH_CT_STH_SIGNED_LEN];
	ch_tls t = {sig, sig_len};
	ch_err err;

	if (v->type == CH_NOTE_SIG_ED25519)
		return ch_ct_verify_ed25519(v->key, (const uint8_t *)text, text_len, sig, sig_len);
	if (v->type != CH_NOTE_SIG_RFC6962)
		return ch_error_set(CH_ERR_INTEGRITY, "unsupported signature type %u", v->type);
	/* RFC6962NoteSignature: uint64 timestamp, then the DigitallySigned TreeHeadSignature. */
	if (cp->num_extensions)
		return ch_error_set(CH_ERR_INTEGRITY, "an RFC 6962 signed checkpoint must not have "
				    "extension lines");
	memset(&sth, 0, sizeof sth);
	if (!ch_tls_uint(&t, 8, &sth.timestamp) || t.len > sizeof sth.sig)
		return ch_error_set(CH_ERR_PARSE, "RFC6962NoteSignature: bad length");
	sth.tree_size = cp->size;
	memcpy(sth.root, cp->root, 32);
	memcpy(sth.sig, t.p, t.len);
	sth.sig_len = t.len;
	ch_ct_sth_signed_data(msg, &sth);
	err = ch_ct_verify_digitally_signed(v->key, msg, sizeof msg, sth.sig, sth.sig_len);
	if (err == CH_OK) {
		cp->sth = sth;
		cp->has_sth = true;
	}
	return err;
}

/* check_sig_line decodes "— name base64\n" and verifies it if a verifier knows the key. */
static ch_err check_sig_line(ch_checkpoint *cp, const char *line, size_t ll, const char *text,
			     size_t text_len, const ch_note_verifier *vs, size_t nv, unsigned lineno)
{
	const char *name, *sp;
	size_t name_len;
	uint8_t *raw = NULL;
	uint32_t id;
	long n;
	ch_err err = CH_OK;

	if (ll < sizeof em_dash_space || memcmp(line, em_dash_space, sizeof em_dash_space - 1))
		return ch_error_set(CH_ERR_PARSE, "note: signature line %u does not start with "
				    "an em dash and a space", lineno);
	name = line + sizeof em_dash_space - 1;
	sp = memchr(name, ' ', ll - (size_t)(name - line));
	if (!sp || !valid_name(name, (size_t)(sp - name)) ||
	    memchr(sp + 1, ' ', ll - (size_t)(sp + 1 - line)))
		return ch_error_set(CH_ERR_PARSE, "note: signature line %u: bad key name", lineno);
	name_len = (size_t)(sp - name);
	if (ll - (size_t)(sp + 1 - line) > SIG_MAX * 4 / 3 + 4)
		return ch_error_set(CH_ERR_LIMIT, "note: signature line %u is too long", lineno);
	if (!(raw = malloc(SIG_MAX + 4)))
		return ch_error_set(CH_ERR_NOMEM, "out of memory");
	n = ch_base64_decode(raw, SIG_MAX + 4, sp + 1, ll - (size_t)(sp + 1 - line));
	if (n < 5) {
		err = ch_error_set(CH_ERR_PARSE, "note: signature line %u is not base64 of a key ID "
				   "and a signature", lineno);
		goto out;
	}
	id = (uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 | (uint32_t)raw[2] << 8 | raw[3];
	for (size_t i = 0; i < nv; i++) {
		if (vs[i].key_id != id || strlen(vs[i].name) != name_len ||
		    memcmp(vs[i].name, name, name_len) != 0)
			continue;
		err = verify_one(cp, &vs[i], text, text_len, raw + 4, (size_t)n - 4);
		if (err) {
			ch_error_prefix(CH_ERR_INTEGRITY, "checkpoint signature by %s (key ID %08x)",
					vs[i].name, id);
			err = CH_ERR_INTEGRITY;
			goto out;
		}
		cp->num_verified++;
	}
out:
	free(raw);
	return err;
}

ch_err ch_checkpoint_verify(ch_checkpoint *out, const char *data, size_t len, const char *origin,
			    const ch_note_verifier *verifiers, size_t num_verifiers)
{
	const char *sep = NULL, *line, *end = data + len, *nl;
	size_t text_len;
	unsigned lineno = 0;
	ch_err err = CH_OK;

	memset(out, 0, sizeof *out);
	if (len > CH_NOTE_MAX)
		return ch_error_set(CH_ERR_LIMIT, "note: %zu bytes exceeds %u", len, CH_NOTE_MAX);
	if (len == 0 || data[len - 1] != '\n')
		return ch_error_set(CH_ERR_PARSE, "note: does not end with a newline");
	CH_TRY(check_text((const uint8_t *)data, len));
	/* The text is separated from the signatures by the last empty line. */
	for (size_t i = len - 1; i-- > 0;)
		if (data[i] == '\n' && data[i + 1] == '\n') {
			sep = data + i;
			break;
		}
	if (!sep || sep + 2 >= end)
		return ch_error_set(CH_ERR_PARSE, "note: no blank line followed by signatures");
	text_len = (size_t)(sep - data) + 1;
	CH_TRY(parse_body(out, data, text_len));
	if (origin && strcmp(out->origin, origin) != 0)
		return ch_error_set(CH_ERR_INTEGRITY, "checkpoint: origin \"%s\" is not the log's "
				    "\"%s\"", out->origin, origin);
	for (line = sep + 2; line < end; line = nl + 1) {
		if (++lineno > CH_NOTE_MAX_SIGS)
			return ch_error_set(CH_ERR_LIMIT, "note: more than %u signatures",
					    CH_NOTE_MAX_SIGS);
		nl = memchr(line, '\n', (size_t)(end - line));
		CH_TRY(check_sig_line(out, line, (size_t)(nl - line), data, text_len, verifiers,
				      num_verifiers, lineno));
	}
	if (out->num_verified == 0)
		err = ch_error_set(CH_ERR_INTEGRITY, "checkpoint for %s: no signature by a known key",
				   out->origin);
out:
	return err;
}

ch_err ch_checkpoint_format(ch_buf *out, const char *origin, uint64_t size, const uint8_t root[32])
{
	char b64[48];

	ch_base64_encode(b64, root, 32);
	return ch_buf_printf(out, "%s\n%llu\n%s\n", origin, (unsigned long long)size, b64);
}
