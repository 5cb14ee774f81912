#!/usr/bin/env bash
# The demo world as a local static-ct-api log (bench/gen_world --ct-log): `certhound ct sync`
# verifies and stores it, and a pivot on that store finds the same leads as on the same world
# ingested from its PEM files, with first/last seen taken from the log's entry timestamps
# (one hour after each certificate's notBefore) instead of the validity.
set -u
cli=${CH_CLI:?CH_CLI not set}
gen=${CH_BUILD_DIR:?}/bench/gen_world
[ -x "$gen" ] || { echo "skip: $gen not built"; exit 77; }
command -v python3 >/dev/null || { echo "skip: python3 absent"; exit 77; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$gen" --out "$tmp/w" --ct-log --quiet || { echo "FAIL: gen_world --ct-log"; exit 1; }
"$cli" --db "$tmp/ct.db" ct sync --key "$tmp/w/ct-log/key.pem" --tiled \
	--origin demo-world.certhound.example/log "file://$tmp/w/ct-log" > "$tmp/sync.out" ||
	{ echo "FAIL: ct sync exit $?"; cat "$tmp/sync.out"; exit 1; }
grep -q "entries stored: 2749" "$tmp/sync.out" && grep -q "tree size: 2749" "$tmp/sync.out" ||
	{ echo "FAIL: sync output"; cat "$tmp/sync.out"; exit 1; }
"$cli" --db "$tmp/files.db" ingest "$tmp/w/certs" >/dev/null || { echo "FAIL: ingest"; exit 1; }
for seed in domain:northwlnd-bank.com domain:winsvc-health.com; do
	"$cli" --db "$tmp/ct.db" pivot --format json "$seed" > "$tmp/ct.json" &&
		"$cli" --db "$tmp/files.db" pivot --format json "$seed" > "$tmp/files.json" ||
		{ echo "FAIL: pivot $seed"; exit 1; }
	python3 - "$tmp/ct.json" "$tmp/files.json" <<'PY' || { echo "FAIL: $seed"; exit 1; }
import calendar, json, sys, time
ct, files = (json.load(open(p)) for p in sys.argv[1:3])
key = lambda r: sorted((l["kind"], l["value"], l["score"], l["depth"]) for l in r["leads"])
assert key(ct) == key(files), "different leads from the CT store and the file store"
epoch = lambda s: calendar.timegm(time.strptime(s, "%Y-%m-%dT%H:%M:%SZ"))
for l in ct["leads"]:
    if l["kind"] == "cert":
        assert epoch(l["first_seen"]) == epoch(l["not_before"]) + 3600, l
        assert l["last_seen"] == l["first_seen"], l
for l in files["leads"]:
    if l["kind"] == "cert":
        assert l["first_seen"] == l["not_before"], l
PY
done
echo ok
