#!/usr/bin/env python3
"""bench_syscalls — what buildwarden's syscall hooks add to each syscall,
for a process outside every job and for one inside the job.

Usage (root): tools/bench/bench_syscalls.py [--build DIR]
  DIR (default: build) holds buildwarden and bench/syscall_cost.

Environment:
  BENCH_SYSCALL_ROUNDS=5        interleaved rounds
  BENCH_SYSCALL_ITERS=20000     iterations per kind and repeat (connect: a tenth)
  BENCH_SYSCALL_HOOKS=PICK,tp_btf
                                attachments to measure (BW_SYSCALL_HOOK):
                                the first is the one the verdict is about;
                                by default the one the agent picks here
                                (per_syscall where no 32-bit syscall can be
                                made, else tp_btf), then tp_btf (or, when
                                that is the pick, the classic tracepoint)

Configurations, one run of `syscall_cost` each per round, rotated from
round to round:
  none            no agent
  outside/HOOK    `buildwarden run --record all -- sleep 1000` running (a
                  job with every hook on), syscall_cost outside it
  inside/HOOK     syscall_cost as the job: `buildwarden run --record all`
After the rounds, one more outside run per HOOK with kernel.bpf_stats_enabled
on (restored after; the statistics' clock reads would inflate the timed
runs): the run time of the agent's sys_enter and sys_exit programs per run,
from bpftool, averaged over every syscall the host made meanwhile.
Prints a table of ns per syscall by kind and the deltas against none, and
the verdict on the target: at most 20 ns per syscall outside every job.
Figures only, never a pass/fail exit status.
"""

import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_env import env_int  # noqa: E402

TARGET_NS = 20.0


ROUNDS = env_int("BENCH_SYSCALL_ROUNDS", 5)
ITERS = env_int("BENCH_SYSCALL_ITERS", 20000)
HOOKS = [h for h in os.environ.get("BENCH_SYSCALL_HOOKS", "").split(",") if h]


def parse_cost(out):
    """kind -> ns per syscall, from syscall_cost's lines."""
    res = {}
    for line in out.splitlines():
        f = dict(kv.split("=", 1) for kv in line.split() if "=" in kv)
        if "kind" in f and "ns_per_syscall" in f:
            res[f["kind"]] = float(f["ns_per_syscall"])
    return res


def cost_cmd(build, tmp):
    return [os.path.join(build, "bench", "syscall_cost"), "-n", str(ITERS), "-r", "3", "-d", tmp]


def run_none(build, tmp):
    p = subprocess.run(cost_cmd(build, tmp), capture_output=True, text=True, check=True)
    return parse_cost(p.stdout), {}


def children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(c) for c in f.read().split()]
    except OSError:
        return []


def comm(pid):
    try:
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    except OSError:
        return ""


def agent_pick(build, tmp):
    """The attachment the agent takes here unforced: its summary's syscall_hook."""
    events = os.path.join(tmp, "pick.jsonl")
    env = dict(os.environ)
    env.pop("BW_SYSCALL_HOOK", None)
    subprocess.run([os.path.join(build, "buildwarden"), "run", "--no-tree", "--events", events,
                    "--record", "all", "--", "true"], stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env=env, timeout=120)
    try:
        with open(events) as f:
            for line in f:
                rec = json.loads(line)
                if rec.get("type") == "summary" and rec.get("syscall_hook"):
                    return rec["syscall_hook"]
    except (OSError, ValueError):
        pass
    sys.exit("bench_syscalls: `buildwarden run -- true` gave no summary with a syscall_hook")


def agent_env(hook):
    env = dict(os.environ)
    env["BW_SYSCALL_HOOK"] = hook
    return env


def agent_prog_ids(pid):
    """Ids of the BPF programs the agent holds open (/proc/PID/fdinfo)."""
    ids = set()
    try:
        fds = os.listdir(f"/proc/{pid}/fdinfo")
    except OSError:
        return ids
    for fd in fds:
        try:
            with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                for line in f:
                    if line.startswith("prog_id:"):
                        ids.add(int(line.split()[1]))
        except (OSError, ValueError):
            pass
    return ids


def bpf_stats_read(agent_pid):
    """name -> (run_time_ns, run_cnt) of the agent's syscall programs that ran."""
    res = {}
    for pid in agent_prog_ids(agent_pid):
        try:
            p = subprocess.run(["bpftool", "-j", "prog", "show", "id", str(pid)],
                               capture_output=True, text=True, timeout=20)
            prog = json.loads(p.stdout or "{}")
        except (OSError, ValueError, subprocess.TimeoutExpired):
            continue
        name = prog.get("name", "")
        if name.startswith(("handle_sys_e", "sc_e")) and prog.get("run_cnt", 0):
            res[name] = (prog.get("run_time_ns", 0), prog.get("run_cnt", 0))
    return res


def run_outside(build, tmp, hook, stats=False):
    agent = subprocess.Popen(
        [os.path.join(build, "buildwarden"), "run", "--no-tree", "--events", os.devnull,
         "--record", "all", "--", "sleep", "1000"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=agent_env(hook))
    try:
        deadline = time.monotonic() + 30
        while not any(comm(c) == "sleep" for c in children(agent.pid)):
            if agent.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"agent ({hook}) did not start its job: "
                                   f"{agent.stderr.read().strip()}")
            time.sleep(0.02)
        old_stats = set_bpf_stats("1") if stats else None
        try:
            before = bpf_stats_read(agent.pid) if stats else {}
            p = subprocess.run(cost_cmd(build, tmp), capture_output=True, text=True,
                               check=True)
            after = bpf_stats_read(agent.pid) if stats else {}
        finally:
            if old_stats is not None:
                set_bpf_stats(old_stats)
    finally:
        agent.send_signal(signal.SIGTERM)
        agent.wait(timeout=60)
    prog = {}
    for name, (t1, c1) in after.items():
        t0, c0 = before.get(name, (0, 0))
        if c1 > c0:
            prog[name] = (t1 - t0) / (c1 - c0)
    return parse_cost(p.stdout), prog


def run_inside(build, tmp, hook):
    events = os.path.join(tmp, "inside.jsonl")
    p = subprocess.run(
        [os.path.join(build, "buildwarden"), "run", "--no-tree", "--events", events,
         "--record", "all", "--"] + cost_cmd(build, tmp),
        capture_output=True, text=True, env=agent_env(hook))
    if p.returncode:
        raise RuntimeError(f"inside ({hook}) failed: {p.stderr.strip()}")
    extra = {}
    with open(events) as f:
        for line in f:
            if '"type":"summary"' in line:
                s = json.loads(line)
                extra = {"lost": s.get("lost"), "syscall_hook": s.get("syscall_hook")}
    if extra.get("syscall_hook") != hook:
        raise RuntimeError(f"inside: asked for {hook}, the agent used {extra.get('syscall_hook')}")
    return parse_cost(p.stdout), extra


def set_bpf_stats(v):
    path = "/proc/sys/kernel/bpf_stats_enabled"
    try:
        with open(path) as f:
            old = f.read().strip()
        with open(path, "w") as f:
            f.write(v)
        return old
    except OSError:
        return None


def fmt(x):
    return f"{x:.1f}"


def main():
    build = "build"
    if len(sys.argv) == 3 and sys.argv[1] == "--build":
        build = sys.argv[2]
    elif len(sys.argv) != 1:
        sys.exit("usage: bench_syscalls.py [--build DIR]")
    if os.geteuid() != 0:
        print("bench_syscalls: skipped: needs root (BPF)")
        return 0
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bw-syscall-bench.") as tmp:
        if not HOOKS:
            pick = agent_pick(build, tmp)
            HOOKS.extend([pick, "tracepoint" if pick == "tp_btf" else "tp_btf"])
        configs = ["none"] + [f"{w}/{h}" for h in HOOKS for w in ("outside", "inside")]
        results = {c: [] for c in configs}
        progs = {h: [] for h in HOOKS}
        notes = {}
        for r in range(ROUNDS):
            order = configs[r % len(configs):] + configs[:r % len(configs)]
            for c in order:
                where, _, hook = c.partition("/")
                if where == "none":
                    cost, extra = run_none(build, tmp)
                elif where == "outside":
                    cost, extra = run_outside(build, tmp, hook)
                else:
                    cost, extra = run_inside(build, tmp, hook)
                    notes.setdefault(c, []).append(extra.get("lost"))
                results[c].append(cost)
        # Statistics cost two clock reads per program run: a pass of their own.
        for hook in HOOKS:
            progs[hook].append(run_outside(build, tmp, hook, stats=True)[1])
    elapsed = time.monotonic() - t0
    kinds = list(results["none"][0].keys())
    med = {c: {k: statistics.median(x[k] for x in results[c]) for k in kinds} for c in configs}
    spread = {k: (max(x[k] for x in results["none"]) - min(x[k] for x in results["none"])) / 2
              for k in kinds}

    print(f"\n### Per-syscall cost: {ROUNDS} interleaved rounds, {ITERS} iterations per kind "
          f"(connect {ITERS // 10}), median of 3 repeats per run, median over rounds; "
          f"{elapsed:.0f} s\n")
    print("| kind | none ns/syscall | " +
          " | ".join(f"{c} ns (delta)" for c in configs[1:]) + " | none's half-spread |")
    print("|---|---|" + "---|" * (len(configs) - 1) + "---|")
    for k in kinds:
        cells = [f"{fmt(med[c][k])} ({med[c][k] - med['none'][k]:+.1f})" for c in configs[1:]]
        print(f"| {k} | {fmt(med['none'][k])} | " + " | ".join(cells) + f" | {fmt(spread[k])} |")
    for h in HOOKS:
        if progs[h]:
            names = sorted({n for p in progs[h] for n in p})
            per = ", ".join(
                f"{n} {statistics.median(p[n] for p in progs[h] if n in p):.1f} ns/run"
                for n in names)
            print(f"\nbpf_stats, outside/{h}, every syscall on the host: {per}")
    for c, lost in notes.items():
        print(f"{c}: lost events per run {lost}")

    h = HOOKS[0]
    worst = max(kinds, key=lambda k: med[f"outside/{h}"][k] - med["none"][k])
    d = med[f"outside/{h}"][worst] - med["none"][worst]
    if d <= TARGET_NS:
        verdict = "met"
    elif d <= TARGET_NS + spread[worst]:
        verdict = "INCONCLUSIVE (within the noise of none's rounds)"
    else:
        verdict = f"not met (by {d - TARGET_NS:.1f} ns)"
    print(f"\ntarget: <= {TARGET_NS:.0f} ns per syscall outside every job ({h}): worst kind "
          f"{worst} {d:+.1f} ns: {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
