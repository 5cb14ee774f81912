#!/bin/bash
# Makes, with the openssl command, the certificates of RFC 6962 section 3.1's second case in
# directory $1: a root CA (ca.pem), a Precertificate Signing Certificate issued by it (psc.pem:
# CA:TRUE, EKU 1.3.6.1.4.1.11129.2.4.4), a precertificate issued by the PSC (pre.pem: critical
# poison 1.3.6.1.4.1.11129.2.4.3) and its final certificate issued by the CA (final.pem: the
# precertificate re-signed with the same serial, subject, validity and extensions, the poison
# replaced by an SCT list 1.3.6.1.4.1.11129.2.4.2). ECDSA P-256 keys. Used by test_ct_sync.
set -euo pipefail
d=$1
mkdir -p "$d"
cd "$d"
# A SignedCertificateTimestampList with one SCT (v1, log ID 01..20, a timestamp, no
# extensions, sha256/ecdsa, a 4-byte signature): a well-formed OCTET STRING is what matters.
sct=0035003300$(printf '%02x' $(seq 1 32))000001975c2e1000000004030004""01020304
leaf='basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:psc-linked.example,DNS:www.psc-linked.example
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always'
cat >openssl.cnf <<CNF
[ca]
default_ca = leaf_ca
[leaf_ca]
database = index.txt
serial = serial
new_certs_dir = .
default_md = sha256
policy = any
unique_subject = no
[any]
commonName = supplied
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[psc_ext]
basicConstraints = critical,CA:TRUE,pathlen:0
keyUsage = critical,keyCertSign
extendedKeyUsage = critical,1.3.6.1.4.1.11129.2.4.4
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[pre_ext]
$leaf
1.3.6.1.4.1.11129.2.4.3 = critical,ASN1:NULL
[final_ext]
$leaf
1.3.6.1.4.1.11129.2.4.2 = ASN1:FORMAT:HEX,OCTETSTRING:$sct
CNF
for k in ca psc leaf; do
	openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out $k.key 2>/dev/null
done
openssl req -config openssl.cnf -new -x509 -key ca.key -subj '/O=certhound test/CN=PSC Test CA' \
	-days 3650 -set_serial 1 -extensions ca_ext -out ca.pem
openssl req -config openssl.cnf -new -key psc.key -out psc.csr \
	-subj '/O=certhound test/CN=PSC Test Precertificate Signer'
openssl x509 -req -in psc.csr -CA ca.pem -CAkey ca.key -set_serial 2 -days 3650 \
	-extfile openssl.cnf -extensions psc_ext -out psc.pem 2>/dev/null
openssl req -config openssl.cnf -new -key leaf.key -subj '/CN=psc-linked.example' -out leaf.csr
# `openssl ca` sets the validity exactly, so both copies get the same one.
leaf() { # ISSUER EXTENSIONS OUT
	: >index.txt
	echo 5C0FFEE5 >serial
	openssl ca -batch -config openssl.cnf -notext -preserveDN -cert $1.pem -keyfile $1.key \
		-in leaf.csr -startdate 20260101000000Z -enddate 20270101000000Z -extensions $2 \
		-out $3 2>/dev/null
}
leaf psc pre_ext pre.pem
leaf ca final_ext final.pem
