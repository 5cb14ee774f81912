#!/usr/bin/env bash
# `certhound pivot --format dot|svg|stix|html` on the demo world (bench/gen_world):
#  - dot: GraphViz parses it (`dot -Tsvg`, when graphviz is installed) and it has a node per
#    lead and seed; svg renders through dot, or fails with exit 5 and a hint without it;
#  - stix: the bundle validates against the OASIS STIX 2.1 JSON schemas in
#    $CH_SHARED_DIR/vendor-data/stix2.1-json-schemas (python3-jsonschema, local $refs only, no
#    network; skipped with a message when ../shared or jsonschema is absent), every lead has an
#    indicator and an observable, ids are UUIDv5 and the same on a second run;
#  - html: well-formed (python3's html.parser, every element closed in order), contains every
#    lead and suppressed value, the graph as inline SVG, and fetches nothing (no src/href URL).
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
seeds=(domain:northwlnd-bank.com domain:winsvc-health.com)

for seed in "${seeds[@]}"; do
	tag=${seed#domain:}
	"$cli" --db "$tmp/db" pivot --format json "$seed" > "$tmp/$tag.json" || { echo "FAIL: json $seed"; fail=1; }
	for f in dot stix html; do
		"$cli" --db "$tmp/db" pivot --format $f "$seed" > "$tmp/$tag.$f"
		rc=$?
		[ $rc = 0 ] || { echo "FAIL: --format $f $seed exit $rc"; fail=1; }
	done

	# DOT: one node per lead and seed, parsed by GraphViz when present
	python3 - "$tmp/$tag.json" "$tmp/$tag.dot" <<'PY' || fail=1
import json, re, sys
r = json.load(open(sys.argv[1])); dot = open(sys.argv[2]).read()
assert dot.startswith("digraph certhound_pivot {") and dot.rstrip().endswith("}"), "DOT frame"
tips = set(re.findall(r'tooltip="((?:[^"\\]|\\.)*)"', dot))
for l in r["leads"]:
    assert l["value"] in tips, ("lead missing from DOT", l["value"])
for s in r["seeds"]:
    assert s["seed"] in tips, ("seed missing from DOT", s["seed"])
edges = len(re.findall(r"^  n\d+ -> n\d+ ", dot, re.M))
assert edges >= len(r["leads"]), ("too few edges", edges)
PY
	if command -v dot >/dev/null; then
		dot -Tsvg "$tmp/$tag.dot" > "$tmp/$tag.gv.svg" 2> "$tmp/dot.err" && [ ! -s "$tmp/dot.err" ] ||
			{ echo "FAIL: dot -Tsvg rejected the DOT of $seed: $(head -3 "$tmp/dot.err")"; fail=1; }
		"$cli" --db "$tmp/db" pivot --format svg "$seed" > "$tmp/$tag.svg" &&
			grep -q "<svg" "$tmp/$tag.svg" && grep -q "${tag%%-*}" "$tmp/$tag.svg" ||
			{ echo "FAIL: --format svg $seed"; fail=1; }
	else
		echo "note: graphviz's dot is not installed: DOT not rendered; checking --format svg fails cleanly"
		"$cli" --db "$tmp/db" pivot --format svg "$seed" > /dev/null 2> "$tmp/svg.err"
		rc=$?
		[ $rc = 5 ] && grep -q graphviz "$tmp/svg.err" || { echo "FAIL: svg without dot: exit $rc"; fail=1; }
	fi

	# HTML: well-formed, complete, offline
	python3 - "$tmp/$tag.json" "$tmp/$tag.html" <<'PY' || fail=1
import html, json, re, sys
from html.parser import HTMLParser
r = json.load(open(sys.argv[1])); text = open(sys.argv[2], encoding="utf-8").read()
VOID = {"meta", "br", "input", "img", "link", "hr", "wbr", "col", "source", "area", "base"}
SVG_EMPTY = {"rect", "path", "circle", "line"}
class P(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True); self.stack = []; self.err = []; self.data = []
        self.urls = []
    def handle_starttag(self, tag, attrs):
        for k, v in attrs:
            if k in ("src", "href") or (v and re.match(r"(?i)\s*(https?:|//)", v) and k != "xmlns"):
                self.urls.append((tag, k, v))
        if tag not in VOID:
            self.stack.append(tag)
    def handle_startendtag(self, tag, attrs):
        if tag not in VOID and tag not in SVG_EMPTY:
            self.err.append("self-closed <%s/>" % tag)
    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.err.append("</%s> closes <%s>" % (tag, self.stack[-1] if self.stack else None))
        else:
            self.stack.pop()
    def handle_data(self, d):
        self.data.append(d)
p = P(); p.feed(text); p.close()
assert text.startswith("<!DOCTYPE html>"), "doctype"
assert not p.err, p.err[:5]
assert not p.stack, ("unclosed", p.stack)
assert not p.urls, ("external references", p.urls[:3])
body = "".join(p.data)
for l in r["leads"]:
    assert l["value"] in body, ("lead missing from HTML", l["value"])
for s in r["suppressed"]:
    assert s["value"] in body, ("suppressed value missing from HTML", s["value"])
assert "<svg" in text and "<script>" in text and 'id="leads"' in text
PY
done

# STIX: schema-valid, complete, deterministic ids
schemas=${CH_SHARED_DIR:-}/vendor-data/stix2.1-json-schemas
if [ -z "${CH_SHARED_DIR:-}" ] || [ ! -d "$schemas/schemas" ]; then
	echo "skip (stix schema check): ../shared/vendor-data/stix2.1-json-schemas is absent"
elif ! python3 -c 'import jsonschema' 2>/dev/null; then
	echo "skip (stix schema check): python3-jsonschema is not installed"
else
	for seed in "${seeds[@]}"; do
		tag=${seed#domain:}
		"$cli" --db "$tmp/db" pivot --format stix "$seed" > "$tmp/$tag.2.stix"
		python3 "${CH_SOURCE_DIR:?}/tests/stix_validate.py" "$schemas" "$tmp/$tag.stix" || fail=1
		python3 - "$schemas" "$tmp/$tag.json" "$tmp/$tag.stix" "$tmp/$tag.2.stix" <<'PY' || fail=1
import json, re, sys, uuid
res, b1, b2 = sys.argv[2:5]
bundle = json.load(open(b1)); again = json.load(open(b2)); r = json.load(open(res))
ids = [o["id"] for o in bundle["objects"]]
assert len(ids) == len(set(ids)), "duplicate ids"
assert ids == [o["id"] for o in again["objects"]], "ids differ between runs"
ns = uuid.UUID("00abedb4-aa42-466c-9c01-fed23315a9b7")
by_id = {o["id"]: o for o in bundle["objects"]}
pats = {o["pattern"] for o in bundle["objects"] if o["type"] == "indicator"}
for l in r["leads"]:
    if l["kind"] == "cert":
        sco = "x509-certificate--%s" % uuid.uuid5(ns, '{"hashes":{"SHA-256":"%s"}}' % l["value"])
        pat = "[x509-certificate:hashes.'SHA-256' = '%s']" % l["value"]
    else:
        t = "domain-name" if l["kind"] in ("domain", "name") else \
            "ipv4-addr" if re.match(r"^\d+\.\d+\.\d+\.\d+$", l["value"]) else "ipv6-addr"
        sco = "%s--%s" % (t, uuid.uuid5(ns, '{"value":"%s"}' % l["value"]))
        pat = "[%s:value = '%s']" % (t, l["value"])
    assert sco in by_id, ("no observable for lead", l["value"])
    assert pat in pats, ("no indicator for lead", l["value"])
ind = [o for o in bundle["objects"] if o["type"] == "indicator"]
assert all(0 <= o["confidence"] <= 100 for o in ind)
rels = [o for o in bundle["objects"] if o["type"] == "relationship"]
assert sum(o["relationship_type"] == "based-on" for o in rels) == len(ind)
assert all(o["source_ref"] in by_id and o["target_ref"] in by_id for o in rels), "dangling ref"
PY
	done
fi
[ $fail = 0 ] && echo "ok" || echo "FAIL"
exit $fail
