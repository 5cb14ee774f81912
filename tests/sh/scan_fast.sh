# certhound scan --cert-only: the hand-written TLS 1.2 certificate fetch against real servers on
# this machine only (127.0.0.1 and ::1): openssl s_server (TLS 1.2-only, TLS 1.3-only, both;
# ECDSA and RSA; SNI; ALPN; long and enormous chains; a fatal alert), nginx (SNI-selected ECDSA
# and RSA sites, a TLS 1.3-only site), a STARTTLS front and hostile peers. Every chain the fetch
# returns is compared, SHA-256 by SHA-256, with the one the OpenSSL path (--no-fast-path)
# returns from the same server; TLS 1.3-only servers must be handed to OpenSSL transparently.
set -u
SCAN_TEST=scanfast
. "${CH_SOURCE_DIR:?}/tests/scan_lib.sh"
CERT_ORG="certhound fast"

# ---- certificates ----------------------------------------------------------------------------
mkcert root ec self ca
mkcert inter1 ec root ca
mkcert inter2 ec inter1 ca
mkcert inter3 ec inter2 ca
mkcert long.test ec inter3
mkcert ec.test ec root
mkcert rsa.test rsa root
mkcert sni.test ec root
mkcert default.test rsa self
mkcert mail.test ec root
cat inter3.pem inter2.pem inter1.pem >long-chain.pem
cat ec.test.pem root.pem >ec-full.pem
cat rsa.test.pem root.pem >rsa-full.pem
cat mail.test.pem root.pem >mail-full.pem
: >big-chain.pem
for _ in $(seq 900); do cat inter1.pem >>big-chain.pem; done

# ---- servers ---------------------------------------------------------------------------------
BASE=$((20000 + RANDOM % 20000))
P_EC12=$BASE P_RSA12=$((BASE + 1)) P_EC13=$((BASE + 2)) P_SNI=$((BASE + 3)) P_LONG=$((BASE + 4))
P_BIG=$((BASE + 5)) P_ALERT=$((BASE + 6)) P_STALL=$((BASE + 7)) P_RESET=$((BASE + 8))
P_HTTP=$((BASE + 9)) P_SMTP=$((BASE + 10)) P_TRUNC=$((BASE + 11)) P_NGINX=$((BASE + 12))
P_NGINX13=$((BASE + 13)) P_CLOSED=$((BASE + 14))

srv -accept "127.0.0.1:$P_EC12" -cert ec.test.pem -key ec.test.key -cert_chain root.pem -tls1_2 \
	-alpn http/1.1
srv -accept "127.0.0.1:$P_RSA12" -cert rsa.test.pem -key rsa.test.key -cert_chain root.pem -tls1_2
srv -accept "[::1]:$P_EC13" -cert ec.test.pem -key ec.test.key -cert_chain root.pem -tls1_3
srv -accept "127.0.0.1:$P_SNI" -cert default.test.pem -key default.test.key \
	-servername sni.test -cert2 sni.test.pem -key2 sni.test.key
srv -accept "127.0.0.1:$P_LONG" -cert long.test.pem -key long.test.key -cert_chain long-chain.pem
srv -accept "127.0.0.1:$P_BIG" -cert ec.test.pem -key ec.test.key -cert_chain big-chain.pem
srv -accept "127.0.0.1:$P_ALERT" -cert ec.test.pem -key ec.test.key -servername good.test \
	-cert2 sni.test.pem -key2 sni.test.key -servername_fatal
peer stall 127.0.0.1 "$P_STALL"
peer reset 127.0.0.1 "$P_RESET"
peer http 127.0.0.1 "$P_HTTP"
peer smtp 127.0.0.1 "$P_SMTP" mail-full.pem mail.test.key
# a peer that starts a handshake record and closes in the middle of it
python3 - "$P_TRUNC" <<'EOF' >/dev/null 2>&1 &
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(64)
while True:
    c, _ = s.accept()
    try:
        c.recv(4096); c.sendall(b"\x16\x03\x03\x00\x40\x02\x00\x00\x3c\x03\x03")
    except OSError:
        pass
    c.close()
EOF
PIDS+=($!)

start_nginx "
  server { listen 127.0.0.1:$P_NGINX ssl; listen [::1]:$P_NGINX ssl; server_name ec.test;
           ssl_certificate $W/ec-full.pem; ssl_certificate_key $W/ec.test.key; return 200; }
  server { listen 127.0.0.1:$P_NGINX ssl; listen [::1]:$P_NGINX ssl; server_name rsa.test;
           ssl_certificate $W/rsa-full.pem; ssl_certificate_key $W/rsa.test.key; return 200; }
  server { listen 127.0.0.1:$P_NGINX13 ssl; ssl_protocols TLSv1.3; server_name ec.test;
           ssl_certificate $W/ec-full.pem; ssl_certificate_key $W/ec.test.key; return 200; }"

wait_ports "$BASE" $((BASE + 13))

scan() { "$CLI" scan --no-store --no-progress --format ndjson --rate 0 --host-rate 0 --retries 0 "$@"; }

# both NAME ARGS...: the fetch into NAME.fast.json (summary NAME.fast.err), the OpenSSL path
# into NAME.ossl.json
both() {
	local name=$1; shift
	scan --cert-only "$@" >"$name.fast.json" 2>"$name.fast.err"
	scan --cert-only --no-fast-path "$@" >"$name.ossl.json" 2>"$name.ossl.err"
}
# same_chain NAME DESCRIPTION: every result's chain, SHA-256 by SHA-256, equals the OpenSSL path's
same_chain() {
	local a b
	a=$(jq -c -s 'sort_by(.target_index, .sni) | map([.chain[].sha256])' "$1.fast.json")
	b=$(jq -c -s 'sort_by(.target_index, .sni) | map([.chain[].sha256])' "$1.ossl.json")
	if [ -n "$a" ] && [ "$a" = "$b" ] && [ "$a" != "[[]]" ] && [ "$a" != "[]" ]; then
		ok "$2: the fetch's chain equals the OpenSSL path's"; else
		fail "$2: chains differ"; echo "  fast: $a"; echo "  ossl: $b"; fi
}
handed() { grep -q "handed from the TLS 1.2 fetch to OpenSSL" "$1"; }

# ---- TLS 1.2-only servers: the fetch answers alone -------------------------------------------
EC_FP=$(fp ec.test.pem) RSA_FP=$(fp rsa.test.pem) ROOT_FP=$(fp root.pem)
both ec12 "127.0.0.1:$P_EC12"
check "TLS 1.2-only ECDSA: ok, TLSv1.2, ECDHE-ECDSA suite, ALPN, leaf and root as sent" \
	".[0].status == \"ok\" and .[0].tls_version == \"TLSv1.2\" and .[0].cipher == \"ECDHE-ECDSA-AES128-GCM-SHA256\" and .[0].alpn == \"http/1.1\" and .[0].leaf_sha256 == \"$EC_FP\" and .[0].chain[1].sha256 == \"$ROOT_FP\" and .[0].attempts == 1" ec12.fast.json
handed ec12.fast.err && fail "TLS 1.2 server handed to OpenSSL" || ok "TLS 1.2 server: no fallback"
same_chain ec12 "TLS 1.2-only ECDSA"
both rsa12 "127.0.0.1:$P_RSA12"
check "TLS 1.2-only RSA: ok, TLSv1.2, ECDHE-RSA suite, RSA leaf" \
	".[0].status == \"ok\" and .[0].tls_version == \"TLSv1.2\" and .[0].cipher == \"ECDHE-RSA-AES128-GCM-SHA256\" and .[0].chain[0].key.type == \"rsa\" and .[0].leaf_sha256 == \"$RSA_FP\"" rsa12.fast.json
same_chain rsa12 "TLS 1.2-only RSA"

# ---- TLS 1.3-only: handed to OpenSSL, the same result as before -------------------------------
both ec13 "[::1]:$P_EC13"
check "TLS 1.3-only on ::1: ok through OpenSSL, TLSv1.3 and a TLS 1.3 suite, one attempt" \
	".[0].status == \"ok\" and .[0].tls_version == \"TLSv1.3\" and (.[0].cipher | startswith(\"TLS_\")) and .[0].leaf_sha256 == \"$EC_FP\" and .[0].attempts == 1" ec13.fast.json
handed ec13.fast.err && ok "TLS 1.3-only: the summary counts the hand-over" || fail "TLS 1.3 hand-over not counted"
check "TLS 1.3-only: version, cipher and chain as the OpenSSL path gives them" \
	"$(jq -c -s '.[0] | {tls_version, cipher, c: [.chain[].sha256]}' ec13.ossl.json) == (.[0] | {tls_version, cipher, c: [.chain[].sha256]})" ec13.fast.json

# ---- both versions: the fetch stops at TLS 1.2, same certificate ------------------------------
both sni --resolve sni.test=127.0.0.1 --also-default "sni.test:$P_SNI"
check "SNI chooses the certificate: sni.test with SNI, default.test (RSA) without, selection different" \
	'(sort_by(.sni) | .[0].sni == null and .[0].chain[0].subject.cn == ["default.test"] and .[0].selection == "different" and .[1].chain[0].subject.cn == ["sni.test"] and .[1].tls_version == "TLSv1.2")' sni.fast.json
same_chain sni "SNI and no-SNI probes"
both long "127.0.0.1:$P_LONG"
check "long chain: 4 certificates in the order sent, each issued by the next" \
	'(.[0].chain | length) == 4 and .[0].chain[0].subject.cn == ["long.test"] and ([range(0;3) as $i | .[0].chain[$i].issuer.dn == .[0].chain[$i+1].subject.dn] | all)' long.fast.json
same_chain long "long chain"

# ---- limits ----------------------------------------------------------------------------------
both big "127.0.0.1:$P_BIG"
check "enormous chain: chain-too-large from the fetch, as from OpenSSL" \
	"$(jq -c -s '.[0].status' big.ossl.json) == \"chain-too-large\" and .[0].status == \"chain-too-large\"" big.fast.json
handed big.fast.err && fail "enormous chain handed to OpenSSL" || ok "enormous chain: judged by the fetch"
both big1m --max-chain-bytes 1048576 "127.0.0.1:$P_BIG"
check "enormous chain under a 1 MiB limit: ok, 64 certificates kept" \
	'.[0].status == "ok" and (.[0].chain | length) == 64' big1m.fast.json
same_chain big1m "64 kept of an enormous chain"

# ---- alerts and hostile peers ----------------------------------------------------------------
both alert --resolve bad.test=127.0.0.1 "bad.test:$P_ALERT"
check "fatal unrecognized_name: tls-alert-unrecognized-name, code 112, as OpenSSL reports it" \
	"$(jq -c -s '.[0] | [.status, .alert]' alert.ossl.json) == [\"tls-alert-unrecognized-name\", 112] and ([.[0].status, .[0].alert] == [\"tls-alert-unrecognized-name\", 112])" alert.fast.json
handed alert.fast.err && fail "an unrecognized_name alert handed to OpenSSL" || ok "alert judged by the fetch"
scan --cert-only "127.0.0.1:$P_HTTP" >http.json 2>http.err
check "plain HTTP: not-tls" '.[0].status == "not-tls" and .[0].phase == "handshake"' http.json
handed http.err && fail "plain HTTP handed to OpenSSL" || ok "plain HTTP judged by the fetch"
scan --cert-only --handshake-timeout 700 "127.0.0.1:$P_STALL" >stall.json 2>/dev/null
check "a peer that stalls: timeout in the handshake" \
	'.[0].status == "timeout" and .[0].phase == "handshake"' stall.json
scan --cert-only "127.0.0.1:$P_RESET" >reset.json 2>reset.err
check "a peer that resets on the hello: reset (after OpenSSL tried too)" '.[0].status == "reset"' reset.json
handed reset.err && ok "reset before any answer: handed to OpenSSL" || fail "reset not handed over"
both trunc "127.0.0.1:$P_TRUNC"
check "a peer closing inside a record: closed, as the OpenSSL path says" \
	"$(jq -c -s '.[0].status' trunc.ossl.json) == \"closed\" and .[0].status == \"closed\"" trunc.fast.json
scan --cert-only "127.0.0.1:$P_CLOSED" >closed.json 2>/dev/null
check "nothing listening: refused" '.[0].status == "refused" and .[0].phase == "connect"' closed.json

# ---- STARTTLS --------------------------------------------------------------------------------
both smtp --starttls smtp "127.0.0.1:$P_SMTP"
check "STARTTLS smtp then the fetch: the mail certificate, TLSv1.2" \
	".[0].status == \"ok\" and .[0].starttls == \"smtp\" and .[0].tls_version == \"TLSv1.2\" and .[0].leaf_sha256 == \"$(fp mail.test.pem)\"" smtp.fast.json
same_chain smtp "STARTTLS smtp"

# ---- nginx -----------------------------------------------------------------------------------
if [ $HAVE_NGINX = 1 ]; then
	both ngx --resolve ec.test=127.0.0.1 --resolve ec.test=::1 --resolve rsa.test=127.0.0.1 \
		-p "$P_NGINX" ec.test rsa.test
	check "nginx: ec.test (ECDSA) on both addresses and rsa.test (RSA), TLSv1.2" \
		'([.[] | select(.sni == "ec.test" and .status == "ok" and .chain[0].key.type == "ec") | .ip] | sort) == ["127.0.0.1", "::1"] and ([.[] | select(.sni == "rsa.test")][0] | .status == "ok" and .chain[0].key.type == "rsa" and .tls_version == "TLSv1.2")' ngx.fast.json
	a=$(jq -c -s 'map({sni, ip, c: [.chain[].sha256]}) | sort_by(.sni, .ip)' ngx.fast.json)
	b=$(jq -c -s 'map({sni, ip, c: [.chain[].sha256]}) | sort_by(.sni, .ip)' ngx.ossl.json)
	[ "$a" = "$b" ] && ok "nginx: every chain equals the OpenSSL path's" || { fail "nginx chains"; echo "$a"; echo "$b"; }
	both ngx13 --resolve ec.test=127.0.0.1 "ec.test:$P_NGINX13"
	check "nginx TLS 1.3-only: handed to OpenSSL, ok, TLSv1.3, the same chain" \
		"$(jq -c -s '[.[0].chain[].sha256]' ngx13.ossl.json) == [.[0].chain[].sha256] and .[0].status == \"ok\" and .[0].tls_version == \"TLSv1.3\"" ngx13.fast.json
	handed ngx13.fast.err && ok "nginx TLS 1.3-only: hand-over counted" || fail "nginx 1.3 hand-over"
else
	echo "skip: nginx not installed"
fi

# ---- many probes through few sockets: spares reused, no stale event confuses a probe ---------
for _ in $(seq 300); do echo "127.0.0.1:$P_EC12"; done >many.txt
[ $HAVE_NGINX = 1 ] && for _ in $(seq 300); do echo "[::1]:$P_NGINX"; done >>many.txt
scan --cert-only --concurrency 40 -f many.txt >many.json 2>many.err
check "600 probes (IPv4 s_server, IPv6 nginx) 40 at a time: every one ok with its own leaf" \
	"(. | length) == $(wc -l <many.txt) and all(.[]; .status == \"ok\" and .attempts == 1) and ([.[] | select(.ip == \"127.0.0.1\") | .leaf_sha256] | unique) == [\"$EC_FP\"]" many.json
handed many.err && fail "many probes: some handed to OpenSSL" || ok "many probes: none handed over"

# ---- into the store --------------------------------------------------------------------------
export CERTHOUND_DB="$W/store.db"
"$CLI" scan --no-progress --format ndjson --rate 0 --host-rate 0 --cert-only "127.0.0.1:$P_EC12" >st.json 2>st.err
"$CLI" show --format json "$EC_FP" >show.json 2>&1
check "the fetched chain is stored with its sighting" \
	"[.[0].sightings[] | select(.kind == \"scan\" and .ip == \"127.0.0.1\" and .port == $P_EC12)] | length == 1" show.json

if [ $fails -gt 0 ]; then
	echo "$fails check(s) failed"
	exit 1
fi
echo "all scan fetch checks passed"
