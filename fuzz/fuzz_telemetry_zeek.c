/* Fuzz target: Zeek logs (TSV with its header language, JSON lines) and auto-detection. */
#include <stddef.h>
#include <stdint.h>

#include "telemetry_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const ch_telemetry_format f[] = {CH_TEL_ZEEK, CH_TEL_ZEEK_JSON, CH_TEL_AUTO};
	return tf_run(data, size, f, 3, NULL);
}
