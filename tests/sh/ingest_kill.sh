#!/bin/bash
# certhound ingest killed with SIGKILL at random moments, again and again, then run to the end:
# the store must pass PRAGMA integrity_check and hold exactly what one clean run stores (same
# certificates, same sightings - none twice -, same rarity counts, same counters, same
# checkpoints). The first run goes into an empty store, so it is a bulk load (indexes deferred):
# killed, it leaves the load recorded and the next run finishes it before writing; a --no-bulk
# run must store exactly what the bulk load stores. Input: certificates from bench/gen_corpus (when built), certificates made here
# with openssl (some repeated in a bundle), a junk PEM block, and ../shared/corpus/certs when
# present.
set -u
CLI=${CH_CLI:?CH_CLI not set}
BUILD=${CH_BUILD_DIR:?CH_BUILD_DIR not set}
command -v sqlite3 >/dev/null || { echo "skip: the sqlite3 command is not installed"; exit 77; }
command -v openssl >/dev/null || { echo "skip: openssl is not installed"; exit 77; }

T=$(mktemp -d /tmp/ch_ingest_kill.XXXXXX)
trap 'rm -rf "$T"' EXIT
IN=$T/in
mkdir -p "$IN"
fail() { echo "FAIL: $*"; exit 1; }

GEN=$BUILD/bench/gen_corpus
if [ -x "$GEN" ]; then
	for s in 1 2 3; do
		"$GEN" --out "$IN/part$s.der" --count 4000 --seed "$s" --domains 2000 --quiet ||
			fail "gen_corpus"
	done
	cp "$IN/part1.der" "$IN/part1-copy.der" # same certificates in another file
else
	echo "note: $GEN not built; openssl certificates only"
fi
for i in $(seq 1 30); do
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout /dev/null \
		-subj "/O=Kill Test/CN=host$i.kill.test" -addext "subjectAltName=DNS:host$i.kill.test" \
		-days 10 -out "$IN/o$i.pem" 2>/dev/null || fail "openssl req"
done
cat "$IN/o1.pem" "$IN/o2.pem" "$IN/o3.pem" >"$IN/bundle.pem"
printf -- '-----BEGIN CERTIFICATE-----\nnot base64 at all!\n-----END CERTIFICATE-----\n' >"$IN/junk.pem"
if [ -n "${CH_SHARED_DIR:-}" ] && [ -d "$CH_SHARED_DIR/corpus/certs" ]; then
	ln -s "$CH_SHARED_DIR/corpus/certs" "$IN/shared"
else
	echo "note: ../shared/corpus/certs is absent; running without it"
fi

# A canonical dump of everything a run leaves in the store. Internal ids differ between runs
# (a killed run consumes some), so serials, stored as "<hex>/<issuer value id>", are shown with
# the issuer DN instead.
dump() {
	sqlite3 "$1" <<'SQL'
SELECT 'cert', hex(sha256), flags, not_before, not_after FROM cert ORDER BY 2;
SELECT 'sighting', hex(c.sha256), s.kind, s.name, g.idx FROM sighting g JOIN cert c ON c.id=g.cert_id
  JOIN source s ON s.id=g.source_id ORDER BY 2, 3, 4, 5;
CREATE TEMP VIEW canon AS SELECT id, attr, n, CASE WHEN attr=6 THEN
  substr(text, 1, instr(text, '/')) || (SELECT i.text FROM val i
  WHERE i.id=CAST(substr(val.text, instr(val.text, '/') + 1) AS INTEGER)) ELSE text END AS text FROM val;
SELECT 'value', attr, text, n FROM canon ORDER BY 2, 3;
SELECT 'edge', v.attr, v.text, hex(c.sha256) FROM cv JOIN canon v ON v.id=cv.value_id
  JOIN cert c ON c.id=cv.cert_id ORDER BY 2, 3, 4;
SELECT 'counter', name, n FROM counter ORDER BY 2;
SELECT 'checkpoint', source, data FROM checkpoint ORDER BY 2;
SQL
}

# Invariants any store must satisfy: counts maintained on insert equal the real counts.
check_store() {
	local db=$1 r
	r=$(sqlite3 "$db" "PRAGMA integrity_check") || fail "integrity_check did not run on $db"
	[ "$r" = ok ] || fail "integrity_check on $db: $r"
	# killed before the schema was first committed: nothing there yet, which is fine
	[ "$(sqlite3 "$db" "SELECT count(*) FROM sqlite_schema")" = 0 ] && return 0
	r=$(sqlite3 "$db" "SELECT count(*) FROM val v WHERE n != (SELECT count(*) FROM cv WHERE value_id=v.id)")
	[ "$r" = 0 ] || fail "$r values whose rarity count differs from their certificates"
	r=$(sqlite3 "$db" "SELECT (SELECT n FROM counter WHERE name='certs') = (SELECT count(*) FROM cert)
		AND (SELECT n FROM counter WHERE name='sightings') = (SELECT count(*) FROM sighting)
		AND (SELECT n FROM counter WHERE name='names') = (SELECT count(*) FROM val WHERE attr=1)
		AND (SELECT count(*) FROM der) = (SELECT count(*) FROM cert)")
	[ "$r" = 1 ] || fail "counters differ from the tables in $db"
}

CLEAN=$T/clean.db
t0=$(date +%s%N)
"$CLI" --db "$CLEAN" ingest --no-progress --batch 500 --format json "$IN" >"$T/clean.json" 2>/dev/null
rc=$?
run_ms=$((($(date +%s%N) - t0) / 1000000))
[ $rc = 3 ] || fail "clean run: exit $rc, expected 3 (the junk block is rejected)"
grep -q '"pem":1' "$T/clean.json" || fail "clean run did not report the junk block: $(cat "$T/clean.json")"
check_store "$CLEAN"
certs=$(sqlite3 "$CLEAN" "SELECT count(*) FROM cert")
sightings=$(sqlite3 "$CLEAN" "SELECT count(*) FROM sighting")
[ "$sightings" -gt "$certs" ] || fail "expected more sightings ($sightings) than certificates ($certs)"
echo "clean run: $certs certificates, $sightings sightings: $(cat "$T/clean.json")"

# The clean run went into an empty store: a bulk load (indexes built at the end). The same input
# written with every index maintained from the start must give the very same store, and the bulk
# store must have all its indexes back and no load left recorded.
NOBULK=$T/nobulk.db
"$CLI" --db "$NOBULK" ingest --no-progress --no-bulk --batch 500 "$IN" >/dev/null 2>&1
[ $? = 3 ] || fail "--no-bulk run: unexpected exit"
check_store "$NOBULK"
cmp -s <(dump "$CLEAN") <(dump "$NOBULK") || { diff <(dump "$CLEAN") <(dump "$NOBULK") | head; fail "a bulk load and a normal load store different things"; }
idx() { sqlite3 "$1" "SELECT group_concat(name, ' ') FROM (SELECT name FROM sqlite_schema WHERE type='index' AND name NOT LIKE 'sqlite_%' ORDER BY name)"; }
[ "$(idx "$CLEAN")" = "$(idx "$NOBULK")" ] || fail "indexes after a bulk load: $(idx "$CLEAN"); normal: $(idx "$NOBULK")"
[ "$(sqlite3 "$CLEAN" "SELECT count(*) FROM checkpoint WHERE source='store:bulk'")" = 0 ] || fail "the bulk load is still recorded"
grep -q '"new":' "$T/clean.json" || fail "no summary"

# A second run over the same files stores nothing new and skips everything.
"$CLI" --db "$CLEAN" ingest --no-progress --format json "$IN" >"$T/again.json" 2>/dev/null
grep -q '"new":0' "$T/again.json" || fail "a rerun stored something: $(cat "$T/again.json")"
dump "$CLEAN" >"$T/clean.dump"

KILLED=$T/killed.db
kills=0
# Kill each run at a random moment within the first fifth of a clean run's duration, until one
# gets to the end by itself (or 15 were killed): each run resumes from the checkpoints the
# previous ones committed.
lo=$((run_ms / 40 + 5))
span=$((run_ms / 5 - lo + 1))
[ $span -gt 0 ] || span=1
for round in $(seq 1 15); do # at most 15 kills (time), then a run to the end
	"$CLI" --db "$KILLED" ingest --no-progress --batch 500 "$IN" >/dev/null 2>&1 &
	pid=$!
	ms=$((lo + RANDOM % span))
	sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	st=$?
	[ $st = 137 ] || break # it finished before the kill
	kills=$((kills + 1))
	check_store "$KILLED"
done
[ $kills -ge 3 ] || fail "only $kills runs were killed before one finished; the test proves too little"
"$CLI" --db "$KILLED" ingest --no-progress --batch 500 "$IN" >/dev/null 2>&1
rc=$?
[ $rc = 0 ] || [ $rc = 3 ] || fail "final run after kills: exit $rc"
check_store "$KILLED"
[ "$(idx "$KILLED")" = "$(idx "$NOBULK")" ] || fail "indexes after the killed runs: $(idx "$KILLED")"
dump "$KILLED" >"$T/killed.dump"
if ! cmp -s "$T/clean.dump" "$T/killed.dump"; then
	diff "$T/clean.dump" "$T/killed.dump" | head -20
	fail "the store after $kills kills differs from a clean run"
fi
echo "ok: $kills SIGKILLs at random moments (clean run: $run_ms ms); store identical to a clean run ($certs certificates, $sightings sightings)"
