#!/usr/bin/env python3
"""bench_agents — buildwarden side by side with auditd and a bpftrace execve
tracer, on the work a CI build does. Python 3 standard library only.
docs/BENCHMARKS.md describes the method; bench_results.py turns the runs
into the tables and the target verdicts.

Usage (root): tools/bench/bench_agents.py [--build DIR]
  DIR (default: build) holds buildwarden and bench/tiny, bench/exec_storm.

Environment:
  BENCH_ROUNDS=5          interleaved rounds per workload
  BENCH_BUDGET_SECONDS=2700  a workload stops starting rounds once it has
                          used its share of this (the loss test's time
                          excluded), but never before its third round
  BENCH_LOSS_EXECS=100000 execs of the loss test (0: skip it): the
                          100,000 processes the footprint target is about
  BENCH_STORM_EXECS=5000  execs per worker in the exec-storm workload
  BENCH_WORKLOADS=storm,zlib,jq   which workloads, in this order
  BENCH_CONFIGS=...       the configurations (default: none, buildwarden,
                          buildwarden+hooks, buildwarden+kill, auditd,
                          bpftrace; buildwarden+traces only when named)
  BENCH_BASE=BIN          another buildwarden (an earlier commit's build):
                          the configuration "base" runs it with the default
                          policy, interleaved with the others, for paired
                          figures of a change (no target verdicts)
  BENCH_BW_HOOKS_ARGS     `buildwarden run` options of "buildwarden+hooks"
                          (default: --record all)
  BENCH_JQ_CONFIGURE      jq's ./configure options (default: JQ_CONFIGURE)

What is measured, per run (all in the same invocation):
  wall        from releasing the workload (the agent is already attached) to
              the end of the job: for buildwarden, the exit of `buildwarden
              run`, which includes draining its ring buffer.
  agent CPU   the agent's own user+system CPU over that window, divided by
              the execs the workload performed:
              - buildwarden: `buildwarden run` forks the build, so getrusage
                of it would include the build. Its own CPU is read from
                /proc: at the gate (before the workload starts) and again
                when it has exited but not been reaped (waitid WNOWAIT keeps
                the zombie), as the sum of its threads' sum_exec_runtime
                (/proc/PID/task/*/schedstat, ns) — cross-checked against
                utime+stime of /proc/PID/stat (clock ticks, whole thread
                group; used instead if threads that exited early make it
                larger). Neither includes the children's CPU (cutime).
              - auditd: the auditd daemon's threads plus the kauditd kernel
                thread, before the workload and after the audit backlog has
                drained and the log stopped growing.
              - bpftrace: its process, from attached to output drained.
  build CPU   user+system CPU of the workload's own processes (wait4
              rusage; for buildwarden, the rusage of `buildwarden run`
              minus its own CPU). In-kernel work done in the build's
              context (BPF programs, audit record formatting) lands here.
"""

import json
import os
import re
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_env import env_int  # noqa: E402
from bench_results import (bw_result, parse_events, plot, summarise, table, target_lines,  # noqa: E402
                           targets)

CLK_TCK = os.sysconf("SC_CLK_TCK")
TICK_NS = 1_000_000_000 // CLK_TCK
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


ROUNDS = env_int("BENCH_ROUNDS", 5)
MIN_ROUNDS = min(3, ROUNDS)  # the budget never cuts a workload below this
LOSS_EXECS = env_int("BENCH_LOSS_EXECS", 100000)
# What the budget keeps back for the loss test: ~800 execs/s on this machine.
LOSS_RESERVE_S = LOSS_EXECS / 800
STORM_EXECS = env_int("BENCH_STORM_EXECS", 5000)
BUDGET = env_int("BENCH_BUDGET_SECONDS", 2700)
BASE_BW = os.environ.get("BENCH_BASE", "")
WORKLOADS = [w for w in os.environ.get("BENCH_WORKLOADS", "storm,zlib,jq").split(",") if w]
HOOKS_ARGS = shlex.split(os.environ.get("BENCH_BW_HOOKS_ARGS", "--record all"))
DEFAULT_CONFIGS = "none,buildwarden,buildwarden+daemon,buildwarden+hooks,buildwarden+kill,auditd,bpftrace"
# The options tests/bpf/test_default_policy_builds.py builds jq with:
# Debian's shipped parser and lexer (no bison, flex), no docs (no ruby),
# the test suite run on jq itself rather than under valgrind, and a jq
# binary rather than a libtool wrapper script around a shared library.
JQ_CONFIGURE = ("--disable-maintainer-mode --disable-docs --disable-valgrind "
                "--disable-shared --with-oniguruma=yes")
JQ_CONFIGURE = os.environ.get("BENCH_JQ_CONFIGURE", JQ_CONFIGURE)
# The outer make's jobserver and flags are not the workloads' business.
MAKE_ENV = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "MAKEOVERRIDES")
# A kill-process rule no workload matches: records the agent may act on
# then wake it as under any policy that kills from userspace
# (docs/ARCHITECTURE.md, "Wakeups").
KILL_RULE = """
  - name: bench-kill-nothing
    description: Matches no exec of the benchmark; present for its action.
    severity: low
    action: kill-process
    match:
      exe: /nonexistent/bwbench-kill-nothing
"""

BPFTRACE_PROG = (
    "tracepoint:syscalls:sys_enter_execve,tracepoint:syscalls:sys_enter_execveat "
    '{ printf("%llu %d %d %s %s\\n", nsecs, pid, curtask->real_parent->tgid, comm, '
    "str(args->filename)); }"
)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# /proc accounting


class Cpu:
    """CPU of a process at one moment: ns (threads' sum_exec_runtime) and
    ticks_ns (utime+stime of the thread group, in clock ticks)."""

    def __init__(self, ns=0, ticks_ns=0):
        self.ns = ns
        self.ticks_ns = ticks_ns

    def __add__(self, o):
        return Cpu(self.ns + o.ns, self.ticks_ns + o.ticks_ns)

    def total(self):
        return self.ticks_ns if self.ticks_ns > self.ns + 2 * TICK_NS else self.ns


def stat_fields(pid):
    with open(f"/proc/{pid}/stat") as f:
        s = f.read()
    # Field 3 (state) onwards; comm may contain spaces and parentheses.
    return s[s.rfind(")") + 2:].split()


def read_cpu(pid):
    if pid is None:
        return Cpu()
    ns = 0
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                    ns += int(f.read().split()[0])
            except (OSError, ValueError, IndexError):
                pass
        fl = stat_fields(pid)
    except OSError:
        return Cpu()
    return Cpu(ns, (int(fl[11]) + int(fl[12])) * TICK_NS)


def cpu_delta(a, b):
    d_ns = b.ns - a.ns
    d_ticks = b.ticks_ns - a.ticks_ns
    return d_ticks if d_ticks > d_ns + 2 * TICK_NS else d_ns


def rss_kib(pid):
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in ("VmRSS", "VmHWM"):
                    out[k] = int(v.split()[0])
    except OSError:
        pass
    return out


def bpf_map_memlock(pid):
    """Bytes of BPF map memory held by PID's map fds (fdinfo memlock)."""
    total, seen = 0, set()
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return None
    for fd in fds:
        try:
            if os.readlink(f"/proc/{pid}/fd/{fd}") != "anon_inode:bpf-map":
                continue
            info = {}
            with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                for line in f:
                    k, _, v = line.partition(":")
                    info[k.strip()] = v.strip()
            mid = info.get("map_id")
            if mid in seen:
                continue
            seen.add(mid)
            total += int(info.get("memlock", "0"))
        except (OSError, ValueError):
            pass
    return total


def find_kthread(name):
    for p in os.listdir("/proc"):
        if p.isdigit():
            try:
                with open(f"/proc/{p}/comm") as f:
                    if f.read().strip() == name:
                        return int(p)
            except OSError:
                pass
    return None


def wait_stable(path, quiet=0.3, limit=15.0, extra=None):
    """Wait until PATH stops growing for QUIET s (and EXTRA() is true)."""
    end = time.monotonic() + limit
    last, since = -1, time.monotonic()
    while time.monotonic() < end:
        try:
            size = os.path.getsize(path)
        except OSError:
            size = 0
        now = time.monotonic()
        if size != last:
            last, since = size, now
        elif now - since >= quiet and (extra is None or extra()):
            return True
        time.sleep(0.05)
    return False


def busy_ns():
    """CPU time the whole machine spent not idle, all CPUs (/proc/stat)."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    return (sum(v) - v[3] - v[4]) * TICK_NS  # minus idle and iowait


def run_quiet(argv, **kw):
    return subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)


# --------------------------------------------------------------------------
# Agents. Each: available() -> None or a reason; start(ctx); at_gate(pid);
# at_exit(pid) with the job's top process a zombie; stop() -> dict.


class Unavailable:
    def __init__(self, name, reason):
        self.name, self.reason = name, reason

    def available(self):
        return self.reason


class NoAgent:
    name = "none"

    def available(self):
        return None

    def wrap(self, cmd, run):
        return cmd

    def start(self, run):
        pass

    def at_gate(self, pid, run):
        pass

    def at_exit(self, pid, run):
        pass

    def stop(self, run):
        return {}


class Buildwarden(NoAgent):
    def __init__(self, name, bw, extra):
        self.name, self.bw, self.extra = name, bw, list(extra)

    def available(self):
        if not os.access(self.bw, os.X_OK):
            return f"{self.bw} not built"
        return None

    def wrap(self, cmd, run):
        return [self.bw, "run", "--events", run.events, "--no-tree", *self.extra, "--", *cmd]

    def at_gate(self, pid, run):
        run.cpu0 = read_cpu(pid)
        run.rss_idle = rss_kib(pid).get("VmRSS")

    def at_exit(self, pid, run):
        run.cpu1 = read_cpu(pid)  # zombie: own threads only, no children

    def stop(self, run):
        res = {
            "agent_cpu_ns": cpu_delta(run.cpu0, run.cpu1),
            "agent_start_cpu_ns": run.cpu0.total(),
            "agent_total_cpu_ns": run.cpu1.total(),
            "rss_idle_kib": run.rss_idle,
        }
        res.update(bw_result(parse_events(run.events, run.tiny), run.t_spawn_ns, run.t1_ns))
        return res


class BuildwardenDaemon(Buildwarden):
    """`run` handing each build to a daemon started for it (docs/DAEMON.md,
    "Runs through the daemon"): the daemon is up before the run starts, as
    on a build host, so start and exit are the handover's. Its CPU from the
    gate to the job's end counts as the agent's."""

    def __init__(self, name, bw, extra):
        super().__init__(name, bw, extra)
        self.daemon = None

    def start(self, run):
        d = os.path.dirname(run.prefix)
        os.makedirs(os.path.join(d, "reports"), exist_ok=True)
        run.sock = os.path.join(d, "run.sock")
        cfg = os.path.join(d, "daemon.yaml")
        with open(cfg, "w") as f:
            f.write("reports: reports\nrun_socket: run.sock\njobs:\n"
                    "  - name: never\n    match: {exe_basename: bw-bench-no-runner}\n")
        run.daemon_log = open(run.prefix + ".daemon.log", "w+")
        self.daemon = subprocess.Popen([self.bw, "daemon", "--config", cfg], stdin=subprocess.DEVNULL,
                                       stdout=run.daemon_log, stderr=run.daemon_log)
        end = time.monotonic() + 60
        while time.monotonic() < end and self.daemon.poll() is None:
            run.daemon_log.seek(0)
            if "handed over at" in run.daemon_log.read():
                return
            time.sleep(0.02)
        run.daemon_log.seek(0)
        raise RuntimeError("the daemon did not start: " + " ".join(run.daemon_log.read().split())[-300:])

    def wrap(self, cmd, run):
        return [self.bw, "run", "--daemon-socket", run.sock, "--events", run.events, "--no-tree",
                *self.extra, "--", *cmd]

    def at_gate(self, pid, run):
        super().at_gate(pid, run)
        run.dcpu0 = read_cpu(self.daemon.pid)
        run.rss_idle = rss_kib(self.daemon.pid).get("VmRSS")

    def stop(self, run):
        try:
            # run exits after the daemon ended the job: its CPU for it is in.
            dcpu = cpu_delta(run.dcpu0, read_cpu(self.daemon.pid)) if hasattr(run, "dcpu0") else 0
            res = super().stop(run)
            res["agent_cpu_ns"] += dcpu
            return res
        finally:
            self.daemon.terminate()
            try:
                self.daemon.wait(30)
            except subprocess.TimeoutExpired:
                self.daemon.kill()
                self.daemon.wait()
            run.daemon_log.close()


def audit_status():
    r = run_quiet(["auditctl", "-s"])
    st = {}
    for line in r.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].lstrip("-").isdigit():
            st[parts[0]] = int(parts[1])
    return st


class TraceSink:
    """A loopback OTLP/HTTP collector that reads each request and answers
    200: where the "buildwarden+traces" configuration sends its spans
    (docs/TRACES.md), so the agent pays for encoding, batching and
    posting, not for a remote collector."""

    def __init__(self):
        import http.server

        class Sink(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sink)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        self.url = "http://127.0.0.1:%d" % self.httpd.server_address[1]


class Auditd(NoAgent):
    name = "auditd"
    RULE = ["-F", "arch=b64", "-S", "execve,execveat", "-k", "bwbench"]

    def __init__(self, workdir):
        self.dir = os.path.join(workdir, "audit")
        self.started = False
        self.saved = None
        self.pid = None
        self.kauditd = None

    def available(self):
        for t in ("auditd", "auditctl"):
            if not shutil.which(t):
                return f"{t} not installed (tools/bench/deps.sh installs the auditd package)"
        st = audit_status()
        if "enabled" not in st:
            return "auditctl -s failed: the kernel audit netlink socket is not usable here"
        self.saved = st
        self.saved_rules = run_quiet(["auditctl", "-l"]).stdout
        # Trial start, so a machine where auditd cannot run says so once.
        try:
            self._start_daemon()
        except RuntimeError as e:
            return str(e)
        self._stop_daemon()
        return None

    def _start_daemon(self):
        st = audit_status()
        if st.get("pid", 0) and os.path.exists(f"/proc/{st['pid']}"):
            self.pid, self.started = st["pid"], False  # someone's auditd: use it, leave it
        else:
            os.makedirs(self.dir, exist_ok=True)
            conf = os.path.join(self.dir, "auditd.conf")
            with open("/etc/audit/auditd.conf") as f:
                text = f.read()
            logf = os.path.join(self.dir, "audit.log")
            text = re.sub(r"(?m)^log_file\s*=.*$", f"log_file = {logf}", text)
            # One log per run, never rotated under the count of what it logged.
            text = re.sub(r"(?m)^max_log_file_action\s*=.*$", "max_log_file_action = IGNORE", text)
            for name in os.listdir(self.dir):
                if name.startswith("audit.log"):
                    os.unlink(os.path.join(self.dir, name))
            with open(conf, "w") as f:
                f.write(text)
            r = run_quiet(["auditd", "-c", self.dir])
            if r.returncode != 0:
                raise RuntimeError(f"auditd would not start (status {r.returncode}): {r.stdout.strip()[:200]}")
            end = time.monotonic() + 10
            while time.monotonic() < end:
                st = audit_status()
                if st.get("pid", 0):
                    break
                time.sleep(0.05)
            if not st.get("pid", 0):
                raise RuntimeError("auditd started but never registered with the kernel (auditctl -s: pid 0)")
            self.pid, self.started = st["pid"], True
        self.kauditd = find_kthread("kauditd")
        # Debian's /etc/audit/rules.d/audit.rules defaults.
        run_quiet(["auditctl", "-b", "8192"])
        run_quiet(["auditctl", "--backlog_wait_time", "60000"])
        r = run_quiet(["auditctl", "-a", "always,exit", *self.RULE])
        if r.returncode != 0:
            raise RuntimeError(f"auditctl -a always,exit {' '.join(self.RULE)} failed: {r.stdout.strip()[:200]}")

    def _stop_daemon(self):
        run_quiet(["auditctl", "-d", "always,exit", *self.RULE])
        if self.started and self.pid:
            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            end = time.monotonic() + 10
            while time.monotonic() < end and os.path.exists(f"/proc/{self.pid}"):
                time.sleep(0.05)
        self.restore()

    def restore(self):
        if not self.saved:
            return
        run_quiet(["auditctl", "-b", str(self.saved.get("backlog_limit", 64))])
        run_quiet(["auditctl", "--backlog_wait_time", str(self.saved.get("backlog_wait_time", 15000))])
        if not self.started:
            return
        run_quiet(["auditctl", "-e", str(self.saved.get("enabled", 0))])

    def start(self, run):
        self._start_daemon()

    def _cpu(self):
        return read_cpu(self.pid) + read_cpu(self.kauditd)

    def at_gate(self, pid, run):
        run.cpu0 = self._cpu()
        run.lost0 = audit_status().get("lost", 0)
        self.logf = os.path.join(self.dir, "audit.log") if self.started else None
        try:
            run.log_off = os.path.getsize(self.logf) if self.logf else None
        except OSError:
            run.log_off = None

    def at_exit(self, pid, run):
        logf = os.path.join(self.dir, "audit.log") if self.started else None
        drained = lambda: audit_status().get("backlog", 1) == 0  # noqa: E731
        if logf:
            wait_stable(logf, extra=drained)
        else:
            end = time.monotonic() + 15
            while time.monotonic() < end and not drained():
                time.sleep(0.05)
            time.sleep(0.3)
        run.cpu1 = self._cpu()
        run.lost1 = audit_status().get("lost", 0)

    def stop(self, run):
        try:
            res = {"agent_cpu_ns": cpu_delta(run.cpu0, run.cpu1), "audit_lost": run.lost1 - run.lost0}
            if run.log_off is not None:
                # Every exec it logged meanwhile, the build's and the rest of
                # the machine's (auditd is system-wide).
                n = 0
                with open(self.logf, "rb") as f:
                    f.seek(run.log_off)
                    for line in f:
                        if line.startswith(b"type=SYSCALL") and b'key="bwbench"' in line:
                            n += 1
                res["logged"] = n
        finally:
            self._stop_daemon()
        return res


class Bpftrace(NoAgent):
    name = "bpftrace"

    def __init__(self, workdir):
        self.workdir = workdir
        self.proc = None

    def available(self):
        if not shutil.which("bpftrace"):
            return "bpftrace not installed (tools/bench/deps.sh installs it)"
        try:
            self._start(os.path.join(self.workdir, "bpftrace-trial.out"))
        except RuntimeError as e:
            return str(e)
        finally:
            self._kill()
        return None

    def _start(self, out):
        try:
            os.unlink(out)
        except FileNotFoundError:
            pass
        self.out = out
        self.errf = open(out + ".stderr", "w")
        self.proc = subprocess.Popen(["bpftrace", "-o", out, "-e", BPFTRACE_PROG],
                                     stdin=subprocess.DEVNULL, stdout=self.errf, stderr=self.errf)
        # Attached when an exec of a unique (missing) path shows in the output:
        # sys_enter_execve fires before the lookup fails.
        marker = f"/nonexistent/bwbench-ready-{os.getpid()}"
        end = time.monotonic() + 60
        while time.monotonic() < end:
            if self.proc.poll() is not None:
                self.errf.flush()
                with open(out + ".stderr") as f:
                    err = " ".join(f.read().split())[:300]
                raise RuntimeError(f"bpftrace exited with status {self.proc.returncode}: {err}")
            try:
                subprocess.run([marker])
            except OSError:
                pass
            try:
                with open(out, errors="replace") as f:
                    if marker in f.read():
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise RuntimeError("bpftrace did not attach within 60 s")

    def _kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.errf.close()
        self.proc = None

    def start(self, run):
        self._start(run.prefix + ".bpftrace.out")

    def at_gate(self, pid, run):
        run.cpu0 = read_cpu(self.proc.pid)

    def at_exit(self, pid, run):
        wait_stable(self.out)
        run.cpu1 = read_cpu(self.proc.pid)

    def stop(self, run):
        res = {"agent_cpu_ns": cpu_delta(run.cpu0, run.cpu1)}
        self._kill()
        n = total = 0
        with open(self.out, errors="replace") as f:
            for line in f:
                total += 1
                if run.tiny and line.endswith(" " + run.tiny + "\n"):
                    n += 1
        if run.tiny:
            res["bt_delivered"] = n
        res["logged"] = total - 2  # minus "Attaching N probes..." and the readiness marker
        os.unlink(self.out)
        return res


# --------------------------------------------------------------------------
# Workloads. prepare(dir) -> (argv, cwd); execs(stdout) -> exact exec count.


class Storm:
    name = "storm"
    title = "exec storm"

    def __init__(self, build, n):
        self.bin = os.path.join(build, "bench", "exec_storm")
        self.tiny = os.path.join(build, "bench", "tiny")
        self.n = n
        self.desc = f"exec_storm: 2 workers x {n} fork+exec+wait of a static binary"

    def available(self):
        for p in (self.bin, self.tiny):
            if not os.access(p, os.X_OK):
                return f"{p} not built (make bench builds it)"
        return None

    def prepare(self, d):
        return [self.bin, "-w", "2", "-n", str(self.n), self.tiny], d

    def execs(self, out):
        m = re.search(r"execs=(\d+) failed=(\d+)", out)
        if not m or int(m.group(2)):
            return None
        return int(m.group(1)) + 1  # the tiny execs and the driver's own


class SourceBuild:
    """A build from a Debian source package. PREP (a shell command, or
    None) runs once, outside every measurement, in a tree at a fixed path
    (configure writes absolute paths); each run then gets a fresh copy of
    the prepared tree at that same path and runs SCRIPT in it. The exec
    count comes from one traced run (count_execs)."""

    tiny = None

    def __init__(self, name, title, desc, pkg, prep, script, workdir):
        self.name, self.title, self.desc, self.pkg = name, title, desc, pkg
        self.prep, self.script = prep, script
        self.tree = os.path.join(workdir, name + "-tree")
        self.pristine = None
        self.count = None
        self.why = None

    def fetch(self, build):
        r = run_quiet([os.path.join(REPO, "tools", "fetch-debian-source.sh"), self.pkg,
                       os.path.join(build, "debian-src")])
        if r.returncode != 0:
            self.why = f"tools/fetch-debian-source.sh {self.pkg} failed: " + " ".join(r.stdout.split())[-300:]
            return
        src = r.stdout.strip().splitlines()[-1]
        if not self.prep:
            self.pristine = src
            return
        self.pristine = self.tree + ".prepared"
        for d in (self.tree, self.pristine):
            shutil.rmtree(d, ignore_errors=True)
        shutil.copytree(src, self.tree, symlinks=True)
        r = run_quiet(["/bin/sh", "-c", self.prep], cwd=self.tree)
        if r.returncode != 0:
            self.why = f"preparing {self.pkg} ({self.prep}) failed: " + " ".join(r.stdout.split())[-300:]
            return
        os.rename(self.tree, self.pristine)

    def available(self):
        return self.why

    def prepare(self, d):
        shutil.rmtree(self.tree, ignore_errors=True)
        shutil.copytree(self.pristine, self.tree, symlinks=True)  # copy2: mtimes kept, make sees it built as prepared
        return ["/bin/sh", "-c", self.script], self.tree

    def execs(self, out):
        return self.count


def workloads(build, workdir):
    return {
        "storm": Storm(build, STORM_EXECS),
        "zlib": SourceBuild("zlib", "zlib", "zlib (Debian source) `./configure && make -j2 && make test`, "
                            "fresh copy each run", "zlib", None, "./configure && make -j2 && make test", workdir),
        "jq": SourceBuild("jq", "jq", f"jq (Debian source) `make -j2 && make -j2 check`, after autoreconf -i and "
                          f"./configure {JQ_CONFIGURE}, fresh copy each run", "jq",
                          f"{{ [ -x configure ] || autoreconf -i; }} && ./configure {JQ_CONFIGURE}",
                          "make -j2 && make -j2 check", workdir),
    }


# --------------------------------------------------------------------------


class Empty:
    """An empty job (/bin/true): what a buildwarden job costs besides execs."""
    name = "empty"
    tiny = None

    def prepare(self, d):
        return ["/bin/true"], d

    def execs(self, out):
        return 1


class Run:
    pass


def gate_argv(fifo, argv):
    # The agent is attached once this shell runs; it waits on FIFO, then
    # becomes the workload. The harness opens FIFO for writing, samples the
    # agent, and releases it.
    return ["/bin/sh", "-c", 'read _ < "$0" && exec "$@"', fifo, *argv]


def open_gate(fifo, proc_pid, limit=60.0):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        try:
            return os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
        except OSError:
            pass
        r = os.waitid(os.P_PID, proc_pid, os.WEXITED | os.WNOHANG | os.WNOWAIT)
        if r is not None:
            return None
        time.sleep(0.002)
    return None


def run_once(agent, wl, rnd, workdir, tiny):
    run = Run()
    d = os.path.join(workdir, f"{wl.name}-{agent.name}-{rnd}")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    run.prefix = os.path.join(d, "run")
    run.events = run.prefix + ".events.jsonl"
    run.tiny = tiny
    res = {"agent": agent.name, "round": rnd}
    try:
        argv, cwd = wl.prepare(d)
        fifo = run.prefix + ".gate"
        os.mkfifo(fifo)
        try:
            agent.start(run)
            full = agent.wrap(gate_argv(fifo, argv), run)
            outf = open(run.prefix + ".stdout", "w+")
            errf = open(run.prefix + ".stderr", "w+")
            run.t_spawn_ns = time.monotonic_ns()
            p = subprocess.Popen(full, cwd=cwd, stdin=subprocess.DEVNULL, stdout=outf, stderr=errf)
            fd = open_gate(fifo, p.pid)
            if fd is None:
                os.kill(p.pid, signal.SIGKILL)
                os.wait4(p.pid, 0)
                p.returncode = -9
                errf.seek(0)
                raise RuntimeError("the workload never started: " + " ".join(errf.read().split())[:300])
            agent.at_gate(p.pid, run)
            b0 = busy_ns()
            t0 = time.monotonic()
            os.write(fd, b"go\n")
            os.close(fd)
            os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOWAIT)
            t1 = time.monotonic()
            run.t1_ns = time.monotonic_ns()
            b1 = busy_ns()
            agent.at_exit(p.pid, run)
            _, status, ru = os.wait4(p.pid, 0)
            p.returncode = os.waitstatus_to_exitcode(status)
        finally:
            try:
                res.update(agent.stop(run))
            except (AttributeError, OSError, RuntimeError, subprocess.SubprocessError) as e:
                res.setdefault("error", f"{agent.name}: {e}")
        outf.seek(0)
        out = outf.read()
        errf.seek(0)
        err = errf.read()
        outf.close()
        errf.close()
        res["wall_s"] = t1 - t0
        total_ns = int((ru.ru_utime + ru.ru_stime) * 1e9)
        res["build_cpu_ns"] = total_ns - (run.cpu1.total() if isinstance(agent, Buildwarden) else 0)
        # Everything else the machine ran meanwhile: the noise of a shared box.
        if isinstance(agent, Buildwarden):  # total_ns includes its own CPU
            other = (b1 - b0) - (total_ns - run.cpu0.total())
        else:
            other = (b1 - b0) - total_ns - res.get("agent_cpu_ns", 0)
        res["bg_cores"] = max(0, other) / 1e9 / (t1 - t0)
        if p.returncode != 0:
            raise RuntimeError(f"workload exited with status {p.returncode}: " + " ".join(err.split())[-300:])
        res["execs"] = wl.execs(out)
        if res["execs"] is None:
            raise RuntimeError("cannot tell how many execs the workload did: " + out[-200:])
    except (RuntimeError, OSError) as e:
        res["error"] = str(e)
    finally:
        if "error" not in res:
            shutil.rmtree(d, ignore_errors=True)
    return res


def count_execs(wl, workdir):
    """Exact exec count of a deterministic workload, from a private tracefs
    instance following the workload's pids (set_event_pid + event-fork)."""
    tr = "/sys/kernel/tracing"
    if not os.path.isdir(tr + "/instances"):
        return None, "tracefs is not mounted at /sys/kernel/tracing"
    inst = f"{tr}/instances/bwbench-{os.getpid()}"
    d = os.path.join(workdir, f"{wl.name}-count")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    try:
        os.mkdir(inst)
    except OSError as e:
        return None, f"cannot create a tracefs instance: {e}"

    def w(name, val):
        with open(f"{inst}/{name}", "w") as f:
            f.write(val)

    try:
        w("buffer_size_kb", "16384")
        w("options/event-fork", "1")
        argv, cwd = wl.prepare(d)
        fifo = os.path.join(d, "gate")
        os.mkfifo(fifo)
        p = subprocess.Popen(gate_argv(fifo, argv), cwd=cwd, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        fd = open_gate(fifo, p.pid)
        if fd is None:
            p.wait()
            return None, "the workload did not start"
        w("set_event_pid", str(p.pid))
        w("events/sched/sched_process_exec/enable", "1")
        os.write(fd, b"go\n")
        os.close(fd)
        st = p.wait()
        w("events/sched/sched_process_exec/enable", "0")
        if st != 0:
            return None, f"the workload exited with status {st}"
        n = 0
        with open(f"{inst}/trace", errors="replace") as f:
            for line in f:
                if "sched_process_exec:" in line:
                    n += 1
        for cpu in os.listdir(f"{inst}/per_cpu"):
            with open(f"{inst}/per_cpu/{cpu}/stats") as f:
                for line in f:
                    k, _, v = line.partition(":")
                    if k.strip() == "overrun" and int(v) != 0:
                        return None, "the trace buffer overran"
        return n, None
    finally:
        try:
            w("events/sched/sched_process_exec/enable", "0")
        except OSError:
            pass
        try:
            os.rmdir(inst)
        except OSError:
            pass
        shutil.rmtree(d, ignore_errors=True)


def reset_peak_rss(pid):
    """VmHWM from here on (clear_refs 5, Linux 4.0): False when refused."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def loss_test(bw, storm, execs, workdir):
    d = os.path.join(workdir, "loss")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    events = os.path.join(d, "events.jsonl")
    fifo = os.path.join(d, "gate")
    os.mkfifo(fifo)
    argv = [storm.bin, "-w", "2", "-n", str((execs + 1) // 2), storm.tiny]
    t_spawn = time.monotonic_ns()
    outf = open(os.path.join(d, "stdout"), "w+")
    errf = open(os.path.join(d, "stderr"), "w+")
    p = subprocess.Popen([bw, "run", "--events", events, "--no-tree", "--", *gate_argv(fifo, argv)],
                         stdin=subprocess.DEVNULL, stdout=outf, stderr=errf)
    fd = open_gate(fifo, p.pid)
    if fd is None:
        p.wait()
        errf.seek(0)
        return {"error": "buildwarden did not start the workload: " + " ".join(errf.read().split())[:300]}
    res = {"execs": execs}
    idle = rss_kib(p.pid)
    res["rss_idle_kib"], res["rss_load_peak_kib"] = idle.get("VmRSS"), idle.get("VmHWM")
    # The peak while the processes run and the report is written, apart from loading's.
    res["rss_peak_is_run"] = reset_peak_rss(p.pid)
    res["bpf_map_bytes"] = bpf_map_memlock(p.pid)
    os.write(fd, b"go\n")
    os.close(fd)
    hwm = 0
    while os.waitid(os.P_PID, p.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None:
        r = rss_kib(p.pid)
        hwm = max(hwm, r.get("VmHWM", 0), r.get("VmRSS", 0))
        time.sleep(0.2)
    p.wait()
    res["rss_peak_kib"] = hwm
    if not res["rss_peak_is_run"]:
        res["rss_load_peak_kib"] = None  # in the peak above
    outf.seek(0)
    out = outf.read()
    m = re.search(r"execs=(\d+) failed=(\d+) workers=\d+ seconds=([\d.]+) rate=([\d.]+)", out)
    if not m:
        errf.seek(0)
        return {"error": "exec_storm did not report: " + " ".join((out + errf.read()).split())[-300:]}
    res["performed"] = int(m.group(1))
    res["storm_seconds"] = float(m.group(3))
    res["rate"] = float(m.group(4))
    ev = parse_events(events, storm.tiny)
    res["delivered"] = ev["tiny_execs"]
    bw = bw_result(ev, t_spawn, time.monotonic_ns())
    if "error" in bw:
        res["error"] = bw["error"]
    else:
        summ = ev["summary"]
        res["lost"], res["bw_execs"], res["start_ms"] = bw["bw_lost"], bw["bw_execs"], bw.get("start_ms")
        # summary "processes" counts the lineage table (pruned); forks + the root is every process.
        res["processes"] = max(summ.get("processes") or 0, (summ.get("forks") or 0) + 1)
    shutil.rmtree(d, ignore_errors=True)
    return res


def kill_policy(bw, workdir):
    """The default policy plus KILL_RULE, checked by `buildwarden policy
    check`: (path, None) or (None, why not)."""
    r = run_quiet([bw, "policy", "default"])
    if r.returncode != 0:
        return None, f"buildwarden policy default failed: {r.stdout.strip()[:200]}"
    path = os.path.join(workdir, "default+kill.yaml")
    with open(path, "w") as f:
        f.write(r.stdout.rstrip("\n") + "\n" + KILL_RULE)  # rules: is the default's last key
    r = run_quiet([bw, "policy", "check", path])
    if r.returncode != 0:
        return None, f"buildwarden policy check {path} failed: {' '.join(r.stdout.split())[:200]}"
    return path, None


def make_configs(bw, workdir):
    """The configurations BENCH_CONFIGS names, in rotation order, and the
    reasons of those that cannot run here."""
    want = os.environ.get("BENCH_CONFIGS") or DEFAULT_CONFIGS
    want = ["none"] + [n for n in want.split(",") if n and n != "none"]
    kill, why = kill_policy(bw, workdir) if os.access(bw, os.X_OK) else (None, f"{bw} not built")
    make = {
        "none": NoAgent,
        "buildwarden": lambda: Buildwarden("buildwarden", bw, []),
        "buildwarden+hooks": lambda: Buildwarden("buildwarden+hooks", bw, HOOKS_ARGS),
        "buildwarden+kill": lambda: (Buildwarden("buildwarden+kill", bw, ["--policy", kill]) if kill
                                     else Unavailable("buildwarden+kill", why)),
        "buildwarden+daemon": lambda: BuildwardenDaemon("buildwarden+daemon", bw, []),
        "buildwarden+traces": lambda: Buildwarden("buildwarden+traces", bw,
                                                  HOOKS_ARGS + ["--otlp-traces", TraceSink().url]),
        "base": lambda: (Buildwarden("base", BASE_BW, []) if BASE_BW
                         else Unavailable("base", "BENCH_BASE names no buildwarden to compare with")),
        "auditd": lambda: Auditd(workdir),
        "bpftrace": lambda: Bpftrace(workdir),
    }
    configs, unavailable = [], {}
    for name in want:
        if name not in make:
            sys.exit(f"bench_agents: unknown configuration {name!r} in BENCH_CONFIGS ({', '.join(make)})")
        a = make[name]()
        configs.append(a)
        why = a.available()
        if why:
            unavailable[a.name] = why
            log(f"bench_agents: {a.name}: unavailable: {why}")
    return configs, unavailable


def empty_job_costs(run_cfgs, workdir):
    """What an empty job (/bin/true) costs each buildwarden configuration,
    median of 3: agent CPU after and before the gate, start, exit, RSS."""
    fixed = {}
    for a in run_cfgs:
        if not isinstance(a, Buildwarden):
            continue
        rs = [r for r in (run_once(a, Empty(), i, workdir, None) for i in range(3)) if "error" not in r]
        if not rs:
            continue
        fixed[a.name] = statistics.median(r["agent_cpu_ns"] for r in rs)
        for key, field in ((":start", "agent_start_cpu_ns"), (":start_ms", "start_ms"),
                           (":rss", "rss_idle_kib"), (":exit_lag_ms", "exit_lag_ms"),
                           (":teardown_ms", "teardown_ms")):
            fixed[a.name + key] = statistics.median(r.get(field) or 0 for r in rs)
        log(f"bench_agents: {a.name}: an empty job costs {fixed[a.name] / 1e6:.1f} ms "
            f"after the gate, {fixed[a.name + ':start'] / 1e6:.1f} ms before it")
    return fixed


def ready_workload(wl, build, workdir):
    """Fetch, prepare and count a workload: None, or why it cannot run."""
    if isinstance(wl, SourceBuild):
        log(f"bench_agents: {wl.name}: fetching and preparing {wl.pkg}")
        wl.fetch(build)
    why = wl.available()
    if why or not isinstance(wl, SourceBuild):
        return why
    n, why = count_execs(wl, workdir)
    if n is None:
        return f"cannot count its execs: {why}"
    wl.count = n
    log(f"bench_agents: {wl.title}: {n} execs per run (tracefs count)")
    return None


def run_rounds(wl, run_cfgs, workdir, share):
    """Interleaved rounds, the order rotated each round; past MIN_ROUNDS a
    round starts only if it will likely end within SHARE seconds."""
    results = []
    t_wl = time.monotonic()
    for rnd in range(ROUNDS):
        if rnd >= MIN_ROUNDS and time.monotonic() - t_wl > share * rnd / (rnd + 1):
            print(f"\n{wl.title}: {rnd} of {ROUNDS} rounds: its share of the time budget "
                  f"(BENCH_BUDGET_SECONDS={BUDGET}) ran out", flush=True)
            break
        k = rnd % len(run_cfgs)
        for a in run_cfgs[k:] + run_cfgs[:k]:
            r = run_once(a, wl, rnd, workdir, wl.tiny)
            results.append(r)
            extra = f" error: {r['error']}" if "error" in r else ""
            log(f"bench_agents: {wl.name} round {rnd + 1}/{ROUNDS} {a.name}: {r.get('wall_s', 0):.3f} s{extra}")
    return results


def load_peak(loss):
    if loss.get("rss_load_peak_kib"):
        return f" (loading the programs, before: {loss['rss_load_peak_kib'] / 1024:.1f} MiB)"
    return " (loading the programs included: clear_refs refused)"


def footer(loss, fixed):
    lines = []
    if loss and "error" not in loss:
        missing = loss["performed"] - loss["delivered"]
        lines.append(
            f"loss: buildwarden delivered {loss['delivered']} of {loss['performed']} execs of the tiny binary "
            f"({missing} missing) at {loss['rate']:.0f} execs/s for {loss['storm_seconds']:.1f} s "
            f"(exec storm, 2 workers); kernel lost-event counter: {loss.get('lost')}")
        lines.append(
            f"footprint: RSS idle {loss['rss_idle_kib'] / 1024:.1f} MiB, peak {loss['rss_peak_kib'] / 1024:.1f} MiB "
            f"over {loss.get('processes')} processes and the report{load_peak(loss)}; "
            f"BPF map memory {loss['bpf_map_bytes'] / 2**20:.1f} MiB; "
            f"start to first exec {loss.get('start_ms') or float('nan'):.0f} ms")
    elif loss:
        lines.append(f"loss: unavailable: {loss['error']}")
    else:
        lines.append("loss: not run (BENCH_LOSS_EXECS=0, or buildwarden or the exec storm unavailable)")
    for name in (n for n in fixed if ":" not in n):
        lines.append(
            f"per job, {name} (run -- /bin/true, median of 3): {fixed[name + ':start'] / 1e6:.1f} ms CPU "
            f"to start, {fixed[name] / 1e6:.1f} ms CPU from the build's start to exit, "
            f"{fixed[name + ':start_ms']:.0f} ms from start to first exec, exits "
            f"{fixed[name + ':exit_lag_ms']:.0f} ms after the build's root and {fixed[name + ':teardown_ms']:.0f} ms "
            f"after its summary, idle RSS {fixed[name + ':rss'] / 1024:.1f} MiB")
    return lines


def write_results(outdir, header, all_rows, lines, verdicts, loss, fixed):
    md = header + [""]
    for wl, rows in all_rows.values():
        md += (table(wl, rows) if rows else [f"### {wl.title}: unavailable"]) + [""]
    md += lines
    with open(os.path.join(outdir, "results.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    with open(os.path.join(outdir, "results.json"), "w") as f:
        json.dump({"header": header, "workloads": {w: all_rows[w][1] for w in all_rows}, "loss": loss,
                   "per_job": fixed, "targets": verdicts}, f, indent=1, default=str)


def run_header(configs):
    uname = os.uname()
    return [
        f"machine: {uname.nodename}, {os.cpu_count()} CPUs, kernel {uname.release}, "
        f"{time.strftime('%Y-%m-%d %H:%M:%S %Z')}",
        f"rounds: {ROUNDS} (at least {MIN_ROUNDS} within BENCH_BUDGET_SECONDS={BUDGET}; interleaved, order "
        f"rotated each round); loss test: {LOSS_EXECS} execs; load average at start: "
        f"{open('/proc/loadavg').read().split()[0]}",
        "configurations: " + ", ".join(a.name for a in configs),
    ]


def main():
    args = sys.argv[1:]
    if args and (args[:1] != ["--build"] or len(args) != 2):
        sys.exit(__doc__)
    build = os.path.abspath(args[1] if args else "build")
    if os.geteuid() != 0:
        sys.exit("bench_agents: needs root (BPF, auditd, tracefs)")
    for v in MAKE_ENV:
        os.environ.pop(v, None)
    bw = os.path.join(build, "buildwarden")
    outdir = os.path.join(build, "bench", "agents")
    workdir = os.path.join(outdir, "work")
    shutil.rmtree(workdir, ignore_errors=True)
    os.makedirs(workdir)
    t_begin = time.monotonic()
    configs, unavailable = make_configs(bw, workdir)
    run_cfgs = [a for a in configs if a.name not in unavailable]
    catalogue = workloads(build, workdir)
    unknown = [w for w in WORKLOADS if w not in catalogue]
    if unknown:
        sys.exit(f"bench_agents: unknown workload(s) {', '.join(unknown)} in BENCH_WORKLOADS ({', '.join(catalogue)})")
    header = run_header(configs)
    print("\n".join(header), flush=True)

    all_rows, fixed, loss = {}, None, None
    try:
        for i, wname in enumerate(WORKLOADS):
            wl = catalogue[wname]
            why = ready_workload(wl, build, workdir)
            if why:
                print(f"\n{wl.title}: unavailable: {why}", flush=True)
                all_rows[wname] = (wl, [])
                continue
            if fixed is None:
                fixed = empty_job_costs(run_cfgs, workdir)
            share = max(0, BUDGET - LOSS_RESERVE_S - (time.monotonic() - t_begin)) / (len(WORKLOADS) - i)
            results = run_rounds(wl, run_cfgs, workdir, share)
            rows = summarise(results, [a.name for a in configs], wl, unavailable, fixed)
            all_rows[wname] = (wl, rows)
            print("\n" + "\n".join(table(wl, rows)), flush=True)
        storm = catalogue["storm"]
        if LOSS_EXECS > 0 and "buildwarden" not in unavailable and not storm.available():
            log(f"bench_agents: loss test, {LOSS_EXECS} execs")
            loss = loss_test(bw, storm, LOSS_EXECS, workdir)
    finally:
        for a in configs:
            if isinstance(a, Auditd):
                a.restore()
    verdicts = targets(all_rows, loss)
    lines = footer(loss, fixed or {}) + ["", "targets:"] + target_lines(verdicts)
    print("\n" + "\n".join(lines), flush=True)
    png = plot(all_rows, outdir)
    write_results(outdir, header, all_rows, lines, verdicts, loss, fixed)
    print(f"\nresults: {outdir}/results.md, results.json" + (f", {png}" if png else "")
          + f" ({time.monotonic() - t_begin:.0f} s)")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
