/* Fuzz target: forward-proxy logs (Squid native access.log, combined log format). */
#include <stddef.h>
#include <stdint.h>

#include "telemetry_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const ch_telemetry_format f[] = {CH_TEL_SQUID, CH_TEL_COMBINED, CH_TEL_AUTO};
	return tf_run(data, size, f, 3, NULL);
}
