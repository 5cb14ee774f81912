#!/usr/bin/env bash
# bench/pivot_quality.sh [BUILD_DIR [STORE]] — precision and recall of `certhound pivot` leads
# on the demo world (bench/gen_world: a few thousand certificates, two planted campaigns, the
# truth). With STORE, the world is ingested into that existing store (e.g. a 1M-certificate
# bench store: the campaigns among a million unrelated certificates) instead of a fresh one.
#
# For every member certificate of each campaign it runs two pivots at the default depth (2):
# from the certificate (sha256:HEX) and from its first registrable domain (domain:D). A lead
# is correct when its kind and value are one of the campaign's certificates, registrable
# domains, host names or IPs (truth.json). Then, per seed:
#   precision = correct leads / leads
#   recall    = truth items found / truth items (less the seed's own values, never leads)
#   members   = campaign certificates found (as leads or as the seed) / campaign certificates
# and the number of leads on the noise planted in the world (CDN-shared, shared-hosting and
# platform certificates and their tenants). Needs python3. Figures: docs/pivot.md.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
store=${2:-}
for f in "$build/certhound" "$build/bench/gen_world"; do
	[ -x "$f" ] || { echo "pivot_quality: $f missing (build first)" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

"$build/bench/gen_world" --out "$work/world" --quiet
db=${store:-$work/world.db}
"$build/certhound" --db "$db" ingest "$work/world/certs" >/dev/null
python3 - "$build/certhound" "$db" "$work/world/truth.json" <<'PY'
import json, statistics, subprocess, sys

cli, db, truth_path = sys.argv[1:4]
truth = json.load(open(truth_path))
certs = truth["certs"]
noise = set()
for c in certs:
    if c["class"] not in ("A", "B"):
        noise.add(("cert", c["sha256"]))
        for d in c["domains"]:
            noise.add(("domain", d))

def items(members):
    s = set()
    for m in members:
        s.add(("cert", m["sha256"]))
        s.update(("domain", d) for d in m["domains"])
        s.update(("name", n) for n in m["names"])
        s.update(("ip", i) for i in m["ips"])
    return s

def pivot(seed):
    p = subprocess.run([cli, "--db", db, "pivot", "--format", "json", seed],
                       capture_output=True, text=True)
    if p.returncode not in (0, 1):
        sys.exit("pivot %s failed (%d): %s" % (seed, p.returncode, p.stderr))
    return json.loads(p.stdout)

noise -= items([c for c in certs if c["class"] in ("A", "B")])
rows, allp, allr, allm, times = [], [], [], [], []
for camp in ("A", "B"):
    members = [c for c in certs if c["class"] == camp]
    want = items(members)
    shas = {m["sha256"] for m in members}
    prec, rec, mem, nleads, noisy = [], [], [], [], 0
    for m in members:
        for seed in ("sha256:" + m["sha256"], "domain:" + m["domains"][0]):
            r = pivot(seed)
            times.append(r["stats"]["elapsed_ms"])
            leads = {(l["kind"], l["value"]) for l in r["leads"]}
            own = {("cert", m["sha256"])} if seed.startswith("sha256:") else \
                  {("domain", m["domains"][0]), ("name", m["domains"][0])}
            found = (leads | own) & want
            prec.append(len(leads & want) / len(leads) if leads else 0.0)
            rec.append(len(found - own) / len(want - own))
            mem.append(len({v for k, v in found if k == "cert"} & shas) / len(shas))
            nleads.append(len(leads))
            noisy += len(leads & noise)
    rows.append((camp, len(prec), statistics.mean(nleads), statistics.mean(prec), min(prec),
                 statistics.mean(rec), min(rec), min(mem), noisy))
    allp += prec; allr += rec; allm += mem

stats = json.loads(subprocess.run([cli, "--db", db, "stats", "--format", "json"],
                                  capture_output=True, text=True).stdout or "{}")
print("demo world: %d certificates (store: %s certificates); campaign A %d, campaign B %d "
      "certificates; pivot depth 2" % (truth["certificates"], stats.get("certificates", "?"),
      sum(c["class"] == "A" for c in certs), sum(c["class"] == "B" for c in certs)))
print("%-9s %5s %7s %15s %15s %12s %11s" % ("campaign", "seeds", "leads", "precision",
      "recall", "members", "noise"))
print("%-9s %5s %7s %15s %15s %12s %11s" % ("", "", "mean", "mean (min)", "mean (min)",
      "found (min)", "leads"))
for camp, n, nl, pm, pmin, rm, rmin, mmin, noisy in rows:
    print("%-9s %5d %7.1f %8.3f (%.3f) %8.3f (%.3f) %12.3f %11d" % (camp, n, nl, pm, pmin, rm, rmin,
          mmin, noisy))
print("%-9s %5d %7s %8.3f (%.3f) %8.3f (%.3f) %12.3f %11d" % ("all", len(allp), "",
      statistics.mean(allp), min(allp), statistics.mean(allr), min(allr), min(allm),
      sum(r[8] for r in rows)))
print("walk time per pivot (stats.elapsed_ms): p50 %d ms, max %d ms"
      % (statistics.median(times), max(times)))
PY
