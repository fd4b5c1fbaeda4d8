#!/usr/bin/env python3
"""The agent under valgrind (memcheck) while it watches a real build.

`buildwarden run -- sh -c './configure && make'` on zlib's Debian source
(tools/fetch-debian-source.sh; tools/demo-project when Debian's archive
cannot be reached), with --leak-check=full. Expected: the build's status
passed through, no invalid read or write, no use of uninitialised memory,
no definite leak. tests/bpf/valgrind.supp suppresses exactly the false
positives of valgrind 3.19's bpf(2) wrapper on libbpf's calls; valgrind
3.19 also lacks pidfd_open, so the agent's fallback (waitpid on SIGCHLD)
is what runs here. Skipped when valgrind is missing, and for an agent
built with sanitizers (make test SANITIZE=...), which valgrind cannot run.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtap as T  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SUPP = os.path.join(HERE, "valgrind.supp")
FETCH = os.path.join(T.SRC, "tools", "fetch-debian-source.sh")
SRC_CACHE = os.path.join(T.BUILD, "debian-src")
S = {}


def skip_reason():
    r = T.skip_reason()
    if r:
        return r
    if not shutil.which("valgrind"):
        return "valgrind not installed"
    with open(T.BUILDWARDEN, "rb") as f:
        data = f.read()
    if b"__asan_init" in data or b"__ubsan_handle" in data:
        return "the agent is built with sanitizers; valgrind checks the plain build"
    return None


def project():
    """(name, source dir, build script)."""
    try:
        p = subprocess.run([FETCH, "zlib", SRC_CACHE], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
        src = p.stdout.decode().strip()
        if p.returncode == 0 and os.path.isfile(os.path.join(src, "configure")):
            return "zlib", src, "./configure >/dev/null && make -j2 >/dev/null"
        print("# zlib unavailable (exit %d): %s" % (
            p.returncode, p.stderr.decode("utf-8", "replace").strip()[-300:]), flush=True)
    except (OSError, subprocess.TimeoutExpired) as e:
        print("# zlib unavailable: %s" % e, flush=True)
    return "demo-project", os.path.join(T.SRC, "tools", "demo-project"), "make >/dev/null"


def run_once():
    if S:
        return S
    name, src, script = project()
    tmp = tempfile.mkdtemp(prefix="bw-valgrind-")
    work = os.path.join(tmp, name)
    shutil.copytree(src, work, symlinks=True)
    log = os.path.join(tmp, "valgrind.log")
    argv = ["valgrind", "--tool=memcheck", "--leak-check=full",
            "--show-leak-kinds=definite", "--errors-for-leak-kinds=definite",
            "--num-callers=30", "--suppressions=" + SUPP, "--log-file=" + log,
            T.BUILDWARDEN, "run", "--no-tree", "--events", os.path.join(tmp, "ev.jsonl"),
            "--", "sh", "-c", script + " && touch ../build-finished"]
    res = T.run(argv, cwd=work, timeout=900, token=T.new_token("valgrind"))
    with open(log, encoding="utf-8", errors="replace") as f:
        text = f.read()
    S.update(name=name, res=res, log=text,
             finished=os.path.exists(os.path.join(tmp, "build-finished")))
    print("# %s under valgrind in %.0fs" % (name, res.elapsed), flush=True)
    shutil.rmtree(tmp, ignore_errors=True)
    return S


def excerpt(log, pattern):
    """The first report matching pattern, with its stack."""
    m = re.search(r"(==\d+== " + pattern + r".*?)(?:\n==\d+== \n)", log, re.S)
    return m.group(1)[:3000] if m else ""


def t_status():
    s = run_once()
    c = T.Checker()
    c.eq(s["res"].returncode, 0, "exit status (%s)" % s["res"].describe())
    c.check(s["finished"], "the %s build did not finish" % s["name"])
    c.done()


def t_no_errors():
    s = run_once()
    log = s["log"]
    c = T.Checker()
    for what in ("Invalid read", "Invalid write", "Invalid free", "Conditional jump",
                 "Use of uninitialised", "Syscall param", "Mismatched free",
                 "Source and destination overlap"):
        c.check(what not in log, "valgrind reports '%s':\n%s" % (what, excerpt(log, what)))
    m = re.findall(r"ERROR SUMMARY: (\d+) errors", log)
    c.check(m and all(n == "0" for n in m), "ERROR SUMMARY lines: %r" % m)
    c.done()


def t_no_definite_leak():
    s = run_once()
    log = s["log"]
    c = T.Checker()
    lost = re.findall(r"definitely lost: ([\d,]+) bytes", log)
    c.check(all(n == "0" for n in lost), "definitely lost: %r\n%s" % (
        lost, excerpt(log, r"[\d,]+ bytes in [\d,]+ blocks are definitely lost")))
    c.check(lost or "no leaks are possible" in log, "no leak summary in the valgrind log")
    c.done()


def main():
    tests = [
        ("under valgrind the build runs to its end with its own status", t_status),
        ("no invalid access or uninitialised use (bpf(2) false positives suppressed)",
         t_no_errors),
        ("no definite leak", t_no_definite_leak),
    ]
    return T.tap_run(tests, skip=skip_reason())


if __name__ == "__main__":
    T.main_guard(main)
