#!/usr/bin/env python3
"""The agent on other kernels and CPUs: Debian's packaged kernels booted in
QEMU (TAP; stdlib only).

For each guest architecture (x86_64, arm64) this:

  1. builds a static agent and static fixtures for it
     (make [ARCH=arm64] STATIC=1 ...; cross-built with Debian's cross gcc);
  2. fetches Debian bookworm's kernel (linux-image-amd64 / -arm64, 6.1) and
     busybox-static for it, as .debs cached in build/vm-cache/
     (tools/vm/fetch-debs.sh; nothing is installed on the host);
  3. builds an initramfs (tools/vm/mkinitramfs.sh) whose /init runs
     tools/vm/guest-tests.sh: `buildwarden run` on exec_zoo (lineage),
     a deny policy on a marker fixture (and a kill-process rule on a held
     exec), a loopback connect and DNS query, a static 32-bit program's
     network, file and privilege syscalls (tests/fixtures/compat32.c: i686
     on x86_64, armhf on arm64) and on x86_64 a 64-bit one's int 0x80, and a
     -vv diagnostic run;
  4. boots it with QEMU (TCG, no KVM), reads the console, and judges the
     event streams the guest printed between BWVM-BEGIN/BWVM-END lines.

Every check is reported per kernel and architecture. Skipped, with the
reason, when QEMU, the cross compiler or Debian's archive is missing
(tools/deps-cross.sh installs them). Environment:
  BW_VM_ARCHES    space-separated subset of "x86_64 arm64" (default both)
  BW_VM_TIMEOUT   seconds per VM boot (default 180; TCG is slow)
  BW_VM_APPEND    extra kernel command line (e.g. lsm=...,bpf)
  BW_VM_KEEP=1    keep the console logs (always kept in build/vm/ARCH/)
"""

import json
import os
import platform
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.environ.get("BW_SRC") or os.path.dirname(os.path.dirname(HERE))
BUILD = os.environ.get("BW_BUILD") or os.path.join(SRC, "build")
CACHE = os.path.join(BUILD, "vm-cache")
TIMEOUT = float(os.environ.get("BW_VM_TIMEOUT", "180"))
APPEND = os.environ.get("BW_VM_APPEND", "")

HOST_MACHINE = platform.machine()
HOST_ARCH = {"x86_64": "x86", "aarch64": "arm64", "arm64": "arm64"}.get(HOST_MACHINE, HOST_MACHINE)

GUESTS = {
    "x86_64": dict(make_arch="x86", cross="x86_64-linux-gnu-",
                   compat32="compat32-i386", cc32="i686-linux-gnu-gcc",
                   # ia32: setuid32, setresuid (16-bit), memfd_create, ptrace,
                   # process_vm_readv
                   nr32=dict(setuid32=213, setresuid16=164, memfd=356, ptrace=26,
                             process_vm=347),
                   qemu="qemu-system-x86_64", console="ttyS0",
                   machine=["-M", "pc", "-cpu", "max"]),
    "arm64": dict(make_arch="arm64", cross="aarch64-linux-gnu-",
                  compat32="compat32-armhf", cc32="arm-linux-gnueabihf-gcc",
                  nr32=dict(setuid32=213, setresuid16=164, memfd=385, ptrace=26,
                            process_vm=376),
                  qemu="qemu-system-aarch64", console="ttyAMA0",
                  machine=["-M", "virt", "-cpu", "cortex-a57"]),
}
# and the guest's 32-bit compat32 (GUESTS' compat32), when Debian's cross
# compiler for it (cc32) is there.
FIXTURES = ["exec_zoo", "marker", "compat32"]

CHECKS = [
    ("build", "static agent and fixtures built for the guest"),
    ("boot", "boots Debian's kernel to the test init"),
    ("btf", "BTF at /sys/kernel/btf/vmlinux"),
    ("load", "agent loads and runs exec_zoo (status 0, nothing lost)"),
    ("lineage", "every exec exactly once, with its fork parent"),
    ("exits", "exit records: one per process, codes and signals"),
    ("exec_failed", "failed execs recorded (ENOENT, execve and execveat)"),
    ("deny", "deny-exec: denied program never runs, allowed one does, a held one is killed"
             " before it runs"),
    ("connect", "TCP connect on loopback recorded"),
    ("dns", "DNS query recorded"),
    ("syscall_hooks", "network/file/privilege object loads (no fallback)"),
    ("tamper", "a job's signal to the agent: refused with EPERM (BPF LSM) or, when it"
               " kills, its sender reported by the next run"),
    ("compat_run", "32-bit process: runs to the end under the agent, nothing lost"),
    ("compat_connect", "32-bit process: connect (direct, and on ia32 through socketcall)"
                       " recorded"),
    ("compat_dns", "32-bit process: DNS queries and answers (sendto/recvfrom, on ia32"
                   " through socketcall; sendmsg/recvmsg with 32-bit msghdr) recorded,"
                   " marked compat"),
    ("compat_file", "32-bit process: credential read (and its verdict), creat, chmod,"
                    " rename, unlink recorded, marked compat"),
    ("compat_priv", "32-bit process: setuid32, 16-bit setresuid, memfd, ptrace,"
                    " process_vm_readv recorded, marked compat"),
    ("compat_int80", "64-bit process: an int 0x80 open of a credential file recorded as compat"),
    ("poweroff", "guest finished and powered off within the timeout"),
]

ZOO = "/bw/fixtures/exec_zoo"
LEAVES_ROOT_CHILD = ["fork_exec", "bin_true", "exit7", "sigterm", "setsid", "execveat",
                     "fexecve", "thread_exec", "after_enoent", "weird_argv", "argv1000",
                     "bigarg"]
LEAVES_GRANDCHILD = ["double_fork", "daemon"]
LEAVES = LEAVES_ROOT_CHILD + LEAVES_GRANDCHILD


class Fail(Exception):
    pass


class Skip(Exception):
    pass


def which(prog):
    return shutil.which(prog)


def run(cmd, timeout=900, **kw):
    return subprocess.run(cmd, cwd=SRC, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=timeout, **kw)


def tail(text, n=15):
    lines = text.splitlines()
    return "\n".join(lines[-n:])


# ---------------------------------------------------------------- the guest run

class Guest:
    """One architecture: build, fetch, boot, and the parsed console."""

    def __init__(self, arch):
        self.arch = arch
        self.g = GUESTS[arch]
        cross = self.g["make_arch"] != HOST_ARCH
        self.build_dir = os.path.join(BUILD, ("%s-static" % self.g["make_arch"]) if cross
                                      else "static")
        self.cross = cross
        self.label = arch
        self.skip = None          # reason every check of this guest is skipped
        self.errors = {}          # check -> reason it cannot be judged
        self.console = ""
        self.sections = {}
        self.rcs = {}
        self.info = {}
        self.boot_s = None
        self.timed_out = False
        self.exit_code = None
        self.incident = None      # the guest kernel's lockup/panic report, first boot

    # 1. build
    def build(self):
        if not which(self.g["qemu"]):
            raise Skip("%s not installed (tools/deps-cross.sh vm)" % self.g["qemu"])
        if self.cross and not which(self.g["cross"] + "gcc"):
            raise Skip("%sgcc not installed (tools/deps-cross.sh cross)" % self.g["cross"])
        rel = os.path.relpath(self.build_dir, SRC)
        fixtures = list(FIXTURES)
        if which(self.g["cc32"]):
            fixtures.append(self.g["compat32"])
        targets = [os.path.join(rel, "buildwarden")] + \
                  [os.path.join(rel, "tests", "fixtures", f) for f in fixtures]
        cmd = ["make", "--no-print-directory", "-j%d" % (os.cpu_count() or 2), "STATIC=1",
               "BUILD=" + rel]
        if self.cross:
            cmd.append("ARCH=" + self.g["make_arch"])
        t0 = time.time()
        p = run(cmd + targets)
        out = p.stdout.decode("utf-8", "replace")
        self.build_s = time.time() - t0
        if p.returncode != 0:
            # Drop glibc's static-NSS link warnings; keep the real errors.
            keep = [line for line in out.splitlines()
                    if "statically linked applications requires" not in line
                    and "in function `" not in line]
            raise Fail("%s failed (%d):\n%s" % (" ".join(cmd + targets), p.returncode,
                                                 "\n".join(keep[-20:])))

    # 2./3. fetch and initramfs
    def prepare(self):
        p = run(["tools/vm/fetch-debs.sh", self.arch, CACHE], timeout=900)
        out = p.stdout.decode("utf-8", "replace")
        if p.returncode == 3:
            raise Skip("kernel/busybox .debs unavailable: %s" % tail(out, 3).replace("\n", "; "))
        if p.returncode != 0:
            raise Fail("tools/vm/fetch-debs.sh %s failed:\n%s" % (self.arch, tail(out)))
        self.unpacked = out.strip().splitlines()[-1]
        with open(os.path.join(self.unpacked, "kernel-release")) as f:
            self.krel = f.read().strip()
        self.label = "%s %s" % (self.arch, self.krel)
        self.vmdir = os.path.join(BUILD, "vm", self.arch)
        os.makedirs(self.vmdir, exist_ok=True)
        self.initrd = os.path.join(self.vmdir, "initramfs.cpio")
        p = run(["tools/vm/mkinitramfs.sh", os.path.join(self.unpacked, "busybox"),
                 self.build_dir, self.initrd])
        if p.returncode != 0:
            raise Fail("mkinitramfs failed:\n%s" % tail(p.stdout.decode("utf-8", "replace")))

    # 4. boot
    def boot(self):
        """Boot the guest; a guest kernel that locks up or panics is booted
        once more, with the first boot's kernel report kept for the log
        (rare under TCG: seen once in CI, never reproduced here)."""
        self.boot_once()
        incident = self.kernel_incident()
        if incident:
            self.incident = incident
            os.replace(os.path.join(self.vmdir, "console.log"),
                       os.path.join(self.vmdir, "console-1.log"))
            self.sections, self.rcs, self.info = {}, {}, {}
            self.timed_out = False
            self.boot_once()

    def boot_once(self):
        # loglevel=5 rather than quiet: warnings and a BUG's backtrace reach
        # the console; softlockup_panic ends a stuck guest in seconds.
        append = "console=%s panic=-1 loglevel=5 softlockup_panic=1" % self.g["console"]
        if APPEND:
            append += " " + APPEND
        cmd = [self.g["qemu"]] + self.g["machine"] + [
            "-m", "1024", "-smp", "2", "-display", "none", "-monitor", "none",
            "-serial", "stdio", "-no-reboot",
            "-kernel", os.path.join(self.unpacked, "vmlinuz"),
            "-initrd", self.initrd, "-append", append]
        self.qemu_cmd = cmd
        log = os.path.join(self.vmdir, "console.log")
        t0 = time.time()
        with open(log, "wb") as out:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=subprocess.STDOUT)
            try:
                self.exit_code = proc.wait(timeout=TIMEOUT)
            except subprocess.TimeoutExpired:
                self.timed_out = True
                proc.kill()
                proc.wait()
        self.boot_s = time.time() - t0
        with open(log, "rb") as f:
            self.console = f.read().decode("utf-8", "replace").replace("\r", "")
        self.parse()

    def kernel_incident(self):
        """The guest kernel's own report of a lockup or panic: from its first
        BUG/panic line, at most 40 lines; None when there is none."""
        lines = self.console.split("\n")
        for i, line in enumerate(lines):
            if "BUG: soft lockup" in line or "Kernel panic" in line or "BUG: kernel" in line:
                return "\n".join(lines[i:i + 40])
        return None

    def parse(self):
        cur, buf = None, []
        for line in self.console.split("\n"):
            if cur is not None:
                if line == "BWVM-END " + cur:
                    self.sections[cur] = [x for x in buf if x.strip()]
                    cur, buf = None, []
                else:
                    buf.append(line)
                continue
            if line.startswith("BWVM-BEGIN "):
                cur, buf = line.split(" ", 1)[1], []
            elif line.startswith("BWVM-RC "):
                parts = line.split()
                self.rcs[parts[1]] = int(parts[2])
                for kv in parts[3:]:
                    k, _, v = kv.partition("=")
                    self.info["%s_%s" % (parts[1], k)] = v
            elif line.startswith(("BWVM-INFO ", "BWVM-BOOT ", "BWVM-DONE ")):
                self.info.setdefault(line.split()[0], line)
                body = line.split(" ", 1)[1] if " " in line else ""
                if line.startswith("BWVM-INFO ") and "=" in body and " " not in body.split("=", 1)[0]:
                    for kv in (body.split(" ") if body.startswith("deny_") else [body]):
                        k, _, v = kv.partition("=")
                        self.info[k] = v
        if cur is not None:  # cut off mid-section
            self.sections[cur] = [x for x in buf if x.strip()]

    def records(self, name):
        """Parsed JSON lines of section NAME; raises Fail on garbage."""
        if name not in self.sections:
            raise Fail("the guest printed no '%s' section%s" % (name, self.console_hint()))
        recs = []
        for line in self.sections[name]:
            try:
                recs.append(json.loads(line))
            except ValueError as e:
                raise Fail("section %s: line is not JSON (%s): %r" % (name, e, line[:200]))
        return recs

    def text(self, name):
        return "\n".join(self.sections.get(name, []))

    def console_hint(self):
        return "; console tail:\n%s" % tail(self.console, 12)

    def libbpf_error(self):
        """The verifier's/libbpf's last words from the -vv diagnostic run."""
        lines = self.sections.get("diag", [])
        out = []
        for i, line in enumerate(lines):
            if "-- END PROG LOAD LOG --" in line:
                out = lines[max(0, i - 6):i + 1]
            if ("failed to load" in line or "unavailable" in line
                    or "libbpf: prog '" in line and "failed" in line):
                out.append(line)
        return "\n".join(out[-14:])


# ------------------------------------------------------------------- the checks

def ident(r):
    return (r.get("pid"), r.get("start_ns"))


def tag_of(r):
    a = r.get("argv") or []
    if a == [ZOO, "all"]:
        return "ROOT"
    if len(a) >= 3 and a[1] == "leaf":
        return a[2]
    if len(a) == 2 and a[1] == "zoo-bin-true":
        return "bin_true"
    return None


def summary_of(recs):
    s = [r for r in recs if r.get("type") == "summary"]
    if len(s) != 1:
        raise Fail("expected one summary record, found %d" % len(s))
    return s[0]


def check_boot(v):
    if "BWVM-BOOT" not in v.info:
        raise Fail("no BWVM-BOOT line on the console (timed out: %s)%s"
                   % (v.timed_out, v.console_hint()))


def check_btf(v):
    check_boot(v)
    if v.info.get("btf") != "yes":
        raise Fail("/sys/kernel/btf/vmlinux missing in the guest")


def check_load(v):
    check_boot(v)
    recs = v.records("lineage")
    rc = v.rcs.get("lineage")
    probs = []
    if rc != 0:
        probs.append("buildwarden run exited %r; stderr:\n%s" % (rc, v.text("lineage-stderr")))
    s = summary_of(recs)
    for k, want in (("exit_status", 0), ("build_exit_code", 0), ("lost", 0), ("malformed", 0)):
        if s.get(k) != want:
            probs.append("summary %s: expected %r, got %r" % (k, want, s.get(k)))
    if probs:
        raise Fail("\n".join(probs))
    return "exec_hook=%s, %d records, run took %s..%s s of uptime" % (
        s.get("exec_hook"), len(recs), v.info.get("lineage_start"), v.info.get("lineage_end"))


def zoo(v):
    recs = v.records("lineage")
    execs = [r for r in recs if r.get("type") == "exec"]
    forks = {}
    for r in recs:
        if r.get("type") == "fork":
            forks.setdefault(ident(r), []).append(r)
    if not execs or tag_of(execs[0]) != "ROOT":
        raise Fail("first exec is not the job root %s all: %r"
                   % (ZOO, execs[0].get("argv") if execs else None))
    return recs, execs, forks, ident(execs[0])


def check_lineage(v):
    recs, execs, forks, root = zoo(v)
    probs = []
    by_tag = {}
    for e in execs:
        t = tag_of(e)
        if t is None:
            probs.append("unexpected exec: %r" % (e.get("argv") or [])[:4])
        by_tag.setdefault(t, []).append(e)
    for t in LEAVES:
        n = len(by_tag.get(t, []))
        if n != 1:
            probs.append("exec records tagged %r: expected 1, got %d" % (t, n))
            continue
        e = by_tag[t][0]
        f = forks.get(ident(e), [])
        if len(f) != 1:
            probs.append("%s: expected 1 fork record for the exec'ing process, got %d" % (t, len(f)))
            continue
        parent = (f[0].get("parent_pid"), f[0].get("parent_start_ns"))
        if t in LEAVES_ROOT_CHILD and parent != root:
            probs.append("%s: fork parent %r is not the job root %r" % (t, parent, root))
        if t in LEAVES_GRANDCHILD:
            gp = forks.get(parent, [])
            if parent == root or len(gp) != 1 or \
                    (gp[0].get("parent_pid"), gp[0].get("parent_start_ns")) != root:
                probs.append("%s: expected a grandchild of the root through an intermediate,"
                             " got parent %r" % (t, parent))
    te = by_tag.get("thread_exec", [])
    if len(te) == 1 and te[0].get("old_tid") == te[0].get("pid"):
        probs.append("thread_exec: old_tid equals pid (%r): the exec'ing thread was not a"
                     " non-leader" % te[0].get("pid"))
    a1000 = by_tag.get("argv1000", [])
    if len(a1000) == 1 and (a1000[0].get("argc") != 1000 or len(a1000[0].get("argv", [])) != 1000):
        probs.append("argv1000: argc %r, %d argv elements" % (a1000[0].get("argc"),
                                                               len(a1000[0].get("argv", []))))
    big = by_tag.get("bigarg", [])
    if len(big) == 1 and big[0].get("argv_truncated") is not True:
        probs.append("bigarg: argv_truncated is %r" % big[0].get("argv_truncated"))
    if probs:
        raise Fail("\n".join(probs))
    return "%d execs, %d forked processes" % (len(execs), len(forks))


def check_exits(v):
    recs, execs, forks, root = zoo(v)
    exits = {}
    for r in recs:
        if r.get("type") == "exit":
            exits.setdefault(ident(r), []).append(r)
    procs = {root} | set(forks)
    probs = []
    for p in procs:
        if len(exits.get(p, [])) != 1:
            probs.append("process %r: %d exit records" % (p, len(exits.get(p, []))))
    for p in exits:
        if p not in procs:
            probs.append("exit of a process never forked in the job: %r" % (p,))
    by_tag = {tag_of(e): ident(e) for e in execs}
    for tag, field, want in (("exit7", "exit_code", 7), ("sigterm", "signal", 15),
                             ("bin_true", "exit_code", 0), ("ROOT", "exit_code", 0)):
        x = exits.get(by_tag.get(tag), [])
        if len(x) == 1 and x[0].get(field) != want:
            probs.append("%s: exit %s %r, expected %r" % (tag, field, x[0].get(field), want))
    if probs:
        raise Fail("\n".join(probs))
    return "%d processes, %d exits" % (len(procs), sum(len(x) for x in exits.values()))


def check_exec_failed(v):
    recs, execs, forks, root = zoo(v)
    failed = [r for r in recs if r.get("type") == "exec_failed"]
    got = sorted((f.get("filename"), f.get("errno"), f.get("execveat")) for f in failed)
    want = sorted([("/nonexistent/buildwarden-zoo-enoent", "ENOENT", False),
                   ("/nonexistent/buildwarden-zoo-enoent-at", "ENOENT", True)])
    if got != want:
        raise Fail("exec_failed records: expected %r, got %r" % (want, got))


def check_deny(v):
    check_boot(v)
    recs = v.records("deny")
    probs = []
    if v.rcs.get("deny") != 0:
        probs.append("buildwarden run exited %r" % v.rcs.get("deny"))
    if v.info.get("deny_marker_lines") != "0":
        probs.append("the denied program ran: marker has %s lines"
                     % v.info.get("deny_marker_lines"))
    if v.info.get("held_marker_lines") != "0":
        probs.append("the held program ran: marker has %s lines"
                     % v.info.get("held_marker_lines"))
    if v.info.get("allowed_marker_lines") != "5":
        probs.append("the allowed program's marker has %s lines, expected 5"
                     % v.info.get("allowed_marker_lines"))
    st = v.sections.get("deny-status", [])
    # With BPF LSM the exec fails with EPERM (the shell says 126); without
    # it the program is SIGKILLed before its first instruction (137).
    hook = summary_of(recs).get("deny_hook")
    want = "denied 126" if hook == "lsm" else "denied 137"
    if st.count(want) != 5 or st.count("allowed 0") != 5 or st.count("held 137") != 5:
        probs.append("statuses seen by the shell: %r (expected 5 x %r, 5 x"
                     " 'allowed 0', 5 x 'held 137'; deny_hook %r)" % (st, want, hook))
    held = [r for r in recs if r.get("type") == "exec" and r.get("held") == ["loader"]]
    if len(held) != 5:
        probs.append("exec records held for 'loader': %d, expected 5" % len(held))
    lsm_active = "bpf" in v.info.get("lsm", "").split(",")
    # x86_64 6.1 attaches BPF LSM programs; arm64 6.1 lists bpf but lacks the
    # trampoline support to attach them, so the agent falls back to SIGKILL.
    if lsm_active and hook != "lsm":
        if v.arch == "x86_64":
            probs.append("the kernel runs BPF LSM (%s) but deny_hook is %r, not 'lsm'"
                         % (v.info.get("lsm"), hook))
        else:
            print("# %s: BPF LSM is listed but its programs do not attach here; deny "
                  "used the SIGKILL-at-exec path" % v.label, flush=True)
    vs = [r for r in recs if r.get("type") == "verdict"]
    blocked = [r for r in vs if r.get("rule") == "vm-deny-marker" and r.get("blocked") is True]
    if len(blocked) != 5:
        probs.append("blocked verdicts for vm-deny-marker: %d, expected 5" % len(blocked))
    s = summary_of(recs)
    if s.get("blocked") != 5:
        probs.append("summary blocked %r, expected 5" % s.get("blocked"))
    if probs:
        raise Fail("\n".join(probs) + "\nagent stderr:\n" + v.text("deny-stderr"))


def check_tamper(v):
    """guest-tests.sh 3b: `sh -c 'kill -USR1 $PPID'` under run, then a second run."""
    check_boot(v)
    first, second = v.records("tamper1"), v.records("tamper2")
    status = v.sections.get("tamper-status", [])
    hook = summary_of(second).get("deny_hook")
    probs = []
    if hook == "lsm":
        mine = [r for r in first if r.get("type") == "tamper"]
        if v.rcs.get("tamper1") != 0:
            probs.append("the run exited %r: the job's SIGUSR1 was not refused"
                         % v.rcs.get("tamper1"))
        if status != ["kill 1"]:
            probs.append("the job's kill said %r, expected ['kill 1'] (EPERM)" % status)
        if not mine or mine[0].get("result") != "denied" or mine[0].get("signal") != "SIGUSR1":
            probs.append("no denied SIGUSR1 tamper record in the run's stream: %r" % mine)
        note = "lsm/task_kill refused the job's SIGUSR1 (EPERM)"
    else:
        mine = [r for r in second if r.get("type") == "tamper" and r.get("earlier_agent")]
        if v.rcs.get("tamper1") != 128 + 10:
            probs.append("the first run exited %r, expected 138 (killed by SIGUSR1)"
                         % v.rcs.get("tamper1"))
        if not mine:
            probs.append("the next run has no tamper record of the kill")
        else:
            t = mine[0]
            want = {"signal": "SIGUSR1", "sender": "job", "comm": "sh", "result": "delivered"}
            got = {k: t.get(k) for k in want}
            if got != want or (t.get("lineage") or [{}])[0].get("comm") != "buildwarden":
                probs.append("tamper record %r, expected %r with the agent as first ancestor"
                             % (t, want))
            if "kill -USR1" not in " ".join(t.get("argv") or []):
                probs.append("the sender's argv %r" % t.get("argv"))
        note = "no BPF LSM (deny_hook %r): the kill was reported by the next run" % hook
    if probs:
        raise Fail("\n".join(probs) + "\nfirst run's stderr:\n" + v.text("tamper1-stderr")
                   + "\nsecond run's stderr:\n" + v.text("tamper2-stderr"))
    return note


def hooks_problem(v, recs):
    s = summary_of(recs)
    rec = s.get("recorded") or []
    if "connect" not in rec:
        return ("summary recorded=%r: the network hooks did not load on %s (libbpf's"
                " error: see the 'network/file/privilege object loads' test)" % (rec, v.label))
    return None


def check_connect(v):
    check_boot(v)
    recs = v.records("network")
    hp = hooks_problem(v, recs)
    if hp:
        raise Fail(hp)
    c = [r for r in recs if r.get("type") == "connect" and r.get("address") == "127.0.0.1"
         and r.get("port") == 7777]
    if len(c) < 1 or c[0].get("result") != 0 or c[0].get("proto") != "tcp":
        raise Fail("connect to 127.0.0.1:7777 (tcp, result 0) not recorded: %r\nstderr:\n%s"
                   % ([{k: r.get(k) for k in ("address", "port", "proto", "result")}
                       for r in recs if r.get("type") == "connect"], v.text("network-stderr")))


def check_dns(v):
    check_boot(v)
    recs = v.records("network")
    hp = hooks_problem(v, recs)
    if hp:
        raise Fail(hp)
    q = [r for r in recs if r.get("type") == "dns" and r.get("direction") == "query"
         and r.get("qname") == "buildwarden-vm.test"]
    if not q:
        raise Fail("no dns query for buildwarden-vm.test: %r"
                   % [r for r in recs if r.get("type") == "dns"][:3])


def check_syscall_hooks(v):
    check_boot(v)
    if "diag" not in v.sections:
        raise Fail("no diag section%s" % v.console_hint())
    diag = v.text("diag")
    if "hooks unavailable" in diag or "failed to load" in diag:
        raise Fail("on %s:\n%s" % (v.label, v.libbpf_error()))
    # The raw attachment, not the classic tracepoint the loader falls back to.
    how = summary_of(v.records("network")).get("syscall_hook")
    if how != "tp_btf":
        raise Fail("on %s: syscall hooks attached through %r, not tp_btf:\n%s"
                   % (v.label, how, v.libbpf_error()))
    return "syscall_hook=%s" % how


# ------------------------------------------------------- 32-bit (compat) processes

CRED = "/root/.ssh/id_compat32"


def compat_recs(v):
    """The compat scenario's records, or Skip when this guest has none."""
    check_boot(v)
    if v.info.get("compat") == "no-fixture":
        raise Skip("%s not installed: no 32-bit fixture (tools/deps-cross.sh vm)"
                   % v.g["cc32"])
    return v.records("compat")


def compat_of(recs, comm):
    return [r for r in recs if r.get("comm") == comm]


def check_compat_run(v):
    recs = compat_recs(v)
    c32 = v.g["compat32"]
    out = v.sections.get("compat-stderr", [])
    probs = []
    if v.rcs.get("compat") != 0:
        probs.append("buildwarden run exited %r" % v.rcs.get("compat"))
    for want in ("compat32 0", "int80 0"):
        if want not in out:
            probs.append("the guest's script did not print %r" % want)
    s = summary_of(recs)
    for k in ("lost", "malformed"):
        if s.get(k) != 0:
            probs.append("summary %s: %r" % (k, s.get(k)))
    if "connect" not in (s.get("recorded") or []):
        probs.append("summary recorded=%r: the syscall hooks did not load" % s.get("recorded"))
    execs = [r for r in recs if r.get("type") == "exec" and (r.get("exe") or "").endswith(c32)]
    if len(execs) != 1:
        probs.append("exec records of %s: %d" % (c32, len(execs)))
    if probs:
        raise Fail("\n".join(probs) + "\nguest output:\n" + "\n".join(out))


def check_compat_connect(v):
    recs = compat_recs(v)
    c32 = v.g["compat32"]
    c = [(r.get("address"), r.get("port"), r.get("proto"), r.get("result"))
         for r in compat_of(recs, c32) if r.get("type") == "connect"]
    want = [("127.0.0.1", 7780, "tcp", 0), ("127.0.0.1", 7781, "udp", 0)]
    if sorted(c) != want:
        raise Fail("connects of %s: %r, expected %r (direct TCP, UDP through socketcall)"
                   % (c32, c, want))


def check_compat_dns(v):
    recs = compat_recs(v)
    c32 = v.g["compat32"]
    d = sorted((r.get("direction"), r.get("qname"), r.get("server"), r.get("server_port"),
                r.get("compat")) for r in compat_of(recs, c32) if r.get("type") == "dns")
    want = sorted((dirn, q, "127.0.0.1", 53, True)
                  for dirn in ("query", "answer")
                  for q in ("compat-sendto.test", "compat-sendmsg.test"))
    if d != want:
        raise Fail("dns records of %s: %r, expected %r" % (c32, d, want))


def check_compat_file(v):
    recs = compat_recs(v)
    c32 = v.g["compat32"]
    f = [r for r in compat_of(recs, c32) if r.get("type") == "file"]
    probs = []

    def find(op, pred, what):
        got = [r for r in f if r.get("op") == op and pred(r)]
        if not got:
            probs.append("no %s record (%s)" % (op, what))
        elif any(r.get("compat") is not True for r in got):
            probs.append("%s record (%s) not marked compat: %r" % (op, what, got[0]))
        return got

    cred = find("open-read", lambda r: r.get("path") == CRED, CRED)
    find("open-write", lambda r: (r.get("path") or "").endswith("/compat32.out"), "creat")
    find("chmod", lambda r: r.get("mode") == "4755", "chmod 04755")
    find("rename", lambda r: (r.get("path2") or "").endswith("compat32.renamed"), "rename")
    find("unlink", lambda r: (r.get("path") or "").endswith("compat32.renamed"), "unlink")
    vs = [r for r in recs if r.get("type") == "verdict"
          and r.get("rule") == "credential-file-access" and cred
          and r.get("pid") == cred[0].get("pid")
          and (r.get("event") or {}).get("path") == CRED]
    if cred and not vs:
        probs.append("no credential-file-access verdict for the 32-bit read of %s" % CRED)
    if probs:
        raise Fail("\n".join(probs) + "\nfile records: %r" % [
            {k: r.get(k) for k in ("op", "path", "path2", "mode", "compat")} for r in f])
    return "%d file records of %s" % (len(f), c32)


def check_compat_priv(v):
    recs = compat_recs(v)
    p = [r for r in compat_of(recs, v.g["compat32"]) if r.get("type") == "privilege"]
    got = sorted((r.get("op"), r.get("syscall_nr")) for r in p)
    probs = []
    nr = v.g["nr32"]
    for want in (("setuid", nr["setuid32"]), ("setuid", nr["setresuid16"]),
                 ("memfd", nr["memfd"]), ("ptrace", nr["ptrace"]),
                 ("process-vm", nr["process_vm"])):
        if want not in got:
            probs.append("no %s record with syscall_nr %d" % want)
    if any(r.get("compat") is not True for r in p):
        probs.append("privilege records not marked compat")
    r16 = [r for r in p if r.get("syscall_nr") == nr["setresuid16"]]
    if r16 and r16[0].get("args") != [4294967295] * 3:
        probs.append("16-bit setresuid(-1, -1, -1): args %r, expected -1 widened to 32 bits"
                     % r16[0].get("args"))
    mem = [r for r in p if r.get("op") == "memfd"]
    if mem and mem[0].get("string") != "compat32-memfd":
        probs.append("memfd name %r" % mem[0].get("string"))
    if probs:
        raise Fail("\n".join(probs) + "\nprivilege records: %r" % [
            {k: r.get(k) for k in ("op", "syscall_nr", "args", "string", "compat")} for r in p])


def check_compat_int80(v):
    if v.arch != "x86_64":
        raise Skip("int 0x80 is x86's")
    recs = compat_recs(v)
    f = [r for r in compat_of(recs, "compat32") if r.get("type") == "file"
         and r.get("op") == "open-read" and r.get("path") == CRED]
    if len(f) != 1 or f[0].get("compat") is not True:
        raise Fail("int 0x80 open of %s by the 64-bit compat32: %r" % (CRED, f))


def check_poweroff(v):
    if v.timed_out:
        raise Fail("QEMU still running after %d s (killed)%s" % (TIMEOUT, v.console_hint()))
    if "BWVM-DONE" not in v.info:
        raise Fail("QEMU exited %r before the guest finished%s" % (v.exit_code, v.console_hint()))
    return "QEMU %.1f s wall, guest uptime at the end %s" % (
        v.boot_s, v.info["BWVM-DONE"].split("uptime=")[-1])


FUNCS = {
    "boot": check_boot, "btf": check_btf, "load": check_load, "lineage": check_lineage,
    "exits": check_exits, "exec_failed": check_exec_failed, "deny": check_deny,
    "connect": check_connect, "dns": check_dns, "syscall_hooks": check_syscall_hooks,
    "tamper": check_tamper,
    "compat_run": check_compat_run, "compat_connect": check_compat_connect,
    "compat_dns": check_compat_dns, "compat_file": check_compat_file,
    "compat_priv": check_compat_priv, "compat_int80": check_compat_int80,
    "poweroff": check_poweroff,
}


# ------------------------------------------------------------------------ TAP

class Tap:
    def __init__(self, n):
        self.i = 0
        self.failed = 0
        print("1..%d" % n, flush=True)

    def diag(self, text):
        for line in str(text).splitlines():
            print("#   " + line, flush=True)

    def ok(self, name, note=None):
        self.i += 1
        print("ok %d - %s" % (self.i, name), flush=True)
        if note:
            self.diag(note)

    def not_ok(self, name, why):
        self.i += 1
        self.failed += 1
        print("not ok %d - %s" % (self.i, name), flush=True)
        self.diag(why)

    def skip(self, name, why):
        self.i += 1
        print("ok %d - %s # SKIP %s" % (self.i, name, why), flush=True)


def main():
    arches = os.environ.get("BW_VM_ARCHES", "x86_64 arm64").split()
    arches = [a for a in arches if a in GUESTS]
    tap = Tap(len(arches) * len(CHECKS))
    for arch in arches:
        v = Guest(arch)
        stage_skip = None
        stage_fail = None
        try:
            v.build()
            build_note = "built in %.1f s into %s" % (v.build_s, os.path.relpath(v.build_dir, SRC))
            try:
                v.prepare()
                v.boot()
            except Fail as e:
                stage_fail = str(e)
        except Skip as e:
            stage_skip = str(e)
        except Fail as e:
            stage_fail = "build: " + str(e)
            build_note = None
        except subprocess.TimeoutExpired as e:
            stage_fail = "timed out: %s" % e
            build_note = None
        if stage_skip is None and stage_fail is None:
            print("# %s: QEMU %.1f s (timeout %d s): %s" % (v.label, v.boot_s, TIMEOUT,
                                                           " ".join(v.qemu_cmd)), flush=True)
            print("# %s: %s" % (v.label, v.info.get("lsm", "")), flush=True)
            if v.incident:
                print("# %s: the guest kernel locked up or panicked on the first boot; booted"
                      " again. Its report (also in %s):" % (
                          v.label, os.path.relpath(os.path.join(v.vmdir, "console-1.log"), SRC)))
                for line in v.incident.split("\n"):
                    print("#   " + line)
        for key, desc in CHECKS:
            name = "%s: %s" % (v.label, desc)
            if stage_skip:
                tap.skip(name, stage_skip)
                continue
            if key == "build":
                if build_note:
                    tap.ok(name, build_note)
                else:
                    tap.not_ok(name, stage_fail)
                continue
            if stage_fail:
                tap.not_ok(name, stage_fail if key == "boot" else "not run: the VM stage failed")
                continue
            try:
                note = FUNCS[key](v)
                tap.ok(name, note)
            except Skip as e:
                tap.skip(name, str(e))
            except Fail as e:
                tap.not_ok(name, str(e))
            except Exception as e:  # a bug here is a failure, not a crash
                tap.not_ok(name, "%s: %s" % (type(e).__name__, e))
    return 1 if tap.failed else 0


if __name__ == "__main__":
    sys.exit(main())
