#!/usr/bin/env bash
# certhound parse end to end, with certificates made by the openssl command right here:
# good and bad certificates mixed in one file (good ones printed, the bad one reported on stderr
# with file and position, exit 3), stdin, directories, every --format, usage errors, and the
# record's values checked against what openssl itself says about the same certificates.
set -u
CLI=${CH_CLI:?CH_CLI not set}
command -v openssl >/dev/null || { echo "skip: no openssl command"; exit 77; }
command -v jq >/dev/null || { echo "skip: no jq (scripts/deps.sh installs it)"; exit 77; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
fail=0
check() { # check DESCRIPTION COMMAND...
	local what=$1
	shift
	if "$@"; then :; else
		echo "FAIL: $what" >&2
		fail=1
	fi
}

# --- certificates ---------------------------------------------------------------------------
openssl req -x509 -newkey rsa:2048 -nodes -keyout rsa.key -subj "/O=Test Org/CN=good-one.example.com" \
	-addext "subjectAltName=DNS:good-one.example.com,DNS:www.good-one.example.com,IP:192.0.2.7" \
	-days 30 -out good1.pem 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ec.key \
	-subj "/CN=good-two.example.org" -addext "subjectAltName=DNS:good-two.example.org" \
	-days 30 -out good2.pem 2>/dev/null
openssl x509 -in good2.pem -outform DER -out good2.der
# A bad one: the DER of good1 cut short, in a well-formed PEM block.
openssl x509 -in good1.pem -outform DER | head -c 300 | base64 -w 64 >trunc.b64
{
	echo "# a bundle with one broken certificate in the middle"
	cat good1.pem
	echo "junk between blocks"
	echo "-----BEGIN CERTIFICATE-----"
	cat trunc.b64
	echo "-----END CERTIFICATE-----"
	cat good2.pem
} >mixed.pem
bad_line=$(grep -n 'BEGIN CERTIFICATE' mixed.pem | sed -n 2p | cut -d: -f1)

sha256_of() { openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//; s/://g' | tr A-F a-f; }
fp1=$(sha256_of good1.pem)
fp2=$(sha256_of good2.pem)

# --- good and bad mixed ---------------------------------------------------------------------
"$CLI" parse --format ndjson mixed.pem >out.ndjson 2>err.txt
rc=$?
check "mixed file exits 3 (got $rc)" test "$rc" -eq 3
check "mixed file prints the two good certificates" test "$(wc -l <out.ndjson)" -eq 2
check "first record is good1" test "$(jq -r .sha256 <out.ndjson | sed -n 1p)" = "$fp1"
check "second record is good2" test "$(jq -r .sha256 <out.ndjson | sed -n 2p)" = "$fp2"
check "stderr names file, certificate number and line" \
	grep -q "^certhound: mixed.pem: certificate #2 (line $bad_line, offset [0-9]*): ." err.txt
check "stderr says nothing about the good ones" test "$(grep -c 'certificate #' err.txt)" -eq 1
check "the source of the second good record is certificate index 2" \
	test "$(jq -r '.source.index' <out.ndjson | sed -n 2p)" = 2

# --- record values agree with openssl ---------------------------------------------------------
rec=$(sed -n 1p out.ndjson)
serial=$(openssl x509 -in good1.pem -noout -serial | sed 's/serial=//' | tr A-F a-f | sed 's/^\(00\)*//')
check "serial" test "$(jq -r .serial <<<"$rec")" = "$serial"
na=$(date -u -d "$(openssl x509 -in good1.pem -noout -enddate | sed 's/notAfter=//')" +%Y-%m-%dT%H:%M:%SZ)
check "not_after" test "$(jq -r .not_after <<<"$rec")" = "$na"
check "subject dn" test "$(jq -r .subject.dn <<<"$rec")" = "CN=good-one.example.com,O=Test Org"
check "san dns" test "$(jq -c .san.dns <<<"$rec")" = '["good-one.example.com","www.good-one.example.com"]'
check "san ip" test "$(jq -c .san.ip <<<"$rec")" = '["192.0.2.7"]'
check "key" test "$(jq -c .key.type,.key.bits <<<"$rec" | tr '\n' ' ')" = '"rsa" 2048 '
check "self-signed, CA (openssl req -x509 adds basicConstraints CA:TRUE)" \
	test "$(jq -c '[.self_signed,.is_ca,.precert]' <<<"$rec")" = '[true,true,false]'
spki=$(openssl x509 -in good1.pem -noout -pubkey | openssl pkey -pubin -outform DER | openssl dgst -sha256 -r | cut -c1-64)
check "spki_sha256" test "$(jq -r .spki_sha256 <<<"$rec")" = "$spki"
for f in sha256 sha1 serial version subject issuer not_before not_after san key spki_sha256 \
	sig_alg ja4x is_ca self_signed precert names registered_domains anomalies; do
	check "contract field $f present" jq -e "has(\"$f\")" <<<"$rec" >/dev/null
done
check "names" test "$(jq -c .names <<<"$rec")" = '["good-one.example.com","www.good-one.example.com"]'
check "registered_domains" test "$(jq -c .registered_domains <<<"$rec")" = '["example.com"]'
check "EC key curve" test "$(sed -n 2p out.ndjson | jq -r .key.curve)" = prime256v1

# --- stdin ------------------------------------------------------------------------------------
"$CLI" parse - <good2.pem >stdin.ndjson 2>err.txt
rc=$?
check "stdin exits 0 (got $rc)" test "$rc" -eq 0
check "stdin prints one record" test "$(wc -l <stdin.ndjson)" -eq 1
check "stdin record is good2 and its file is -" \
	test "$(jq -r '.sha256 + " " + .source.file' <stdin.ndjson)" = "$fp2 -"
"$CLI" parse - <good2.der >stdin-der.ndjson 2>/dev/null
check "DER on stdin" test "$(jq -r .sha256 <stdin-der.ndjson)" = "$fp2"

# --- directories ------------------------------------------------------------------------------
mkdir -p tree/sub/deeper
cp good1.pem tree/a.pem
cp good2.der tree/sub/b.der
cp good1.pem tree/sub/deeper/c.crt
echo "notes, no certificate here" >tree/README.txt
"$CLI" parse tree >dir.ndjson 2>err.txt
rc=$?
check "directory exits 0 (got $rc; $(cat err.txt))" test "$rc" -eq 0
check "directory walk finds three certificates" test "$(wc -l <dir.ndjson)" -eq 3
check "walk order and files" test "$(jq -r .source.file <dir.ndjson | tr '\n' ' ')" = \
	"tree/a.pem tree/sub/b.der tree/sub/deeper/c.crt "
mkdir empty
"$CLI" parse empty >/dev/null 2>err.txt
rc=$?
check "a directory without certificates exits 1 (got $rc)" test "$rc" -eq 1
"$CLI" parse nonexistent.pem good1.pem >one.ndjson 2>err.txt
rc=$?
check "a missing file exits 3 (got $rc)" test "$rc" -eq 3
check "a missing file is named on stderr" grep -q '^certhound: nonexistent.pem: ' err.txt
check "the file after a missing one is still read" test "$(wc -l <one.ndjson)" -eq 1

# --- formats ----------------------------------------------------------------------------------
"$CLI" parse good1.pem good2.der >piped.out
check "default when piped is ndjson" test "$(jq -s length <piped.out)" -eq 2 -a "$(wc -l <piped.out)" -eq 2
"$CLI" parse --format json good1.pem good2.der >out.json
check "json: two complete objects" test "$(jq -s length <out.json)" -eq 2
check "json: indented" grep -q '^  "sha256": "' out.json
"$CLI" parse --format=csv good1.pem good2.der >out.csv
check "csv: header and two rows" test "$(wc -l <out.csv)" -eq 3
check "csv: header starts with sha256" grep -q '^sha256,sha1,serial,' out.csv
check "csv: CRLF line ends" test "$(grep -c $'\r$' out.csv)" -eq 3
check "csv: row has the fingerprint" grep -q "^$fp1," out.csv
check "csv: quoted DN with a comma" grep -q '"CN=good-one.example.com,O=Test Org"' out.csv
"$CLI" parse --format csv --no-header good1.pem >noheader.csv
check "csv --no-header" test "$(wc -l <noheader.csv)" -eq 1
"$CLI" parse -f table good1.pem good2.der >out.table
check "table: label column" grep -q "^sha256       $fp1\$" out.table
check "table: subject line" grep -q '^subject      CN=good-one.example.com,O=Test Org$' out.table
check "table: two blocks" test "$(grep -c '^certificate  ' out.table)" -eq 2
"$CLI" parse --format table --compact good1.pem good2.der >compact.table
check "table --compact: one line each" test "$(wc -l <compact.table)" -eq 2
check "table --compact: fields" grep -q "^${fp1:0:16}  [0-9-]\{10\}  rsa2048 *good-one.example.com" compact.table

# --- usage ------------------------------------------------------------------------------------
"$CLI" parse --help >help.txt 2>&1
check "--help exits 0" test $? -eq 0
check "--help describes the command" grep -q '^usage: certhound parse' help.txt
"$CLI" parse >/dev/null 2>&1
check "no input is a usage error" test $? -eq 2
"$CLI" parse --format xml good1.pem >/dev/null 2>err.txt
check "unknown format is a usage error" test $? -eq 2
check "unknown format named" grep -q "unknown format 'xml'" err.txt
"$CLI" parse --bogus good1.pem >/dev/null 2>&1
check "unknown option is a usage error" test $? -eq 2
"$CLI" parse --format >/dev/null 2>&1
check "--format without a value is a usage error" test $? -eq 2

# --- the demo data ----------------------------------------------------------------------------
if [ -d "${CH_SOURCE_DIR:-}/data/demo/certs" ]; then
	"$CLI" parse "$CH_SOURCE_DIR/data/demo" >demo.ndjson 2>err.txt
	rc=$?
	check "demo data decodes cleanly (rc $rc: $(cat err.txt))" test "$rc" -eq 0
	check "demo data: 12 certificates" test "$(wc -l <demo.ndjson)" -eq 12
	check "demo precert and final certificate share tbs_sha256" test \
		"$(jq -r 'select(.subject.cn == ["ct.example.com"]) | .tbs_sha256' demo.ndjson | sort -u | wc -l)" -eq 1
	check "demo: one precert" test "$(jq -r 'select(.precert) | .sha256' demo.ndjson | wc -l)" -eq 1
	check "demo: IDN names as A-labels and U-labels" test \
		"$(jq -c 'select(.subject.l == ["München"]) | [.names, .names_unicode]' demo.ndjson)" = \
		'[["xn--mnchen-3ya.example","www.xn--mnchen-3ya.example","xn--bcher-kva.example"],["münchen.example","www.münchen.example","bücher.example"]]'
	check "demo: internal names kept, no registrable domain for .local" test \
		"$(jq -c 'select(.subject.cn == ["jenkins.corp.local"]) | [(.names | length), .registered_domains]' demo.ndjson)" = \
		'[5,["corp.local"]]'
	check "demo: SCTs decoded" test "$(jq -s '[.[].scts[]] | length' demo.ndjson)" -eq 2
fi

if [ "$fail" -ne 0 ]; then
	echo "cli_parse: FAILED" >&2
	exit 1
fi
echo "cli_parse: all checks passed"
