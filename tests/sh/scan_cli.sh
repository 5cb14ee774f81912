# certhound scan against real servers on this machine only (127.0.0.1 and ::1): openssl s_server
# and nginx with certificates made here, Python STARTTLS fronts and hostile peers
# (tests/scan_peers.py). Checks what a user relies on: the chain as sent, version, cipher, ALPN,
# SNI selection, the error classes, sightings in the store, scope rules and resuming.
set -u
SCAN_TEST=scan
. "${CH_SOURCE_DIR:?}/tests/scan_lib.sh"
DB="$W/store.db"
export CERTHOUND_DB="$DB"

# ---- certificates ----------------------------------------------------------------------------
mkcert root ec self ca
mkcert inter1 ec root ca
mkcert inter2 ec inter1 ca
mkcert inter3 ec inter2 ca
mkcert inter4 ec inter3 ca
mkcert long.test ec inter4
mkcert rsa.test rsa root
mkcert ec.test ec root
mkcert sni.test ec root
mkcert default.test ec self
mkcert mail.test rsa root
cat inter4.pem inter3.pem inter2.pem inter1.pem >long-chain.pem
cat rsa.test.pem root.pem >rsa-full.pem
cat ec.test.pem root.pem >ec-full.pem
cat mail.test.pem root.pem >mail-full.pem
: >big-chain.pem
for _ in $(seq 900); do cat inter1.pem >>big-chain.pem; done

# ---- servers ---------------------------------------------------------------------------------
BASE=$((20000 + RANDOM % 20000))
P_SNI=$BASE P_RSA12=$((BASE + 1)) P_EC13=$((BASE + 2)) P_LONG=$((BASE + 3)) P_BIG=$((BASE + 4))
P_ALERT=$((BASE + 5)) P_STALL=$((BASE + 6)) P_RESET=$((BASE + 7)) P_HTTP=$((BASE + 8))
P_SMTP=$((BASE + 9)) P_IMAP=$((BASE + 10)) P_POP3=$((BASE + 11)) P_FTP=$((BASE + 12))
P_SMTPNO=$((BASE + 13)) P_NGINX=$((BASE + 14)) P_CLOSED=$((BASE + 15))

srv -accept "127.0.0.1:$P_SNI" -cert default.test.pem -key default.test.key \
	-servername sni.test -cert2 sni.test.pem -key2 sni.test.key -alpn http/1.1
srv -accept "127.0.0.1:$P_RSA12" -cert rsa.test.pem -key rsa.test.key -cert_chain root.pem -tls1_2
srv -accept "[::1]:$P_EC13" -cert ec.test.pem -key ec.test.key -tls1_3
srv -accept "127.0.0.1:$P_LONG" -cert long.test.pem -key long.test.key -cert_chain long-chain.pem
srv -accept "127.0.0.1:$P_BIG" -cert ec.test.pem -key ec.test.key -cert_chain big-chain.pem
srv -accept "127.0.0.1:$P_ALERT" -cert ec.test.pem -key ec.test.key -servername good.test \
	-cert2 sni.test.pem -key2 sni.test.key -servername_fatal
peer stall 127.0.0.1 "$P_STALL"
peer reset 127.0.0.1 "$P_RESET"
peer http 127.0.0.1 "$P_HTTP"
peer smtp 127.0.0.1 "$P_SMTP" mail-full.pem mail.test.key
peer imap 127.0.0.1 "$P_IMAP" mail-full.pem mail.test.key
peer pop3 127.0.0.1 "$P_POP3" mail-full.pem mail.test.key
peer ftp 127.0.0.1 "$P_FTP" mail-full.pem mail.test.key
peer smtp-refuse 127.0.0.1 "$P_SMTPNO" mail-full.pem mail.test.key

start_nginx "
  server { listen 127.0.0.1:$P_NGINX ssl; listen [::1]:$P_NGINX ssl; server_name ec.test;
           ssl_certificate $W/ec-full.pem; ssl_certificate_key $W/ec.test.key; return 200; }
  server { listen 127.0.0.1:$P_NGINX ssl; listen [::1]:$P_NGINX ssl; server_name rsa.test;
           ssl_certificate $W/rsa-full.pem; ssl_certificate_key $W/rsa.test.key; return 200; }"

wait_ports "$BASE" $((BASE + 14))

scan() { "$CLI" scan --no-progress --format ndjson --rate 0 --host-rate 0 --retries 0 "$@"; }

# ---- SNI selection and the store -------------------------------------------------------------
scan --resolve sni.test=127.0.0.1 --also-default "sni.test:$P_SNI" >sni.json 2>sni.err
check "SNI probe gets the SNI certificate" \
	'.[0].status == "ok" and .[0].sni == "sni.test" and .[0].chain[0].names == ["sni.test"] and .[0].ip == "127.0.0.1"' sni.json
check "probe without SNI gets the default certificate, selection different" \
	'.[1].sni == null and .[1].chain[0].subject.cn == ["default.test"] and .[1].selection == "different" and .[1].compared_with_sni == "sni.test"' sni.json
# s_server configures ALPN on its first context only, so the no-SNI probe negotiates it
check "ALPN negotiated (the server picks http/1.1 from h2,http/1.1)" '.[1].alpn == "http/1.1"' sni.json
check "leaf_sha256 is the chain's first record" '.[0].leaf_sha256 == .[0].chain[0].sha256' sni.json
SNI_FP=$(fp sni.test.pem)
check "the leaf is the served certificate" ".[0].leaf_sha256 == \"$SNI_FP\"" sni.json
"$CLI" show --format json "$SNI_FP" >show.json 2>&1
check "show lists the scan sighting with ip, port and SNI" \
	"[.[0].sightings[] | select(.kind == \"scan\" and .ip == \"127.0.0.1\" and .port == $P_SNI and .sni == \"sni.test\")] | length == 1" show.json
scan --resolve localhost=127.0.0.1 --also-default "localhost:$P_SNI" >same.json 2>/dev/null
check "a server with one certificate for every name: selection same" \
	'.[1].selection == "same" and .[0].chain[0].subject.cn == ["default.test"]' same.json

# ---- versions, key types, IPv6, chains -------------------------------------------------------
scan "127.0.0.1:$P_RSA12" >rsa12.json 2>/dev/null
check "TLS 1.2-only server: TLSv1.2, RSA leaf, chain of 2 as sent" \
	'.[0].status == "ok" and .[0].tls_version == "TLSv1.2" and .[0].chain[0].key.type == "rsa" and (.[0].chain | length) == 2 and .[0].chain[1].subject.cn == ["root"]' rsa12.json
scan "[::1]:$P_EC13" >ec13.json 2>/dev/null
check "TLS 1.3-only server on ::1: TLSv1.3, EC P-256 leaf, TLS 1.3 cipher" \
	'.[0].status == "ok" and .[0].ip == "::1" and .[0].tls_version == "TLSv1.3" and .[0].chain[0].key.type == "ec" and (.[0].cipher | startswith("TLS_"))' ec13.json
scan "127.0.0.1:$P_LONG" >long.json 2>/dev/null
check "long chain: all 5 certificates in the order sent, each issued by the next" \
	'(.[0].chain | length) == 5 and .[0].chain[0].subject.cn == ["long.test"] and ([range(0;4) as $i | .[0].chain[$i].issuer.dn == .[0].chain[$i+1].subject.dn] | all)' long.json
scan --cert-only "127.0.0.1:$P_LONG" >certonly.json 2>/dev/null
check "--cert-only: the TLS 1.2 fetch, same chain (tests/sh/scan_fast.sh has the rest)" \
	'.[0].status == "ok" and (.[0].chain | length) == 5 and .[0].tls_version == "TLSv1.2" and .[0].cipher != null' certonly.json
scan --cert-only --no-fast-path "127.0.0.1:$P_LONG" >certonly-ossl.json 2>/dev/null
check "--cert-only --no-fast-path: OpenSSL's TLS 1.3 handshake stopped at the certificate" \
	'.[0].status == "ok" and (.[0].chain | length) == 5 and .[0].tls_version == "TLSv1.3" and .[0].cipher != null' certonly-ossl.json
scan "127.0.0.1:$P_BIG" >big.json 2>/dev/null
check "enormous chain refused at the limit: chain-too-large" '.[0].status == "chain-too-large"' big.json
scan --max-chain-bytes 1048576 "127.0.0.1:$P_BIG" >big2.json 2>/dev/null
check "enormous chain under a 1 MiB limit: ok, 64 certificates kept" \
	'.[0].status == "ok" and (.[0].chain | length) == 64' big2.json

# ---- error classes ---------------------------------------------------------------------------
scan --resolve bad.test=127.0.0.1 "bad.test:$P_ALERT" >alert.json 2>/dev/null
check "fatal unrecognized_name alert: tls-alert-unrecognized-name with code 112" \
	'.[0].status == "tls-alert-unrecognized-name" and .[0].alert == 112' alert.json
scan --handshake-timeout 700 "127.0.0.1:$P_STALL" >stall.json 2>/dev/null
check "a peer that accepts and stalls: timeout in the handshake phase" \
	'.[0].status == "timeout" and .[0].phase == "handshake" and .[0].connect_ms >= 0' stall.json
scan "127.0.0.1:$P_RESET" >reset.json 2>/dev/null
check "a peer that resets mid-handshake: reset" '.[0].status == "reset"' reset.json
scan "127.0.0.1:$P_HTTP" >http.json 2>/dev/null
check "a peer speaking plain HTTP: not-tls" '.[0].status == "not-tls"' http.json
scan "127.0.0.1:$P_CLOSED" >closed.json 2>/dev/null
check "nothing listening: refused" '.[0].status == "refused" and .[0].phase == "connect"' closed.json
scan "name.invalid:443" >dns.json 2>/dev/null
check "a name that does not resolve: dns-failure, no ip" '.[0].status == "dns-failure" and .[0].ip == null' dns.json
scan --handshake-timeout 300 --retries 2 "127.0.0.1:$P_STALL" >retry.json 2>/dev/null
check "retries: three attempts after timeouts, one result" '(. | length) == 1 and .[0].attempts == 3' retry.json

# ---- STARTTLS --------------------------------------------------------------------------------
MAIL_FP=$(fp mail.test.pem)
for proto in smtp imap pop3 ftp; do
	var=P_$(echo $proto | tr a-z A-Z)
	scan --starttls $proto "127.0.0.1:${!var}" >st-$proto.json 2>/dev/null
	check "STARTTLS $proto: the mail certificate after the dialogue" \
		".[0].status == \"ok\" and .[0].starttls == \"$proto\" and .[0].leaf_sha256 == \"$MAIL_FP\" and (.[0].chain | length) == 2" st-$proto.json
done
scan --starttls smtp "127.0.0.1:$P_SMTPNO" >st-no.json 2>/dev/null
check "an SMTP server refusing STARTTLS: starttls-failed with its answer" \
	'.[0].status == "starttls-failed" and (.[0].error | contains("454"))' st-no.json

# ---- nginx: SNI-selected ECDSA and RSA sites on 127.0.0.1 and ::1 -----------------------------
if [ $HAVE_NGINX = 1 ]; then
	scan --resolve ec.test=127.0.0.1 --resolve ec.test=::1 --resolve rsa.test=127.0.0.1 \
		-p "$P_NGINX" ec.test rsa.test >ngx.json 2>/dev/null
	check "nginx: ec.test on both addresses with its ECDSA certificate" \
		'[.[] | select(.sni == "ec.test" and .status == "ok" and .chain[0].key.type == "ec") | .ip] | sort == ["127.0.0.1", "::1"]' ngx.json
	check "nginx: rsa.test with its RSA certificate, h2 not offered by this nginx site -> http/1.1 or null" \
		'[.[] | select(.sni == "rsa.test")][0] | .status == "ok" and .chain[0].key.type == "rsa" and .chain[0].names == ["rsa.test"]' ngx.json
else
	echo "skip: nginx not installed (scripts/deps.sh installs it)"
fi

# ---- contract fields, formats ----------------------------------------------------------------
cat sni.json rsa12.json stall.json dns.json >all.json
check "every result carries the contract fields" \
	'map(has("target") and has("ip") and has("port") and has("sni") and has("status") and has("tls_version") and has("cipher") and has("alpn") and has("chain")) | all' all.json
"$CLI" scan --no-store --no-progress --format csv --rate 0 --host-rate 0 "127.0.0.1:$P_RSA12" "127.0.0.1:$P_CLOSED" >out.csv 2>/dev/null
if [ "$(wc -l <out.csv)" = 3 ] && head -1 out.csv | grep -q '^target,ip,port,sni,status' && grep -q ',refused,' out.csv; then
	ok "csv: header and one row per connection"; else fail "csv output"; cat out.csv; fi

# ---- scope and safety ------------------------------------------------------------------------
"$CLI" scan --no-progress --format ndjson --exclude 127.0.0.0/8 "127.0.0.1:$P_SNI" >excl.json 2>excl.err
rc=$?
if [ $rc = 1 ] && [ ! -s excl.json ] && grep -q 'excluded addresses 1' excl.err &&
	grep -q 'contacted 0 addresses with 0 connections' excl.err; then
	ok "an excluded address is never contacted (exit 1, summary says so)"; else
	fail "exclude (rc=$rc)"; cat excl.err; fi
"$CLI" scan --no-progress --format ndjson --exclude '*.test' --resolve sni.test=127.0.0.1 "sni.test:$P_SNI" >excl2.json 2>excl2.err
[ ! -s excl2.json ] && ok "an excluded name is never contacted" || fail "name exclusion"
"$CLI" scan --no-store 10.0.0.0/16 >/dev/null 2>big.err
rc=$?
if [ $rc = 2 ] && grep -q -- '--yes' big.err; then ok "a /16 needs --yes (exit 2, nothing contacted)"; else
	fail "big range without --yes (rc=$rc)"; cat big.err; fi
"$CLI" scan --no-store --max-range 4 127.0.0.0/29 >/dev/null 2>big2.err
[ $? = 2 ] && ok "--max-range lowers the limit" || fail "--max-range"
"$CLI" scan --no-store 'bad target!' >/dev/null 2>badt.err
[ $? = 3 ] && ok "a malformed target is bad input (exit 3)" || fail "malformed target"
printf '127.0.0.1:%s\n# comment\n\n127.0.0.1:%s\n' "$P_RSA12" "$P_CLOSED" >targets.txt
scan -f targets.txt >file.json 2>/dev/null
check "targets file: one result per target line (results come as connections end)" \
	'sort_by(.target_index) | (. | length) == 2 and .[0].status == "ok" and .[1].status == "refused" and .[1].target_index == 1' file.json
scan 127.0.0.1/30 -p "$P_RSA12" >cidr.json 2>/dev/null
check "a /30 on loopback: four addresses, each probed once" \
	'([.[].ip] | sort) == ["127.0.0.0","127.0.0.1","127.0.0.2","127.0.0.3"] and ([.[] | select(.status == "ok")] | length) >= 1' cidr.json

# ---- --from-query: names from the store ------------------------------------------------------
scan --from-query 'name:sni.test' --resolve sni.test=127.0.0.1 -p "$P_SNI" >fq.json 2>fq.err
check "--from-query scans the stored names matching the query" \
	'(. | length) == 1 and .[0].target == "sni.test" and .[0].sni == "sni.test" and .[0].status == "ok"' fq.json

# ---- resumable -------------------------------------------------------------------------------
: >resume.txt
for _ in $(seq 40); do echo "127.0.0.1:$P_RSA12" >>resume.txt; done
"$CLI" scan --no-progress --format ndjson --rate 10 --host-rate 0 -f resume.txt >r1.json 2>r1.err &
spid=$!
sleep 1.5
kill -INT $spid
wait $spid
rc1=$?
"$CLI" scan --no-progress --format ndjson --rate 0 --host-rate 0 -f resume.txt >r2.json 2>r2.err
rc2=$?
next=$(sed -n 's/.*resuming an interrupted scan at target \([0-9]*\) of 40.*/\1/p' r2.err)
if [ $rc1 = 130 ] && [ -n "$next" ] && [ "$next" -gt 0 ] && [ "$next" -lt 40 ] && [ $rc2 = 0 ]; then
	ok "interrupted scan exits 130 and the rerun resumes at target $next"; else
	fail "resume (rc1=$rc1 rc2=$rc2 next=$next)"; cat r1.err r2.err; fi
check "the rerun starts exactly at the checkpoint and finishes the scope" \
	"(map(.target_index) | min) == ${next:-0} and (map(.target_index) | max) == 39 and (map(.target_index) | unique | length) == (40 - ${next:-0}) and (. | length) == (40 - ${next:-0})" r2.json
"$CLI" scan --no-progress --format ndjson --rate 0 --host-rate 0 -f resume.txt >r3.json 2>r3.err
check "a finished scan run again starts over" '(. | length) == 40' r3.json

if [ $fails -gt 0 ]; then
	echo "$fails check(s) failed"
	exit 1
fi
echo "all scan checks passed"
