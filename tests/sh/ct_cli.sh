# certhound ct logs / verify-sth / verify-checkpoint on the real files of ../shared/corpus/ct:
# what a user sees, and the exit codes they script against (0 ok, 2 usage, 3 bad input,
# 4 verification failure).
set -u
CT="${CH_SHARED_DIR:-}/corpus/ct"
if [ ! -f "$CT/README.txt" ]; then
	echo "SKIP: ../shared/corpus/ct is absent"
	exit 77
fi
CLI="$CH_CLI"
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expect() { # expect CODE DESCRIPTION -- command...
	local want=$1 what=$2
	shift 3
	"$@" >"$tmp/out" 2>"$tmp/err"
	local got=$?
	if [ "$got" != "$want" ]; then
		echo "FAIL: $what: exit $got, wanted $want"
		sed 's/^/  | /' "$tmp/err" | head -5
		fail=1
	fi
}
contains() { # contains FILE TEXT DESCRIPTION
	if ! grep -qF -- "$2" "$1"; then
		echo "FAIL: $3: '$2' not in output"
		sed 's/^/  | /' "$1" | head -5
		fail=1
	fi
}

LIST="$CT/azul/crates/sct_validator/tests/log_list.json"
expect 0 "ct logs" -- "$CLI" ct logs --log-list "$LIST" --format ndjson
[ "$(wc -l <"$tmp/out")" = 75 ] || { echo "FAIL: ct logs: $(wc -l <"$tmp/out") logs, wanted 75"; fail=1; }
contains "$tmp/out" '"description":"Geomys '"'"'Tuscolo2025h2'"'"'","type":"static-ct-api","url":"https://tuscolo2025h2.skylight.geomys.org/","submission_url":"https://tuscolo2025h2.sunlight.geomys.org/"' "tiled log"
python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$tmp/out" || { echo "FAIL: ndjson does not parse"; fail=1; }
expect 0 "ct logs --state usable" -- "$CLI" ct logs --log-list "$LIST" --state usable --format table
! grep -v '^usable ' "$tmp/out" | grep -q . || { echo "FAIL: --state usable shows other states"; fail=1; }
expect 1 "ct logs --state pending (none)" -- "$CLI" ct logs --log-list "$LIST" --state nosuchstate
expect 2 "ct logs without a list" -- env -u CERTHOUND_LOG_LIST "$CLI" ct logs
expect 3 "ct logs with a bad list" -- "$CLI" ct logs --log-list "$CT/README.txt"
CERTHOUND_LOG_LIST="$CT/ct-go/testdata/loglist3.json" expect 0 "ct logs via env" -- "$CLI" ct logs --format table
contains "$tmp/out" "(key does not parse)" "Racketeer's malformed key is flagged"

# Argon2020's real STH, with its key taken from the log list.
python3 - "$CT/ct-go/testdata/loglist3.json" >"$tmp/argon.b64" <<'EOF'
import json, sys
for op in json.load(open(sys.argv[1]))["operators"]:
    for l in op["logs"]:
        if l["description"] == "Google 'Argon2020' log":
            print(l["key"])
EOF
expect 0 "verify-sth Argon2020" -- "$CLI" ct verify-sth --key "$tmp/argon.b64" "$CT/azul/crates/tlog_tiles/tests/http_get/get-sth"
contains "$tmp/out" "verified: tree_size 961984011" "verify-sth output"
expect 4 "verify-sth with the wrong key" -- "$CLI" ct verify-sth --key "$CT/ct-cpp/test/testdata/google-ct-pilot-server-key-public.pem" "$CT/azul/crates/tlog_tiles/tests/http_get/get-sth"
contains "$tmp/err" "signature does not verify" "wrong key message"
sed 's/"tree_size":961984011/"tree_size":961984012/' "$CT/azul/crates/tlog_tiles/tests/http_get/get-sth" >"$tmp/lying-sth"
expect 4 "verify-sth of a tampered STH" -- "$CLI" ct verify-sth --key "$tmp/argon.b64" "$tmp/lying-sth"
expect 0 "verify-sth Pilot" -- "$CLI" ct verify-sth --key "$CT/ct-cpp/test/testdata/google-ct-pilot-server-key-public.pem" "$CT/ct-go/logclient.ValidSTH.get-sth.json"
expect 3 "verify-sth of garbage" -- "$CLI" ct verify-sth --key "$tmp/argon.b64" "$CT/README.txt"
expect 2 "verify-sth without key" -- "$CLI" ct verify-sth "$CT/ct-go/logclient.ValidSTH.get-sth.json"

# Checkpoints: Sunlight (RFC6962NoteSignature) and Tessera (Ed25519).
TREE="$CT/sunlight/cmd/skylight/testdata/tree"
python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["key"])' "$TREE/log.v3.json" >"$tmp/rome.b64"
expect 0 "verify-checkpoint sunlight" -- "$CLI" ct verify-checkpoint --key "$tmp/rome.b64" --origin rome2026h1.example.org "$TREE/checkpoint"
contains "$tmp/out" "tree_size 300 root lCkHUpkmVBEms2r2T1K6Og69+wUuuN3MIEW1/ezu2v0= timestamp 1767139200000" "checkpoint output"
expect 4 "verify-checkpoint wrong origin" -- "$CLI" ct verify-checkpoint --key "$tmp/rome.b64" --origin milan2026h1.example.org "$TREE/checkpoint"
sed 's/^300$/299/' "$TREE/checkpoint" >"$tmp/lying-cp"
expect 4 "verify-checkpoint lying size" -- "$CLI" ct verify-checkpoint --key "$tmp/rome.b64" --origin rome2026h1.example.org "$tmp/lying-cp"
head -c 60 "$TREE/checkpoint" >"$tmp/trunc-cp"
expect 3 "verify-checkpoint truncated" -- "$CLI" ct verify-checkpoint --key "$tmp/rome.b64" --origin rome2026h1.example.org "$tmp/trunc-cp"
VKEY=$(cat "$CT/static-ct/internal/client/testdata/log.vkey")
expect 0 "verify-checkpoint ed25519" -- "$CLI" ct verify-checkpoint --vkey "$VKEY" "$CT/static-ct/internal/client/testdata/log/checkpoint"
contains "$tmp/out" "origin example.com/log/testdata tree_size 15" "ed25519 checkpoint output"
expect 2 "ct unknown" -- "$CLI" ct frobnicate
exit $fail
