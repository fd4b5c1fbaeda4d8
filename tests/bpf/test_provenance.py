#!/usr/bin/env python3
"""Provenance facts the kernel records (TAP; needs root and BTF): what an
exec's fd 0/1/2 are, its loader variables, the real executable, and the
writes, chmods, capability xattrs and memory accesses the hooks follow.
Every job runs real processes under `buildwarden run --record all`; the
assertions are on its JSON event stream (docs/EVENTS.md).

  pipe       sh -c '/bin/echo hi | /bin/cat': echo's fd 1 and cat's fd 0 are
             one pipe (same id), written and read.
  socket     a TCP server on 127.0.0.1 outside the job; a client in the job
             puts the connection on fds 0-2 and execs /bin/true: each is a
             socket, family inet, peer 127.0.0.1:PORT.
  kinds      /dev/null (null, rdev 1:3), a file (its path, both fds 1 and 2),
             a closed fd (none), a pty (tty, major 136-143).
  memfd      a memfd holding /bin/true, exec'd through /proc/self/fd/N: exe
             "/memfd:NAME (deleted)"; the default policy's memfd rule fires.
  deleted    a copy of /bin/true unlinked, then exec'd from its descriptor
             (fexecve): exe "PATH (deleted)".
  env        LD_PRELOAD=/nonexistent.so is in /bin/true's record; a secret
             variable of the whole job appears nowhere in the events file;
             a 100 KB variable before it is skipped; a loader variable of
             exactly one scan chunk is whole, one byte more is cut
             (env_truncated); processes without one have "env": {}.
  netwrite   a process that fetched from a loopback HTTP server writes a file
             outside the working tree: open-write record; the same write
             without a fetch: none; a child forked after the fetch: recorded
             (inherited); after the fetcher execs sh: not recorded (cleared).
  decoders   openssl and xxd (writer_names) write outside the tree: recorded;
             `base64 -d > F`: the shell opens F, so no open-write of base64,
             but base64's exec record says its fd 1 is the file F.
  chmod      chmod u+s and fchmod 2755 outside the tree: chmod records with
             the mode; chmod 755 there: none.
  xattr      setxattr / fsetxattr of security.capability outside the tree:
             setxattr records with the name; user.* there: none.
  vm         process_vm_readv of itself (process-vm, write false, in job) and
             process_vm_writev of a sleep outside the job (write true, not in
             job).
  report     one job doing a bit of each (a PATH search, a failed exec, a
             .netrc read, a DNS query, a fetch, a write in the working tree,
             process_vm_writev), its saved log rendered by `buildwarden
             report --json`: each in its review section with its process,
             the PATH misses not counted as failed execs (docs/REPORTS.md).
"""

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import threading
import http.server

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtap as T  # noqa: E402
import bwpolicy as P  # noqa: E402

S = {}
RUN_TIMEOUT = 60
PY = os.path.realpath(sys.executable)
ENV_CHUNK = 1024  # BW_ENV_CHUNK in bpf/process.bpf.c

HELPER = r'''
import ctypes, os, pty, shutil, socket, sys, urllib.request

def fetch(url):
    return urllib.request.urlopen(url, timeout=10).read()

cmd, args = sys.argv[1], sys.argv[2:]
if cmd == "sock":
    s = socket.create_connection((args[0], int(args[1])))
    for fd in (0, 1, 2):
        os.dup2(s.fileno(), fd)
    os.execv(args[2], args[2:])
elif cmd == "pty":
    pid, fd = pty.fork()
    if pid == 0:
        os.execv(args[0], args)
    try:
        while os.read(fd, 1024):
            pass
    except OSError:
        pass
    os.waitpid(pid, 0)
elif cmd == "memfd":
    fd = os.memfd_create(args[0], 0)
    with open(args[1], "rb") as f:
        os.write(fd, f.read())
    os.execv("/proc/self/fd/%d" % fd, ["memprog"])
elif cmd == "deleted":
    shutil.copy(args[1], args[0])
    fd = os.open(args[0], os.O_RDONLY)
    os.unlink(args[0])
    os.execve(fd, ["delprog"], dict(os.environ))
elif cmd == "fetch":
    data = fetch(args[0])
    with open(args[1], "wb") as f:
        f.write(data)
elif cmd == "fetch-fork":
    data = fetch(args[0])
    pid = os.fork()
    if pid == 0:
        with open(args[1], "wb") as f:
            f.write(data)
        os._exit(0)
    os.waitpid(pid, 0)
elif cmd == "fetch-exec":
    fetch(args[0])
    os.execv("/bin/sh", ["sh", "-c", "echo x > " + args[1]])
elif cmd == "write":
    with open(args[0], "wb") as f:
        f.write(b"x")
elif cmd == "fchmod":
    fd = os.open(args[0], os.O_RDONLY)
    os.fchmod(fd, int(args[1], 8))
elif cmd == "setxattr":
    # struct vfs_cap_data, revision 2: CAP_NET_RAW permitted
    cap = (0x02000000).to_bytes(4, "little") + (1 << 13).to_bytes(4, "little") + bytes(12)
    for target in (args[0], os.open(args[0], os.O_RDONLY)):
        for name, value in (("security.capability", cap), ("user.bwtest", b"1")):
            try:
                os.setxattr(target, name, value)
            except OSError as e:
                print("setxattr %s: %s" % (name, e), file=sys.stderr)
elif cmd == "dns":
    # one A query for args[0], sent to port 53 (nobody need answer)
    q = b"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
    q += b"".join(bytes([len(l)]) + l.encode() for l in args[0].split(".")) + b"\x00\x00\x01\x00\x01"
    socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendto(q, ("127.0.0.1", 53))
elif cmd == "vm":
    libc = ctypes.CDLL(None, use_errno=True)
    class iovec(ctypes.Structure):
        _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]
    buf = ctypes.create_string_buffer(16)
    src = ctypes.create_string_buffer(b"abc")
    local = iovec(ctypes.cast(buf, ctypes.c_void_p), 3)
    remote = iovec(ctypes.cast(src, ctypes.c_void_p), 3)
    n = libc.process_vm_readv(os.getpid(), ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)
    print("read", n, buf.value)
    # an unmapped address of the outside process: EFAULT, nothing written
    remote = iovec(0x1000, 3)
    n = libc.process_vm_writev(int(args[0]), ctypes.byref(local), 1, ctypes.byref(remote), 1, 0)
    print("write", n, ctypes.get_errno())
'''


def sc():
    return S["sc"]


def helper(*args):
    return [PY, S["helper"]] + [str(a) for a in args]


def bw_job(cmd, name, env=None, cwd=None):
    """buildwarden run --record all --events F -- cmd; env: extra variables
    of the whole run."""
    n = 0
    while os.path.exists(sc().path("events-%d.jsonl" % n)):
        n += 1
    ev = sc().path("events-%d.jsonl" % n)
    argv = [T.BUILDWARDEN, "run", "--record", "all", "--events", ev, "--"] + list(cmd)
    token = T.new_token(name)
    saved = {k: os.environ.get(k) for k in (env or {})}
    os.environ.update(env or {})
    try:
        r = T.run(argv, cwd=cwd or S["work"], timeout=RUN_TIMEOUT, token=token)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    T.kill_token(token)
    records, problems = T.read_events(ev)
    job = P.Job(r, records, problems, token)
    job.path = ev
    return job


def check_run(c, job, want_exit=0):
    c.check(not job.run.timed_out, "buildwarden run timed out: " + job.run.describe())
    c.check(job.run.returncode == want_exit, "expected exit %d, got %s"
            % (want_exit, job.run.describe()))
    for p in job.stream_problems()[:5]:
        c.check(False, "event stream: " + p)
    s = job.summary or {}
    c.eq(s.get("lost"), 0, "summary.lost")
    c.eq(s.get("malformed"), 0, "summary.malformed (kernel records skipped)")
    for e in job.execs:
        std = e.get("stdio")
        if c.check(isinstance(std, list) and len(std) == 3,
                   "exec %r: stdio is not a list of 3: %r" % (e.get("argv"), std)):
            c.eq([s.get("fd") for s in std], [0, 1, 2], "exec %r: stdio fds" % e.get("argv"))
        c.check(isinstance(e.get("env"), dict), "exec %r: env is not an object: %r"
                % (e.get("argv"), e.get("env")))
        c.check(isinstance(e.get("env_truncated"), bool), "exec %r: env_truncated %r"
                % (e.get("argv"), e.get("env_truncated")))


def execs_of(job, argv):
    return [e for e in job.execs if e.get("argv") == argv]


def one_exec(c, job, argv, what):
    ex = execs_of(job, argv)
    if c.eq(len(ex), 1, "%s: exec records with argv %r (execs: %r)"
            % (what, argv, [e.get("argv") for e in job.execs][:20])):
        return ex[0]
    return None


def of_type(job, t):
    return [r for r in job.records if r.get("type") == t]


def by_proc(job, t, exec_rec):
    if not exec_rec:
        return []
    return [r for r in of_type(job, t) if P.ident(r) == P.ident(exec_rec)]


def short(r):
    return {k: v for k, v in r.items() if k not in ("time", "job_id", "ktime_ns", "seq")}


def outside_dir(name):
    """A directory that is not under the job's working tree."""
    return sc().mkdir("outside", name)


# ---------------------------------------------------------------- tests

def t_pipe():
    job = bw_job(["sh", "-c", "/bin/echo hi | /bin/cat"], "pipe")
    c = T.Checker()
    check_run(c, job)
    echo = one_exec(c, job, ["/bin/echo", "hi"], "echo")
    cat = one_exec(c, job, ["/bin/cat"], "cat")
    if echo and cat:
        out, inp = echo["stdio"][1], cat["stdio"][0]
        c.eq((out.get("kind"), out.get("mode")), ("pipe", "w"), "echo's fd 1")
        c.eq((inp.get("kind"), inp.get("mode")), ("pipe", "r"), "cat's fd 0")
        c.check(isinstance(out.get("id"), int) and out.get("id") > 0,
                "echo's pipe id %r" % out.get("id"))
        c.eq(inp.get("id"), out.get("id"), "cat's fd 0 pipe id vs echo's fd 1")
        c.check(cat["stdio"][1].get("id") != out.get("id"),
                "cat's fd 1 is the same pipe as its fd 0: %r" % cat["stdio"])
    c.done()


def t_socket():
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    port = srv.getsockname()[1]
    got = []

    def serve():
        try:
            conn, _ = srv.accept()
            with conn:
                while conn.recv(4096):
                    pass
            got.append(True)
        except OSError:
            pass

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    try:
        argv = helper("sock", "127.0.0.1", port, "/bin/true")
        job = bw_job(argv, "socket")
        th.join(10)
    finally:
        srv.close()
    c = T.Checker()
    check_run(c, job)
    c.check(got, "the server never saw the client's connection close")
    ex = one_exec(c, job, ["/bin/true"], "/bin/true on the socket")
    if ex:
        for sd in ex["stdio"]:
            c.eq((sd.get("kind"), sd.get("family"), sd.get("peer"), sd.get("mode")),
                 ("socket", "inet", "127.0.0.1:%d" % port, "rw"), "fd %s" % sd.get("fd"))
            c.check(isinstance(sd.get("id"), int), "fd %s: id %r" % (sd.get("fd"), sd.get("id")))
    c.done()


def t_kinds():
    out = sc().path("work", "kinds.out")
    job = bw_job(["sh", "-c", "/bin/echo file </dev/null >%s 2>&1; /bin/echo closed <&-; "
                  "%s" % (out, " ".join(helper("pty", "/bin/echo", "tty")))], "kinds")
    c = T.Checker()
    check_run(c, job)
    ex = one_exec(c, job, ["/bin/echo", "file"], "echo to a file")
    if ex:
        s0, s1, s2 = ex["stdio"]
        c.eq((s0.get("kind"), s0.get("rdev"), s0.get("mode")), ("null", "1:3", "r"),
             "fd 0 (/dev/null)")
        for sd in (s1, s2):
            c.eq((sd.get("kind"), sd.get("path"), sd.get("mode")), ("file", out, "w"),
                 "fd %s (the file)" % sd.get("fd"))
        c.eq(s1.get("id"), os.stat(out).st_ino, "fd 1: id is the file's inode")
    ex = one_exec(c, job, ["/bin/echo", "closed"], "echo with fd 0 closed")
    if ex:
        c.eq(ex["stdio"][0], {"fd": 0, "kind": "none"}, "fd 0 (closed)")
    ex = one_exec(c, job, ["/bin/echo", "tty"], "echo on a pty")
    if ex:
        for sd in ex["stdio"]:
            m = re.match(r"^(\d+):(\d+)$", str(sd.get("rdev")))
            c.check(sd.get("kind") == "tty" and m and 136 <= int(m.group(1)) <= 143,
                    "fd %s on a pty: %r" % (sd.get("fd"), sd))
    c.done()


def t_memfd():
    argv = helper("memfd", "bwprov", "/bin/true")
    job = bw_job(argv, "memfd")
    c = T.Checker()
    check_run(c, job)
    ex = one_exec(c, job, ["memprog"], "the memfd program")
    if ex:
        c.eq(ex.get("exe"), "/memfd:bwprov (deleted)", "exe of a memfd exec")
        c.check(re.match(r"^/proc/self/fd/\d+$", ex.get("filename") or ""),
                "filename %r" % ex.get("filename"))
        vs = [v for v in job.verdicts if v.get("rule") == "fileless-exec"]
        c.eq([v.get("exe") for v in vs], ["/memfd:bwprov (deleted)"],
             "the default policy's memfd rule on it")
    c.done()


def t_deleted():
    path = sc().path("work", "delprog")
    job = bw_job(helper("deleted", path, "/bin/true"), "deleted")
    c = T.Checker()
    check_run(c, job)
    ex = one_exec(c, job, ["delprog"], "the deleted program")
    if ex:
        c.eq(ex.get("exe"), path + " (deleted)", "exe of a deleted file's exec")
        c.check(not os.path.exists(path), "the copy is still there")
    c.done()


def t_env():
    secret = "zzzBWSECRET%dzzz" % os.getpid()
    exact = "LD_AUDIT=" + "a" * (ENV_CHUNK - 1 - len("LD_AUDIT="))  # chunk incl. NUL
    longer = exact + "b"
    cmd = ("env LD_PRELOAD=/nonexistent.so /bin/echo preload; /bin/echo none; "
           "env %s /bin/echo exact; env %s /bin/echo longer" % (exact, longer))
    job = bw_job(["sh", "-c", cmd], "env",
                 env={"SECRET_TOKEN": secret, "BW_BIG": "x" * 100000})
    c = T.Checker()
    check_run(c, job)
    with open(job.path, "rb") as f:
        raw = f.read()
    c.check(secret.encode() not in raw, "the secret value is in the events file")
    c.check(b"SECRET_TOKEN" not in raw, "the secret's name is in the events file")
    c.check(b"BW_BIG" not in raw, "another variable's name is in the events file")
    ex = one_exec(c, job, ["/bin/echo", "preload"], "echo under LD_PRELOAD")
    if ex:
        c.eq(ex.get("env"), {"LD_PRELOAD": "/nonexistent.so"}, "env with LD_PRELOAD")
        c.eq(ex.get("env_truncated"), False, "env_truncated with LD_PRELOAD")
    ex = one_exec(c, job, ["/bin/echo", "none"], "echo without loader variables")
    if ex:
        c.eq((ex.get("env"), ex.get("env_truncated")), ({}, False), "env without any")
    ex = one_exec(c, job, ["/bin/echo", "exact"], "a variable of one whole chunk")
    if ex:
        c.eq((ex.get("env"), ex.get("env_truncated")),
             ({"LD_AUDIT": exact[len("LD_AUDIT="):]}, False), "env of exactly one chunk")
    ex = one_exec(c, job, ["/bin/echo", "longer"], "a variable one byte longer")
    if ex:
        c.eq(ex.get("env_truncated"), True, "env_truncated of a cut variable")
        c.eq(ex.get("env"), {"LD_AUDIT": exact[len("LD_AUDIT="):]},
             "a cut variable keeps what fitted")
    c.done()


class Http:
    """A loopback HTTP server outside the job serving one small file."""

    def __init__(self, root):
        handler = lambda *a: http.server.SimpleHTTPRequestHandler(*a, directory=root)  # noqa
        http.server.SimpleHTTPRequestHandler.log_message = lambda *a: None
        self.srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.th = threading.Thread(target=self.srv.serve_forever, daemon=True)
        self.th.start()
        self.url = "http://127.0.0.1:%d/payload" % self.srv.server_port

    def close(self):
        self.srv.shutdown()
        self.srv.server_close()


def t_netwrite():
    root = sc().mkdir("www")
    with open(os.path.join(root, "payload"), "w") as f:
        f.write("#!/bin/sh\necho pwned\n")
    out = outside_dir("net")
    dl, plain, kid, after = (os.path.join(out, n) for n in ("dl", "plain", "kid", "after"))
    srv = Http(root)
    try:
        steps = [helper("fetch", srv.url, dl), helper("write", plain),
                 helper("fetch-fork", srv.url, kid), helper("fetch-exec", srv.url, after)]
        job = bw_job(["sh", "-c", "; ".join(" ".join(s) for s in steps)], "netwrite")
    finally:
        srv.close()
    c = T.Checker()
    check_run(c, job)
    for p in (dl, plain, kid, after):
        c.check(os.path.exists(p), "%s was not written" % p)
    writes = [r for r in of_type(job, "file") if r.get("op") == "open-write"]
    paths = [r.get("path") for r in writes]
    ex = one_exec(c, job, steps[0], "fetch")
    rs = [r for r in by_proc(job, "file", ex) if r.get("path") == dl]
    if c.eq(len(rs), 1, "open-write records of %s by the fetcher (all: %r)" % (dl, paths)):
        c.eq((rs[0].get("op"), rs[0].get("resolved"), rs[0].get("result")),
             ("open-write", True, 0), "the download's write")
    c.eq([p for p in paths if p == plain], [], "a write without network input")
    c.eq(len([p for p in paths if p == kid]), 1, "the forked child's write after a fetch")
    c.eq([p for p in paths if p == after], [], "a write after the fetcher exec'd sh")
    conns = [r for r in of_type(job, "connect") if r.get("address") == "127.0.0.1"]
    c.check(len(conns) >= 3, "connect records to the server: %r" % [short(r) for r in conns])
    c.done()


def t_decoders():
    out = outside_dir("dec")
    b64 = sc().write("aGVsbG8K\n", "work", "in.b64")
    hexf = sc().write("68656c6c6f0a\n", "work", "in.hex")
    ossl, xxd_out, redir = (os.path.join(out, n) for n in ("ossl", "xxd", "redir"))
    cmd = ("openssl base64 -d -in %s -out %s; xxd -r -p %s %s; base64 -d %s > %s"
           % (b64, ossl, hexf, xxd_out, b64, redir))
    job = bw_job(["sh", "-c", cmd], "decoders")
    c = T.Checker()
    check_run(c, job)
    for p in (ossl, xxd_out, redir):
        with open(p) as f:
            c.eq(f.read(), "hello\n", "contents of %s" % p)
    writes = [r for r in of_type(job, "file") if r.get("op") == "open-write"]
    for p, comm in ((ossl, "openssl"), (xxd_out, "xxd")):
        rs = [r for r in writes if r.get("path") == p]
        if c.eq(len(rs), 1, "open-write records of %s (all: %r)" % (p, [short(r) for r in writes])):
            c.eq(rs[0].get("comm"), comm, "comm of the write to %s" % p)
    c.eq([r.get("comm") for r in writes if r.get("path") == redir], [],
         "open-write of the redirect target (the shell opens it, before base64 runs)")
    ex = one_exec(c, job, ["base64", "-d", b64], "base64 -d")
    if ex:
        c.eq((ex["stdio"][1].get("kind"), ex["stdio"][1].get("path")), ("file", redir),
             "base64's fd 1")
    c.done()


def t_chmod():
    outside_dir("chmod")
    a, b = (sc().write("x\n", "outside", "chmod", n) for n in ("a", "b"))
    os.chmod(a, 0o644)
    os.chmod(b, 0o644)
    job = bw_job(["sh", "-c", "chmod u+s %s; chmod 755 %s; %s"
                  % (a, b, " ".join(helper("fchmod", b, "2755")))], "chmod")
    c = T.Checker()
    check_run(c, job)
    c.eq(os.stat(a).st_mode & 0o7777, 0o4644, "mode of %s after chmod u+s" % a)
    c.eq(os.stat(b).st_mode & 0o7777, 0o2755, "mode of %s after fchmod" % b)
    ch = [r for r in of_type(job, "file") if r.get("op") == "chmod"]
    got = sorted((r.get("path"), r.get("mode"), r.get("resolved"), r.get("comm")) for r in ch)
    c.eq(got, sorted([(a, "4644", False, "chmod"), (b, "2755", True, os.path.basename(PY)[:15])]),
         "(path, mode, resolved, comm) of chmod records (all: %r)" % [short(r) for r in ch])
    for r in ch:
        c.eq((r.get("result"), r.get("errno")), (0, None), "chmod %s: result" % r.get("path"))
        c.eq(r.get("open_flags") & 0o7777, int(r.get("mode") or "0", 8),
             "chmod %s: open_flags holds the mode" % r.get("path"))
    c.done()


def t_xattr():
    f = sc().write("x\n", "outside", "xattr", "bin")
    job = bw_job(helper("setxattr", f), "xattr")
    c = T.Checker()
    check_run(c, job)
    xs = [r for r in of_type(job, "file") if r.get("op") == "setxattr"]
    got = [(r.get("path"), r.get("name"), r.get("resolved"), r.get("path2")) for r in xs]
    c.eq(got, [(f, "security.capability", False, None), (f, "security.capability", True, None)],
         "(path, name, resolved, path2) of setxattr records (all: %r)" % [short(r) for r in xs])
    for r in xs:
        c.check(isinstance(r.get("result"), int), "setxattr: result %r" % r.get("result"))
    c.done()


def t_vm():
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        argv = helper("vm", sleeper.pid)
        job = bw_job(argv, "vm")
    finally:
        sleeper.kill()
        sleeper.wait()
    c = T.Checker()
    check_run(c, job)
    ex = one_exec(c, job, argv, "the vm helper")
    rs = [r for r in by_proc(job, "privilege", ex) if r.get("op") == "process-vm"]
    got = [(r.get("write"), r.get("target_pid"), r.get("target_in_job"),
            (r.get("args") or [None])[0]) for r in rs]
    c.eq(got, [(False, ex and ex.get("pid"), True, 0), (True, sleeper.pid, False, 1)],
         "(write, target_pid, target_in_job, args[0]) of process-vm records")
    if platform_x86():
        c.eq([r.get("syscall_nr") for r in rs], [310, 311], "syscall_nr")
    c.done()


def t_report():
    out = outside_dir("report")
    netrc = sc().write("machine example.com password x\n", "outside", "report", ".netrc")
    noexec = sc().write("not a program\n", "outside", "report", "noexec")
    os.chmod(noexec, 0o644)
    os.makedirs(os.path.join(S["work"], "rep"), exist_ok=True)
    dl, written = (os.path.join(S["work"], "rep", n) for n in ("dl.bin", "a.txt"))
    name = "bw-report-test.example"
    root = sc().mkdir("www-report")
    with open(os.path.join(root, "payload"), "w") as f:
        f.write("data\n")
    sleeper = subprocess.Popen(["sleep", "30"])
    srv = Http(root)
    try:
        steps = ["env PATH=/nonexistent-a:/nonexistent-b:/usr/bin:/bin true",
                 "env %s || true" % noexec, "cat %s >/dev/null" % netrc,
                 " ".join(helper("dns", name)), " ".join(helper("fetch", srv.url, dl)),
                 " ".join(helper("vm", sleeper.pid)), "echo x > %s" % written]
        job = bw_job(["sh", "-c", "; ".join(steps)], "report")
    finally:
        srv.close()
        sleeper.kill()
        sleeper.wait()
    c = T.Checker()
    check_run(c, job)
    rep_json = os.path.join(out, "report.json")
    r = T.run([T.BUILDWARDEN, "report", "--no-tree", "--json", rep_json, job.path], timeout=30)
    if not c.check(r.returncode == 0, "buildwarden report: " + r.describe()):
        return c.done()
    with open(rep_json) as f:
        j = json.load(f)
    procs = lambda row: [p.get("comm") for p in row.get("processes", [])]
    counts, summary = j["counts"], job.summary or {}
    # env's two PATH misses are lookups; env exec'ing a file without x is a failure
    c.eq((counts.get("exec_failed"), counts.get("exec_path_misses")), (1, 2),
         "(exec_failed, exec_path_misses); exec_failed records: %r" % [
             (x.get("filename"), x.get("errno")) for x in of_type(job, "exec_failed")])
    c.eq(counts.get("exec_failed", 0) + counts.get("exec_path_misses", 0),
         summary.get("exec_failed"), "failed execs and PATH misses add up to the records")
    c.eq((j.get("status"), j.get("headline"), j.get("log_cut_start"), j.get("log_cut_end")),
         ("passed", "passed", False, False), "status, headline, cut")
    names = [n for n in j.get("dns_names", []) if n.get("name") == name]
    if c.eq(len(names), 1, "dns_names row of %s: %r" % (name, j.get("dns_names"))):
        c.eq(procs(names[0]), [os.path.basename(PY)[:15]], "the process that asked")
    port = srv.srv.server_port
    dests = [d for d in j.get("network", []) if (d.get("daddr"), d.get("dport")) == ("127.0.0.1", port)]
    if c.eq(len(dests), 1, "network row of the server: %r" % j.get("network")):
        c.eq(procs(dests[0]), [os.path.basename(PY)[:15]], "the process that connected")
    reads = [x for x in j.get("credential_reads", []) if x.get("path") == netrc]
    if c.eq(len(reads), 1, "credential_reads row of .netrc: %r" % j.get("credential_reads")):
        c.eq(procs(reads[0]), ["cat"], "the reader")
    c.eq(j.get("written_base"), S["work"], "written_base (no checkout: the root's cwd)")
    got = {w.get("path"): procs(w) for w in j.get("written", [])}
    c.eq((got.get(dl), got.get(written)), ([os.path.basename(PY)[:15]], ["sh"]),
         "written rows and their processes: %r" % got)
    vm = [p for p in j.get("privilege", []) if p.get("op") == "process-vm"]
    c.check(any(p.get("detail") == "pid %d, outside the job" % sleeper.pid for p in vm),
            "privilege rows of process-vm: %r" % vm)
    c.done()


def platform_x86():
    return os.uname().machine == "x86_64"


TESTS = [
    ("pipe: echo's fd 1 and cat's fd 0 carry one pipe id", t_pipe),
    ("socket: stdio on a TCP connection names its peer", t_socket),
    ("kinds: /dev/null, a file, a closed fd, a pty", t_kinds),
    ("memfd: exe is /memfd:NAME (deleted)", t_memfd),
    ("deleted: fexecve of an unlinked file, exe PATH (deleted)", t_deleted),
    ("env: LD_PRELOAD recorded, no other variable; long variables", t_env),
    ("netwrite: writes after a fetch are recorded anywhere, until exec", t_netwrite),
    ("decoders: writes of openssl and xxd anywhere; base64's stdout file", t_decoders),
    ("chmod: set-uid/set-gid modes anywhere, with the mode", t_chmod),
    ("xattr: security.capability anywhere, with the name", t_xattr),
    ("vm: process_vm_readv/writev with target", t_vm),
    ("report: the saved log's review sections name each act's process; PATH misses "
     "are not failed execs", t_report),
]


def main():
    skip = T.skip_reason()
    if not skip:
        S["sc"] = P.Scratch("bw-prov-")
        S["work"] = sc().mkdir("work")
        S["helper"] = sc().write(HELPER, "helper.py")
    try:
        return T.tap_run(TESTS, skip)
    finally:
        if "sc" in S:
            S["sc"].cleanup()


if __name__ == "__main__":
    T.main_guard(main)
