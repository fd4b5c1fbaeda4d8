#!/usr/bin/env python3
"""Network, DNS, file and privilege hooks with real traffic on loopback
(TAP; needs root and BTF).

Every job runs tests/fixtures/hook_probe (one process per invocation, each
with its own argv), and every record is tied to its process: its (pid,
start_ns) is that of the exec record whose argv is the invocation, the exec
came first, tid == pid. Every verdict on an event is written right after the
record it judges (docs/EVENTS.md: verdict), with that record's fields as
`event`.

  connect    TCP and UDP servers on 127.0.0.1 and ::1 (random ports) and a
             refused port; the job connects to each (UDP: connect + send).
             Connect records: family, address, port, proto, result, errno,
             dns_name null; the servers got the bytes. A rule on: connect
             with allow: {ports: [the two IPv4 ports]} fires for the other
             three only; address/proto and result conditions fire exactly.
  dns        a DNS stub on 127.53.X.Y:53 (and [::1]:53 when free) answering
             example.test A 127.0.0.1 by hand. The job: a connect to
             127.0.0.1 (dns_name null), sendto/recvfrom of a query, a
             connected-socket query, the C library's own resolver
             (`getent ahosts` under `unshare -m` with a bind-mounted
             resolv.conf: connect + sendmmsg), then a connect to 127.0.0.1
             that carries dns_name example.test, a malformed payload (a
             malformed query and a malformed answer, counted in
             dns_malformed), and a connect after it (the agent lives on).
             A rule on: dns allowing *.allowed.test fires for example.test,
             not for www.allowed.test; a rule on: connect with
             domain: example.test fires only for the connect after the answer.
  environ    the default policy; the job reads /proc/OUT/environ, maps and
             task/OUT/environ of a sleep outside the job, and its own
             /proc/self/environ and its parent's environ: file records
             open-read with path, target_pid, target_in_job; the rule
             read-memory-of-process-outside-job fires for the three outside
             reads only.
  file       a job whose working tree is a temp dir rewrites src/main.c
             (write, write a new copy, rename over, unlink another file,
             openat relative to a dirfd) and writes outside the tree:
             open-write / rename / unlink records with absolute paths under
             the tree, nothing for the outside write; a rule on: file
             {path: {prefix: TREE/src/}, op: [open-write, rename]} fires for
             exactly the src writes and the rename.
  refused    opens the kernel refuses (the probe as nobody in a root-owned
             tree) by a path relative to the cwd, an absolute path and a path
             relative to a dirfd: open-write records with result -13, EACCES,
             the path made absolute; `dirfd` reported for dirfd-relative opens
             (refused, and one that succeeds); the src rule fires for each.
  privilege  the default policy; PTRACE_SEIZE and PTRACE_ATTACH of sleeps
             outside the job, PTRACE_TRACEME, PTRACE_SEIZE of the probe's own
             child, kill(agent, 0), kill(agent, SIGWINCH), tgkill(agent,
             agent, 0), kill(outside sleep, 0): ptrace records with request,
             target_pid, target_in_job; ptrace-outside-job fires for the
             outside targets only; signal-agent records (the signal in
             args[0]) whose target is the job root's parent (buildwarden
             itself, checked by readlink) and the rule signal-to-agent for
             each; no record for the kill of a process that is not the agent.
  record     the same job under `--record exec`: no connect, dns, file or
             privilege record, no event verdict, every exec still recorded,
             summary.recorded == [exec]; under `--record connect,dns` only
             those; without --record all four kinds appear (the control).
"""

import os
import platform
import re
import select
import shlex
import socket
import struct
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtap as T  # noqa: E402
import bwpolicy as P  # noqa: E402

S = {}
RUN_TIMEOUT = 30
COMMON = ("seq", "type", "time", "job_id", "ktime_ns", "pid", "tid", "start_ns")
EVENT_TYPES = ("connect", "dns", "file", "privilege")
X86_64 = platform.machine() == "x86_64"
NR = {"ptrace": 101, "kill": 62, "tgkill": 234}          # x86_64 syscall numbers
PTRACE_TRACEME, PTRACE_ATTACH, PTRACE_DETACH, PTRACE_SEIZE = 0, 16, 17, 0x4206


def sc():
    return S["sc"]


def probe():
    return P.fixture("hook_probe")


def pcmd(*args):
    """argv of one hook_probe invocation."""
    return [probe()] + [str(a) for a in args]


def sh_job(*steps):
    """sh -c running each step (an argv list, or a raw shell string) in turn."""
    parts = []
    for s in steps:
        parts.append(s if isinstance(s, str) else " ".join(shlex.quote(a) for a in s))
    return ["sh", "-c", "; ".join(parts)]


def bw_job(cmd, policy=None, cwd=None, record=None, name="hooks"):
    """buildwarden run --events F [--policy P] [--record R] -- cmd, bounded."""
    n = 0
    while os.path.exists(sc().path("events-%d.jsonl" % n)):
        n += 1
    ev = sc().path("events-%d.jsonl" % n)
    argv = [T.BUILDWARDEN, "run", "--events", ev]
    if policy:
        argv += ["--policy", policy]
    if record:
        argv += ["--record", record]
    token = T.new_token(name)
    r = T.run(argv + ["--"] + list(cmd), cwd=cwd or sc().dir, timeout=RUN_TIMEOUT,
              token=token)
    T.kill_token(token)
    records, problems = T.read_events(ev)
    return P.Job(r, records, problems, token)


def check_run(c, job, want_exit=0):
    c.check(not job.run.timed_out, "buildwarden run timed out: " + job.run.describe())
    c.check(job.run.returncode == want_exit, "expected exit %d, got %s"
            % (want_exit, job.run.describe()))
    for p in job.stream_problems()[:5]:
        c.check(False, "event stream: " + p)
    s = job.summary or {}
    c.eq(s.get("lost"), 0, "summary.lost")
    c.eq(s.get("malformed"), 0, "summary.malformed (kernel records skipped)")


def of_type(job, t):
    return [r for r in job.records if r.get("type") == t]


def short(r):
    """A record without the common fields, for messages."""
    return {k: v for k, v in r.items() if k not in ("time", "job_id", "ktime_ns")}


def exec_of(c, job, argv, what):
    ex = [e for e in job.execs if e.get("argv") == argv]
    if c.eq(len(ex), 1, "%s: exec records with argv %r" % (what, argv)):
        return ex[0]
    return None


def by_proc(job, t, exec_rec):
    """Records of type t made by the process of exec_rec."""
    if not exec_rec:
        return []
    return [r for r in of_type(job, t) if P.ident(r) == P.ident(exec_rec)]


def check_lineage(c, rec, exec_rec, what):
    """rec was made by the process whose exec record is exec_rec."""
    if not exec_rec:
        return
    c.eq(P.ident(rec), P.ident(exec_rec), "%s: (pid, start_ns) vs its exec" % what)
    c.eq(rec.get("tid"), rec.get("pid"), "%s: tid (single-threaded probe)" % what)
    c.check(rec.get("seq", 0) > exec_rec.get("seq", 0),
            "%s: record seq %r not after its exec's %r" % (what, rec.get("seq"),
                                                            exec_rec.get("seq")))
    c.check(isinstance(rec.get("ktime_ns"), int) and
            rec.get("ktime_ns") >= exec_rec.get("ktime_ns", 0),
            "%s: ktime_ns %r before its exec's %r" % (what, rec.get("ktime_ns"),
                                                      exec_rec.get("ktime_ns")))
    c.eq(rec.get("comm"), os.path.basename(exec_rec.get("argv", ["?"])[0])[:15],
         "%s: comm" % what)


def judged(job, v):
    """The record a verdict judges: the last non-verdict record before it."""
    best = None
    for r in job.records:
        if r.get("seq", 0) >= v.get("seq", 0):
            break
        if r.get("type") != "verdict":
            best = r
    return best


def verdicts_of(job, rule):
    return [v for v in job.verdicts if v.get("rule") == rule]


def check_verdicts(c, job, rule, on, want):
    """The verdicts of rule judge exactly the records `want` (by seq); each
    has on, the record's fields as event, the process's identity and argv."""
    vs = verdicts_of(job, rule)
    got = []
    for v in vs:
        r = judged(job, v)
        if not c.check(r is not None, "%s: verdict %r judges nothing" % (rule, short(v))):
            continue
        got.append(r.get("seq"))
        c.eq(v.get("on"), on, "%s: verdict on" % rule)
        c.eq(r.get("type"), on, "%s: type of the record right before the verdict" % rule)
        ev = v.get("event")
        if c.check(isinstance(ev, dict), "%s: verdict has no event object: %r"
                   % (rule, short(v))):
            want_ev = {k: x for k, x in r.items() if k not in COMMON}
            c.eq(ev, want_ev, "%s: verdict event vs the record seq %s" % (rule, r.get("seq")))
        c.eq(P.ident(v), P.ident(r), "%s: verdict (pid, start_ns)" % rule)
        ex = [e for e in job.execs if P.ident(e) == P.ident(r)]
        if ex:
            c.eq(v.get("argv"), ex[-1].get("argv"), "%s: verdict argv" % rule)
    wseq = sorted(r.get("seq") for r in want)
    if not c.eq(sorted(got), wseq, "%s: seqs of the records judged" % rule):
        byseq = {r.get("seq"): r for r in job.records}
        for q in sorted(set(got) ^ set(wseq)):
            c.check(False, "  %s seq %s: %r" % ("unexpected verdict on" if q in got
                                                else "no verdict for", q, short(byseq[q])))


# ---------------------------------------------------------------- servers

class Servers:
    """Loopback TCP listeners and UDP sockets served by one thread, which
    accepts, reads what arrives and records it per server name."""

    def __init__(self):
        self.socks = {}      # socket -> name
        self.got = {}        # name -> list of bytes
        self.ports = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.thread = None

    def add(self, name, family, addr, kind):
        s = socket.socket(family, socket.SOCK_STREAM if kind != "udp" else socket.SOCK_DGRAM)
        s.bind((addr, 0))
        if kind == "tcp":
            s.listen(16)
        self.ports[name] = s.getsockname()[1]
        self.got[name] = []
        if kind != "closed":  # a bound, non-listening TCP socket: connects are refused
            self.socks[s] = name
        else:
            self.socks[s] = None
        return self.ports[name]

    def start(self):
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        conns = {}
        while not self.stop.is_set():
            rl = [s for s, n in self.socks.items() if n] + list(conns)
            try:
                ready, _, _ = select.select(rl, [], [], 0.1)
            except (OSError, ValueError):
                return
            for s in ready:
                if s in conns:
                    try:
                        data = s.recv(4096)
                    except OSError:
                        data = b""
                    if data:
                        with self.lock:
                            self.got[conns[s]].append(data)
                    else:
                        s.close()
                        del conns[s]
                elif s.type == socket.SOCK_STREAM:
                    a, _ = s.accept()
                    conns[a] = self.socks[s]
                else:
                    data, _ = s.recvfrom(4096)
                    with self.lock:
                        self.got[self.socks[s]].append(data)
        for s in conns:
            s.close()

    def received(self, name):
        with self.lock:
            return b"".join(self.got[name])

    def close(self):
        self.stop.set()
        if self.thread:
            self.thread.join(5)
        for s in self.socks:
            s.close()


# ---------------------------------------------------------------- DNS stub

def dns_parse_question(data):
    """(id, qname, qtype) of a query, or None when it does not parse."""
    if len(data) < 12:
        return None
    qid, flags, qd = struct.unpack(">HHH", data[:6])
    if qd != 1 or flags & 0x8000:
        return None
    i, labels = 12, []
    while True:
        if i >= len(data):
            return None
        n = data[i]
        if n == 0:
            i += 1
            break
        if n > 63 or i + 1 + n > len(data):
            return None
        labels.append(data[i + 1:i + 1 + n].decode("ascii", "replace").lower())
        i += 1 + n
    if i + 4 > len(data):
        return None
    qtype, _qclass = struct.unpack(">HH", data[i:i + 4])
    return qid, ".".join(labels), qtype, i + 4


MALFORMED_ANSWER = b"\xba\xad\x81"   # 3 bytes: ends inside the header


class DnsStub:
    """A UDP DNS server on 127.53.X.Y:53 (and [::1]:53 when it is free)
    answering from a table {(name, qtype): [address]}: NOERROR with the A
    or AAAA records, NOERROR without answers for a known name's other types,
    NXDOMAIN otherwise; a payload that does not parse gets MALFORMED_ANSWER."""

    def __init__(self, table):
        self.table = table
        self.names = {n for n, _ in table}
        self.queries = []        # (server addr, qname, qtype) or (addr, None, raw)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.socks = []
        self.addr4 = self.addr6 = None
        seed = os.getpid() ^ time.monotonic_ns()
        for k in range(40):
            a = "127.53.%d.%d" % ((seed >> 8) % 250 + 1, (seed + k) % 250 + 2)
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                s.bind((a, 53))
            except OSError:
                s.close()
                continue
            self.addr4 = a
            self.socks.append(s)
            break
        if not self.addr4:
            raise T.Skip("cannot bind a DNS stub on any 127.53.x.y:53")
        s6 = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
        try:
            s6.bind(("::1", 53))
            self.addr6 = "::1"
            self.socks.append(s6)
        except OSError:
            s6.close()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def answer(self, data):
        q = dns_parse_question(data)
        if not q:
            return None, MALFORMED_ANSWER
        qid, name, qtype, end = q
        addrs = self.table.get((name, qtype), [])
        rcode = 0 if name in self.names else 3
        out = struct.pack(">HHHHHH", qid, 0x8180 | rcode, 1, len(addrs), 0, 0) + data[12:end]
        for a in addrs:
            rdata = socket.inet_pton(socket.AF_INET6 if ":" in a else socket.AF_INET, a)
            out += b"\xc0\x0c" + struct.pack(">HHIH", qtype, 1, 60, len(rdata)) + rdata
        return (name, qtype), out

    def _loop(self):
        while not self.stop.is_set():
            try:
                ready, _, _ = select.select(self.socks, [], [], 0.1)
            except (OSError, ValueError):
                return
            for s in ready:
                try:
                    data, peer = s.recvfrom(2048)
                except OSError:
                    continue
                q, reply = self.answer(data)
                with self.lock:
                    self.queries.append((s.getsockname()[0],) + (q or (None, data)))
                try:
                    s.sendto(reply, peer)
                except OSError:
                    pass

    def seen(self):
        with self.lock:
            return list(self.queries)

    def close(self):
        self.stop.set()
        self.thread.join(5)
        for s in self.socks:
            s.close()


class Outside:
    """`sleep DUR` started by the test, outside any job; killed on close."""

    def __init__(self, dur):
        self.p = subprocess.Popen(["sleep", dur], start_new_session=True,
                                  stdin=subprocess.DEVNULL)
        self.pid = self.p.pid

    def alive(self):
        return self.p.poll() is None

    def close(self):
        try:
            self.p.kill()
        except ProcessLookupError:
            pass
        self.p.wait()


# ---------------------------------------------------------------- tests

def t_connect():
    srv = Servers()
    p_t4 = srv.add("tcp4", socket.AF_INET, "127.0.0.1", "tcp")
    p_t6 = srv.add("tcp6", socket.AF_INET6, "::1", "tcp")
    p_u4 = srv.add("udp4", socket.AF_INET, "127.0.0.1", "udp")
    p_u6 = srv.add("udp6", socket.AF_INET6, "::1", "udp")
    p_cl = srv.add("closed", socket.AF_INET, "127.0.0.1", "closed")
    srv.start()
    pol = sc().write(
        "version: 1\nrules:\n"
        "  - name: egress-ports\n    severity: high\n    action: alert\n"
        "    on: connect\n    allow:\n      - ports: [%d, %d]\n"
        "  - name: udp-to-v6-loopback\n    severity: low\n    action: log\n"
        "    on: connect\n    match:\n      address: \"::1\"\n      proto: udp\n"
        "  - name: refused\n    severity: low\n    action: log\n"
        "    on: connect\n    match:\n      result: refused\n" % (p_t4, p_u4),
        "connect", "p.yaml")
    steps = [pcmd("tcp", "127.0.0.1", p_t4), pcmd("tcp", "::1", p_t6),
             pcmd("udp", "127.0.0.1", p_u4, "ping4"), pcmd("udp", "::1", p_u6, "ping6"),
             pcmd("tcp", "127.0.0.1", p_cl)]
    try:
        job = bw_job(sh_job(*steps), policy=pol, name="connect")
        time.sleep(0.3)  # let the server thread drain what arrived
    finally:
        srv.close()
    c = T.Checker()
    check_run(c, job)
    c.eq(srv.received("tcp4"), b"hello", "bytes received by the TCP server on 127.0.0.1")
    c.eq(srv.received("tcp6"), b"hello", "bytes received by the TCP server on ::1")
    c.eq(srv.received("udp4"), b"ping4", "datagram received by the UDP server on 127.0.0.1")
    c.eq(srv.received("udp6"), b"ping6", "datagram received by the UDP server on ::1")
    want = [("ipv4", "127.0.0.1", p_t4, "tcp", 0, None),
            ("ipv6", "::1", p_t6, "tcp", 0, None),
            ("ipv4", "127.0.0.1", p_u4, "udp", 0, None),
            ("ipv6", "::1", p_u6, "udp", 0, None),
            ("ipv4", "127.0.0.1", p_cl, "tcp", -111, "ECONNREFUSED")]
    recs = []
    for argv, w in zip(steps, want):
        what = "connect %s %s:%d" % (w[3], w[1], w[2])
        ex = exec_of(c, job, argv, what)
        cs = by_proc(job, "connect", ex)
        if not c.eq(len(cs), 1, "%s: connect records of its process (all connects: %r)"
                    % (what, [short(r) for r in of_type(job, "connect")][:8])):
            recs.append(None)
            continue
        r = cs[0]
        recs.append(r)
        got = tuple(r.get(k) for k in ("family", "address", "port", "proto", "result",
                                       "errno"))
        c.eq(got, w, "%s: (family, address, port, proto, result, errno)" % what)
        c.check("dns_name" in r and r["dns_name"] is None,
                "%s: dns_name should be present and null (no DNS in this job): %r"
                % (what, r.get("dns_name", "<absent>")))
        c.check(isinstance(r.get("fd"), int) and r["fd"] >= 3, "%s: fd %r" % (what, r.get("fd")))
        check_lineage(c, r, ex, what)
    c.eq(len(of_type(job, "connect")), 5, "connect records in the job")
    s = job.summary or {}
    c.eq(s.get("connects"), 5, "summary.connects")
    if all(recs):
        check_verdicts(c, job, "egress-ports", "connect", [recs[1], recs[3], recs[4]])
        check_verdicts(c, job, "udp-to-v6-loopback", "connect", [recs[3]])
        check_verdicts(c, job, "refused", "connect", [recs[4]])
    c.eq(len(job.verdicts), 5, "verdicts in the job")
    c.eq(s.get("verdicts"), 5, "summary.verdicts")
    c.done()


def t_dns():
    table = {("example.test", 1): ["127.0.0.1"], ("www.allowed.test", 1): ["127.0.0.9"],
             ("v6.allowed.test", 28): ["::1"]}
    stub = DnsStub(table)
    srv = Servers()
    pa = srv.add("before", socket.AF_INET, "127.0.0.1", "tcp")
    pb = srv.add("after", socket.AF_INET, "127.0.0.1", "tcp")
    pc = srv.add("last", socket.AF_INET, "127.0.0.1", "tcp")
    srv.start()
    stub4 = stub.addr4
    resolv = sc().write("nameserver %s\noptions timeout:2 attempts:1\n" % stub4,
                        "dns", "resolv.conf")
    pol = sc().write(
        "version: 1\nrules:\n"
        "  - name: dns-allowlist\n    severity: medium\n    action: alert\n"
        "    on: dns\n    allow:\n      domains: [\"*.allowed.test\"]\n"
        "  - name: connect-to-example\n    severity: low\n    action: log\n"
        "    on: connect\n    match:\n      domain: example.test\n",
        "dns", "p.yaml")
    malformed_hex = "0102ff"   # 3 bytes: no complete header
    s_before = pcmd("tcp", "127.0.0.1", pa)
    s_sendto = pcmd("dns-sendto", stub4, "example.test", 1)
    s_conn = pcmd("dns-connected", stub4, "www.allowed.test", 1)
    s_v6 = pcmd("dns-sendto", "::1", "v6.allowed.test", 28)
    getent = ["getent", "ahosts", "example.test"]
    s_getent = ("unshare -m sh -c %s" % shlex.quote(
        "mount --bind %s /etc/resolv.conf && exec getent ahosts example.test"
        % shlex.quote(resolv)))
    s_after = pcmd("tcp", "127.0.0.1", pb)
    s_bad = pcmd("dns-raw", stub4, malformed_hex)
    s_last = pcmd("tcp", "127.0.0.1", pc)
    if not stub.addr6:
        print("# [::1]:53 is taken: the DNS-over-IPv6 step is left out", flush=True)
    steps = [s_before, s_sendto, s_conn] + ([s_v6] if stub.addr6 else []) + \
        [s_getent, s_after, s_bad, s_last]
    try:
        job = bw_job(sh_job(*steps), policy=pol, name="dns")
        time.sleep(0.2)
    finally:
        stub.close()
        srv.close()
    c = T.Checker()
    check_run(c, job)
    seen = stub.seen()
    c.check(any(q[1:] == ("example.test", 1) for q in seen),
            "the stub never got the example.test A query: %r" % seen)
    c.check(any(q[1] is None for q in seen), "the stub never got the malformed payload")
    c.check(re.search(r"^127\.0\.0\.1\s+\S+\s+example\.test$", job.stdout, re.M),
            "getent did not resolve example.test through the stub: stdout %r" % job.stdout)
    dns = of_type(job, "dns")
    alldns = [short(r) for r in dns][:12]

    # before any answer: no name
    ex = exec_of(c, job, s_before, "connect before DNS")
    cs = by_proc(job, "connect", ex)
    if c.eq(len(cs), 1, "connect records of the probe before DNS"):
        c.check(cs[0].get("dns_name", "<absent>") is None,
                "connect before any answer has dns_name %r" % cs[0].get("dns_name", "<absent>"))
        check_lineage(c, cs[0], ex, "connect before DNS")

    # sendto/recvfrom on an unconnected socket
    ex = exec_of(c, job, s_sendto, "dns-sendto")
    recs = by_proc(job, "dns", ex)
    qs = [r for r in recs if r.get("direction") == "query"]
    ans = [r for r in recs if r.get("direction") == "answer"]
    q_example = []
    if c.eq(len(qs), 1, "dns-sendto: query records (all dns: %r)" % alldns):
        q = qs[0]
        q_example.append(q)
        want = dict(server=stub4, server_port=53, qname="example.test", qtype="A",
                    rcode=0, captured_len=30, total_len=30, truncated=False,
                    id=ex["pid"] & 0xffff, answers=[])
        c.eq({k: q.get(k) for k in want}, want, "dns-sendto: query fields")
        c.check("malformed" not in q, "dns-sendto: query marked malformed: %r" % q.get("malformed"))
        check_lineage(c, q, ex, "dns-sendto query")
    if c.eq(len(ans), 1, "dns-sendto: answer records (all dns: %r)" % alldns):
        a = ans[0]
        want = dict(server=stub4, server_port=53, qname="example.test", qtype="A", rcode=0,
                    id=ex["pid"] & 0xffff, truncated=False,
                    answers=[dict(type="A", name="example.test", address="127.0.0.1", ttl=60)])
        c.eq({k: a.get(k) for k in want}, want, "dns-sendto: answer fields")
        c.eq((a.get("captured_len"), a.get("total_len")), (46, 46),
             "dns-sendto: answer captured_len, total_len")
        check_lineage(c, a, ex, "dns-sendto answer")

    # connected socket: connect + send + recv
    ex = exec_of(c, job, s_conn, "dns-connected")
    cs = by_proc(job, "connect", ex)
    if c.eq(len(cs), 1, "dns-connected: connect records"):
        got = tuple(cs[0].get(k) for k in ("family", "address", "port", "proto", "result"))
        c.eq(got, ("ipv4", stub4, 53, "udp", 0), "dns-connected: connect fields")
    recs = by_proc(job, "dns", ex)
    qs = [r for r in recs if r.get("direction") == "query"]
    ans = [r for r in recs if r.get("direction") == "answer"]
    q_allowed = []
    if c.eq(len(qs), 1, "dns-connected: query records (all dns: %r)" % alldns):
        q = qs[0]
        q_allowed.append(q)
        c.eq((q.get("qname"), q.get("qtype"), q.get("server")),
             ("www.allowed.test", "A", "0.0.0.0"),
             "dns-connected: query (qname, qtype, server 0.0.0.0 for a connected socket)")
        check_lineage(c, q, ex, "dns-connected query")
    if c.eq(len(ans), 1, "dns-connected: answer records (all dns: %r)" % alldns):
        c.eq(ans[0].get("answers"),
             [dict(type="A", name="www.allowed.test", address="127.0.0.9", ttl=60)],
             "dns-connected: answers")
        check_lineage(c, ans[0], ex, "dns-connected answer")

    # IPv6 server
    if stub.addr6:
        ex = exec_of(c, job, s_v6, "dns over ::1")
        recs = by_proc(job, "dns", ex)
        qs = [r for r in recs if r.get("direction") == "query"]
        ans = [r for r in recs if r.get("direction") == "answer"]
        if c.eq(len(qs), 1, "dns over ::1: query records"):
            q_allowed.append(qs[0])
            c.eq((qs[0].get("server"), qs[0].get("server_port"), qs[0].get("qname"),
                  qs[0].get("qtype")), ("::1", 53, "v6.allowed.test", "AAAA"),
                 "dns over ::1: query fields")
        if c.eq(len(ans), 1, "dns over ::1: answer records"):
            c.eq(ans[0].get("answers"),
                 [dict(type="AAAA", name="v6.allowed.test", address="::1", ttl=60)],
                 "dns over ::1: answers")

    # the C library's resolver
    ex = exec_of(c, job, getent, "getent")
    cs = by_proc(job, "connect", ex)
    c.check(any((r.get("address"), r.get("port"), r.get("proto")) == (stub4, 53, "udp")
                for r in cs),
            "getent: no connect record of its UDP socket to %s:53: %r"
            % (stub4, [short(r) for r in cs]))
    recs = by_proc(job, "dns", ex)
    qs = [r for r in recs if r.get("direction") == "query"]
    ans = [r for r in recs if r.get("direction") == "answer"]
    q_example += [r for r in qs if r.get("qname") == "example.test"]
    c.eq(sorted({r.get("qtype") for r in qs if r.get("qname") == "example.test"}),
         ["A", "AAAA"], "getent: qtypes queried for example.test (all: %r)"
         % [short(r) for r in recs])
    c.check(any(a.get("answers") == [dict(type="A", name="example.test",
                                          address="127.0.0.1", ttl=60)] for a in ans),
            "getent: no answer record with example.test A 127.0.0.1: %r"
            % [short(r) for r in ans])
    for r in recs:
        check_lineage(c, r, ex, "getent dns %s" % r.get("direction"))

    # a connect after the answer carries the name
    after = []
    for argv, what in ((s_after, "connect after the answer"),
                       (s_last, "connect after the malformed payload")):
        ex = exec_of(c, job, argv, what)
        cs = by_proc(job, "connect", ex)
        if c.eq(len(cs), 1, "%s: connect records" % what):
            after.append(cs[0])
            c.eq(cs[0].get("dns_name"), "example.test", "%s: dns_name" % what)
            c.eq((cs[0].get("address"), cs[0].get("result")), ("127.0.0.1", 0),
                 "%s: address, result" % what)
            check_lineage(c, cs[0], ex, what)

    # the malformed payload
    ex = exec_of(c, job, s_bad, "malformed")
    recs = by_proc(job, "dns", ex)
    mq = [r for r in recs if r.get("direction") == "query"]
    ma = [r for r in recs if r.get("direction") == "answer"]
    if c.eq(len(mq), 1, "malformed: query records (all dns: %r)" % alldns):
        c.check(isinstance(mq[0].get("malformed"), str) and mq[0]["malformed"],
                "malformed query has no 'malformed' reason: %r" % short(mq[0]))
        c.eq((mq[0].get("captured_len"), mq[0].get("total_len"), mq[0].get("server")),
             (3, 3, stub4), "malformed query: captured_len, total_len, server")
        check_lineage(c, mq[0], ex, "malformed query")
    if c.eq(len(ma), 1, "malformed: answer records (the stub's 3-byte reply)"):
        c.check(isinstance(ma[0].get("malformed"), str) and ma[0]["malformed"],
                "malformed answer has no 'malformed' reason: %r" % short(ma[0]))
    s = job.summary or {}
    n_bad = len([r for r in dns if "malformed" in r])
    c.check(isinstance(s.get("dns_malformed"), int) and s["dns_malformed"] >= 1,
            "summary.dns_malformed %r, want >= 1" % s.get("dns_malformed"))
    c.eq(s.get("dns_malformed"), n_bad, "summary.dns_malformed vs malformed records")
    c.eq(s.get("dns"), len(dns), "summary.dns vs dns records")

    # verdicts: every query not under *.allowed.test (a query without a name
    # is never allowed), answers never; the domain rule only after the answer
    queries = [r for r in dns if r.get("direction") == "query"]
    not_allowed = [r for r in queries
                   if not (r.get("qname") or "").endswith(".allowed.test")]
    c.check(q_example and all(r in not_allowed for r in q_example),
            "example.test queries missing: %r" % q_example)
    c.check(all(r not in not_allowed for r in q_allowed), "allowed queries in the list")
    check_verdicts(c, job, "dns-allowlist", "dns", not_allowed)
    c.check(any(judged(job, v) in mq for v in verdicts_of(job, "dns-allowlist")),
            "the malformed query (no name, so never allowed: docs/POLICY.md) did not "
            "fire dns-allowlist")
    if len(after) == 2:
        check_verdicts(c, job, "connect-to-example", "connect", after)
    c.done()


def t_environ():
    out = Outside("29.31")
    steps = None
    try:
        steps = [pcmd("read-proc", out.pid, "environ"),
                 pcmd("read-proc", "self", "environ"),
                 "%s read-proc $$ environ" % shlex.quote(probe()),
                 pcmd("read-proc", out.pid, "maps"),
                 pcmd("read-proc", out.pid, "task/%d/environ" % out.pid)]
        job = bw_job(sh_job(*steps), name="environ")
        alive = out.alive()
    finally:
        out.close()
    c = T.Checker()
    check_run(c, job)
    c.check(alive, "the outside sleep died")
    root = job.root_exec() or {}
    c.eq((root.get("argv") or [None])[0], "sh", "job root argv[0]")
    sh_pid = root.get("pid")
    steps[2] = pcmd("read-proc", sh_pid, "environ")
    want_paths = ["/proc/%d/environ" % out.pid, None, "/proc/%s/environ" % sh_pid,
                  "/proc/%d/maps" % out.pid, "/proc/%d/task/%d/environ" % (out.pid, out.pid)]
    outside_recs = []
    for i, (argv, path) in enumerate(zip(steps, want_paths)):
        what = "read %s" % " ".join(argv[1:])
        ex = exec_of(c, job, argv, what)
        fs = by_proc(job, "file", ex)
        if not c.eq(len(fs), 1, "%s: file records of its process (all file: %r)"
                    % (what, [short(r) for r in of_type(job, "file")][:8])):
            continue
        r = fs[0]
        if path is None:   # /proc/self: the process itself
            path = "/proc/%d/environ" % ex["pid"]
            tpid, injob = ex["pid"], True
        elif i == 2:
            tpid, injob = sh_pid, True
        else:
            tpid, injob = out.pid, False
            outside_recs.append(r)
        want = dict(op="open-read", path=path, result=0, errno=None, resolved=True,
                    target_pid=tpid, target_in_job=injob)
        c.eq({k: r.get(k) for k in want}, want, "%s: file record" % what)
        c.check(isinstance(r.get("open_flags"), int) and r["open_flags"] & 3 == os.O_RDONLY,
                "%s: open_flags %r not read-only" % (what, r.get("open_flags")))
        check_lineage(c, r, ex, what)
    check_verdicts(c, job, "read-memory-of-process-outside-job", "file", outside_recs)
    c.eq(sorted(v.get("rule") for v in job.verdicts),
         ["read-memory-of-process-outside-job"] * 3,
         "rules fired in the job (no exec rule: argv names no /proc path)")
    c.eq((job.summary or {}).get("file_ops"), len(of_type(job, "file")), "summary.file_ops")
    c.done()


def t_file_tree():
    tree = sc().mkdir("tree")
    sc().write("int main;\n", "tree", "src", "main.c")
    sc().write("old\n", "tree", "src", "old.c")
    sc().mkdir("tree", "docs")
    outside = sc().mkdir("outside")
    src = os.path.join(tree, "src") + "/"
    pol = sc().write(
        "version: 1\nrules:\n"
        "  - name: src-tamper\n    severity: high\n    action: alert\n"
        "    on: file\n    match:\n      path: {prefix: %s}\n      op: [open-write, rename]\n"
        % src, "file-policy.yaml")
    argv = pcmd("write", "src/main.c", "write", "src/main.c.new",
                "rename", "src/main.c.new", "src/main.c", "unlink", "src/old.c",
                "write", "docs/notes.txt", "writeat", "src", "gen.h",
                "write", os.path.join(outside, "x.txt"))
    job = bw_job(sh_job(argv), policy=pol, cwd=tree, name="file")
    c = T.Checker()
    check_run(c, job)
    c.eq(sorted(os.listdir(os.path.join(tree, "src"))), ["gen.h", "main.c"],
         "the tree's src/ after the job (the probe did its work)")
    ex = exec_of(c, job, argv, "rewrite")
    fs = by_proc(job, "file", ex)
    want = [("open-write", src + "main.c", None),
            ("open-write", src + "main.c.new", None),
            ("rename", src + "main.c.new", src + "main.c"),
            ("unlink", src + "old.c", None),
            ("open-write", os.path.join(tree, "docs", "notes.txt"), None),
            ("open-write", src + "gen.h", None)]
    c.eq([(r.get("op"), r.get("path"), r.get("path2")) for r in fs], want,
         "(op, path, path2) of the probe's file records")
    c.eq(len(of_type(job, "file")), len(fs), "file records of other processes: %r"
         % [short(r) for r in of_type(job, "file") if r not in fs])
    c.check(not [r for r in of_type(job, "file") if outside in (r.get("path") or "")],
            "a write outside the working tree was recorded")
    for r in fs:
        what = "%s %s" % (r.get("op"), r.get("path"))
        c.eq((r.get("result"), r.get("errno")), (0, None), "%s: result, errno" % what)
        check_lineage(c, r, ex, what)
        if r.get("op") == "open-write":
            c.eq(r.get("resolved"), True, "%s: resolved" % what)
            fl = r.get("open_flags")
            c.check(isinstance(fl, int) and fl & 3 == os.O_WRONLY and fl & os.O_CREAT
                    and fl & os.O_TRUNC, "%s: open_flags %r" % (what, fl))
        else:
            c.eq(r.get("cwd"), tree, "%s: cwd" % what)
    if len(fs) == len(want):
        c.check("dirfd" not in fs[0], "dirfd present for a path relative to the cwd: %r"
                % fs[0].get("dirfd"))
        check_verdicts(c, job, "src-tamper", "file", [fs[0], fs[1], fs[2], fs[5]])
    c.eq((job.summary or {}).get("file_ops"), len(of_type(job, "file")), "summary.file_ops")
    c.done()


def t_file_absolute():
    """Name operations given absolute paths: each directory prefix and the
    basename are looked up from the path string itself (bw_watch_str)."""
    tree = sc().mkdir("abs-tree")
    sc().write("a\n", "abs-tree", "src", "a.c")
    sc().write("b\n", "abs-tree", "src", "b.c")
    outside = sc().mkdir("abs-outside", "deep", "er")
    sc().write("x\n", "abs-outside", "deep", "er", ".bashrc")
    sc().write("y\n", "abs-outside", "deep", "er", "plain.txt")
    src = os.path.join(tree, "src") + "/"
    argv = pcmd("rename", src + "a.c", src + "a2.c", "unlink", src + "b.c",
                "unlink", os.path.join(outside, ".bashrc"),
                "unlink", os.path.join(outside, "plain.txt"))
    job = bw_job(sh_job(argv), cwd=tree, name="file-abs")
    c = T.Checker()
    check_run(c, job)
    c.eq(sorted(os.listdir(os.path.join(tree, "src"))), ["a2.c"],
         "the tree's src/ after the job (the probe did its work)")
    ex = exec_of(c, job, argv, "absolute name operations")
    fs = by_proc(job, "file", ex)
    want = [("rename", src + "a.c", src + "a2.c"),
            ("unlink", src + "b.c", None),
            ("unlink", os.path.join(outside, ".bashrc"), None)]
    c.eq([(r.get("op"), r.get("path"), r.get("path2")) for r in fs], want,
         "(op, path, path2) of the probe's file records: the tree's by its prefix, "
         ".bashrc by its name wherever it is, plain.txt outside the tree not at all")
    c.done()


def t_file_links():
    """Hard and symbolic links: a new name in a watched directory (link,
    linkat with another directory's descriptor, symlink, symlinkat), and a
    hard link's existing file when it is in a watched one, whatever the new
    name; a symlink's target is text, sent as given. Links between
    unwatched places are not recorded."""
    tree = sc().mkdir("link-tree")
    sc().write("a\n", "link-tree", "src", "a.c")
    sc().write("n\n", "link-tree", "docs", "n.txt")
    outside = sc().mkdir("link-outside")
    sc().write("x\n", "link-outside", "x.txt")
    src = os.path.join(tree, "src") + "/"
    docs = os.path.join(tree, "docs") + "/"
    pol = sc().write(
        "version: 1\nrules:\n"
        "  - name: src-link\n    severity: high\n    action: alert\n"
        "    on: file\n    match:\n      path: {prefix: %s}\n      op: [link, symlink]\n"
        % src, "link-policy.yaml")
    argv = pcmd("link", "src/a.c", "src/a-hard.c",
                "symlink", "../docs/n.txt", "src/n-soft.txt",
                "linkat", "docs", "n.txt", "src", "n-hard.txt",
                "symlinkat", "a.c", "src", "a-soft.c",
                "link", "src/a.c", os.path.join(outside, "a-out.c"),
                "link", os.path.join(outside, "x.txt"), os.path.join(outside, "y.txt"),
                "symlink", "x.txt", os.path.join(outside, "z.txt"))
    job = bw_job(sh_job(argv), policy=pol, cwd=tree, name="links")
    c = T.Checker()
    check_run(c, job)
    c.eq(sorted(os.listdir(os.path.join(tree, "src"))),
         ["a-hard.c", "a-soft.c", "a.c", "n-hard.txt", "n-soft.txt"],
         "the tree's src/ after the job (the probe did its work)")
    ex = exec_of(c, job, argv, "links")
    fs = by_proc(job, "file", ex)
    want = [("link", src + "a.c", src + "a-hard.c", None),
            ("symlink", src + "n-soft.txt", None, "../docs/n.txt"),
            ("link", docs + "n.txt", src + "n-hard.txt", None),
            ("symlink", src + "a-soft.c", None, "a.c"),
            ("link", src + "a.c", os.path.join(outside, "a-out.c"), None)]
    c.eq([(r.get("op"), r.get("path"), r.get("path2"), r.get("target")) for r in fs], want,
         "(op, path, path2, target) of the probe's file records: the new name in src/ or "
         "the existing file there; nothing for the links made outside")
    for r in fs:
        c.eq((r.get("result"), r.get("errno")), (0, None),
             "%s %s: result, errno" % (r.get("op"), r.get("path")))
    if len(fs) == len(want):
        check_verdicts(c, job, "src-link", "file", fs)
    c.done()


def t_file_filter():
    """The kernel looks a directory prefix or a basename up only where the
    watch filter (its length, its last name's first and last byte, and
    whether it is watched for reading or writing) says a key could be:
    names that collide with a watched key in all three must still be looked
    up and found absent, one-byte names and names read and written go
    through, and what is watched only for writing is not reported when
    read."""
    tree = sc().mkdir("ftree")
    for d in ("a", "b", "bcd", "bdd", "w"):
        sc().mkdir("ftree", d)
    for d, f in (("bcd", "r.txt"), ("bdd", "r.txt"), ("w", "r.txt"), ("a", "u.c"),
                 ("b", "u.c")):
        sc().write("x\n", "ftree", d, f)
    out = sc().mkdir("fout")
    sc().write("y\n", "fout", ".npmrc")
    sc().write("y\n", "fout", ".nparc")  # .npmrc's length, first and last byte
    sc().write("y\n", "fout", ".bashrc")  # watched for writing only
    t = tree + "/"
    pol = sc().write(
        "version: 1\nrules:\n"
        "  - name: filter-watch\n    severity: high\n    action: alert\n"
        "    on: file\n    match:\n      path: {prefix: %sa/}\n" % t +
        "  - name: filter-watch-read\n    severity: high\n    action: alert\n"
        "    on: file\n    match:\n      path: {prefix: %sbcd/}\n" % t, "filter-policy.yaml")
    reads = "cat %s >/dev/null" % " ".join(shlex.quote(x) for x in (
        t + "bcd/r.txt", t + "bdd/r.txt", t + "w/r.txt", out + "/.npmrc", out + "/.nparc",
        out + "/.bashrc"))
    writes = pcmd("write", t + "a/f1.c", "write", t + "b/f2.c", "unlink", t + "a/u.c",
                  "unlink", t + "b/u.c")
    job = bw_job(sh_job(reads, writes), policy=pol, cwd=out, name="file-filter")
    c = T.Checker()
    check_run(c, job)
    got = sorted((r.get("op"), r.get("path")) for r in of_type(job, "file")
                 if (r.get("path") or "").startswith((t, out + "/")))
    c.eq(got, sorted([("open-read", t + "bcd/r.txt"), ("open-read", out + "/.npmrc"),
                      ("open-write", t + "a/f1.c"), ("unlink", t + "a/u.c")]),
         "file records under the test's directories: the watched prefixes and name only "
         "(bdd/ and .nparc collide with a watched key in the filter; .bashrc is watched "
         "for writing; b/ is a/'s length)")
    c.done()


NOBODY = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def t_file_refused():
    """Opens the kernel refuses (EACCES: the probe runs as nobody in a tree
    owned by root) are recorded too, with their error and the caller's path
    made absolute with the cwd (docs/EVENTS.md: file, path); a path relative
    to a dirfd is reported with `dirfd`, also for an open that succeeded."""
    tree = sc().mkdir("rtree")
    sc().mkdir("rtree", "src")
    os.chmod(tree, 0o755)
    os.chmod(os.path.join(tree, "src"), 0o755)
    src = os.path.join(tree, "src") + "/"
    pol = sc().write(
        "version: 1\nrules:\n"
        "  - name: src-tamper\n    severity: high\n    action: alert\n"
        "    on: file\n    match:\n      path: {prefix: %s}\n      op: [open-write, rename]\n"
        % src, "refused-policy.yaml")
    denied = pcmd("write", "src/denied-rel.c", "write", src + "denied-abs.c",
                  "writeat", "src", "denied-dirfd.c")
    ok_at = pcmd("writeat", "src", "ok-dirfd.c")
    job = bw_job(sh_job(NOBODY + denied, ok_at), policy=pol, cwd=tree, name="refused")
    c = T.Checker()
    check_run(c, job)
    c.eq([ln for ln in job.stdout.splitlines() if ln.startswith("write ")],
         ["write rc=-1 errno=EACCES"] * 3 + ["write rc=15 errno=0"],
         "probe output (three refused opens as nobody, then one that succeeds)")
    ex = exec_of(c, job, denied, "refused opens")
    fs = by_proc(job, "file", ex)
    allf = [short(r) for r in of_type(job, "file")][:8]
    got = [(r.get("op"), r.get("path"), r.get("result"), r.get("errno"), r.get("resolved"))
           for r in fs]
    c.eq(got[:2], [("open-write", src + "denied-rel.c", -13, "EACCES", False),
                   ("open-write", src + "denied-abs.c", -13, "EACCES", False)],
         "refused opens by a path relative to the cwd and by an absolute path (all file "
         "records: %r)" % allf)
    dfd = [r for r in fs if (r.get("path") or "").endswith("denied-dirfd.c")]
    if c.eq(len(dfd), 1, "refused openat relative to a dirfd: records (all file: %r)" % allf):
        c.eq((dfd[0].get("result"), dfd[0].get("errno")), (-13, "EACCES"),
             "refused openat relative to a dirfd: result")
        c.check(isinstance(dfd[0].get("dirfd"), int),
                "refused openat relative to a dirfd: dirfd %r" % dfd[0].get("dirfd", "<absent>"))
    for r in fs:
        check_lineage(c, r, ex, "refused %s" % r.get("path"))
    ex2 = exec_of(c, job, ok_at, "openat relative to a dirfd")
    fs2 = by_proc(job, "file", ex2)
    if c.eq(len(fs2), 1, "openat relative to a dirfd (succeeds): records"):
        r = fs2[0]
        c.eq((r.get("op"), r.get("path"), r.get("resolved"), r.get("result")),
             ("open-write", src + "ok-dirfd.c", True, 0), "openat relative to a dirfd: fields")
        c.check(isinstance(r.get("dirfd"), int) and r["dirfd"] >= 0,
                "openat relative to a dirfd: dirfd %r (docs/EVENTS.md: present when a "
                "relative path was given relative to a directory descriptor)"
                % r.get("dirfd", "<absent>"))
        check_lineage(c, r, ex2, "openat relative to a dirfd")
    check_verdicts(c, job, "src-tamper", "file", fs + fs2)
    c.done()


def t_privilege():
    o1, o2 = Outside("29.41"), Outside("29.42")
    try:
        steps = ["readlink /proc/$PPID/exe",
                 pcmd("ptrace-seize", o1.pid), pcmd("ptrace-attach", o2.pid),
                 pcmd("traceme"), pcmd("ptrace-child"),
                 "%s kill $PPID 0 kill $PPID 28 tgkill $PPID $PPID 0" % shlex.quote(probe()),
                 pcmd("kill", o1.pid, 0)]
        job = bw_job(sh_job(*steps), name="privilege")
        alive = (o1.alive(), o2.alive())
    finally:
        o1.close()
        o2.close()
    c = T.Checker()
    check_run(c, job)
    c.eq(alive, (True, True), "outside sleeps alive after the job")
    root = job.root_exec() or {}
    agent = root.get("ppid")
    c.eq(job.stdout.splitlines()[:1], [os.path.realpath(T.BUILDWARDEN)],
         "readlink /proc/$PPID/exe in the job root (the agent)")
    priv = of_type(job, "privilege")
    allp = [short(r) for r in priv][:12]

    def ptrace_recs(argv, what):
        ex = exec_of(c, job, argv, what)
        rs = by_proc(job, "privilege", ex)
        for r in rs:
            c.eq(r.get("op"), "ptrace", "%s: op" % what)
            if X86_64:
                c.eq(r.get("syscall_nr"), NR["ptrace"], "%s: syscall_nr" % what)
            check_lineage(c, r, ex, what)
        return ex, rs

    fire = []
    _, rs = ptrace_recs(steps[1], "PTRACE_SEIZE outside")
    if c.eq(len(rs), 1, "PTRACE_SEIZE outside: privilege records (all: %r)" % allp):
        r = rs[0]
        c.eq(((r.get("args") or [None])[0], r.get("target_pid"), r.get("target_in_job")),
             (PTRACE_SEIZE, o1.pid, False), "PTRACE_SEIZE outside: (request, target_pid, "
             "target_in_job)")
        fire.append(r)
    _, rs = ptrace_recs(steps[2], "PTRACE_ATTACH outside")
    reqs = [(r.get("args") or [None])[0] for r in rs]
    c.eq(reqs, [PTRACE_ATTACH, PTRACE_DETACH], "PTRACE_ATTACH outside: requests recorded "
         "(attach, then detach; all: %r)" % allp)
    for r in rs:
        c.eq((r.get("target_pid"), r.get("target_in_job")), (o2.pid, False),
             "PTRACE_ATTACH outside: target")
        fire.append(r)
    _, rs = ptrace_recs(steps[3], "PTRACE_TRACEME")
    if c.eq(len(rs), 1, "PTRACE_TRACEME: privilege records"):
        c.eq(((rs[0].get("args") or [None])[0], rs[0].get("target_pid")),
             (PTRACE_TRACEME, None), "PTRACE_TRACEME: (request, target_pid)")
    ex, rs = ptrace_recs(steps[4], "PTRACE_SEIZE of its own child")
    kids = [f for f in job.forks if ex and (f.get("parent_pid"), f.get("parent_start_ns"))
            == P.ident(ex)]
    if c.eq(len(rs), 1, "PTRACE_SEIZE own child: privilege records") and \
            c.eq(len(kids), 1, "fork records of the probe's child"):
        c.eq(((rs[0].get("args") or [None])[0], rs[0].get("target_pid"),
              rs[0].get("target_in_job")), (PTRACE_SEIZE, kids[0]["pid"], True),
             "PTRACE_SEIZE own child: (request, target_pid, target_in_job)")
    # kill(agent, 0), kill(agent, SIGWINCH: ignored by default), tgkill(agent, agent, 0)
    sig_argv = pcmd("kill", agent, 0, "kill", agent, 28, "tgkill", agent, agent, 0)
    ex = exec_of(c, job, sig_argv, "signals to the agent")
    rs = by_proc(job, "privilege", ex)
    if c.eq(len(rs), 3, "signals to the agent: privilege records (all: %r)" % allp):
        for r, sig, nr in zip(rs, (0, 28, 0), ("kill", "kill", "tgkill")):
            what = "%s(agent, %d)" % (nr, sig)
            c.eq((r.get("op"), r.get("target_pid"), r.get("target_in_job")),
                 ("signal-agent", agent, False), "%s: (op, target_pid, target_in_job)" % what)
            c.eq((r.get("args") or [None])[0], sig, "%s: args[0] (the signal)" % what)
            if X86_64:
                c.eq(r.get("syscall_nr"), NR[nr], "%s: syscall_nr" % what)
            check_lineage(c, r, ex, what)
        check_verdicts(c, job, "signal-to-agent", "privilege", rs)
    ex = exec_of(c, job, steps[6], "kill(outside sleep, 0)")
    c.eq(by_proc(job, "privilege", ex), [], "privilege records of a kill of a process "
         "that is not the agent")
    check_verdicts(c, job, "ptrace-outside-job", "privilege", fire)
    c.eq(sorted({v.get("rule") for v in job.verdicts}),
         sorted({"ptrace-outside-job", "signal-to-agent"}), "rules fired in the job")
    c.eq((job.summary or {}).get("privilege_ops"), len(priv), "summary.privilege_ops")
    c.done()


def t_record():
    stub = DnsStub({("example.test", 1): ["127.0.0.1"]})
    srv = Servers()
    pt = srv.add("tcp", socket.AF_INET, "127.0.0.1", "tcp")
    pu = srv.add("udp", socket.AF_INET6, "::1", "udp")
    srv.start()
    out = Outside("29.51")
    tree = sc().mkdir("rectree")
    try:
        steps = [pcmd("tcp", "127.0.0.1", pt), pcmd("udp", "::1", pu, "x"),
                 pcmd("dns-sendto", stub.addr4, "example.test", 1),
                 pcmd("write", "a.c"), pcmd("read-proc", out.pid, "environ"),
                 pcmd("ptrace-seize", out.pid), "%s kill $PPID 0" % shlex.quote(probe())]
        cmd = sh_job(*steps)
        jobs = {rec: bw_job(cmd, cwd=tree, record=rec, name="record")
                for rec in (None, "exec", "connect,dns")}
    finally:
        out.close()
        stub.close()
        srv.close()
    c = T.Checker()
    n_probe = len(steps)
    want_kinds = {None: set(EVENT_TYPES), "exec": set(), "connect,dns": {"connect", "dns"}}
    for rec, job in jobs.items():
        label = "--record %s" % rec if rec else "default --record"
        sub = T.Checker()
        check_run(sub, job)
        c.problems += ["%s: %s" % (label, p) for p in sub.problems]
        kinds = {t for t in EVENT_TYPES if of_type(job, t)}
        c.eq(kinds, want_kinds[rec], "%s: kinds of event records present" % label)
        ons = sorted({v.get("on") for v in job.verdicts} - {"exec"})
        # The query goes to the stub, which no resolv.conf lists: the
        # default's dns-to-unconfigured-resolver judges it.
        want_on = {None: ["dns", "file", "privilege"], "exec": [], "connect,dns": ["dns"]}[rec]
        c.eq(ons, want_on, "%s: event verdicts' on (default policy)" % label)
        probes = [e for e in job.execs if (e.get("argv") or [""])[0] == probe()]
        c.eq(len(probes), n_probe, "%s: exec records of the probe" % label)
        s = job.summary or {}
        want_rec = ["exec"] + [t for t in EVENT_TYPES if t in want_kinds[rec]]
        c.eq(sorted(s.get("recorded") or []), sorted(want_rec), "%s: summary.recorded" % label)
        for t, k in (("connect", "connects"), ("dns", "dns"), ("file", "file_ops"),
                     ("privilege", "privilege_ops")):
            c.eq(s.get(k), len(of_type(job, t)), "%s: summary.%s" % (label, k))
    c.done()


TESTS = [
    ("connect: TCP/UDP to 127.0.0.1 and ::1, refused port; fields, lineage, "
     "allow-ports rule fires for the others only", t_connect),
    ("dns: stub on loopback:53; sendto, connected, getent (sendmmsg); answers; "
     "connect after the answer has dns_name; malformed counted; on: dns allowlist", t_dns),
    ("file: /proc/PID/environ of a process outside the job fires "
     "read-memory-of-process-outside-job; own and in-job environ do not", t_environ),
    ("file: rewrite in the working tree: open-write/rename/unlink under the tree; "
     "on: file rule with path prefix and op fires", t_file_tree),
    ("file: absolute paths to rename/unlink: the tree's by prefix, a watched name "
     "anywhere, nothing else", t_file_absolute),
    ("file: link, linkat, symlink, symlinkat: a new name in a watched directory or a hard "
     "link's watched file; the symlink's target as text; unwatched links not recorded",
     t_file_links),
    ("file: the watch filter: colliding prefixes and names looked up and absent, one-byte "
     "names, read and write sets", t_file_filter),
    ("file: refused opens (relative, absolute, dirfd-relative) recorded with their error; "
     "dirfd reported", t_file_refused),
    ("privilege: ptrace outside/inside/TRACEME, kill/tgkill of the agent; "
     "ptrace-outside-job and signal-to-agent fire", t_privilege),
    ("--record exec: no connect/dns/file/privilege records, execs still; "
     "--record connect,dns; default records all", t_record),
]


def main():
    skip = T.skip_reason()
    if not skip:
        miss = P.missing_fixtures(["hook_probe"])
        if miss:
            print("1..1")
            print("not ok 1 - %s" % miss)
            return 1
        S["sc"] = P.Scratch("bw-hooks-")
    try:
        return T.tap_run(TESTS, skip)
    finally:
        if "sc" in S:
            S["sc"].cleanup()


if __name__ == "__main__":
    T.main_guard(main)
