#!/usr/bin/env bash
# `certhound corroborate --format stix`: a real pivot on the demo world (bench/gen_world), its
# leads against generated Zeek dns/ssl and Squid logs where three leads were seen and the rest
# were not. Checks:
#  - the bundle validates against the OASIS STIX 2.1 JSON schemas ($CH_SHARED_DIR/vendor-data,
#    python3-jsonschema over local $refs only; that part is skipped when they are absent);
#  - every sighting of a lead points at the indicator id of pivot's own STIX bundle
#    (`pivot --format stix`), and pivot's indicators are not written again;
#  - exactly the leads with evidence are sighted (never a no-evidence lead), with the count,
#    first/last time and hosts of corroborate's JSON output, and the evidence lines as
#    observed data;
#  - ATT&CK techniques appear as sightings of attack-patterns only where the JSON lists them;
#  - with a plain indicator list, the indicators are written into the bundle, so every
#    reference resolves inside it; ids are the same on a second run.
set -u
cli=${CH_CLI:?CH_CLI not set}
gen=${CH_BUILD_DIR:?}/bench/gen_world
[ -x "$gen" ] || { echo "skip: $gen not built"; exit 77; }
command -v python3 >/dev/null || { echo "skip: python3 absent"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

"$gen" --out "$tmp/w" --quiet && "$cli" --db "$tmp/db" ingest "$tmp/w/certs" >/dev/null ||
	{ echo "FAIL: cannot build the demo world"; exit 1; }
seed=domain:northwlnd-bank.com
"$cli" --db "$tmp/db" pivot --format json "$seed" > "$tmp/leads.json" &&
	"$cli" --db "$tmp/db" pivot --format stix "$seed" > "$tmp/pivot.stix" ||
	{ echo "FAIL: pivot"; exit 1; }

# Logs: a DNS lookup of the first name lead, a Squid CONNECT to the first domain lead's www
# name, and a TLS session presenting the first certificate lead (port 443).
mkdir -p "$tmp/logs"
python3 - "$tmp/leads.json" "$tmp/logs" > "$tmp/seen.json" <<'PY' || { echo "FAIL: log generation"; exit 1; }
import json, sys
leads = json.load(open(sys.argv[1]))["leads"]
out = sys.argv[2]
name = next(l["value"] for l in leads if l["kind"] == "name")
dom = next(l["value"] for l in leads if l["kind"] == "domain")
cert = next(l["value"] for l in leads if l["kind"] == "cert")
T = 1714564800
hdr = ("#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t%s\n"
       "#open\t2024-05-01-12-00-00\n#fields\t%s\n#types\t%s\n")
with open(out + "/dns.log", "w") as f:
    f.write(hdr % ("dns", "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tquery\tanswers",
                   "time\tstring\taddr\tport\taddr\tport\tstring\tvector[string]"))
    f.write("%d.5\tD1\t10.1.0.5\t5353\t10.1.0.1\t53\t%s\t192.0.2.80\n" % (T + 5, name))
    f.write("%d.5\tD2\t10.1.0.6\t5353\t10.1.0.1\t53\tunrelated.example\t192.0.2.81\n" % (T + 6))
with open(out + "/ssl.log", "w") as f:
    f.write(hdr % ("ssl", "ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tserver_name\tcert_chain_fps",
                   "time\tstring\taddr\tport\taddr\tport\tstring\tvector[string]"))
    f.write("%d.25\tC1\t10.1.0.7\t49152\t192.0.2.90\t443\t-\t%s\n" % (T + 20, cert))
    f.write("%d.25\tC2\t10.1.0.8\t49153\t192.0.2.90\t443\t-\t%s\n" % (T + 40, cert))
with open(out + "/access.log", "w") as f:
    f.write("%d.100    150 10.1.0.9 TCP_TUNNEL/200 3500 CONNECT www.%s:443 - HIER_DIRECT/192.0.2.91 -\n"
            % (T + 30, dom))
print(json.dumps({"name": name, "domain": dom, "cert": cert}))
PY

"$cli" corroborate --leads "$tmp/leads.json" --format json "$tmp/logs" > "$tmp/corr.json" 2> "$tmp/err"
"$cli" corroborate --leads "$tmp/leads.json" --format stix "$tmp/logs" > "$tmp/corr.stix" 2>> "$tmp/err"
rc=$?
[ $rc = 0 ] || { echo "FAIL: corroborate --format stix exit $rc: $(head -3 "$tmp/err")"; fail=1; }
"$cli" corroborate --leads "$tmp/leads.json" --format stix "$tmp/logs" > "$tmp/corr2.stix" 2>/dev/null
python3 -c 'import json,sys; l=json.load(open(sys.argv[1])); print("\n".join([l["domain"], l["cert"], "never-seen.example", "192.0.2.250"]))' \
	"$tmp/seen.json" > "$tmp/ind.txt"
"$cli" corroborate --indicators "$tmp/ind.txt" --format stix "$tmp/logs" > "$tmp/list.stix" 2>/dev/null ||
	{ echo "FAIL: corroborate --indicators --format stix"; fail=1; }
"$cli" corroborate --indicators "$tmp/ind.txt" --format json "$tmp/logs" > "$tmp/list.json" 2>/dev/null

python3 - "$tmp" <<'PY' || fail=1
import json, sys
d = sys.argv[1]
J = lambda n: json.load(open("%s/%s" % (d, n)))
pivot, corr, again, res = J("pivot.stix"), J("corr.stix"), J("corr2.stix"), J("corr.json")
seen = J("seen.json")
objs = corr["objects"]
by_id = {o["id"]: o for o in objs}
assert corr["type"] == "bundle" and corr["id"].startswith("bundle--")
assert [o["id"] for o in objs] == [o["id"] for o in again["objects"]], "ids differ between runs"
assert len(by_id) == len(objs), "duplicate ids"
pivot_ind = {o["pattern"]: o["id"] for o in pivot["objects"] if o["type"] == "indicator"}
assert not [o for o in objs if o["type"] == "indicator"], "pivot's indicators written again"

def pattern(kind, value):
    if kind == "cert":
        return "[x509-certificate:hashes.'SHA-256' = '%s']" % value
    return "[domain-name:value = '%s']" % value if kind in ("domain", "name") else None

sightings = [o for o in objs if o["type"] == "sighting"]
of_ind = [s for s in sightings if s["sighting_of_ref"].startswith("indicator--")]
with_ev = [r for r in res["results"] if r["verdict"] != "no-evidence"]
assert len(with_ev) >= 3, ("expected evidence for three leads", [r["indicator"] for r in with_ev])
sighted = {}
for s in of_ind:
    sighted.setdefault(s["sighting_of_ref"], []).append(s)
for r in res["results"]:
    iid = pivot_ind.get(pattern(r["kind"], r["indicator"]))
    assert iid, ("lead without an indicator in pivot's bundle", r["indicator"])
    if r["verdict"] == "no-evidence":
        # a pivot name and domain lead of the same text share one indicator: only the one
        # without evidence must not be sighted on its own
        twins = [x for x in with_ev if pattern(x["kind"], x["indicator"]) == pattern(r["kind"], r["indicator"])]
        assert twins or iid not in sighted, ("no-evidence lead sighted", r["indicator"])
        continue
    s = next((s for s in sighted.get(iid, []) if s["count"] == r["count"]), None)
    assert s, ("no sighting for", r["indicator"], r["count"])
    assert s["x_certhound_verdict"] == r["verdict"]
    assert s["first_seen"].startswith(r["first_seen"][:19]) and s["last_seen"].startswith(r["last_seen"][:19])
    od = by_id[s["observed_data_refs"][0]]
    assert od["type"] == "observed-data" and od["number_observed"] == r["count"]
    ev = [(e["file"], e["line"]) for e in od["x_certhound_evidence"]]
    assert ev == [(e["file"], e["line"]) for e in r["evidence"]], ("evidence lines", r["indicator"])
    hosts = sorted(by_id[w]["name"] for w in s.get("where_sighted_refs", []))
    assert hosts == sorted(r["hosts"]), ("hosts", hosts, r["hosts"])
    for ref in od["object_refs"]:
        assert ref in by_id, ("observed data names a missing observable", ref)
    techs = sorted(by_id[x["sighting_of_ref"]]["external_references"][0]["external_id"]
                   for x in sightings if x["sighting_of_ref"].startswith("attack-pattern--")
                   and x["observed_data_refs"] == s["observed_data_refs"])
    assert techs == sorted(r["attack"]), ("techniques", r["indicator"], techs, r["attack"])
assert sum(len(v) for v in sighted.values()) == len(with_ev) or len(with_ev) > len(of_ind) >= 3
verdicts = {(r["kind"], r["indicator"]): r["verdict"] for r in res["results"]}
assert verdicts[("name", seen["name"])] == "resolved", verdicts
assert verdicts[("cert", seen["cert"])] == "tls-session", verdicts
assert verdicts[("domain", seen["domain"])] == "contacted", verdicts
for o in objs:  # every reference resolves in corroborate's bundle or pivot's
    for k, v in o.items():
        refs = v if k.endswith("_refs") else [v] if k.endswith("_ref") else []
        pivot_ids = {p["id"] for p in pivot["objects"]}
        for ref in refs:
            assert ref in by_id or ref in pivot_ids, ("dangling", o["id"], k, ref)

lst, lres = J("list.stix"), J("list.json")
lids = {o["id"]: o for o in lst["objects"]}
inds = [o for o in lst["objects"] if o["type"] == "indicator"]
assert sorted(o["pattern"] for o in inds) == sorted(
    pattern(r["kind"], r["indicator"]) for r in lres["results"] if r["verdict"] != "no-evidence")
for o in inds:  # the same id pivot gives the same pattern
    assert pivot_ind.get(o["pattern"], o["id"]) == o["id"], ("indicator id differs from pivot's", o["pattern"])
for o in lst["objects"]:
    for k, v in o.items():
        for ref in (v if k.endswith("_refs") else [v] if k.endswith("_ref") else []):
            assert ref in lids, ("list bundle not self-contained", k, ref)
assert "never-seen.example" not in json.dumps(lst) and "192.0.2.250" not in json.dumps(lst)
PY

schemas=${CH_SHARED_DIR:-}/vendor-data/stix2.1-json-schemas
if [ -z "${CH_SHARED_DIR:-}" ] || [ ! -d "$schemas/schemas" ]; then
	echo "skip (stix schema check): ../shared/vendor-data/stix2.1-json-schemas is absent"
elif ! python3 -c 'import jsonschema' 2>/dev/null; then
	echo "skip (stix schema check): python3-jsonschema is not installed"
else
	python3 "${CH_SOURCE_DIR:?}/tests/stix_validate.py" "$schemas" "$tmp/corr.stix" "$tmp/list.stix" || fail=1
	python3 -c 'import json, sys
for p in sys.argv[1:]:
    types = {o["type"] for o in json.load(open(p))["objects"]}
    assert {"sighting", "observed-data", "identity"} <= types, (p, types)' "$tmp/corr.stix" "$tmp/list.stix" || fail=1
fi
[ $fail = 0 ] && echo "ok" || echo "FAIL"
exit $fail
