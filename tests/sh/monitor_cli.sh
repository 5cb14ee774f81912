#!/usr/bin/env bash
# certhound monitor end to end over a real store: alerts on stdout, appended to a file, through a
# hook (environment variables) and a webhook POST to a receiver on 127.0.0.1; the same alerts in
# every sink, once; a webhook that is down leaves alerts pending (exit 3) and a later run
# delivers them once; a `--follow` monitor killed with SIGKILL while certificates keep arriving
# and restarted delivers every alert exactly once; --authorize, --start-at-end, watch-file
# errors with FILE:LINE.
set -u
cli=${CH_CLI:?}
command -v openssl >/dev/null || { echo "skipped: no openssl command"; exit 77; }
command -v python3 >/dev/null || { echo "skipped: no python3"; exit 77; }
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1" >&2; fail=1; fi; }
tmp=$(mktemp -d)
srv=
cleanup() { [ -n "$srv" ] && kill "$srv" 2>/dev/null; [ -n "${mon:-}" ] && kill -9 "$mon" 2>/dev/null; [ -n "${KEEP:-}" ] || rm -rf "$tmp"; }
trap cleanup EXIT
[ -n "${KEEP:-}" ] && echo "$tmp" >&2
db="$tmp/s.db"

# cert DIR FILE CN SAN [O]: a self-signed certificate
cert() {
	mkdir -p "$tmp/$1"
	openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null \
		-subj "/O=${5:-Nobody}/CN=$3" -days 90 -addext "subjectAltName=$4" \
		-out "$tmp/$1/$2.pem" 2>/dev/null
}
ingest() { "$cli" --db "$db" ingest "$tmp/$1" >/dev/null; }
ids() { python3 -c 'import json,sys; [print(json.loads(l)["id"]) for l in open(sys.argv[1]) if l.strip()]' "$1"; }

cat >"$tmp/watch" <<'W'
# the company
.example.com
org "Example Corp"
keyword bluebank
W

# a webhook receiver: one body per line in $tmp/hook.post; 503 while $tmp/down exists
cat >"$tmp/recv.py" <<'PY'
import http.server, os, sys
d = sys.argv[1]
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if os.path.exists(d + "/down"):
            self.send_response(503); self.end_headers(); return
        with open(d + "/hook.post", "ab") as f:
            f.write(body + b"\n")
        self.send_response(200); self.end_headers(); self.wfile.write(b"ok")
    def log_message(self, *a): pass
s = http.server.HTTPServer(("127.0.0.1", 0), H)
open(d + "/port", "w").write(str(s.server_address[1]))
s.serve_forever()
PY
python3 "$tmp/recv.py" "$tmp" & srv=$!
for _ in $(seq 50); do [ -s "$tmp/port" ] && break; sleep 0.1; done
url="http://127.0.0.1:$(cat "$tmp/port")/alerts"

# batch 1: a watched name, the organisation, two look-alikes, noise
cert a www www.example.com "DNS:www.example.com,DNS:example.com"
cert a corp portal.corp-host.net "DNS:portal.corp-host.net" "Example Corp"
cert a look examp1e.com "DNS:examp1e.com"
cert a bank bluebank-login.com "DNS:bluebank-login.com"
cert a noise www.google.com "DNS:www.google.com,DNS:sample.com"
ingest a
hook='printf "%s %s %s\n" "$CERTHOUND_ALERT_RULE" "$CERTHOUND_ALERT_NAME" "$CERTHOUND_ALERT_WATCH" >>"'$tmp'/hook.txt"'
run() { "$cli" --db "$db" monitor --watch "$tmp/watch" --output "$tmp/out.ndjson" \
	--hook "$hook" --webhook "$url" "$@"; }
run >"$tmp/stdout1" 2>"$tmp/err1"; rc=$?
check "first run exits 0 ($rc)" "[ $rc = 0 ]"
check "4 alerts on stdout" "[ \$(wc -l <'$tmp/stdout1') = 4 ]"
check "the same 4 in the file" "diff <(ids '$tmp/stdout1') <(ids '$tmp/out.ndjson')"
check "the same 4 posted" "diff <(ids '$tmp/stdout1') <(ids '$tmp/hook.post')"
check "the hook saw the rules" "grep -q '^subtree example.com example.com$' '$tmp/hook.txt' && grep -q '^org portal.corp-host.net example corp$' '$tmp/hook.txt' && grep -q '^homoglyph examp1e.com example$' '$tmp/hook.txt' && grep -q '^keyword bluebank-login.com bluebank$' '$tmp/hook.txt'"
check "nothing on the noise" "! grep -q 'google\|sample' '$tmp/out.ndjson'"
run >"$tmp/stdout2" 2>&1; rc=$?
check "second run: nothing new, exit 1 ($rc)" "[ $rc = 1 ] && [ ! -s '$tmp/stdout2' ]"

# batch 2 while the webhook is down: pending, exit 3; then delivered once
touch "$tmp/down"
cert b typo exmaple.com "DNS:exmaple.com"
cert b emb example.com.evil.tld "DNS:example.com.evil.tld"
ingest b
run >"$tmp/stdout3" 2>"$tmp/err3"; rc=$?
check "webhook down: exit 3 ($rc)" "[ $rc = 3 ] && grep -q 'pending' '$tmp/err3'"
check "webhook down: nothing else delivered" "[ \$(wc -l <'$tmp/out.ndjson') = 4 ] && [ ! -s '$tmp/stdout3' ]"
rm "$tmp/down"
run >"$tmp/stdout4" 2>&1; rc=$?
check "back up: the 2 pending alerts delivered ($rc)" "[ $rc = 0 ] && [ \$(wc -l <'$tmp/stdout4') = 2 ]"
check "every sink has 6, once each" "[ \$(ids '$tmp/out.ndjson' | sort -u | wc -l) = 6 ] && [ \$(wc -l <'$tmp/out.ndjson') = 6 ] && [ \$(ids '$tmp/hook.post' | sort -u | wc -l) = 6 ] && [ \$(wc -l <'$tmp/hook.post') = 6 ]"

# --follow, killed while certificates arrive, restarted: every alert exactly once
"$cli" --db "$db" monitor --watch "$tmp/watch" --name follow --follow --interval 1 --quiet \
	--output "$tmp/follow.ndjson" 2>"$tmp/follow.err" & mon=$!
for i in $(seq 1 12); do
	cert "c$i" "x$i" "host$i.example.com" "DNS:host$i.example.com"
	ingest "c$i"
	if [ "$i" = 6 ]; then
		for _ in $(seq 100); do [ "$(wc -l <"$tmp/follow.ndjson" 2>/dev/null || echo 0)" -ge 9 ] && break; sleep 0.1; done
		kill -9 "$mon"; wait "$mon" 2>/dev/null
		"$cli" --db "$db" monitor --watch "$tmp/watch" --name follow --follow --interval 1 \
			--quiet --output "$tmp/follow.ndjson" 2>>"$tmp/follow.err" & mon=$!
	fi
done
# 6 alerts of batches a+b, 12 of the new names
for _ in $(seq 150); do [ "$(wc -l <"$tmp/follow.ndjson")" -ge 18 ] && break; sleep 0.1; done
kill -TERM "$mon"; wait "$mon"; rc=$?; mon=
check "follow stops cleanly on SIGTERM ($rc)" "[ $rc = 0 ] || [ $rc = 1 ]"
check "follow: 18 alerts across the kill, each once" "[ \$(wc -l <'$tmp/follow.ndjson') = 18 ] && [ \$(ids '$tmp/follow.ndjson' | sort -u | wc -l) = 18 ]"

# --authorize: an expected certificate alerts no more (for a monitor that has not seen it)
sha=$("$cli" --db "$db" search 'name:www.example.com' --format ndjson | python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["sha256"])')
"$cli" --db "$db" monitor --authorize "$sha"; rc=$?
check "authorize exits 0 ($rc)" "[ $rc = 0 ]"
"$cli" --db "$db" monitor --watch "$tmp/watch" --name fresh --format json >"$tmp/fresh.json"
check "authorized certificate not alerted" "! grep -q '\"www.example.com\"' '$tmp/fresh.json' && grep -q 'examp1e.com' '$tmp/fresh.json'"
"$cli" --db "$db" monitor --authorize 1234 2>/dev/null; rc=$?
check "authorize wants a SHA-256 ($rc)" "[ $rc = 2 ]"

# --start-at-end: only what arrives later
"$cli" --db "$db" monitor --watch "$tmp/watch" --name late --start-at-end >"$tmp/late1"; rc=$?
check "start-at-end: nothing at first ($rc)" "[ $rc = 1 ] && [ ! -s '$tmp/late1' ]"
cert d new shop.example.com "DNS:shop.example.com"
ingest d
"$cli" --db "$db" monitor --watch "$tmp/watch" --name late --format table >"$tmp/late2"
check "start-at-end: then the new one" "[ \$(wc -l <'$tmp/late2') = 1 ] && grep -q '^subtree *shop.example.com' '$tmp/late2'"

# errors
printf 'name ok.example.com\nbogus line\n' >"$tmp/bad"
"$cli" --db "$db" monitor --watch "$tmp/bad" 2>"$tmp/bad.err"; rc=$?
check "bad watch file: exit 2 with FILE:LINE ($rc)" "[ $rc = 2 ] && grep -q 'bad:2' '$tmp/bad.err'"
"$cli" --db "$tmp/none.db" monitor --watch "$tmp/watch" 2>/dev/null; rc=$?
check "no store: exit 5 ($rc)" "[ $rc = 5 ]"
exit $fail
