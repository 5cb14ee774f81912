#!/usr/bin/env bash
# scripts/test.sh — build and run certhound's whole test suite.
#
#  1. install missing packages (scripts/deps.sh; sudo when not root)
#  2. build/        : the normal build (-Wall -Wextra -Werror), then ctest (unit, golden, shell
#                     tests and the replay of every fuzz seed corpus)
#  3. build-asan/   : the same with AddressSanitizer + UndefinedBehaviorSanitizer, ctest again
#  4. build-fuzz/   : each fuzz/fuzz_*.c as a libFuzzer binary (clang, ASan+UBSan), run for
#                     CH_FUZZ_SECONDS (default 20) seconds on a copy of its seed corpus, CH_JOBS
#                     targets at a time
# Every stage runs even when an earlier one failed (a stage that needs a failed build is left
# out); the exit status is non-zero when any stage failed, and the failed stages are listed at
# the end. Uses -j2 (CH_JOBS to change).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/deps.sh

jobs=${CH_JOBS:-2}
fuzz_seconds=${CH_FUZZ_SECONDS:-20}
ch_deps_install "${CH_BUILD_PKGS[@]}" "${CH_TEST_PKGS[@]}"

failed=()
stage() { printf '\n==== %s\n' "$*" >&2; }
# run NAME COMMAND...: one stage; a failure is recorded and the next stages still run, so one
# CI run reports every broken stage. Returns the command's status.
run() {
	local name=$1 rc=0
	shift
	stage "$name"
	"$@" || rc=$?
	if [ "$rc" -ne 0 ]; then
		echo "---- stage FAILED: $name (exit $rc)" >&2
		failed+=("$name")
	fi
	return "$rc"
}
sanitizer_env=(env "ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}"
	"UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}")

if run "build (-Werror)" cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
	run "build (-Werror)" cmake --build build -j"$jobs"; then
	run "ctest (build)" ctest --test-dir build --output-on-failure -j"$jobs" || true
fi

if run "build with ASan+UBSan (build-asan)" cmake -S . -B build-asan -DCH_SANITIZE=ON \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo &&
	run "build with ASan+UBSan (build-asan)" cmake --build build-asan -j"$jobs"; then
	run "ctest (build-asan)" "${sanitizer_env[@]}" \
		ctest --test-dir build-asan --output-on-failure -j"$jobs" || true
fi

# fuzz_one TARGET: run one libFuzzer binary on a scratch copy of its seed corpus. New inputs
# go to the scratch corpus, never into the committed seeds; crashes land in build-fuzz/artifacts/.
fuzz_one() {
	local t=$1 name=${1#fuzz_} seeds=()
	mkdir -p "build-fuzz/corpus-run/$name" build-fuzz/artifacts
	[ -d "fuzz/corpus/$name" ] && seeds=("fuzz/corpus/$name")
	if ! "${sanitizer_env[@]}" "build-fuzz/fuzz/$t" "build-fuzz/corpus-run/$name" "${seeds[@]}" \
		-max_total_time="$fuzz_seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="build-fuzz/artifacts/$name-" >"build-fuzz/$name.log" 2>&1; then
		tail -n 40 "build-fuzz/$name.log" >&2
		echo "fuzz target $name found a problem; the input is in build-fuzz/artifacts/" >&2
		return 1
	fi
	grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units)' "build-fuzz/$name.log" >&2 || true
}

# fuzz_batch TARGET...: fuzz_one for each target at the same time (CH_JOBS of them: libFuzzer
# uses one core), then each one's outcome as a stage of its own, in order.
fuzz_batch() {
	local pids=() t i
	for t in "$@"; do
		fuzz_one "$t" >"build-fuzz/${t#fuzz_}.out" 2>&1 &
		pids+=("$!")
	done
	for i in "${!pids[@]}"; do
		t=${*:i+1:1}
		run "fuzz ${t#fuzz_} for ${fuzz_seconds}s" fuzz_wait "${pids[$i]}" "$t" || true
	done
}
# fuzz_wait PID TARGET: the exit status of a fuzz_one started in the background, with its output.
fuzz_wait() {
	local rc=0
	wait "$1" || rc=$?
	cat "build-fuzz/${2#fuzz_}.out" >&2
	return "$rc"
}

targets=()
for src in fuzz/fuzz_*.c; do
	[ -e "$src" ] && targets+=("$(basename "$src" .c)")
done
if [ "${#targets[@]}" -gt 0 ] &&
	run "libFuzzer build (build-fuzz, clang, ASan+UBSan)" cmake -S . -B build-fuzz -DCH_FUZZ=ON \
		-DCH_SANITIZE=ON -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
	run "libFuzzer build (build-fuzz, clang, ASan+UBSan)" cmake --build build-fuzz -j"$jobs" \
		--target "${targets[@]}"; then
	for ((i = 0; i < ${#targets[@]}; i += jobs)); do
		fuzz_batch "${targets[@]:i:jobs}"
	done
fi

if [ "${#failed[@]}" -gt 0 ]; then
	stage "FAILED stages:"
	printf '  %s\n' "${failed[@]}" >&2
	exit 1
fi
stage "all tests passed"
