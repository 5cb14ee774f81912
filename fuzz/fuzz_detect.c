/* Fuzz target: every detect reader. The first byte picks the format (auto-detection included),
 * the rest is the input. */
#include "detect_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const ch_procev_format formats[] = {CH_PROCEV_AUTO, CH_PROCEV_SYSMON_XML,
						   CH_PROCEV_JSON, CH_PROCEV_DEFENDER_CSV,
						   CH_PROCEV_AUDITD, CH_PROCEV_ZEEK_DNS};

	if (size == 0)
		return 0;
	return fz_run(data + 1, size - 1, formats[data[0] % (sizeof formats / sizeof formats[0])]);
}
