#!/usr/bin/env bash
# bench/ct_sync.sh — CT sync speed on a local log served by nginx on 127.0.0.1 (docs/bench.md).
#
#   bench/ct_sync.sh BUILD_DIR [WORK_DIR] [COUNT]
#
# Generates (once, kept in WORK_DIR) a COUNT-entry corpus with gen_corpus and a static-ct-api log
# of it with ct_loggen, plus that log's RFC 6962 face as static files; serves both with nginx on
# a free 127.0.0.1 port and times, on the same log:
#   1. certhound ct sync --no-store, tiled        (fetch, gunzip, decode, hash, prove)
#   2. certhound ct sync into a fresh store, tiled (the same plus the ingest pipeline + SQLite),
#      beside the SQLite floor of the store it built (SQLite alone writing the same rows)
#   3. certhound ct sync --no-store, RFC 6962 face (get-entries JSON + consistency proofs)
#   4. certspotter (Debian package, if installed) following the RFC 6962 face from a fresh
#      state directory until its state reaches the tree size
# and prints entries/s for each. Every run verifies the tree head signature and the root.
set -euo pipefail

B=${1:?usage: bench/ct_sync.sh BUILD_DIR [WORK_DIR] [COUNT]}
W=${2:-/tmp/certhound-ct-bench}
N=${3:-1000000}
CLI=$B/certhound
mkdir -p "$W"
W=$(cd "$W" && pwd)

if [ ! -s "$W/corpus-$N.der" ]; then
	"$B/bench/gen_corpus" --count "$N" --out "$W/corpus-$N.der" --quiet
fi
if [ ! -s "$W/log-$N/log/checkpoint" ]; then
	rm -rf "$W/log-$N"
	"$B/bench/ct_loggen" --corpus "$W/corpus-$N.der" --out "$W/log-$N" --rfc6962
fi
LOG=$W/log-$N/log

NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "ct_sync.sh: nginx is needed (apt-get install nginx)" >&2; exit 1; }
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
NG=$W/nginx
mkdir -p "$NG"
chmod 755 "$W" "$NG"
cat >"$NG/nginx.conf" <<EOF
$( [ "$(id -u)" = 0 ] && echo "user root;" )
worker_processes 1;
pid $NG/nginx.pid;
error_log $NG/error.log;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $NG/body; proxy_temp_path $NG/proxy; fastcgi_temp_path $NG/fastcgi;
  uwsgi_temp_path $NG/uwsgi; scgi_temp_path $NG/scgi;
  default_type application/octet-stream;
  keepalive_requests 1000000;
  sendfile on;
  server {
    listen 127.0.0.1:$PORT;
    root $LOG;
    location = /rfc/ct/v1/get-sth { default_type application/json; try_files /rfc/get-sth =404; }
    location = /rfc/ct/v1/get-entries { default_type application/json; try_files /rfc/e/\$arg_start.json =404; }
    location = /rfc/ct/v1/get-sth-consistency { default_type application/json; try_files /rfc/c/\$arg_first.json =404; }
  }
}
EOF
"$NGINX" -e "$NG/error.log" -p "$NG" -c "$NG/nginx.conf"
stop_nginx() { [ -s "$NG/nginx.pid" ] && kill "$(cat "$NG/nginx.pid")" 2>/dev/null || true; }
trap stop_nginx EXIT
for _ in $(seq 50); do
	curl -s -o /dev/null "http://127.0.0.1:$PORT/checkpoint" && break
	sleep 0.1
done

KEY=$LOG/key.pem
TILED=(ct sync --key "$KEY" --tiled --origin bench.example/log "http://127.0.0.1:$PORT/")
RFC=(ct sync --key "$KEY" --chunk 8000 --batch 1000 "http://127.0.0.1:$PORT/rfc/")

now() { date +%s.%N; }
rate() { python3 -c "import sys; n,t=float(sys.argv[1]),float(sys.argv[2]); print('%8.0f entries/s  (%d entries in %.2f s)' % (n/t, n, t))" "$1" "$2"; }

# Warm the page cache so that every run reads the same way.
cat "$LOG"/tile/data/* "$LOG"/tile/data/*/* "$LOG"/tile/data/*/*/* >/dev/null 2>&1 || true

t0=$(now); "$CLI" "${TILED[@]}" --no-store >/dev/null; t1=$(now)
R_TILED_NOSTORE=$(rate "$N" "$(echo "$t1 - $t0" | bc)")
rm -f "$W/store.db" "$W/store.db-wal" "$W/store.db-shm"
t0=$(now); "$CLI" --db "$W/store.db" "${TILED[@]}" >/dev/null; t1=$(now)
R_TILED_STORE=$(rate "$N" "$(echo "$t1 - $t0" | bc)")
t0=$(now); "$CLI" --db "$W/store.db" ct verify --key "$KEY" >/dev/null; t1=$(now)
R_VERIFY=$(rate "$N" "$(echo "$t1 - $t0" | bc)")
# The SQLite floor of that store: SQLite alone writing its very rows into an empty file with the
# same schema, then building the same indexes (bench_ingest --floor-of): no sync into this store
# can beat it on this machine.
R_FLOOR=$("$B/bench/bench_ingest" --floor-of "$W/store.db" --count "$N" |
	awk '/SQLite floor/ {printf "%8.0f entries/s", $(NF-2)}')
t0=$(now); "$CLI" "${RFC[@]}" --no-store >/dev/null; t1=$(now)
R_RFC_NOSTORE=$(rate "$N" "$(echo "$t1 - $t0" | bc)")

R_CS="not installed (apt-get install certspotter)"
if command -v certspotter >/dev/null; then
	CS=$W/certspotter
	rm -rf "$CS" && mkdir -p "$CS/state"
	python3 - "$KEY" "$PORT" >"$CS/logs.json" <<'EOF'
import base64, hashlib, json, sys
pem = open(sys.argv[1]).read()
der = base64.b64decode("".join(l for l in pem.splitlines() if not l.startswith("-----")))
print(json.dumps({"version": "3.0", "operators": [{"name": "bench", "email": [], "logs": [{
    "description": "bench", "key": base64.b64encode(der).decode(),
    "log_id": base64.b64encode(hashlib.sha256(der).digest()).decode(),
    "url": "http://127.0.0.1:%s/rfc/" % sys.argv[2], "mmd": 86400,
    "state": {"usable": {"timestamp": "2025-01-01T00:00:00Z"}}}]}]}))
EOF
	echo "nothing.invalid" >"$CS/watchlist"
	t0=$(now)
	certspotter -logs "$CS/logs.json" -state_dir "$CS/state" -watchlist "$CS/watchlist" -stdout \
		-verbose >"$CS/out.log" 2>&1 &
	CSPID=$!
	# Done when its state.json says the whole tree is verified (verified_position.size; polled
	# every 0.2 s, at most 30 min).
	done_at=""
	for _ in $(seq 9000); do
		if python3 -c 'import glob, json, sys
sys.exit(0 if any(json.load(open(f)).get("verified_position", {}).get("size", 0) >= int(sys.argv[2])
                  for f in glob.glob(sys.argv[1] + "/logs/*/state.json")) else 1)' "$CS/state" "$N" 2>/dev/null; then
			done_at=$(now)
			break
		fi
		kill -0 $CSPID 2>/dev/null || break
		sleep 0.2
	done
	kill $CSPID 2>/dev/null || true
	wait $CSPID 2>/dev/null || true
	if [ -n "$done_at" ]; then
		R_CS=$(rate "$N" "$(echo "$done_at - $t0" | bc)")
	else
		R_CS="did not finish (see $CS/out.log)"
	fi
fi

echo "ct sync on a local $N-entry log (nginx on 127.0.0.1, $(nproc) cores):"
echo "  tiled, fetch+decode+verify, no store:   $R_TILED_NOSTORE"
echo "  tiled, verified into the store:         $R_TILED_STORE"
echo "  SQLite floor of the same store's rows:  $R_FLOOR"
echo "  ct verify (offline, from the store):    $R_VERIFY"
echo "  RFC 6962, fetch+decode+verify, no store: $R_RFC_NOSTORE"
echo "  certspotter $(certspotter -version 2>/dev/null | awk '{print $3}'), RFC 6962:        $R_CS"
