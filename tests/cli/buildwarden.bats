#!/usr/bin/env bats
# CLI behaviour of buildwarden: help, version, usage errors (status 64 with
# one "buildwarden: " line), no root (125), command not found / not executable,
# and one real run. Run: bats --tap tests/cli/buildwarden.bats
# Tests that load BPF need root and BTF and are skipped otherwise.

bats_require_minimum_version 1.5.0

BW=${BUILDWARDEN:-$BATS_TEST_DIRNAME/../../build/buildwarden}
# Every invocation is bounded, so a hung agent fails the test instead of
# stalling the suite (timeout exits 124, distinct from what we expect).
T="timeout -k 5 30"

setup() {
	NOROOT_DIR=
	[ -x "$BW" ] || skip "buildwarden not built ($BW)"
}

teardown() {
	if [ -n "${NOROOT_DIR-}" ]; then
		rm -rf "$NOROOT_DIR"
	fi
}

need_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	[ -e /sys/kernel/btf/vmlinux ] || skip "kernel has no BTF"
}

# Show what happened when an expectation fails.
show() {
	echo "status: $status"
	echo "stdout: $output"
	echo "stderr: $stderr"
}

expect_status() {
	if [ "$status" -ne "$1" ]; then
		echo "expected status $1"
		show
		return 1
	fi
}

# An agent error (status 125), or with BW_WANT set another status, and
# exactly one stderr line starting with "buildwarden: " (and, if given,
# containing $1).
expect_agent_error() {
	expect_status "${BW_WANT:-125}" || return 1
	if [ "${#stderr_lines[@]}" -ne 1 ]; then
		echo "expected exactly one line on stderr, got ${#stderr_lines[@]}"
		show
		return 1
	fi
	if [[ "${stderr_lines[0]}" != "buildwarden: "* ]]; then
		echo "stderr line does not start with 'buildwarden: '"
		show
		return 1
	fi
	if [ -n "${1-}" ] && [[ "${stderr_lines[0]}" != *"$1"* ]]; then
		echo "stderr line does not mention '$1'"
		show
		return 1
	fi
}

# A usage error: status 64, one "buildwarden: " line.
expect_usage_error() {
	BW_WANT=64 expect_agent_error "$@"
}

# Fail if a process whose command line contains $1 is alive.
expect_none_running() {
	local pids
	pids=$(pgrep -f -- "$1" || true)
	if [ -n "$pids" ]; then
		echo "still running after buildwarden exited:"
		ps -o pid,ppid,user,args -p "$(echo $pids | tr ' ' ',')" || true
		return 1
	fi
}

@test "--help prints usage on stdout, mentions run, exits 0" {
	run --separate-stderr $T "$BW" --help
	expect_status 0
	[[ "$output" == *run* ]] || { show; false; }
}

@test "run --help prints usage on stdout, mentions --events, exits 0" {
	run --separate-stderr $T "$BW" run --help
	expect_status 0
	[[ "$output" == *--events* ]] || { show; false; }
}

@test "--version prints a version, exits 0" {
	run --separate-stderr $T "$BW" --version
	expect_status 0
	[[ "$output" =~ [0-9]+\.[0-9]+ ]] || { show; false; }
}

@test "no command at all: status 64, one buildwarden: line" {
	run --separate-stderr $T "$BW"
	expect_usage_error
}

@test "unknown top-level command: status 64, names it" {
	run --separate-stderr $T "$BW" frobnicate-xyz
	expect_usage_error frobnicate-xyz
}

@test "unknown flag to run: status 64, names the flag" {
	run --separate-stderr $T "$BW" run --frobnicate-xyz -- /bin/true
	expect_usage_error --frobnicate-xyz
}

@test "unknown top-level flag: status 64, names the flag" {
	run --separate-stderr $T "$BW" --frobnicate-xyz
	expect_usage_error --frobnicate-xyz
}

@test "run without a command: status 64" {
	run --separate-stderr $T "$BW" run
	expect_usage_error
}

@test "run -- with nothing after it: status 64" {
	run --separate-stderr $T "$BW" run --
	expect_usage_error
}

@test "run --events without its value: status 64" {
	run --separate-stderr $T "$BW" run --events
	expect_usage_error
}

@test "run --ringbuf-mb with a bad value: status 64" {
	run --separate-stderr $T "$BW" run --ringbuf-mb not-a-number -- /bin/true
	expect_usage_error
}

@test "usage errors start nothing" {
	local marker="bw-bats-usage-$$-$RANDOM"
	run --separate-stderr $T "$BW" run --frobnicate-xyz -- /bin/sleep "$marker"
	expect_status 64
	run --separate-stderr $T "$BW" run --frobnicate-xyz -- /bin/sh -c "touch '$BATS_TEST_TMPDIR/ran'"
	expect_status 64
	[ ! -e "$BATS_TEST_TMPDIR/ran" ] || { echo "the command ran"; false; }
	expect_none_running "$marker"
}

@test "not root: status 125, says root/CAP_BPF, the command never runs, nothing left" {
	local marker="bw-bats-noroot-$$-$RANDOM"
	local -a as_user=()
	if [ "$(id -u)" -eq 0 ]; then
		command -v setpriv >/dev/null || skip "setpriv (util-linux) missing"
		as_user=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
	fi
	# A directory nobody can reach (BATS_TEST_TMPDIR's parent is 0700).
	NOROOT_DIR=$(mktemp -d /tmp/bw-bats-noroot.XXXXXX)
	chmod 0777 "$NOROOT_DIR"
	local flag="$NOROOT_DIR/ran" bw=$BW
	# nobody must be able to run the binary; use a copy if it cannot.
	if ! "${as_user[@]}" test -x "$bw"; then
		cp "$BW" "$NOROOT_DIR/buildwarden"
		chmod 0755 "$NOROOT_DIR/buildwarden"
		bw=$NOROOT_DIR/buildwarden
	fi
	# The control: the same user can create the flag file.
	"${as_user[@]}" /bin/sh -c "touch '$flag.control'"
	[ -e "$flag.control" ] || { echo "control: $flag.control not created"; false; }
	run --separate-stderr $T "${as_user[@]}" "$bw" run -- /bin/sh -c "touch '$flag'; sleep 30; true" "$marker"
	expect_agent_error || return 1
	shopt -s nocasematch
	[[ "${stderr_lines[0]}" == *root* || "${stderr_lines[0]}" == *CAP_BPF* ]] || {
		shopt -u nocasematch
		echo "message mentions neither root nor CAP_BPF"
		show
		false
	}
	shopt -u nocasematch
	[ ! -e "$flag" ] || { echo "the command ran without the agent"; false; }
	expect_none_running "$marker"
}

@test "command not found: status 127" {
	need_root
	run -127 --separate-stderr $T "$BW" run -- /nonexistent/bw-no-such-command
	expect_status 127
	[[ "$stderr" == *bw-no-such-command* ]] || { echo "stderr does not name the command"; show; false; }
}

@test "command not found in PATH: status 127" {
	need_root
	run -127 --separate-stderr $T "$BW" run -- bw-no-such-command-in-path
	expect_status 127
}

@test "command not executable: status 126" {
	need_root
	printf '#!/bin/sh\nexit 0\n' >"$BATS_TEST_TMPDIR/notexec"
	chmod 0644 "$BATS_TEST_TMPDIR/notexec"
	run --separate-stderr $T "$BW" run -- "$BATS_TEST_TMPDIR/notexec"
	expect_status 126
}

@test "build status is passed on: false gives 1" {
	need_root
	run --separate-stderr $T "$BW" run -- /bin/false
	expect_status 1
}

@test "run --events FILE -- /bin/echo hi: output passes through, JSON has the exec" {
	need_root
	local ev="$BATS_TEST_TMPDIR/events.jsonl"
	run --separate-stderr $T "$BW" run --events "$ev" -- /bin/echo hi
	expect_status 0
	[ "$output" = "hi" ] || { echo "stdout should be the build's 'hi' only"; show; false; }
	[[ "$stderr" == *echo* ]] || { echo "no process tree naming echo on stderr"; show; false; }
	run python3 - "$ev" <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
assert recs, "no records"
assert [r["seq"] for r in recs] == list(range(1, len(recs) + 1)), "seq gaps"
ex = [r for r in recs if r["type"] == "exec" and r.get("argv") == ["/bin/echo", "hi"]]
assert len(ex) == 1, "exec of /bin/echo hi found %d times" % len(ex)
assert ex[0]["filename"] == "/bin/echo", ex[0]["filename"]
assert ex[0]["argc"] == 2, ex[0]["argc"]
assert recs[-1]["type"] == "summary", recs[-1]["type"]
assert recs[-1]["lost"] == 0, recs[-1]["lost"]
assert recs[-1]["exit_status"] == 0, recs[-1]["exit_status"]
EOF
	expect_status 0
}

@test "run --exec-env: only loader variables are read, the list is what the records carry" {
	need_root
	local ev="$BATS_TEST_TMPDIR/ev.jsonl"
	run --separate-stderr "$BW" run --exec-env LD_PRELOAD,HOME -- true
	expect_status 64
	[[ "$stderr" == *"'HOME' cannot be recorded"* ]] || { show; false; }
	# Values the default policy allows (libeatmydata, sotruss), so a run of
	# this suite under buildwarden raises nothing; they need not exist.
	local pre=/usr/lib/bw-test/libeatmydata.so audit=/usr/lib/bw-test/sotruss-lib.so
	run --separate-stderr "$BW" run --exec-env LD_AUDIT --events "$ev" -- \
		env LD_PRELOAD=$pre LD_AUDIT=$audit SECRET_BW=zzz true
	expect_status 0
	# env's own exec carries neither (they are set after it starts); true's carries LD_AUDIT only
	run jq -c 'select(.type == "exec" and .argv[0] == "true") | .env' "$ev"
	[ "$output" = "{\"LD_AUDIT\":\"$audit\"}" ] || { show; false; }
	# the variable is in env's own argv (and the job's command), never in an env member
	run jq -c 'select(.env) | .env | select(tostring | test("SECRET_BW"))' "$ev"
	[ -z "$output" ] || { echo "a variable not asked for was recorded"; show; false; }
	run --separate-stderr "$BW" run --exec-env none --events "$ev" -- env LD_PRELOAD=$pre true
	expect_status 0
	run jq -c 'select(.type == "exec" and .argv[0] == "true") | .env // {}' "$ev"
	[ "$output" = '{}' ] || { show; false; }
}

@test "run's report, built as it writes the stream, is the report of the stream read back" {
	need_root
	local d=$BATS_TEST_TMPDIR pol=$BATS_TEST_TMPDIR/p.yaml
	# Verdicts (an alert and a kill), failed execs, a PATH search, writes,
	# a rename and an unlink in the watched directory (one of them by a
	# name that is not UTF-8), credential reads, privilege syscalls, a
	# connect, a secret in argv, a byte that is not UTF-8 in argv, a killed
	# process and its exit.
	"$BW" policy default >"$pol"
	cat >>"$pol" <<'YAML'
  - name: bw-test-kill-sleep
    description: Kills the test's sleep.
    severity: high
    action: kill-process
    match:
      basename: sleep
YAML
	cd "$d" # the directory the agent watches
	run --separate-stderr $T "$BW" run --policy "$pol" --events "$d/ev.jsonl" -r "$d/a.json" \
		-m "$d/a.md" --html "$d/a.html" -- sh -c '
		no-such-tool-bw 2>/dev/null; /nonexistent/x 2>/dev/null
		echo x >"'"$d"'/out.txt"; mv "'"$d"'/out.txt" "'"$d"'/out2.txt"
		echo y >"'"$d"'/$(printf "n\377")"; rm -f "'"$d"'/out2.txt"
		cat /etc/shadow /proc/1/environ >/dev/null 2>&1
		python3 -c "import os; os.memfd_create(\"bw-test\"); os.setgid(0); os.setuid(0)"
		curl -s --max-time 1 http://127.0.0.1:1/ --user u:hunter2
		/bin/echo "$(printf "a\377b")" >/dev/null
		sleep 5; for i in 1 2 3; do true; done; exit 3'
	expect_status 3
	# The run fed the report file and privilege records without reading them back.
	run jq -s -r '[(map(select(.type == "file")) | length), (map(select(.type == "privilege") | .op) | unique | join(","))] | @tsv' "$d/ev.jsonl"
	[[ "$output" =~ ^([5-9]|[1-9][0-9]+)$'\t'.*memfd.*setgid.*setuid ]] ||
		{ echo "expected writes, renames, reads, unlinks and the memfd, setgid and setuid calls"; show; false; }
	run --separate-stderr $T "$BW" report "$d/ev.jsonl" -j "$d/b.json" -m "$d/b.md" --html "$d/b.html"
	expect_status 0
	run diff "$d/a.json" "$d/b.json"
	[ "$status" -eq 0 ] || { echo "JSON summaries differ"; show; false; }
	run diff "$d/a.md" "$d/b.md"
	[ "$status" -eq 0 ] || { echo "Markdown reports differ"; show; false; }
	cmp "$d/a.html" "$d/b.html"
	run jq -r '[(.verdicts | length), .counts.processes, .counts.exec_failed, .counts.killed] | @tsv' "$d/a.json"
	[[ "$output" =~ ^[1-9][0-9]*$'\t'[1-9][0-9]*$'\t'[1-9][0-9]*$'\t'1$ ]] ||
		{ echo "the run should have had verdicts, processes, failed execs and one kill"; show; false; }
}
