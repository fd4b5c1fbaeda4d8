#!/bin/bash
# Runs every test suite, each speaking TAP, and ends with one line
# "N passed, N failed, N skipped". Exits non-zero on any failure.
# Usage: tests/run.sh [layout|unit|bpf|cli|vm|fuzz|san ...]   (default: all)
set -u

BUILD=${BUILD:-build}
case $BUILD in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
export BW_BUILD=$BUILD
export BUILDWARDEN=${BUILDWARDEN:-$BW_BUILD/buildwarden}
export BW_SRC=$PWD
suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(layout unit bpf cli vm fuzz san)
SAN_BUILD=${BW_SAN_BUILD:-build-san-address-undefined}
case $SAN_BUILD in /*) ;; *) SAN_BUILD=$PWD/$SAN_BUILD ;; esac

pass=0 fail=0 skip=0
failed_names=()
log_dir=$BW_BUILD/test-logs
mkdir -p "$log_dir"
: >"$log_dir/durations"

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
	local before=$fail started=$SECONDS
	"$@" >"$out" 2>&1
	local rc=$?
	cat "$out"
	# durations go to one file, so the suite's slowest parts are known
	echo "$((SECONDS - started)) $name" >>"$log_dir/durations"
	tally "$name" "$out"
	if [ $rc -ne 0 ] && [ $fail -eq $before ]; then
		fail=$((fail + 1))
		failed_names+=("$name: exited $rc without a failing test")
	fi
}

run_unit() {
	local prefix=$1 t
	for t in "$BW_BUILD"/tests/unit/test_*; do
		[ -x "$t" ] || continue
		CMOCKA_MESSAGE_OUTPUT=TAP run_tap "${prefix}unit/$(basename "$t")" "$t"
	done
}

# The long corpora (real builds, the attack corpus) run once, against the
# release build: under the sanitizers they would double the suite's time.
SAN_BPF_EXCLUDE=" test_default_policy_builds.py test_attacks.py "
# deploy.bats checks the deployment files with their own validators; the
# agent's part in it is run once in the release pass.
SAN_CLI_EXCLUDE=" deploy.bats "

run_bpf() {
	local prefix=$1 t
	for t in tests/bpf/test_*.py; do
		[ -f "$t" ] || continue
		[ -n "$prefix" ] && [ "${SAN_BPF_EXCLUDE#* $(basename "$t") }" != "$SAN_BPF_EXCLUDE" ] && continue
		run_tap "${prefix}bpf/$(basename "$t")" python3 "$t"
	done
}

run_cli() {
	local prefix=$1 t
	for t in tests/cli/*.bats; do
		[ -f "$t" ] || continue
		[ -n "$prefix" ] && [ "${SAN_CLI_EXCLUDE#* $(basename "$t") }" != "$SAN_CLI_EXCLUDE" ] && continue
		run_tap "${prefix}cli/$(basename "$t")" bats --tap "$t"
	done
}

# unit, bpf and cli again, against the ASan/UBSan build (make test builds
# it): any report ends the agent with a non-zero status and fails its test.
run_san() {
	local reason=
	if [ "$(realpath -m "$BW_BUILD")" = "$(realpath -m "$SAN_BUILD")" ]; then
		return 0 # this run is the sanitizer build: the suites above were it
	fi
	[ -x "$SAN_BUILD/buildwarden" ] ||
		reason="no sanitizer build in $SAN_BUILD (make SANITIZE=address,undefined BUILD=$SAN_BUILD test-build)"
	if [ -n "$reason" ]; then
		local out="$log_dir/san.tap"
		printf '1..1\nok 1 - the suites under ASan/UBSan # SKIP %s\n' "$reason" >"$out"
		echo "# --- san"
		cat "$out"
		tally san "$out"
		return 0
	fi
	(
		export BW_BUILD=$SAN_BUILD BUILDWARDEN=$SAN_BUILD/buildwarden
		export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=0:detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1}
		export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
		run_unit san/
		run_cli san/
		run_bpf san/
		# the subshell's counts go back through a file
		echo "$pass $fail $skip" >"$log_dir/san.counts"
		printf '%s\n' "${failed_names[@]}" >"$log_dir/san.failed"
	)
	read -r pass fail skip <"$log_dir/san.counts"
	mapfile -t failed_names <"$log_dir/san.failed"
	[ -n "${failed_names[*]}" ] || failed_names=()
}

for s in "${suites[@]}"; do
	case $s in
	layout) run_tap "layout" python3 tools/check-layers.py --build "$BW_BUILD" --tap ;;
	unit) run_unit "" ;;
	bpf) run_bpf "" ;;
	cli) run_cli "" ;;
	san) run_san ;;
	vm)
		run_tap "vm/test_vm.py" python3 tests/vm/test_vm.py
		;;
	fuzz)
		run_tap "fuzz" tests/fuzz/run.sh
		;;
	*)
		echo "tests/run.sh: unknown suite '$s' (expected layout, unit, bpf, cli, vm, fuzz or san)" >&2
		exit 2
		;;
	esac
done

echo "# slowest (seconds, from $log_dir/durations):"
sort -rn "$log_dir/durations" | head -n 8 | sed 's/^/#   /'
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
