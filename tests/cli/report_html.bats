#!/usr/bin/env bats
# `--html FILE` of `buildwarden report` and `buildwarden run` as a user
# meets it: listed in the help, a page written (its data parsed back with
# python3), '-' for standard output, an unwritable path is status 125
# naming it. The page's content: tests/unit/test_report_html.c; the page
# in a browser: tests/bpf/test_report_html.py. Needs no root.

bats_require_minimum_version 1.5.0

BW=${BUILDWARDEN:-$BATS_TEST_DIRNAME/../../build/buildwarden}
T="timeout -k 5 30"

setup() {
	[ -x "$BW" ] || skip "buildwarden not built ($BW)"
	DIR=$(mktemp -d)
	cat >"$DIR/events.jsonl" <<'LOG'
{"seq":1,"type":"exec","ktime_ns":1000,"pid":100,"tid":100,"start_ns":1000,"ppid":99,"parent_start_ns":1,"comm":"make","argc":1,"argv":["make"]}
{"seq":2,"type":"fork","ktime_ns":2000,"pid":101,"tid":101,"start_ns":2000,"parent_pid":100,"parent_start_ns":1000}
{"seq":3,"type":"exec","ktime_ns":2100,"pid":101,"tid":101,"start_ns":2000,"comm":"curl","argc":3,"argv":["curl","--password","hunter2","</script><b>x"]}
{"seq":4,"type":"verdict","rule":"no-curl","severity":"high","mode":"enforce","rule_action":"log","action":"log","blocked":false,"pid":101,"start_ns":2000,"argv":["curl"]}
{"seq":5,"type":"exit","ktime_ns":3000,"pid":101,"tid":101,"start_ns":2000,"exit_code":0,"signal":null}
{"seq":6,"type":"exit","ktime_ns":4000,"pid":100,"tid":100,"start_ns":1000,"exit_code":0,"signal":null}
{"seq":7,"type":"summary","command":["make"],"exit_status":0}
LOG
}

teardown() {
	rm -rf "$DIR"
}

show() {
	echo "status: $status"
	echo "stdout: $output"
	echo "stderr: ${stderr-}"
}

# The data block of the page in $1, as "processes verdicts cmd-of-the-second".
page_summary() {
	python3 - "$1" <<'PY'
import json, re, sys
page = open(sys.argv[1], encoding="utf-8").read()
assert page.count("<script") == 2, "script elements: %d" % page.count("<script")
d = json.loads(re.search(r'id="bw-data">(.*?)</script>', page, re.S).group(1))
print(d["procs_total"], len(d["summary"]["verdicts"]), d["procs"][1]["cmd"])
PY
}

@test "report --help and run --help list --html" {
	run --separate-stderr $T "$BW" report --help
	[ "$status" -eq 0 ] && [[ "$output" == *"--html FILE"* ]] || { show; false; }
	run --separate-stderr $T "$BW" run --help
	[ "$status" -eq 0 ] && [[ "$output" == *"--html FILE"* ]] || { show; false; }
}

@test "report --html writes the page: processes, verdicts, masked command line, breakout as data" {
	run --separate-stderr $T "$BW" report --no-tree --html "$DIR/r.html" "$DIR/events.jsonl"
	[ "$status" -eq 0 ] && [ -z "$output" ] || { show; false; }
	run page_summary "$DIR/r.html"
	[ "$status" -eq 0 ] || { show; false; }
	[ "$output" = "2 1 curl --password *** </script><b>x" ] || { show; false; }
	! grep -q hunter2 "$DIR/r.html"
}

@test "report --html - writes the page to standard output, beside the JSON summary" {
	run --separate-stderr $T "$BW" report --no-tree --json "$DIR/r.json" --html - "$DIR/events.jsonl"
	[ "$status" -eq 0 ] || { show; false; }
	[[ "$output" == "<!DOCTYPE html>"* ]] && [[ "$output" == *"</html>" ]] || { show; false; }
	[ -s "$DIR/r.json" ]
}

@test "report --html to a path that cannot be written is status 125 naming it" {
	run --separate-stderr $T "$BW" report --no-tree --html "$DIR/missing/r.html" "$DIR/events.jsonl"
	[ "$status" -eq 125 ] || { show; false; }
	[[ "$stderr" == *"$DIR/missing/r.html"* ]] || { show; false; }
}
