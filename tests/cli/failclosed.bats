#!/usr/bin/env bats
# --fail-closed: the build cannot outlive a killed agent; a clean run leaves
# nothing pinned; a later start removes what a dead agent left.

bats_require_minimum_version 1.5.0

BW=${BUILDWARDEN:-$BATS_TEST_DIRNAME/../../build/buildwarden}
T="timeout -k 5 30"

setup() {
	[ -x "$BW" ] || skip "buildwarden not built ($BW)"
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	[ -e /sys/kernel/btf/vmlinux ] || skip "kernel has no BTF"
	TMP=$(mktemp -d)
}

teardown() {
	rm -rf "$TMP"
}

@test "fail-closed: a clean run passes the status on and leaves nothing pinned" {
	"$BW" run --fail-closed --no-tree -- sh -c 'exit 3' &
	agent=$!
	status=0
	wait "$agent" || status=$?
	[ "$status" -eq 3 ]
	[ ! -e "/sys/fs/bpf/buildwarden-$agent" ]
}

@test "fail-closed: killing the agent from inside the job kills the job" {
	# The build kills its agent (SIGKILL, no cleanup possible), then tries
	# to go on: its next syscall must be its last.
	run $T "$BW" run --fail-closed --no-tree -- sh -c \
		'kill -9 $PPID; sleep 0.3; touch '"$TMP"'/after; sleep 0.3; touch '"$TMP"'/after2'
	[ "$status" -eq 137 ]
	sleep 1
	[ ! -e "$TMP/after" ]
	[ ! -e "$TMP/after2" ]
}

@test "fail-closed: a dead agent's pins stay while its job lives, go once it is gone" {
	# sleep blocks in one syscall: it lives on (harmlessly) until it returns.
	"$BW" run --fail-closed --no-tree -- \
		sh -c 'sleep 2 >/dev/null 2>&1 & sleep 0.2; kill -9 $PPID; wait' &
	agent=$!
	status=0
	wait "$agent" || status=$?
	[ "$status" -eq 137 ]
	dead=/sys/fs/bpf/buildwarden-$agent
	[ -e "$dead" ]
	run --separate-stderr $T "$BW" run --no-tree -- true
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"agent $agent died fail-closed"*"still held"* ]]
	[ -e "$dead" ]
	sleep 2.5
	run --separate-stderr $T "$BW" run --no-tree -- true
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"agent $agent died while watching a job"* ]]
	[ ! -e "$dead" ]
}

@test "without --fail-closed the build outlives a killed agent, nothing stays pinned, the death is on record" {
	"$BW" run --no-tree -- sh -c 'kill -9 $PPID; sleep 0.3; touch '"$TMP"'/after' &
	agent=$!
	status=0
	wait "$agent" || status=$?
	[ "$status" -eq 137 ]
	sleep 1
	[ -e "$TMP/after" ]
	[ ! -e "/sys/fs/bpf/buildwarden-$agent" ]
	# Its death is on record: doctor sees it, the next run reports and clears it.
	[ -e "/run/buildwarden/agent-$agent" ]
	run $T "$BW" doctor
	[[ "$output" == *"agent-$agent"* ]]
	run --separate-stderr $T "$BW" run --no-tree -- true
	[ "$status" -eq 0 ]
	[[ "$stderr" == *"agent $agent died while watching a job"* ]]
	[ ! -e "/run/buildwarden/agent-$agent" ]
}
