/* The embedded SCT list (RFC 6962 3.3): a TLS-encoded SignedCertificateTimestampList inside
 * the extension's OCTET STRING. Only v1 SCTs are decoded; others are skipped. */
#include "internal.h"

#include <string.h>

ch_err ch_x509__parse_scts(ch_parse *p, ch_der value)
{
	ch_der list, it, sct;
	size_t n = 0;

	if (!ch_der_get_u16_prefixed(&value, &list) || value.len)
		return CH_ERR_PARSE;
	for (it = list; it.len; n++)
		if (!ch_der_get_u16_prefixed(&it, &sct))
			return CH_ERR_PARSE;
	if (n > CH_CERT_MAX_ITEMS)
		return CH_ERR_PARSE;
	p->cert->scts = ch_x509__alloc(p->arena, (n ? n : 1) * sizeof *p->cert->scts);
	if (!p->cert->scts)
		return CH_ERR_NOMEM;
	p->cert->num_scts = 0;
	while (ch_der_get_u16_prefixed(&list, &sct)) {
		ch_sct *s = &p->cert->scts[p->cert->num_scts];
		ch_der id, ext, sig;
		uint8_t ha, sa;
		if (!ch_der_get_u8(&sct, &s->version))
			return CH_ERR_PARSE;
		if (s->version != 0)
			continue;
		if (!ch_der_get_bytes(&sct, &id, 32) || !ch_der_get_u64(&sct, &s->timestamp_ms) ||
		    !ch_der_get_u16_prefixed(&sct, &ext) || !ch_der_get_u8(&sct, &ha) ||
		    !ch_der_get_u8(&sct, &sa) || !ch_der_get_u16_prefixed(&sct, &sig) || sct.len)
			return CH_ERR_PARSE;
		memcpy(s->log_id, id.data, 32);
		p->cert->num_scts++;
	}
	return CH_OK;
}
