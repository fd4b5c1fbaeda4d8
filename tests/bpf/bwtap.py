"""Shared helpers for the BPF integration tests (stdlib only).

A tiny TAP producer, the environment the runner passes (BUILDWARDEN,
BW_BUILD, BW_SRC), running `buildwarden run` with a time bound, and reading
its JSON-lines event stream (docs/EVENTS.md).
"""

import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import sys
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("BW_SRC") or os.path.dirname(os.path.dirname(HERE))
BUILD = os.environ.get("BW_BUILD") or os.path.join(SRC, "build")
BUILDWARDEN = os.environ.get("BUILDWARDEN") or os.path.join(BUILD, "buildwarden")
FIXTURES = os.path.join(BUILD, "tests", "fixtures")

TIME_RE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}(Z|\+00:00)$")
PROCESS_TYPES = ("fork", "exec", "exec_failed", "exit")


def skip_reason():
    """Why the BPF tests cannot run here, or None."""
    if os.geteuid() != 0:
        return "needs root (BPF)"
    if not os.path.exists("/sys/kernel/btf/vmlinux"):
        return "kernel has no BTF (/sys/kernel/btf/vmlinux missing)"
    if not os.access(BUILDWARDEN, os.X_OK):
        return "buildwarden binary not built (%s)" % BUILDWARDEN
    return None


def valgrind_skip_reason():
    """Why the agent cannot run under valgrind here, or None."""
    r = skip_reason()
    if r:
        return r
    if not shutil.which("valgrind"):
        return "valgrind not installed"
    with open(BUILDWARDEN, "rb") as f:
        data = f.read()
    if b"__asan_init" in data or b"__ubsan_handle" in data:
        return "the agent is built with sanitizers; valgrind runs the plain build"
    return None


class TestFailure(AssertionError):
    pass


class Checker:
    """Collects failed expectations of one TAP test, so all are reported."""

    def __init__(self):
        self.problems = []

    def check(self, cond, msg):
        if not cond:
            self.problems.append(msg)
        return bool(cond)

    def eq(self, got, want, what):
        return self.check(got == want, "%s: expected %r, got %r" % (what, want, got))

    def done(self):
        if self.problems:
            raise TestFailure("\n".join(self.problems))


class Skip(Exception):
    """Raised by a test that cannot run here; the reason is reported."""


def tap_run(tests, skip=None):
    """Run [(name, fn)], printing TAP. fn() raises to fail, or Skip(reason).

    Returns the exit status."""
    print("1..%d" % len(tests), flush=True)
    failed = 0
    for i, (name, fn) in enumerate(tests, 1):
        if skip:
            print("ok %d - %s # SKIP %s" % (i, name, skip), flush=True)
            continue
        try:
            fn()
        except Skip as e:
            print("ok %d - %s # SKIP %s" % (i, name, e), flush=True)
        except Exception as e:  # report every failure, keep going
            failed += 1
            print("not ok %d - %s" % (i, name), flush=True)
            if isinstance(e, AssertionError):
                text = str(e) or "assertion failed"
            else:
                text = traceback.format_exc()
            for line in text.splitlines():
                print("#   " + line[:2000], flush=True)
        else:
            print("ok %d - %s" % (i, name), flush=True)
    return 1 if failed else 0


def b(s):
    """The bytes a JSON string stands for (non-UTF-8 bytes as \\udcXX)."""
    return s.encode("utf-8", "surrogateescape")


def kill_group(proc):
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.kill()
    except ProcessLookupError:
        pass


RUN_TOKEN_VAR = "BW_TEST_RUN_TOKEN"


def new_token(name):
    """A value for RUN_TOKEN_VAR unique to this test run."""
    return "%s-%d-%d" % (name, os.getpid(), time.monotonic_ns())


def live_procs_with_token(token):
    """Pids of live processes whose environment carries RUN_TOKEN_VAR=token.

    Every process of a job started with run(..., token=token) inherits it,
    daemonised ones included; processes of other (concurrent) runs do not.
    Zombies have no readable environment and are not listed.
    """
    needle = ("%s=%s" % (RUN_TOKEN_VAR, token)).encode()
    found = []
    me = os.getpid()
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == me:
            continue
        try:
            with open("/proc/%s/environ" % d, "rb") as f:
                env = f.read()
        except OSError:
            continue
        if needle in env.split(b"\0"):
            found.append(int(d))
    return found


def kill_token(token):
    """SIGKILL what is left of the job started with this token (ours only)."""
    for pid in live_procs_with_token(token):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


class Run:
    def __init__(self, returncode, stdout, stderr, timed_out, elapsed):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.timed_out = timed_out
        self.elapsed = elapsed

    def describe(self):
        err = self.stderr.decode("utf-8", "replace")
        if len(err) > 3000:
            err = err[:1500] + "\n...\n" + err[-1500:]
        return "exit %s%s, stderr:\n%s" % (
            self.returncode, " (TIMED OUT)" if self.timed_out else "", err)


def run(argv, cwd=None, timeout=60, stdin=subprocess.DEVNULL, token=None):
    """Run argv in its own session, bounded by timeout (then SIGKILL).

    With token, the environment carries RUN_TOKEN_VAR=token (see
    live_procs_with_token) and leftovers are killed on timeout."""
    t0 = time.monotonic()
    env = dict(os.environ)
    if token:
        env[RUN_TOKEN_VAR] = token
    p = subprocess.Popen(argv, cwd=cwd, stdin=stdin, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True, env=env)
    timed_out = False
    try:
        out, err = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        kill_group(p)
        if token:
            kill_token(token)
        out, err = p.communicate()
    return Run(p.returncode, out, err, timed_out, time.monotonic() - t0)


def git(work, *args):
    """Run git in work (as a committer named test); its stdout, or fail with its stderr."""
    p = subprocess.run(["git", "-C", work, "-c", "user.email=test@invalid",
                        "-c", "user.name=test"] + list(args), stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)
    if p.returncode != 0:
        fail("git %s in %s failed: %s" % (" ".join(args), work,
                                          p.stderr.decode("utf-8", "replace").strip()))
    return p.stdout


def make_checkout(work):
    """Commit every file under work: the build then runs in a git checkout."""
    git(work, "init", "-q")
    git(work, "add", "-A")
    git(work, "commit", "-q", "-m", "checkout")


def read_events(path):
    """Parse a JSON-lines file. Returns (records, problems)."""
    records, problems = [], []
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        return [], ["cannot read events file %s: %s" % (path, e)]
    if data and not data.endswith(b"\n"):
        problems.append("events file does not end with a newline")
    for n, raw in enumerate(data.split(b"\n"), 1):
        if not raw:
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as e:
            problems.append("line %d is not UTF-8 (%s): %r" % (n, e, raw[:200]))
            continue
        try:
            rec = json.loads(line)
        except ValueError as e:
            problems.append("line %d is not JSON (%s): %r" % (n, e, raw[:200]))
            continue
        if not isinstance(rec, dict):
            problems.append("line %d is not a JSON object" % n)
            continue
        records.append(rec)
    return records, problems


def common_problems(records):
    """Checks every stream must pass: fields, seq 1..n, one trailing summary."""
    c = Checker()
    if not c.check(records, "no records at all"):
        return c.problems
    seqs = [r.get("seq") for r in records]
    c.check(seqs == list(range(1, len(records) + 1)),
            "seq is not 1..%d without gaps: first anomaly %s" % (
                len(records),
                next(("index %d has seq %r" % (i, s) for i, s in enumerate(seqs)
                      if s != i + 1), None)))
    job_ids = set()
    bad = 0
    for r in records:
        t = r.get("type")
        ok = isinstance(t, str) and isinstance(r.get("seq"), int) \
            and isinstance(r.get("time"), str) and TIME_RE.match(r.get("time", "")) \
            and isinstance(r.get("job_id"), int)
        if t in PROCESS_TYPES:
            ok = ok and all(isinstance(r.get(k), int)
                            for k in ("ktime_ns", "pid", "tid", "start_ns"))
        if not ok and bad < 5:
            c.check(False, "record with missing/mistyped common fields: %r" % (
                {k: r.get(k) for k in ("seq", "type", "time", "job_id", "ktime_ns",
                                       "pid", "tid", "start_ns")},))
        bad += not ok
        if isinstance(r.get("job_id"), int):
            job_ids.add(r["job_id"])
    c.check(len(job_ids) <= 1, "more than one job_id in one run: %r" % sorted(job_ids))
    types = [r.get("type") for r in records]
    c.eq(types.count("summary"), 1, "number of summary records")
    c.eq(types[-1], "summary", "type of the last record")
    return c.problems


def summary_of(records):
    for r in reversed(records):
        if r.get("type") == "summary":
            return r
    return None


def fail(msg):
    raise TestFailure(msg)


def tap_run_in_tmp(tests, state, prefix, skip=None):
    """tap_run(tests, skip) with state["tmp"] a fresh temporary directory
    (its real path) for the tests to share, removed afterwards."""
    if skip:
        return tap_run(tests, skip)
    tmp = tempfile.TemporaryDirectory(prefix=prefix)
    state["tmp"] = os.path.realpath(tmp.name)
    try:
        return tap_run(tests)
    finally:
        tmp.cleanup()


def main_guard(fn):
    """Run fn() -> status, never letting an exception skip the TAP plan."""
    try:
        status = fn()
    except Exception:
        print("not ok - harness crashed")
        for line in traceback.format_exc().splitlines():
            print("#   " + line)
        status = 1
    sys.exit(status)
