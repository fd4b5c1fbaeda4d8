#!/usr/bin/env python3
"""DNS written and read with write(2)/read(2) on a connected UDP socket, as
Go's resolver and busybox do (TAP; needs root and BTF).

The write and read hooks check a descriptor for a DNS socket only once a
socket connected to port 53 is known to the job's processes: a job
process's connect to port 53 turns the checks on, and so does a socket
the job inherits already connected (`run` looks at its own descriptors).
Against a DNS stub on 127.53.X.Y:53, under `buildwarden run --record all`,
with the hooks on every syscall (BW_SYSCALL_HOOK=tp_btf) and per syscall:

  connected  the job connects a UDP socket to the stub and writes a query
             on it and reads the answer: one query and one answer record,
             of the job's process
  inherited  the test connects the socket and hands it to the job, which
             only writes and reads: the same two records, with no connect
             record (the job made none)
  none       the job writes and reads a connected UDP socket to another
             port: no DNS record at all
  adopted    a process that already holds a socket connected to port 53
             when a daemon starts is adopted by a job rule (the daemon
             looks at its descriptors), then writes and reads: the same
             two records, in the adopted job's events file
"""

import os
import socket
import struct
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtap as T  # noqa: E402
import test_hooks as H  # noqa: E402
import bwdaemon as D  # noqa: E402

# ADDR fd:N: descriptor N is a connected UDP socket (inherited); else the job
# connects one to ADDR:PORT.
JOB = r"""
import os, socket, struct, sys
addr, port, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
q = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
q = struct.pack(">HHHHHH", 0x4242, 0x0100, 1, 0, 0, 0) + q + struct.pack(">HH", 1, 1)
if addr.startswith("fd:"):
    fd = int(addr[3:])
else:
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.connect((addr, port))
    fd = s.fileno()
os.write(fd, q)
if port == 53:
    os.read(fd, 512)
"""


HOOKS = ("tp_btf", "per_syscall")


def run_job(hook, args, pass_fds=()):
    env = dict(os.environ, BW_SYSCALL_HOOK=hook)
    with tempfile.TemporaryDirectory(prefix="bw-dns-rw.") as d:
        events = os.path.join(d, "events.jsonl")
        p = subprocess.run([T.BUILDWARDEN, "run", "--no-tree", "--events", events, "--record",
                            "all", "--", sys.executable, "-c", JOB, *args],
                           stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, pass_fds=pass_fds, env=env, timeout=120)
        recs, problems = T.read_events(events)
    if p.returncode or problems:
        raise T.TestFailure("run: status %d, %s\n%s" % (p.returncode, problems,
                                                        p.stderr.decode(errors="replace")[-2000:]))
    if T.summary_of(recs).get("syscall_hook") != hook:
        raise T.TestFailure("summary.syscall_hook: expected %r, got %r"
                            % (hook, T.summary_of(recs).get("syscall_hook")))
    return recs


def job_pid(recs):
    py = [r for r in recs if r.get("type") == "exec" and "-c" in (r.get("argv") or [])]
    return py[0]["pid"] if py else None


def check_query_answer(c, recs, name, what, pid=None):
    pid = pid or job_pid(recs)
    dns = [r for r in recs if r.get("type") == "dns"]
    qs = [r for r in dns if r.get("direction") == "query"]
    ans = [r for r in dns if r.get("direction") == "answer"]
    if c.eq(len(qs), 1, "%s: query records" % what):
        c.eq((qs[0].get("qname"), qs[0].get("pid")), (name, pid), "%s: query (qname, pid)" % what)
    if c.eq(len(ans), 1, "%s: answer records" % what):
        c.eq((ans[0].get("qname"), ans[0].get("answers"), ans[0].get("pid")),
             (name, [dict(type="A", name=name, address="127.0.0.9", ttl=60)], pid),
             "%s: answer (qname, answers, pid)" % what)
    c.eq(T.summary_of(recs).get("lost"), 0, "%s: lost" % what)


def t_connected(stub, hook):
    c = T.Checker()
    recs = run_job(hook, [stub.addr4, "53", "rw.connected.test"])
    conns = [r for r in recs if r.get("type") == "connect" and r.get("port") == 53]
    c.eq(len(conns), 1, "connect records to port 53")
    check_query_answer(c, recs, "rw.connected.test", "connected in the job")
    c.done()


def t_inherited(stub, hook):
    c = T.Checker()
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.connect((stub.addr4, 53))
        recs = run_job(hook, ["fd:%d" % s.fileno(), "53", "rw.inherited.test"],
                       pass_fds=(s.fileno(),))
    finally:
        s.close()
    c.eq([r for r in recs if r.get("type") == "connect"], [], "connect records (none made)")
    check_query_answer(c, recs, "rw.inherited.test", "inherited, connected before the run")
    c.done()


def t_none(hook):
    c = T.Checker()
    sink = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sink.bind(("127.0.0.1", 0))
    try:
        recs = run_job(hook, ["127.0.0.1", str(sink.getsockname()[1]), "rw.none.test"])
    finally:
        sink.close()
    c.eq([r for r in recs if r.get("type") == "dns"], [], "dns records (no socket to port 53)")
    c.done()


# The adopted process: renamed for the daemon's job rule, it waits for the
# gate file (the daemon has adopted it), then writes and reads DNS on fd N.
ADOPTEE = "bw-dns-adoptee"
ADOPTED_JOB = r"""
import os, struct, sys, time
fd, name, gate = int(sys.argv[1]), sys.argv[2], sys.argv[3]
with open("/proc/self/comm", "w") as f:
    f.write("%s")
while not os.path.exists(gate):
    time.sleep(0.05)
q = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
q = struct.pack(">HHHHHH", 0x4243, 0x0100, 1, 0, 0, 0) + q + struct.pack(">HH", 1, 1)
os.write(fd, q)
os.read(fd, 512)
""" % ADOPTEE


def wait_comm(pid, comm, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open("/proc/%d/comm" % pid) as f:
                if f.read().strip() == comm:
                    return True
        except OSError:
            return False
        time.sleep(0.05)
    return False


def t_adopted(stub, hook):
    c = T.Checker()
    name = "rw.adopted.test"
    with tempfile.TemporaryDirectory(prefix="bw-dns-adopt.") as d:
        os.makedirs(os.path.join(d, "reports"))
        cfg = os.path.join(d, "daemon.yaml")
        with open(cfg, "w") as f:
            f.write("reports: reports\nrecord: all\njobs:\n  - name: adoptee\n"
                    "    match: {exe_basename: %s}\n" % ADOPTEE)
        gate = os.path.join(d, "go")
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect((stub.addr4, 53))
        job = subprocess.Popen([sys.executable, "-c", ADOPTED_JOB, str(s.fileno()), name, gate],
                               stdin=subprocess.DEVNULL, pass_fds=(s.fileno(),),
                               start_new_session=True)
        s.close()
        daemon = None
        try:
            if not wait_comm(job.pid, ADOPTEE, 10):
                raise T.TestFailure("the job process did not take the name %s" % ADOPTEE)
            daemon = D.Daemon(cfg, cwd=d, env=dict(os.environ, BW_SYSCALL_HOOK=hook))
            started = daemon.wait_for(r"\bjob (\S+) started: root pid %d \(rule adoptee\)"
                                      % job.pid, 60)
            if not started:
                raise T.TestFailure("the daemon did not adopt pid %d:\n%s"
                                    % (job.pid, "\n".join(daemon.lines[-20:])))
            open(gate, "w").close()
            c.eq(job.wait(30), 0, "the adopted process's exit status")
            jname = started[1].group(1)
            if c.check(daemon.wait_for(r"\bjob %s ended:" % jname, 30),
                       "no 'job %s ended' line" % jname):
                recs, problems = T.read_events(os.path.join(d, "reports",
                                                            jname + ".events.jsonl"))
                c.eq(problems, [], "the events file's problems")
                c.eq(T.summary_of(recs).get("syscall_hook"), hook, "summary.syscall_hook")
                check_query_answer(c, recs, name, "adopted with the socket", pid=job.pid)
        finally:
            job.kill()
            job.wait()
            if daemon:
                c.eq(daemon.stop(10), 0, "the daemon's exit status after SIGTERM")
    c.done()


def main():
    skip = T.skip_reason()
    stub = None
    if not skip:
        try:
            stub = H.DnsStub({("rw.connected.test", 1): ["127.0.0.9"],
                              ("rw.inherited.test", 1): ["127.0.0.9"],
                              ("rw.adopted.test", 1): ["127.0.0.9"]})
        except T.Skip as e:
            skip = str(e)
    tests = []
    for h in HOOKS:
        tests += [
            ("%s: write/read DNS on a socket the job connected to port 53" % h,
             lambda h=h: t_connected(stub, h)),
            ("%s: write/read DNS on a socket the job inherited already connected" % h,
             lambda h=h: t_inherited(stub, h)),
            ("%s: write/read on a UDP socket to another port: no DNS record" % h,
             lambda h=h: t_none(h)),
            ("%s: write/read DNS of a process a daemon adopted with its socket to port 53" % h,
             lambda h=h: t_adopted(stub, h)),
        ]
    try:
        return T.tap_run(tests, skip)
    finally:
        if stub:
            stub.close()


if __name__ == "__main__":
    sys.exit(main())
