#!/bin/sh
# Regenerates src/x509/oid_table.inc from the local OpenSSL's object table.
set -e
here=$(cd "$(dirname "$0")" && pwd)
cc -o /tmp/gen_oids "$here/gen_oids.c" $(pkg-config --cflags --libs libcrypto)
/tmp/gen_oids > "$here/../src/x509/oid_table.inc"
