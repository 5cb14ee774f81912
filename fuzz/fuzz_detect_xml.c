/* Fuzz target: the Sysmon / Windows event XML reader. */
#include "detect_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_run(data, size, CH_PROCEV_SYSMON_XML);
}
