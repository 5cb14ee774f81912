#!/usr/bin/env bash
# `certhound detect` as a user scripts it: exit codes (0 alerts, 1 none, 2 usage and malformed
# rule/allow files with FILE:LINE, 3 unreadable input with alerts still printed), every output
# format, directory walks, standard input, --input-format, --window, --stats.
set -u
cli=${CH_CLI:?CH_CLI not set}
g=${CH_SOURCE_DIR:?}/tests/golden/detect
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # name, condition result
	if [[ $2 != 0 ]]; then echo "FAIL: $1"; fail=1; fi
}

"$cli" detect --help > "$tmp/help"; check "--help exits 0" $?
grep -q -- "--export-sigma" "$tmp/help"; check "--help lists --export-sigma" $?

"$cli" detect "$g/lookalikes.json" > "$tmp/o" 2> "$tmp/e"; rc=$?
check "no alert: exit 1 (got $rc)" $(( rc != 1 ))
check "no alert: nothing printed" $(( $(wc -c < "$tmp/o") != 0 ))

"$cli" detect --window 5x "$g/window.ndjson" > /dev/null 2> "$tmp/e"; rc=$?
check "bad --window: exit 2 (got $rc)" $(( rc != 2 ))
"$cli" detect --format yaml "$g/window.ndjson" > /dev/null 2>&1; rc=$?
check "bad --format: exit 2 (got $rc)" $(( rc != 2 ))
"$cli" detect > /dev/null 2>&1; rc=$?
check "no input: exit 2 (got $rc)" $(( rc != 2 ))

printf '[rule a]\ncategory = CTLogQuery\nimage = @missing\n' > "$tmp/bad.conf"
"$cli" detect --rules "$tmp/bad.conf" "$g/window.ndjson" > /dev/null 2> "$tmp/e"; rc=$?
check "bad rules: exit 2 (got $rc)" $(( rc != 2 ))
grep -q "bad.conf:3: unknown list @missing" "$tmp/e"; check "bad rules: FILE:LINE message" $?
printf '[allow x]\ncategory = CTLogQuery\n' > "$tmp/allow.conf"
"$cli" detect --allow "$tmp/allow.conf" "$g/window.ndjson" > /dev/null 2> "$tmp/e"; rc=$?
check "bad allow-list: exit 2 (got $rc)" $(( rc != 2 ))

"$cli" detect "$tmp/does-not-exist" > /dev/null 2> "$tmp/e"; rc=$?
check "missing file: exit 3 (got $rc)" $(( rc != 3 ))

# A directory: every file read, in name order; bad records make exit 3, alerts still printed.
mkdir -p "$tmp/d/sub"
cp "$g/sysmon_export.xml" "$tmp/d/a.xml"
cp "$g/auditd.log" "$tmp/d/sub/b.log"
cp "$g/defender_export.csv" "$tmp/d/sub/c.csv"
"$cli" detect --format ndjson "$tmp/d" > "$tmp/o" 2> "$tmp/e"; rc=$?
check "dir: exit 3 (got $rc)" $(( rc != 3 ))
check "dir: 7 alerts" $(( $(wc -l < "$tmp/o") != 7 ))
grep -q "sub/b.log:9: bad hex" "$tmp/e"; check "dir: bad record named with file:line" $?
python3 -c '
import json,sys
want={"time","host","user","process","parent","command_line","category","rule","severity",
      "confidence","count","first_seen","last_seen","source"}
for l in open(sys.argv[1]):
    d=json.loads(l)
    assert set(d)==want, set(d)^want
    assert set(d["source"])=={"file","line"}
' "$tmp/o"; check "ndjson alerts have exactly the contract fields" $?

# Standard input with an explicit format.
"$cli" detect --input-format auditd --format csv - < "$g/auditd.log" > "$tmp/o" 2> /dev/null; rc=$?
check "stdin csv: exit 3 (got $rc)" $(( rc != 3 ))
head -1 "$tmp/o" | grep -q "^time,host,user,process,parent,command_line,category,rule,severity,confidence,count,first_seen,last_seen,source_file,source_line"
check "csv header" $?
check "csv: header + 2 rows" $(( $(wc -l < "$tmp/o") != 3 ))
grep -q "^2024-05-03T09:53:23Z,lnx-dev-05,1000,/usr/bin/curl,/usr/bin/bash," "$tmp/o"; check "csv row" $?
"$cli" detect --no-header --format csv "$g/osquery.json" > "$tmp/o"; check "csv --no-header" $(( $(wc -l < "$tmp/o") != 2 ))

"$cli" detect --format table "$g/sysmon_export.xml" > "$tmp/o"; rc=$?
check "table: exit 0" $rc
grep -q "CertEnumTool  severity medium  confidence high  count 2" "$tmp/o"; check "table header line" $?
"$cli" detect --format json "$g/osquery.json" > "$tmp/o"
python3 -c '
import json,sys
t=open(sys.argv[1]).read(); dec=json.JSONDecoder(); i=0; n=0
while i<len(t.strip()):
    o,j=dec.raw_decode(t,i); n+=1; i=j
    while i<len(t) and t[i].isspace(): i+=1
assert n==2, n' "$tmp/o"; check "json: two indented objects" $?

# --window: one alert per hour by default, four with 10 minutes.
"$cli" detect "$g/window.ndjson" > "$tmp/o"; check "window default 1h: 2 alerts" $(( $(wc -l < "$tmp/o") != 2 ))
"$cli" detect --window 10m "$g/window.ndjson" > "$tmp/o"; check "window 10m: 4 alerts" $(( $(wc -l < "$tmp/o") != 4 ))
"$cli" detect --stats "$g/window.ndjson" > /dev/null 2> "$tmp/e"
grep -q "6 process events, 0 network observations, 6 matched, 0 allowed" "$tmp/e"; check "--stats" $?

exit $fail
