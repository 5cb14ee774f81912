# Shared by tests/sh/scan_*.sh (sourced, not a test itself): a scratch directory cleaned up on
# exit with every server started through srv/peer/start_nginx, check helpers, certificates made
# with openssl, and waiting for listeners. Needs CH_CLI and CH_SOURCE_DIR; sets CLI, SRC, W.
CLI=${CH_CLI:?}
SRC=${CH_SOURCE_DIR:?}
W=$(mktemp -d "/tmp/ch-${SCAN_TEST:-scan}-XXXXXX")
PIDS=()
NGINX_PID=
HAVE_NGINX=0

scan_cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	[ -n "$NGINX_PID" ] && kill "$NGINX_PID" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$W"
}
trap scan_cleanup EXIT

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }
check() { # check DESCRIPTION JQ-EXPR FILE  (the expression must print true)
	if [ "$(jq -s "$2" "$3" 2>/dev/null)" = true ]; then ok "$1"; else
		fail "$1"; echo "  expr: $2"; head -c 2000 "$3"; echo; fi
}

command -v openssl >/dev/null && command -v jq >/dev/null && command -v python3 >/dev/null ||
	{ echo "skip: needs openssl, jq and python3"; exit 77; }
cd "$W" || exit 1

mkcert() { # mkcert NAME KEYALG ISSUER|self [ca]   (subject O is $CERT_ORG)
	local name=$1 alg=$2 issuer=$3 ext
	if [ "$alg" = rsa ]; then
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$name.key" 2>/dev/null
	else
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$name.key" 2>/dev/null
	fi
	if [ "${4:-}" = ca ]; then ext="basicConstraints=critical,CA:TRUE
keyUsage=keyCertSign,cRLSign"; else ext="subjectAltName=DNS:$name
basicConstraints=CA:FALSE"; fi
	printf '%s\n' "$ext" >"$name.ext"
	openssl req -new -key "$name.key" -subj "/O=${CERT_ORG:-certhound test}/CN=$name" \
		-out "$name.csr" 2>/dev/null
	if [ "$issuer" = self ]; then
		openssl x509 -req -in "$name.csr" -signkey "$name.key" -days 30 -extfile "$name.ext" \
			-out "$name.pem" 2>/dev/null
	else
		openssl x509 -req -in "$name.csr" -CA "$issuer.pem" -CAkey "$issuer.key" \
			-CAcreateserial -days 30 -extfile "$name.ext" -out "$name.pem" 2>/dev/null
	fi
}
fp() { openssl x509 -in "$1" -outform DER | openssl dgst -sha256 -r | cut -c1-64; }

srv() { openssl s_server -quiet -naccept 100000 "$@" >/dev/null 2>&1 & PIDS+=($!); }
peer() { python3 "$SRC/tests/scan_peers.py" "$@" >"$W/peer.$1.$3" 2>&1 & PIDS+=($!); }

# start_nginx SERVER-BLOCKS: nginx (when installed) with these server blocks, session
# resumption off; sets HAVE_NGINX=1.
start_nginx() {
	local nginx
	command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || return 0
	nginx=$(command -v nginx || echo /usr/sbin/nginx)
	mkdir -p "$W/ngx"
	cat >"$W/nginx.conf" <<NGX
$( [ "$(id -u)" = 0 ] && echo "user root;" )
daemon off;
worker_processes 1;
pid $W/ngx/nginx.pid;
error_log $W/ngx/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $W/ngx; proxy_temp_path $W/ngx; fastcgi_temp_path $W/ngx;
  uwsgi_temp_path $W/ngx; scgi_temp_path $W/ngx;
  ssl_session_cache off; ssl_session_tickets off;
$1
}
NGX
	"$nginx" -p "$W/ngx" -c "$W/nginx.conf" >/dev/null 2>&1 &
	NGINX_PID=$!
	HAVE_NGINX=1
}

# wait_ports FIRST LAST: until each port answers on 127.0.0.1 or ::1 (5 s each at most)
wait_ports() {
	for p in $(seq "$1" "$2"); do
		for _ in $(seq 50); do
			if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || (exec 3<>"/dev/tcp/::1/$p") 2>/dev/null; then
				break
			fi
			sleep 0.1
		done
	done
}
