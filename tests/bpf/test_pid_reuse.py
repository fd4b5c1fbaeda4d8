#!/usr/bin/env python3
"""A recycled pid never grafts a new process onto an old ancestry (TAP;
needs root and BTF).

tests/fixtures/pid_reuse, copied as bwroot, bwmiddle and bwleaf, runs as the
job root R:  R forks A, A execs "bwleaf leaf A" and exits, pid P is free;
R forks C, C execs bwmiddle, which writes P-1 to
/proc/sys/kernel/ns_last_pid and forks at once (retrying when another
process took P; then clone3 set_tid as a fallback), so C's child B gets the
global pid P again, and B execs "bwleaf leaf B".

     R (bwroot) --- A (pid P, bwleaf leaf A)            exits first
                `-- C (bwmiddle) --- B (pid P, bwleaf leaf B)

Asserted: two exec records with pid P and different start_ns; fork and exec
records give A the parent R and B the parent C; one exit record each; and
policy verdicts follow the true lineage, in userspace (alert rules keyed
on the parent's basename) and in the kernel (deny rules keyed on the parent
or an ancestor's basename): the rule meant for A never fires for B and the
other way round. If pid P could not be had, each test reports
"# SKIP could not reuse pid" (never a vacuous pass).
"""

import os
import re
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtap as T  # noqa: E402
import bwpolicy as P  # noqa: E402

S = {}


def setup():
    sc = S["sc"] = P.Scratch("bw-pidreuse-")
    S["root"] = sc.copy_fixture("pid_reuse", "bin", "bwroot")
    S["middle"] = sc.copy_fixture("pid_reuse", "bin", "bwmiddle")
    S["leaf"] = sc.copy_fixture("pid_reuse", "bin", "bwleaf")


def reuse_run(case, rules):
    """Run the fixture under a policy; returns (job, info) or raises Skip."""
    sc = S["sc"]
    pol = sc.write(P.policy_yaml(rules), case, "p.yaml")
    job = P.bw_run(sc, pol, [S["root"], "root", S["leaf"], S["middle"]], timeout=60,
                   name="pidreuse-" + case)
    out = job.stdout
    if "no reuse" in out:
        raise T.Skip("could not reuse pid (%s)" % out.strip().splitlines()[-1])
    a = re.search(r"^A pid=(\d+) status=(\d+)$", out, re.M)
    b = re.search(r"^B pid=(\d+) status=(\d+) method=(\S+) tries=(\d+)$", out, re.M)
    if not a or not b:
        T.fail("fixture output not understood (%s):\n%r" % (job.run.describe(), out))
    info = dict(p=int(a.group(1)), a_status=int(a.group(2)), b_pid=int(b.group(1)),
                b_status=int(b.group(2)), method=b.group(3), tries=int(b.group(4)))
    S.setdefault("methods", []).append("%s: pid %d reused via %s after %d tries" % (
        case, info["p"], info["method"], info["tries"]))
    return job, info


def lineage(c, job, info):
    """Checks the two incarnations of pid P; returns (root, C, A, B) exec records."""
    c.check(not job.run.timed_out, "timed out: " + job.run.describe())
    c.check(job.run.returncode == 0, "expected exit 0, got " + job.run.describe())
    for p in job.stream_problems()[:5]:
        c.check(False, "event stream: " + p)
    c.eq((job.summary or {}).get("lost"), 0, "summary.lost")
    p = info["p"]
    c.eq(info["b_pid"], p, "B's pid equals A's (the fixture's report)")
    root = job.root_exec() or {}
    c.eq(root.get("exe"), S["root"], "the first exec is the job root bwroot")
    mids = [e for e in job.execs if e.get("exe") == S["middle"]]
    at_p = [e for e in job.execs if e.get("pid") == p]
    tags = [(e.get("argv") or [None])[1:] for e in at_p]
    c.eq(sorted(map(tuple, tags)), [("leaf", "A"), ("leaf", "B")],
         "argv tags of the exec records with pid %d" % p)
    if not (c.eq(len(mids), 1, "exec records of bwmiddle") and len(at_p) == 2):
        c.done()
    a = next(e for e in at_p if e["argv"][2] == "A")
    b = next(e for e in at_p if e["argv"][2] == "B")
    mid = mids[0]
    c.check(a.get("start_ns") != b.get("start_ns"),
            "A and B have the same start_ns %r" % a.get("start_ns"))
    c.check(a.get("seq") < b.get("seq"), "A's exec not recorded before B's")
    for who, e, parent in (("A", a, root), ("B", b, mid)):
        fk = [f for f in job.forks if P.ident(f) == P.ident(e)]
        if c.eq(len(fk), 1, "fork records of %s %r" % (who, P.ident(e))):
            c.eq((fk[0].get("parent_pid"), fk[0].get("parent_start_ns")), P.ident(parent),
                 "%s's fork record: parent (pid, start_ns)" % who)
        c.eq((e.get("ppid"), e.get("parent_start_ns")), P.ident(parent),
             "%s's exec record: ppid, parent_start_ns" % who)
        ex = job.exits.get(P.ident(e), [])
        c.eq(len(ex), 1, "exit records of %s" % who)
        c.check(e.get("exe") == S["leaf"], "%s's exe %r" % (who, e.get("exe")))
    # C is the root's child, and the exited A is nobody's parent.
    c.eq((mid.get("ppid"), mid.get("parent_start_ns")), P.ident(root), "bwmiddle's parent")
    c.check(not [f for f in job.forks if (f.get("parent_pid"), f.get("parent_start_ns"))
                 == P.ident(a)], "a fork record names the exited A as a parent")
    return root, mid, a, b


def verdicts_of(job, e):
    return [v for v in job.verdicts if P.ident(v) == P.ident(e)]


def t_userspace():
    job, info = reuse_run("alert", [
        ("leaf-under-middle", "high", "alert", ["basename: bwleaf",
                                                "parent: {basename: bwmiddle}"]),
        ("leaf-under-root", "high", "alert", ["basename: bwleaf",
                                              "parent: {basename: bwroot}"]),
    ])
    c = T.Checker()
    root, mid, a, b = lineage(c, job, info)
    c.eq((info["a_status"], info["b_status"]), (0, 0), "A and B exit statuses")
    va, vb = verdicts_of(job, a), verdicts_of(job, b)
    c.eq([v.get("rule") for v in va], ["leaf-under-root"], "rules fired for A")
    c.eq([v.get("rule") for v in vb], ["leaf-under-middle"], "rules fired for B")
    if vb:
        c.eq([P.ident(x) for x in vb[0].get("ancestry") or []],
             [P.ident(root), P.ident(mid)], "B's verdict ancestry (root, C)")
    if va:
        c.eq([P.ident(x) for x in va[0].get("ancestry") or []],
             [P.ident(root)], "A's verdict ancestry (root)")
    c.eq(len(job.verdicts), 2, "verdicts in all")
    c.done()


def t_kernel_parent():
    """deny bwleaf whose parent is bwroot: A is blocked; B, same pid, runs."""
    job, info = reuse_run("deny-parent", [
        ("deny-leaf-under-root", "high", "deny", ["basename: bwleaf",
                                                  "parent: {basename: bwroot}"])])
    c = T.Checker()
    root, mid, a, b = lineage(c, job, info)
    c.eq((info["a_status"], info["b_status"]), (137, 0),
         "A (denied) and B (same pid, other parent) statuses")
    va, vb = verdicts_of(job, a), verdicts_of(job, b)
    c.eq([(v.get("rule"), v.get("blocked")) for v in va],
         [("deny-leaf-under-root", True)], "verdicts for A")
    c.eq(vb, [], "verdicts for B")
    c.eq((job.exit_of(a) or {}).get("signal"), 9, "A's exit signal")
    c.eq((job.exit_of(b) or {}).get("exit_code"), 0, "B's exit code")
    c.done()


def t_kernel_ancestor():
    """deny bwleaf below bwmiddle: B is blocked; A, same pid earlier, ran."""
    job, info = reuse_run("deny-ancestor", [
        ("deny-leaf-below-middle", "high", "deny", ["basename: bwleaf",
                                                    "ancestor: {basename: bwmiddle}"])])
    c = T.Checker()
    root, mid, a, b = lineage(c, job, info)
    c.eq((info["a_status"], info["b_status"]), (0, 137),
         "A (allowed) and B (denied, same pid) statuses")
    va, vb = verdicts_of(job, a), verdicts_of(job, b)
    c.eq(va, [], "verdicts for A")
    c.eq([(v.get("rule"), v.get("blocked")) for v in vb],
         [("deny-leaf-below-middle", True)], "verdicts for B")
    if vb:
        c.eq([P.ident(x) for x in vb[0].get("ancestry") or []],
             [P.ident(root), P.ident(mid)], "B's verdict ancestry (root, C)")
    c.eq((job.exit_of(b) or {}).get("signal"), 9, "B's exit signal")
    c.done()


TESTS = [
    ("pid reuse: lineage by (pid, start_ns); userspace parent rules follow the true parent",
     t_userspace),
    ("pid reuse: kernel deny keyed on parent bwroot blocks A, not B with A's pid",
     t_kernel_parent),
    ("pid reuse: kernel deny keyed on ancestor bwmiddle blocks B, not A with B's pid",
     t_kernel_ancestor),
]


def main():
    skip = T.skip_reason()
    if not skip:
        miss = P.missing_fixtures(["pid_reuse"])
        if miss:
            print("1..1")
            print("not ok 1 - %s" % miss)
            return 1
        setup()
    try:
        return T.tap_run(TESTS, skip)
    finally:
        if "sc" in S:
            S["sc"].cleanup()


if __name__ == "__main__":
    T.main_guard(main)
