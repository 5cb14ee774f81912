#!/usr/bin/env bash
# End to end: a pivot's leads against a generated set of logs (Zeek TSV x509/ssl, a gzip-rotated
# Zeek dns log, Squid, iptables, Suricata EVE) where some leads were contacted and some were not.
# Verdicts, hosts, counts, ATT&CK ids and evidence lines are asserted exactly; also label-boundary
# matching, time windows, bad lines reported with file:line while the rest is read (exit 3), a
# 2 MB hostile line, exit codes, every output format, --store-sightings into a real SQLite store,
# the SHA-1 alias of a stored certificate, and Zeek's own x509.log samples from ../shared.
set -u
cli=${CH_CLI:?CH_CLI not set}
src=${CH_SOURCE_DIR:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
check() { # description, command...
	local what=$1; shift
	if ! "$@"; then echo "FAIL: $what"; fail=1; fi
}
eq() { [[ "$1" == "$2" ]] || { echo "  got:  $1"; echo "  want: $2"; return 1; }; }

C=ab48fa88ee66cce1848562117d32491838dbe06cce88414259497d32a3d1fefd   # login.evil-corp.test
CA=12d8b91badeed0d0a1780202bd62574cb4ee6632e1a763a5bd63f86213bec924  # Evil Test CA
CA_SHA1=c85f2a92402640f6145a6cd6b762ed8aaec69a73
cert_b64=$(grep -v -- ----- "$src/tests/data/telemetry/login-evil-corp.pem" | tr -d '\n')

mkdir -p "$tmp/logs/zeek" "$tmp/logs/proxy"
T=1714564800 # 2024-05-01T12:00:00Z
hdr() { # path fields types
	printf '#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\t%s\n#open\t2024-05-01-12-00-00\n#fields\t%s\n#types\t%s\n' "$1" "$2" "$3"
}
# ssl.log is named before x509.log on purpose: x509 logs must still be read first.
{
	hdr ssl $'ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tserver_name\tcert_chain_fps\tcert_chain_fuids' \
		$'time\tstring\taddr\tport\taddr\tport\tstring\tvector[string]\tvector[string]'
	printf '%s\tC1\t10.0.0.5\t49152\t203.0.113.7\t443\tlogin.evil-corp.test\t%s\t-\n' "$((T + 10)).25" "$C"   # line 9
	printf '%s\tC2\t10.0.0.6\t49153\t198.51.100.9\t8443\t-\t(empty)\tF1,F2\n' "$((T + 20))"                     # line 10
	printf '%s\tC3\t10.0.0.9\t49154\t198.51.100.10\t443\twww.notevil-corp.test\t-\t-\n' "$((T + 30))"         # line 11
	printf '#close\t2024-05-01-13-00-00\n'
} > "$tmp/logs/zeek/ssl.log"
{
	hdr x509 $'ts\tid\tfingerprint\tcertificate.subject\tcert' $'time\tstring\tstring\tstring\tstring'
	printf '%s\tF1\t%s\tCN=login.evil-corp.test\t%s\n' "$((T + 19))" "$C" "$cert_b64"   # line 9
} > "$tmp/logs/zeek/x509.log"
{
	hdr dns $'ts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tquery\tanswers' \
		$'time\tstring\taddr\tport\taddr\tport\tenum\tstring\tvector[string]'
	printf '%s\tD1\t10.0.0.7\t5353\t10.0.0.1\t53\tudp\tBeacon.Evil-Corp.test.\t203.0.113.50\n' "$((T + 5))"  # line 9
	printf '%s\tD2\t10.0.0.8\t5353\t10.0.0.1\t53\tudp\tnotevil-corp.test\t198.51.100.77\n' "$((T + 6))"     # line 10
} | gzip -c > "$tmp/logs/zeek/dns.2024-05-01-12-00-00.log.gz"
printf '%s.000    120 10.0.0.10 TCP_TUNNEL/200 900 CONNECT api.other-bad.test:443 - HIER_DIRECT/198.51.100.30 -\n' "$((T + 40))" > "$tmp/logs/proxy/access.log"
printf 'May  1 12:01:00 fw kernel: [1.0] OUT-DROP IN= OUT=eth0 SRC=10.0.0.11 DST=192.0.2.200 LEN=60 PROTO=TCP SPT=40000 DPT=8443 SYN\n' > "$tmp/logs/fw.log"
{
	printf '{"timestamp":"2024-05-01T12:02:00.000000+0000","event_type":"tls","src_ip":"10.0.0.12","src_port":50000,"dest_ip":"198.51.100.40","dest_port":993,"proto":"TCP","tls":{"fingerprint":"%s"}}\n' \
		"$(echo $CA_SHA1 | sed 's/../&:/g; s/:$//')"
	printf '{"timestamp":"2024-05-01T12:02:01.000000+0000","event_type":"tls","src_ip":"10.0.0.12","tls":{"sni":"cut\n'
} > "$tmp/logs/eve.json"

cat > "$tmp/leads.json" <<EOF
{"seeds": [{"seed": "domain:evil-corp.test", "kind": "domain", "value": "evil-corp.test", "certs": 1}],
 "leads": [
  {"kind": "domain", "value": "evil-corp.test", "score": 1.0, "depth": 0, "via": [], "certs": []},
  {"kind": "name", "value": "login.evil-corp.test", "score": 0.9, "depth": 1, "via": [], "certs": []},
  {"kind": "cert", "value": "$C", "score": 0.9, "depth": 1, "via": [], "certs": ["$C"]},
  {"kind": "ip", "value": "203.0.113.50", "score": 0.5, "depth": 2, "via": [], "certs": []},
  {"kind": "ip", "value": "192.0.2.200", "score": 0.5, "depth": 2, "via": [], "certs": []},
  {"kind": "domain", "value": "other-bad.test", "score": 0.4, "depth": 2, "via": [], "certs": []},
  {"kind": "domain", "value": "never-seen.test", "score": 0.3, "depth": 2, "via": [], "certs": []},
  {"kind": "cert", "value": "$CA", "score": 0.3, "depth": 2, "via": [], "certs": ["$CA"]}
 ], "suppressed": [], "bounds_hit": []}
EOF

export CERTHOUND_DB=$tmp/store.db
"$cli" corroborate --leads "$tmp/leads.json" --format json "$tmp/logs" > "$tmp/out.json" 2> "$tmp/err"
rc=$?
check "exit 3: the EVE file has a truncated line" eq "$rc" 3
check "bad line reported with file:line" grep -q "^certhound: $tmp/logs/eve.json:2: invalid JSON" "$tmp/err"
r() { jq -c "$1" "$tmp/out.json"; }
check "one result per lead, input order" eq "$(r '[.results[].indicator]')" \
	"[\"evil-corp.test\",\"login.evil-corp.test\",\"$C\",\"203.0.113.50\",\"192.0.2.200\",\"other-bad.test\",\"never-seen.test\",\"$CA\"]"
check "verdicts" eq "$(r '[.results[].verdict]')" \
	'["tls-session","tls-session","tls-session","resolved","contacted","contacted","no-evidence","no-evidence"]'
check "domain: hosts (label boundary: no notevil-corp.test hosts)" eq "$(r '.results[0].hosts')" '["10.0.0.7","10.0.0.5"]'
check "domain: count and evidence" eq "$(r '.results[0] | [.count, [.evidence[] | "\(.file | split("/") | last):\(.line):\(.shows):\(.matched)"]]')" \
	'[2,["ssl.log:9:tls-session:sni","dns.2024-05-01-12-00-00.log.gz:9:resolved:name"]]'
check "domain: times" eq "$(r '.results[0] | [.first_seen, .last_seen]')" '["2024-05-01T12:00:05Z","2024-05-01T12:00:10Z"]'
check "domain: ATT&CK for TLS on 443" eq "$(r '.results[0].attack')" '["T1071.001"]'
check "name: exact only" eq "$(r '.results[1] | [.count, .hosts]')" '[1,["10.0.0.5"]]'
check "cert: x509 line, chain fingerprint, fuid via x509.log" eq \
	"$(r ".results[2] | [.count, .hosts, [.evidence[] | \"\(.file | split(\"/\") | last):\(.line):\(.matched)\"]]")" \
	'[3,["10.0.0.5","10.0.0.6"],["x509.log:9:cert","ssl.log:9:cert","ssl.log:10:fuid"]]'
check "cert: ATT&CK" eq "$(r '.results[2].attack')" '["T1071.001","T1573.002"]'
check "ip: resolved through a DNS answer" eq "$(r '.results[3] | [.count, .hosts, .attack, .evidence[0].matched]')" '[1,["10.0.0.7"],[],"answer"]'
check "ip: firewall contact (no ATT&CK for a LOG line)" eq "$(r '.results[4] | [.hosts, .attack, .evidence[0].line]')" '[["10.0.0.11"],[],1]'
check "proxy CONNECT: contacted, T1071.001" eq "$(r '.results[5] | [.hosts, .attack, .first_seen]')" '[["10.0.0.10"],["T1071.001"],"2024-05-01T12:00:40Z"]'
check "no evidence: empty" eq "$(r '.results[6] | [.count, .hosts, .evidence, .first_seen]')" '[0,[],[],null]'
check "summary" eq "$(r '.summary | [.files, .bad_lines, .with_evidence]')" '[6,1,6]'

# time window: --since after the DNS lookup drops it
"$cli" corroborate --leads "$tmp/leads.json" --format json --since 2024-05-01T12:00:08Z "$tmp/logs/zeek" > "$tmp/w.json" 2>/dev/null
check "window: exit 0" eq "$?" 0
check "window: DNS evidence gone" eq "$(jq -c '[.results[0].count, .results[0].hosts, .results[3].verdict]' "$tmp/w.json")" '[1,["10.0.0.5"],"no-evidence"]'
"$cli" corroborate --leads "$tmp/leads.json" --format json --until 2024-05-01T12:00:06Z "$tmp/logs/zeek" > "$tmp/w2.json" 2>/dev/null
check "until: only the DNS lookup" eq "$(jq -c '[.results[0].verdict, .results[0].count]' "$tmp/w2.json")" '["resolved",1]'

# plain indicator list; nothing found -> exit 1
printf '# leads\nnever-seen.test\n198.51.100.250\n' > "$tmp/ind.txt"
"$cli" corroborate --indicators "$tmp/ind.txt" --format ndjson "$tmp/logs/zeek" > "$tmp/n.ndjson" 2>"$tmp/err"
check "nothing found: exit 1" eq "$?" 1
check "ndjson: one line per indicator" eq "$(wc -l < "$tmp/n.ndjson")" 2
check "no stderr noise" eq "$(cat "$tmp/err")" ""
printf 'Evil-Corp.TEST.\n*.other-bad.test\nnot a domain!\n' > "$tmp/ind2.txt"
"$cli" corroborate --indicators "$tmp/ind2.txt" --format csv "$tmp/logs/zeek" "$tmp/logs/proxy" > "$tmp/c.csv" 2>"$tmp/err"
check "bad indicator line: exit 3" eq "$?" 3
check "bad indicator reported" grep -q "ind2.txt:3: 'not a domain!'" "$tmp/err"
check "csv header" eq "$(head -1 "$tmp/c.csv" | tr -d '\r')" "indicator,kind,verdict,count,hosts,first_seen,last_seen,attack,evidence"
check "csv rows" eq "$(sed -n 2,3p "$tmp/c.csv" | cut -d, -f1-5 | tr -d '\r' | tr '\n' '|')" \
	"evil-corp.test,domain,tls-session,2,10.0.0.7 10.0.0.5|other-bad.test,domain,contacted,1,10.0.0.10|"
"$cli" corroborate --indicators "$tmp/ind.txt" --format table "$tmp/logs/zeek" > "$tmp/t.txt" 2>/dev/null
check "table lists the indicators" grep -q "^no-evidence  domain  never-seen.test" "$tmp/t.txt"

# hostile: a 2 MB line between two good Squid lines
python3 - "$tmp/hostile.log" "$T" <<'EOF'
import sys
t = int(sys.argv[2])
with open(sys.argv[1], 'w') as f:
    f.write('%d.000 1 10.0.0.20 TCP_MISS/200 1 GET http://api.other-bad.test/ - HIER_DIRECT/1.2.3.4 -\n' % t)
    f.write('%d.000 1 10.0.0.21 ' % t + 'A' * (2 << 20) + '\n')
    f.write('%d.000 1 10.0.0.22 TCP_MISS/200 1 GET http://x.other-bad.test/ - HIER_DIRECT/1.2.3.4 -\n' % t)
EOF
"$cli" corroborate --indicators "$tmp/ind2.txt" --format json --input-format squid "$tmp/hostile.log" > "$tmp/h.json" 2> "$tmp/err"
check "hostile: exit 3" eq "$?" 3
check "hostile: long line reported" grep -q "hostile.log:2: line longer than 1048576 bytes" "$tmp/err"
check "hostile: lines around it read" eq "$(jq -c '.results[1].hosts' "$tmp/h.json")" '["10.0.0.20","10.0.0.22"]'

# --store-sightings: the x509 certificate with its telemetry sighting; then the stored CA's
# SHA-1 makes the EVE line evidence for the CA lead
"$cli" corroborate --leads "$tmp/leads.json" --format json --store-sightings "$tmp/logs/zeek" > /dev/null 2> "$tmp/err"
check "store: summary on stderr" grep -q "stored 1 certificates from the logs (1 new, 1 sightings" "$tmp/err"
check "store: certificate and sighting" eq "$("$cli" stats --format json | jq -c '[.certificates, .sightings]')" '[1,1]'
check "store: show names the log line" sh -c "'$cli' show --format json $C | grep -q 'x509.log'"
"$cli" ingest "$src/tests/data/telemetry/evil-test-ca.pem" > /dev/null 2>&1
"$cli" corroborate --leads "$tmp/leads.json" --format json "$tmp/logs/eve.json" > "$tmp/s.json" 2>/dev/null
check "SHA-1 alias of a stored certificate" eq "$(jq -c '.results[7] | [.verdict, .hosts, .evidence[0].matched, .attack]' "$tmp/s.json")" \
	'["tls-session",["10.0.0.12"],"cert",["T1573.002"]]'

# usage errors
"$cli" corroborate "$tmp/logs" > /dev/null 2>&1
check "no indicators: exit 2" eq "$?" 2
"$cli" corroborate --indicators "$tmp/ind.txt" > /dev/null 2>&1
check "no logs: exit 2" eq "$?" 2
"$cli" corroborate --indicators "$tmp/ind.txt" --input-format csv "$tmp/logs" > /dev/null 2>&1
check "csv without map: exit 2" eq "$?" 2

# Zeek's own x509.log samples (../shared): masked times make those lines bad, so feed them with
# a real time; every certificate of log-certs-base64 is stored and every fingerprint matches.
z=${CH_SHARED_DIR:-}/corpus/certs/zeek/x509-logs/testing/btest/Baseline
if [[ -d $z ]]; then
	sed 's/^XXXXXXXXXX\.XXXXXX/1714564800.000000/' "$z/scripts.policy.protocols.ssl.log-certs-base64/x509.log" > "$tmp/zeek-x509.log"
	n=$(grep -vc '^#' "$tmp/zeek-x509.log")
	grep -v '^#' "$tmp/zeek-x509.log" | cut -f2 > "$tmp/fps.txt"
	CERTHOUND_DB=$tmp/z.db "$cli" corroborate --indicators "$tmp/fps.txt" --format json --store-sightings "$tmp/zeek-x509.log" > "$tmp/z.json" 2> "$tmp/err"
	check "zeek samples: exit 0" eq "$?" 0
	check "zeek samples: every fingerprint seen" eq "$(jq '[.results[] | select(.verdict == "tls-session")] | length' "$tmp/z.json")" "$(sort -u "$tmp/fps.txt" | wc -l)"
	check "zeek samples: certificates stored" eq "$(CERTHOUND_DB=$tmp/z.db "$cli" stats --format json | jq .certificates)" "$(sort -u "$tmp/fps.txt" | wc -l)"
	# the untouched files: masked times are reported, nothing crashes
	"$cli" corroborate --indicators "$tmp/fps.txt" --format json "$z" > /dev/null 2> "$tmp/err"
	check "zeek samples as shipped: exit 3 (masked times)" eq "$?" 3
	echo "zeek samples: $n lines"
else
	echo "skip: ../shared Zeek x509 samples absent"
fi

[[ $fail == 0 ]] && echo "corroborate_cli: ok"
exit $fail
