#!/usr/bin/env bats
# buildwarden daemon's command line, without attaching anything: usage
# errors, --check on good and broken configs, and journald priorities on
# its log lines. The daemon at work is tests/bpf/test_daemon.py.

bats_require_minimum_version 1.5.0

BW=${BUILDWARDEN:-$BATS_TEST_DIRNAME/../../build/buildwarden}
SRC=${BW_SRC:-$BATS_TEST_DIRNAME/../..}

setup() {
	[ -x "$BW" ] || skip "buildwarden not built ($BW)"
	TMP=$(mktemp -d)
	mkdir "$TMP/reports"
	printf 'version: 1\nrules:\n  - name: r\n    match: {basename: evil}\n    action: alert\n' \
		>"$TMP/policy.yaml"
	printf 'policy: policy.yaml\nreports: reports\njobs:\n  - {name: j, match: {exe_basename: runner}}\n' \
		>"$TMP/ok.yaml"
}

teardown() {
	rm -rf "$TMP"
}

@test "daemon --help lists its options and exits 0" {
	run "$BW" daemon --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"--config FILE"* ]]
	[[ "$output" == *"--check"* ]]
}

@test "daemon without --config, or with an unknown option, is a usage error" {
	run --separate-stderr "$BW" daemon
	[ "$status" -eq 64 ]
	[[ "$stderr" == *"--config FILE is required"* ]]
	run --separate-stderr "$BW" daemon --config "$TMP/ok.yaml" --frobnicate
	[ "$status" -eq 64 ]
	[[ "$stderr" == *"unknown option '--frobnicate'"* ]]
}

@test "daemon --check: a valid config and its policy pass, relative to the config's directory" {
	cd /
	run --separate-stderr "$BW" daemon --config "$TMP/ok.yaml" --check
	[ "$status" -eq 0 ]
	[[ "$output" == *"ok (1 job rule(s), 1 policy file(s))"* ]]
}

@test "daemon --check: the shipped example config is valid" {
	run --separate-stderr env BW_WEBHOOK=https://hooks.example/x \
		"$BW" daemon --config "$SRC/deploy/config.example.yaml" --check
	[ "$status" -eq 0 ]
}

@test "daemon --check: every error with FILE:LINE:COL, config and policy alike" {
	printf 'reports: reports\nbogus: 1\njobs:\n  - {name: j, match: {exe_basename: a/b}}\n' \
		>"$TMP/bad.yaml"
	run --separate-stderr "$BW" daemon --config "$TMP/bad.yaml" --check
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"bad.yaml:2:1: error: unknown key 'bogus'"* ]]
	[[ "$stderr" == *"bad.yaml:4:"*"error:"*"exe_basename"* ]]
	printf 'version: 1\nrules:\n  - name: r\n    match: {basename: x}\n    action: explode\n' \
		>"$TMP/policy.yaml"
	run --separate-stderr "$BW" daemon --config "$TMP/ok.yaml" --check
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"$TMP/policy.yaml:5:"*"explode"* ]]
	rm "$TMP/policy.yaml"
	run --separate-stderr "$BW" daemon --config "$TMP/ok.yaml" --check
	[ "$status" -eq 65 ]
	[[ "$stderr" == *"policy $TMP/policy.yaml: cannot read: No such file or directory"* ]]
}

@test "log lines carry journald priorities only when stderr is the journal stream" {
	printf 'reports: reports\nbogus: 1\njobs: []\n' >"$TMP/bad.yaml"
	: >"$TMP/log"
	stream=$(stat -c '%d:%i' "$TMP/log")
	JOURNAL_STREAM=$stream "$BW" daemon --config "$TMP/bad.yaml" --check 2>>"$TMP/log" || true
	grep -q '^<3>buildwarden: .*bad.yaml:2:1: error: unknown key' "$TMP/log"
	grep -q '^<3>buildwarden: config .*: not valid' "$TMP/log"
	! grep -v '^<[0-7]>' "$TMP/log"
	# another file's identity: plain lines
	JOURNAL_STREAM=1:1 "$BW" daemon --config "$TMP/bad.yaml" --check 2>"$TMP/plain" || true
	grep -q '^buildwarden: ' "$TMP/plain"
	! grep -q '^<' "$TMP/plain"
}
