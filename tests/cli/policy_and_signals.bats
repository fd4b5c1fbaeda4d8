#!/usr/bin/env bats
# `buildwarden policy` as a user runs it, `run --policy` refusing a bad
# policy before anything starts, and signals sent to the agent reaching the
# build. Run: bats --tap tests/cli/policy_and_signals.bats

bats_require_minimum_version 1.5.0

BW=${BUILDWARDEN:-$BATS_TEST_DIRNAME/../../build/buildwarden}
T="timeout -k 5 30"

setup() {
	[ -x "$BW" ] || skip "buildwarden not built ($BW)"
	TMP=$(mktemp -d)
}

teardown() {
	rm -rf "$TMP"
}

need_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	[ -e /sys/kernel/btf/vmlinux ] || skip "kernel has no BTF"
}

@test "policy check --default: valid, lists rules, JSON parses" {
	run -0 $T "$BW" policy check --default
	[[ "$output" == *"rule 1: "* ]]
	run -0 $T "$BW" policy check -j --default
	echo "$output" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d["rules"]) > 5, d'
}

@test "policy check: every error is FILE:LINE:COL, status 65" {
	cat >"$TMP/bad.yaml" <<-'Y'
	mode: enforce
	rules:
	  - name: a
	    action: explode
	    match: {basenme: curl}
	  - name: b
	    action: alert
	    match: {cmdline: {regex: "(unclosed"}}
	Y
	run -65 --separate-stderr $T "$BW" policy check "$TMP/bad.yaml"
	echo "$stderr"
	[[ "$stderr" == *"$TMP/bad.yaml:4:13: error: "*"explode"* ]]
	[[ "$stderr" == *"$TMP/bad.yaml:5:13: error: "*"basenme"* ]]
	[[ "$stderr" == *"$TMP/bad.yaml:8:"*"regex"* ]]
}

@test "policy check: missing file names it, status 65" {
	run -65 --separate-stderr $T "$BW" policy check "$TMP/nope.yaml"
	[[ "$stderr" == *"nope.yaml"* ]]
}

@test "run --policy with errors: status 65, the build never starts" {
	printf 'rules:\n  - name: x\n    action: alert\n    match: {nope: 1}\n' >"$TMP/bad.yaml"
	run -65 --separate-stderr $T "$BW" run --policy "$TMP/bad.yaml" -- touch "$TMP/ran"
	[[ "$stderr" == *"bad.yaml:4:"* ]]
	[ ! -e "$TMP/ran" ]
}

@test "run: SIGTERM to the agent reaches the build, which ends its own way" {
	need_root
	"$BW" run --no-tree -- sh -c 'trap "echo trapped >'"$TMP"'/got; exit 3" TERM; touch '"$TMP"'/up; while :; do sleep 0.1; done' &
	agent=$!
	for _ in $(seq 100); do [ -e "$TMP/up" ] && break; sleep 0.05; done
	[ -e "$TMP/up" ]
	kill -TERM "$agent"
	status=0
	wait "$agent" || status=$?
	[ "$status" -eq 3 ]
	grep -q trapped "$TMP/got"
}

@test "run: SIGINT to the agent is forwarded (Ctrl-C from a CI runner)" {
	need_root
	"$BW" run --no-tree -- sh -c 'trap "exit 5" INT; touch '"$TMP"'/up; while :; do sleep 0.1; done' &
	agent=$!
	for _ in $(seq 100); do [ -e "$TMP/up" ] && break; sleep 0.05; done
	kill -INT "$agent"
	status=0
	wait "$agent" || status=$?
	[ "$status" -eq 5 ]
}

@test "run: nothing stays attached after a run" {
	need_root
	command -v bpftool >/dev/null || skip "bpftool not installed"
	"$BW" run --no-tree -- sh -c 'touch '"$TMP"'/up; sleep 1' &
	agent=$!
	for _ in $(seq 100); do [ -e "$TMP/up" ] && break; sleep 0.05; done
	# The programs this agent loaded, by id, from its own descriptors.
	ids=$(grep -h '^prog_id:' /proc/$agent/fdinfo/* 2>/dev/null | awk '{print $2}' | sort -u)
	wait "$agent"
	[ -n "$ids" ]
	# The detaches happen in a holder after the agent's exit (docs/ARCHITECTURE.md,
	# "Leaving"), which keeps the programs until then and no longer.
	for id in $ids; do
		for _ in $(seq 100); do
			bpftool prog show id "$id" >/dev/null 2>&1 || break
			sleep 0.05
		done
		run bpftool prog show id "$id"
		[ "$status" -ne 0 ] || { echo "prog $id still loaded 5 s after the agent's exit: $output"; false; }
	done
}
