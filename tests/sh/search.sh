#!/usr/bin/env bash
# certhound search / show / stats on a real store: certificates made here with the openssl command
# are ingested with `certhound ingest`; every search must return exactly the certificates expected
# (fingerprints computed by openssl), paging with --after must visit every result exactly once,
# --count must agree, and bad queries must exit 2 pointing at a column.
set -u
cli=${CH_CLI:?CH_CLI is not set}
src=${CH_SOURCE_DIR:?CH_SOURCE_DIR is not set}
command -v openssl >/dev/null || { echo "skip: the openssl command is missing"; exit 77; }
command -v jq >/dev/null || { echo "skip: jq is missing (scripts/deps.sh installs it)"; exit 77; }

"$cli" ingest --help >/dev/null 2>&1 || { echo "skip: 'certhound ingest' is not part of this build"; exit 77; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fails=0
checks=0
fail() { echo "FAIL: $*" >&2; fails=$((fails + 1)); }
db="$work/store.db"
certs="$work/certs"
mkdir -p "$certs"
cd "$work" || exit 1

# ---- certificates -------------------------------------------------------------------------
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout root.key \
	-out "$certs/root.pem" -subj "/O=Hound Test/CN=Hound Test Root" -days 3650 \
	-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" \
	2>/dev/null || { echo "FAIL: openssl cannot make a root"; exit 1; }

# leaf NAME SERIAL DAYS KEY(ec|rsa|KEYFILE) SUBJECT SAN
leaf() {
	local name=$1 serial=$2 days=$3 key=$4 subj=$5 san=$6
	case $key in
	ec) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$name.key" 2>/dev/null ;;
	rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$name.key" 2>/dev/null ;;
	*) cp "$key" "$name.key" ;;
	esac
	openssl req -new -key "$name.key" -subj "$subj" -out "$name.csr" 2>/dev/null
	printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\n' "$san" >"$name.ext"
	openssl x509 -req -in "$name.csr" -CA "$certs/root.pem" -CAkey root.key -set_serial "$serial" \
		-days "$days" -extfile "$name.ext" -out "$certs/$name.pem" 2>/dev/null ||
		{ echo "FAIL: openssl cannot make $name"; exit 1; }
}
leaf www 0x00ab01 10 ec "/O=Example Inc/CN=www.example.com" "DNS:www.example.com,DNS:example.com"
leaf api 0x1002 100 rsa "/O=Example Inc/CN=api.example.com" "DNS:api.example.com,DNS:deep.api.example.com"
leaf org 0x1003 1000 ec "/O=Other Org/OU=Ops/CN=example.org" "DNS:example.org,IP:192.0.2.7,email:admin@example.org"
leaf notex 0x1004 400 ec "/CN=notexample.com" "DNS:notexample.com"
leaf idn 0x1005 400 ec "/CN=xn--bcher-kva.example" "DNS:xn--bcher-kva.example"
leaf shared 0x1006 400 api.key "/O=Example Inc/CN=api2.example.net" "DNS:api2.example.net"
for i in $(seq 1 30); do
	leaf "p$i" $((0x2000 + i)) 365 ec "/CN=p$i.paging.test" "DNS:p$i.paging.test"
done

sha() { openssl x509 -in "$certs/$1.pem" -outform DER | openssl dgst -sha256 -r | cut -c1-64; }
spki() { openssl x509 -in "$certs/$1.pem" -pubkey -noout | openssl pkey -pubin -outform DER |
	openssl dgst -sha256 -r | cut -c1-64; }
# expect NAME...: the sorted fingerprints of those certificates
expect() { for n in "$@"; do sha "$n"; done | sort; }
paging_all=$(for i in $(seq 1 30); do echo "p$i"; done)

"$cli" --db "$db" ingest "$certs" >"$work/ingest.out" 2>&1 ||
	{ cat "$work/ingest.out" >&2; echo "FAIL: certhound ingest failed"; exit 1; }

# ---- searches return exactly the expected certificates --------------------------------------
# check 'QUERY' NAME... (no names: nothing may match, exit 1)
check() {
	local q=$1 got want rc count
	shift
	local shown=$q
	[ ${#q} -le 120 ] || shown="${q:0:120}... (${#q} bytes)"
	checks=$((checks + 1))
	"$cli" --db "$db" search --all --format ndjson -- "$q" >"$work/out" 2>"$work/err"
	rc=$?
	got=$(jq -r .sha256 "$work/out" | sort)
	want=$(expect "$@")
	if [ "$got" != "$want" ]; then
		fail "search '$shown': got $(echo "$got" | grep -c .) certificates, want $#"
		diff <(echo "$want") <(echo "$got") >&2
	fi
	if [ $# -eq 0 ] && [ "$rc" != 1 ]; then fail "search '$shown': exit $rc, want 1 (nothing matched)"; fi
	if [ $# -gt 0 ] && [ "$rc" != 0 ]; then fail "search '$shown': exit $rc"; cat "$work/err" >&2; fi
	count=$("$cli" --db "$db" search --count -- "$q" 2>/dev/null)
	[ "$count" = "$#" ] || fail "search --count '$shown' = '$count', want $#"
}

all_leaves="www api org notex idn shared $paging_all"
check 'name:*.example.com' www api
check 'name:example.com' www
check 'name:deep.api.example.com' api
check 'name:EXAMPLE.com.' www
check 'domain:example.com' www api
check 'www.example.com' www
check 'example.org' org
check 'bücher.example' idn
check 'name:*.BÜCHER.example' idn
check 'ip:192.0.2.7' org
check '192.0.2.7' org
check 'san:192.0.2.7' org
check 'email:ADMIN@example.org' org
check 'serial:AB01' www
check 'serial:0x00AB01' www
check 'serial:10:02' api
check "spki:$(spki api)" api shared
check "sha256:$(sha www | cut -c1-12)" www
check "sha256:$(sha org)" org
check 'issuer.o:"Hound Test"' root $all_leaves
check 'issuer.cn:"Hound Test Root"' root $all_leaves
check 'issuer.o:Hound*' root $all_leaves
check 'issuer:"O=Hound Test"' root $all_leaves
check 'subject.o:"Other Org"' org
check 'subject.ou:Ops' org
check 'subject.cn:api2.example.net' shared
check 'cn:api.example.com' api
check 'ca:true' root
check 'self-signed:true' root
check 'key:rsa' api shared
check 'key:rsa-2048' api shared
check 'key:ec-p256 name:*.example.com' www
check 'name:example.org OR serial:1004' org notex
check 'name:*.paging.test -name:p1.paging.test' $(echo "$paging_all" | grep -vx p1)
check '(name:p1.paging.test OR name:p2.paging.test) NOT name:p2.paging.test' p1
check 'name:*.example.com OR name:example.org ca:false' www api org
check 'expires:<50d' www
check 'expires:<50d OR expires:>2000d' www root
check 'issued:>7d name:*.example.com' www api
check 'valid-at:now subject.o:"Other Org"' org
check 'issued:<7d'
check 'name:nothing.invalid'
check 'precert:true'
# Long queries within the 256-term limit expand to more lookups than SQLite takes in one compound
# SELECT (500): 256 bare addresses ORed are 768, 256 negated bare names 512.
check "$(for i in $(seq 1 255); do printf '10.9.%d.%d OR ' $((i / 200)) $((i % 200)); done)192.0.2.7" org
check "$(for i in $(seq 1 255); do printf 'zz%d.test OR ' "$i"; done)example.org" org
check "name:*.paging.test $(for i in $(seq 1 254); do printf -- '-zz%d.test ' "$i"; done)-p1.paging.test" \
	$(echo "$paging_all" | grep -vx p1)

# ---- paging visits every result exactly once -------------------------------------------------
checks=$((checks + 1))
: >"$work/pages"
cursor=
pages=0
while :; do
	args=(--db "$db" search --limit 7 --format ndjson)
	[ -n "$cursor" ] && args+=(--after "$cursor")
	"$cli" "${args[@]}" 'name:*.paging.test' >"$work/page" 2>"$work/err"
	n=$(wc -l <"$work/page")
	[ "$n" -le 7 ] || fail "page $pages has $n results with --limit 7"
	cat "$work/page" >>"$work/pages"
	pages=$((pages + 1))
	cursor=$(sed -n 's/^certhound: search: more results: --after //p' "$work/err")
	[ -z "$cursor" ] && break
	[ "$pages" -gt 10 ] && { fail "paging does not end"; break; }
done
[ "$pages" = 5 ] || fail "30 results in pages of 7 took $pages pages, want 5"
got=$(jq -r .sha256 "$work/pages" | sort)
[ "$(echo "$got" | uniq -d)" = "" ] || fail "paging returned a certificate twice"
[ "$got" = "$(expect $paging_all)" ] || fail "paging did not visit every result"

# the table format pages the same way and its first column prefixes the fingerprints
checks=$((checks + 1))
"$cli" --db "$db" search --limit 7 --format table 'name:*.paging.test' >"$work/t" 2>"$work/err"
[ "$(head -1 "$work/t" | awk '{print $1}')" = SHA256 ] || fail "table has no header"
[ "$(tail -n +2 "$work/t" | wc -l)" = 7 ] || fail "table page is not 7 rows"
grep -q -- '--after ' "$work/err" || fail "table page does not print the next cursor"

# json: one document with the records and the next cursor
checks=$((checks + 1))
"$cli" --db "$db" search --limit 7 --format json 'name:*.paging.test' >"$work/j" 2>/dev/null
[ "$(jq '.results | length' "$work/j")" = 7 ] || fail "json results length"
next=$(jq -r .next "$work/j")
[ -n "$next" ] && [ "$next" != null ] || fail "json has no next cursor"
"$cli" --db "$db" search --limit 100 --format json --after "$next" 'name:*.paging.test' >"$work/j2"
[ "$(jq '.results | length' "$work/j2")" = 23 ] || fail "json second page length"
[ "$(jq -r .next "$work/j2")" = null ] || fail "json last page has a next cursor"

# ---- --names: distinct names, grouped by domain ----------------------------------------------
checks=$((checks + 1))
got=$("$cli" --db "$db" search --names --format table 'name:*.example.com' | tr '\n' ' ')
[ "$got" = "example.com api.example.com deep.api.example.com www.example.com " ] ||
	fail "search --names: got '$got'"
got=$("$cli" --db "$db" search --names --format ndjson 'domain:example.com' | jq -r .name | wc -l)
[ "$got" = 4 ] || fail "search --names ndjson: $got names"

# ---- bad queries exit 2 with a column ---------------------------------------------------------
# bad 'QUERY' 'expected stderr'
bad() {
	checks=$((checks + 1))
	"$cli" --db "$db" search -- "$1" >/dev/null 2>"$work/err"
	rc=$?
	[ "$rc" = 2 ] || fail "search '$1': exit $rc, want 2"
	grep -qF -- "$2" "$work/err" || fail "search '$1': stderr '$(cat "$work/err")', want '$2'"
}
bad 'name:a.com (ca:true' "certhound: search: column 20: expected ')'"
bad 'name:a.com ca:true)' "certhound: search: column 19: unexpected ')'"
bad 'nmae:a.com' "certhound: search: column 1: unknown field 'nmae'"
bad 'sha256:abc' "certhound: search: column 11: expected at least 8 hex digits"
bad 'expires:<30q' "certhound: search: column 12: expected a duration unit"
bad 'ca:true OR' "certhound: search: column 11: expected a search term after OR"
checks=$((checks + 1))
"$cli" --db "$db" search --after 'not-a-cursor' 'name:*.paging.test' >/dev/null 2>&1
[ $? = 2 ] || fail "a bad cursor does not exit 2"
"$cli" --db "$db" search >/dev/null 2>&1
[ $? = 2 ] || fail "search without a query does not exit 2"
"$cli" --db "$work/missing.db" search 'ca:true' >/dev/null 2>&1
[ $? = 5 ] || fail "search on a missing store does not exit 5"

# ---- show ------------------------------------------------------------------------------------
checks=$((checks + 1))
full=$(sha www)
"$cli" --db "$db" show --format json "${full:0:10}" >"$work/show.json" || fail "show by prefix failed"
[ "$(jq -r .sha256 "$work/show.json")" = "$full" ] || fail "show: wrong certificate"
[ "$(jq -r '.sightings | length' "$work/show.json")" -ge 1 ] || fail "show: no sighting"
jq -r '.sightings[0].source' "$work/show.json" | grep -q 'www.pem$' || fail "show: sighting is not the file"
jq -r .pem "$work/show.json" | openssl x509 -noout 2>/dev/null || fail "show: pem does not decode"
[ "$(jq -r .pem "$work/show.json" | openssl x509 -outform DER | openssl dgst -sha256 -r | cut -c1-64)" = "$full" ] ||
	fail "show: pem is not the certificate"
[ "$(jq -r '.rarity[] | select(.attribute == "issuer.o") | .shared_by' "$work/show.json")" = 37 ] ||
	fail "show: issuer.o rarity is not 37"
[ "$(jq -r '.names | sort | join(",")' "$work/show.json")" = "example.com,www.example.com" ] ||
	fail "show: names"
"$cli" --db "$db" show --format table "$full" >"$work/show.txt" || fail "show table failed"
grep -q 'BEGIN CERTIFICATE' "$work/show.txt" || fail "show table: no PEM"
grep -q '^sightings (1)' "$work/show.txt" || fail "show table: no sightings"
"$cli" --db "$db" show 0000000000 >/dev/null 2>&1
[ $? = 1 ] || fail "show of an unknown certificate does not exit 1"

# ---- stats -----------------------------------------------------------------------------------
checks=$((checks + 1))
"$cli" --db "$db" stats --format json >"$work/stats.json" || fail "stats failed"
[ "$(jq .certificates "$work/stats.json")" = 37 ] || fail "stats: certificates != 37"
[ "$(jq .precertificates "$work/stats.json")" = 0 ] || fail "stats: precertificates != 0"
[ "$(jq .sightings "$work/stats.json")" = 37 ] || fail "stats: sightings != 37"
[ "$(jq .logs "$work/stats.json")" = 0 ] || fail "stats: logs != 0"
# names: 2 + 2 + 1 + 1 + 1 + 1 + 30 SAN names, plus example.org/CN duplicates already counted
[ "$(jq .names "$work/stats.json")" = 38 ] || fail "stats: names = $(jq .names "$work/stats.json"), want 38"

# ---- the demo set: a precertificate and its final certificate are linked -----------------------
demo="$src/data/demo/certs"
if [ -f "$demo/precert.pem" ] && [ -f "$demo/final-with-scts.pem" ]; then
	checks=$((checks + 1))
	db2="$work/demo.db"
	"$cli" --db "$db2" ingest "$demo" >/dev/null 2>&1
	pre=$(openssl x509 -in "$demo/precert.pem" -outform DER | openssl dgst -sha256 -r | cut -c1-64)
	fin=$(openssl x509 -in "$demo/final-with-scts.pem" -outform DER | openssl dgst -sha256 -r | cut -c1-64)
	got=$("$cli" --db "$db2" search --format ndjson precert:true | jq -r .sha256)
	[ "$got" = "$pre" ] || fail "demo: precert:true gave '$got'"
	"$cli" --db "$db2" show --format json "$pre" >"$work/pre.json" || fail "demo: show precert"
	[ "$(jq -r '.linked[0].sha256' "$work/pre.json")" = "$fin" ] || fail "demo: precert not linked to its certificate"
	[ "$(jq -r '.linked[0].kind' "$work/pre.json")" = certificate ] || fail "demo: linked kind"
	tbs=$(jq -r .tbs_sha256 "$work/pre.json")
	got=$("$cli" --db "$db2" search --format ndjson "tbs:$tbs" | jq -r .sha256 | sort | tr '\n' ' ')
	[ "$got" = "$(printf '%s\n' "$pre" "$fin" | sort | tr '\n' ' ')" ] || fail "demo: tbs search"
	[ "$("$cli" --db "$db2" stats --format json | jq .precertificates)" = 1 ] || fail "demo: stats precertificates"
fi

if [ "$fails" -gt 0 ]; then
	echo "search: $fails of $checks checks failed"
	exit 1
fi
echo "search: all $checks checks passed"
