"""Helpers for tests of `buildwarden daemon` (stdlib only; builds on bwtap).

  Daemon     the daemon as a child: its stderr read line by line on a
             thread, waits on log lines with a deadline, signals, a bounded
             stop that ends in SIGKILL
  Receiver   an HTTP server thread on 127.0.0.1:0 recording POSTs (OTLP
             collector, alert webhook)
  scrape()   GET /metrics, parsed into {series: value}
  bpf_ids_of(pid), held_prog_ids(), bpftool_list(), pinned_prog_ids(),
  bpffs_entries()
             what one process holds in BPF, what all live processes hold,
             and what is loaded or pinned on the host: to show nothing of
             the daemon stays attached after it stopped

Every wait has a timeout; nothing here blocks without one.
"""

import glob
import http.server
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.request

import bwtap as T

LOG_PREFIX = "buildwarden: "
TAIL_LINES = 40


class Daemon:
    """`buildwarden daemon --config FILE [extra...]` in its own session."""

    def __init__(self, config, extra=(), cwd="/", env=None):
        self.config = config
        self.argv = [T.BUILDWARDEN, "daemon", "--config", config] + list(extra)
        self.lines = []
        self.cond = threading.Condition()
        self.eof = False
        run_env = dict(os.environ if env is None else env)
        run_env.pop("JOURNAL_STREAM", None)  # plain "buildwarden: " lines
        self.proc = subprocess.Popen(self.argv, cwd=cwd, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     start_new_session=True, env=run_env)
        self.pid = self.proc.pid
        self.out = []
        self._threads = [threading.Thread(target=self._read, args=(self.proc.stderr, True),
                                          daemon=True),
                         threading.Thread(target=self._read, args=(self.proc.stdout, False),
                                          daemon=True)]
        for t in self._threads:
            t.start()

    def _read(self, pipe, is_err):
        for raw in iter(pipe.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\n")
            with self.cond:
                (self.lines if is_err else self.out).append(line)
                self.cond.notify_all()
        with self.cond:
            if is_err:
                self.eof = True
            self.cond.notify_all()

    # ---- the log ----

    def mark(self):
        """An index into the log: wait_for(..., since=mark) sees later lines only."""
        with self.cond:
            return len(self.lines)

    def wait_for(self, pattern, timeout, since=0, stop_on_exit=True):
        """The first log line from index `since` on matching regex `pattern`
        (searched, so it may match anywhere in the line), as (index, match);
        None after timeout seconds, or when the daemon's stderr ends."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        i = since
        with self.cond:
            while True:
                while i < len(self.lines):
                    m = rx.search(self.lines[i])
                    if m:
                        return i, m
                    i += 1
                left = deadline - time.monotonic()
                if left <= 0 or (stop_on_exit and self.eof):
                    return None
                self.cond.wait(min(left, 0.2))

    def find_all(self, pattern, since=0):
        rx = re.compile(pattern)
        with self.cond:
            return [(i, rx.search(ln)) for i, ln in enumerate(self.lines)
                    if i >= since and rx.search(ln)]

    def log_since(self, since):
        with self.cond:
            return list(self.lines[since:])

    def tail(self, n=TAIL_LINES):
        with self.cond:
            lines = self.lines[-n:]
            out = self.out[-10:]
        rc = self.proc.poll()
        head = "daemon pid %d, %s; stderr (last %d lines):" % (
            self.pid, "running" if rc is None else "exited %s" % describe_status(rc),
            len(lines))
        text = "\n".join([head] + (["  | " + ln for ln in lines] or ["  (nothing)"]))
        if out:
            text += "\nstdout (last %d lines):\n" % len(out) + "\n".join("  | " + ln for ln in out)
        return text

    # ---- the process ----

    def alive(self):
        return self.proc.poll() is None

    def signal(self, sig):
        if self.alive():
            os.kill(self.pid, sig)

    def wait_exit(self, timeout):
        """The exit status, or None when it is still running after timeout."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, timeout=10):
        """SIGTERM, then SIGKILL (its whole session) after timeout. Returns
        the exit status; "killed" when it had to be killed."""
        if self.proc.poll() is None:
            try:
                os.kill(self.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            if self.wait_exit(timeout) is None:
                T.kill_group(self.proc)
                self.proc.wait(10)
                self.join_readers()
                return "killed"
        self.join_readers()
        return self.proc.returncode

    def join_readers(self):
        """Wait (boundedly) for the stderr and stdout readers to see EOF."""
        for t in self._threads:
            t.join(2)


def describe_status(rc):
    if rc is None:
        return "still running"
    if rc < 0:
        try:
            return "killed by %s" % signal.Signals(-rc).name
        except ValueError:
            return "killed by signal %d" % -rc
    return "status %d" % rc


def done(c, daemon=None, extra=None):
    """c.done(), with the daemon's log tail under the problems."""
    if c.problems:
        if extra:
            c.problems.append(extra)
        if daemon is not None:
            c.problems.append(daemon.tail())
    c.done()


# ---- HTTP receivers ----

class Receiver:
    """An HTTP/1.1 server on 127.0.0.1:0 answering every POST with `status`
    and `body`, recording (path, headers, body bytes). GETs get 404."""

    def __init__(self, status=200, body=b"{}", content_type="application/json"):
        self.requests = []
        self.lock = threading.Lock()
        rec = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(n) if n > 0 else b""
                with rec.lock:
                    rec.requests.append((self.path, dict(self.headers.items()), data))
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(body)
                self.close_connection = True

            def do_GET(self):
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.send_header("Connection", "close")
                self.end_headers()
                self.close_connection = True

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs=dict(
            poll_interval=0.1), daemon=True)
        self.thread.start()

    def url(self, path=""):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def snapshot(self):
        with self.lock:
            return list(self.requests)

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def otlp_records(requests):
    """[(log record, parsed body or None, error)] of every logRecord in the
    OTLP/HTTP JSON requests received (docs/DAEMON.md)."""
    out = []
    for path, _, data in requests:
        try:
            doc = json.loads(data.decode("utf-8"))
        except ValueError as e:
            out.append((None, None, "request to %s is not UTF-8 JSON (%s): %r"
                        % (path, e, data[:200])))
            continue
        for rl in doc.get("resourceLogs") or []:
            for sl in rl.get("scopeLogs") or []:
                for lr in sl.get("logRecords") or []:
                    body = ((lr.get("body") or {}).get("stringValue"))
                    try:
                        ev = json.loads(body)
                        err = None if isinstance(ev, dict) else "body is not a JSON object"
                    except (TypeError, ValueError) as e:
                        ev, err = None, "body is not a JSON event line (%s): %r" % (
                            e, (body or "")[:200])
                    out.append((lr, ev, err))
    return out


def otlp_attr(lr, key):
    for a in lr.get("attributes") or []:
        if a.get("key") == key:
            v = a.get("value") or {}
            return v.get("intValue", v.get("stringValue"))
    return None


# ---- metrics ----

def scrape(addr, timeout=3):
    """{series: value} from http://ADDR/metrics."""
    with urllib.request.urlopen("http://%s/metrics" % addr, timeout=timeout) as r:
        text = r.read().decode("utf-8")
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            series, _, value = line.rpartition(" ")
            try:
                samples[series] = float(value)
            except ValueError:
                pass
    return samples


def try_scrape(addr):
    """(samples, None) or (None, why)."""
    try:
        return scrape(addr), None
    except (urllib.error.URLError, OSError, ValueError) as e:
        return None, "scrape of http://%s/metrics failed: %s" % (addr, e)


# ---- what stays attached ----

def bpf_ids_of(pid):
    """(prog ids, link ids) of the BPF objects process pid holds open, from
    /proc/PID/fdinfo (a prog fd and a link fd both show prog_id)."""
    progs, links = set(), set()
    d = "/proc/%d/fdinfo" % pid
    try:
        names = os.listdir(d)
    except OSError:
        return progs, links
    for n in names:
        try:
            with open(os.path.join(d, n)) as f:
                text = f.read()
        except OSError:
            continue
        for m in re.finditer(r"^prog_id:\s*(\d+)", text, re.M):
            progs.add(int(m.group(1)))
        for m in re.finditer(r"^link_id:\s*(\d+)", text, re.M):
            links.add(int(m.group(1)))
    return progs, links


def held_prog_ids():
    """Prog ids some live process holds a prog or link fd of: those are a
    running agent's (another test's, another run's), not leftovers."""
    held = set()
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            fds = os.listdir("/proc/%s/fd" % d)
        except OSError:
            continue
        for fd in fds:
            try:
                target = os.readlink("/proc/%s/fd/%s" % (d, fd))
            except OSError:
                continue
            if "bpf-prog" not in target and "bpf_link" not in target:
                continue
            try:
                with open("/proc/%s/fdinfo/%s" % (d, fd)) as f:
                    m = re.search(r"^prog_id:\s*(\d+)", f.read(), re.M)
            except OSError:
                continue
            if m:
                held.add(int(m.group(1)))
    return held


def bpftool():
    return shutil.which("bpftool") or next(
        (p for p in ("/usr/sbin/bpftool", "/sbin/bpftool") if os.access(p, os.X_OK)), None)


def bpftool_list(what):
    """{id: object} of `bpftool -j -f prog show` (what="prog") or `link
    show` (with -f, an object pinned in bpffs lists its paths in "pinned");
    None when bpftool is missing or fails."""
    tool = bpftool()
    if not tool:
        return None
    try:
        r = subprocess.run([tool, "-j", "-f", what, "show"], capture_output=True, timeout=20)
    except (OSError, subprocess.TimeoutExpired):
        return None
    if r.returncode != 0:
        return None
    try:
        items = json.loads(r.stdout.decode("utf-8", "replace") or "[]")
    except ValueError:
        return None
    return {it["id"]: it for it in (items if isinstance(items, list) else [])
            if isinstance(it, dict) and "id" in it}


def pinned_prog_ids(progs, links, own_dir):
    """Prog ids pinned (themselves or through a link) under another agent's
    /sys/fs/bpf/buildwarden-PID/ than own_dir: e.g. a `run --fail-closed`
    whose agent died, whose pins outlive it on purpose."""
    rx = re.compile(r"(/sys/fs/bpf/buildwarden-\d+)/")
    out = set()
    for objs, key in ((progs, "id"), (links, "prog_id")):
        for it in (objs or {}).values():
            for p in it.get("pinned") or []:
                m = rx.match(p)
                if m and m.group(1) != own_dir:
                    out.add(it.get(key))
    return out


def bpffs_entries():
    return set(glob.glob("/sys/fs/bpf/buildwarden-*"))
