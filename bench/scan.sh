#!/usr/bin/env bash
# bench/scan.sh — certhound scan speed against nginx on 127.0.0.1 (docs/bench.md, "Scan").
#
#   bench/scan.sh BUILD_DIR [N] [STALLED]
#
# nginx (one worker) serves an ECDSA P-256 certificate with session resumption off (no session
# cache, no tickets). In one run, against that same server:
#   1. certhound scan of N targets (the same address:port N times) --no-store, no rate limits,
#      full handshakes: handshakes/s, scanner CPU (user+sys) and nginx worker CPU;
#   2. the same with --cert-only (stop once the certificate has arrived);
#   3. the same into a store (the ingest pipeline and SQLite included);
#   4. openssl s_time -new for 10 s: its connections/s and the nginx CPU it caused;
#   5. Debian's sslscan fetching the certificate once (--show-certificate), wall time;
#   6. STALLED connections held at once against a peer that accepts and never answers
#      (tests/scan_peers.py stall): peak RSS of the scanner.
# Timings are figures for docs/bench.md, never a test's pass/fail.
set -euo pipefail

B=${1:?usage: bench/scan.sh BUILD_DIR [N] [STALLED]}
N=${2:-20000}
STALLED=${3:-10000}
CLI=$(cd "$B" && pwd)/certhound
SRC=$(cd "$(dirname "$0")/.." && pwd)
W=$(mktemp -d /tmp/ch-scan-bench-XXXXXX)
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "scan.sh: nginx is needed (apt-get install nginx)" >&2; exit 1; }
PIDS=()
cleanup() { for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$W"; }
trap cleanup EXIT
cd "$W"
chmod 755 "$W"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout k.pem -out c.pem \
	-days 30 -subj /CN=bench.test -addext subjectAltName=DNS:bench.test 2>/dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
SPORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p ngx
cat >nginx.conf <<EOF
$( [ "$(id -u)" = 0 ] && echo "user root;" )
daemon off;
worker_processes 1;
pid $W/ngx/nginx.pid;
error_log $W/ngx/error.log crit;
worker_rlimit_nofile 65536;
events { worker_connections 16384; }
http {
  access_log off;
  client_body_temp_path $W/ngx; proxy_temp_path $W/ngx; fastcgi_temp_path $W/ngx;
  uwsgi_temp_path $W/ngx; scgi_temp_path $W/ngx;
  ssl_session_cache off; ssl_session_tickets off;
  server { listen 127.0.0.1:$PORT ssl backlog=4096; ssl_certificate $W/c.pem;
           ssl_certificate_key $W/k.pem; return 200; }
}
EOF
"$NGINX" -p "$W/ngx" -c "$W/nginx.conf" &
PIDS+=($!)
sleep 1
WORKER=$(pgrep -P "${PIDS[0]}" | head -1)
[ -n "$WORKER" ] || { echo "scan.sh: nginx did not start" >&2; cat "$W/ngx/error.log" >&2; exit 1; }

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }   # utime + stime of a process
HZ=$(getconf CLK_TCK)
for _ in $(seq "$N"); do echo "127.0.0.1:$PORT"; done >targets.txt

run_scan() { # run_scan LABEL ARGS...
	local label=$1; shift
	local t0 w0 w1 t1 scpu
	w0=$(ticks "$WORKER"); t0=$(date +%s.%N)
	/usr/bin/time -f "%U %S %M" -o time.out "$CLI" scan --no-progress -q --format ndjson \
		--rate 0 --host-rate 0 --retries 0 --concurrency 64 -f targets.txt "$@" >out.json || true
	t1=$(date +%s.%N); w1=$(ticks "$WORKER")
	scpu=$(awk '{print $1 + $2}' time.out)
	local ok; ok=$(grep -c '"status":"ok"' out.json || true)
	awk -v l="$label" -v n="$ok" -v t0="$t0" -v t1="$t1" -v s="$scpu" -v w="$((w1 - w0))" -v hz="$HZ" -v rss="$(awk '{print $3}' time.out)" \
		'BEGIN { el = t1 - t0; wc = w / hz;
		printf "%-28s %7d ok in %6.2f s = %8.0f handshakes/s; scanner CPU %6.2f s, nginx CPU %6.2f s, ratio %.2f; peak RSS %d KiB\n",
		l, n, el, n / el, s, wc, (wc > 0 ? s / wc : 0), rss }'
}

echo "== certhound scan, $N targets, nginx 1 worker, ECDSA P-256, no resumption"
run_scan "scan (full handshake)" --no-store
run_scan "scan --cert-only" --no-store --cert-only
rm -f store.db
CERTHOUND_DB="$W/store.db" run_scan "scan into a store"

echo "== openssl s_time -new, 10 s"
w0=$(ticks "$WORKER")
openssl s_time -connect "127.0.0.1:$PORT" -new -time 10 >stime.out 2>&1 || true
w1=$(ticks "$WORKER")
grep -E 'connections in [0-9.]+s' stime.out | head -2
awk -v w="$((w1 - w0))" -v hz="$HZ" 'BEGIN { printf "nginx CPU during s_time: %.2f s\n", w / hz }'

echo "== sslscan (Debian) fetching the certificate once"
if command -v sslscan >/dev/null; then
	t0=$(date +%s.%N)
	sslscan --no-colour --show-certificate --no-ciphersuites --no-renegotiation --no-compression \
		--no-heartbleed --no-groups --no-check-certificate "127.0.0.1:$PORT" >sslscan.out 2>&1 || true
	t1=$(date +%s.%N)
	awk -v t0="$t0" -v t1="$t1" 'BEGIN { printf "sslscan: %.3f s for one certificate\n", t1 - t0 }'
	t0=$(date +%s.%N)
	"$CLI" scan --no-progress -q --no-store --format ndjson "127.0.0.1:$PORT" >one.json
	t1=$(date +%s.%N)
	awk -v t0="$t0" -v t1="$t1" 'BEGIN { printf "certhound scan: %.3f s for one certificate\n", t1 - t0 }'
else
	echo "sslscan not installed (apt-get install sslscan)"
fi

echo "== $STALLED stalled connections held at once"
python3 "$SRC/tests/scan_peers.py" stall 127.0.0.1 "$SPORT" >/dev/null &
PIDS+=($!)
sleep 0.5
for _ in $(seq "$STALLED"); do echo "127.0.0.1:$SPORT"; done >stall.txt
/usr/bin/time -f "%U %S %M %e" -o stall.time "$CLI" scan --no-progress -q --no-store --format ndjson \
	--rate 0 --host-rate 0 --retries 0 --concurrency "$STALLED" --handshake-timeout 8000 \
	--timeout 10000 -f stall.txt >stall.json || true   # exit 1: no certificate, as expected
awk -v n="$(grep -c '"status":"timeout"' stall.json || true)" \
	'{ printf "%d connections timed out after being held together; scanner CPU %.2f s, peak RSS %d KiB (%.1f KiB per connection), wall %.1f s\n",
	n, $1 + $2, $3, $3 / (n > 0 ? n : 1), $4 }' <(tail -1 stall.time)
