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

# The daemon with `fail_closed: true` in its config (docs/DAEMON.md).
daemon_config() {
	mkdir -p "$TMP/reports"
	cat >"$TMP/config.yaml" <<-YAML
	reports: reports
	fail_closed: true
	record: exec
	jobs:
	  - {name: fc, match: {exe_basename: bw-fc-runner}}
	YAML
	# The runner: $1 = what to do first (kill the agent or not), then it tries to go on.
	cat >"$TMP/bw-fc-runner" <<-'SH'
	#!/bin/sh
	[ "$1" = kill ] && kill -9 "$(cat "$2/daemon.pid")"
	sleep 0.5
	touch "$2/after"
	SH
	chmod +x "$TMP/bw-fc-runner"
}

start_daemon() {
	"$BW" daemon --config "$TMP/config.yaml" 2>"$TMP/daemon.err" &
	echo $! >"$TMP/daemon.pid"
	for _ in $(seq 100); do
		grep -q "daemon attached" "$TMP/daemon.err" && return 0
		sleep 0.1
	done
	cat "$TMP/daemon.err" >&2
	return 1
}

@test "daemon fail_closed: a job that kills the daemon dies at its next syscall" {
	daemon_config
	start_daemon
	pid=$(cat "$TMP/daemon.pid")
	run $T "$TMP/bw-fc-runner" kill "$TMP"
	[ "$status" -eq 137 ]
	[ ! -e "$TMP/after" ]
	wait "$pid" || true
	# The next start reports the death and clears the pins once the job is gone.
	run --separate-stderr $T "$BW" run --no-tree -- true
	[[ "$stderr" == *"agent $pid died while watching a job"* ]]
	[ ! -e "/sys/fs/bpf/buildwarden-$pid" ]
}

@test "daemon fail_closed: SIGTERM leaves the running job alone and nothing pinned" {
	daemon_config
	start_daemon
	pid=$(cat "$TMP/daemon.pid")
	"$TMP/bw-fc-runner" wait "$TMP" &
	runner=$!
	sleep 0.2
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 0 ]
	wait "$runner"
	[ -e "$TMP/after" ]
	[ ! -e "/sys/fs/bpf/buildwarden-$pid" ]
	grep -q detached "$TMP/daemon.err"
}
