#!/usr/bin/env bash
# bench/scan.sh — certhound scan speed against nginx on 127.0.0.1 (docs/scan.md, "Speed").
#
#   bench/scan.sh BUILD_DIR [N] [STALLED]
#
# nginx (one worker) serves an ECDSA P-256 certificate with session resumption off (no session
# cache, no tickets). In one run, against that same server:
#   1. certhound scan of N targets (the same address:port N times) --no-store, no rate limits,
#      full handshakes through OpenSSL: handshakes/s, scanner CPU (user+sys) and nginx worker
#      CPU, per handshake and as a ratio;
#   2. the same with --cert-only: the hand-written TLS 1.2 fetch (the fast path);
#   3. the same with --cert-only --no-fast-path: OpenSSL's handshake stopped at the certificate;
#   4. the fast path into a store (the ingest pipeline and SQLite included);
#   5. openssl s_time -new for 10 s: its connections/s, its own CPU and the nginx CPU it caused;
#   6. Debian's sslscan fetching the certificate once (--show-certificate), wall time;
#   7. STALLED connections held at once against a peer that accepts and never answers
#      (tests/scan_peers.py stall), through OpenSSL and through the fast path: peak RSS.
# Timings are figures for docs/scan.md, never a test's pass/fail.
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
	awk -v l="$label" -v n="$ok" -v t0="$t0" -v t1="$t1" -v s="$scpu" -v w="$((w1 - w0))" -v hz="$HZ" \
		-v u="$(awk '{print $1}' time.out)" -v rss="$(awk '{print $3}' time.out)" \
		'BEGIN { el = t1 - t0; wc = w / hz; k = (n > 0 ? 1e6 / n : 0);
		printf "%-30s %6d ok in %5.2f s = %6.0f handshakes/s; CPU scanner %5.2f s (user %4.2f) = %4.0f us/hs, nginx %5.2f s = %4.0f us/hs; scanner/nginx %.2f; peak RSS %d KiB\n",
		l, n, el, n / el, s, u, s * k, wc, wc * k, (wc > 0 ? s / wc : 0), rss }'
}

wait_port() { for _ in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return; sleep 0.1; done; }

echo "== certhound scan, $N targets, nginx 1 worker, ECDSA P-256, no resumption, concurrency 64"
run_scan "scan (full handshake, OpenSSL)" --no-store
run_scan "scan --cert-only (TLS 1.2 fetch)" --no-store --cert-only
run_scan "scan --cert-only --no-fast-path" --no-store --cert-only --no-fast-path
rm -f store.db
CERTHOUND_DB="$W/store.db" run_scan "scan --cert-only into a store" --cert-only

echo "== openssl s_time -new, 10 s"
w0=$(ticks "$WORKER")
/usr/bin/time -f "%U %S" -o stime.time openssl s_time -connect "127.0.0.1:$PORT" -new -time 10 >stime.out 2>&1 || true
w1=$(ticks "$WORKER")
grep -E 'connections in [0-9.]+s' stime.out | head -2
n=$(sed -n 's/^\([0-9]*\) connections in [0-9.]*s;.*/\1/p' stime.out | head -1)
awk -v n="${n:-0}" -v w="$((w1 - w0))" -v hz="$HZ" '{ s = $1 + $2; wc = w / hz; k = (n > 0 ? 1e6 / n : 0);
	printf "s_time: %d connections; CPU s_time %.2f s = %.0f us/hs, nginx %.2f s = %.0f us/hs; s_time/nginx %.2f\n",
	n, s, s * k, wc, wc * k, (wc > 0 ? s / wc : 0) }' stime.time

echo "== sslscan (Debian) fetching the certificate once"
if command -v sslscan >/dev/null; then
	t0=$(date +%s.%N)
	sslscan --no-colour --show-certificate --no-ciphersuites --no-renegotiation --no-compression \
		--no-heartbleed --no-groups --no-check-certificate "127.0.0.1:$PORT" >sslscan.out 2>&1 || true
	t1=$(date +%s.%N)
	awk -v t0="$t0" -v t1="$t1" 'BEGIN { printf "sslscan: %.3f s for one certificate\n", t1 - t0 }'
	for mode in "" "--cert-only"; do
		t0=$(date +%s.%N)
		"$CLI" scan --no-progress -q --no-store --format ndjson $mode "127.0.0.1:$PORT" >one.json
		t1=$(date +%s.%N)
		awk -v t0="$t0" -v t1="$t1" -v m="$mode" 'BEGIN { printf "certhound scan %s: %.3f s for one certificate\n", m, t1 - t0 }'
	done
else
	echo "sslscan not installed (apt-get install sslscan)"
fi

echo "== $STALLED stalled connections held at once"
for _ in $(seq "$STALLED"); do echo "127.0.0.1:$SPORT"; done >stall.txt
for mode in "" "--cert-only"; do
	# a fresh peer each time: it holds every connection it accepted until it ends
	python3 "$SRC/tests/scan_peers.py" stall 127.0.0.1 "$SPORT" >/dev/null &
	speer=$!
	wait_port "$SPORT"
	/usr/bin/time -f "%U %S %M %e" -o stall.time "$CLI" scan --no-progress -q --no-store --format ndjson \
		--rate 0 --host-rate 0 --retries 0 --concurrency "$STALLED" --handshake-timeout 8000 \
		--timeout 10000 $mode -f stall.txt >stall.json || true   # exit 1: no certificate, as expected
	awk -v n="$(grep -c '"status":"timeout"' stall.json || true)" -v m="${mode:-(OpenSSL)}" \
		'{ printf "%s: %d connections timed out after being held together; scanner CPU %.2f s, peak RSS %d KiB (%.1f KiB per connection), wall %.1f s\n",
		m, n, $1 + $2, $3, $3 / (n > 0 ? n : 1), $4 }' <(tail -1 stall.time)
	kill "$speer" 2>/dev/null; wait "$speer" 2>/dev/null || true
done
