#!/usr/bin/env bash
# Golden cases for `certhound detect`: tests/golden/detect/<case>.expected.ndjson holds the alerts
# expected from the case's input, run from inside the folder (so source.file is the bare name):
#   <case>.args             the arguments, if given; else every <case>.<ext> input file
#   <case>.expected.stderr  the diagnostics expected on stderr (else stderr must be empty)
#   <case>.expected.rc      the exit status (else 0)
# Set CH_GOLDEN_UPDATE=1 to rewrite the expected files from the current output.
set -u
cli=${CH_CLI:?CH_CLI not set}
dir=${CH_SOURCE_DIR:?}/tests/golden/detect
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0 n=0
cd "$dir" || exit 1
for exp in *.expected.ndjson; do
	c=${exp%.expected.ndjson}
	n=$((n + 1))
	if [[ -f $c.args ]]; then
		read -r -a args < "$c.args"
	else
		args=()
		for f in "$c".*; do
			case $f in *.expected.*|*.args) continue ;; esac
			args+=("$f")
		done
	fi
	"$cli" detect --format ndjson "${args[@]}" > "$tmp/out" 2> "$tmp/err"
	rc=$?
	if [[ ${CH_GOLDEN_UPDATE:-} == 1 ]]; then
		cp "$tmp/out" "$exp"
		if [[ -s $tmp/err ]]; then cp "$tmp/err" "$c.expected.stderr"; else rm -f "$c.expected.stderr"; fi
		if [[ $rc != 0 ]]; then echo "$rc" > "$c.expected.rc"; else rm -f "$c.expected.rc"; fi
		continue
	fi
	want_rc=0
	[[ -f $c.expected.rc ]] && want_rc=$(cat "$c.expected.rc")
	if [[ $rc != "$want_rc" ]]; then
		echo "FAIL $c: exit status $rc, expected $want_rc"; fail=1
	fi
	if ! diff -u "$exp" "$tmp/out"; then
		echo "FAIL $c: alerts differ"; fail=1
	fi
	if [[ -f $c.expected.stderr ]]; then
		diff -u "$c.expected.stderr" "$tmp/err" || { echo "FAIL $c: stderr differs"; fail=1; }
	elif [[ -s $tmp/err ]]; then
		echo "FAIL $c: unexpected stderr:"; cat "$tmp/err"; fail=1
	fi
done
echo "detect golden: $n cases"
[[ $n -gt 0 ]] || { echo "no golden cases found"; exit 1; }
exit $fail
