#!/usr/bin/env python3
"""Storm: a job doing 5,000 fork+exec+wait in a row has all 5,000 execs
recorded and reports 0 lost (a count, not a time), and the agent's lineage
table held no more than what ran at once (summary.memory). TAP; needs root
and BTF.

Runs `buildwarden run --events FILE -- storm 5000` (tests/fixtures/storm.c):
each child execs [storm, "storm-leaf", "<i>"] for i in 0..4999.
"""

import os
import re
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtap as T  # noqa: E402

N = 5000
STORM = os.path.abspath(os.path.join(T.FIXTURES, "storm"))
STORM_REAL = os.path.realpath(STORM)
STORM_REAL_B = os.fsencode(STORM_REAL)
TIMEOUT = 100  # seconds; the file must finish in < 2 minutes

S = {}


def ident(r):
    return (r.get("pid"), r.get("start_ns"))


def setup():
    with tempfile.TemporaryDirectory(prefix="bw-storm-") as d:
        events = os.path.join(d, "events.jsonl")
        S["token"] = T.new_token("storm")
        S["run"] = T.run([T.BUILDWARDEN, "run", "--events", events, "--", STORM, str(N)],
                         cwd=d, timeout=TIMEOUT, token=S["token"])
        S["records"], S["problems"] = T.read_events(events)
    T.kill_token(S["token"])
    recs = S["records"]
    S["execs"] = [r for r in recs if r.get("type") == "exec"]
    S["roots"] = [r for r in S["execs"]
                  if [T.b(a) for a in r.get("argv") or []] == [os.fsencode(STORM), str(N).encode()]]
    leaves = {}
    for r in S["execs"]:
        a = [T.b(x) for x in r.get("argv") or []]
        if len(a) == 3 and a[0] == STORM_REAL_B and a[1] == b"storm-leaf":
            leaves.setdefault(a[2], []).append(r)
    S["leaves"] = leaves
    S["forks"] = {ident(r): r for r in recs if r.get("type") == "fork"}
    S["exits"] = {}
    for r in recs:
        if r.get("type") == "exit":
            S["exits"].setdefault(ident(r), []).append(r)


def need_run():
    if "records" not in S:
        T.fail("setup did not complete: %s" % S.get("setup_error", "?"))


def t_run():
    need_run()
    r = S["run"]
    c = T.Checker()
    c.check(not r.timed_out, "buildwarden run timed out after %ds: %s" % (TIMEOUT, r.describe()))
    c.check(r.returncode == 0, "expected exit 0 (every child exited 0), got " + r.describe())
    c.done()


def t_stream():
    need_run()
    c = T.Checker()
    for p in S["problems"][:10]:
        c.check(False, p)
    for p in T.common_problems(S["records"]):
        c.check(False, p)
    c.done()


def t_all_execs():
    need_run()
    c = T.Checker()
    leaves = S["leaves"]
    want = {str(i).encode() for i in range(N)}
    missing = sorted(want - set(leaves), key=int)
    dup = sorted((k for k, v in leaves.items() if len(v) > 1), key=int)
    extra = sorted(set(leaves) - want)
    total = sum(len(v) for v in leaves.values())
    c.eq(total, N, "storm-leaf exec records")
    c.check(not missing, "%d indices missing, e.g. %r" % (len(missing), missing[:10]))
    c.check(not dup, "%d indices recorded more than once, e.g. %r" % (len(dup), dup[:10]))
    c.check(not extra, "unexpected indices %r" % extra[:10])
    c.eq(len(S["roots"]), 1, "exec records of the storm root")
    c.eq(len(S["execs"]), N + 1, "exec records in all")
    c.done()


def t_lost():
    need_run()
    s = T.summary_of(S["records"])
    if s is None:
        T.fail("no summary record")
    c = T.Checker()
    c.eq(s.get("lost"), 0, "summary.lost")
    c.eq(s.get("untracked"), 0, "summary.untracked")
    c.eq(len([r for r in S["records"] if r.get("type") == "lost"]), 0, "lost records")
    c.eq(s.get("execs"), len(S["execs"]), "summary.execs vs exec records")
    c.eq(s.get("exit_status"), 0, "summary.exit_status")
    c.done()


def t_lineage_exits():
    need_run()
    if len(S["roots"]) != 1:
        T.fail("no single storm root exec")
    rid = ident(S["roots"][0])
    c = T.Checker()
    bad_parent = bad_exit = 0
    n = 0
    for lst in S["leaves"].values():
        for e in lst:
            n += 1
            f = S["forks"].get(ident(e))
            if f is None or (f.get("parent_pid"), f.get("parent_start_ns")) != rid:
                bad_parent += 1
                if bad_parent <= 3:
                    c.check(False, "leaf %r: fork record %r, expected parent %r" % (
                        e.get("argv"), f and (f.get("parent_pid"), f.get("parent_start_ns")), rid))
            ex = S["exits"].get(ident(e), [])
            if len(ex) != 1 or ex[0].get("exit_code") != 0:
                bad_exit += 1
                if bad_exit <= 3:
                    c.check(False, "leaf %r: exit records %r" % (e.get("argv"), ex))
    c.check(n == N, "checked %d leaves, expected %d" % (n, N))
    c.eq(bad_parent, 0, "leaves without a fork record from the storm root")
    c.eq(bad_exit, 0, "leaves without exactly one exit record with exit_code 0")
    c.done()


def default_ringbuf_bytes():
    """`run`'s default ring buffer (kernel/loader.c): 1 MiB per CPU, 4 to 16 MiB."""
    mb = 4
    while mb < 16 and mb < (os.cpu_count() or 1):
        mb *= 2
    return mb << 20


def t_memory():
    """The summary's memory object: the agent's RSS and peak, the BPF map
    memory it holds, and a lineage table whose peak follows how many
    processes ran at once (here 2 or 3), not the 5,000 that ran and exited."""
    need_run()
    s = T.summary_of(S["records"])
    if s is None:
        T.fail("no summary record")
    m = s.get("memory")
    if not isinstance(m, dict):
        T.fail("summary.memory: %r, expected an object" % (m,))
    c = T.Checker()
    for k in ("rss_kib", "rss_peak_kib", "bpf_map_bytes", "bpf_maps", "proctab_entries",
              "proctab_peak", "proctab_exited_max"):
        c.check(isinstance(m.get(k), int) and not isinstance(m.get(k), bool),
                "memory.%s: %r, expected an integer" % (k, m.get(k)))
    if c.problems:
        c.done()
    c.check(1024 <= m["rss_kib"] <= m["rss_peak_kib"] < 1 << 20,
            "memory.rss_kib %d, rss_peak_kib %d: expected 1 MiB <= rss <= peak < 1 GiB"
            % (m["rss_kib"], m["rss_peak_kib"]))
    ring = default_ringbuf_bytes()
    # The ring buffer alone is that big; every map together far less than 1 GiB.
    c.check(ring <= m["bpf_map_bytes"] < 1 << 30,
            "memory.bpf_map_bytes %d: expected at least the %d-byte ring buffer"
            % (m["bpf_map_bytes"], ring))
    c.check(m["bpf_maps"] >= 5, "memory.bpf_maps %d: expected the process object's maps"
            % m["bpf_maps"])
    c.check(100 <= m["proctab_exited_max"] < N,
            "memory.proctab_exited_max %d: expected the default, below %d"
            % (m["proctab_exited_max"], N))
    # The storm, its running child, the kept finished ones; never the 5,001.
    c.check(m["proctab_peak"] <= m["proctab_exited_max"] + 8,
            "memory.proctab_peak %d after %d processes: more than the %d finished ones "
            "kept plus those that ran at once" % (m["proctab_peak"], N + 1,
                                                 m["proctab_exited_max"]))
    c.check(m["proctab_entries"] <= m["proctab_peak"],
            "memory.proctab_entries %d > proctab_peak %d" % (m["proctab_entries"],
                                                            m["proctab_peak"]))
    c.eq(s.get("processes"), N + 1, "summary.processes (exact although pruned)")
    c.eq(s.get("pruned"), N + 1 - m["proctab_entries"], "summary.pruned")
    c.done()


def kernel_map_memory(pid):
    """The kernel's memlock of every BPF map pid holds, each map once: {map_id: bytes}."""
    maps = {}
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)) != "anon_inode:bpf-map":
                continue
            with open("/proc/%d/fdinfo/%s" % (pid, fd)) as f:
                info = f.read()
        except OSError:
            continue  # closed meanwhile
        mid, mem = re.search(r"\nmap_id:\s*(\d+)", info), re.search(r"\nmemlock:\s*(\d+)", info)
        if mid and mem:
            maps[int(mid.group(1))] = int(mem.group(1))
    return maps


def t_map_memory_exact():
    """summary.memory's BPF map figures are the kernel's, to the byte: what
    the agent's map descriptors show in /proc while its job runs (the
    preallocated maps' part is read once at load, the rest at the end)."""
    with tempfile.TemporaryDirectory(prefix="bw-mapmem-") as d:
        events, gate = os.path.join(d, "events.jsonl"), os.path.join(d, "gate")
        os.mkfifo(gate)
        agent = subprocess.Popen([T.BUILDWARDEN, "run", "--events", events, "--no-tree", "--",
                                  "/bin/sh", "-c", 'read _ < "$0"', gate],
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE, start_new_session=True)
        try:
            # Opened once the build's shell reads it: the agent is loaded by then.
            with open(gate, "w") as g:
                live = kernel_map_memory(agent.pid)
                g.write("go\n")
            _, err = agent.communicate(timeout=60)
        finally:
            T.kill_group(agent)
        if agent.returncode != 0:
            T.fail("run exited %s: %s" % (agent.returncode, err.decode("utf-8", "replace")))
        s = T.summary_of(T.read_events(events)[0]) or {}
    m = s.get("memory") or {}
    c = T.Checker()
    c.check(len(live) >= 5, "the agent held %d BPF maps while its job ran" % len(live))
    c.eq(m.get("bpf_maps"), len(live), "summary.memory.bpf_maps (maps the agent held)")
    c.eq(m.get("bpf_map_bytes"), sum(live.values()),
         "summary.memory.bpf_map_bytes (the kernel's memlock of those maps)")
    c.done()


TESTS = [
    ("run storm %d: exits 0 within %ds" % (N, TIMEOUT), t_run),
    ("event stream: JSON lines, common fields, seq 1..n, summary last", t_stream),
    ("all %d fork+exec execs recorded, each exactly once" % N, t_all_execs),
    ("summary reports 0 lost (and no lost records)", t_lost),
    ("every leaf forked by the storm root and exited 0", t_lineage_exits),
    ("summary.memory: RSS, BPF map memory, lineage table bounded by what runs at once",
     t_memory),
    ("summary.memory: BPF map memory and count equal the kernel's for the maps held",
     t_map_memory_exact),
]


def main():
    skip = T.skip_reason()
    if not skip:
        if not os.access(STORM, os.X_OK):
            print("1..1")
            print("not ok 1 - fixture %s not built (make test-build)" % STORM)
            return 1
        try:
            setup()
        except Exception as e:
            import traceback
            S["setup_error"] = "%s\n%s" % (e, traceback.format_exc())
            S.pop("records", None)
    try:
        return T.tap_run(TESTS, skip)
    finally:
        if "token" in S:
            T.kill_token(S["token"])


if __name__ == "__main__":
    T.main_guard(main)
