/* static-ct-api / tlog-tiles: tile paths, hash tiles, TileLeaf data tiles, gzip bodies. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#include <zlib.h>

size_t ch_ct_tile_path(char out[CH_CT_TILE_PATH_MAX], const char *kind, uint64_t n,
		       unsigned width)
{
	char groups[8][5];
	int ng = 0, len;
	size_t pos;

	if (!kind || !*kind || strlen(kind) > 16 || width > CH_CT_TILE_WIDTH)
		return 0;
	/* Three decimal digits per path element, most significant first. */
	do {
		snprintf(groups[ng++], sizeof groups[0], "%03u", (unsigned)(n % 1000));
		n /= 1000;
	} while (n > 0);
	len = snprintf(out, CH_CT_TILE_PATH_MAX, "tile/%s/", kind);
	pos = (size_t)len;
	for (int i = ng - 1; i >= 0; i--) {
		len = snprintf(out + pos, CH_CT_TILE_PATH_MAX - pos, "%s%s%s", i > 0 ? "x" : "",
			       groups[i], i > 0 ? "/" : "");
		pos += (size_t)len;
	}
	if (width != 0 && width != CH_CT_TILE_WIDTH)
		pos += (size_t)snprintf(out + pos, CH_CT_TILE_PATH_MAX - pos, ".p/%u", width);
	return pos;
}

ch_err ch_ct_hash_tile_check(size_t len, unsigned width)
{
	if (width == 0 || width > CH_CT_TILE_WIDTH || len != (size_t)width * 32)
		return ch_error_set(CH_ERR_PARSE, "hash tile: %zu bytes where %u hashes were expected",
				    len, width);
	return CH_OK;
}

ch_err ch_ct_tile_leaf_next(ch_ct_entry *out, ch_bytes *cursor)
{
	ch_tls t = {cursor->data, cursor->len};
	ch_bytes fps;
	ch_err err;

	memset(out, 0, sizeof *out);
	err = ch_ct__decode_timestamped_entry(out, &t);
	if (err)
		return ch_error_prefix(err, "TileLeaf");
	if (out->type == CH_CT_PRECERT_ENTRY) {
		if (!ch_tls_vec(&t, 3, &out->precert) || out->precert.len == 0)
			return ch_error_set(CH_ERR_PARSE, "TileLeaf: bad pre_certificate");
		if (out->precert.len > CH_CT_MAX_CERT)
			return ch_error_set(CH_ERR_LIMIT, "TileLeaf: pre_certificate over %u bytes",
					    CH_CT_MAX_CERT);
	}
	if (!ch_tls_vec(&t, 2, &fps) || fps.len % 32 != 0)
		return ch_error_set(CH_ERR_PARSE, "TileLeaf: bad certificate_chain fingerprints");
	if (fps.len / 32 > CH_CT_MAX_CHAIN)
		return ch_error_set(CH_ERR_LIMIT, "TileLeaf: more than %u chain fingerprints",
				    CH_CT_MAX_CHAIN);
	out->fingerprints = fps.data;
	out->num_fingerprints = fps.len / 32;
	cursor->data = t.p;
	cursor->len = t.len;
	return CH_OK;
}

ch_err ch_ct_bundle_next(ch_bytes *out, ch_bytes *cursor)
{
	ch_tls t = {cursor->data, cursor->len};

	if (!ch_tls_vec(&t, 2, out))
		return ch_error_set(CH_ERR_PARSE, "entry bundle: truncated entry");
	cursor->data = t.p;
	cursor->len = t.len;
	return CH_OK;
}

ch_err ch_ct_gunzip(ch_buf *out, const uint8_t *in, size_t len)
{
	z_stream z;
	ch_err err = CH_OK;
	int rc = Z_OK;

	if (len < 2 || in[0] != 0x1f || in[1] != 0x8b)
		return ch_buf_append(out, in, len);
	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, 15 + 32) != Z_OK) /* +32: gzip or zlib header, detected */
		return ch_error_set(CH_ERR_NOMEM, "gzip: cannot initialise zlib");
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)len;
	while (rc != Z_STREAM_END) {
		size_t room = out->max - out->len < 65536 ? out->max - out->len : 65536;

		if (room == 0) {
			err = ch_error_set(CH_ERR_LIMIT, "gzip: body inflates beyond %zu bytes",
					   out->max);
			goto out;
		}
		CH_TRY(ch_buf_reserve(out, room));
		z.next_out = (Bytef *)out->data + out->len;
		z.avail_out = (uInt)room;
		rc = inflate(&z, Z_NO_FLUSH);
		out->len += room - z.avail_out;
		if (rc != Z_OK && rc != Z_STREAM_END) {
			err = ch_error_set(CH_ERR_PARSE, "gzip: corrupt data (%s)",
					   z.msg ? z.msg : "truncated");
			goto out;
		}
		if (rc == Z_OK && z.avail_in == 0 && z.avail_out != 0) {
			err = ch_error_set(CH_ERR_PARSE, "gzip: truncated data");
			goto out;
		}
	}
	if (z.avail_in != 0)
		err = ch_error_set(CH_ERR_PARSE, "gzip: %u bytes after the compressed data",
				   z.avail_in);
out:
	inflateEnd(&z);
	if (out->data)
		out->data[out->len] = '\0';
	return err;
}
