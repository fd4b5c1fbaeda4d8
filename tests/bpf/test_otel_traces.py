#!/usr/bin/env python3
"""A real build exported as an OpenTelemetry trace, decoded by the
OpenTelemetry project's own OTLP definitions (TAP; needs root and BTF;
docs/TRACES.md).

`buildwarden run --otlp-traces` sends to a loopback OTLP/HTTP receiver
while it watches rounds of tools/demo-project's build (configure probe,
compiles, archive, link, test: a few hundred processes) plus a bash that
connects to a loopback listener, a `false`, and a `sleep` killed with
SIGKILL. The requests are decoded with @opentelemetry/otlp-transformer's
generated protobufjs root (pinned in tests/otel/package.json, installed
once under $BW_BUILD/node_modules-otel; tests/otel/decode.js) and checked
against the run's own event stream:

  protobuf  with TRACEPARENT set: one span per process of the stream, each
            non-root span's parent the span of its parent process (from the
            fork records), the root's parent TRACEPARENT's span, one trace
            id (TRACEPARENT's, also in the summary and on stderr), start <=
            end, every child within its parent, exit codes, error status
            for the failed and the killed process, a connect span event
            with the listener's port
  json      the standard variables instead of options
            (OTEL_EXPORTER_OTLP_ENDPOINT, _PROTOCOL=http/json, _HEADERS,
            OTEL_SERVICE_NAME): the JSON body survives the official
            message mapping field for field, the header and service name
            arrive, and the trace id is a fresh one, the summary's
"""

import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtap as T  # noqa: E402

SRC = T.SRC
NPM_DIR = os.path.join(T.BUILD, "node_modules-otel")
PKG = os.path.join(SRC, "tests", "otel", "package.json")
DECODER = os.path.join(SRC, "tests", "otel", "decode.js")
ROUNDS = 8   # about 26 processes each: a few hundred in all
TRACEPARENT_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
TRACEPARENT_SPAN = "00f067aa0ba902b7"
SLACK_NS = 2_000_000  # child within parent: clocks are one, records a little apart

S = {}


def npm_ready():
    """Install the pinned packages once; None, or why not (a failure under CI=true)."""
    if os.path.exists(os.path.join(NPM_DIR, ".installed")):
        with open(PKG, "rb") as a, open(os.path.join(NPM_DIR, "package.json"), "rb") as b:
            if a.read() == b.read():
                return None
    shutil.rmtree(os.path.join(NPM_DIR, "node_modules"), ignore_errors=True)
    os.makedirs(NPM_DIR, exist_ok=True)
    shutil.copy(PKG, os.path.join(NPM_DIR, "package.json"))
    if not shutil.which("npm") or not shutil.which("node"):
        return "node/npm not installed (tools/deps.sh installs them)"
    with open(os.path.join(NPM_DIR, "npm.log"), "wb") as log:
        p = subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"],
                           cwd=NPM_DIR, stdout=log, stderr=subprocess.STDOUT, timeout=300)
    if p.returncode != 0:
        return "npm install failed (registry unreachable?), see %s/npm.log" % NPM_DIR
    open(os.path.join(NPM_DIR, ".installed"), "w").close()
    return None


class Receiver(http.server.ThreadingHTTPServer):
    """An OTLP/HTTP receiver on loopback that keeps every request."""

    daemon_threads = True

    def __init__(self):
        self.requests = []
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.server_address[1]


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        with self.server.lock:
            self.server.requests.append((self.path, dict(self.headers), body))
        ctype = self.headers.get("Content-Type", "")
        reply = b"" if "protobuf" in ctype else b"{}"
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


def decode(requests, work):
    files = []
    for i, (_, headers, body) in enumerate(requests):
        ext = ".pb" if "protobuf" in headers.get("Content-Type", "") else ".json"
        path = os.path.join(work, "req%d%s" % (i, ext))
        with open(path, "wb") as f:
            f.write(body)
        files.append(path)
    env = dict(os.environ, NODE_PATH=os.path.join(NPM_DIR, "node_modules"))
    p = subprocess.run(["node", DECODER] + files, env=env, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    if p.returncode != 0:
        T.fail("the OpenTelemetry decoder rejected our payload: %s" %
               p.stderr.decode("utf-8", "replace")[-2000:])
    return json.loads(p.stdout)


def build_script(port, rounds):
    return r"""
set -e
for i in $(seq 1 %d); do make -s -B check >/dev/null; done
exec 3<>/dev/tcp/127.0.0.1/%d
exec 3>&-
/bin/false || true
sh -c 'kill -9 $$' || true
""" % (rounds, port)


def traced_run(extra_args, env_extra, work, rounds):
    """Run the build under the agent; (run, records, requests)."""
    shutil.copytree(os.path.join(SRC, "tools", "demo-project"), os.path.join(work, "demo"))
    rx = Receiver()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    events = os.path.join(work, "events.jsonl")
    env_keep = dict(os.environ)
    try:
        os.environ.update(env_extra(rx.url))
        r = T.run([T.BUILDWARDEN, "run", "--no-tree", "-e", events] + extra_args(rx.url) +
                  ["--", "bash", "-c", build_script(listener.getsockname()[1], rounds)],
                  cwd=os.path.join(work, "demo"), timeout=120)
    finally:
        os.environ.clear()
        os.environ.update(env_keep)
        listener.close()
        rx.shutdown()
    if r.returncode != 0:
        T.fail("the build failed under the agent: " + r.describe())
    records, problems = T.read_events(events)
    if problems:
        T.fail("\n".join(problems))
    return r, records, rx.requests


def processes(records):
    """(pid, start_ns) -> {"parent": (pid, start) or None, "exit": status or None}."""
    procs = {}
    for rec in records:
        if rec.get("type") not in T.PROCESS_TYPES:
            continue
        key = (rec["pid"], rec["start_ns"])
        p = procs.setdefault(key, {"parent": None, "exit": None, "argv": None})
        if rec["type"] == "fork":
            p["parent"] = (rec["parent_pid"], rec["parent_start_ns"])
        elif rec["type"] == "exit":
            p["exit"] = rec
        elif rec["type"] == "exec":
            p["argv"] = rec.get("argv")
    return procs


def check_trace(c, spans, records, want_trace_id, joined, min_procs):
    procs = processes(records)
    summary = T.summary_of(records) or {}
    trace = summary.get("trace") or {}
    c.eq(trace.get("trace_id"), want_trace_id or trace.get("trace_id"), "summary trace id")
    c.check(len(procs) >= min_procs, "the build ran only %d processes; %d expected" % (
        len(procs), min_procs))
    c.eq(len(spans), len(procs), "spans (one per process of the event stream)")
    c.eq(trace.get("spans"), len(procs), "summary spans")
    c.eq(trace.get("dropped"), 0, "spans the sender dropped")
    c.eq(trace.get("failed"), 0, "spans the collector refused")
    ids = {s["traceId"] for s in spans}
    c.eq(ids, {trace.get("trace_id")}, "trace ids")
    by_pid = {}
    for s in spans:
        by_pid.setdefault(s["attrs"].get("process.pid"), []).append(s)
    c.eq(sorted(k for k, v in by_pid.items() if len(v) > 1), [], "pids with more than one span")
    span_ids = [s["spanId"] for s in spans]
    c.eq(len(set(span_ids)), len(spans), "distinct span ids")
    bad_parent = bad_time = bad_nest = 0
    roots = []
    for (pid, start), p in procs.items():
        s = by_pid.get(pid, [None])[0]
        if not c.check(s, "no span for process %d" % pid):
            continue
        c.check(int(s["start"]) <= int(s["end"]), "span %s of %d ends before it starts" % (s["name"], pid))
        par = p["parent"] and by_pid.get(p["parent"][0], [None])[0]
        if p["parent"] is None or par is None:
            roots.append(s)
            continue
        if s["parentSpanId"] != par["spanId"]:
            bad_parent += 1
            if bad_parent <= 3:
                c.check(False, "span %s (pid %d): parent %s, its parent process's span is %s" % (
                    s["name"], pid, s["parentSpanId"], par["spanId"]))
        if int(s["start"]) + SLACK_NS < int(par["start"]) or \
                int(s["end"]) > int(par["end"]) + SLACK_NS:
            bad_nest += 1
            if bad_nest <= 3:
                c.check(False, "span %s (pid %d) [%s, %s] not within its parent %s [%s, %s]" % (
                    s["name"], pid, s["start"], s["end"], par["name"], par["start"], par["end"]))
    c.eq(len(roots), 1, "spans without a parent process (the job's root)")
    if roots:
        c.eq(roots[0]["parentSpanId"], TRACEPARENT_SPAN if joined else "",
             "the root span's parent")
    names = [s["name"] for s in spans]
    for prog in ("make", "cc1", "as", "ld", "ar", "grep", "demo"):
        c.check(prog in names, "no span named %s" % prog)
    false = [s for s in spans if s["name"] == "false"]
    c.check(false and false[0]["attrs"].get("process.exit.code") == 1 and
            false[0]["status"]["code"] == 2 and false[0]["status"]["message"] == "exit code 1",
            "the failed process's span: %r" % (false[:1],))
    killed = [s for s in spans if "kill -9" in s["attrs"].get("process.command_line", "")]
    c.check(killed and killed[0]["status"]["code"] == 2 and
            killed[0]["status"]["message"] == "killed by signal 9" and
            killed[0]["attrs"].get("buildwarden.exit.signal") == 9 and
            "process.exit.code" not in killed[0]["attrs"],
            "the killed process's span: %r" % (killed[:1],))
    ok_spans = [s for s in spans if s["attrs"].get("process.exit.code") == 0]
    c.check(ok_spans and all(s["status"]["code"] == 0 for s in ok_spans),
            "a process that exited 0 has an error status")
    connects = [(s["name"], e) for s in spans for e in s["events"] if e["name"] == "connect"]
    c.check(any(e["attrs"].get("network.peer.address") == "127.0.0.1" and name == "bash"
                for name, e in connects), "no connect span event on bash: %r" % connects[:3])
    cc = [s for s in spans if s["name"] == "cc" and
          "-c greet.c" in s["attrs"].get("process.command_line", "")]
    c.check(cc and cc[0]["attrs"].get("process.executable.path", "").startswith("/") and
            cc[0]["attrs"].get("process.working_directory", "").endswith("/demo"),
            "cc's process attributes: %r" % cc[:1])
    return trace


def test_protobuf_joined():
    work = tempfile.mkdtemp(prefix="bw-otel-")
    try:
        tp = "00-%s-%s-01" % (TRACEPARENT_ID, TRACEPARENT_SPAN)
        r, records, reqs = traced_run(lambda url: ["--otlp-traces", url],
                                      lambda url: {"TRACEPARENT": tp}, work, ROUNDS)
        c = T.Checker()
        c.check(reqs, "the receiver got no request")
        c.check(all(p == "/v1/traces" for p, _, _ in reqs), "request paths: %r" % [p for p, _, _ in reqs])
        c.check(all(h.get("Content-Type") == "application/x-protobuf" for _, h, _ in reqs),
                "content types: %r" % {h.get("Content-Type") for _, h, _ in reqs})
        spans = decode(reqs, work)
        check_trace(c, spans, records, TRACEPARENT_ID, True, 200)
        c.check(("trace " + TRACEPARENT_ID).encode() in r.stderr, "the trace id is not on stderr")
        S["spans"] = len(spans)
        c.done()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def test_json_standard_variables():
    work = tempfile.mkdtemp(prefix="bw-otel-")
    try:
        r, records, reqs = traced_run(lambda url: [], lambda url: {
            "OTEL_EXPORTER_OTLP_ENDPOINT": url + "/base/",
            "OTEL_EXPORTER_OTLP_PROTOCOL": "http/json",
            "OTEL_EXPORTER_OTLP_HEADERS": "x-tenant=team%20a",
            "OTEL_SERVICE_NAME": "ci-builds",
            "TRACEPARENT": "",
        }, work, 1)
        c = T.Checker()
        c.check(reqs, "the receiver got no request")
        c.check(all(p == "/base/v1/traces" for p, _, _ in reqs), "request paths: %r" % [p for p, _, _ in reqs])
        c.check(all(h.get("Content-Type") == "application/json" for _, h, _ in reqs), "content types")
        c.check(all(h.get("x-tenant") == "team a" for _, h, _ in reqs), "the header did not arrive")
        spans = decode(reqs, work)
        trace = check_trace(c, spans, records, None, False, 20)
        tid = trace.get("trace_id") or ""
        c.check(len(tid) == 32 and tid != "0" * 32 and tid != TRACEPARENT_ID, "trace id %r" % tid)
        c.check(all(s["resource"].get("service.name") == "ci-builds" for s in spans), "service.name")
        c.done()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    skip = T.skip_reason()
    if not skip:
        skip = npm_ready()
        if skip and os.environ.get("CI") == "true":
            print("1..1\nnot ok 1 - npm packages: %s" % skip, flush=True)
            return 1
    return T.tap_run([
        ("protobuf, joined from TRACEPARENT: one span per process, parents, times, statuses, events",
         test_protobuf_joined),
        ("json through the standard OTEL_* variables: a new trace, header and service name",
         test_json_standard_variables),
    ], skip)


if __name__ == "__main__":
    T.main_guard(main)
