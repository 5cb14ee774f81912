/* RFC 6962 §4 JSON responses: get-sth, get-proof-by-hash, get-sth-consistency, get-entries,
 * get-roots. Bodies are bounded by CH_CT_MAX_JSON; every base64 field is bounded too. */
#include <certhound/ct.h>

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* load parses a bounded JSON object. */
static ch_err load(json_t **out, const char *json, size_t len, const char *what)
{
	json_error_t jerr;

	*out = NULL;
	if (len > CH_CT_MAX_JSON)
		return ch_error_set(CH_ERR_LIMIT, "%s: response of %zu bytes exceeds %u", what, len,
				    CH_CT_MAX_JSON);
	*out = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!*out)
		return ch_error_set(CH_ERR_PARSE, "%s: bad JSON at line %d: %s", what, jerr.line,
				    jerr.text);
	if (!json_is_object(*out)) {
		json_decref(*out);
		*out = NULL;
		return ch_error_set(CH_ERR_PARSE, "%s: not a JSON object", what);
	}
	return CH_OK;
}

/* get_u64 reads a non-negative integer member. */
static ch_err get_u64(uint64_t *out, json_t *o, const char *key, const char *what)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v) || json_integer_value(v) < 0)
		return ch_error_set(CH_ERR_PARSE, "%s: \"%s\" is missing or not a non-negative integer",
				    what, key);
	*out = (uint64_t)json_integer_value(v);
	return CH_OK;
}

/* b64_fixed decodes a base64 string of exactly n bytes. */
static ch_err b64_fixed(uint8_t *out, size_t n, json_t *v, const char *key, const char *what)
{
	uint8_t tmp[CH_CT_MAX_SIG + 4];
	const char *s = json_string_value(v);
	long got;

	if (!s)
		return ch_error_set(CH_ERR_PARSE, "%s: \"%s\" is missing or not a string", what, key);
	got = ch_base64_decode(tmp, sizeof tmp, s, json_string_length(v));
	if (got != (long)n)
		return ch_error_set(CH_ERR_PARSE, "%s: \"%s\" is not base64 of %zu bytes", what, key,
				    n);
	memcpy(out, tmp, n);
	return CH_OK;
}

ch_err ch_ct_sth_parse_json(ch_ct_sth *out, const char *json, size_t len)
{
	static const char what[] = "get-sth";
	json_t *o = NULL, *sig;
	long n;
	ch_err err;

	memset(out, 0, sizeof *out);
	CH_TRY(load(&o, json, len, what));
	CH_TRY(get_u64(&out->tree_size, o, "tree_size", what));
	CH_TRY(get_u64(&out->timestamp, o, "timestamp", what));
	CH_TRY(b64_fixed(out->root, 32, json_object_get(o, "sha256_root_hash"), "sha256_root_hash",
			 what));
	sig = json_object_get(o, "tree_head_signature");
	if (!json_is_string(sig)) {
		err = ch_error_set(CH_ERR_PARSE, "%s: \"tree_head_signature\" missing", what);
		goto out;
	}
	if (json_string_length(sig) > 4 * (CH_CT_MAX_SIG / 3)) {
		err = ch_error_set(CH_ERR_LIMIT, "%s: tree_head_signature is too long", what);
		goto out;
	}
	n = ch_base64_decode(out->sig, sizeof out->sig, json_string_value(sig),
			     json_string_length(sig));
	if (n < 4) {
		err = ch_error_set(CH_ERR_PARSE, "%s: tree_head_signature is not base64", what);
		goto out;
	}
	out->sig_len = (size_t)n;
out:
	json_decref(o);
	return err;
}

ch_err ch_ct_proof_parse_json(ch_ct_proof *out, const char *json, size_t len)
{
	static const char what[] = "proof";
	json_t *o = NULL, *arr, *v;
	const char *key = "audit_path";
	size_t i;
	ch_err err;

	memset(out, 0, sizeof *out);
	CH_TRY(load(&o, json, len, what));
	arr = json_object_get(o, key);
	if (arr)
		CH_TRY(get_u64(&out->leaf_index, o, "leaf_index", what));
	else
		arr = json_object_get(o, key = "consistency");
	if (!json_is_array(arr)) {
		err = ch_error_set(CH_ERR_PARSE, "%s: neither \"audit_path\" nor \"consistency\"", what);
		goto out;
	}
	if (json_array_size(arr) > 64) {
		err = ch_error_set(CH_ERR_LIMIT, "%s: %zu hashes is more than any tree needs", what,
				   json_array_size(arr));
		goto out;
	}
	json_array_foreach(arr, i, v)
		CH_TRY(b64_fixed(out->hashes[i], 32, v, key, what));
	out->num_hashes = json_array_size(arr);
out:
	json_decref(o);
	return err;
}

/* b64_into decodes a base64 JSON string onto the end of buf (already reserved) and returns the
 * view of the decoded bytes. */
static ch_err b64_into(ch_bytes *view, uint8_t *buf, size_t *used, size_t cap, json_t *v,
		       const char *key, size_t i)
{
	const char *s = json_string_value(v);
	long n;

	if (!s)
		return ch_error_set(CH_ERR_PARSE, "get-entries: entry %zu: \"%s\" missing", i, key);
	n = ch_base64_decode(buf + *used, cap - *used, s, json_string_length(v));
	if (n < 0)
		return ch_error_set(CH_ERR_PARSE, "get-entries: entry %zu: \"%s\" is not base64", i,
				    key);
	view->data = buf + *used;
	view->len = (size_t)n;
	*used += (size_t)n;
	return CH_OK;
}

void ch_ct_entries_free(ch_ct_entries *e)
{
	if (!e)
		return;
	free(e->leaf_input);
	free(e->extra_data);
	free(e->data);
	memset(e, 0, sizeof *e);
}

/* ---- get-entries fast path ----------------------------------------------------------------
 * A get-entries body is megabytes of base64 in JSON strings, and a general JSON parser spends
 * most of a sync copying and checking them. The fast path reads only the strict shape
 * {"entries":[{"leaf_input":"B64","extra_data":"B64"},...]} (any whitespace, either member
 * order, no escapes) and decodes the base64 straight into the output; anything else - other
 * members, escapes, bad base64, a limit - makes it give up, and the jansson path decides. */
typedef struct fscan {
	const char *p, *end;
} fscan;

static void fs_ws(fscan *f)
{
	while (f->p < f->end && (*f->p == ' ' || *f->p == '\n' || *f->p == '\r' || *f->p == '\t'))
		f->p++;
}

static bool fs_lit(fscan *f, char c)
{
	fs_ws(f);
	if (f->p < f->end && *f->p == c) {
		f->p++;
		return true;
	}
	return false;
}

static bool fs_str(fscan *f, const char **s, size_t *n)
{
	const char *q;

	fs_ws(f);
	if (f->p >= f->end || *f->p != '"')
		return false;
	q = memchr(f->p + 1, '"', (size_t)(f->end - f->p - 1));
	if (!q || memchr(f->p + 1, '\\', (size_t)(q - f->p - 1)))
		return false;
	*s = f->p + 1;
	*n = (size_t)(q - f->p - 1);
	f->p = q + 1;
	return true;
}

static bool fs_key(fscan *f, const char *key)
{
	const char *s;
	size_t n;

	return fs_str(f, &s, &n) && n == strlen(key) && !memcmp(s, key, n) && fs_lit(f, ':');
}

static bool entries_fast(ch_ct_entries *out, const char *json, size_t len)
{
	fscan f = {json, json + len};
	size_t cap_items = 0, used = 0, n = 0;

	if (!fs_lit(&f, '{') || !fs_key(&f, "entries") || !fs_lit(&f, '['))
		return false;
	/* Decoded base64 is shorter than its text: the body length bounds the data. */
	if (!(out->data = malloc(len ? len : 1)))
		return false;
	if (!fs_lit(&f, ']')) {
		do {
			ch_bytes *v[2] = {NULL, NULL};
			if (n == CH_CT_MAX_ENTRIES || !fs_lit(&f, '{'))
				return false;
			if (n == cap_items) {
				size_t c = cap_items ? cap_items * 2 : 1024;
				ch_bytes *a = realloc(out->leaf_input, c * sizeof *a);
				ch_bytes *b;
				if (!a)
					return false;
				out->leaf_input = a;
				if (!(b = realloc(out->extra_data, c * sizeof *b)))
					return false;
				out->extra_data = b;
				cap_items = c;
			}
			for (int m = 0; m < 2; m++) {
				const char *k, *s;
				size_t kn, sn;
				long d;
				int which;
				if ((m && !fs_lit(&f, ',')) || !fs_str(&f, &k, &kn) || !fs_lit(&f, ':'))
					return false;
				if (kn == 10 && !memcmp(k, "leaf_input", 10))
					which = 0;
				else if (kn == 10 && !memcmp(k, "extra_data", 10))
					which = 1;
				else
					return false;
				if (v[which] || !fs_str(&f, &s, &sn))
					return false;
				v[which] = which ? &out->extra_data[n] : &out->leaf_input[n];
				d = ch_base64_decode(out->data + used, len - used, s, sn);
				if (d < 0)
					return false;
				v[which]->data = out->data + used;
				v[which]->len = (size_t)d;
				used += (size_t)d;
			}
			if (!fs_lit(&f, '}'))
				return false;
			n++;
		} while (fs_lit(&f, ','));
		if (!fs_lit(&f, ']'))
			return false;
	}
	if (!fs_lit(&f, '}'))
		return false;
	fs_ws(&f);
	if (f.p != f.end)
		return false;
	out->num = n;
	return true;
}

ch_err ch_ct_entries_parse_json(ch_ct_entries *out, const char *json, size_t len)
{
	json_t *o = NULL, *arr, *v;
	size_t i, cap = 0, used = 0, n;
	ch_err err;

	memset(out, 0, sizeof *out);
	if (json && entries_fast(out, json, len))
		return CH_OK;
	ch_ct_entries_free(out);
	CH_TRY(load(&o, json, len, "get-entries"));
	arr = json_object_get(o, "entries");
	if (!json_is_array(arr)) {
		err = ch_error_set(CH_ERR_PARSE, "get-entries: \"entries\" is not an array");
		goto out;
	}
	n = json_array_size(arr);
	if (n > CH_CT_MAX_ENTRIES) {
		err = ch_error_set(CH_ERR_LIMIT, "get-entries: %zu entries exceeds %u", n,
				   CH_CT_MAX_ENTRIES);
		goto out;
	}
	/* Decoded base64 is never longer than 3/4 of its text, so the body length bounds it. */
	json_array_foreach(arr, i, v) {
		cap += json_string_length(json_object_get(v, "leaf_input")) / 4 * 3 + 3;
		cap += json_string_length(json_object_get(v, "extra_data")) / 4 * 3 + 3;
	}
	out->data = malloc(cap ? cap : 1);
	out->leaf_input = calloc(n ? n : 1, sizeof *out->leaf_input);
	out->extra_data = calloc(n ? n : 1, sizeof *out->extra_data);
	if (!out->data || !out->leaf_input || !out->extra_data) {
		err = ch_error_set(CH_ERR_NOMEM, "out of memory");
		goto out;
	}
	json_array_foreach(arr, i, v) {
		if (!json_is_object(v)) {
			err = ch_error_set(CH_ERR_PARSE, "get-entries: entry %zu is not an object", i);
			goto out;
		}
		CH_TRY(b64_into(&out->leaf_input[i], out->data, &used, cap,
				json_object_get(v, "leaf_input"), "leaf_input", i));
		CH_TRY(b64_into(&out->extra_data[i], out->data, &used, cap,
				json_object_get(v, "extra_data"), "extra_data", i));
	}
	out->num = n;
out:
	json_decref(o);
	if (err)
		ch_ct_entries_free(out);
	return err;
}

ch_err ch_ct_roots_parse_json(ch_buf *out, ch_bytes **out_certs, size_t *out_num,
			      const char *json, size_t len)
{
	json_t *o = NULL, *arr, *v;
	size_t i, start = out->len, *lens = NULL;
	ch_bytes *certs = NULL;
	ch_err err;

	*out_certs = NULL;
	*out_num = 0;
	CH_TRY(load(&o, json, len, "get-roots"));
	arr = json_object_get(o, "certificates");
	if (!json_is_array(arr)) {
		err = ch_error_set(CH_ERR_PARSE, "get-roots: \"certificates\" is not an array");
		goto out;
	}
	certs = calloc(json_array_size(arr) + 1, sizeof *certs);
	lens = calloc(json_array_size(arr) + 1, sizeof *lens);
	if (!certs || !lens) {
		err = ch_error_set(CH_ERR_NOMEM, "out of memory");
		goto out;
	}
	json_array_foreach(arr, i, v) {
		size_t tl = json_string_length(v), room = tl / 4 * 3 + 3;
		long n;

		if (!json_is_string(v) || tl > CH_CT_MAX_CERT * 2) {
			err = ch_error_set(CH_ERR_PARSE, "get-roots: certificate %zu is not a string of "
					   "plausible size", i);
			goto out;
		}
		CH_TRY(ch_buf_reserve(out, room));
		n = ch_base64_decode((uint8_t *)out->data + out->len, room, json_string_value(v), tl);
		if (n <= 0) {
			err = ch_error_set(CH_ERR_PARSE, "get-roots: certificate %zu is not base64", i);
			goto out;
		}
		out->len += (size_t)n;
		lens[i] = (size_t)n;
	}
	/* Views are made at the end: the buffer may have moved while growing. */
	for (size_t k = 0, off = start; k < json_array_size(arr); off += lens[k], k++) {
		certs[k].data = (const uint8_t *)out->data + off;
		certs[k].len = lens[k];
	}
	*out_num = json_array_size(arr);
	*out_certs = certs;
	certs = NULL;
out:
	free(certs);
	free(lens);
	json_decref(o);
	return err;
}
