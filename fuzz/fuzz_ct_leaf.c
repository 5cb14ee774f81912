/* Fuzz target: RFC 6962 MerkleTreeLeaf then extra_data. The first two bytes give the length of
 * the leaf_input; the rest is extra_data. */
#include <certhound/ct.h>

/* ignore drops a result on purpose: the target only looks for crashes. */
static void ignore(ch_err e)
{
	(void)e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ch_ct_entry e;
	size_t leaf_len;

	if (size < 2)
		return 0;
	leaf_len = (size_t)data[0] << 8 | data[1];
	data += 2;
	size -= 2;
	if (leaf_len > size)
		leaf_len = size;
	if (ch_ct_leaf_decode(&e, data, leaf_len) != CH_OK)
		return 0;
	ignore(ch_ct_extra_decode(&e, data + leaf_len, size - leaf_len));
	return 0;
}
