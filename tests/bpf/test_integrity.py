#!/usr/bin/env python3
"""Source integrity and leftovers, end to end under `buildwarden run` (TAP).

Source integrity: a job runs in a git checkout and changes tracked files in
the ways a build implant would (append, truncate, an editor's rename over,
a move away, an unlink, Python, relative paths from a subdirectory); each is
a `source-file-modified` verdict of the default policy naming the file, and
the JSON report lists every one, however the names are spelt ("//", "/./",
"..", a rename into a directory descriptor). The same job writing only new
files, or run with --checkout none, raises nothing.

Leftovers: a job's root exits while processes it started live on (setsid,
nohup, a double fork); each is a `leftover-process` verdict with its
lineage, and `leftovers: kill` reaps the whole remainder.
"""

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtap as T  # noqa: E402

S = {}


def checkout(name):
    """A fresh git checkout with a few tracked files, and an ignored build dir."""
    work = os.path.join(S["tmp"], name)
    os.makedirs(os.path.join(work, "src", "lib"))
    files = {"README.md": "readme\n", "build.sh": "echo build\n", "src/main.c": "int x;\n",
             "src/lib/util.c": "int y;\n", "src/lib/util.h": "int y;\n",
             "src/version.h": "#define V 1\n", ".gitignore": "out/\n"}
    for rel, text in files.items():
        with open(os.path.join(work, rel), "w") as f:
            f.write(text)
    T.make_checkout(work)
    return work


def run_job(work, script, extra=(), cwd=None, policy=None):
    S["n"] = S.get("n", 0) + 1
    events = os.path.join(S["tmp"], "ev-%d.jsonl" % S["n"])
    report = events + ".report.json"
    token = T.new_token("integrity")
    argv = [T.BUILDWARDEN, "run", "--no-tree", "--events", events, "--report", report]
    argv += list(extra)
    if policy:
        argv += ["--policy", policy]
    argv += ["--", "sh", "-c", script]
    r = T.run(argv, cwd=cwd or work, timeout=60, token=token)
    T.kill_token(token)
    records, problems = T.read_events(events)
    try:
        with open(report) as f:
            rep = json.load(f)
    except (OSError, ValueError) as e:
        rep = {"error": str(e)}
    return r, records, problems, rep


def verdicts(records, rule=None):
    return [x for x in records if x.get("type") == "verdict" and
            (rule is None or x.get("rule") == rule)]


def listed_paths(rep):
    """The paths the JSON report's tracked_changed lists, both sides of a rename."""
    listed = set()
    for s in rep.get("tracked_changed") or []:
        listed.update(p.strip() for p in s.get("path", "").split(" -> "))
    return listed


def flagged_paths(records):
    out = set()
    for v in verdicts(records, "source-file-modified"):
        ev = v.get("event") or {}
        for k in ("path", "path2"):
            if ev.get(k):
                out.add(ev[k])
    return out


# A build implant's ways of changing source: every one must be seen.
TAMPER = (
    "echo 'int evil;' >> ../main.c; "                              # append, relative to a subdir
    ": > ../version.h; "                                          # truncate
    "sed -i s/y/z/ util.c; "                                      # temp file renamed over
    "mv util.h util.h.bak; "                                      # moved away
    "rm ../../build.sh; "                                         # unlinked
    "python3 -c \"open('../../README.md','w').write('pwned')\""   # another program entirely
)


def t_tamper():
    work = checkout("tamper")
    r, records, problems, rep = run_job(work, TAMPER, cwd=os.path.join(work, "src", "lib"))
    c = T.Checker()
    for p in problems[:3]:
        c.check(False, p)
    c.eq(r.returncode, 0, "exit status (alerts never fail the build)")
    want = {os.path.join(work, p) for p in (
        "src/main.c", "src/version.h", "src/lib/util.c", "src/lib/util.h", "build.sh",
        "README.md")}
    got = flagged_paths(records)
    c.check(want <= got, "tracked files flagged: missing %r (flagged %r)" % (
        sorted(want - got), sorted(got)))
    for v in verdicts(records, "source-file-modified"):
        c.eq(v.get("on"), "file", "verdict.on")
        c.eq((v.get("event") or {}).get("tracked"), True, "verdict.event.tracked")
        c.check(v.get("pid") and v.get("argv"), "verdict names the process: %r" % v)
    summ = T.summary_of(records) or {}
    c.eq(summ.get("checkout"), work, "summary.checkout (found from a subdirectory)")
    c.eq(summ.get("checkout_tracked"), 7, "summary.checkout_tracked")
    for s in rep.get("tracked_changed") or []:
        c.check(s.get("pid") and s.get("comm"), "report entry names its writer: %r" % s)
    listed = listed_paths(rep)
    c.check(want <= listed, "report.tracked_changed misses %r (has %r)" % (
        sorted(want - listed), sorted(listed)))
    c.check(b"tracked file changed: " in r.stderr, "the end-of-run text lists them")
    c.done()


# The same changes, by names spelt otherwise than the kernel spells the path:
# "//", "/./" and ".." before the checkout, a relative name climbing into it,
# one descending into it from a directory above, and a rename's target
# resolved in a directory descriptor (os.rename's dst_dir_fd; `mv f dir/`).
SPELLED = (
    "rm {tmp}//spelled/build.sh; "
    "mv {tmp}/outside/../spelled/README.md {tmp}/outside/readme.bak; "
    "sed -i s/x/y/ ../spelled/src/main.c; "
    "echo 'int z;' > {tmp}/outside/new.c; "
    "python3 -c \"import os; d = os.open('{work}/src/lib', os.O_RDONLY); "
    "os.rename('{tmp}/outside/new.c', 'util.c', dst_dir_fd=d)\"; "
    "(cd {tmp} && rm spelled/src/lib/util.h); "
    "python3 -c \"import os; os.unlink('{tmp}/./spelled/src/version.h')\"; "
    # Not the checkout, however spelt: nothing to flag.
    "echo x > a; mv a {tmp}/outside/../outside/b; rm ../outside//b"
)


def t_tamper_spelled():
    work = checkout("spelled")
    outside = os.path.join(S["tmp"], "outside")
    os.makedirs(outside)
    script = SPELLED.format(tmp=S["tmp"], work=work)
    r, records, problems, rep = run_job(work, script, extra=["--checkout", work], cwd=outside)
    c = T.Checker()
    for p in problems[:3]:
        c.check(False, p)
    c.eq(r.returncode, 0, "exit status")
    want = {os.path.join(work, p) for p in (
        "build.sh", "README.md", "src/main.c", "src/lib/util.c", "src/lib/util.h",
        "src/version.h")}
    got = flagged_paths(records)
    c.check(want <= got, "tracked files flagged by their resolved paths: missing %r (flagged %r)"
            % (sorted(want - got), sorted(got)))
    # A verdict names both sides of a rename: the other side of a move away
    # or over, and sed's temporary file, are flagged with the tracked file.
    stray = sorted(p for p in got - want
                   if p.startswith(work + "/") and not p.startswith(work + "/src/sed"))
    c.eq(stray, [], "checkout files flagged beyond the changed ones")
    listed = listed_paths(rep)
    c.check(want <= listed, "report.tracked_changed misses %r" % sorted(want - listed))
    others = [describe(v) for v in verdicts(records) if v.get("rule") != "source-file-modified"]
    c.eq(others, [], "other verdicts")
    c.done()


def t_untracked_outputs():
    work = checkout("outputs")
    script = ("mkdir -p out && cc -c src/main.c -o out/main.o && cp src/main.c out/copy.c && "
              "echo gen > src/generated.c && rm src/generated.c && "
              "cat src/lib/util.c > /dev/null && git status --short > out/status && "
              "git add -A && git stash -q && git stash pop -q; true")
    r, records, problems, rep = run_job(work, script)
    c = T.Checker()
    for p in problems[:3]:
        c.check(False, p)
    c.eq(r.returncode, 0, "exit status")
    # git stash rewrites no file here (nothing tracked changed), and git's own
    # .git/ writes are not tracked files.
    c.eq([describe(v) for v in verdicts(records)], [], "verdicts")
    c.eq(rep.get("tracked_changed"), [], "report.tracked_changed")
    c.eq((T.summary_of(records) or {}).get("checkout"), work, "summary.checkout")
    c.done()


def describe(v):
    return "%s: %s %s" % (v.get("rule"), v.get("argv"), json.dumps(v.get("event")))


def t_checkout_none():
    work = checkout("none")
    r, records, _, _ = run_job(work, "echo x >> README.md", extra=["--checkout", "none"])
    c = T.Checker()
    c.eq(r.returncode, 0, "exit status")
    c.eq(flagged_paths(records), set(), "flagged with --checkout none")
    c.eq((T.summary_of(records) or {}).get("checkout"), None, "summary.checkout")
    c.done()


def t_checkout_option():
    """--checkout names a work tree elsewhere: writes there are watched too."""
    work = checkout("elsewhere")
    other = os.path.join(S["tmp"], "cwd-elsewhere")
    os.makedirs(other)
    r, records, _, _ = run_job(work, "echo x >> %s/src/main.c" % work,
                               extra=["--checkout", work], cwd=other)
    c = T.Checker()
    c.eq(r.returncode, 0, "exit status")
    c.eq(flagged_paths(records), {os.path.join(work, "src/main.c")}, "flagged")
    c.done()


# ---------------------------------------------------------------- leftovers

LEAVE = ("setsid sleep 30 </dev/null >/dev/null 2>&1 & "
         "nohup sleep 31 </dev/null >/dev/null 2>&1 & "
         "(sh -c 'sleep 32' </dev/null >/dev/null 2>&1 &); "
         "sleep 0.2; exit 0")


def leftover_argvs(records):
    return sorted(" ".join(v.get("argv") or []) for v in verdicts(records, "leftover-process"))


def t_leftovers_alert():
    r, records, problems, _ = run_job(S["tmp"], LEAVE)
    c = T.Checker()
    for p in problems[:3]:
        c.check(False, p)
    c.eq(r.returncode, 0, "exit status: alert leaves the build's status alone")
    got = leftover_argvs(records)
    for want in ("sleep 30", "sleep 31", "sleep 32"):
        c.check(any(g.endswith(want) for g in got),
                "no leftover-process verdict for %r (got %r)" % (want, got))
    for v in verdicts(records, "leftover-process"):
        c.eq(v.get("on"), "leftover", "verdict.on")
        c.check(v.get("ancestry"), "a leftover verdict carries its lineage: %r" % v)
    c.done()


def t_leftovers_kill():
    pol = os.path.join(S["tmp"], "leftovers-kill.yaml")
    with open(pol, "w") as f:
        f.write("version: 1\nleftovers: kill\nrules:\n  - name: nothing\n    action: alert\n"
                "    match: {basename: no-such-program-here}\n")
    events = os.path.join(S["tmp"], "kill.jsonl")
    token = T.new_token("leftovers-kill")
    # A leftover that keeps forking: kill-job must still reap all of it.
    script = ("setsid sh -c 'while :; do sleep 0.05 & wait; done' </dev/null >/dev/null 2>&1 & "
              "(nohup sleep 33 </dev/null >/dev/null 2>&1 &); sleep 0.2; exit 0")
    r = T.run([T.BUILDWARDEN, "run", "--no-tree", "--events", events, "--policy", pol,
               "--", "sh", "-c", script], cwd=S["tmp"], timeout=60, token=token)
    time.sleep(0.5)
    left = T.live_procs_with_token(token)
    T.kill_token(token)
    records, _ = T.read_events(events)
    c = T.Checker()
    c.eq(r.returncode, 124, "exit status: the policy terminated the job")
    c.check(verdicts(records, "leftovers"), "no 'leftovers' verdict")
    c.eq(left, [], "processes of the job alive after leftovers: kill")
    c.done()


def t_no_leftovers():
    # The orphan of (... &) ends before the root does; the plain child is waited for.
    r, records, _, _ = run_job(S["tmp"], "sleep 0.1 & wait; (sleep 0.05 &); sleep 0.4")
    c = T.Checker()
    c.eq(r.returncode, 0, "exit status")
    c.eq(leftover_argvs(records), [], "leftover verdicts for a job that waits for its children")
    c.done()


TESTS = [
    ("tracked files changed by append, truncate, rename over, move, unlink and Python, "
     "from a subdirectory: each flagged, named in the verdict and the report", t_tamper),
    ("the same by names spelt with //, /./ and .., relative from above and from beside the "
     "checkout, and a rename into a directory descriptor: each flagged by its resolved path",
     t_tamper_spelled),
    ("a build writing only untracked outputs (and git's own .git/) raises nothing",
     t_untracked_outputs),
    ("--checkout none: no tracked files watched", t_checkout_none),
    ("--checkout DIR: a work tree outside the working directory is watched",
     t_checkout_option),
    ("setsid, nohup and double-fork leftovers: a leftover-process verdict each, with "
     "lineage; the build's status unchanged", t_leftovers_alert),
    ("leftovers: kill reaps the whole remainder, a forking one included; exit 124",
     t_leftovers_kill),
    ("a job that waits for its children leaves nothing behind", t_no_leftovers),
]


def main():
    skip = T.skip_reason()
    if not skip and subprocess.run(["git", "--version"], stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL).returncode:
        skip = "git is not installed"
    return T.tap_run_in_tmp(TESTS, S, "bw-integrity-", skip)


if __name__ == "__main__":
    T.main_guard(main)
