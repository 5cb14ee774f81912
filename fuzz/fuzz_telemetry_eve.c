/* Fuzz target: Suricata EVE JSON (tls with certificates, dns v1-v3, http, flow). */
#include <stddef.h>
#include <stdint.h>

#include "telemetry_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const ch_telemetry_format f[] = {CH_TEL_EVE, CH_TEL_AUTO};
	return tf_run(data, size, f, 2, NULL);
}
