/* Fuzz target: the generic mapped readers (CSV with quoting, JSON lines with dotted paths). */
#include <stddef.h>
#include <stdint.h>

#include "telemetry_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const ch_telemetry_format f[] = {CH_TEL_CSV, CH_TEL_JSONL};
	return tf_run(data, size, f, 2, "time=ts,src=src,dst=dst,port=port,host=host,sni=sni,"
				       "cert=fp+fp2,answer=answers,bytes=bytes,cert_b64=der");
}
