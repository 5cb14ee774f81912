/* RFC 6962 §3.5 signed tree heads: the signed structure and its verification. */
#include <certhound/ct.h>

#include <string.h>

static void put_u64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

void ch_ct_sth_signed_data(uint8_t out[CH_CT_STH_SIGNED_LEN], const ch_ct_sth *sth)
{
	out[0] = 0; /* Version v1 */
	out[1] = 1; /* SignatureType tree_hash */
	put_u64(out + 2, sth->timestamp);
	put_u64(out + 10, sth->tree_size);
	memcpy(out + 18, sth->root, 32);
}

ch_err ch_ct_sth_verify(const ch_ct_sth *sth, const ch_ct_key *key)
{
	uint8_t msg[CH_CT_STH_SIGNED_LEN];
	ch_err err;

	ch_ct_sth_signed_data(msg, sth);
	err = ch_ct_verify_digitally_signed(key, msg, sizeof msg, sth->sig, sth->sig_len);
	if (err)
		return ch_error_prefix(err, "tree head (size %llu, timestamp %llu)",
				       (unsigned long long)sth->tree_size,
				       (unsigned long long)sth->timestamp);
	return CH_OK;
}
