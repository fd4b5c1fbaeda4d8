#!/usr/bin/env python3
"""Webhook alerts against a real HTTP receiver on loopback (TAP; needs root
and BTF).

The build is `sh -c '/bin/true; /bin/true; /bin/true'` under a policy with
one `alert` rule on basename true: three verdicts, which the dedup window
turns into one alert and one "... and 2 more" summary at job end.

  slack, teams, generic  the payload shape of each format; generic's
                         X-Buildwarden-Signature checked with hmac
  down                   nothing listens on the port
  hangs                  the receiver accepts and never answers
  500 then 200           the alert is retried and delivered once
  400                    no retry

In every case: all the build's events are recorded (no loss, three execs of
true, three verdicts, one summary), `run` exits with the build's status in
bounded time, the summary counts alerts honestly, and neither the webhook
URL nor the secret appears in anything buildwarden writes.
"""

import hashlib
import hmac
import http.server
import json
import os
import socket
import sys
import threading
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtap as T  # noqa: E402
import bwpolicy as P  # noqa: E402

S = {}
RULE = "webhook-true"
SECRET = "bw-test-secret-%d-never-printed" % os.getpid()
PATH_TOKEN = "/hooks/T0/B0/bw-path-token-%d" % os.getpid()
BOUND_S = 30          # run must finish within this, whatever the receiver does
HANG = "hang"


class Receiver:
    """An HTTP server on 127.0.0.1 answering POSTs from a script of
    statuses (an int, or HANG: read the request, never answer). Past the
    end of the script it answers 200."""

    def __init__(self, script=()):
        self.script = list(script)
        self.requests = []        # (headers dict, body bytes, monotonic time)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        rec = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                with rec.lock:
                    i = len(rec.requests)
                    rec.requests.append((dict(self.headers.items()), body, time.monotonic(),
                                         self.path))
                    action = rec.script[i] if i < len(rec.script) else 200
                if action == HANG:
                    rec.stop.wait(60)
                    self.close_connection = True
                    return
                self.send_response(action)
                self.send_header("Content-Length", "2")
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(b"ok")
                self.close_connection = True

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return "http://127.0.0.1:%d%s" % (self.port, PATH_TOKEN)

    def close(self):
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    def bodies(self):
        with self.lock:
            return [b for _, b, _, _ in self.requests]


def closed_port_url():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # bound then closed: connections are refused
    return "http://127.0.0.1:%d%s" % (port, PATH_TOKEN)


def sc():
    return S["sc"]


def policy():
    if "policy" not in S:
        S["policy"] = sc().write(P.policy_yaml([(RULE, "high", "alert", ["basename: true"])]),
                                 "policy.yaml")
    return S["policy"]


def secret_file():
    if "secret" not in S:
        S["secret"] = sc().write(SECRET + "\n", "secret")
        os.chmod(S["secret"], 0o600)  # others-readable secrets are refused
    return S["secret"]


def run_with_webhook(url, fmt, secret=False):
    """buildwarden run --webhook URL ... -- sh -c '/bin/true x3'."""
    n = len(os.listdir(sc().dir))
    ev = sc().path("events-%s-%d.jsonl" % (fmt, n))
    token = T.new_token("webhooks")
    argv = [T.BUILDWARDEN, "run", "--events", ev, "--policy", policy(),
            "--webhook", url, "--webhook-format", fmt]
    if secret:
        argv += ["--webhook-secret-file", secret_file()]
    argv += ["--", "sh", "-c", "/bin/true; /bin/true; /bin/true"]
    r = T.run(argv, cwd=sc().dir, timeout=BOUND_S + 30, token=token)
    T.kill_token(token)
    records, problems = T.read_events(ev)
    job = P.Job(r, records, problems, token)
    with open(ev, "rb") as f:
        job.raw_events = f.read()
    return job


def check_build(c, job):
    """What must hold whatever the receiver did."""
    c.check(not job.run.timed_out, "buildwarden run timed out: " + job.run.describe())
    c.check(job.run.elapsed < BOUND_S, "run took %.1fs (bound %ds)" % (job.run.elapsed, BOUND_S))
    c.eq(job.run.returncode, 0, "exit status (%s)" % job.run.describe()[:300])
    for p in job.stream_problems()[:5]:
        c.check(False, "event stream: " + p)
    s = job.summary or {}
    c.eq(s.get("lost"), 0, "summary.lost")
    trues = [e for e in job.execs if os.path.basename(e.get("exe") or "") == "true"]
    c.eq(len(trues), 3, "exec records of true")
    c.eq(len([v for v in job.verdicts if v.get("rule") == RULE]), 3, "verdicts of %s" % RULE)
    c.eq(s.get("verdicts"), 3, "summary.verdicts")
    for k in ("alerts_sent", "alerts_failed", "alerts_dropped", "alerts_merged"):
        c.check(isinstance(s.get(k), int), "summary.%s missing or not an integer: %r"
                % (k, s.get(k)))
    c.eq(s.get("alerts_merged"), 2, "summary.alerts_merged (3 alerts -> 1 + summary)")
    # the URL (its path stands for a Slack token) and the secret are never written
    for what, data in (("stderr", job.run.stderr), ("stdout", job.run.stdout),
                       ("events", job.raw_events)):
        c.check(PATH_TOKEN.encode() not in data, "the webhook URL appears in " + what)
        c.check(SECRET.encode() not in data, "the webhook secret appears in " + what)
    return s


def counts(s):
    return {k: s.get("alerts_" + k) for k in ("sent", "failed", "dropped")}


def parsed(bodies, c):
    out = []
    for b in bodies:
        try:
            out.append(json.loads(b.decode("utf-8")))
        except ValueError as e:
            c.check(False, "payload is not UTF-8 JSON (%s): %r" % (e, b[:300]))
    return out


def t_slack():
    rec = Receiver()
    try:
        job = run_with_webhook(rec.url, "slack")
    finally:
        rec.close()
    c = T.Checker()
    s = check_build(c, job)
    c.eq(counts(s), dict(sent=2, failed=0, dropped=0), "alert counts")
    msgs = parsed(rec.bodies(), c)
    if c.eq(len(msgs), 2, "requests received"):
        first, summ = msgs
        with rec.lock:
            hdrs, _, _, path = rec.requests[0]
        c.eq(path, PATH_TOKEN, "request path")
        c.eq(hdrs.get("Content-Type", "").split(";")[0], "application/json", "Content-Type")
        c.eq(hdrs.get("User-Agent"), "buildwarden/0.1", "User-Agent")
        c.check(RULE in first.get("text", ""), "fallback text lacks the rule: %r"
                % first.get("text"))
        blocks = first.get("blocks") or []
        c.check(blocks and blocks[0].get("type") == "header", "first block is not a header")
        head = ((blocks[0] if blocks else {}).get("text") or {}).get("text", "")
        c.check("HIGH" in head and RULE in head, "header lacks severity and rule: %r" % head)
        texts = json.dumps(blocks)
        c.check("```" in texts and "/bin/true" in texts, "no command line code block")
        c.check("*Host*" in texts, "no host field")
        c.check("2 more" in summ.get("text", ""), "summary text lacks '2 more': %r"
                % summ.get("text"))
    c.done()


def t_teams():
    rec = Receiver()
    try:
        job = run_with_webhook(rec.url, "teams")
    finally:
        rec.close()
    c = T.Checker()
    s = check_build(c, job)
    c.eq(counts(s), dict(sent=2, failed=0, dropped=0), "alert counts")
    msgs = parsed(rec.bodies(), c)
    if c.eq(len(msgs), 2, "requests received"):
        m = msgs[0]
        c.eq(m.get("type"), "message", "type")
        att = (m.get("attachments") or [{}])[0]
        c.eq(att.get("contentType"), "application/vnd.microsoft.card.adaptive", "contentType")
        card = att.get("content") or {}
        c.eq((card.get("type"), card.get("version")), ("AdaptiveCard", "1.4"), "card type/version")
        body = card.get("body") or []
        c.check(body and RULE in body[0].get("text", ""), "card title lacks the rule")
        c.check("/bin/true" in json.dumps(body), "card lacks the command line")
        c.check("and 2 more" in json.dumps(msgs[1]), "the second card is not the summary")
    c.done()


def t_generic_signed():
    rec = Receiver()
    try:
        job = run_with_webhook(rec.url, "generic", secret=True)
    finally:
        rec.close()
    c = T.Checker()
    s = check_build(c, job)
    c.eq(counts(s), dict(sent=2, failed=0, dropped=0), "alert counts")
    with rec.lock:
        reqs = list(rec.requests)
    for i, (hdrs, body, _, _) in enumerate(reqs):
        want = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        got = hdrs.get("X-Buildwarden-Signature")
        c.check(got is not None and hmac.compare_digest(got, want),
                "request %d: signature %r, expected %r" % (i, got, want))
    msgs = parsed([b for _, b, _, _ in reqs], c)
    if c.eq(len(msgs), 2, "requests received"):
        a, summ = msgs
        c.eq((a.get("source"), a.get("kind"), a.get("count")), ("buildwarden", "alert", 1),
             "first message source/kind/count")
        c.eq((summ.get("kind"), summ.get("count")), ("summary", 2), "summary kind/count")
        v = a.get("verdict") or {}
        c.eq((v.get("type"), v.get("rule")), ("verdict", RULE), "verdict type/rule")
        c.check(os.path.basename(v.get("exe") or "") == "true", "verdict exe: %r" % v.get("exe"))
        c.check(v in job.verdicts, "the verdict sent is not a record of the event stream")
        c.check(isinstance(a.get("job"), dict) and a["job"].get("provider"),
                "no job.provider: %r" % a.get("job"))
        c.eq(a.get("host"), socket.gethostname(), "host")
    c.done()


def t_down():
    job = run_with_webhook(closed_port_url(), "generic")
    c = T.Checker()
    s = check_build(c, job)
    c.eq(s.get("alerts_sent"), 0, "summary.alerts_sent")
    c.eq((s.get("alerts_failed") or 0) + (s.get("alerts_dropped") or 0), 2,
         "alerts failed + dropped (%r)" % counts(s))
    c.check("webhook" in job.stderr, "no warning about the webhook on stderr")
    c.done()


def t_hangs():
    rec = Receiver([HANG] * 16)
    try:
        job = run_with_webhook(rec.url, "slack")
    finally:
        rec.close()
    c = T.Checker()
    s = check_build(c, job)
    c.eq(s.get("alerts_sent"), 0, "summary.alerts_sent")
    c.eq((s.get("alerts_failed") or 0) + (s.get("alerts_dropped") or 0), 2,
         "alerts failed + dropped (%r)" % counts(s))
    c.check(len(rec.bodies()) >= 1, "the receiver saw no request")
    c.done()


def t_500_then_200():
    rec = Receiver([500, 200])
    try:
        job = run_with_webhook(rec.url, "generic")
    finally:
        rec.close()
    c = T.Checker()
    s = check_build(c, job)
    c.eq(counts(s), dict(sent=2, failed=0, dropped=0), "alert counts")
    msgs = parsed(rec.bodies(), c)
    kinds = [m.get("kind") for m in msgs]
    c.eq(kinds, ["alert", "alert", "summary"], "requests: the alert twice (retry), the summary")
    if len(msgs) >= 2:
        c.eq(msgs[0], msgs[1], "the retry carries the same alert")
    with rec.lock:
        times = [t for _, _, t, _ in rec.requests]
    if len(times) >= 2:
        c.check(times[1] - times[0] >= 0.2, "retried after %.3fs, expected a backoff of 250 ms"
                % (times[1] - times[0]))
    c.done()


def t_400():
    rec = Receiver([400] * 16)
    try:
        job = run_with_webhook(rec.url, "slack")
    finally:
        rec.close()
    c = T.Checker()
    s = check_build(c, job)
    c.eq(counts(s), dict(sent=0, failed=2, dropped=0), "alert counts")
    c.eq(len(rec.bodies()), 2, "requests received (no retry on 400)")
    c.done()


TESTS = [
    ("slack: header + code block + fields, one alert and a '2 more' summary", t_slack),
    ("teams: message with an Adaptive Card 1.4 attachment", t_teams),
    ("generic: verdict record wrapped with job and host, HMAC-SHA256 signature verifies",
     t_generic_signed),
    ("receiver down: alerts failed, build fully recorded, bounded time", t_down),
    ("receiver hangs: request timeouts and drain deadline bound the run", t_hangs),
    ("receiver answers 500 then 200: retried, delivered once", t_500_then_200),
    ("receiver answers 400: no retry, counted as failed", t_400),
]


def main():
    skip = T.skip_reason()
    if not skip:
        S["sc"] = P.Scratch("bw-webhooks-")
    try:
        return T.tap_run(TESTS, skip)
    finally:
        if "sc" in S:
            S["sc"].cleanup()


if __name__ == "__main__":
    T.main_guard(main)
