#!/usr/bin/env bash
# scripts/demo.sh — set up, build and run certhound's main job on the bundled demo data.
#
# On a fresh Debian 12 machine it first installs the missing build tools and libraries
# (scripts/deps.sh; sudo when not root), then builds into build/ and decodes every certificate
# under data/demo/certs/ (regenerate them with data/demo/make-demo.sh).
# Options: --format table|json|ndjson|csv is passed to `certhound parse`.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh

ch_deps_install "${CH_BUILD_PKGS[@]}"

build=${CH_BUILD:-build}
cmake -S . -B "$build" >/dev/null
cmake --build "$build" -j2 --target certhound_cli >/dev/null
bin=$build/certhound

echo "== certhound parse data/demo" >&2
status=0
"$bin" parse "$@" data/demo || status=$?

# Later stages of the main job run here as soon as the commands exist in this build:
# store the demo certificates in a throw-away database, then search it.
has_cmd() { "$bin" --help 2>/dev/null | grep -q "^  $1 "; }
db=$build/demo.db
if has_cmd ingest; then
	rm -f "$db"
	echo "== certhound --db $db ingest data/demo" >&2
	"$bin" --db "$db" ingest data/demo || status=$?
	if has_cmd search; then
		echo "== certhound --db $db search 'name:*.example-shop.com'" >&2
		"$bin" --db "$db" search 'name:*.example-shop.com' || status=$?
	fi
	if has_cmd stats; then
		echo "== certhound --db $db stats" >&2
		"$bin" --db "$db" stats || status=$?
	fi
fi
exit "$status"
