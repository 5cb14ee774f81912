#!/usr/bin/env bash
# scripts/test.sh — build and run certhound's whole test suite.
#
#  1. install missing packages (scripts/deps.sh; sudo when not root)
#  2. build/        : the normal build (-Wall -Wextra -Werror), then ctest (unit, golden, shell
#                     tests and the replay of every fuzz seed corpus)
#  3. build-asan/   : the same with AddressSanitizer + UndefinedBehaviorSanitizer, ctest again
#  4. build-fuzz/   : each fuzz/fuzz_*.c as a libFuzzer binary (clang, ASan+UBSan), run for
#                     CH_FUZZ_SECONDS (default 20) seconds on a copy of its seed corpus
# Stops at the first failing stage. Uses -j2 (CH_JOBS to change).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh

jobs=${CH_JOBS:-2}
fuzz_seconds=${CH_FUZZ_SECONDS:-20}
ch_deps_install "${CH_BUILD_PKGS[@]}" "${CH_TEST_PKGS[@]}"

stage() { printf '\n==== %s\n' "$*" >&2; }

stage "build (Werror)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"
stage "ctest (build)"
ctest --test-dir build --output-on-failure -j"$jobs"

stage "build with ASan+UBSan (build-asan)"
cmake -S . -B build-asan -DCH_SANITIZE=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-asan -j"$jobs"
stage "ctest (build-asan)"
ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1} \
UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	ctest --test-dir build-asan --output-on-failure -j"$jobs"

stage "libFuzzer targets (build-fuzz, clang, ASan+UBSan)"
targets=()
for src in fuzz/fuzz_*.c; do
	[ -e "$src" ] || continue
	targets+=("$(basename "$src" .c)")
done
if [ "${#targets[@]}" -eq 0 ]; then
	echo "no fuzz targets" >&2
	exit 0
fi
cmake -S . -B build-fuzz -DCH_FUZZ=ON -DCH_SANITIZE=ON -DCMAKE_C_COMPILER=clang \
	-DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-fuzz -j"$jobs" --target "${targets[@]}"
for t in "${targets[@]}"; do
	name=${t#fuzz_}
	work=build-fuzz/corpus-run/$name
	mkdir -p "$work" build-fuzz/artifacts
	seeds=()
	[ -d "fuzz/corpus/$name" ] && seeds=("fuzz/corpus/$name")
	stage "fuzz $name for ${fuzz_seconds}s"
	# New inputs go to the scratch corpus, never into the committed seeds; crashes are kept
	# in build-fuzz/artifacts/.
	if ! "build-fuzz/fuzz/$t" "$work" "${seeds[@]}" -max_total_time="$fuzz_seconds" -timeout=10 \
		-rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="build-fuzz/artifacts/$name-" >"build-fuzz/$name.log" 2>&1; then
		tail -n 40 "build-fuzz/$name.log" >&2
		echo "fuzz target $name FAILED; the input is in build-fuzz/artifacts/" >&2
		exit 1
	fi
	grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units)' "build-fuzz/$name.log" >&2 || true
done
stage "all tests passed"
