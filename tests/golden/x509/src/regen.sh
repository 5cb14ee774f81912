#!/usr/bin/env bash
# regen.sh — rebuild the golden X.509 inputs (../<case>.der) from the genconf files here and the
# byte edits in mutate.py. The expected files (../<case>.expected.json) are written by hand from
# what the bytes say; this script never touches them. Deterministic: no keys, no dates, no
# randomness (the public key and the fake signature are fixed hex).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(dirname "$here")
cd "$here"
for cnf in *.cnf; do
	case=${cnf%.cnf}
	openssl asn1parse -genconf "$cnf" -noout -out "$out/$case.der"
done
# Cases derived from base.der by editing bytes.
python3 mutate.py trailing "$out/base.der" "$out/trailing_data.der"
python3 mutate.py ber_long_len "$out/base.der" "$out/ber_encoding.der"
python3 mutate.py ber_indefinite "$out/base.der" "$out/ber_indefinite.der"
python3 mutate.py truncate "$out/base.der" "$out/reject_truncated.der"
python3 mutate.py outer_set "$out/base.der" "$out/reject_wrong_outer_tag.der"
python3 mutate.py empty "$out/base.der" "$out/reject_empty.der"
python3 mutate.py serial_pad "$out/base.der" "$out/non_minimal_integer.der"
python3 mutate.py spki_overrun "$out/base.der" "$out/reject_bad_inner_length.der"
# The same certificate as PEM.
openssl x509 -inform DER -in "$out/base.der" -out "$out/pem_input.pem" 2>/dev/null ||
	{ echo "-----BEGIN CERTIFICATE-----"; base64 -w 64 "$out/base.der"; echo "-----END CERTIFICATE-----"; } >"$out/pem_input.pem"
