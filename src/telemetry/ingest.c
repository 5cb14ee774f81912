/* Certificates seen in telemetry (Zeek x509 with the certificate logged, Suricata tls
 * certificate/chain) enter the store through the one ingest pipeline, as sightings of kind
 * telemetry (source = log file, index = line). */
#include "telemetry/internal.h"

#include <certhound/telemetry_ingest.h>

ch_err ch_telemetry_ingest(ch_ingest *ig, const ch_obs *o, ch_telemetry_ingest_counts *counts)
{
	ch_sighting g = {0};
	ch_err err = CH_OK;

	if (o->kind != CH_OBS_TLS && o->kind != CH_OBS_X509)
		return CH_OK;
	if (o->num_der == 0) {
		if (o->num_certs && counts)
			counts->fingerprint_only++;
		return CH_OK;
	}
	g.kind = CH_SOURCE_TELEMETRY;
	g.source = o->file;
	g.index = (int64_t)o->line;
	g.timestamp = o->time == CH_OBS_NO_TIME ? 0 : o->time;
	g.ip = *o->dst ? o->dst : NULL;
	g.port = o->dst_port;
	g.sni = *o->sni ? o->sni : NULL;
	for (size_t i = 0; i < o->num_der; i++) {
		CH_TRY(ch_ingest_add(ig, o->der[i], o->der_len[i], &g));
		if (counts)
			counts->certificates++;
	}
out:
	return err;
}
