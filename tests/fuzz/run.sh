#!/bin/bash
# Runs the libFuzzer targets built by tests/fuzz.mk and speaks TAP: for each
# target, one test replays its corpus (tests/fuzz/<target>/: seeds and the
# regression inputs of crashes once found) and one fuzzes it for
# FUZZ_SECONDS seconds, reporting executions and crashes. The last lines
# are a table of both, for `make fuzz`.
#
# Usage: tests/fuzz/run.sh [target...]   (default: every tests/fuzz/fuzz_*.c)
# Environment: FUZZ_SECONDS (default 5), BUILD or BW_BUILD (default build).
#
# What the fuzzer adds to the corpus is kept in $BW_BUILD/fuzz/corpus/<target>
# so later runs start from it; crash inputs land in
# $BW_BUILD/fuzz/artifacts/<target>/. To turn one into a regression test,
# fix the bug and copy the input into tests/fuzz/<target>/ as crash-<what>.
set -u

src=$(cd "$(dirname "$0")/../.." && pwd)
build=${BW_BUILD:-${BUILD:-build}}
case $build in /*) ;; *) build=$src/$build ;; esac
seconds=${FUZZ_SECONDS:-5}
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=0:detect_leaks=1:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
	for f in "$src"/tests/fuzz/fuzz_*.c; do
		t=${f##*/fuzz_}
		targets+=("${t%.c}")
	done
fi

# Per-target options: the largest input worth trying.
max_len() {
	case $1 in
	dns) echo 600 ;;       # a 512-byte capture and a little more
	events) echo 24576 ;;  # an exec record: 120 + 3 KiB of strings + 16 KiB of argv
	redact) echo 4096 ;;
	*) echo 0 ;;           # libFuzzer's default: the largest seed
	esac
}

echo "1..$((${#targets[@]} * 2))"
n=0 failed=0
table=()
for t in "${targets[@]}"; do
	bin=$build/fuzz/fuzz_$t
	seeds=$src/tests/fuzz/$t
	work=$build/fuzz/corpus/$t
	art=$build/fuzz/artifacts/$t
	log=$build/fuzz/logs/$t.log
	mkdir -p "$work" "$art" "${log%/*}"

	n=$((n + 1))
	if [ ! -x "$bin" ]; then
		echo "not ok $n - fuzz_$t: $bin not built (make fuzz-build)"
		n=$((n + 1))
		echo "not ok $n - fuzz_$t: not run"
		failed=$((failed + 1))
		table+=("$(printf '%-8s %12s %8s' "$t" - "not built")")
		continue
	fi

	# 1. Replay: every seed and regression input, once.
	inputs=("$seeds"/*)
	if [ ! -e "${inputs[0]}" ]; then
		echo "not ok $n - fuzz_$t: no seed corpus in tests/fuzz/$t/"
		failed=$((failed + 1))
	elif "$bin" -runs=1 "${inputs[@]}" >"$log.replay" 2>&1; then
		echo "ok $n - fuzz_$t replays ${#inputs[@]} corpus inputs"
	else
		echo "not ok $n - fuzz_$t: a corpus input fails (regression)"
		grep -E "Running:|ERROR|SUMMARY|invariant|runtime error" "$log.replay" | head -n 20 | sed 's/^/#   /'
		failed=$((failed + 1))
	fi

	# 2. Fuzz for $seconds s, new inputs into $work, seeds read-only.
	n=$((n + 1))
	rm -f "$art"/crash-* "$art"/leak-* "$art"/timeout-* "$art"/oom-* "$art"/slow-unit-*
	opts=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
	      -artifact_prefix="$art/" -max_len="$(max_len "$t")")
	[ -f "$src/tests/fuzz/$t.dict" ] && opts+=(-dict="$src/tests/fuzz/$t.dict")
	timeout -k 5 $((seconds + 60)) "$bin" "${opts[@]}" "$work" "$seeds" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
	[ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9][0-9]*\).*/\1/p' "$log" | tail -n1)
	execs=${execs:-0}
	crashes=$(find "$art" -maxdepth 1 \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' \
		-o -name 'oom-*' \) | wc -l)
	table+=("$(printf '%-8s %12s %8s' "$t" "$execs" "$crashes")")
	if [ "$rc" -eq 0 ] && [ "$crashes" -eq 0 ]; then
		echo "ok $n - fuzz_$t: $execs executions in ${seconds}s, 0 crashes"
	else
		echo "not ok $n - fuzz_$t: $execs executions, $crashes crash(es), exit $rc; log $log"
		grep -E "ERROR|SUMMARY|invariant|runtime error|Test unit written" "$log" | head -n 20 | sed 's/^/#   /'
		failed=$((failed + 1))
	fi
done

echo "# target     executions  crashes  (${seconds}s each)"
printf '# %s\n' "${table[@]}"
[ $failed -eq 0 ]
