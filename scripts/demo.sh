#!/usr/bin/env bash
# scripts/demo.sh — set up, build and run certhound's main job on the bundled demo world.
#
# On a fresh Debian 12 machine it first installs the missing build tools and libraries
# (scripts/deps.sh; sudo when not root), then builds into build/, generates the demo world
# (bench/gen_world: a few thousand certificates of a realistic Internet with two adversary
# campaigns planted in it, the same certificates every time, written as PEM files and as a local
# static-ct-api log), syncs that log into a throw-away store (build/demo.db; the tree is verified
# against its signed checkpoint) and pivots from one indicator of the first campaign — a
# look-alike domain of a bank — printing the ranked, explained leads and the noise that was not
# followed.
# Options are passed to `certhound pivot` (e.g. --format json, --depth 3, another SEED).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh

ch_deps_install "${CH_BUILD_PKGS[@]}"

build=${CH_BUILD:-build}
cmake -S . -B "$build" >/dev/null
cmake --build "$build" -j2 --target certhound_cli gen_world >/dev/null
bin=$build/certhound
world=$build/demo-world
db=$build/demo.db

echo "== certhound parse --format table --compact data/demo" >&2
status=0
"$bin" parse --format table --compact data/demo || status=$?

echo "== bench/gen_world --out $world --ct-log   (ground truth in $world/truth.json)" >&2
rm -rf "$world" "$db"
"$build/bench/gen_world" --out "$world" --ct-log
echo "== certhound --db $db ct sync --tiled --key $world/ct-log/key.pem file://$world/ct-log" >&2
"$bin" --db "$db" ct sync --tiled --key "$world/ct-log/key.pem" \
	--origin demo-world.certhound.example/log "file://$(pwd)/$world/ct-log" || status=$?

seed=domain:northwlnd-bank.com
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(--format table --show-suppressed "$seed")
echo "== certhound --db $db pivot ${args[*]}" >&2
"$bin" --db "$db" pivot "${args[@]}" || status=$?
exit "$status"
