#!/usr/bin/env python3
"""The HTML report (docs/REPORTS.md) of a real run, opened in a real browser.

  run      `buildwarden run --html` of a small build: a connect to a loopback
           listener, a command line carrying a tag breakout and a password, a
           failing command, a `sleep` a kill-process rule ends. The page is
           written, the build's status passes through, `report --html` of the
           same events gives the same data, the password is masked.
  browser  Debian's Chromium, headless, driven over the DevTools protocol
           (bwbrowser.py; installed by tools/deps-browser.sh when missing):
           the page renders with no exception, console error, browser log
           error or CSP violation, makes no request besides itself, opens no
           dialog; one tree node per process, one row per verdict, an edge to
           the listener, one timeline bar per process, a marker per verdict;
           the breakout stays text (two script elements, no alert).
  control  the same checks catch a broken page: the data block unescaped, and
           an external image, each raise a problem, so the test above
           cannot pass by seeing nothing.

Skipped without root/BPF; the browser parts are skipped when Chromium
cannot be installed or started (a failure under CI=true), and for the
sanitizer build (the page is the plain build's; the run part still runs).
"""

import json
import os
import re
import shlex
import socket
import subprocess
import threading

import bwbrowser as B
import bwpolicy as P
import bwtap as T

XSS = "</script><script>alert(1)</script>"
SECRET = "hunter2-html"
S = {}

PRELUDE = """
window.__bw = {alerts: [], violations: []};
window.alert = function (m) { window.__bw.alerts.push(String(m)); };
document.addEventListener('securitypolicyviolation', function (e) {
	window.__bw.violations.push(e.violatedDirective + ' ' + e.blockedURI);
});
"""

QUERY = """JSON.stringify({
	rendered: document.body.getAttribute('data-rendered'),
	procs: document.querySelectorAll('#tree .proc').length,
	flagged: document.querySelectorAll('#tree .proc.flagged').length,
	killed: document.querySelectorAll('#tree .proc.killed').length,
	failed: document.querySelectorAll('#tree .proc.failed').length,
	rows: document.querySelectorAll('#verdicts tr.verdict-row').length,
	edges: document.querySelectorAll('#graph path.edge').length,
	dests: Array.from(document.querySelectorAll('#graph .gdest text')).map(function (t) { return t.textContent; }),
	bars: document.querySelectorAll('#timeline rect.bar').length,
	vmarks: document.querySelectorAll('#timeline .vmark').length,
	scripts: document.scripts.length,
	tree_text: document.getElementById('tree').textContent,
	xss_nodes: Array.from(document.querySelectorAll('#tree .cmd')).filter(function (e) {
		return e.textContent.indexOf('</script><script>alert(1)</script>') >= 0; }).length,
	alerts: window.__bw.alerts,
	violations: window.__bw.violations,
	title: document.title
})"""


def ci():
    return os.environ.get("CI") == "true"


def sanitized():
    with open(T.BUILDWARDEN, "rb") as f:
        data = f.read()
    return b"__asan_init" in data or b"__ubsan_handle" in data


def browser():
    """A Page, or Skip (a failure under CI=true) when Chromium cannot run."""
    if "browser_skip" in S:
        raise T.Skip(S["browser_skip"])
    if "page" in S:
        return S["page"]
    if sanitized():
        S["browser_skip"] = ("the agent is built with sanitizers; the page is the same as the "
                             "plain build's, which the browser checks")
        raise T.Skip(S["browser_skip"])
    dep = subprocess.run([os.path.join(T.SRC, "tools", "deps-browser.sh")],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, timeout=900)
    reason = None
    if dep.returncode != 0:
        reason = "tools/deps-browser.sh failed: %s" % dep.stderr.decode(errors="replace").strip()[-300:]
    else:
        try:
            S["page"] = B.Page()
        except B.BrowserError as e:
            reason = "chromium cannot run here: %s" % str(e)[-300:]
    if reason:
        if ci():
            raise T.TestFailure(reason + " (CI=true: a failure, not a skip)")
        S["browser_skip"] = reason
        raise T.Skip(reason)
    return S["page"]


def page_data(path):
    with open(path, encoding="utf-8") as f:
        page = f.read()
    m = re.search(r'<script type="application/json" id="bw-data">(.*?)</script>', page, re.S)
    if not m:
        raise T.TestFailure("%s has no data block" % path)
    return page, json.loads(m.group(1))


def listener():
    """A TCP server on 127.0.0.1 that reads what each client sends."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    got = []

    def serve():
        while True:
            try:
                conn, _ = srv.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(5)
                try:
                    got.append(conn.recv(64))
                except OSError:
                    pass

    threading.Thread(target=serve, daemon=True).start()
    return srv, got


def t_run():
    sc = S["sc"]
    srv, got = listener()
    port = srv.getsockname()[1]
    pol = sc.write(
        "version: 1\nrules:\n"
        "  - name: html-loopback-connect\n    severity: medium\n    action: log\n"
        "    on: connect\n    match:\n      address: \"127.0.0.1\"\n"
        "  - name: html-no-sleep\n    severity: high\n    action: kill-process\n"
        "    match:\n      basename: [sleep]\n", "p.yaml")
    connect = ("import socket; s = socket.create_connection(('127.0.0.1', %d)); "
               "s.sendall(b'hello'); s.close()" % port)
    # by path: dash would run true and false as builtins, without an exec
    steps = [["python3", "-c", connect], ["/bin/true", XSS, "\u2028", "--password", SECRET],
             ["/bin/false"], ["/nonexistent/bw-html-missing"], ["sleep", "30"]]
    script = "; ".join(" ".join(shlex.quote(a) for a in s) for s in steps) + "; exit 0"
    ev, html = sc.path("events.jsonl"), sc.path("run.html")
    token = T.new_token("html")
    r = T.run([T.BUILDWARDEN, "run", "--events", ev, "--html", html, "--policy", pol,
               "--", "sh", "-c", script], cwd=sc.dir, timeout=60, token=token)
    T.kill_token(token)
    srv.close()
    c = T.Checker()
    c.check(not r.timed_out and r.returncode == 0, "run: expected exit 0, got " + r.describe())
    c.check(b"hello" in got, "the listener got no bytes: %r" % got)
    records, problems = T.read_events(ev)
    c.check(not problems, "event stream: %s" % problems[:3])
    c.check(os.path.exists(html), "run --html wrote no page: " + r.describe())
    c.done()
    S["events"], S["html"], S["records"] = ev, html, records

    page, data = page_data(html)
    procs = {(x["pid"], x["start_ns"]) for x in records
             if x.get("type") in T.PROCESS_TYPES and "start_ns" in x}
    verdicts = [x for x in records if x.get("type") == "verdict"]
    S["n_procs"], S["n_verdicts"] = len(procs), len(verdicts)
    c.eq(data["procs_total"], len(procs), "processes in the page's data")
    c.eq(len(data["procs"]), len(procs), "processes listed in the page's data")
    c.eq(sorted(v["rule"] for v in data["summary"]["verdicts"]), sorted(v["rule"] for v in verdicts),
         "verdicts in the page's data")
    c.check({"html-loopback-connect", "html-no-sleep"} <= {v["rule"] for v in verdicts},
            "both rules fired: %r" % [v["rule"] for v in verdicts])
    c.check(any(d["label"] == "127.0.0.1:%d" % port for d in data["dests"]),
            "the listener is a destination: %r" % data["dests"])
    c.check(SECRET not in page, "the password is in the page")
    c.check(any(XSS in (p["cmd"] or "") for p in data["procs"]),
            "the breakout command line is in the data as text")
    c.eq(page.count("<script"), 2, "script elements in the page source")
    # the same events through `report --html` give the same data
    again = sc.path("report.html")
    r2 = T.run([T.BUILDWARDEN, "report", "--no-tree", "--html", again, ev], timeout=30)
    c.check(r2.returncode == 0, "report --html: " + r2.describe())
    if r2.returncode == 0:
        c.eq(page_data(again)[1], data, "report --html data vs run --html data")
    c.done()


def t_browser():
    if "html" not in S:
        raise T.TestFailure("no page: the run test failed")
    pg = browser()
    url = pg.open(S["html"], PRELUDE)
    got = json.loads(pg.evaluate(QUERY))
    c = T.Checker()
    c.eq(pg.problems(url), [], "exceptions, console errors, requests, dialogs")
    c.eq(got["violations"], [], "CSP violations")
    c.eq(got["alerts"], [], "alerts raised")
    c.eq(got["rendered"], "yes", "the script finished drawing")
    c.eq(got["scripts"], 2, "script elements (the data block and the page's own)")
    c.eq(got["procs"], S["n_procs"], "tree nodes")
    c.eq(got["rows"], S["n_verdicts"], "verdict rows")
    c.check(got["flagged"] >= 2, "flagged tree nodes (python3, sleep): %d" % got["flagged"])
    c.check(got["killed"] >= 1, "a killed tree node (sleep): %d" % got["killed"])
    c.check(got["failed"] >= 3, "failed tree nodes (false, the missing program, sleep): %d"
            % got["failed"])
    c.check(got["xss_nodes"] >= 2, "tree nodes showing the breakout as text (sh, true): %d"
            % got["xss_nodes"])
    c.check(got["edges"] >= 1, "graph edges: %d" % got["edges"])
    c.check(any(d.endswith("127.0.0.1:%d" % int(d.rsplit(":", 1)[1])) for d in got["dests"]),
            "a loopback destination in the graph: %r" % got["dests"])
    c.eq(got["bars"], S["n_procs"], "timeline bars")
    c.eq(got["vmarks"], S["n_verdicts"], "verdict markers on the timeline")
    c.check(XSS in got["tree_text"], "the breakout shows as text in the tree")
    c.check(got["title"].startswith("buildwarden: passed"), "title: %r" % got["title"])
    c.done()


def t_control():
    if "html" not in S:
        raise T.TestFailure("no page: the run test failed")
    pg = browser()
    with open(S["html"], encoding="utf-8") as f:
        page = f.read()
    c = T.Checker()
    broken = S["sc"].path("unescaped.html")
    with open(broken, "w", encoding="utf-8") as f:
        f.write(page.replace("\\u003c", "<").replace("\\u003e", ">"))
    url = pg.open(broken, PRELUDE)
    got = json.loads(pg.evaluate(QUERY))
    c.check(pg.problems(url) or got["violations"],
            "the unescaped page raised no problem: %r" % got)
    fetching = S["sc"].path("fetching.html")
    with open(fetching, "w", encoding="utf-8") as f:
        f.write(page.replace("</body>", '<img src="http://127.0.0.1:9/x.png"></body>'))
    url = pg.open(fetching, PRELUDE)
    got = json.loads(pg.evaluate(QUERY))
    c.check(any("img-src" in v or "default-src" in v for v in got["violations"]),
            "the external image raised no CSP violation: %r" % got["violations"])
    c.check(pg.problems(url), "the external image raised no problem")
    c.done()


TESTS = [
    ("run --html of a real build (connect, breakout argv, failure, kill): the page's data "
     "matches the events, report --html gives the same, secrets masked", t_run),
    ("Chromium headless: renders with no error, request, dialog or CSP violation; "
     "tree nodes, verdict rows, graph edges, timeline bars and markers; breakout inert", t_browser),
    ("the browser checks catch an unescaped data block and an external request", t_control),
]


def main():
    skip = T.skip_reason()
    if not skip:
        S["sc"] = P.Scratch("bw-html-")
    try:
        return T.tap_run(TESTS, skip)
    finally:
        if "page" in S:
            S["page"].close()
        if "sc" in S:
            S["sc"].cleanup()


if __name__ == "__main__":
    T.main_guard(main)
