#!/usr/bin/env bash
# Search over real certificates: ../shared/corpus/certs is ingested, and searches by SPKI, serial,
# IP, SHA-256 prefix, issuer DN and flags must return exactly the stored certificates that
# OpenSSL's view of the corpus (corpus/expected.jsonl) says carry that value. Paging the whole
# store with --after must visit every certificate once and agree with --count.
set -u
cli=${CH_CLI:?CH_CLI is not set}
corpus=${CH_SHARED_DIR:-}/corpus
[ -f "$corpus/expected.jsonl" ] || { echo "skip: no shared corpus at $corpus"; exit 77; }
command -v jq >/dev/null || { echo "skip: jq is missing (scripts/deps.sh installs it)"; exit 77; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
db="$work/corpus.db"
fails=0
checks=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }

"$cli" --db "$db" ingest "$corpus/certs" >"$work/ingest.out" 2>&1
rc=$?
[ "$rc" = 0 ] || [ "$rc" = 3 ] || { cat "$work/ingest.out" >&2; echo "FAIL: ingest exit $rc"; exit 1; }

# Every stored certificate, by paging through a query that matches all of them.
checks=$((checks + 1))
: >"$work/all"
cursor=
pages=0
while :; do
	args=(--db "$db" search --format ndjson --limit 250)
	[ -n "$cursor" ] && args+=(--after "$cursor")
	"$cli" "${args[@]}" 'ca:true OR ca:false' >>"$work/all" 2>"$work/err" || fail "paging exit $?"
	pages=$((pages + 1))
	cursor=$(sed -n 's/^certhound: search: more results: --after //p' "$work/err")
	[ -z "$cursor" ] && break
	[ "$pages" -gt 100 ] && { fail "paging does not end"; break; }
done
jq -r .sha256 "$work/all" | sort >"$work/stored"
total=$("$cli" --db "$db" stats --format json | jq .certificates)
[ "$(wc -l <"$work/stored")" = "$total" ] || fail "paging gave $(wc -l <"$work/stored") certificates, stats says $total"
[ "$(sort -u "$work/stored" | wc -l)" = "$total" ] || fail "paging returned duplicates"
[ "$("$cli" --db "$db" search --count 'ca:true OR ca:false')" = "$total" ] || fail "--count of all != $total"

# OpenSSL's view, restricted to what the store holds (the decoder may refuse a few).
jq -c 'select(.sha256)' "$corpus/expected.jsonl" |
	jq -c --rawfile s "$work/stored" '($s | split("\n") | map({(.): true}) | add) as $in |
		select($in[.sha256])' | jq -s 'unique_by(.sha256)' >"$work/exp.json"
[ "$(jq length "$work/exp.json")" -gt 1000 ] || fail "fewer than 1000 corpus certificates stored"
jq -r '.[].sha256' "$work/exp.json" >"$work/exp.sha"

# check FIELD VALUE JQ-FILTER: search FIELD:"VALUE" == stored certs selected by the filter
check() {
	local q="$1:\"$2\"" want got
	checks=$((checks + 1))
	want=$(jq -r --arg v "$2" "map(select($3)) | .[].sha256" "$work/exp.json" | sort)
	# results OpenSSL refuses have no expected row: compare on the certificates both parse
	got=$("$cli" --db "$db" search --all --format ndjson -- "$q" 2>"$work/err" | jq -r .sha256 |
		grep -Fxf "$work/exp.sha" | sort)
	if [ "$got" != "$want" ]; then
		fail "search $q: $(echo "$got" | grep -c .) results, want $(echo "$want" | grep -c .)"
		diff <(echo "$want") <(echo "$got") | head -5 >&2
	fi
}

# the most shared SPKIs and some unshared ones
for v in $(jq -r 'group_by(.spki_sha256) | sort_by(-length) | .[0:10][] | .[0].spki_sha256' "$work/exp.json") \
	$(jq -r 'group_by(.spki_sha256) | map(select(length == 1)) | .[0:10][] | .[0].spki_sha256' "$work/exp.json"); do
	check spki "$v" '.spki_sha256 == $v'
done
# serials (non-negative ones), the most shared first
for v in $(jq -r 'map(select(.serial_hex | startswith("-") | not)) | group_by(.serial_hex) | sort_by(-length) |
	.[0:10][] | .[0].serial_hex' "$work/exp.json") \
	$(jq -r 'map(select(.serial_hex | startswith("-") | not)) | .[100:110][] | .serial_hex' "$work/exp.json"); do
	check serial "$v" '.serial_hex == $v'
done
# IP SANs
for v in $(jq -r '[.[].san_ip_normalized[]?] | unique | .[0:15][]' "$work/exp.json"); do
	check ip "$v" '(.san_ip_normalized // []) | index($v) != null'
done
# SHA-256 prefixes of 8 digits
for v in $(jq -r '. as $a | range(0; 400; 40) | $a[.].sha256[0:8]' "$work/exp.json"); do
	check sha256 "$v" '.sha256 | startswith($v)'
done
# issuer DN substrings: the commonest issuers' CN part
while IFS= read -r v; do
	check issuer "$v" '.issuer_utf8 | ascii_downcase | contains($v | ascii_downcase)'
done < <(jq -r 'map(select(.issuer_utf8 | test("^CN=[A-Za-z0-9 .-]+,"))) | group_by(.issuer_utf8) |
	sort_by(-length) | .[0:8][] | .[0].issuer_utf8 | capture("^(?<cn>CN=[^,]+),") | .cn' "$work/exp.json")

# flags agree with OpenSSL's view
checks=$((checks + 1))
want=$(jq '[.[] | select(.is_precert)] | length' "$work/exp.json")
got=$("$cli" --db "$db" search --all --format ndjson 'precert:true' | jq -r .sha256 |
	grep -Fxf "$work/exp.sha" | wc -l)
[ "$got" = "$want" ] || fail "precert:true: $got of the OpenSSL-parsed certificates, want $want"

if [ "$fails" -gt 0 ]; then
	echo "search_corpus: $fails of $checks checks failed"
	exit 1
fi
echo "search_corpus: all $checks checks passed ($total certificates, $pages pages)"
