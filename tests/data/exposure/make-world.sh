#!/usr/bin/env bash
# make-world.sh DIR: the certificate history of "Example Corp" (example.com) for the exposure
# tests, made with the openssl command (`openssl ca` for exact validity dates). The report is
# judged as of 2026-06-01T00:00:00Z.
#
#   www1..www5  www.example.com + example.com: Old Trust (2024), then R3; a 57-day renewal gap
#               2025-04-05 -> 2025-06-01; www4 expires 2026-06-08 (7-day window) with www5 as
#               its successor; www5 expires 2026-08-23 (90-day window) with none
#   api         api.example.com, Old Trust, expires 2026-06-20 (30-day window), no successor
#   leaky       jenkins / staging-api / vpn01 .example.com (internal labels)
#   corp        O=Example Corp, OU=IT Operations: wiki.example.com, printer.local, fileserver,
#               IP 10.1.2.3 (internal TLD, single label, private IP)
#   legacy      legacy.example.com: RSA 1024, SHA-1 signature
#   md5         md5.example.com: MD5 signature
#   shop        shop.example.com from "Fresh Certs" (first issuance 2026-05-20: a new CA)
#   mail, cdn   mail.example.com and cdn-assets.example.com with one key (key reuse)
#   web         web01/web02/web03.example.com (a naming pattern)
#   wild        *.example.com
#   pay-pre, pay-final  pay.example.com: a precertificate and its certificate (one issuance)
#   other       unrelated: www.other.org and examp1e.com (must never appear)
set -eu
dir=${1:?usage: make-world.sh DIR}
mkdir -p "$dir/certs" "$dir/keys" "$dir/tmp"
cd "$dir"

ec() { [ -f "keys/$1.key" ] || openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "keys/$1.key" 2>/dev/null; }
rsa() { [ -f "keys/$1.key" ] || openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$2" -out "keys/$1.key" 2>/dev/null; }

# ca NAME SUBJECT [RSA-BITS]: a self-signed CA (EC P-256, or RSA) with its own `openssl ca` database
ca() {
	local name=$1 subj=$2
	if [ -n "${3:-}" ]; then rsa "$name" "$3"; else ec "$name"; fi
	openssl req -x509 -new -key "keys/$name.key" -subj "$subj" -days 7300 -set_serial 1 \
		-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
		-out "tmp/$name-ca.pem" 2>/dev/null
	mkdir -p "tmp/$name.db/new"
	: >"tmp/$name.db/index.txt"
	echo 1000 >"tmp/$name.db/serial"
	cat >"tmp/$name.cnf" <<CNF
[ca]
default_ca = d
[d]
dir = tmp/$name.db
database = \$dir/index.txt
new_certs_dir = \$dir/new
serial = \$dir/serial
default_md = sha256
policy = any
unique_subject = no
email_in_dn = no
[any]
commonName = optional
organizationName = optional
organizationalUnitName = optional
countryName = optional
CNF
}

# leaf NAME CA KEY SUBJECT SAN START END [MD]: START/END as YYYYMMDD (midnight UTC)
leaf() {
	local name=$1 issuer=$2 k=$3 subj=$4 san=$5 start=$6 end=$7 md=${8:-sha256}
	[ -f "keys/$k.key" ] || ec "$k"
	openssl req -new -key "keys/$k.key" -subj "$subj" -out "tmp/$name.csr" 2>/dev/null
	printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$san" >"tmp/$name.ext"
	openssl ca -config "tmp/$issuer.cnf" -batch -notext -keyfile "keys/$issuer.key" \
		-cert "tmp/$issuer-ca.pem" -in "tmp/$name.csr" -out "certs/$name.pem" \
		-startdate "${start}000000Z" -enddate "${end}000000Z" -md "$md" -extfile "tmp/$name.ext" \
		>/dev/null 2>"tmp/$name.err" || { cat "tmp/$name.err" >&2; exit 1; }
}

# presigned NAME CA KEY SUBJECT SAN START END SERIAL: a precertificate (CT poison) and then its
# certificate, same serial and TBS otherwise (a throwaway database per signing: one serial twice)
presigned() {
	local name=$1 issuer=$2 k=$3 subj=$4 san=$5 start=$6 end=$7 serial=$8 kind
	[ -f "keys/$k.key" ] || ec "$k"
	openssl req -new -key "keys/$k.key" -subj "$subj" -out "tmp/$name.csr" 2>/dev/null
	for kind in pre final; do
		rm -rf "tmp/$name.db" && mkdir -p "tmp/$name.db/new" && : >"tmp/$name.db/index.txt"
		echo "$serial" >"tmp/$name.db/serial"
		sed "s|^dir = .*|dir = tmp/$name.db|" "tmp/$issuer.cnf" >"tmp/$name.cnf"
		printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$san" >"tmp/$name.ext"
		[ $kind = pre ] && echo '1.3.6.1.4.1.11129.2.4.3=critical,ASN1:NULL' >>"tmp/$name.ext"
		openssl ca -config "tmp/$name.cnf" -batch -notext -keyfile "keys/$issuer.key" \
			-cert "tmp/$issuer-ca.pem" -in "tmp/$name.csr" -out "certs/$name-$kind.pem" \
			-startdate "${start}000000Z" -enddate "${end}000000Z" -extfile "tmp/$name.ext" \
			>/dev/null 2>"tmp/$name.err" || { cat "tmp/$name.err" >&2; exit 1; }
	done
}

ca old "/O=Old Trust/CN=Old Trust RSA CA" 2048
ca r3 "/C=US/O=Let's Encrypt/CN=R3"
ca fresh "/O=Fresh Certs/CN=Fresh DV CA"

leaf www1 old W1 "/O=Example Corp/OU=Web Team/CN=www.example.com" "DNS:www.example.com,DNS:example.com" 20240110 20250110
leaf www2 r3 W2 "/CN=www.example.com" "DNS:www.example.com,DNS:example.com" 20250105 20250405
leaf www3 r3 W3 "/CN=www.example.com" "DNS:www.example.com,DNS:example.com" 20250601 20260315
leaf www4 r3 W4 "/CN=www.example.com" "DNS:www.example.com,DNS:example.com" 20260310 20260608
leaf www5 r3 W5 "/CN=www.example.com" "DNS:www.example.com,DNS:example.com" 20260525 20260823
leaf api old API "/CN=api.example.com" "DNS:api.example.com" 20260301 20260620
leaf leaky old LEAKY "/CN=jenkins.example.com" "DNS:jenkins.example.com,DNS:staging-api.example.com,DNS:vpn01.example.com" 20250901 20260901
leaf corp old CORP "/O=Example Corp/OU=IT Operations/CN=wiki.example.com" "DNS:wiki.example.com,DNS:printer.local,DNS:fileserver,IP:10.1.2.3" 20250901 20261001
rsa LEGACY 1024
leaf legacy old LEGACY "/CN=legacy.example.com" "DNS:legacy.example.com" 20240201 20270201 sha1
rsa MD5 2048
leaf md5 old MD5 "/CN=md5.example.com" "DNS:md5.example.com" 20240301 20270301 md5
leaf shop fresh SHOP "/CN=shop.example.com" "DNS:shop.example.com" 20260520 20261120
leaf mail r3 SHARED "/CN=mail.example.com" "DNS:mail.example.com" 20251001 20261001
leaf cdn r3 SHARED "/CN=cdn-assets.example.com" "DNS:cdn-assets.example.com" 20251002 20261002
leaf web r3 WEB "/CN=web01.example.com" "DNS:web01.example.com,DNS:web02.example.com,DNS:web03.example.com" 20251101 20261101
leaf wild r3 WILD "/CN=*.example.com" "DNS:*.example.com" 20251101 20261101
presigned pay r3 PAY "/CN=pay.example.com" "DNS:pay.example.com" 20251115 20261115 7777
leaf other r3 OTHER "/O=Other Org/CN=www.other.org" "DNS:www.other.org,DNS:examp1e.com" 20260501 20261101
rm -rf tmp
