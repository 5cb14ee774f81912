#!/usr/bin/env bash
# make-demo.sh — regenerate certhound's demo certificates with the openssl command.
#
# The outputs in data/demo/certs/ are committed, so the demo is reproducible without running this;
# run it again only to refresh them (keys are random, so every run gives new fingerprints).
# Private keys are made in a temporary directory and thrown away: only certificates are kept.
# Dates are fixed (valid certificates run into the 2030s, one expired in 2021), so a regenerated
# set differs from the committed one only in keys, signatures and fingerprints.
#
#   data/demo/make-demo.sh [OUTDIR]        (default: data/demo/certs next to this script)
#
# What it makes:
#   web-rsa.pem         RSA-2048 web server certificate with many SANs (DNS, IP, e-mail, URI),
#                       OCSP/CA-issuers/CRL URLs and the CA/B Forum OV policy, from "Demo Public CA"
#   web-ec.der          ECDSA P-256 web certificate in DER form (DV policy)
#   ed25519.pem         an Ed25519 certificate
#   corp-root-ca.pem    a self-signed internal root CA (P-384)
#   jenkins-corp.pem    a leaf from that CA with internal names (jenkins.corp.local, 10.20.0.15 ...)
#   idn.pem             IDN names (münchen.example as xn--mnchen-3ya.example) and a UTF-8 subject
#   expired.pem         a certificate that expired in 2021
#   precert.pem         a CT precertificate (critical poison extension)
#   final-with-scts.pem the matching final certificate with an embedded SCT list (same TBS
#                       apart from the CT extensions, so both share tbs_sha256)
#   bundle.pem          a chain bundle with comments and junk text between the PEM blocks, CRLF
#                       line ends in one block and a "TRUSTED CERTIFICATE" block
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/certs}
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# A minimal `openssl ca` setup: explicit dates and serials need `ca`, not `x509 -req`.
mkca() { # mkca NAME
	mkdir -p "$1/newcerts"
	: >"$1/index.txt"
	cat >"$1/ca.cnf" <<EOF
[ ca ]
default_ca = this
[ this ]
dir = $work/$1
database = \$dir/index.txt
new_certs_dir = \$dir/newcerts
serial = \$dir/serial
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
email_in_dn = yes
utf8 = yes
[ anything ]
countryName = optional
stateOrProvinceName = optional
localityName = optional
organizationName = optional
organizationalUnitName = optional
commonName = optional
emailAddress = optional
EOF
}

# sign CA KEYFILE SUBJ EXTFILE EXTSECTION SERIALHEX START END OUT [-selfsign]
sign() {
	local ca=$1 key=$2 subj=$3 ext=$4 sect=$5 serial=$6 start=$7 end=$8 outf=$9
	shift 9
	echo "$serial" >"$ca/serial"
	openssl req -new -key "$key" -subj "$subj" -utf8 -out req.csr
	openssl ca -batch -notext -config "$ca/ca.cnf" -utf8 -in req.csr -out "$outf" \
		-startdate "$start" -enddate "$end" -extfile "$ext" -extensions "$sect" \
		"$@" 2>ca.log || { cat ca.log >&2; exit 1; }
}

cat >ext.cnf <<'EOF'
[ root ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[ pubca ]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[ web_rsa ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:http://ocsp.demo-ca.example/, caIssuers;URI:http://pki.demo-ca.example/demo-public-ca.crt
crlDistributionPoints = URI:http://crl.demo-ca.example/demo-public-ca.crl
certificatePolicies = 2.23.140.1.2.2
subjectAltName = @web_rsa_san
[ web_rsa_san ]
DNS.1 = www.example-shop.com
DNS.2 = example-shop.com
DNS.3 = api.example-shop.com
DNS.4 = cdn.example-shop.com
DNS.5 = static.example-shop.com
DNS.6 = login.example-shop.com
DNS.7 = mail.example-shop.com
DNS.8 = *.eu.example-shop.com
DNS.9 = *.us.example-shop.com
DNS.10 = shop.example.co.uk
DNS.11 = www.shop.example.co.uk
DNS.12 = example-shop.net
DNS.13 = www.example-shop.net
DNS.14 = WWW.Example-Shop.ORG
DNS.15 = payments.example-shop.com
DNS.16 = status.example-shop.com
IP.1 = 203.0.113.10
IP.2 = 2001:db8:0:0:0:0:0:10
email.1 = hostmaster@example-shop.com
URI.1 = https://www.example-shop.com/

[ web_ec ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:http://ocsp.demo-ca.example/
certificatePolicies = 2.23.140.1.2.1
subjectAltName = DNS:blog.example.org, DNS:example.org, DNS:www.example.org

[ ed ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:ed25519.example.net

[ internal ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = DNS:jenkins.corp.local, DNS:jenkins, DNS:build01.corp.local, DNS:gitlab.corp.local, DNS:vault.internal.corp.local, IP:10.20.0.15, IP:192.168.50.4

[ idn ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:xn--mnchen-3ya.example, DNS:www.xn--mnchen-3ya.example, DNS:xn--bcher-kva.example
certificatePolicies = 2.23.140.1.2.1

[ expired ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:old.example-shop.com, DNS:legacy.example-shop.com

[ precert ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid
subjectAltName = DNS:ct.example.com, DNS:www.ct.example.com
certificatePolicies = 2.23.140.1.2.1
1.3.6.1.4.1.11129.2.4.3 = critical, ASN1:NULL

[ final ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid
subjectAltName = DNS:ct.example.com, DNS:www.ct.example.com
certificatePolicies = 2.23.140.1.2.1
1.3.6.1.4.1.11129.2.4.2 = ASN1:FORMAT:HEX,OCTETSTRING:@SCTS@
EOF

# An SCT list (RFC 6962 3.3) with two made-up SCTs: version 0, a log id, a timestamp in ms,
# no extensions, and an ecdsa/sha256 signature field of arbitrary bytes (demo data only).
sct() { # sct LOGID_HEX64 TIMESTAMP_MS
	local body sig
	sig=$(openssl rand -hex 70)
	body=$(printf '00%s%016x0000%s%s%04x%s' "$1" "$2" 04 03 70 "$sig")
	printf '%04x%s' $((${#body} / 2)) "$body"
}
s1=$(sct "$(printf 'demo log one' | openssl dgst -sha256 -r | cut -c1-64)" 1714564800123)
s2=$(sct "$(printf 'demo log two' | openssl dgst -sha256 -r | cut -c1-64)" 1714564801456)
list="$s1$s2"
list=$(printf '%04x%s' $((${#list} / 2)) "$list")
sed -i "s/@SCTS@/$list/" ext.cnf

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out root.key 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out pubca.key 2>/dev/null
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.key 2>/dev/null
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.key 2>/dev/null
openssl genpkey -algorithm ED25519 -out ed.key
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out internal.key 2>/dev/null

mkca root
mkca pub

# The internal root (self-signed) and the public-looking CA (signed by a throw-away root, so
# its issuer differs from its subject).
sign root root.key "/C=US/O=Corp Internal/OU=IT Security/CN=Corp Internal Root CA" ext.cnf root \
	01 20240101000000Z 20440101000000Z root.pem -selfsign -keyfile root.key
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out toproot.key 2>/dev/null
mkca top
sign top toproot.key "/C=US/O=Demo Trust Services/CN=Demo Trust Root R1" ext.cnf root \
	01 20230101000000Z 20480101000000Z toproot.pem -selfsign -keyfile toproot.key
sign top pubca.key "/C=US/O=Demo Trust Services/CN=Demo Public CA" ext.cnf pubca \
	1000 20240101000000Z 20340101000000Z pubca.pem -cert toproot.pem -keyfile toproot.key

pub() { sign pub "$@" -cert pubca.pem -keyfile pubca.key; }
pub rsa.key "/C=GB/ST=London/L=London/O=Example Shop Ltd/CN=www.example-shop.com" ext.cnf web_rsa \
	0A3F51C2D19E44B07D2E 20260101000000Z 20361231235959Z web-rsa.pem
pub ec.key "/CN=blog.example.org" ext.cnf web_ec \
	5D0F3B2A91C84E6F 20260101000000Z 20360401000000Z web-ec.pem
pub ed.key "/O=Example Net/CN=ed25519.example.net" ext.cnf ed \
	7E2201 20260101000000Z 20360401000000Z ed25519.pem
pub ec.key "/C=DE/L=München/O=Bücherstube München GmbH/CN=münchen.example" ext.cnf idn \
	1D4E 20260101000000Z 20360401000000Z idn.pem
pub rsa.key "/O=Example Shop Ltd/CN=old.example-shop.com" ext.cnf expired \
	0E1D 20200115000000Z 20210115000000Z expired.pem
# Precertificate and final certificate: same serial, dates, names and key.
pub ec.key "/CN=ct.example.com" ext.cnf precert \
	3C7A99F0 20240501000000Z 20350501000000Z precert.pem
: >pub/index.txt # the final certificate reuses the precertificate's serial, as CT requires
pub ec.key "/CN=ct.example.com" ext.cnf final \
	3C7A99F0 20240501000000Z 20350501000000Z final.pem
sign root internal.key "/C=US/O=Corp Internal/OU=Build Infrastructure/CN=jenkins.corp.local" ext.cnf internal \
	4A11 20260101000000Z 20380101000000Z jenkins.pem \
	-cert root.pem -keyfile root.key

cp web-rsa.pem "$out/web-rsa.pem"
openssl x509 -in web-ec.pem -outform DER -out "$out/web-ec.der"
cp ed25519.pem "$out/ed25519.pem"
cp root.pem "$out/corp-root-ca.pem"
cp jenkins.pem "$out/jenkins-corp.pem"
cp idn.pem "$out/idn.pem"
cp expired.pem "$out/expired.pem"
cp precert.pem "$out/precert.pem"
cp final.pem "$out/final-with-scts.pem"

# The bundle: leaf, intermediate, root, with the kind of text people leave in bundles.
{
	echo "# Chain for www.example-shop.com, exported from the load balancer"
	echo "subject=/CN=www.example-shop.com"
	echo "issuer=/CN=Demo Public CA"
	cat web-rsa.pem
	echo
	echo "some junk the exporter left here ---- not a certificate"
	echo "-----BEGIN JUNK-----"
	echo "this is not base64 but it is framed like PEM"
	echo "-----END JUNK-----"
	sed 's/$/\r/' pubca.pem
	echo "  # the root, as OpenSSL's trusted form (with trust settings appended)"
	openssl x509 -in toproot.pem -addtrust serverAuth -trustout
	echo "-- end of bundle --"
} >"$out/bundle.pem"

echo "demo certificates written to $out:"
ls -1 "$out"
