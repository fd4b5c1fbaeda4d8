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
import signal
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtap as T  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SUPP = os.path.join(HERE, "valgrind.supp")
FETCH = os.path.join(T.SRC, "tools", "fetch-debian-source.sh")
SRC_CACHE = os.path.join(T.BUILD, "debian-src")
S = {}
D = {}

# PCRE2's JIT code reads subjects 16 bytes at a time, past the end of the
# string within the same allocation's word, which memcheck cannot tell
# from a bug in code it did not see compiled: the agent runs with the
# PCRE2 interpreter here (BW_REGEX_JIT=0, docs/POLICY.md), so memcheck
# checks our code and PCRE2's, and the JIT is covered by every other suite.
os.environ["BW_REGEX_JIT"] = "0"


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


DAEMON_POLICY = """version: 1
rules:
  - name: no-evil
    match: {basename: vg-evil-tool}
    action: kill-job
"""

RUNNER = """#!/bin/sh
/bin/true "$1"
[ "$1" = evil ] && ./vg-evil-tool
sleep "${2:-1}"
"""


def wait_log(path, needle, timeout):
    end = time.time() + timeout
    while time.time() < end:
        with open(path, encoding="utf-8", errors="replace") as f:
            if needle in f.read():
                return True
        time.sleep(0.2)
    return False


def daemon_once():
    """The daemon under memcheck: two jobs (one kill-job), a reload, and a
    SIGTERM with a third job still running."""
    if D:
        return D
    tmp = tempfile.mkdtemp(prefix="bw-valgrind-daemon-")
    os.mkdir(os.path.join(tmp, "reports"))
    with open(os.path.join(tmp, "policy.yaml"), "w") as f:
        f.write(DAEMON_POLICY)
    with open(os.path.join(tmp, "config.yaml"), "w") as f:
        f.write("policy: policy.yaml\nreports: reports\njobs:\n"
                "  - {name: vg, match: {exe_basename: bw-vg-runner}}\n"
                "status: {listen: '127.0.0.1:0'}\nexport: {jsonl: {path: all.jsonl}}\n")
    runner = os.path.join(tmp, "bw-vg-runner")
    with open(runner, "w") as f:
        f.write(RUNNER)
    os.chmod(runner, 0o755)
    shutil.copy("/bin/true", os.path.join(tmp, "vg-evil-tool"))
    log, err = os.path.join(tmp, "valgrind.log"), os.path.join(tmp, "daemon.err")
    argv = ["valgrind", "--tool=memcheck", "--leak-check=full",
            "--show-leak-kinds=definite", "--errors-for-leak-kinds=definite",
            "--num-callers=30", "--suppressions=" + SUPP, "--log-file=" + log,
            T.BUILDWARDEN, "daemon", "--config", os.path.join(tmp, "config.yaml")]
    with open(err, "w") as ef:
        d = subprocess.Popen(argv, cwd=tmp, stdin=subprocess.DEVNULL, stdout=ef, stderr=ef,
                             start_new_session=True)
    try:
        attached = wait_log(err, "daemon attached", 120)
        jobs = [subprocess.Popen([runner, arg], cwd=tmp) for arg in ("benign", "evil")]
        for j in jobs:
            j.wait(60)
        wait_log(err, "ended", 30)
        os.kill(d.pid, signal.SIGHUP)
        reloaded = wait_log(err, "reloaded", 30)
        last = subprocess.Popen([runner, "last", "30"], cwd=tmp)
        wait_log(err, "rule vg", 30)
        time.sleep(1)
        os.kill(d.pid, signal.SIGTERM)
        rc = d.wait(120)
        last.kill()
        last.wait()
    finally:
        if d.poll() is None:
            os.killpg(d.pid, signal.SIGKILL)
            d.wait()
    with open(log, encoding="utf-8", errors="replace") as f:
        text = f.read()
    with open(err, encoding="utf-8", errors="replace") as f:
        stderr = f.read()
    D.update(rc=rc, log=text, stderr=stderr, attached=attached, reloaded=reloaded,
             reports=len([n for n in os.listdir(os.path.join(tmp, "reports"))
                          if n.endswith(".json")]))
    shutil.rmtree(tmp, ignore_errors=True)
    return D


def t_daemon():
    s = daemon_once()
    c = T.Checker()
    c.eq(s["rc"], 0, "daemon exit status after SIGTERM")
    c.check(s["attached"] and s["reloaded"], "daemon did not attach or reload:\n" +
            s["stderr"][-2000:])
    c.eq(s["reports"], 3, "job reports written (two ended, one open at SIGTERM)")
    check_log(c, s["log"])
    c.done()


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
    c = T.Checker()
    check_errors(c, run_once()["log"])
    c.done()


def main_process(log):
    """The lines of the process valgrind started (the agent), without its forks'.

    A fork of the agent snapshots its memory while another thread may hold
    a fresh block only in its registers (the hooks thread's compat probe
    forks while the main thread is inside libbpf's bpf_map__reuse_fd, which
    strdup()s the name before storing it): the fork's leak check reports
    that block as lost. Its errors count; its leak check does not.
    """
    m = re.search(r"^==(\d+)== Command:", log, re.M)
    if not m:
        return log
    mine = "==%s==" % m.group(1)
    return "\n".join(line for line in log.splitlines() if line.startswith(mine))


def check_errors(c, log):
    for what in ("Invalid read", "Invalid write", "Invalid free", "Conditional jump",
                 "Use of uninitialised", "Syscall param", "Mismatched free",
                 "Source and destination overlap"):
        c.check(what not in log, "valgrind reports '%s':\n%s" % (what, excerpt(log, what)))
    m = re.findall(r"ERROR SUMMARY: (\d+) errors", main_process(log))
    c.check(m and all(n == "0" for n in m), "ERROR SUMMARY lines: %r" % m)


def check_log(c, log):
    check_errors(c, log)
    check_leaks(c, log)


def t_no_definite_leak():
    c = T.Checker()
    check_leaks(c, run_once()["log"])
    c.done()


def check_leaks(c, log):
    log = main_process(log)
    lost = re.findall(r"definitely lost: ([\d,]+) bytes", log)
    c.check(all(n == "0" for n in lost), "definitely lost: %r\n%s" % (
        lost, excerpt(log, r"[\d,]+ bytes in [\d,]+ blocks are definitely lost")))
    c.check(lost or "no leaks are possible" in log, "no leak summary in the valgrind log")


def main():
    tests = [
        ("under valgrind the build runs to its end with its own status", t_status),
        ("no invalid access or uninitialised use (bpf(2) false positives suppressed)",
         t_no_errors),
        ("no definite leak", t_no_definite_leak),
        ("daemon under valgrind: two jobs (one kill-job), SIGHUP reload, SIGTERM with a job "
         "open; no invalid access, no definite leak", t_daemon),
    ]
    return T.tap_run(tests, skip=T.valgrind_skip_reason())


if __name__ == "__main__":
    T.main_guard(main)
