#!/usr/bin/env bash
# gen_certs.sh OUTDIR — make certificates with the `openssl` command for the X.509 differential
# test (tests/unit/test_x509_openssl.c) and the fuzz seeds: every key type OpenSSL can make, odd
# names (UTF-8, BMPString, T61String, UniversalString, multi-valued RDNs, characters RFC 4514 must
# escape), many SANs (IPv6, email, URI, IDN), negative/zero/long serials, dates before 1970 and
# after 2049, precertificates and embedded SCT lists. Writes OUTDIR/<case>.pem (one certificate
# each) and prints nothing on success. Deterministic names; keys and dates differ per run.
set -euo pipefail
out=${1:?usage: gen_certs.sh OUTDIR}
mkdir -p "$out"
cd "$out"
export OPENSSL_CONF=/dev/null  # no site config: what we pass is all there is

key() { # key NAME ALG [opts...]
	local name=$1 alg=$2
	shift 2
	openssl genpkey -algorithm "$alg" "$@" -out "$name.key" 2>/dev/null
}

ext() { # ext NAME: write NAME.ext from stdin (an extensions section called v3)
	{ echo "[v3]"; cat; } >"$1.ext"
}

selfsigned() { # selfsigned NAME KEY SUBJ [extra req args...]
	local name=$1 k=$2 subj=$3
	shift 3
	openssl req -new -x509 -key "$k.key" -subj "$subj" -days 400 -out "$name.pem" "$@"
}

# An issuing CA (RSA) for certificates whose issuer differs from their subject.
key ca RSA -pkeyopt rsa_keygen_bits:2048
selfsigned ca ca "/C=DE/O=certhound test CA/CN=certhound Test Root" \
	-addext basicConstraints=critical,CA:true,pathlen:1 -addext keyUsage=critical,keyCertSign,cRLSign

issued() { # issued NAME KEY SUBJ EXTFILE [extra x509 args...]: a CSR signed by ca
	local name=$1 k=$2 subj=$3 extf=$4
	shift 4
	openssl req -new -key "$k.key" -subj "$subj" -out "$name.csr" $UTF8
	openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -days 90 \
		-extfile "$extf" -extensions v3 -out "$name.pem" "$@" 2>/dev/null
}
UTF8=

# Key types and signature algorithms.
key rsa1024 RSA -pkeyopt rsa_keygen_bits:1024
key rsa2048 RSA -pkeyopt rsa_keygen_bits:2048
key rsa3072 RSA -pkeyopt rsa_keygen_bits:3072
key rsapss RSA-PSS -pkeyopt rsa_keygen_bits:2048
key p256 EC -pkeyopt ec_paramgen_curve:P-256
key p384 EC -pkeyopt ec_paramgen_curve:P-384
key p521 EC -pkeyopt ec_paramgen_curve:P-521
key k256 EC -pkeyopt ec_paramgen_curve:secp256k1
key bp256 EC -pkeyopt ec_paramgen_curve:brainpoolP256r1
key p192 EC -pkeyopt ec_paramgen_curve:prime192v1
key p256x EC -pkeyopt ec_paramgen_curve:P-256 -pkeyopt ec_param_enc:explicit
key ed25519 ED25519
key ed448 ED448
openssl genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:2048 -out dsa.param 2>/dev/null
openssl genpkey -paramfile dsa.param -out dsa2048.key
openssl genpkey -genparam -algorithm DSA -pkeyopt dsa_paramgen_bits:1024 \
	-pkeyopt dsa_paramgen_q_bits:160 -pkeyopt dsa_paramgen_md:sha1 -out dsa1.param 2>/dev/null
openssl genpkey -paramfile dsa1.param -out dsa1024.key

selfsigned rsa1024_sha1 rsa1024 "/CN=rsa1024 sha1" -sha1
selfsigned rsa2048_sha256 rsa2048 "/C=US/ST=California/L=San Francisco/O=Example, Inc./OU=Web/CN=www.example.com" -sha256
selfsigned rsa2048_sha384 rsa2048 "/CN=rsa2048 sha384" -sha384
selfsigned rsa3072_sha512 rsa3072 "/CN=rsa3072 sha512" -sha512
selfsigned rsa2048_sha224 rsa2048 "/CN=rsa2048 sha224" -sha224
selfsigned rsa2048_md5 rsa2048 "/CN=rsa2048 md5" -md5
selfsigned rsa2048_pss_sig rsa2048 "/CN=rsa key pss signature" -sha256 \
	-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32
selfsigned rsapss_key rsapss "/CN=rsa-pss key" -sha256
selfsigned ec_p256 p256 "/CN=p256.example" -sha256
selfsigned ec_p384 p384 "/CN=p384.example" -sha384
selfsigned ec_p521 p521 "/CN=p521.example" -sha512
selfsigned ec_secp256k1 k256 "/CN=secp256k1.example" -sha256
selfsigned ec_brainpool bp256 "/CN=brainpool.example" -sha256
selfsigned ec_p192 p192 "/CN=p192.example" -sha1
selfsigned ec_explicit p256x "/CN=explicit-parameters.example" -sha256
selfsigned ed25519 ed25519 "/CN=ed25519.example"
selfsigned ed448 ed448 "/CN=ed448.example"
selfsigned dsa2048_sha256 dsa2048 "/CN=dsa2048.example" -sha256
selfsigned dsa1024_sha1 dsa1024 "/CN=dsa1024.example" -sha1

# Names: UTF-8, then the string types OpenSSL picks from a string_mask, multi-valued RDNs,
# characters that RFC 4514 escapes, and attributes without a field of their own.
selfsigned utf8_names p256 "/C=DE/O=Bücher & Söhne GmbH/OU=Ünïcödé/CN=bücher.example/L=München/ST=Bayern" -utf8
selfsigned utf8_cjk p256 "/C=JP/O=日本語の会社/CN=例え.テスト" -utf8
# string_mask pkix: non-ASCII becomes BMPString.
cat >bmp.cnf <<'EOF'
[req]
distinguished_name = dn
string_mask = pkix
utf8 = yes
[dn]
EOF
selfsigned bmp_names p256 "/O=Straße GmbH/CN=日本.example" -config bmp.cnf
# A mask allowing T61String only: OpenSSL writes Latin-1 bytes.
sed 's/string_mask = pkix/string_mask = MASK:0x4/' bmp.cnf >t61.cnf
selfsigned t61_names p256 "/O=Müller/OU=Café/CN=größe.example" -config t61.cnf
# A mask allowing UniversalString only.
selfsigned multivalue_rdn p256 "/DC=com/DC=example/O=Multi+OU=Valued+CN=rdn.example"
selfsigned escapes p256 '/O=a,b;c\+d<e>f"g\\h=i/OU= leading and trailing space /CN=#hash.example'
selfsigned other_attrs p256 "/serialNumber=12345/title=Dr/givenName=Ada/surname=Lovelace/street=1 Main St/postalCode=12345/UID=ada/emailAddress=ada@example.com/businessCategory=Private Organization/jurisdictionC=US/jurisdictionST=Delaware/CN=ev.example"
selfsigned empty_subject_cn p256 "/O=No CN here"

# Subject alternative names of every reportable kind, many of them.
{
	echo "subjectAltName = @alt"
	echo "[alt]"
	echo "DNS.1 = www.example.com"
	echo "DNS.2 = *.example.com"
	echo "DNS.3 = xn--bcher-kva.example"
	echo "DNS.4 = UPPER.Example.COM"
	echo "IP.1 = 192.0.2.1"
	echo "IP.2 = 0.0.0.0"
	echo "IP.3 = 255.255.255.255"
	echo "IP.4 = 2001:db8::1"
	echo "IP.5 = ::1"
	echo "IP.6 = ::"
	echo "IP.7 = 2001:db8:0:0:1:0:0:1"
	echo "IP.8 = 2001:0db8:0000:0000:0000:ff00:0042:8329"
	echo "IP.9 = fe80::1:0:0:0"
	echo "IP.10 = 2001:db8:1:2:3:4:5:6"
	echo "IP.11 = 1:0:0:2:0:0:0:3"
	echo "IP.12 = 2001:db8::"
	echo "email.1 = admin@example.com"
	echo "email.2 = Jörg@example.com"
	echo "URI.1 = https://example.com/path?q=1#frag"
	echo "URI.2 = urn:uuid:f81d4fae-7dec-11d0-a765-00a0c91e6bf6"
	echo "RID.1 = 1.2.3.4"
	echo "dirName.1 = dir_sect"
	echo "otherName.1 = 1.3.6.1.4.1.311.20.2.3;UTF8:upn@example.com"
	echo "[dir_sect]"
	echo "CN = directory name"
} | ext sans
issued sans p256 "/CN=www.example.com" sans.ext
# IPv4-mapped and IPv4-compatible IPv6 (RFC 5952 section 5 is about these).
printf 'subjectAltName = IP:::ffff:192.0.2.1, IP:::192.0.2.1, IP:64:ff9b::192.0.2.1\n' | ext v4mapped
issued ipv6_mapped p256 "/CN=mapped.example" v4mapped.ext
# 300 DNS names and 50 IPs.
{
	printf 'subjectAltName = @alt\n[alt]\n'
	for i in $(seq 1 300); do echo "DNS.$i = host$i.many.example"; done
	for i in $(seq 1 50); do echo "IP.$i = 10.0.$((i / 256)).$((i % 256))"; done
} | ext many
issued many_sans p256 "/CN=many.example" many.ext

# Extensions: a full leaf, a CA with path length, EV policy, precertificate, SCT list.
cat <<'EOF' | ext leaf
basicConstraints = critical, CA:false
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth, clientAuth, 1.3.6.1.4.1.99999.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:http://ocsp.example.com, caIssuers;URI:http://ca.example.com/ca.crt
crlDistributionPoints = URI:http://crl.example.com/ca.crl
certificatePolicies = 2.23.140.1.2.1, 1.3.6.1.4.1.44947.1.1.1
subjectAltName = DNS:leaf.example.com
EOF
issued leaf rsa2048 "/CN=leaf.example.com" leaf.ext
printf 'basicConstraints = critical, CA:true, pathlen:0\nkeyUsage = critical, keyCertSign, cRLSign\ncertificatePolicies = 2.23.140.1.1\n' | ext subca
issued subca p384 "/C=US/O=Sub CA Org/CN=Sub CA" subca.ext
printf 'basicConstraints = CA:true\n' | ext bc_nocrit
issued ca_noncritical_bc ed25519 "/CN=ca, non-critical bc" bc_nocrit.ext
printf 'subjectAltName = DNS:pre.example.com\n1.3.6.1.4.1.11129.2.4.3 = critical, ASN1:NULL\n' | ext precert
issued precert p256 "/CN=pre.example.com" precert.ext
# An SCT list with two SCTs (v1; log ids 0x11.. and 0x22..; timestamps 1700000000000 and
# 1700000001000 ms; empty extensions; ecdsa-sha256 with a fake 8-byte signature).
sct() { # sct LOGBYTE TIMESTAMP_HEX
	printf '00%s%s0000040300083006020101020101' "$(printf "$1%.0s" $(seq 1 32))" "$2"
}
s1=$(sct 11 0000018bcfe56800)
s2=$(sct 22 0000018bcfe56be8)
l1=$(printf '%04x' $((${#s1} / 2)))
l2=$(printf '%04x' $((${#s2} / 2)))
body="$l1$s1$l2$s2"
list=$(printf '%04x%s' $((${#body} / 2)) "$body")
printf 'subjectAltName = DNS:final.example.com\n1.3.6.1.4.1.11129.2.4.2 = ASN1:FORMAT:HEX,OCTETSTRING:%s\n' "$list" | ext scts
issued sct_list p256 "/CN=final.example.com" scts.ext

# Serial numbers: negative, zero, 20 octets, high bit set (needs a leading zero octet).
printf 'subjectAltName = DNS:serial.example\n' | ext plain
issued serial_negative p256 "/CN=negative serial" plain.ext -set_serial -0x1234
issued serial_zero p256 "/CN=zero serial" plain.ext -set_serial 0
issued serial_20 p256 "/CN=20 octet serial" plain.ext -set_serial 0x7fffffffffffffffffffffffffffffffffffffff
issued serial_highbit p256 "/CN=high bit serial" plain.ext -set_serial 0x80
issued serial_lead0 p256 "/CN=leading zero nibble" plain.ext -set_serial 0x0102

# Dates: `openssl ca` takes explicit start and end dates (UTCTime below 2050, else Generalized).
mkdir -p cadb
: >cadb/index.txt
echo 01 >cadb/serial
cat >ca.cnf <<'EOF'
[ca]
default_ca = c
[c]
database = cadb/index.txt
new_certs_dir = cadb
serial = cadb/serial
default_md = sha256
policy = p
unique_subject = no
copy_extensions = copy
[p]
commonName = supplied
EOF
dated() { # dated NAME START END
	openssl req -new -key p256.key -subj "/CN=$1" -out "$1.csr"
	openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in "$1.csr" \
		-startdate "$2" -enddate "$3" -notext -out "$1.pem" 2>/dev/null
}
dated dates_1950_2049 500101000000Z 491231235959Z
dated dates_pre1970 19600229120000Z 19691231235959Z
dated dates_post2049 20500101000000Z 99991231235959Z
dated dates_pre1950 19000101000000Z 19491231235959Z
dated dates_inverted 300101000000Z 200101000000Z
dated dates_epoch 700101000000Z 380119031408Z

# A version 1 certificate (no extensions at all).
openssl req -new -key p256.key -subj "/CN=v1.example" -out v1.csr
openssl x509 -req -in v1.csr -CA ca.pem -CAkey ca.key -days 30 -out v1_cert.pem 2>/dev/null

rm -rf ./*.csr ./*.ext ./*.cnf ./*.param cadb
