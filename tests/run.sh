#!/bin/bash
# Runs every test suite, each speaking TAP, and ends with one line
# "N passed, N failed, N skipped". Exits non-zero on any failure.
# Usage: tests/run.sh [unit|bpf|cli ...]   (default: all)
set -u

BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
export BW_BUILD=$BUILD
export BUILDWARDEN=${BUILDWARDEN:-$BW_BUILD/buildwarden}
export BW_SRC=$PWD
suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(unit bpf cli vm fuzz)

pass=0 fail=0 skip=0
failed_names=()
log_dir=$BW_BUILD/test-logs
mkdir -p "$log_dir"

# Count one TAP stream (read from a file) into the totals.
tally() {
	local name=$1 file=$2 planned ran=0
	while IFS= read -r line; do
		case "$line" in
		"ok "*"# SKIP"* | "ok "*"# skip"*) skip=$((skip + 1)); ran=$((ran + 1)) ;;
		"ok "*) pass=$((pass + 1)); ran=$((ran + 1)) ;;
		"not ok "*"# TODO"*) skip=$((skip + 1)); ran=$((ran + 1)) ;;
		"not ok "*)
			fail=$((fail + 1)); ran=$((ran + 1))
			failed_names+=("$name: ${line#not ok }")
			;;
		esac
	done <"$file"
	planned=$(sed -n 's/^1\.\.\([0-9][0-9]*\).*/\1/p' "$file" | head -n1)
	if [ -n "$planned" ] && [ "$ran" -lt "$planned" ]; then
		fail=$((fail + planned - ran))
		failed_names+=("$name: planned $planned tests, ran $ran (crashed?)")
	fi
}

# Run one TAP-producing command, echo its output, and tally it. A command
# that exits non-zero without reporting a failure is counted as one.
run_tap() {
	local name=$1
	shift
	local out="$log_dir/$(echo "$name" | tr '/ ' '__').tap"
	echo "# --- $name"
	local before=$fail
	"$@" >"$out" 2>&1
	local rc=$?
	cat "$out"
	tally "$name" "$out"
	if [ $rc -ne 0 ] && [ $fail -eq $before ]; then
		fail=$((fail + 1))
		failed_names+=("$name: exited $rc without a failing test")
	fi
}

for s in "${suites[@]}"; do
	case $s in
	unit)
		for t in "$BW_BUILD"/tests/unit/test_*; do
			[ -x "$t" ] || continue
			CMOCKA_MESSAGE_OUTPUT=TAP run_tap "unit/$(basename "$t")" "$t"
		done
		;;
	bpf)
		for t in tests/bpf/test_*.py; do
			[ -f "$t" ] || continue
			run_tap "bpf/$(basename "$t")" python3 "$t"
		done
		;;
	cli)
		for t in tests/cli/*.bats; do
			[ -f "$t" ] || continue
			run_tap "cli/$(basename "$t")" bats --tap "$t"
		done
		;;
	vm)
		run_tap "vm/test_vm.py" python3 tests/vm/test_vm.py
		;;
	fuzz)
		run_tap "fuzz" tests/fuzz/run.sh
		;;
	*)
		echo "tests/run.sh: unknown suite '$s' (expected unit, bpf, cli, vm or fuzz)" >&2
		exit 2
		;;
	esac
done

if [ ${#failed_names[@]} -gt 0 ]; then
	echo "# failures:"
	printf '#   %s\n' "${failed_names[@]}"
fi
if [ $skip -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ $fail -eq 0 ]
