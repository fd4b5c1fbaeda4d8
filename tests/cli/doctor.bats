#!/usr/bin/env bats
# buildwarden doctor as a user runs it: as root here every check has a mark
# and the status is 0; as nobody the capability line fails and the status is
# not 0; the JSON agrees with the text and the status; leftovers of earlier
# runs and an unmounted tracefs are reported. Run: bats --tap tests/cli/doctor.bats

bats_require_minimum_version 1.5.0

BW=${BUILDWARDEN:-$BATS_TEST_DIRNAME/../../build/buildwarden}
T="timeout -k 5 60"
MARK='^\[( ok |warn|FAIL|info|skip)\] [a-z_0-9]+ '
CHECKS="kernel btf capabilities tracefs cgroup2 ringbuf send_signal exec_hook syscall_hooks lockdown bpf_lsm leftovers tamper"

setup() {
	[ -x "$BW" ] || skip "buildwarden not built ($BW)"
	STALE_CG=
	PINNED=
}

teardown() {
	[ -n "${STALE_CG-}" ] && rmdir "$STALE_CG" 2>/dev/null
	[ -n "${PINNED-}" ] && { rm -f "$PINNED" 2>/dev/null || rmdir "$PINNED"; }
	return 0
}

need_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	[ -e /sys/kernel/btf/vmlinux ] || skip "kernel has no BTF"
}

show() {
	echo "status: $status"
	echo "stdout: $output"
	echo "stderr: ${stderr-}"
}

# Every stdout line carries a mark; prints offenders.
every_line_marked() {
	local bad
	bad=$(printf '%s\n' "$output" | grep -Ev "$MARK" || true)
	if [ -n "$bad" ]; then
		echo "lines without a mark:"
		echo "$bad"
		return 1
	fi
}

# The JSON field $2 of check $1 from $output.
json_check() {
	python3 -c '
import json, sys
doc = json.loads(sys.argv[1])
print(next(c[sys.argv[3]] for c in doc["checks"] if c["name"] == sys.argv[2]))
' "$output" "$1" "$2"
}

cgroup2_root() {
	awk '$0 ~ / - cgroup2 / { print $5; exit }' /proc/self/mountinfo
}

@test "doctor --help: usage on stdout, status 0" {
	run --separate-stderr $T "$BW" doctor --help
	[ "$status" -eq 0 ] || { show; false; }
	[[ "$output" == *"--json"* && "$output" == *"Exit status"* ]] || { show; false; }
}

@test "doctor: an unknown option or argument is a usage error (64, one line)" {
	run --separate-stderr $T "$BW" doctor --frobnicate
	[ "$status" -eq 64 ] || { show; false; }
	[ "${#stderr_lines[@]}" -eq 1 ] || { show; false; }
	[[ "${stderr_lines[0]}" == "buildwarden: "* ]] || { show; false; }
	run --separate-stderr $T "$BW" doctor extra
	[ "$status" -eq 64 ] || { show; false; }
	[[ "$stderr" == *"extra"* ]] || { show; false; }
}

@test "doctor as root: status 0, every line has a mark, every check is there" {
	need_root
	run --separate-stderr $T "$BW" doctor
	[ "$status" -eq 0 ] || { show; false; }
	every_line_marked || { show; false; }
	for c in $CHECKS summary; do
		printf '%s\n' "$output" | grep -Eq "^\[.{4}\] $c " || { echo "no line for $c"; show; false; }
	done
	printf '%s\n' "$output" | grep -q '^\[ ok \] exec_hook .*\(tp_btf\|raw_tp\)' || { show; false; }
	! printf '%s\n' "$output" | grep -q '^\[FAIL\]' || { show; false; }
}

@test "doctor -j as root: JSON agrees with the status and lists every check" {
	need_root
	run --separate-stderr $T "$BW" doctor -j
	[ "$status" -eq 0 ] || { show; false; }
	python3 - "$output" "$CHECKS" <<'EOF' || { show; false; }
import json, sys
doc = json.loads(sys.argv[1])
assert doc["ok"] is True, doc
assert doc["exec_hook"] in ("tp_btf", "raw_tp"), doc
names = [c["name"] for c in doc["checks"]]
assert names == sys.argv[2].split(), names
for c in doc["checks"]:
    assert c["status"] in ("pass", "warn", "fail", "info", "skip"), c
    assert c["detail"], c
    assert c["status"] != "fail", c
EOF
}

@test "doctor as nobody: non-zero, the capability line fails with a fix" {
	need_root
	command -v setpriv >/dev/null || skip "setpriv (util-linux) missing"
	run --separate-stderr $T setpriv --reuid=nobody --regid=nogroup --clear-groups "$BW" doctor
	[ "$status" -eq 1 ] || { show; false; }
	every_line_marked || { show; false; }
	printf '%s\n' "$output" | grep -Eq '^\[FAIL\] capabilities .*CAP_BPF.*fix: ' || { show; false; }
	printf '%s\n' "$output" | grep -Eq '^\[FAIL\] summary ' || { show; false; }
	# What needs privileges is not tried, rather than failed again.
	printf '%s\n' "$output" | grep -Eq '^\[skip\] exec_hook ' || { show; false; }

	run --separate-stderr $T setpriv --reuid=nobody --regid=nogroup --clear-groups "$BW" doctor --json
	[ "$status" -eq 1 ] || { show; false; }
	[ "$(json_check capabilities status)" = fail ] || { show; false; }
	python3 -c 'import json,sys; assert json.loads(sys.argv[1])["ok"] is False' "$output" || { show; false; }
}

@test "doctor as nobody with CAP_BPF+CAP_PERFMON: tracefs is root-only, says so" {
	need_root
	command -v setpriv >/dev/null || skip "setpriv (util-linux) missing"
	[ "$(stat -c %a /sys/kernel/tracing 2>/dev/null)" = 700 ] || skip "tracefs is not root-only here"
	run --separate-stderr $T setpriv --inh-caps=+bpf,+perfmon --ambient-caps=+bpf,+perfmon \
		--reuid=nobody --regid=nogroup --clear-groups "$BW" doctor
	[ "$status" -eq 1 ] || { show; false; }
	printf '%s\n' "$output" | grep -Eq '^\[warn\] capabilities .*CAP_DAC_READ_SEARCH' || { show; false; }
	printf '%s\n' "$output" | grep -Eq '^\[FAIL\] tracefs .*CAP_DAC_READ_SEARCH' || { show; false; }
	run --separate-stderr $T setpriv --inh-caps=+bpf,+perfmon,+dac_read_search \
		--ambient-caps=+bpf,+perfmon,+dac_read_search \
		--reuid=nobody --regid=nogroup --clear-groups "$BW" doctor
	[ "$status" -eq 0 ] || { show; false; }
}

@test "doctor with tracefs unmounted: mountable, and the programs still load" {
	need_root
	command -v unshare >/dev/null || skip "unshare (util-linux) missing"
	run --separate-stderr $T unshare -m sh -c \
		'mount --make-rprivate / && { umount /sys/kernel/tracing 2>/dev/null; true; } && exec "$0" doctor' "$BW"
	[ "$status" -eq 0 ] || { show; false; }
	printf '%s\n' "$output" | grep -Eq '^\[ ok \] tracefs .*(mountable|mounted at)' || { show; false; }
}

@test "doctor reports an empty stale job cgroup and a pinned object as leftovers" {
	need_root
	local root
	root=$(cgroup2_root)
	[ -n "$root" ] || skip "no cgroup v2 mount"
	STALE_CG="$root/buildwarden-job-999999999"
	mkdir "$STALE_CG" 2>/dev/null || skip "cannot create a cgroup under $root"
	if command -v bpftool >/dev/null && [ -d /sys/fs/bpf ]; then
		PINNED=/sys/fs/bpf/buildwarden_doctor_test_$$
		bpftool map create "$PINNED" type array key 4 value 4 entries 1 name bw_doc_test || PINNED=
	fi
	run --separate-stderr $T "$BW" doctor
	[ "$status" -eq 0 ] || { show; false; } # leftovers never stop the agent
	printf '%s\n' "$output" | grep -Eq '^\[warn\] leftovers .*buildwarden-job-|^\[warn\] leftovers .*buildwarden_doctor_test' || { show; false; }
	if [ -n "$PINNED" ]; then
		printf '%s\n' "$output" | grep -Eq '^\[warn\] leftovers .*[1-9][0-9]* pinned objects? of no running agent' || { show; false; }
	fi
	printf '%s\n' "$output" | grep -Eq '^\[warn\] leftovers .*[1-9][0-9]* empty stale job cgroup' || { show; false; }
	printf '%s\n' "$output" | grep -q 'fix: the next run removes' || { show; false; }
}

@test "doctor: pins of a running fail-closed agent are in use, not leftovers" {
	need_root
	[ -d /sys/fs/bpf ] && [ "$(stat -f -c %T /sys/fs/bpf)" = bpf_fs ] || skip "no bpffs at /sys/fs/bpf"
	# This shell is alive: its pid names a running agent's pin directory.
	PINNED=/sys/fs/bpf/buildwarden-$$
	mkdir "$PINNED" || skip "cannot mkdir in bpffs"
	run --separate-stderr $T "$BW" doctor
	rmdir "$PINNED"
	PINNED=
	[ "$status" -eq 0 ] || { show; false; }
	printf '%s\n' "$output" | grep -Eq '^\[(info|warn)\] leftovers .*[1-9][0-9]* pins? of running fail-closed agents' || { show; false; }
	! printf '%s\n' "$output" | grep -q "buildwarden-$$" || { show; false; }
}
