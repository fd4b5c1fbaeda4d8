#!/usr/bin/env python3
"""The embedded default policy raises no verdict on ordinary builds (TAP;
needs root and BTF).

Two real builds run under `buildwarden run` with no --policy (so the
embedded default policy, `buildwarden policy default`, applies):

  - zlib from Debian's source package (tools/fetch-debian-source.sh fetches
    it once into $BW_BUILD/debian-src/), in a temporary copy:
    ./configure && make -j2 && make test
  - this project itself, from a temporary copy of its files (tracked and
    untracked, not ignored): make -j2 test-build && tests/run.sh unit cli
    (not the BPF suite, which would load more BPF inside the wrapped job).

Each must exit 0, lose no event, run a sizable number of execs, and produce
zero verdicts; a failure lists the offending verdict records. The zlib tests
are skipped when Debian's archive cannot be reached (fetch exit status 3).
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtap as T  # noqa: E402

FETCH = os.path.join(T.SRC, "tools", "fetch-debian-source.sh")
SRC_CACHE = os.path.join(T.BUILD, "debian-src")
MIN_EXECS = 100
BUILD_TIMEOUT = 180  # seconds per build; each takes a few seconds normally
# The wrapped builds must not see the outer test run's settings: they build
# and test their own copy with its own binary and their own make jobserver.
SCRUB_ENV = ("BUILDWARDEN", "BW_BUILD", "BW_SRC", "BUILD", "MAKEFLAGS", "MFLAGS",
             "MAKELEVEL", "MAKEOVERRIDES", "CMOCKA_MESSAGE_OUTPUT")

S = {}  # results shared by the tests, per build: S["zlib"], S["self"]


def diag(msg):
    for line in msg.splitlines():
        print("# " + line, flush=True)


def run_build(key, workdir, script):
    """Run `sh -c script` in workdir under `buildwarden run` (default policy)."""
    events = os.path.join(S["tmp"], key + ".events.jsonl")
    token = T.new_token("defpol-" + key)
    argv = ["env"] + ["-u" + v for v in SCRUB_ENV] + [
        T.BUILDWARDEN, "run", "--events", events, "--", "sh", "-c", script]
    r = T.run(argv, cwd=workdir, timeout=BUILD_TIMEOUT, token=token)
    T.kill_token(token)
    records, problems = T.read_events(events)
    S[key] = dict(run=r, records=records, parse_problems=problems,
                  summary=T.summary_of(records), script=script)
    diag("%s: %s in %.1fs" % (key, script, r.elapsed))
    s = S[key]["summary"] or {}
    diag("%s: exit %s, execs %s, processes %s, lost %s, verdicts %s" % (
        key, r.returncode, s.get("execs"), s.get("processes"), s.get("lost"),
        s.get("verdicts")))


def get(key):
    if key not in S:
        T.fail("the %s build did not run: %s" % (key, S.get(key + "_error", "?")))
    return S[key]


def describe_verdict(v):
    lines = ["verdict seq %s: rule %r, severity %s, action %s (rule_action %s)" % (
        v.get("seq"), v.get("rule"), v.get("severity"), v.get("action"),
        v.get("rule_action"))]
    lines.append("  argv: %r" % (v.get("argv"),))
    if v.get("event"):
        lines.append("  on %s: %s" % (v.get("on"), json.dumps(v.get("event"))))
    lines.append("  exe: %r  filename: %r  cwd: %r" % (
        v.get("exe"), v.get("filename"), v.get("cwd")))
    for a in v.get("ancestry") or []:
        lines.append("  ancestor pid %s exe %r argv %r" % (
            a.get("pid"), a.get("exe"), a.get("argv")))
    return "\n".join(lines)


def check_ran_ok(key):
    b = get(key)
    r, s = b["run"], b["summary"]
    c = T.Checker()
    for p in b["parse_problems"][:5]:
        c.check(False, p)
    c.check(not r.timed_out, "%s: buildwarden run timed out after %ds" % (key, BUILD_TIMEOUT))
    if not c.check(r.returncode == 0, "%s: `%s` under buildwarden run failed: %s" % (
            key, b["script"], r.describe())):
        out = r.stdout.decode("utf-8", "replace")
        c.problems.append("stdout (end):\n" + out[-3000:])
    if not c.check(s is not None, "%s: no summary record" % key):
        c.done()
    c.eq(s.get("exit_status"), 0, "%s: summary.exit_status" % key)
    c.eq(s.get("lost"), 0, "%s: summary.lost" % key)
    c.eq(s.get("policy"), "<default policy>", "%s: summary.policy" % key)
    execs = s.get("execs")
    c.check(isinstance(execs, int) and execs > MIN_EXECS,
            "%s: summary.execs %r, expected more than %d (a real build)" % (
                key, execs, MIN_EXECS))
    c.done()


def check_no_verdicts(key):
    b = get(key)
    s = b["summary"]
    if s is None:
        T.fail("%s: no summary record" % key)
    verdicts = [r for r in b["records"] if r.get("type") == "verdict"]
    c = T.Checker()
    c.eq(s.get("verdicts"), 0, "%s: summary.verdicts" % key)
    c.eq(len(verdicts), 0, "%s: number of verdict records" % key)
    for v in verdicts[:20]:
        c.problems.append(describe_verdict(v))
    if len(verdicts) > 20:
        c.problems.append("... and %d more" % (len(verdicts) - 20))
    c.done()


# ---------------------------------------------------------------- zlib

def fetch_zlib():
    """Path of the unpacked zlib source, or raise Skip / fail."""
    if "zlib_src" in S:
        return S["zlib_src"]
    if "zlib_skip" in S:
        raise T.Skip(S["zlib_skip"])
    t0 = time.monotonic()
    p = subprocess.run([FETCH, "zlib", SRC_CACHE], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    err = p.stderr.decode("utf-8", "replace").strip()
    if p.returncode == 3:
        last = err.splitlines()[-1] if err else "Debian's archive unreachable"
        S["zlib_skip"] = "cannot fetch zlib's Debian source: " + last
        raise T.Skip(S["zlib_skip"])
    src = p.stdout.decode("utf-8", "replace").strip()
    if p.returncode != 0 or not os.path.isfile(os.path.join(src, "configure")):
        S["zlib_error"] = "%s zlib %s: exit %d, stdout %r, stderr:\n%s" % (
            FETCH, SRC_CACHE, p.returncode, src, err)
        T.fail(S["zlib_error"])
    diag("zlib source: %s (fetched in %.1fs)" % (src, time.monotonic() - t0))
    S["zlib_src"] = src
    return src


def t_zlib_builds():
    src = fetch_zlib()
    work = os.path.join(S["tmp"], "zlib")
    shutil.copytree(src, work, symlinks=True)
    run_build("zlib", work, "./configure && make -j2 && make test")
    check_ran_ok("zlib")


def t_zlib_no_verdicts():
    if "zlib_skip" in S:
        raise T.Skip(S["zlib_skip"])
    check_no_verdicts("zlib")


# ---------------------------------------------------------------- this project

def project_files():
    """Relative paths of this project's files: tracked and untracked, not ignored."""
    try:
        p = subprocess.run(["git", "-C", T.SRC, "ls-files", "-z", "-c", "-o",
                            "--exclude-standard"], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    except OSError as e:
        T.fail("cannot run git to list the project's files: %s" % e)
    if p.returncode != 0:
        T.fail("git ls-files in %s failed: %s" % (
            T.SRC, p.stderr.decode("utf-8", "replace").strip()))
    names = [os.fsdecode(n) for n in p.stdout.split(b"\0") if n]
    # Deleted but not yet committed files are still listed by -c.
    return [n for n in names if os.path.lexists(os.path.join(T.SRC, n))]


def t_self_builds():
    work = os.path.join(S["tmp"], "buildwarden")
    files = project_files()
    if "Makefile" not in files:
        T.fail("the project's file list (git ls-files) has no Makefile: %r" % files[:20])
    for n in files:
        dst = os.path.join(work, n)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(os.path.join(T.SRC, n), dst, follow_symlinks=False)
    run_build("self", work, "make -j2 test-build && tests/run.sh unit cli")
    check_ran_ok("self")


def t_self_no_verdicts():
    check_no_verdicts("self")


TESTS = [
    ("zlib (Debian source): configure, make, make test under the default policy "
     "exits 0, no events lost, > %d execs" % MIN_EXECS, t_zlib_builds),
    ("zlib (Debian source): build and test raise zero verdicts", t_zlib_no_verdicts),
    ("buildwarden itself: make test-build and the unit and cli suites under the "
     "default policy exit 0, no events lost, > %d execs" % MIN_EXECS, t_self_builds),
    ("buildwarden itself: build and test raise zero verdicts", t_self_no_verdicts),
]


def main():
    skip = T.skip_reason()
    if skip:
        return T.tap_run(TESTS, skip)
    tmp = tempfile.TemporaryDirectory(prefix="bw-defpol-")
    S["tmp"] = os.path.realpath(tmp.name)
    try:
        return T.tap_run(TESTS)
    finally:
        tmp.cleanup()


if __name__ == "__main__":
    T.main_guard(main)
