/* Fuzz target: walk arbitrary bytes as nested DER, recursing into constructed elements. */
#include <certhound/der.h>

static void walk(ch_der c, int depth)
{
	ch_der body;
	unsigned tag;
	bool ber = false;

	while (c.len > 0) {
		if (!ch_der_get_any_ber(&c, &body, &tag, NULL, &ber))
			return;
		if ((tag & CH_DER_CONSTRUCTED) && depth < 64)
			walk(body, depth + 1);
		else if (tag == CH_DER_OID) {
			char text[256];
			(void)ch_der_oid_to_text(text, sizeof text, body.data, body.len);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	ch_der c;
	ch_der_init(&c, data, size);
	walk(c, 0);
	return 0;
}
