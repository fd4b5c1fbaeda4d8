#!/usr/bin/env python3
"""bench_instructions — the agent's own work per exec, in instructions:
what its event loop executes in user space for an exec storm, counted by
valgrind's callgrind. Unlike CPU time it does not move with the load of a
shared machine, so two builds compare to the percent in one run each.

Usage (root): tools/bench/bench_instructions.py [--build DIR] [--base BIN]
  DIR (default: build) holds buildwarden, bench/exec_storm and bench/tiny.
  --base BIN    another buildwarden (an earlier commit's) measured on the
                same storm: its figures, then the ratio of DIR's to it

Environment:
  BENCH_INSN_EXECS=1000     execs per storm worker (two workers)
  BENCH_INSN_ARGS=""        more `buildwarden run` options (e.g. --policy F)

What is counted: every instruction the agent executes inside its event
loop (engine_run_loop: reading the ring buffer, decoding, judging,
rendering and writing each record, the report), none of its start, its
end or the kernel's side (the BPF programs, the syscalls' work). Per exec
is that sum over the storm's execs as the events file counts them; the
storm's execs each bring a fork, an exec and an exit record.
Figures only, never a pass/fail exit status; exits 2 when a run could not
be measured (valgrind missing, the agent failed, records were lost).
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_env import env_int  # noqa: E402

WORKERS = 2


def fail(msg):
    print(f"bench_instructions: {msg}", file=sys.stderr)
    sys.exit(2)


def summary_of(events):
    """The events file's exec count and its summary record."""
    execs, summary = 0, None
    with open(events) as f:
        for line in f:
            rec = json.loads(line)
            if rec.get("type") == "exec":
                execs += 1
            elif rec.get("type") == "summary":
                summary = rec
    return execs, summary


def collected(out_file):
    """The instruction total callgrind wrote ("summary:" or "totals:" line)."""
    with open(out_file) as f:
        for line in f:
            m = re.match(r"(summary|totals):\s+(\d+)", line)
            if m:
                return int(m.group(2))
    return None


def measure(bw, build, tmp, tag, execs_per_worker, extra):
    events = os.path.join(tmp, f"{tag}.jsonl")
    out = os.path.join(tmp, f"{tag}.callgrind")
    cmd = ["valgrind", "--tool=callgrind", "--toggle-collect=engine_run_loop",
           f"--callgrind-out-file={out}", bw, "run", "--no-tree", "--events", events, *extra,
           "--", os.path.join(build, "bench", "exec_storm"), "-w", str(WORKERS),
           "-n", str(execs_per_worker), os.path.join(build, "bench", "tiny")]
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                       timeout=1800)
    if p.returncode != 0:
        fail(f"{bw}: exited {p.returncode} under valgrind:\n{p.stderr[-2000:]}")
    try:
        execs, summary = summary_of(events)
    except (OSError, ValueError) as e:
        fail(f"{bw}: cannot read its events file {events}: {e}")
    if not summary:
        fail(f"{bw}: its events file {events} has no summary")
    if summary.get("lost") or summary.get("untracked"):
        fail(f"{bw}: {summary.get('lost')} records lost, {summary.get('untracked')} "
             "untracked under valgrind: the count would leave them out (fewer BENCH_INSN_EXECS)")
    total = collected(out)
    if total is None or not execs:
        fail(f"{bw}: callgrind counted nothing ({out}); was engine_run_loop renamed?")
    records = sum(summary.get(k, 0) for k in ("execs", "forks", "exits", "exec_failed"))
    return {"bw": bw, "execs": execs, "records": records, "total": total}


def show(r):
    print(f"  {r['bw']}: {r['total']:,} instructions, {r['execs']} execs, "
          f"{r['records']} records: {r['total'] / r['execs']:,.0f} per exec, "
          f"{r['total'] / max(r['records'], 1):,.0f} per record")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--base", help="another buildwarden binary to compare with")
    a = ap.parse_args()
    if os.geteuid() != 0:
        fail("needs root (the agent loads BPF programs)")
    if subprocess.run(["sh", "-c", "command -v valgrind"], stdout=subprocess.DEVNULL).returncode:
        fail("valgrind is not installed (Debian package valgrind)")
    n = env_int("BENCH_INSN_EXECS", 1000)
    extra = os.environ.get("BENCH_INSN_ARGS", "").split()
    bw = os.path.join(a.build, "buildwarden")
    print(f"bench_instructions: user-space instructions of the event loop, exec storm of "
          f"{WORKERS}x{n} execs (callgrind)")
    with tempfile.TemporaryDirectory(prefix="bw-insn-") as tmp:
        runs = [measure(bw, a.build, tmp, "this", n, extra)]
        if a.base:
            runs.append(measure(a.base, a.build, tmp, "base", n, extra))
    for r in runs:
        show(r)
    if a.base:
        this, base = (r["total"] / r["execs"] for r in runs)
        print(f"  ratio per exec: {this / base:.3f} ({(this / base - 1) * 100:+.1f}%)")


if __name__ == "__main__":
    main()
