/* Which JSON paths hold which event fields, per flavour: Winlogbeat/ECS (and flat Sysmon JSON
 * as NXLog writes it), Microsoft Defender DeviceProcessEvents (advanced hunting results and the
 * streaming API's "properties" envelope), osquery process_events (event format, "columns"),
 * and network observations (Zeek dns/ssl/http JSON logs, Suricata EVE dns/tls/http).
 * When two paths give the same field, the higher `prio` wins whatever their order. */
#include "detect/internal.h"

#include <string.h>

typedef struct jmap {
	const char *path;
	uint8_t len;
	uint8_t flavour;
	uint8_t field;
	uint8_t prio;
} jmap;

#define M(p, fl, f, pr) {p, sizeof(p) - 1, fl, f, pr}

static const jmap maps[] = {
	/* ECS (Winlogbeat 7+, Elastic Agent, Sysmon module) */
	M("@timestamp", JF_ECS, F_TIME, 1),
	M("host.name", JF_ECS, F_HOST, 3),
	M("host.hostname", JF_ECS, F_HOST, 2),
	M("user.name", JF_ECS, F_USER, 3),
	M("user.domain", JF_ECS, F_DOMAIN, 3),
	M("process.executable", JF_ECS, F_IMAGE, 3),
	M("process.name", JF_ECS, F_NAME, 3),
	M("process.command_line", JF_ECS, F_CMD, 3),
	M("process.pid", JF_ECS, F_PID, 3),
	M("process.parent.executable", JF_ECS, F_PIMAGE, 3),
	M("process.parent.name", JF_ECS, F_PNAME, 3),
	M("process.parent.command_line", JF_ECS, F_PCMD, 3),
	M("process.parent.pid", JF_ECS, F_PPID, 3),
	M("event.code", JF_ECS, F_EVENTID, 3),
	M("event.type", JF_ECS, F_ACTION, 3),
	/* Winlogbeat's raw event data (also without ECS mapping) */
	M("winlog.event_id", JF_ECS, F_EVENTID, 2),
	M("winlog.computer_name", JF_ECS, F_HOST, 1),
	M("winlog.event_data.UtcTime", JF_ECS, F_TIME, 2),
	M("winlog.event_data.Image", JF_ECS, F_IMAGE, 2),
	M("winlog.event_data.CommandLine", JF_ECS, F_CMD, 2),
	M("winlog.event_data.User", JF_ECS, F_USER, 2),
	M("winlog.event_data.ParentImage", JF_ECS, F_PIMAGE, 2),
	M("winlog.event_data.ParentCommandLine", JF_ECS, F_PCMD, 2),
	M("winlog.event_data.ProcessId", JF_ECS, F_PID, 2),
	M("winlog.event_data.ParentProcessId", JF_ECS, F_PPID, 2),
	M("winlog.event_data.NewProcessName", JF_ECS, F_IMAGE, 1),
	M("winlog.event_data.SubjectUserName", JF_ECS, F_USER, 1),
	M("winlog.event_data.SubjectDomainName", JF_ECS, F_DOMAIN, 1),
	M("winlog.event_data.ParentProcessName", JF_ECS, F_PIMAGE, 1),
	/* flat Sysmon JSON (NXLog im_msvistalog, Graylog) */
	M("EventID", JF_ECS, F_EVENTID, 1),
	M("Hostname", JF_ECS, F_HOST, 1),
	M("Computer", JF_ECS, F_HOST, 1),
	M("UtcTime", JF_ECS, F_TIME, 1),
	M("Image", JF_ECS, F_IMAGE, 1),
	M("CommandLine", JF_ECS, F_CMD, 1),
	M("User", JF_ECS, F_USER, 1),
	M("ParentImage", JF_ECS, F_PIMAGE, 1),
	M("ParentCommandLine", JF_ECS, F_PCMD, 1),
	/* Defender DeviceProcessEvents */
	M("Timestamp", JF_DEFENDER, F_TIME, 3),
	M("DeviceName", JF_DEFENDER, F_HOST, 3),
	M("AccountName", JF_DEFENDER, F_USER, 3),
	M("AccountDomain", JF_DEFENDER, F_DOMAIN, 3),
	M("FileName", JF_DEFENDER, F_NAME, 3),
	M("FolderPath", JF_DEFENDER, F_IMAGE, 3),
	M("ProcessCommandLine", JF_DEFENDER, F_CMD, 3),
	M("ProcessId", JF_DEFENDER, F_PID, 3),
	M("InitiatingProcessFileName", JF_DEFENDER, F_PNAME, 3),
	M("InitiatingProcessFolderPath", JF_DEFENDER, F_PIMAGE, 3),
	M("InitiatingProcessCommandLine", JF_DEFENDER, F_PCMD, 3),
	M("ActionType", JF_DEFENDER, F_ACTION, 3),
	M("properties.Timestamp", JF_DEFENDER, F_TIME, 3),
	M("properties.DeviceName", JF_DEFENDER, F_HOST, 3),
	M("properties.AccountName", JF_DEFENDER, F_USER, 3),
	M("properties.AccountDomain", JF_DEFENDER, F_DOMAIN, 3),
	M("properties.FileName", JF_DEFENDER, F_NAME, 3),
	M("properties.FolderPath", JF_DEFENDER, F_IMAGE, 3),
	M("properties.ProcessCommandLine", JF_DEFENDER, F_CMD, 3),
	M("properties.ProcessId", JF_DEFENDER, F_PID, 3),
	M("properties.InitiatingProcessFileName", JF_DEFENDER, F_PNAME, 3),
	M("properties.InitiatingProcessFolderPath", JF_DEFENDER, F_PIMAGE, 3),
	M("properties.InitiatingProcessCommandLine", JF_DEFENDER, F_PCMD, 3),
	M("properties.ActionType", JF_DEFENDER, F_ACTION, 3),
	/* osquery process_events (event format) */
	M("hostIdentifier", JF_OSQUERY, F_HOST, 2),
	M("decorations.hostname", JF_OSQUERY, F_HOST, 3),
	M("unixTime", JF_OSQUERY, F_TIME, 1),
	M("columns.time", JF_OSQUERY, F_TIME, 2),
	M("columns.path", JF_OSQUERY, F_IMAGE, 3),
	M("columns.cmdline", JF_OSQUERY, F_CMD, 3),
	M("columns.pid", JF_OSQUERY, F_PID, 3),
	M("columns.parent", JF_OSQUERY, F_PPID, 3),
	M("columns.uid", JF_OSQUERY, F_USER, 1),
	M("columns.auid", JF_OSQUERY, F_USER, 2),
	M("columns.username", JF_OSQUERY, F_USER, 3),
	M("action", JF_OSQUERY, F_ACTION, 3),
	/* network observations: Zeek dns/ssl/http JSON logs, Suricata EVE */
	M("ts", JF_NET, F_TIME, 1),
	M("timestamp", JF_NET, F_TIME, 1),
	M("id.orig_h", JF_NET, F_NET_HOST, 2),
	M("src_ip", JF_NET, F_NET_HOST, 1),
	M("query", JF_NET, F_NET_NAME, 3),
	M("server_name", JF_NET, F_NET_NAME, 2),
	M("host", JF_NET, F_NET_NAME, 1),
	M("dns.rrname", JF_NET, F_NET_NAME, 3),
	M("dns.query.rrname", JF_NET, F_NET_NAME, 3),
	M("tls.sni", JF_NET, F_NET_NAME, 2),
	M("http.hostname", JF_NET, F_NET_NAME, 1),
};

#define NUM_MAPS (sizeof maps / sizeof maps[0])

int ch_detect__json_field(jflavour fl, const char *path, size_t len)
{
	for (size_t i = 0; i < NUM_MAPS; i++) {
		if (maps[i].len != len || (fl != JF_ANY && maps[i].flavour != fl))
			continue;
		if (memcmp(maps[i].path, path, len) == 0)
			return (int)i;
	}
	return -1;
}

/* Accessors for json.c: a map entry's field, priority and flavour. */
int ch_detect__json_map_field(int i)
{
	return maps[i].field;
}

int ch_detect__json_map_prio(int i)
{
	return maps[i].prio;
}

jflavour ch_detect__json_map_flavour(int i)
{
	return (jflavour)maps[i].flavour;
}

static unsigned path_hash(const char *p, size_t n)
{
	uint32_t h = 2166136261u;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (uint8_t)p[i]) * 16777619u;
	return h & (JINDEX_SLOTS - 1);
}

void ch_detect__json_index_build(jindex *ix, jflavour fl)
{
	memset(ix, 0, sizeof *ix);
	for (size_t i = 0; i < NUM_MAPS; i++) {
		unsigned h;
		if (fl != JF_ANY && maps[i].flavour != fl && maps[i].flavour != JF_NET)
			continue;
		h = path_hash(maps[i].path, maps[i].len);
		while (ix->slot[h])
			h = (h + 1) & (JINDEX_SLOTS - 1);
		ix->slot[h] = (int16_t)(i + 1);
	}
	ix->built = true;
}

int ch_detect__json_lookup(const jindex *ix, const char *path, size_t len)
{
	unsigned h = path_hash(path, len);

	for (int s; (s = ix->slot[h]) != 0; h = (h + 1) & (JINDEX_SLOTS - 1)) {
		const jmap *m = &maps[s - 1];
		if (m->len == len && memcmp(m->path, path, len) == 0)
			return s - 1;
	}
	return -1;
}
