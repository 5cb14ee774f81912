/* Fuzz target: syslog-style text logs (BIND queries, dnsmasq, iptables/nftables LOG). */
#include <stddef.h>
#include <stdint.h>

#include "telemetry_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const ch_telemetry_format f[] = {CH_TEL_BIND, CH_TEL_DNSMASQ, CH_TEL_NETFILTER,
						CH_TEL_AUTO};
	return tf_run(data, size, f, 4, NULL);
}
