#!/usr/bin/env bats
# The pure half of `make bench` (tools/bench/bench_results.py): parsing a
# buildwarden events file, rows from runs, and the target verdicts, on
# made-up runs; and the killing policy the buildwarden+kill row runs.
# Needs no root and loads no BPF. Run: bats --tap tests/cli/bench_harness.bats

BW=${BUILDWARDEN:-$BATS_TEST_DIRNAME/../../build/buildwarden}
BENCH=$BATS_TEST_DIRNAME/../../tools/bench

setup() {
	DIR=$(mktemp -d)
}

teardown() {
	rm -rf "$DIR"
}

# Run python3 with bench_results importable as R and made-up runs: run(cfg,
# wall, build CPU s, agent µs per exec, other load, execs seen).
py() {
	PYTHONDONTWRITEBYTECODE=1 python3 - "$BENCH" "$DIR" <<EOF
import sys, types
sys.path.insert(0, sys.argv[1])
import bench_results as R
D = sys.argv[2]

def run(cfg, wall, cpu_s=10.0, us=None, load=0.0, seen=None, execs=1000):
    r = {"agent": cfg, "wall_s": wall, "build_cpu_ns": int(cpu_s * 1e9), "execs": execs, "bg_cores": load}
    if us is not None:
        r["agent_cpu_ns"] = int(us * 1e3 * execs)
    if seen is not None:
        r.update(bw_execs=seen + 1, bw_lost=0, agent_start_cpu_ns=80e6, start_ms=25.0, teardown_ms=15.0)
    return r

def rows(wname, results, tiny=None, count=1000):
    wl = types.SimpleNamespace(name=wname, title=wname, desc="", tiny=tiny, count=count)
    names = []
    for r in results:
        names += [r["agent"]] if r["agent"] not in names else []
    return wl, R.summarise(results, names, wl, {})

def status(verdicts, target, cfg="buildwarden"):
    got = [v["status"] for v in verdicts if v["target"].startswith(target) and v["config"] == cfg]
    assert len(got) == 1, (target, cfg, verdicts)
    return got[0]

$1
EOF
}

@test "bench: an events file gives start, exit lag and teardown on one clock" {
	cat >"$DIR/ev.jsonl" <<'LOG'
{"seq":1,"type":"exec","time":"2026-12-04T10:00:00.000000000Z","job_id":1,"ktime_ns":5000000000,"pid":42,"exe":"/bin/sh"}
{"seq":2,"type":"fork","time":"2026-12-04T10:00:00.100000000Z","job_id":1,"ktime_ns":5100000000,"pid":43}
{"seq":3,"type":"exec","time":"2026-12-04T10:00:00.200000000Z","job_id":1,"ktime_ns":5200000000,"pid":43,"exe":"/b/tiny"}
{"seq":4,"type":"exit","time":"2026-12-04T10:00:00.300000000Z","job_id":1,"ktime_ns":5300000000,"pid":43}
{"seq":5,"type":"exit","time":"2026-12-04T10:00:01.000000000Z","job_id":1,"ktime_ns":6000000000,"pid":42}
{"seq":6,"type":"summary","time":"2026-12-04T10:00:01.250000000Z","job_id":1,"execs":2,"lost":0}
LOG
	py '
ev = R.parse_events(D + "/ev.jsonl", "/b/tiny")
assert ev["tiny_execs"] == 1 and ev["root_exit_ktime"] == 6000000000, ev
assert ev["summary_ktime"] == 6250000000, ev
res = R.bw_result(ev, 4990000000, 6260000000)
assert abs(res["start_ms"] - 10) < 1e-6 and abs(res["exit_lag_ms"] - 260) < 1e-6, res
assert abs(res["teardown_ms"] - 10) < 1e-6 and res["bw_execs"] == 2, res
open(D + "/nosum.jsonl", "w").write("")
assert R.bw_result(R.parse_events(D + "/nosum.jsonl", None), 0, 1) == {"error": "no summary record in the events file"}
'
}

@test "bench: rows are medians over rounds, ratios against none's medians" {
	py '
wl, rs = rows("jq", [run("none", 50.0, 100.0), run("none", 52.0, 102.0), run("none", 60.0, 98.0),
                     run("buildwarden", 51.0, 101.0, us=8, seen=1000), run("buildwarden", 70.0, 110.0, us=9, seen=1000),
                     run("buildwarden", 50.5, 100.0, us=7, seen=999)])
none, bw = rs
assert none["wall_med"] == 52.0 and none["build_cpu_s"] == 100.0, none
assert abs(bw["ratio"] - 51.0 / 52.0) < 1e-9 and abs(bw["build_cpu_ratio"] - 1.01) < 1e-9, bw
assert bw["cpu_us_exec"] == 8.0 and (bw["cpu_us_min"], bw["cpu_us_max"]) == (7.0, 9.0), bw
assert (bw["execs_seen_min"], bw["execs_seen_max"], bw["execs_want"]) == (999, 1000, 1000), bw
assert "saw 999-1000 of 1000 execs" in bw["notes"], bw["notes"]
'
}

@test "bench: jq overhead, build CPU, execs seen: met, missed, inconclusive" {
	py '
def verdicts(bw_wall, bw_cpu, load=0.0, seen=1000):
    wl, rs = rows("jq", [run("none", 100.0, 100.0), run("buildwarden", bw_wall, bw_cpu, us=5, load=load, seen=seen)])
    return R.targets({"jq": (wl, rs)}, None)
v = verdicts(100.9, 100.9)
assert status(v, "jq median wall overhead") == "met", v
assert status(v, "jq build CPU") == "met" and status(v, "every exec of jq") == "met", v
v = verdicts(102.0, 98.5, seen=990)
assert status(v, "jq median wall overhead") == "MISSED by 1.0 points", v
assert status(v, "jq build CPU") == "MISSED by 0.5 points", v
assert status(v, "every exec of jq") == "MISSED by 10 execs", v
v = verdicts(102.0, 103.0, load=0.5)
assert status(v, "jq median wall overhead").startswith("INCONCLUSIVE"), v
assert status(v, "jq build CPU").startswith("INCONCLUSIVE"), v
'
}

@test "bench: zlib against the best peer; agent CPU 5 µs in the storm, 10 on builds" {
	py '
wl, rs = rows("zlib", [run("none", 10.0), run("buildwarden", 10.3, us=9, seen=1000), run("buildwarden+kill", 10.1, us=11, seen=1000),
                       run("auditd", 10.5, us=300), run("bpftrace", 10.2, us=60)])
sw, ss = rows("storm", [run("none", 2.0), run("buildwarden", 2.5, us=6, seen=0), run("buildwarden+kill", 2.5, us=4, seen=0)],
              tiny="/b/tiny")
v = R.targets({"zlib": (wl, rs), "storm": (sw, ss)}, None)
assert status(v, "zlib wall no worse") == "MISSED by 1.0 points", v
assert status(v, "zlib wall no worse", "buildwarden+kill") == "met", v
assert status(v, "agent CPU <= 10 µs/exec, zlib") == "met", v
assert status(v, "agent CPU <= 10 µs/exec, zlib", "buildwarden+kill") == "MISSED by 1.0 µs", v
assert status(v, "agent CPU <= 5 µs/exec, storm") == "MISSED by 1.0 µs", v
assert status(v, "agent CPU <= 5 µs/exec, storm", "buildwarden+kill") == "met", v
assert status(v, "first exec <= 30 ms") == "met" and status(v, "exit <= 20 ms") == "met", v
assert not [x for x in v if x["config"] in ("auditd", "bpftrace", "none")], v
'
}

@test "bench: loss test verdicts need 100,000 processes" {
	py '
loss = {"performed": 150000, "delivered": 150000, "lost": 0, "rss_peak_kib": 15 * 1024, "processes": 150001}
v = R.targets({}, loss)
assert status(v, "zero lost") == "met" and status(v, "RSS") == "met", v
loss.update(delivered=149990, rss_peak_kib=20 * 1024, processes=90000)
v = R.targets({}, loss)
assert status(v, "zero lost") == "MISSED by 10 events" and status(v, "RSS") == "MISSED by 4.0 MiB", v
'
}

@test "bench: the buildwarden+kill policy is the default plus one valid kill-process rule" {
	[ -x "$BW" ] || skip "buildwarden not built ($BW)"
	PYTHONDONTWRITEBYTECODE=1 python3 - "$BENCH" "$BW" "$DIR" <<'EOF'
import json, subprocess, sys
sys.path.insert(0, sys.argv[1])
import bench_agents as A
path, why = A.kill_policy(sys.argv[2], sys.argv[3])
assert path and why is None, why
def rules(*args):
    out = subprocess.run([sys.argv[2], "policy", "check", "--json", *args], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)["rules"]
got, dflt = rules(path), rules("--default")
assert [r["name"] for r in got] == [r["name"] for r in dflt] + ["bench-kill-nothing"], got[-1]
assert got[-1]["action"] == got[-1]["effective_action"] == "kill-process" and got[-1]["on"] == "exec", got[-1]
assert "kill-process" not in [r["effective_action"] for r in dflt]
EOF
}
