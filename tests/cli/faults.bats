#!/usr/bin/env bats
# Fault injection on the policy file: a policy that
# vanishes, turns invalid, never ends, or refers to itself is refused with
# one clear message and status 65, never a crash or a hang, and `run`
# starts no build with it. `run` has no reload; the daemon's reload must
# keep the old policy in these same cases (docs/SECURITY.md).
# Run: bats --tap tests/cli/faults.bats

bats_require_minimum_version 1.5.0

BW=${BUILDWARDEN:-$BATS_TEST_DIRNAME/../../build/buildwarden}
T="timeout -k 5 30"

setup() {
	[ -x "$BW" ] || skip "buildwarden not built ($BW)"
	TMP=$(mktemp -d)
	cat >"$TMP/p.yaml" <<-'Y'
	version: 1
	rules:
	  - name: no-curl
	    action: alert
	    match: {basename: curl}
	Y
}

teardown() {
	rm -rf "$TMP"
}

@test "policy check: a policy that vanishes between two checks" {
	run -0 $T "$BW" policy check "$TMP/p.yaml"
	rm "$TMP/p.yaml"
	run -65 $T "$BW" policy check "$TMP/p.yaml"
	[[ "$output" == *"$TMP/p.yaml: error: cannot open policy: No such file or directory"* ]]
}

@test "policy check: a policy replaced by an invalid one, and by a dangling symlink" {
	run -0 $T "$BW" policy check "$TMP/p.yaml"
	printf 'version: 1\nrules:\n  - name: x\n    action: explode\n' >"$TMP/new.yaml"
	mv "$TMP/new.yaml" "$TMP/p.yaml"
	run -65 $T "$BW" policy check "$TMP/p.yaml"
	[[ "$output" == *"$TMP/p.yaml:4:13: error: unknown action 'explode'"* ]]
	ln -sf "$TMP/gone.yaml" "$TMP/p.yaml"
	run -65 $T "$BW" policy check "$TMP/p.yaml"
	[[ "$output" == *"No such file or directory"* ]]
}

@test "policy check: truncated mid-write, empty, a directory" {
	head -c 60 "$TMP/p.yaml" >"$TMP/cut.yaml"
	run -65 $T "$BW" policy check "$TMP/cut.yaml"
	[[ "$output" == *"$TMP/cut.yaml:"*": error: "* ]]
	: >"$TMP/empty.yaml"
	run -65 $T "$BW" policy check "$TMP/empty.yaml"
	[[ "$output" == *"got an empty document"* ]]
	run -65 $T "$BW" policy check "$TMP"
	[[ "$output" == *"cannot read policy: Is a directory"* ]]
}

@test "policy check: a file that never ends (/dev/zero) or is huge is refused, not read forever" {
	run -65 $T "$BW" policy check /dev/zero
	[[ "$output" == *"/dev/zero: error: cannot read policy: File too large"* ]]
	head -c 5000000 /dev/zero | tr '\0' '#' >"$TMP/big.yaml"
	run -65 $T "$BW" policy check "$TMP/big.yaml"
	[[ "$output" == *"File too large"* ]]
}

@test "policy check: YAML aliases that refer to themselves are an error, not a stack overflow" {
	for f in "$BATS_TEST_DIRNAME"/../fuzz/policy/crash-alias-cycle-*.yaml; do
		run $T "$BW" policy check "$f"
		echo "$f: status $status"
		[ "$status" -eq 65 ]
		[[ "$output" == *"$f:"*": error: "* ]]
	done
	run -65 $T "$BW" policy check "$BATS_TEST_DIRNAME/../fuzz/policy/crash-alias-cycle-match.yaml"
	[[ "$output" == *"conditions nested more than 32 deep"* ]]
}

@test "run --policy: a vanished or invalid policy starts no build" {
	run -65 $T "$BW" run --policy "$TMP/gone.yaml" -- sh -c "touch '$TMP/ran'"
	[[ "$output" == *"cannot load policy $TMP/gone.yaml: No such file or directory"* ]]
	[ ! -e "$TMP/ran" ]
	run -65 $T "$BW" run --policy "$BATS_TEST_DIRNAME/../fuzz/policy/crash-alias-cycle-not.yaml" \
		-- sh -c "touch '$TMP/ran'"
	[[ "$output" == *"it has errors"* ]]
	[ ! -e "$TMP/ran" ]
}
