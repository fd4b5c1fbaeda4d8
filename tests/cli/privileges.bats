#!/usr/bin/env bats
# Least privilege: the build runs as the sudo caller or --user, never as
# root by accident; the agent drops what it no longer needs; files it
# writes do not follow symlinks.

bats_require_minimum_version 1.5.0

BW=${BUILDWARDEN:-$BATS_TEST_DIRNAME/../../build/buildwarden}
T="timeout -k 5 30"

setup() {
	[ -x "$BW" ] || skip "buildwarden not built ($BW)"
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	[ -e /sys/kernel/btf/vmlinux ] || skip "kernel has no BTF"
	TMP=$(mktemp -d)
	chmod 755 "$TMP"
}

teardown() {
	rm -rf "$TMP"
}

@test "--user NAME: the build runs as that user, with its HOME" {
	run -0 --separate-stderr $T "$BW" run --no-tree --user nobody -- sh -c 'id -un; echo "$HOME"'
	[ "${lines[0]}" = nobody ]
	[ "${lines[1]}" = "$(getent passwd nobody | cut -d: -f6)" ]
}

@test "started through sudo: the build runs as the caller, --user root keeps root" {
	uid=$(id -u nobody)
	run -0 --separate-stderr env SUDO_UID="$uid" SUDO_USER=nobody $T "$BW" run --no-tree -- id -u
	[ "$output" = "$uid" ]
	run -0 --separate-stderr env SUDO_UID="$uid" $T "$BW" run --no-tree --user root -- id -u
	[ "$output" = 0 ]
}

@test "--user with an unknown user: a usage error (64), nothing runs" {
	run -64 --separate-stderr $T "$BW" run --user no-such-user-bw -- touch "$TMP/ran"
	[[ "$stderr" == *"no-such-user-bw"* ]]
	[ ! -e "$TMP/ran" ]
}

@test "the agent drops to the capabilities it needs once the build runs" {
	run -0 --separate-stderr $T "$BW" run -v --no-tree -- true
	[[ "$stderr" == *"agent keeps only these capabilities: bpf, perfmon, kill, dac_override, dac_read_search"* ]]
}

@test "events and reports are created 0600 and never through a symlink" {
	ln -s "$TMP/target" "$TMP/link.jsonl"
	run --separate-stderr $T "$BW" run --no-tree --events "$TMP/link.jsonl" -- true
	[ "$status" -eq 125 ]
	[ ! -e "$TMP/target" ]
	run -0 --separate-stderr $T "$BW" run --no-tree --events "$TMP/ev.jsonl" --report "$TMP/r.json" -- true
	[ "$(stat -c %a "$TMP/ev.jsonl")" = 600 ]
	[ "$(stat -c %a "$TMP/r.json")" = 600 ]
}
