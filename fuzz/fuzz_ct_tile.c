/* Fuzz target: a static-ct-api data tile, decoded TileLeaf by TileLeaf, plus the same bytes as
 * a tlog-tiles entry bundle and as a gzip body. */
#include <certhound/ct.h>

/* ignore drops a result on purpose: the target only looks for crashes. */
static void ignore(ch_err e)
{
	(void)e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ch_bytes cur = {data, size}, entry;
	ch_ct_entry e;
	ch_buf b;

	for (int i = 0; i < 256 && cur.len > 0; i++)
		if (ch_ct_tile_leaf_next(&e, &cur) != CH_OK)
			break;
	cur.data = data;
	cur.len = size;
	while (cur.len > 0 && ch_ct_bundle_next(&entry, &cur) == CH_OK)
		;
	ch_buf_init(&b, 1u << 20);
	ignore(ch_ct_gunzip(&b, data, size));
	ch_buf_free(&b);
	return 0;
}
