#!/usr/bin/env python3
"""Every kind of exec a build can do is recorded exactly once, with the right
lineage and argv, and nothing outside the job is (TAP; needs root and BTF).

Runs `buildwarden run --events FILE -- exec_zoo all` (tests/fixtures/exec_zoo.c
documents what the fixture does) while a busy loop runs outside the job, then
checks the JSON-lines stream against docs/EVENTS.md. Also checks that the
build's exit status (or 128+signal) is passed on, and `--events -`.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtap as T  # noqa: E402

ZOO = os.path.abspath(os.path.join(T.FIXTURES, "exec_zoo"))
ZOO_REAL = os.path.realpath(ZOO)
ZOO_B = os.fsencode(ZOO)
ZOO_REAL_B = os.fsencode(ZOO_REAL)
ZOO_BASE = os.path.basename(ZOO_REAL)
BIN_TRUE_REAL = os.path.realpath("/bin/true")

ENOENT_PATH = "/nonexistent/buildwarden-zoo-enoent"
ENOENT_AT_PATH = "/nonexistent/buildwarden-zoo-enoent-at"
ARGS_MAX = 16384  # BW_ARGS_MAX: argv bytes kept, NUL-separated
BIGARG = (b"0123456789abcdef" * (128 * 1024 // 16 + 1))[:128 * 1024 - 1]

# Keep in sync with weird_args[] in tests/fixtures/exec_zoo.c.
WEIRD_ARGS = [
    b"with space",
    b"  leading and trailing  ",
    b'double"quote',
    b"single'quote",
    b"new\nline",
    b"tab\there",
    b"\xff\xfe",
    b"",
    b"back\\slash",
    b"esc\x1b[0m",
    "utf8 \u00fc \u20ac".encode("utf-8"),
    b"mixed\xff\xc3\xbcend",
    b"-",
    b"--",
    b"last",
]

# Tags of the leaf execs the fixture performs, in order, with how each ends.
# parent: "root" (forked by the job root) or "grandchild" (double fork).
LEAVES = {
    "fork_exec": dict(parent="root", exit=(0, None)),
    "bin_true": dict(parent="root", exit=(0, None)),
    "exit7": dict(parent="root", exit=(7, None)),
    "sigterm": dict(parent="root", exit=(None, signal.SIGTERM)),
    "double_fork": dict(parent="grandchild", exit=(0, None)),
    "daemon": dict(parent="grandchild", exit=(0, None)),
    "setsid": dict(parent="root", exit=(0, None)),
    "execveat": dict(parent="root", exit=(0, None)),
    "fexecve": dict(parent="root", exit=(0, None)),
    "thread_exec": dict(parent="root", exit=(0, None)),
    "after_enoent": dict(parent="root", exit=(0, None)),
    "weird_argv": dict(parent="root", exit=(0, None)),
    "argv1000": dict(parent="root", exit=(0, None)),
    "bigarg": dict(parent="root", exit=(0, None)),
}
N_EXECS = 1 + len(LEAVES)          # the root's exec and one per leaf
N_EXEC_FAILED = 2                  # execve + execveat of a missing path
N_FORKS = 14 + 2                   # root forks 14 children; two of them fork once
N_PROCESSES = 1 + 14 + 2

S = {}  # results of setup(), shared by the tests


def ident(r):
    return (r.get("pid"), r.get("start_ns"))


def argv_b(r):
    return [T.b(a) for a in r.get("argv") or []]


def tag_of(r):
    """The scenario tag of an exec record, 'ROOT', or None."""
    a = argv_b(r)
    if a == [ZOO_B, b"all"]:
        return "ROOT"
    if len(a) >= 3 and a[1] == b"leaf":
        return a[2].decode("utf-8", "replace")
    if len(a) == 2 and a[1] == b"zoo-bin-true":
        return "bin_true"
    return None


def setup():
    tmp = tempfile.TemporaryDirectory(prefix="bw-zoo-")
    S["tmpobj"] = tmp
    d = os.path.realpath(tmp.name)
    S["tmp"] = d
    events = os.path.join(d, "events.jsonl")

    # A busy loop outside the job, running for the whole run.
    marker = "bw-outside-marker-%d-%d" % (os.getpid(), time.monotonic_ns())
    count = os.path.join(d, "outside.count")
    open(count, "wb").close()
    loop = subprocess.Popen(
        ["bash", "-c", 'while :; do /bin/true "$1"; printf x >>"$2"; done',
         "bw-outside", marker, count],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
        start_new_session=True)
    try:
        deadline = time.monotonic() + 10
        while os.path.getsize(count) == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        before = os.path.getsize(count)
        S["token"] = T.new_token("zoo")
        S["run"] = T.run([T.BUILDWARDEN, "run", "--events", events, "--", ZOO, "all"],
                         cwd=d, timeout=60, token=S["token"])
        after = os.path.getsize(count)
    finally:
        T.kill_group(loop)
        loop.wait()
    S["marker"], S["loop_pid"] = marker, loop.pid
    S["outside_iterations"] = (before, after)

    time.sleep(0.2)  # let a straggling daemonised leaf, if any, finish
    S["leftovers"] = T.live_procs_with_token(S["token"])
    T.kill_token(S["token"])

    records, problems = T.read_events(events)
    S["records"], S["parse_problems"] = records, problems
    S["execs"] = [r for r in records if r.get("type") == "exec"]
    S["failed"] = [r for r in records if r.get("type") == "exec_failed"]
    S["forks"] = {}
    for r in records:
        if r.get("type") == "fork":
            S["forks"].setdefault(ident(r), []).append(r)
    S["exits"] = {}
    for r in records:
        if r.get("type") == "exit":
            S["exits"].setdefault(ident(r), []).append(r)
    S["by_tag"] = {}
    for r in S["execs"]:
        S["by_tag"].setdefault(tag_of(r), []).append(r)


def need_run():
    if "records" not in S:
        T.fail("setup did not complete: %s" % S.get("setup_error", "?"))


def root_exec():
    need_run()
    roots = S["by_tag"].get("ROOT", [])
    if len(roots) != 1:
        T.fail("expected exactly one exec of the job root %r, found %d" % (
            [ZOO, "all"], len(roots)))
    return roots[0]


# ---------------------------------------------------------------- tests

def t_exit_status():
    need_run()
    r = S["run"]
    c = T.Checker()
    c.check(not r.timed_out, "buildwarden run timed out: " + r.describe())
    c.check(r.returncode == 0, "expected exit 0 (the fixture's), got " + r.describe())
    c.eq(r.stdout, b"", "stdout of buildwarden run (the fixture prints nothing)")
    c.check(b"exec_zoo" in r.stderr,
            "stderr has no process tree mentioning exec_zoo: " + r.describe())
    c.done()


def t_tree():
    # Alike sibling leaves may be folded into one line ("x8"), so only the
    # root's command line and a double-forked leaf (own subtree) are required.
    need_run()
    err = S["run"].stderr.decode("utf-8", "replace")
    c = T.Checker()
    for want in ("%s all" % ZOO, "leaf double_fork", "leaf daemon"):
        c.check(want in err, "the process tree on stderr does not show %r:\n%s"
                % (want, err[-3000:]))
    c.done()


def t_json():
    need_run()
    c = T.Checker()
    for p in S["parse_problems"][:10]:
        c.check(False, p)
    c.check(len(S["records"]) > 0, "no records parsed")
    c.done()


def t_common_fields_seq():
    need_run()
    problems = T.common_problems(S["records"])
    if problems:
        T.fail("\n".join(problems))


def t_summary():
    need_run()
    s = T.summary_of(S["records"])
    if s is None:
        T.fail("no summary record")
    c = T.Checker()
    c.eq(s.get("lost"), 0, "summary.lost")
    c.eq(s.get("untracked"), 0, "summary.untracked")
    # The fixture waits for its daemonised leaves (pipe EOF) before exiting.
    c.eq(s.get("still_running"), 0, "summary.still_running")
    c.eq(s.get("exit_status"), 0, "summary.exit_status")
    c.eq(s.get("build_exit_code"), 0, "summary.build_exit_code")
    c.eq(s.get("build_signal"), None, "summary.build_signal")
    c.eq(s.get("command"), [ZOO, "all"], "summary.command")
    c.check(isinstance(s.get("duration_ns"), int) and s["duration_ns"] > 0,
            "summary.duration_ns %r" % s.get("duration_ns"))
    lost = [r for r in S["records"] if r.get("type") == "lost"]
    c.eq(len(lost), 0, "number of lost records")
    c.done()


def t_summary_counts():
    need_run()
    s = T.summary_of(S["records"]) or T.fail("no summary record")
    types = [r.get("type") for r in S["records"]]
    c = T.Checker()
    for key, typ in (("execs", "exec"), ("exec_failed", "exec_failed"),
                     ("forks", "fork"), ("exits", "exit")):
        c.eq(s.get(key), types.count(typ), "summary.%s vs number of %s records" % (key, typ))
    c.done()


def t_root():
    r = root_exec()
    c = T.Checker()
    c.eq(r.get("filename"), ZOO, "root exec filename")
    c.eq(r.get("exe"), ZOO_REAL, "root exec exe")
    c.eq(r.get("argc"), 2, "root exec argc")
    c.eq(r.get("argv_truncated"), False, "root exec argv_truncated")
    c.eq(r.get("cwd"), S["tmp"], "root exec cwd")
    c.eq(r.get("comm"), ZOO_BASE[:15], "root exec comm")
    for k in ("uid", "euid", "gid", "egid"):
        c.eq(r.get(k), 0, "root exec " + k)
    c.check(isinstance(r.get("cgroup_id"), int), "root exec cgroup_id %r" % r.get("cgroup_id"))
    c.eq(r.get("old_tid"), r.get("pid"), "root exec old_tid")
    ex = S["exits"].get(ident(r), [])
    if c.eq(len(ex), 1, "exit records of the job root"):
        c.eq(ex[0].get("exit_code"), 0, "root exit_code")
        c.eq(ex[0].get("signal"), None, "root exit signal")
    c.done()


def check_leaf(tag, want_argv, filenames, exe, comm=None, extra=None):
    """One leaf exec: exactly once, lineage, argv, flags, exit."""
    root = root_exec()
    rid = ident(root)
    spec = LEAVES[tag]
    found = S["by_tag"].get(tag, [])
    if len(found) != 1:
        T.fail("exec with tag %r: expected exactly 1, found %d%s" % (
            tag, len(found), "".join("\n  %r" % {k: e.get(k) for k in (
                "seq", "pid", "start_ns", "filename")} for e in found)))
    e = found[0]
    c = T.Checker()
    eid = ident(e)

    # Lineage: who forked this process, by (pid, start_ns).
    forks = S["forks"].get(eid, [])
    if c.eq(len(forks), 1, "fork records of the %s process %r" % (tag, eid)):
        f = forks[0]
        parent = (f.get("parent_pid"), f.get("parent_start_ns"))
        c.check(f.get("seq", 0) < e.get("seq", 0), "fork recorded after exec")
        if spec["parent"] == "root":
            c.eq(parent, rid, "%s: forked by the job root (parent_pid, parent_start_ns)" % tag)
            c.eq((e.get("ppid"), e.get("parent_start_ns")), rid,
                 "%s: exec ppid/parent_start_ns" % tag)
        else:
            mid = S["forks"].get(parent, [])
            if c.eq(len(mid), 1, "%s: fork records of the intermediate %r" % (tag, parent)):
                c.eq((mid[0].get("parent_pid"), mid[0].get("parent_start_ns")), rid,
                     "%s: intermediate forked by the job root" % tag)
            c.check(not any(ident(x) == parent for x in S["execs"]),
                    "%s: the intermediate (never execs) has an exec record" % tag)
            mex = S["exits"].get(parent, [])
            if c.eq(len(mex), 1, "%s: exit records of the intermediate" % tag):
                c.eq(mex[0].get("exit_code"), 0, "%s: intermediate exit_code" % tag)
            c.check(e.get("ppid") != parent[0],
                    "%s: exec ppid is still the exited intermediate %r (not reparented)"
                    % (tag, parent[0]))

    # What ran.
    got = argv_b(e)
    if want_argv is not None:
        if not c.check(got == want_argv, "%s: argv differs" % tag):
            c.problems.append("  expected (%d) %r" % (len(want_argv), want_argv[:20]))
            c.problems.append("  got      (%d) %r" % (len(got), got[:20]))
            for i, (g, w) in enumerate(zip(got, want_argv)):
                if g != w:
                    c.problems.append("  first difference at argv[%d]: %r != %r" % (i, g, w))
                    break
        c.eq(e.get("argc"), len(want_argv), "%s: argc" % tag)
        c.eq(e.get("argv_truncated"), False, "%s: argv_truncated" % tag)
    c.check(e.get("filename") in filenames,
            "%s: filename %r, expected one of %r" % (tag, e.get("filename"), filenames))
    c.eq(e.get("exe"), exe, "%s: exe" % tag)
    for k in ("filename_truncated", "exe_truncated", "cwd_truncated"):
        c.eq(e.get(k), False, "%s: %s" % (tag, k))
    c.eq(e.get("cwd"), S["tmp"], "%s: cwd" % tag)
    if comm is not None:
        c.eq(e.get("comm"), comm, "%s: comm" % tag)
    if tag != "thread_exec":
        c.eq(e.get("old_tid"), e.get("pid"), "%s: old_tid" % tag)
    for k in ("uid", "euid", "gid", "egid"):
        c.eq(e.get(k), 0, "%s: %s" % (tag, k))

    # How it ended.
    ex = S["exits"].get(eid, [])
    if c.eq(len(ex), 1, "%s: exit records of the process" % tag):
        code, sig = spec["exit"]
        c.eq(ex[0].get("exit_code"), code, "%s: exit_code" % tag)
        c.eq(ex[0].get("signal"), None if sig is None else int(sig), "%s: signal" % tag)
        c.eq(ex[0].get("core_dumped"), False, "%s: core_dumped" % tag)
        c.check(ex[0].get("seq", 0) > e.get("seq", 0), "%s: exit recorded before exec" % tag)
    if extra:
        extra(c, e)
    c.done()


def leaf_argv(tag, *more):
    return [ZOO_REAL_B, b"leaf", tag.encode()] + list(more)


def simple_leaf(tag):
    return lambda: check_leaf(tag, leaf_argv(tag), [ZOO_REAL], ZOO_REAL, ZOO_BASE[:15])


def t_bin_true():
    check_leaf("bin_true", [b"/bin/true", b"zoo-bin-true"], ["/bin/true"],
               BIN_TRUE_REAL, "true")


def arg_value(e, key):
    """N from the 'key=N' argument the fixture appended (argv[3])."""
    a = argv_b(e)
    if len(a) < 4 or not a[3].startswith(key.encode() + b"="):
        T.fail("exec has no %s=N argument: %r" % (key, a))
    return int(a[3].split(b"=", 1)[1])


def t_execveat():
    e = (S.get("by_tag", {}).get("execveat") or [None])[0]
    n = arg_value(e, "dirfd") if e else -1
    # bprm->filename for execveat(dirfd, "name") is "/dev/fd/N/name"; the
    # path as passed ("name") is also acceptable per docs/EVENTS.md.
    check_leaf("execveat",
               [ZOO_BASE.encode(), b"leaf", b"execveat", b"dirfd=%d" % n],
               ["/dev/fd/%d/%s" % (n, ZOO_BASE), ZOO_BASE], ZOO_REAL)


def t_fexecve():
    e = (S.get("by_tag", {}).get("fexecve") or [None])[0]
    n = arg_value(e, "fd") if e else -1
    check_leaf("fexecve", leaf_argv("fexecve", b"fd=%d" % n), ["/dev/fd/%d" % n], ZOO_REAL)


def t_thread_exec():
    e = (S.get("by_tag", {}).get("thread_exec") or [None])[0]
    tid = arg_value(e, "tid") if e else -1

    def extra(c, ev):
        c.eq(ev.get("old_tid"), tid, "thread_exec: old_tid (the exec'ing thread)")
        c.check(ev.get("old_tid") != ev.get("pid"),
                "thread_exec: old_tid %r == pid %r" % (ev.get("old_tid"), ev.get("pid")))
        c.check(not any(k[0] == tid for k in S["forks"]),
                "thread_exec: a fork record for the thread %d (threads are not reported)" % tid)

    check_leaf("thread_exec", leaf_argv("thread_exec", b"tid=%d" % tid), [ZOO_REAL],
               ZOO_REAL, ZOO_BASE[:15], extra)


def t_weird_argv():
    check_leaf("weird_argv", leaf_argv("weird_argv", *WEIRD_ARGS), [ZOO_REAL], ZOO_REAL)


def t_argv1000():
    want = leaf_argv("argv1000") + [b"arg%04d" % i for i in range(3, 1000)]
    assert len(want) == 1000
    check_leaf("argv1000", want, [ZOO_REAL], ZOO_REAL)


def t_bigarg():
    def extra(c, e):
        a = argv_b(e)
        c.eq(e.get("argc"), 5, "bigarg: argc (the kernel's count)")
        c.eq(e.get("argv_truncated"), True, "bigarg: argv_truncated")
        c.check(a[:3] == leaf_argv("bigarg"), "bigarg: argv[0..2] %r" % a[:3])
        c.check(3 <= len(a) <= 4, "bigarg: %d argv elements kept, expected 3 or 4" % len(a))
        if len(a) >= 4:
            c.check(BIGARG.startswith(a[3]),
                    "bigarg: argv[3] (%d bytes) is not a prefix of the big argument"
                    % len(a[3]))
            c.check(len(a[3]) < len(BIGARG), "bigarg: argv[3] not cut")
        # NUL-separated; the cut last element need not have its NUL stored.
        kept = sum(len(x) + 1 for x in a) - 1
        c.check(kept <= ARGS_MAX, "bigarg: %d argv bytes kept, limit %d" % (kept, ARGS_MAX))

    check_leaf("bigarg", None, [ZOO_REAL], ZOO_REAL, ZOO_BASE[:15], extra)


def t_enoent():
    need_run()
    after = S["by_tag"].get("after_enoent", [])
    if len(after) != 1:
        T.fail("expected one exec 'after_enoent', found %d" % len(after))
    a = after[0]
    c = T.Checker()
    mine = [f for f in S["failed"] if f.get("pid") == a.get("pid")]
    c.eq(len(S["failed"]), N_EXEC_FAILED, "number of exec_failed records in the job")
    if c.eq(len(mine), 2, "exec_failed records of the process %r" % a.get("pid")):
        for f, path, at in ((mine[0], ENOENT_PATH, False), (mine[1], ENOENT_AT_PATH, True)):
            c.eq(f.get("filename"), path, "exec_failed filename")
            c.eq(f.get("errno"), "ENOENT", "exec_failed errno for %s" % path)
            c.eq(f.get("error"), -2, "exec_failed error for %s" % path)
            c.eq(f.get("execveat"), at, "exec_failed execveat flag for %s" % path)
            c.eq(f.get("start_ns"), a.get("start_ns"), "exec_failed start_ns for %s" % path)
            c.eq(f.get("comm"), ZOO_BASE[:15], "exec_failed comm for %s" % path)
            c.check(f.get("seq", 0) < a.get("seq", 0),
                    "exec_failed for %s recorded after the later exec" % path)
    c.done()


def t_exactly_expected():
    need_run()
    c = T.Checker()
    unknown = [e for e in S["execs"] if tag_of(e) not in LEAVES and tag_of(e) != "ROOT"]
    for e in unknown[:10]:
        c.check(False, "unexpected exec: %r" % {k: e.get(k) for k in (
            "seq", "pid", "filename", "argv")})
    c.eq(len(S["execs"]), N_EXECS, "number of exec records")
    for tag in LEAVES:
        c.eq(len(S["by_tag"].get(tag, [])), 1, "exec records tagged %r" % tag)
    c.eq(len(S["failed"]), N_EXEC_FAILED, "number of exec_failed records")
    root = root_exec()
    job_forks = sum(len(v) for k, v in S["forks"].items() if k != ident(root))
    c.eq(job_forks, N_FORKS, "fork records of processes below the job root")
    c.done()


def t_exits():
    need_run()
    root = root_exec()
    procs = {ident(root)} | {k for k in S["forks"] if k != ident(root)}
    c = T.Checker()
    c.eq(len(procs), N_PROCESSES, "processes in the job (root + forked)")
    for p in sorted(procs, key=str):
        c.eq(len(S["exits"].get(p, [])), 1, "exit records of process %r" % (p,))
    for p in S["exits"]:
        c.check(p in procs, "exit record of a process never forked in the job: %r" % (p,))
    for lst in S["exits"].values():
        for x in lst:
            ok = (isinstance(x.get("exit_code"), int)) != (isinstance(x.get("signal"), int))
            c.check(ok, "exit record needs exactly one of exit_code/signal: %r" % x)
    c.done()


def t_outside():
    need_run()
    c = T.Checker()
    before, after = S["outside_iterations"]
    c.check(after > before, "the outside loop did not run during the job (%d -> %d)"
            % (before, after))
    c.check(len(S["records"]) > 0, "no records")
    marker, lp = S["marker"], S["loop_pid"]
    hits = [r for r in S["records"] if marker in json.dumps(r)]
    c.eq(len(hits), 0, "records mentioning the outside marker")
    for r in hits[:3]:
        c.problems.append("  %r" % r)
    pids = [r for r in S["records"]
            if lp in (r.get("pid"), r.get("ppid"), r.get("parent_pid"))]
    c.eq(len(pids), 0, "records about the outside loop's pid %d" % lp)
    c.done()


def t_nothing_left():
    need_run()
    if S["leftovers"]:
        T.fail("job processes still running after buildwarden exited: %r" % S["leftovers"])


def small_run(cmd, timeout=15, events_arg=None):
    with tempfile.TemporaryDirectory(prefix="bw-zoo-") as d:
        ev = os.path.join(d, "ev.jsonl")
        token = T.new_token("zoo-small")
        r = T.run([T.BUILDWARDEN, "run", "--events", events_arg or ev, "--"] + cmd,
                  cwd=d, timeout=timeout, token=token)
        T.kill_token(token)
        if events_arg == "-":
            recs, probs = [], []
            path = os.path.join(d, "stdout.jsonl")
            with open(path, "wb") as f:
                f.write(r.stdout)
            recs, probs = T.read_events(path)
        else:
            recs, probs = T.read_events(ev)
    return r, recs, probs


def t_status_7():
    r, recs, probs = small_run(["sh", "-c", "exit 7"])
    c = T.Checker()
    c.check(r.returncode == 7, "expected exit 7, got " + r.describe())
    c.check(not probs, "events: %r" % probs[:3])
    s = T.summary_of(recs)
    if c.check(s is not None, "no summary"):
        c.eq(s.get("exit_status"), 7, "summary.exit_status")
        c.eq(s.get("build_exit_code"), 7, "summary.build_exit_code")
        c.eq(s.get("build_signal"), None, "summary.build_signal")
    c.done()


def t_status_signal():
    r, recs, probs = small_run(["sh", "-c", "kill -TERM $$; sleep 5"])
    c = T.Checker()
    c.check(r.returncode == 128 + signal.SIGTERM,
            "expected exit %d (128+SIGTERM), got %s" % (128 + signal.SIGTERM, r.describe()))
    c.check(not probs, "events: %r" % probs[:3])
    s = T.summary_of(recs)
    if c.check(s is not None, "no summary"):
        c.eq(s.get("exit_status"), 128 + signal.SIGTERM, "summary.exit_status")
        c.eq(s.get("build_exit_code"), None, "summary.build_exit_code")
        c.eq(s.get("build_signal"), int(signal.SIGTERM), "summary.build_signal")
    root = [e for e in recs if e.get("type") == "exec" and argv_b(e)[:1] == [b"sh"]]
    if c.eq(len(root), 1, "exec records of sh"):
        ex = [x for x in recs if x.get("type") == "exit" and ident(x) == ident(root[0])]
        if c.eq(len(ex), 1, "exit records of sh"):
            c.eq(ex[0].get("signal"), int(signal.SIGTERM), "sh exit signal")
            c.eq(ex[0].get("exit_code"), None, "sh exit_code")
    c.done()


def t_events_stdout():
    marker = "zoo-events-to-stdout"
    r, recs, probs = small_run(["/bin/true", marker], events_arg="-")
    c = T.Checker()
    c.check(r.returncode == 0, "expected exit 0, got " + r.describe())
    c.check(not probs, "stdout is not JSON lines: %r" % probs[:3])
    c.check(not T.common_problems(recs), "stream problems: %r" % T.common_problems(recs))
    ex = [e for e in recs if e.get("type") == "exec" and e.get("argv") == ["/bin/true", marker]]
    c.eq(len(ex), 1, "exec records of /bin/true %s on stdout" % marker)
    c.done()


TESTS = [
    ("run exec_zoo all: exits 0, stdout clean, tree on stderr", t_exit_status),
    ("process tree on stderr shows the root and the daemonised leaves", t_tree),
    ("every line of the event file is a UTF-8 JSON object", t_json),
    ("common fields typed, seq 1..n without gaps, summary last", t_common_fields_seq),
    ("summary: lost 0, untracked 0, statuses, command; no lost records", t_summary),
    ("summary counts equal the records written", t_summary_counts),
    ("job root exec: filename, exe, argv, cwd, creds, exit", t_root),
    ("fork+exec leaf: once, forked by root, argv, exit 0", simple_leaf("fork_exec")),
    ("exec /bin/true via symlinked /bin: filename vs resolved exe", t_bin_true),
    ("leaf exiting 7: exit_code 7", simple_leaf("exit7")),
    ("leaf killed by SIGTERM: signal 15, exit_code null", simple_leaf("sigterm")),
    ("double-forked grandchild reparented then exec: lineage kept", simple_leaf("double_fork")),
    ("setsid + double fork daemon: lineage kept", simple_leaf("daemon")),
    ("setsid then exec", simple_leaf("setsid")),
    ("execveat(dirfd, name): filename and exe", t_execveat),
    ("fexecve (execveat AT_EMPTY_PATH): /dev/fd/N and exe", t_fexecve),
    ("exec from a non-main thread: old_tid != pid, no thread fork", t_thread_exec),
    ("argv bytes-exact: spaces, quotes, newline, tab, \\xff\\xfe, empty, ESC",
     t_weird_argv),
    ("1,000 arguments recorded exactly", t_argv1000),
    ("128 KiB argument: argv_truncated, argc 5, prefix kept", t_bigarg),
    ("failed execve/execveat (ENOENT) recorded, caller then execs", t_enoent),
    ("exactly the expected execs, exec_faileds and forks, no others", t_exactly_expected),
    ("one exit record per job process, none for others", t_exits),
    ("busy loop outside the job never appears", t_outside),
    ("nothing of the job left running", t_nothing_left),
    ("build exit status 7 is passed on", t_status_7),
    ("build killed by SIGTERM: exit 143, summary has the signal", t_status_signal),
    ("--events - writes JSON lines to stdout", t_events_stdout),
]


def main():
    skip = T.skip_reason()
    if not skip:
        if not os.access(ZOO, os.X_OK):
            print("1..1")
            print("not ok 1 - fixture %s not built (make test-build)" % ZOO)
            return 1
        try:
            setup()
        except Exception as e:  # every test then fails with the reason
            import traceback
            S["setup_error"] = "%s\n%s" % (e, traceback.format_exc())
            S.pop("records", None)
    try:
        return T.tap_run(TESTS, skip)
    finally:
        if "token" in S:
            T.kill_token(S["token"])
        if "tmpobj" in S:
            S["tmpobj"].cleanup()


if __name__ == "__main__":
    T.main_guard(main)
