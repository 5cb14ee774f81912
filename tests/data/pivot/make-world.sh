#!/usr/bin/env bash
# make-world.sh DIR: a small certificate world for the pivot tests, made with the openssl command.
#
# An adversary cluster ("Blue Harbor"):
#   a1  login-bluharbor.com        Let's Encrypt-like R3, key K1
#   a2  secure-bluharbour.net      R3, key K1 (key reuse)
#   a3  mail.bluharbor-portal.org  private CA "Harbor Ops Root CA", key K1, O=Blue Harbor Logistics
#   a4  vpn.harbor-sync.com        private CA, key K3, O=Blue Harbor Logistics (shared subject O)
#   a5  files.tidewater-cdn.com    private CA, key K4, O=Tidewater Freight (private issuer only)
#   a6  deep-harbor.com            R3, key K4 (reachable from a5 only: depth 3 from a1)
# Noise:
#   b1..b10  bakery-N.com          R3, own keys (common-CA siblings)
#   bip      news-portal.org       R3, own key; seen at the same IP as a1
#   cf       sni48213.cloudflaressl.com + login-bluharbor.com + 12 tenants, O=Cloudflare, Inc.
#   mt       12 unrelated domains + secure-bluharbour.net, DigiCert-like (multi-tenant, no pattern)
#   cdn      d2x8k1.cloudfront.net, *.cloudfront.net (Amazon-like); seen at a1's IP
#   glitch   *.glitch.me (a PSL private suffix not in the rule files); seen at a1's IP
#   a7  portal.bluharbor-new.com   key K1, written to DIR/extra/ (a seed that is not stored)
# Writes DIR/certs/*.pem (leaves and CAs), DIR/extra/a7.pem and DIR/keys/.
set -eu
dir=${1:?usage: make-world.sh DIR}
mkdir -p "$dir/certs" "$dir/keys" "$dir/tmp"
cd "$dir"

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "keys/$1.key" 2>/dev/null; }

# ca NAME SUBJECT [PARENT]: a CA certificate (self-signed without PARENT)
ca() {
	local name=$1 subj=$2 parent=${3:-}
	key "$name"
	printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' >"tmp/$name.ext"
	if [ -z "$parent" ]; then
		openssl req -x509 -new -key "keys/$name.key" -subj "$subj" -days 3650 -set_serial 1 \
			-addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
			-out "certs/$name.pem" 2>/dev/null
	else
		openssl req -new -key "keys/$name.key" -subj "$subj" -out "tmp/$name.csr" 2>/dev/null
		openssl x509 -req -in "tmp/$name.csr" -CA "certs/$parent.pem" -CAkey "keys/$parent.key" \
			-set_serial 2 -days 3000 -extfile "tmp/$name.ext" -out "certs/$name.pem" 2>/dev/null
	fi
}

serial=4096
# leaf NAME CA KEYNAME SUBJECT SAN
leaf() {
	local name=$1 issuer=$2 k=$3 subj=$4 san=$5
	[ -f "keys/$k.key" ] || key "$k"
	serial=$((serial + 1))
	openssl req -new -key "keys/$k.key" -subj "$subj" -out "tmp/$name.csr" 2>/dev/null
	printf 'subjectAltName=%s\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' "$san" >"tmp/$name.ext"
	openssl x509 -req -in "tmp/$name.csr" -CA "certs/$issuer.pem" -CAkey "keys/$issuer.key" \
		-set_serial "$serial" -days 90 -extfile "tmp/$name.ext" -out "certs/$name.pem" 2>/dev/null
}

ca isrg "/C=US/O=Internet Security Research Group/CN=ISRG Root X1"
ca r3 "/C=US/O=Let's Encrypt/CN=R3" isrg
ca harbor "/O=Harbor Ops/CN=Harbor Ops Root CA"
ca baltimore "/C=IE/O=Baltimore/CN=Baltimore CyberTrust Root"
ca cfca "/C=US/O=Cloudflare, Inc./CN=Cloudflare Inc ECC CA-3" baltimore
ca amzroot "/C=US/O=Amazon/CN=Amazon Root CA 1"
ca amz "/C=US/O=Amazon/CN=Amazon RSA 2048 M01" amzroot
ca dcroot "/C=US/O=DigiCert Inc/CN=DigiCert Global Root CA"
ca dc "/C=US/O=DigiCert Inc/CN=DigiCert TLS RSA SHA256 2020 CA1" dcroot

leaf a1 r3 K1 "/CN=login-bluharbor.com" "DNS:login-bluharbor.com,DNS:www.login-bluharbor.com"
leaf a2 r3 K1 "/CN=secure-bluharbour.net" "DNS:secure-bluharbour.net"
leaf a3 harbor K1 "/O=Blue Harbor Logistics/CN=mail.bluharbor-portal.org" "DNS:mail.bluharbor-portal.org"
leaf a4 harbor K3 "/O=Blue Harbor Logistics/CN=vpn.harbor-sync.com" "DNS:vpn.harbor-sync.com"
leaf a5 harbor K4 "/O=Tidewater Freight/CN=files.tidewater-cdn.com" "DNS:files.tidewater-cdn.com"
leaf a6 r3 K4 "/CN=deep-harbor.com" "DNS:deep-harbor.com"

for i in $(seq 1 10); do
	leaf "b$i" r3 "B$i" "/CN=bakery-$i.com" "DNS:bakery-$i.com,DNS:www.bakery-$i.com"
done
leaf bip r3 BIP "/CN=news-portal.org" "DNS:news-portal.org"

tenants=""
for i in $(seq 1 12); do tenants="$tenants,DNS:cafe-tenant$i.com,DNS:*.cafe-tenant$i.com"; done
leaf cf cfca CF "/C=US/ST=CA/L=San Francisco/O=Cloudflare, Inc./CN=sni48213.cloudflaressl.com" \
	"DNS:sni48213.cloudflaressl.com,DNS:login-bluharbor.com,DNS:*.login-bluharbor.com$tenants"

mt=""
for w in alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima; do mt="$mt,DNS:$w-shop.com"; done
leaf mt dc MT "/CN=alpha-shop.com" "DNS:secure-bluharbour.net${mt}"

leaf cdn amz CDN "/CN=*.cloudfront.net" "DNS:*.cloudfront.net,DNS:d2x8k1.cloudfront.net"
leaf glitch dc GLITCH "/CN=*.glitch.me" "DNS:*.glitch.me,DNS:glitch.me"

# Not ingested: a certificate seed that is not in the store (key K1 again).
leaf a7 harbor K1 "/O=Blue Harbor Logistics/CN=portal.bluharbor-new.com" "DNS:portal.bluharbor-new.com"
mkdir -p extra
mv certs/a7.pem extra/
rm -rf tmp
