# certhound scan of a CIDR range holding several test hosts, each in its own network namespace
# on a bridge the test creates (nothing leaves the machine: the range is a private /24 that the
# test checks is unused). Needs root and `ip netns`; skips with a message otherwise.
set -u
CLI=${CH_CLI:?}
W=$(mktemp -d /tmp/ch-scan-ns-XXXXXX)
TAG=$$
BR=chbr$((TAG % 100000))
NETS=()
PIDS=()

cleanup() {
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	wait 2>/dev/null
	for n in "${NETS[@]}"; do ip netns del "$n" 2>/dev/null; done
	ip link del "$BR" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT

skip() { echo "skip: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "network namespaces need root"
command -v ip >/dev/null && command -v openssl >/dev/null && command -v jq >/dev/null ||
	skip "needs ip, openssl and jq"
ip netns add "chprobe$TAG" 2>/dev/null || skip "ip netns does not work here"
ip netns del "chprobe$TAG"

# a private /24 not routed on this machine
NET=
for _ in $(seq 20); do
	c="10.213.$((RANDOM % 200 + 20))"
	if ! ip route get "$c.2" 2>/dev/null | grep -q " dev " ||
		ip route get "$c.2" | grep -q "via"; then
		ip -4 addr | grep -q "inet $c\." || { NET=$c; break; }
	fi
done
[ -n "$NET" ] || skip "no free private /24 found"

ip link add "$BR" type bridge || skip "cannot create a bridge"
ip addr add "$NET.1/24" dev "$BR"
ip link set "$BR" up
cd "$W" || exit 1

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
ok() { echo "ok: $*"; }

# hosts .2 (TLS), .3 (nothing listening), .4 (TLS, excluded: logs any contact), .6 (TLS, RSA)
for h in 2 3 4 6; do
	ns=ch$TAG-$h
	ip netns add "$ns" || skip "cannot add a namespace"
	NETS+=("$ns")
	ip link add "chv$((TAG % 10000))$h" type veth peer name eth0 netns "$ns"
	ip link set "chv$((TAG % 10000))$h" master "$BR" up
	ip -n "$ns" addr add "$NET.$h/24" dev eth0
	ip -n "$ns" link set eth0 up
	ip -n "$ns" link set lo up
	alg=ec
	[ $h = 6 ] && alg=rsa
	if [ $alg = rsa ]; then
		openssl req -x509 -newkey rsa:2048 -nodes -keyout h$h.key -out h$h.pem -days 30 \
			-subj "/CN=host$h.test" -addext "subjectAltName=DNS:host$h.test,IP:$NET.$h" 2>/dev/null
	else
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout h$h.key \
			-out h$h.pem -days 30 -subj "/CN=host$h.test" \
			-addext "subjectAltName=DNS:host$h.test,IP:$NET.$h" 2>/dev/null
	fi
	[ $h = 3 ] && continue
	ip netns exec "$ns" openssl s_server -quiet -naccept 1000 -accept "$NET.$h:443" \
		-cert h$h.pem -key h$h.key -msg >"$W/contact.$h" 2>&1 &
	PIDS+=($!)
done
sleep 1

"$CLI" --db "$W/store.db" scan --no-progress --format ndjson --rate 0 --host-rate 0 --retries 0 \
	--connect-timeout 1500 --exclude "$NET.4" "$NET.0/29" >ns.json 2>ns.err
rc=$?
cat ns.err
st() { jq -r --arg ip "$NET.$1" 'select(.ip == $ip) | .status' ns.json; }
[ $rc = 0 ] && ok "exit 0 with certificates fetched" || fail "exit status $rc"
[ "$(st 2)" = ok ] && ok "host .2 served its certificate" || fail "host .2: $(st 2)"
[ "$(st 6)" = ok ] && ok "host .6 served its RSA certificate" || fail "host .6: $(st 6)"
[ "$(jq -r --arg ip "$NET.6" 'select(.ip == $ip) | .chain[0].key.type' ns.json)" = rsa ] ||
	fail "host .6 key type"
[ "$(st 3)" = refused ] && ok "host .3 without a listener: refused" || fail "host .3: $(st 3)"
case "$(st 5)" in timeout | unreachable) ok "absent host .5: $(st 5)" ;; *) fail "host .5: $(st 5)" ;; esac
[ -z "$(st 4)" ] && ok "excluded host .4 has no result" || fail "host .4 was probed"
[ ! -s "$W/contact.4" ] && ok "excluded host .4 saw no TLS message" || fail "host .4 was contacted"
n=$(jq -s 'length' ns.json)
[ "$n" = 7 ] && ok "7 results for the 8 addresses of the /29 minus the exclusion" || fail "$n results"
grep -q 'excluded addresses 1' ns.err && ok "summary counts the exclusion" || fail "summary"
leaf=$(jq -r --arg ip "$NET.2" 'select(.ip == $ip) | .leaf_sha256' ns.json)
"$CLI" --db "$W/store.db" show --format json "$leaf" >show.json 2>&1
if jq -e --arg ip "$NET.2" '.sightings | map(select(.kind == "scan" and .ip == $ip and .port == 443)) | length == 1' show.json >/dev/null; then
	ok "show lists the sighting at $NET.2:443"; else fail "sighting"; cat show.json; fi

[ $fails = 0 ] || { echo "$fails check(s) failed"; exit 1; }
echo "all netns scan checks passed"
