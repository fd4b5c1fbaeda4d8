#!/usr/bin/env python3
"""The syscall hooks record the job and nothing else, however they are
attached (TAP; needs root and BTF).

For each attachment of the network/file/privilege hooks (BW_SYSCALL_HOOK:
tp_btf, raw_tp, the classic tracepoint the loader falls back to, and
per_syscall, the kernel's tracepoints of the syscalls the hooks need), a job
under `buildwarden run --record all` connects N times to a TCP listener on
127.0.0.1 and opens a file named .netrc (a name the default policy watches
for reading) N times, then waits on a FIFO. While it waits, a process
outside the job makes the same syscalls (N connects to the same listener,
N opens of the same file), a setuid(0) and a kill(agent, 0), and exits.
Then the job is released. Expected: exactly the job's N connect records
(that port) and N open-read records (that file), each from the job's own
process; no record at all of the outside process, none carrying its pid;
0 lost; the summary's syscall_hook names the attachment asked for. Without
BW_SYSCALL_HOOK the agent takes per_syscall where no 32-bit syscall can be
made (x86_64 without IA32 emulation: int 0x80 faults), else tp_btf; with
--fail-closed, never per_syscall (it must see every syscall). per_syscall
attaches only what the hooks asked for need: `--record connect`, the
connect tracepoints alone.
"""

import ctypes
import mmap
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtap as T  # noqa: E402

N = 20

JOB = r"""
import os, socket, sys
port, netrc, ready, go, n = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
for i in range(n):
    s = socket.socket()
    s.connect(("127.0.0.1", port))
    s.close()
    open(netrc).close()
open(ready, "w").close()
with open(go) as f:   # blocks until the test opens the FIFO for writing
    f.read()
"""

OUTSIDE = r"""
import os, socket, sys
port, netrc, agent, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
for i in range(n):
    s = socket.socket()
    s.connect(("127.0.0.1", port))
    s.close()
    open(netrc).close()
os.setuid(0)
os.kill(agent, 0)
"""


class Listener:
    """A TCP listener on 127.0.0.1 that accepts and closes every connection."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(128)
        self.port = self.sock.getsockname()[1]
        self.stop = False
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while not self.stop:
            try:
                c, _ = self.sock.accept()
                c.close()
            except OSError:
                return

    def close(self):
        self.stop = True
        self.sock.close()


def wait_for(path, proc, timeout=60):
    deadline = time.monotonic() + timeout
    while not os.path.exists(path):
        if proc.poll() is not None:
            raise T.TestFailure("buildwarden run ended before the job was ready: %s"
                                % proc.stderr.read().decode("utf-8", "replace"))
        if time.monotonic() > deadline:
            raise T.TestFailure("the job did not get ready in %d s" % timeout)
        time.sleep(0.01)


def one_run(hook):
    """Run the job with BW_SYSCALL_HOOK=hook (None: unset).

    Returns (records, agent, port, file, the outside process's pid)."""
    lst = Listener()
    tmp = tempfile.mkdtemp(prefix="bw-scope.")
    netrc = os.path.join(tmp, ".netrc")
    ready, go = os.path.join(tmp, "ready"), os.path.join(tmp, "go")
    events = os.path.join(tmp, "events.jsonl")
    with open(netrc, "w") as f:
        f.write("machine example.test\n")
    os.mkfifo(go)
    env = dict(os.environ)
    env.pop("BW_SYSCALL_HOOK", None)
    if hook:
        env["BW_SYSCALL_HOOK"] = hook
    agent = subprocess.Popen(
        [T.BUILDWARDEN, "run", "--no-tree", "--events", events, "--record", "all", "--",
         sys.executable, "-c", JOB, str(lst.port), netrc, ready, go, str(N)],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env=env, start_new_session=True)
    try:
        wait_for(ready, agent)
        out = subprocess.Popen([sys.executable, "-c", OUTSIDE, str(lst.port), netrc,
                                str(agent.pid), str(N)], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE)
        _, err = out.communicate(timeout=60)
        if out.returncode:
            raise T.TestFailure("the outside process failed: %s"
                                % err.decode("utf-8", "replace"))
    finally:
        with open(go, "w") as f:   # releases the job
            f.write("go\n")
        try:
            agent.wait(timeout=60)
        except subprocess.TimeoutExpired:
            T.kill_group(agent)
            agent.wait()
        lst.close()
    recs, problems = T.read_events(events)
    if problems:
        raise T.TestFailure("; ".join(problems))
    shutil.rmtree(tmp, ignore_errors=True)
    return recs, agent, lst.port, netrc, out.pid


def check_run(hook, want_hook):
    recs, agent, port, netrc, outside = one_run(hook)
    c = T.Checker()
    c.eq(agent.returncode, 0, "buildwarden run's exit status")
    job_pids = {r["pid"] for r in recs if r.get("type") == "exec"}
    job_py = [r for r in recs if r.get("type") == "exec" and "-c" in (r.get("argv") or [])]
    c.eq(len(job_py), 1, "exec records of the job's python")
    conns = [r for r in recs if r.get("type") == "connect" and r.get("port") == port]
    opens = [r for r in recs if r.get("type") == "file" and r.get("path") == netrc]
    c.eq(len(conns), N, "connect records to the listener (the job's %d only)" % N)
    c.eq(len(opens), N, "file records of %s (the job's %d only)" % (netrc, N))
    c.eq([r.get("op") for r in opens], ["open-read"] * N, "file record ops")
    if job_py:
        jp = job_py[0]["pid"]
        c.eq({r["pid"] for r in conns + opens}, {jp} if conns or opens else set(),
             "pids of the connect and file records (the job's python)")
    strangers = [r for r in recs if isinstance(r.get("pid"), int) and r["pid"] not in job_pids
                 and r.get("type") in ("connect", "file", "privilege", "dns")]
    c.eq(strangers, [], "hook records of processes that never exec'd in the job")
    c.eq([r for r in recs if r.get("pid") == outside], [],
         "records carrying the outside process's pid %d" % outside)
    privs = [r for r in recs if r.get("type") == "privilege"]
    c.eq(privs, [], "privilege records (only the outside process made any)")
    summary = [r for r in recs if r.get("type") == "summary"]
    c.eq(len(summary), 1, "summary records")
    if summary:
        c.eq(summary[0].get("lost"), 0, "lost")
        c.eq(summary[0].get("syscall_hook"), want_hook, "summary.syscall_hook")
    c.done()


def compat_possible():
    """Whether this host runs 32-bit syscalls: a child calls ia32's getpid
    through int 0x80 (mov eax, 20; int 0x80; ret), which dies of SIGSEGV
    without IA32 emulation. Other architectures: assumed possible, as the
    agent does."""
    if platform.machine() != "x86_64":
        return True
    pid = os.fork()
    if pid == 0:
        try:
            code = b"\xb8\x14\x00\x00\x00\xcd\x80\xc3"
            buf = mmap.mmap(-1, mmap.PAGESIZE, prot=mmap.PROT_READ | mmap.PROT_WRITE | mmap.PROT_EXEC)
            buf.write(code)
            addr = ctypes.addressof(ctypes.c_char.from_buffer(buf))
            ctypes.CFUNCTYPE(ctypes.c_long)(addr)()
        finally:
            os._exit(0)
    _, status = os.waitpid(pid, 0)
    return not (os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGSEGV)


def hook_of(args, env_hook=None):
    """The summary's syscall_hook and the -vv count of per-syscall
    tracepoints of `buildwarden run ARGS -- true`."""
    tmp = tempfile.mkdtemp(prefix="bw-scope.")
    events = os.path.join(tmp, "events.jsonl")
    env = dict(os.environ)
    env.pop("BW_SYSCALL_HOOK", None)
    if env_hook:
        env["BW_SYSCALL_HOOK"] = env_hook
    p = subprocess.run([T.BUILDWARDEN, "run", "-vv", "--no-tree", "--events", events, *args,
                        "--", "true"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, env=env, timeout=120)
    err = p.stderr.decode("utf-8", "replace")
    recs, problems = T.read_events(events)
    shutil.rmtree(tmp, ignore_errors=True)
    if p.returncode or problems:
        raise T.TestFailure("run %s: status %d %s\n%s" % (args, p.returncode, problems, err[-2000:]))
    s = [r for r in recs if r.get("type") == "summary"]
    m = re.search(r"syscall hooks: (\d+) per-syscall tracepoints", err)
    return (s[0].get("syscall_hook") if s else None), (int(m.group(1)) if m else None)


def check_fail_closed():
    c = T.Checker()
    hook, _ = hook_of(["--fail-closed"])
    c.check(hook in ("tp_btf", "raw_tp", "tracepoint"),
         "--fail-closed attaches on every syscall, got %r" % hook)
    c.done()


def check_only_needed():
    c = T.Checker()
    hook, n = hook_of(["--record", "connect"], "per_syscall")
    c.eq(hook, "per_syscall", "summary.syscall_hook")
    c.eq(n, 2, "per-syscall tracepoints for --record connect (connect's entry and exit)")
    c.done()


def main():
    default = "tp_btf" if compat_possible() else "per_syscall"
    tests = []
    for hook in ("tp_btf", "raw_tp", "tracepoint", "per_syscall"):
        tests.append(("%s: the job's connects and opens, none of the outside process's" % hook,
                      lambda h=hook: check_run(h, h)))
    tests.append(("unset: the agent attaches through %s here" % default,
                  lambda: check_run(None, default)))
    tests.append(("per_syscall: only the syscalls the hooks asked for are attached",
                  check_only_needed))
    tests.append(("--fail-closed: never per_syscall (it must see every syscall)",
                  check_fail_closed))
    return T.tap_run(tests, T.skip_reason())


if __name__ == "__main__":
    sys.exit(main())
