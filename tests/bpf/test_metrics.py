#!/usr/bin/env python3
"""The daemon's metrics endpoint scraped by a real Prometheus (TAP; no BPF, root only to install the Debian package).

build/tests/fixtures/metrics_demo serves user/metrics.c's endpoint with
fixed values on 127.0.0.1 (a free port). Debian's Prometheus (2.42,
installed by tools/deps-prometheus.sh when missing) is started with a
temporary configuration scraping it every second, its storage in a
temporary directory and its web API on another free loopback port.

  direct scrape       the HTTP answer: status, Content-Type, every sample
  promtool            `promtool check metrics` accepts the exposition
  prometheus scrapes  the target is up with no error, all samples taken,
                      buildwarden_jobs_active and a labelled counter have
                      the served values, HELP and TYPE reached the metadata
  stop                the fixture exits 0 on SIGTERM

Skips with the reason when Prometheus cannot be installed or the fixture
is not built.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtap as T  # noqa: E402

DEMO = os.path.join(T.FIXTURES, "metrics_demo")
DEPS = os.path.join(T.SRC, "tools", "deps-prometheus.sh")
PROMETHEUS = "/usr/bin/prometheus"
PROMTOOL = "/usr/bin/promtool"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# What tests/fixtures/metrics_demo.c serves (its DEMO table; the rest are 0).
WANT = {
    'buildwarden_events_total{type="exec"}': 42,
    'buildwarden_events_total{type="fork"}': 40,
    'buildwarden_events_total{type="exit"}': 39,
    'buildwarden_events_total{type="connect"}': 6,
    'buildwarden_events_total{type="dns"}': 0,
    'buildwarden_lost_events_total': 2,
    'buildwarden_verdicts_total{action="kill-job"}': 1,
    'buildwarden_verdicts_total{action="alert"}': 4,
    'buildwarden_verdicts_total{action="deny"}': 0,
    'buildwarden_alerts_sent_total': 5,
    'buildwarden_alerts_failed_total': 1,
    'buildwarden_alerts_dropped_total': 0,
    'buildwarden_jobs_active': 3,
    'buildwarden_jobs_total': 7,
    'buildwarden_process_table_entries': 11,
}
N_SERIES = 21  # enum metric's METRIC__COUNT
SCRAPE_WAIT_S = 30

S = {}


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.status, r.headers, r.read().decode("utf-8")


def parse_exposition(text):
    """{series: value} from the samples; HELP/TYPE lines as two dicts."""
    samples, helps, types = {}, {}, {}
    for line in text.splitlines():
        if line.startswith("# HELP "):
            name, _, help_ = line[7:].partition(" ")
            helps[name] = help_
        elif line.startswith("# TYPE "):
            name, _, typ = line[7:].partition(" ")
            types[name] = typ
        elif line and not line.startswith("#"):
            series, _, value = line.rpartition(" ")
            samples[series] = float(value)
    return samples, helps, types


def start_demo():
    p = subprocess.Popen([DEMO, "127.0.0.1:0"], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True)
    line = p.stdout.readline().decode()
    if not line.startswith("listening on "):
        T.kill_group(p)
        raise T.TestFailure("metrics_demo did not start: %r %s" %
                            (line, p.stderr.read().decode(errors="replace")))
    S["demo"] = p
    S["target"] = line.split()[-1]


def query(expr):
    url = "http://%s/api/v1/query?%s" % (S["prom_addr"],
                                         urllib.parse.urlencode({"query": expr}))
    _, _, body = http_get(url)
    doc = json.loads(body)
    if doc.get("status") != "success":
        raise T.TestFailure("query %s failed: %s" % (expr, body[:500]))
    return doc["data"]["result"]


def scalar(expr):
    res = query(expr)
    if len(res) != 1:
        raise T.TestFailure("query %s: expected one series, got %r" % (expr, res))
    return float(res[0]["value"][1])


def target_health():
    _, _, body = http_get("http://%s/api/v1/targets" % S["prom_addr"])
    active = json.loads(body)["data"]["activeTargets"]
    for t in active:
        if t["labels"].get("job") == "buildwarden":
            return t
    return None


def start_prometheus(work):
    cfg = os.path.join(work, "prometheus.yml")
    with open(cfg, "w") as f:
        f.write(
            "global:\n"
            "  scrape_interval: 1s\n"
            "  scrape_timeout: 1s\n"
            "  evaluation_interval: 1s\n"
            "scrape_configs:\n"
            "  - job_name: buildwarden\n"
            "    metrics_path: /metrics\n"
            "    static_configs:\n"
            "      - targets: ['%s']\n" % S["target"])
    last = ""
    for _ in range(3):  # a free port may be taken between probe and bind
        port = free_port()
        log = open(os.path.join(work, "prometheus.log"), "wb")
        p = subprocess.Popen(
            [PROMETHEUS, "--config.file=" + cfg,
             "--storage.tsdb.path=" + os.path.join(work, "data"),
             "--web.listen-address=127.0.0.1:%d" % port, "--log.level=warn"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=work)
        log.close()
        S["prom"] = p
        S["prom_addr"] = "127.0.0.1:%d" % port
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and p.poll() is None:
            try:
                if http_get("http://%s/-/ready" % S["prom_addr"], timeout=1)[0] == 200:
                    return
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.2)
        with open(os.path.join(work, "prometheus.log"), "rb") as f:
            last = f.read().decode(errors="replace")[-2000:]
        T.kill_group(p)
        p.wait()
        del S["prom"]
    raise T.TestFailure("prometheus did not become ready:\n" + last)


def stop(name, timeout=10):
    p = S.pop(name, None)
    if not p:
        return None
    if p.poll() is None:
        os.killpg(p.pid, signal.SIGTERM)
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            T.kill_group(p)
            p.wait()
            return "killed"
    return p.returncode


# ---- tests ----

def t_direct_scrape():
    c = T.Checker()
    status, headers, body = http_get("http://%s/metrics" % S["target"])
    c.eq(status, 200, "status")
    c.eq(headers.get("Content-Type"), CONTENT_TYPE, "Content-Type")
    samples, helps, types = parse_exposition(body)
    c.eq(len(samples), N_SERIES, "number of samples")
    for series, v in WANT.items():
        c.eq(samples.get(series), float(v), series)
    start = samples.get("buildwarden_start_time_seconds", 0)
    c.check(abs(start - time.time()) < 3600, "start time %r is not about now" % start)
    for name in {s.split("{")[0] for s in samples}:
        c.check(name.startswith("buildwarden_"), "%s: no buildwarden_ prefix" % name)
        c.check(name in helps and name in types, "%s: no HELP or TYPE" % name)
        c.check((types.get(name) == "counter") == name.endswith("_total"),
                "%s: TYPE %s" % (name, types.get(name)))
    try:
        http_get("http://%s/other" % S["target"])
        c.check(False, "/other answered 2xx")
    except urllib.error.HTTPError as e:
        c.eq(e.code, 404, "/other status")
    c.done()


def t_promtool():
    if not os.access(PROMTOOL, os.X_OK):
        raise T.Skip("promtool not installed")
    _, _, body = http_get("http://%s/metrics" % S["target"])
    r = subprocess.run([PROMTOOL, "check", "metrics"], input=body.encode(),
                       capture_output=True, timeout=30)
    out = (r.stdout + r.stderr).decode(errors="replace").strip()
    if r.returncode != 0 or out:
        raise T.TestFailure("promtool check metrics: exit %d: %s" % (r.returncode, out))


def t_prometheus_scrapes():
    work = S["work"]
    start_prometheus(work)
    c = T.Checker()
    deadline = time.monotonic() + SCRAPE_WAIT_S
    t = None
    while time.monotonic() < deadline:
        t = target_health()
        if t and t["health"] == "up":
            break
        time.sleep(0.3)
    if not t or t["health"] != "up":
        raise T.TestFailure("the target never came up: %r" % (t,))
    c.eq(t.get("lastError"), "", "target lastError")
    c.eq(scalar('up{job="buildwarden"}'), 1.0, "up")
    # every sample of the exposition was ingested
    c.eq(scalar('scrape_samples_scraped{job="buildwarden"}'), float(N_SERIES),
         "scrape_samples_scraped")
    c.eq(scalar("buildwarden_jobs_active"), 3.0, "buildwarden_jobs_active")
    c.eq(scalar('buildwarden_events_total{type="exec"}'), 42.0, "events exec")
    c.eq(scalar('buildwarden_verdicts_total{action="kill-job"}'), 1.0, "verdicts kill-job")
    c.eq(scalar("buildwarden_process_table_entries"), 11.0, "process table")
    c.eq(len(query("buildwarden_events_total")), 8, "event type series")
    # HELP and TYPE reached Prometheus's metadata
    _, _, body = http_get("http://%s/api/v1/metadata?metric=buildwarden_jobs_active"
                          % S["prom_addr"])
    meta = json.loads(body)["data"].get("buildwarden_jobs_active") or [{}]
    c.eq(meta[0].get("type"), "gauge", "metadata type")
    c.eq(meta[0].get("help"), "CI jobs being watched now.", "metadata help")
    _, _, body = http_get("http://%s/api/v1/metadata?metric=buildwarden_events_total"
                          % S["prom_addr"])
    meta = json.loads(body)["data"].get("buildwarden_events_total") or [{}]
    c.eq(meta[0].get("type"), "counter", "events metadata type")
    c.eq(stop("prom", 15), 0, "prometheus exit status on SIGTERM")
    c.done()


def t_demo_stops():
    rc = stop("demo")
    if rc != 0:
        raise T.TestFailure("metrics_demo exit status on SIGTERM: %r" % (rc,))


TESTS = [
    ("direct scrape: 200, text/plain version 0.0.4, every sample", t_direct_scrape),
    ("promtool check metrics accepts the exposition", t_promtool),
    ("Prometheus 2.42 scrapes the endpoint; queries return the served values",
     t_prometheus_scrapes),
    ("the endpoint stops cleanly on SIGTERM", t_demo_stops),
]


def skip_reason():
    if not os.access(DEMO, os.X_OK):
        return "metrics_demo fixture not built (%s)" % DEMO
    if not os.access(PROMETHEUS, os.X_OK):
        r = subprocess.run([DEPS], capture_output=True, timeout=600)
        if r.returncode != 0 or not os.access(PROMETHEUS, os.X_OK):
            why = r.stderr.decode(errors="replace").strip().splitlines()
            return "prometheus cannot be installed: %s" % (why[-1] if why else "unknown")
    return None


def main():
    skip = skip_reason()
    if not skip:
        S["work"] = tempfile.mkdtemp(prefix="bw-metrics-")
        start_demo()
    try:
        return T.tap_run(TESTS, skip)
    finally:
        for name in ("prom", "demo"):
            stop(name)
        if "work" in S:
            shutil.rmtree(S["work"], ignore_errors=True)


if __name__ == "__main__":
    T.main_guard(main)
