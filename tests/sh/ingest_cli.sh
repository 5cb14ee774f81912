#!/bin/bash
# certhound ingest as a user scripts it: the summary (table and json), exit codes 0 / 3 / 5,
# one record and several sightings for a certificate found in several files, a rerun that skips
# what is stored, a changed file read again, and a store that is not a store.
set -u
CLI=${CH_CLI:?CH_CLI not set}
SRC=${CH_SOURCE_DIR:?CH_SOURCE_DIR not set}
T=$(mktemp -d /tmp/ch_ingest_cli.XXXXXX)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
json_get() { sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p" "$1"; }

DEMO=$SRC/data/demo/certs
mkdir -p "$T/in/a" "$T/in/b"
cp "$DEMO/web-rsa.pem" "$T/in/a/"
cp "$DEMO/web-rsa.pem" "$T/in/b/copy.pem"
cp "$DEMO/web-ec.der" "$T/in/b/"
DB=$T/store/sub/certhound.db

"$CLI" --db "$DB" ingest --format json "$T/in" >"$T/1.json" 2>"$T/1.err"
rc=$?
[ $rc = 0 ] || fail "good input: exit $rc ($(cat "$T/1.err"))"
[ "$(json_get "$T/1.json" read)" = 3 ] || fail "read: $(cat "$T/1.json")"
[ "$(json_get "$T/1.json" new)" = 2 ] || fail "new: $(cat "$T/1.json")"
[ "$(json_get "$T/1.json" duplicates)" = 1 ] || fail "duplicates: $(cat "$T/1.json")"
[ "$(json_get "$T/1.json" rejected)" = 0 ] || fail "rejected: $(cat "$T/1.json")"
[ ! -s "$T/1.err" ] || fail "a progress bar or noise on stderr when it is not a terminal: $(cat "$T/1.err")"

# Rerun: everything is skipped, nothing stored twice.
"$CLI" --db "$DB" ingest --format json "$T/in" >"$T/2.json" 2>/dev/null || fail "rerun failed"
[ "$(json_get "$T/2.json" skipped)" = 3 ] || fail "rerun did not skip: $(cat "$T/2.json")"
[ "$(json_get "$T/2.json" new)" = 0 ] || fail "rerun stored something: $(cat "$T/2.json")"

# A changed file is read again from the start; its certificates are duplicates, not new.
cat "$DEMO/expired.pem" >>"$T/in/b/copy.pem"
"$CLI" --db "$DB" ingest --format json "$T/in" >"$T/3.json" 2>/dev/null || fail "changed file run failed"
[ "$(json_get "$T/3.json" new)" = 1 ] || fail "changed file: $(cat "$T/3.json")"
[ "$(json_get "$T/3.json" duplicates)" = 1 ] || fail "changed file: $(cat "$T/3.json")"

# Bad input: exit 3, reasons in the table summary, good items still stored.
printf -- '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' >"$T/bad.pem"
"$CLI" --db "$DB" ingest "$T/bad.pem" "$DEMO/ed25519.pem" >"$T/4.out" 2>"$T/4.err"
rc=$?
[ $rc = 3 ] || fail "bad input: exit $rc"
grep -q '^rejected    1' "$T/4.out" || fail "table summary: $(cat "$T/4.out")"
grep -q '^new         1' "$T/4.out" || fail "the good certificate was not stored: $(cat "$T/4.out")"
grep -q 'certhound: rejected' "$T/4.err" || fail "no rejection message: $(cat "$T/4.err")"

# A file that is not a store: exit 5 with a message.
echo "not a database" >"$T/notadb"
"$CLI" --db "$T/notadb" ingest "$DEMO/ed25519.pem" >/dev/null 2>"$T/5.err"
rc=$?
[ $rc = 5 ] || fail "not a store: exit $rc"
grep -q '^certhound: ' "$T/5.err" || fail "not a store: no message"

# Usage errors: exit 2.
"$CLI" --db "$DB" ingest >/dev/null 2>&1
[ $? = 2 ] || fail "no arguments should be a usage error"
"$CLI" --db "$DB" ingest --format xml "$DEMO" >/dev/null 2>&1
[ $? = 2 ] || fail "a bad --format should be a usage error"
echo ok
