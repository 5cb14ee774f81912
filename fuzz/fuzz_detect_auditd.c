/* Fuzz target: the Linux auditd reader (serial joins, hex arguments, the pending table). */
#include "detect_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fz_run(data, size, CH_PROCEV_AUDITD);
}
