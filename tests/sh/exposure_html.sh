#!/usr/bin/env bash
# The exposure HTML report in headless Chromium (Debian's chromium): it loads from a file with
# no network, runs without a JavaScript error or console message, and draws the figures from
# the embedded data — 13 issuance bars (CA x month cells of the test world), 91 calendar days of
# which 3 have expiring certificates and 2 have no successor, 19 nodes in the names tree — and
# the tables. Also: the page references nothing outside itself, hostile names cannot close the
# data script, and the embedded script is in step with src/report/html_exposure.js.
set -u
cli=${CH_CLI:?} src=${CH_SOURCE_DIR:?}
fail=0
check() { if ! eval "$2"; then echo "FAIL: $1" >&2; fail=1; fi; }

tmp=$(mktemp -d)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT

# the embedded script is generated from the .js source
python3 "$src/scripts/embed-js.py" "$src/src/report/html_exposure.js" "$tmp/js.inc" expo_js
check "html_exposure_js.inc is in step with html_exposure.js" \
	"diff -q '$tmp/js.inc' '$src/src/report/html_exposure_js.inc' >/dev/null"

if ! command -v openssl >/dev/null; then echo "skipped: no openssl command"; exit 77; fi
bash "$src/tests/data/exposure/make-world.sh" "$tmp/w" >/dev/null || exit 1
# a hostile self-signed certificate of the organisation: its CN (so also its issuer name, shown
# in the CA legend and the tables) tries to end the data script and the page; it adds one CA
# and so one issuance bar, and no host name
mkdir -p "$tmp/h"
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/h/k" \
	-subj '/O=Example Corp/CN=x<\/script><script>alert(1)<\/script>' -days 30 \
	-addext 'subjectAltName=DNS:evil-</script>.example.com' -out "$tmp/w/certs/hostile.pem" 2>/dev/null
"$cli" --db "$tmp/s.db" ingest "$tmp/w/certs" >/dev/null || exit 1
"$cli" --db "$tmp/s.db" exposure --now 2026-06-01 --format json --html "$tmp/r.html" \
	example.com 'org:Example Corp' >"$tmp/r.json" || { echo "FAIL: exposure --html" >&2; exit 1; }

check "the page names no external resource" \
	"! grep -Eq '(src|href)=\"?(https?:|//)' '$tmp/r.html'"
check "no raw </script> from data" "[ \$(grep -o '</script>' '$tmp/r.html' | wc -l) -eq 2 ]"
check "the JSON document is embedded" "grep -q '\"leaked_internal\"' '$tmp/r.html'"

if ! command -v chromium >/dev/null; then
	echo "skipped: Debian's chromium is not installed (scripts/deps.sh installs it)"
	[ $fail = 0 ] && exit 77 || exit 1
fi
timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
	--disable-background-networking --disable-component-update --disable-sync \
	--user-data-dir="$tmp/profile" --enable-logging=stderr --v=0 \
	--dump-dom "file://$tmp/r.html" >"$tmp/dom.html" 2>"$tmp/chromium.log"
check "chromium ran" "[ -s '$tmp/dom.html' ]"
if grep -E 'CONSOLE|Uncaught' "$tmp/chromium.log" >&2; then
	echo "FAIL: console messages while loading the report" >&2
	fail=1
fi
count() { grep -o "$1" "$tmp/dom.html" | wc -l; }
check "the script ran to the end" "grep -q 'data-rendered=\"1\"' '$tmp/dom.html'"
check "issuance figure: 13 bars" "[ \$(count '<rect[^>]*class=\"bar\"') -eq 13 ] && grep -q 'data-bars=\"13\"' '$tmp/dom.html'"
check "the new CA is marked" "grep -q 'Fresh DV CA (1) NEW' '$tmp/dom.html'"
check "expiry calendar: 91 days" "[ \$(count 'class=\"day[^\"]*\"') -eq 91 ]"
check "expiry calendar: 3 days with expiries" "[ \$(count 'class=\"day has[^\"]*\"') -eq 3 ]"
check "expiry calendar: 2 days without successor" "[ \$(count 'class=\"day has due\"') -eq 2 ]"
# the tree: example.com and 16 labels below it, printer.local and fileserver (the hostile
# certificate's names are not host names and never reach it)
check "names tree: 19 nodes" "grep -q 'data-nodes=\"19\"' '$tmp/dom.html' && [ \$(count '<g class=\"node') -eq 19 ]"
check "leaked names in red in the tree" "[ \$(count '<g class=\"node leak\"') -eq 5 ]"
check "tables filled" "grep -q '<td>jenkins.example.com</td><td>label:jenkins</td>' '$tmp/dom.html'"
check "hostile text stays text" "! grep -q '<script>alert' '$tmp/dom.html' && grep -q 'x&lt;/script&gt;&lt;script&gt;alert' '$tmp/dom.html'"
exit $fail
