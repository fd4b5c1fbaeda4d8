#!/usr/bin/env python3
"""`buildwarden daemon`: CI jobs found by their runner, kept apart, reported,
exported, reloaded and stopped (TAP; needs root and BTF).

One daemon serves tests 1-4 and 6. Its config (relative paths, resolved
against the config's directory) has the job rule `fake`, whose jobs are
the runs of a `#!/bin/sh` script named bw-fake-runner (and `other-rule`,
never matched, for a `policies:` override to name); a policy that
kill-jobs a copy of the marker fixture named evil-tool; the status
endpoint on a free port; the JSON-lines export; the OTLP export and an
alert webhook, both to HTTP receiver threads of this test.

  two jobs      runner A (benign, ~3 s) and runner B (runs evil-tool after
                ~1 s, then would sleep 30 s) at once: two jobs, each events
                file has only its own job_id and processes, B's job is
                killed (SIGKILL, report "job terminated by policy"), A goes
                on and exits 0; a command the test runs itself is in no
                file
  metrics       /metrics during and after the jobs
  exports       all.jsonl, the OTLP receiver and the webhook got both jobs
                (the webhook: the kill-job alert)
  SIGHUP        a broken policy, a missing policy and a broken config are
                refused and the old config stays in force; a valid policy
                (evil-tool only alerted) is taken
  --check       exit 0 for a valid config, 2 with FILE:LINE:COL errors
  SIGTERM       with a job running: exit 0, "detached", the job's report
                written, the runner untouched, nothing left attached

Every process started here is killed in a finally; every wait has a
deadline. Failures show the daemon's stderr tail.
"""

import json
import os
import re
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtap as T  # noqa: E402
import bwpolicy as P  # noqa: E402
import bwdaemon as D  # noqa: E402

S = {"runners": []}
ME = os.getpid()
TAG_A, TAG_B, TAG_OUT = "bwA%d" % ME, "bwB%d" % ME, "bwOutside%d" % ME
EVIL_RULE = "no-evil-tool"
TERMINATED = "job terminated by policy"
ATTACH_S = 30        # BPF load and attach
LOG_S = 5            # a log line that should follow an action at once
REPORT_S = 8         # a job's end line and its files, after its root exited

RUNNER_SH = r"""#!/bin/sh
# bw-fake-runner MODE TAG DIR DELAY: stands in for a CI runner's job.
mode=$1 tag=$2 dir=$3 delay=${4:-1}
"$dir/marker" "$dir/$tag.mark" "$tag-step1" || exit 11
/bin/true "$tag-step2"
case $mode in
benign)    sleep "$delay"; /bin/true "$tag-after"; exit 0 ;;
evil)      sleep "$delay"; "$dir/evil-tool" "$dir/$tag.evil" "$tag-evil"; sleep 30; exit 0 ;;
evil-exit) sleep "$delay"; "$dir/evil-tool" "$dir/$tag.evil" "$tag-evil"; exit $? ;;
long)      sleep "$delay"; exit 0 ;;
esac
exit 12
"""


def sc():
    return S["sc"]


def ddir(*parts):
    return sc().path("daemon", *parts)


# ---- files the daemon reads ----

def policy_text(evil_action):
    return P.policy_yaml([(EVIL_RULE, "critical", evil_action, ["basename: evil-tool"])])


def config_lines(otlp_url, hook_url):
    return [
        "# written by tests/bpf/test_daemon.py",
        "policy: policy.yaml",
        "reports: reports",
        "record: auto",
        "exec_env: LD_AUDIT",
        "jobs:",
        "  - name: fake",
        "    match: {exe_basename: bw-fake-runner}",
        "  - name: other-rule",
        "    match: {exe_basename: bw-other-runner}",
        "  - name: args-rule",
        '    match: {exe_basename: bw-args-runner, args: "*--ci-job*"}',
        "  - name: parent-rule",
        "    match: {exe_basename: bw-par-child, parent_basename: bw-par-parent}",
        "policies:",
        "  - match: {job: other-rule}",
        "    policy: other.yaml",
        'status: {listen: "127.0.0.1:0"}',
        "export:",
        "  jsonl: {path: all.jsonl, max_bytes: 1048576, keep: 2}",
        '  otlp: {url: "%s", flush_ms: 200, traces: yes, traces_protocol: json}' % otlp_url,
        'alerts: {webhook: "%s", format: generic}' % hook_url,
    ]


def write_config(where, lines):
    """Writes daemon.yaml (lines), policy.yaml (kill-job on evil-tool),
    other.yaml and reports/ into the scratch directory's subdirectory
    `where` (a tuple of parts). Returns the config's path."""
    sc().mkdir(*(where + ("reports",)))
    sc().write(policy_text("kill-job"), *(where + ("policy.yaml",)))
    sc().write(P.policy_yaml([("other-log", "low", "log", ["basename: bw-never-run"])]),
               *(where + ("other.yaml",)))
    return sc().write("\n".join(lines) + "\n", *(where + ("daemon.yaml",)))


# ---- the shared daemon ----

def daemon():
    """The running shared daemon, started on first use."""
    if "daemon_error" in S:
        raise T.TestFailure("the daemon did not start (see the first test): "
                            + S["daemon_error"])
    d = S.get("daemon")
    if d is not None:
        if not d.alive():
            raise T.TestFailure("the daemon is no longer running\n" + d.tail())
        return d
    d = D.Daemon(S["config"], cwd="/")  # cwd elsewhere: paths resolve against the config
    S["daemon"] = d
    got = d.wait_for(r"\battached\b", ATTACH_S)
    if not got:
        rc = d.wait_exit(2)  # its stderr ended: it is exiting
        if rc is None:
            why = "no 'attached' line within %ds" % ATTACH_S
        else:
            why = "it exited (%s) before logging 'attached'" % D.describe_status(rc)
        d.stop(5)
        why += "\n" + d.tail()
        S["daemon_error"] = why
        raise T.TestFailure(why)
    S["attached_at"] = got[0]
    st = d.wait_for(r"status endpoint on (\S+)", 0, since=0)
    S["status_addr"] = st[1].group(1).rstrip(".,;") if st else None
    S["status_line"] = st[0] if st else None
    note_bpf_ids(d)
    return d


def note_bpf_ids(d):
    progs, links = D.bpf_ids_of(d.pid)
    S.setdefault("daemon_progs", set()).update(progs)
    S.setdefault("daemon_links", set()).update(links)


def status_addr():
    daemon()
    if not S.get("status_addr"):
        raise T.TestFailure("the daemon logged no 'status endpoint on ADDR' line\n"
                            + daemon().tail())
    return S["status_addr"]


# ---- fake runners ----

class Runner:
    """bw-fake-runner MODE TAG DIR DELAY as a child of this test, in its own
    session, its processes marked with a bwtap run token."""

    def __init__(self, mode, tag, delay):
        self.tag = tag
        self.token = T.new_token("daemon-" + tag)
        env = dict(os.environ)
        env[T.RUN_TOKEN_VAR] = self.token
        self.log = sc().path("runs", tag + ".log")
        os.makedirs(os.path.dirname(self.log), exist_ok=True)
        with open(self.log, "wb") as out:
            self.t0 = time.monotonic()
            self.proc = subprocess.Popen([S["runner"], mode, tag, S["bin"], str(delay)],
                                         stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                         start_new_session=True, env=env, cwd=sc().dir)
        self.pid = self.proc.pid
        self.elapsed = None
        S["runners"].append(self)

    def wait(self, timeout):
        """The exit status (negative: signal), or None after timeout."""
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None
        if self.elapsed is None:
            self.elapsed = time.monotonic() - self.t0
        return rc

    def output(self):
        try:
            with open(self.log, "rb") as f:
                return f.read().decode("utf-8", "replace")[-500:]
        except OSError:
            return ""

    def kill(self):
        T.kill_group(self.proc)
        T.kill_token(self.token)
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass


class Job:
    """What the daemon said and wrote about one runner's job."""

    def __init__(self, runner):
        self.runner = runner
        self.name = self.rule = self.policy = None
        self.rc = None  # the runner's exit status, once waited for
        self.end_line = None
        self.records, self.problems, self.raw = [], [], ""
        self.report = None
        self.md = False

    @property
    def job_ids(self):
        return sorted({r.get("job_id") for r in self.records
                       if isinstance(r.get("job_id"), int)})

    @property
    def job_id(self):
        ids = self.job_ids
        return ids[0] if len(ids) == 1 else None

    def of_type(self, t):
        return [r for r in self.records if r.get("type") == t]

    def summary(self):
        return T.summary_of(self.records) or {}

    def summary_job(self):
        """The summary's job: name, rule and root_pid (other fields ignored)."""
        j = self.summary().get("job")
        return {k: j.get(k) for k in ("name", "rule", "root_pid")} if isinstance(j, dict) else j


def await_start(c, d, runner, timeout=LOG_S):
    job = Job(runner)
    got = d.wait_for(r"\bjob (\S+) started: root pid %d \(rule ([^)\s]+)\), policy (.+)$"
                     % runner.pid, timeout)
    if c.check(got, "no 'job NAME started: root pid %d (rule fake), policy ...' line for "
               "runner %s within %ds" % (runner.pid, runner.tag, timeout)):
        job.name, job.rule, job.policy = got[1].group(1), got[1].group(2), got[1].group(3)
    return job


def await_end(c, d, job):
    """After the root exited: the end line, then NAME.json, NAME.md and
    NAME.events.jsonl in reports/."""
    if not job.name:
        return
    got = d.wait_for(r"\bjob %s ended:(.*)$" % re.escape(job.name), REPORT_S)
    if not c.check(got, "no 'job %s ended: ...' line within %ds of its root's exit"
                   % (job.name, REPORT_S)):
        return
    job.end_line = got[1].group(0)
    c.check(re.search(r"\breport \S*%s\.json\b" % re.escape(job.name), job.end_line),
            "the end line does not name the report %s.json: %r" % (job.name, job.end_line))
    rep = ddir("reports", job.name + ".json")
    deadline = time.monotonic() + LOG_S
    while not os.path.exists(rep) and time.monotonic() < deadline:
        time.sleep(0.1)
    try:
        with open(rep) as f:
            job.report = json.load(f)
    except (OSError, ValueError) as e:
        c.check(False, "report %s: %s" % (rep, e))
    job.md = os.path.exists(ddir("reports", job.name + ".md"))
    c.check(job.md, "no Markdown report %s.md" % job.name)
    c.check(os.path.exists(ddir("reports", job.name + ".html")), "no HTML report %s.html" % job.name)
    ev = ddir("reports", job.name + ".events.jsonl")
    job.records, job.problems = T.read_events(ev)
    try:
        with open(ev, "rb") as f:
            job.raw = f.read().decode("utf-8", "surrogateescape")
    except OSError:
        pass


def run_job(c, d, mode, tag, delay, exit_timeout):
    """One runner from start to its job's files."""
    r = Runner(mode, tag, delay)
    job = await_start(c, d, r)
    rc = r.wait(exit_timeout)
    if rc is None:
        c.check(False, "runner %s (pid %d) still running after %ds; killed it"
                % (tag, r.pid, exit_timeout))
        r.kill()
    job.rc = rc
    await_end(c, d, job)
    return job


def status_of(job):
    return (job.report or {}).get("status")


def check_job_file(c, label, job, own_tags, foreign_tags):
    """The events file of one job: its records only, a summary naming it."""
    pid = job.runner.pid
    for p in job.problems[:3]:
        c.check(False, "%s events file: %s" % (label, p))
    if not c.check(job.records, "%s: no records in %s.events.jsonl" % (label, job.name)):
        return
    c.eq(len(job.job_ids), 1, "%s: number of distinct job_id values (%r)" % (label, job.job_ids))
    missing = [r.get("seq") for r in job.records if not isinstance(r.get("job_id"), int)]
    c.check(not missing, "%s: records without an integer job_id (seq %r)" % (label, missing[:5]))
    seqs = [r.get("seq") for r in job.records]
    c.check(all(isinstance(s, int) for s in seqs) and all(a < b for a, b in zip(seqs, seqs[1:])),
            "%s: seq values are not increasing integers: %r" % (label, seqs[:20]))
    types = [r.get("type") for r in job.records]
    c.eq(types[-1], "summary", "%s: type of the last record" % label)
    c.eq(types.count("summary"), 1, "%s: number of summary records" % label)
    c.eq(job.summary_job(), {"name": job.name, "rule": "fake", "root_pid": pid},
         "%s: summary.job" % label)
    for t in foreign_tags:
        c.check(t not in job.raw, "%s's events file mentions %s, which belongs to another "
                "job or to no job" % (label, t))
    argvs = [" ".join(r.get("argv") or []) for r in job.of_type("exec")]
    for t in own_tags:
        c.check(any(t in a for a in argvs), "%s: no exec record with argument %s (execs: %r)"
                % (label, t, argvs[:12]))
    # every exec is the root's or a descendant's (fork records link them)
    tree = {pid}
    for r in job.records:
        if r.get("type") == "fork" and r.get("parent_pid") in tree:
            tree.add(r.get("pid"))
    strays = [(r.get("pid"), r.get("argv")) for r in job.of_type("exec")
              if r.get("pid") not in tree]
    c.check(not strays, "%s: exec records of processes outside the runner's tree (root %d): %r"
            % (label, pid, strays[:5]))


# ---- tests ----

def t_two_jobs():
    d = daemon()
    c = T.Checker()
    c.check(S["status_line"] is not None and S["status_line"] < S["attached_at"],
            "'status endpoint on ADDR' should be logged before 'attached' (lines %r, %r)"
            % (S["status_line"], S["attached_at"]))
    a = Runner("benign", TAG_A, 3)
    b = Runner("evil", TAG_B, 1)
    ja, jb = await_start(c, d, a), await_start(c, d, b)
    S["jobs"] = {"A": ja, "B": jb}
    if S.get("status_addr"):
        S["mid_scrape"] = D.try_scrape(S["status_addr"])
    note_bpf_ids(d)
    # a command outside every job, while both run
    subprocess.run(["/bin/true", TAG_OUT], timeout=10)
    deadline = time.monotonic() + 12  # A needs ~3.5 s, B ~1 s when killed
    rb = b.wait(max(0.1, deadline - time.monotonic()))
    ra = a.wait(max(0.1, deadline - time.monotonic()))
    for r, rc in ((a, ra), (b, rb)):
        if rc is None:
            c.check(False, "runner %s (pid %d) still running after %.0f s; killed it"
                    % (r.tag, r.pid, time.monotonic() - r.t0))
            r.kill()
    ja.rc, jb.rc = ra, rb
    await_end(c, d, ja)
    await_end(c, d, jb)

    c.check(ja.name and jb.name and ja.name != jb.name,
            "job names should be two distinct names: %r, %r" % (ja.name, jb.name))
    for j in (ja, jb):
        if j.name:
            c.check(re.fullmatch(r"fake-\d{8}T\d{6}-%d" % j.runner.pid, j.name),
                    "job name %r is not fake-YYYYmmddTHHMMSS-%d" % (j.name, j.runner.pid))
            c.eq(j.rule, "fake", "rule in the start line of %s" % j.name)
            c.check("policy.yaml" in (j.policy or ""), "the start line of %s names policy %r, "
                    "expected the config's policy.yaml" % (j.name, j.policy))
    c.eq(ra, 0, "runner A's exit status (output: %r)" % a.output())
    c.eq(rb, -signal.SIGKILL, "runner B's exit status (negative: killed by that signal)")
    if b.elapsed is not None:
        c.check(b.elapsed < 10, "runner B was killed only after %.1fs (evil-tool ran at ~1s)"
                % b.elapsed)
    c.check(ja.report is not None and status_of(ja) != TERMINATED,
            "job A's report status: %r" % status_of(ja))
    c.eq(status_of(jb), TERMINATED, "job B's report status")
    c.eq((ja.report or {}).get("job_killed"), False, "job A's report job_killed")
    c.eq((jb.report or {}).get("job_killed"), True, "job B's report job_killed")

    check_job_file(c, "job A", ja, [TAG_A + "-step1", TAG_A + "-step2", TAG_A + "-after"],
                   [TAG_B, TAG_OUT])
    check_job_file(c, "job B", jb, [TAG_B + "-step1", TAG_B + "-evil"], [TAG_A, TAG_OUT])
    if ja.job_id is not None and jb.job_id is not None:
        c.check(ja.job_id != jb.job_id, "both jobs have job_id %d" % ja.job_id)
    c.eq(ja.of_type("verdict"), [], "verdict records in job A's file")
    kv = [v for v in jb.of_type("verdict") if v.get("rule") == EVIL_RULE]
    if c.eq(len(kv), 1, "verdicts of %s in job B's file" % EVIL_RULE):
        c.eq((kv[0].get("action"), kv[0].get("rule_action")), ("kill-job", "kill-job"),
             "B's verdict action, rule_action")
        c.check(TAG_B + "-evil" in (kv[0].get("argv") or []),
                "B's verdict is not about evil-tool: argv %r" % kv[0].get("argv"))
    c.eq(len(P.lines_of(os.path.join(S["bin"], TAG_A + ".mark"))), 1,
         "runner A's marker lines")
    bad = [ln for ln in d.log_since(0) if not ln.startswith(D.LOG_PREFIX)]
    c.check(not bad, "log lines without the 'buildwarden: ' prefix: %r" % bad[:5])
    D.done(c, d)


def t_metrics():
    d = daemon()
    addr = status_addr()
    c = T.Checker()
    mid, why = S.get("mid_scrape") or (None, "test 1 did not scrape during the jobs")
    if c.check(mid is not None, "during the jobs: %s" % why):
        c.check(mid.get("buildwarden_jobs_active", 0) >= 1,
                "buildwarden_jobs_active during the jobs: %r, expected >= 1"
                % mid.get("buildwarden_jobs_active"))
        c.check(mid.get("buildwarden_jobs_total", 0) >= 2,
                "buildwarden_jobs_total once both jobs started: %r, expected >= 2"
                % mid.get("buildwarden_jobs_total"))
    now, why = None, None
    deadline = time.monotonic() + LOG_S
    while True:
        now, why = D.try_scrape(addr)
        if (now and now.get("buildwarden_jobs_active") == 0) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    if c.check(now is not None, "after the jobs: %s" % why):
        c.eq(now.get("buildwarden_jobs_active"), 0.0,
             "buildwarden_jobs_active after both jobs ended")
        c.check(now.get("buildwarden_jobs_total", 0) >= 2, "buildwarden_jobs_total %r, "
                "expected >= 2" % now.get("buildwarden_jobs_total"))
        kj = now.get('buildwarden_verdicts_total{action="kill-job"}', 0)
        c.check(kj >= 1, 'buildwarden_verdicts_total{action="kill-job"} %r, expected >= 1' % kj)
        ex = now.get('buildwarden_events_total{type="exec"}', 0)
        c.check(ex >= 6, 'buildwarden_events_total{type="exec"} %r, expected >= 6 (the two '
                'jobs alone made more)' % ex)
        for k in ("buildwarden_process_table_entries", "buildwarden_lost_events_total"):
            c.check(k in now, "series %s missing" % k)
    D.done(c, d)


def jobs_of_test1():
    jobs = S.get("jobs") or {}
    ids = {k: j.job_id for k, j in jobs.items()}
    if len(ids) != 2 or None in ids.values():
        raise T.TestFailure("needs the job_ids of the two jobs of the first test, got %r" % ids)
    return ids


def span_traces_by_job(reqs):
    """job_id -> the trace ids of its spans, from /v1/traces request bodies."""
    spans = []
    for _, _, data in reqs:
        for rs in json.loads(data.decode("utf-8")).get("resourceSpans") or []:
            for ss in rs.get("scopeSpans") or []:
                spans += ss.get("spans") or []
    by_job = {}
    for sp in spans:
        job = next((int(a["value"]["intValue"]) for a in sp.get("attributes", [])
                    if a["key"] == "buildwarden.job.id"), None)
        by_job.setdefault(job, set()).add(sp.get("traceId"))
    return by_job


def check_job_traces(c, records, reqs, want):
    """Each job's spans (docs/TRACES.md): in its own trace, the one its summary names."""
    traces = {r.get("job_id"): (r.get("trace") or {}).get("trace_id")
              for r in records if r.get("type") == "summary"}
    by_job = span_traces_by_job(reqs)
    for job in want:
        c.check(traces.get(job), "job %r's summary names no trace" % job)
        c.eq(by_job.get(job), {traces.get(job)}, "trace ids of job %r's spans" % job)
    c.check(len({traces.get(j) for j in want}) == len(want), "two jobs share a trace id")


def t_exports():
    d = daemon()
    ids = jobs_of_test1()
    want = set(ids.values())
    c = T.Checker()
    # JSON lines: every job in one file (rotated parts included)
    deadline = time.monotonic() + LOG_S
    while True:
        records, raw, problems = [], "", []
        for p in (ddir("all.jsonl"), ddir("all.jsonl.1"), ddir("all.jsonl.2")):
            if os.path.exists(p) or p.endswith("all.jsonl"):
                rs, pr = T.read_events(p)
                records += rs
                problems += pr
                try:
                    with open(p, "rb") as f:
                        raw += f.read().decode("utf-8", "surrogateescape")
                except OSError:
                    pass
        seen = {r.get("job_id") for r in records}
        # the summaries come last: a job's records can be in before its summary is
        summed = {r.get("job_id") for r in records if r.get("type") == "summary"}
        if want <= summed or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    for p in problems[:3]:
        c.check(False, "all.jsonl: " + p)
    c.check(want <= seen, "all.jsonl has job_ids %r, expected both %r"
            % (sorted(x for x in seen if isinstance(x, int)), sorted(want)))
    c.check(TAG_OUT not in raw, "all.jsonl records the command run outside every job")
    kills = [r.get("job_id") for r in records
             if r.get("type") == "verdict" and r.get("rule") == EVIL_RULE]
    c.check(kills and set(kills) == {ids["B"]}, "all.jsonl: verdicts of %s should all carry "
            "job B's job_id %r: %r" % (EVIL_RULE, ids["B"], kills))
    # OTLP
    deadline = time.monotonic() + LOG_S
    while True:
        everything = S["otlp"].snapshot()
        reqs = [r for r in everything if r[0] == "/v1/logs"]
        recs = D.otlp_records(reqs)
        got = {ev.get("job_id") for _, ev, _ in recs if ev}
        traced = span_traces_by_job([r for r in everything if r[0] == "/v1/traces"])
        if (want <= got and want <= set(traced)) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    if c.check(reqs, "the OTLP receiver got no request within %ds" % LOG_S):
        paths = sorted({p for p, _, _ in everything})
        c.eq(paths, ["/v1/logs", "/v1/traces"], "OTLP request paths")
        check_job_traces(c, records, [r for r in everything if r[0] == "/v1/traces"], want)
        errs = [e for _, _, e in recs if e]
        c.check(not errs, "OTLP log records: %s" % errs[:3])
        c.check(want <= got, "OTLP bodies have job_ids %r, expected both %r"
                % (sorted(x for x in got if isinstance(x, int)), sorted(want)))
        bad = [(D.otlp_attr(lr, "job.id"), ev.get("job_id")) for lr, ev, _ in recs
               if ev and isinstance(ev.get("job_id"), int)
               and str(D.otlp_attr(lr, "job.id")) != str(ev["job_id"])]
        c.check(not bad, "OTLP attribute job.id differs from the body's job_id: %r" % bad[:3])
        c.check(not any(ev and TAG_OUT in json.dumps(ev) for _, ev, _ in recs),
                "OTLP records the command run outside every job")
    # the alert webhook: the kill-job verdict
    deadline = time.monotonic() + LOG_S
    while True:
        hooks = S["hook"].snapshot()
        hits = [b for _, _, b in hooks if EVIL_RULE.encode() in b and b"kill-job" in b]
        if hits or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    c.check(hits, "the webhook got no POST naming rule %s and kill-job within %ds (%d POSTs: "
            "%r)" % (EVIL_RULE, LOG_S, len(hooks), [b[:200] for _, _, b in hooks][:3]))
    c.check(all(p == "/hook" for p, _, _ in hooks), "webhook request paths: %r"
            % sorted({p for p, _, _ in hooks}))
    D.done(c, d)


def sighup(d, c, what):
    """SIGHUP; returns the log lines from then to the first reload outcome."""
    m = d.mark()
    d.signal(signal.SIGHUP)
    got = d.wait_for(r"\breloaded\b|reload failed", LOG_S, since=m)
    if not c.check(got, "%s: no 'reloaded' or 'reload failed' line within %ds of SIGHUP"
                   % (what, LOG_S)):
        return None, []
    return got[1].group(0), d.log_since(m)[:got[0] - m + 1]


def expect_refused(c, d, what, err_rx=None, want_line=None):
    outcome, lines = sighup(d, c, what)
    if outcome is None:
        return
    last = lines[-1]
    c.check(outcome == "reload failed", "%s: the reload was accepted: %r" % (what, last))
    c.check("keeping the current config" in last,
            "%s: the failure line does not say 'keeping the current config': %r" % (what, last))
    if err_rx:
        errs = [re.search(err_rx, ln) for ln in lines[:-1]]
        errs = [m for m in errs if m]
        if c.check(errs, "%s: no error line matching %r before the failure line: %r"
                   % (what, err_rx, lines)) and want_line is not None:
            c.check(any(int(m.group(1)) == want_line for m in errs),
                    "%s: the error points at line(s) %r, expected line %d"
                    % (what, [int(m.group(1)) for m in errs], want_line))
    time.sleep(0.3)
    c.check(d.alive(), "%s: the daemon exited after the refused reload" % what)


def t_sighup():
    d = daemon()
    c = T.Checker()
    pol = ddir("policy.yaml")
    # 1. invalid YAML
    with open(pol, "w") as f:
        f.write("rules: [ {name: x, match:\n")
    expect_refused(c, d, "broken policy", r"policy\.yaml:(\d+):(\d+): error:")
    if not d.alive():
        D.done(c, d)
    j1 = run_job(c, d, "evil", "bwH1x%d" % ME, 0.3, 10)
    c.eq(j1.rc, -signal.SIGKILL, "after the refused reload: a job running evil-tool "
         "(old policy, kill-job) exits with")
    c.eq(status_of(j1), TERMINATED, "after the refused reload: report status")
    # 2. policy file gone
    os.unlink(pol)
    expect_refused(c, d, "missing policy", r"(policy\.yaml)")
    # 3. a valid policy that only alerts on evil-tool
    with open(pol, "w") as f:
        f.write(policy_text("alert"))
    outcome, lines = sighup(d, c, "valid policy")
    c.check(outcome == "reloaded", "valid policy: the reload was refused: %r" % lines)
    if outcome == "reloaded":
        j2 = run_job(c, d, "evil-exit", "bwH2x%d" % ME, 0.1, 10)
        c.eq(j2.rc, 0, "after the reload: a job running evil-tool (now alert) exits with")
        c.check(status_of(j2) != TERMINATED, "after the reload: report status %r"
                % status_of(j2))
        vs = [(v.get("rule"), v.get("action")) for v in j2.of_type("verdict")]
        c.check((EVIL_RULE, "alert") in vs, "after the reload: verdicts %r, expected an alert "
                "of %s" % (vs, EVIL_RULE))
        c.check(all(a != "kill-job" for _, a in vs), "after the reload: a kill-job verdict")
    # 4. a config with an unknown key
    cfg_lines = S["config_lines"] + ["frobnicate_the_agent: true"]
    with open(S["config"], "w") as f:
        f.write("\n".join(cfg_lines) + "\n")
    try:
        expect_refused(c, d, "config with an unknown key", r"daemon\.yaml:(\d+):(\d+): error:",
                       want_line=len(cfg_lines))
    finally:
        with open(S["config"], "w") as f:
            f.write("\n".join(S["config_lines"]) + "\n")
    if S.get("status_addr"):
        _, why = D.try_scrape(S["status_addr"])
        c.check(why is None, "after the refused reloads: %s" % why)
    D.done(c, d)


def check_cmd(cfg):
    return T.run([T.BUILDWARDEN, "daemon", "--config", cfg, "--check"], timeout=20)


def error_lines(text, name):
    """(line, col, message) of 'PATH/NAME:LINE:COL: error: MESSAGE' lines."""
    rx = re.compile(r"(?:^|[\s/])%s:(\d+):(\d+): error: (.*)$" % re.escape(name))
    out = []
    for ln in text.splitlines():
        m = rx.search(ln)
        if m:
            out.append((int(m.group(1)), int(m.group(2)), m.group(3)))
    return out


def expect_check(c, what, cfg, want_rc, wants=()):
    """daemon --check CFG exits want_rc; each (file name, lines, word) of
    wants is an error line 'FILE:LINE:COL: error: ...word...' at one of
    the lines."""
    r = check_cmd(cfg)
    ok = c.check(r.returncode == want_rc, "--check of %s: expected exit %d, got %s"
                 % (what, want_rc, r.describe()))
    out = (r.stderr + r.stdout).decode("utf-8", "replace")
    for name, lines, word in wants:
        errs = error_lines(out, name)
        c.check(any(ln in lines and word in msg for ln, _, msg in errs),
                "--check of %s: no '%s:%s:COL: error: ...%s...' line; its errors on %s: %r%s"
                % (what, name, "|".join(map(str, lines)), word, name, errs,
                   "" if not ok else "\n" + out[-1500:]))


def t_check():
    c = T.Checker()
    base = config_lines("http://127.0.0.1:9/", "http://127.0.0.1:9/hook")
    expect_check(c, "a valid config", write_config(("check-ok",), base), 0)

    bad = write_config(("check-bad",), [
        "policy: policy.yaml",                         # 1
        "reports: reports",                            # 2
        "frobnicate: yes",                             # 3  unknown key
        "jobs:",                                       # 4
        "  - name: fake",                              # 5
        "    match: {exe_basename: bw-fake-runner}",   # 6
        "  - name: nomatch",                           # 7  a rule without match
        "    id: fixed-name"])                         # 8
    expect_check(c, "a config with an unknown key and a rule without match", bad, 65,
                 [("daemon.yaml", (3,), "frobnicate"), ("daemon.yaml", (7, 8), "match")])

    badpol = write_config(("check-policy",), base)
    sc().write(policy_text("explode"), "check-policy", "policy.yaml")  # action: on line 7
    expect_check(c, "a config whose policy has an error", badpol, 65,
                 [("policy.yaml", (7,), "explode")])
    c.done()


NARROW_SH = {
    "bw-args-runner": '#!/bin/sh\n/bin/true "$1-inner" "$2-inner"\nsleep 0.3\n',
    "bw-par-parent": '#!/bin/sh\n"$(dirname "$0")/bw-par-child" "$1"\n',
    "bw-par-child": '#!/bin/sh\n/bin/true "$1-inner"\nsleep 0.3\n',
}


def run_plain(argv, env=None):
    """A program run by the test, waited for (10 s at most)."""
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, start_new_session=True, cwd=sc().dir,
                         env=env)
    try:
        return p.wait(10)
    except subprocess.TimeoutExpired:
        p.kill()
        return p.wait()


def everything_recorded():
    """The text of every job's events file and of the JSON-lines export."""
    text = []
    for name in sorted(os.listdir(ddir("reports"))) + ["../all.jsonl"]:
        if name.endswith(".jsonl"):
            try:
                with open(ddir("reports", name), "rb") as f:
                    text.append(f.read().decode("utf-8", "surrogateescape"))
            except OSError:
                pass
    return "\n".join(text)


def t_narrowing():
    """A program named by a rule whose args/parent_basename do not hold is no job."""
    c = T.Checker()
    d = daemon()
    for name, text in NARROW_SH.items():
        os.chmod(sc().write(text, "bin", name), 0o755)
    tag = "bwNarrow%d" % ME
    mark = d.mark()
    # no --ci-job: the kernel flags it, the daemon turns it down
    c.eq(run_plain([os.path.join(S["bin"], "bw-args-runner"), tag + "-noargs", "x"]), 0,
         "bw-args-runner without --ci-job: exit status")
    c.eq(run_plain([os.path.join(S["bin"], "bw-par-child"), tag + "-noparent"]), 0,
         "bw-par-child run by the test: exit status")
    # the same programs as the rules want them
    c.eq(run_plain([os.path.join(S["bin"], "bw-args-runner"), "--ci-job", tag + "-args"]), 0,
         "bw-args-runner --ci-job: exit status")
    c.eq(run_plain([os.path.join(S["bin"], "bw-par-parent"), tag + "-parent"]), 0,
         "bw-par-parent: exit status")
    for rule, want in (("args-rule", tag + "-args-inner"), ("parent-rule", tag + "-parent-inner")):
        got = d.wait_for(r"\bjob (\S+) started: root pid \d+ \(rule %s\)" % rule, LOG_S,
                         since=mark)
        if not c.check(got, "no job of rule %s started" % rule):
            continue
        name = got[1].group(1)
        ended = d.wait_for(r"\bjob %s ended:" % re.escape(name), REPORT_S, since=mark)
        c.check(ended, "job %s (rule %s) did not end" % (name, rule))
        with open(ddir("reports", name + ".events.jsonl"), "rb") as f:
            raw = f.read().decode("utf-8", "surrogateescape")
        c.check(want in raw, "job %s does not record its child's argument %s" % (name, want))
    started = d.find_all(r"\bjob \S+ started: .*\(rule (args-rule|parent-rule)\)", since=mark)
    c.eq(len(started), 2, "jobs started by the two narrowed rules (lines %r)"
         % [m.group(0) for _, m in started])
    seen = everything_recorded()
    for t in (tag + "-noargs", tag + "-noparent"):
        c.check(t not in seen, "%s (a turned-down candidate or its child) was recorded" % t)
    D.done(c, d)


def t_exec_env():
    """exec_env: LD_AUDIT: a job's exec records carry LD_AUDIT, never LD_PRELOAD."""
    c = T.Checker()
    d = daemon()
    for name, text in NARROW_SH.items():
        os.chmod(sc().write(text, "bin", name), 0o755)
    tag = "bwEnv%d" % ME
    mark = d.mark()
    # Neither library exists: the loader says so and runs the program anyway.
    env = dict(os.environ, LD_AUDIT="/nonexistent/bw-audit.so",
               LD_PRELOAD="/nonexistent/bw-preload.so")
    c.eq(run_plain([os.path.join(S["bin"], "bw-args-runner"), "--ci-job", tag], env=env), 0,
         "bw-args-runner --ci-job: exit status")
    got = d.wait_for(r"\bjob (\S+) started: root pid \d+ \(rule args-rule\)", LOG_S,
                     since=mark)
    if c.check(got, "no job of rule args-rule started"):
        name = got[1].group(1)
        c.check(d.wait_for(r"\bjob %s ended:" % re.escape(name), REPORT_S, since=mark),
                "job %s did not end" % name)
        recs, _ = T.read_events(ddir("reports", name + ".events.jsonl"))
        envs = [r.get("env") for r in recs if r.get("type") == "exec"]
        c.check(envs and all(e == {"LD_AUDIT": "/nonexistent/bw-audit.so"} for e in envs),
                "exec records' env: %r, expected LD_AUDIT alone in each" % envs[:5])
    D.done(c, d)


INTEG_RUNNER = """#!/bin/sh
# A GitLab job shell: changes a tracked file of its checkout, leaves a daemon.
# (A real job's script starts after the runner's fetch; the daemon lists the
# checkout in the milliseconds after the root's exec: docs/DAEMON.md.)
sleep 0.5
echo 'int evil;' >> "$CI_PROJECT_DIR/src/main.c"
echo untracked > "$CI_PROJECT_DIR/out.o"
setsid sleep 20 </dev/null >/dev/null 2>&1 &
sleep 0.3
"""


def t_integrity():
    """The default policy in the daemon: a GitLab job's checkout (CI_PROJECT_DIR)
    is listed when its root starts; a tracked file it changes and the process
    it leaves behind are verdicts in its own stream."""
    c = T.Checker()
    work = sc().path("integ", "checkout")
    os.makedirs(os.path.join(work, "src"))
    with open(os.path.join(work, "src", "main.c"), "w") as f:
        f.write("int x;\n")
    T.make_checkout(work)
    runner = sc().write(INTEG_RUNNER, "integ", "bin", "bw-integ-runner")
    os.chmod(runner, 0o755)
    sc().mkdir("integ", "reports")
    cfg = sc().write("reports: reports\njobs:\n  - name: integ\n"
                     "    match: {exe_basename: bw-integ-runner}\n", "integ", "daemon.yaml")
    d = D.Daemon(cfg, cwd="/")
    try:
        if not c.check(d.wait_for(r"\battached\b", ATTACH_S), "the daemon did not attach:\n"
                       + d.tail()):
            D.done(c, d)
        mark = d.mark()
        env = dict(os.environ, GITLAB_CI="true", CI_PROJECT_DIR=work, CI_JOB_NAME="integ")
        c.eq(run_plain([runner], env=env), 0, "the job's exit status")
        got = d.wait_for(r"\bjob (\S+) started:", LOG_S, since=mark)
        if c.check(got, "no job started:\n" + d.tail()):
            name = got[1].group(1)
            c.check(d.wait_for(r"\bjob %s ended:" % re.escape(name), REPORT_S, since=mark),
                    "job %s did not end" % name)
            recs, _ = T.read_events(sc().path("integ", "reports", name + ".events.jsonl"))
            rules = {}
            for r in recs:
                if r.get("type") == "verdict":
                    rules.setdefault(r.get("rule"), []).append(r)
            src = [(v.get("event") or {}).get("path") for v in rules.get("source-file-modified", [])]
            c.eq(src, [os.path.join(work, "src", "main.c")], "source-file-modified paths")
            left = [" ".join(v.get("argv") or []) for v in rules.get("leftover-process", [])]
            c.eq(left, ["sleep 20"], "leftover-process verdicts")
            summ = T.summary_of(recs) or {}
            c.eq(summ.get("checkout"), work, "summary.checkout")
    finally:
        subprocess.run(["pkill", "-f", "^sleep 20$"], stdout=subprocess.DEVNULL)
        d.stop(10)
    D.done(c, d)


def t_sigterm():
    d = daemon()
    c = T.Checker()
    r = Runner("long", "bwT%d" % ME, 30)
    job = await_start(c, d, r)
    note_bpf_ids(d)
    time.sleep(0.3)
    t0 = time.monotonic()
    d.signal(signal.SIGTERM)
    rc = d.wait_exit(10)
    took = time.monotonic() - t0
    try:
        if rc is None:
            c.check(False, "the daemon still runs 10 s after SIGTERM; killing it")
            d.stop(1)
        else:
            c.eq(rc, 0, "the daemon's exit status after SIGTERM (%.1fs)" % took)
        d.join_readers()
        c.check(d.wait_for(r"\bdetached\b", 0), "no 'detached' line")
        time.sleep(0.3)
        c.check(r.proc.poll() is None, "the running job's root (runner pid %d) did not "
                "survive the agent's stop: %s" % (r.pid, D.describe_status(r.proc.poll())))
        left = T.live_procs_with_token(r.token)
        c.check(len(left) >= 2, "the runner's sleep did not survive the agent's stop "
                "(processes of the job alive: %r)" % left)
        if job.name:
            await_end(c, d, job)
            c.check(job.report is not None, "no report for the job open at the stop")
            c.check(isinstance(status_of(job), str) and status_of(job) != TERMINATED,
                    "report status of the job open at the stop: %r" % status_of(job))
            # No exit status to go by: the title says what is known, never "passed".
            c.eq((status_of(job), (job.report or {}).get("exit_known")),
                 ("agent stopped before the job ended", False), "report status, exit_known")
            title = ""
            if job.md:
                with open(ddir("reports", job.name + ".md")) as f:
                    title = f.readline().rstrip("\n")
            c.check(re.search(r" — agent stopped before the job ended \(exit status unknown\): "
                              r"(no verdicts|\d+ verdicts?)", title) and "passed" not in title,
                    "the Markdown title of the job open at the stop: %r" % title)
            c.eq(job.summary_job(), {"name": job.name, "rule": "fake", "root_pid": r.pid},
                 "its summary.job")
    finally:
        r.kill()
    check_detached(c, d)
    D.done(c, d)


def t_adopt():
    """A job running before the daemon starts (a restart mid-job) is adopted:
    its root and the processes it has are in scope, its end is a job end."""
    c = T.Checker()
    old = S.get("daemon")
    if old is not None and old.alive():
        old.stop(10)
    r = Runner("long", "bwAdopt%d" % ME, 4)
    time.sleep(0.5)  # the runner is in its sleep: a process tree that exists already
    d = D.Daemon(S["config"], cwd="/")
    try:
        got = d.wait_for(r"\bdaemon attached\b", ATTACH_S)
        if not c.check(got, "the second daemon did not attach"):
            D.done(c, d)
        adopted = d.find_all(r"root pid %d \(rule fake\) was already running: adopted with "
                             r"(\d+) process" % r.pid)
        if c.check(adopted, "no 'adopted' line for the running runner pid %d" % r.pid):
            c.check(int(adopted[0][1].group(1)) >= 2, "adopted without its child: %r"
                    % adopted[0][1].group(0))
        started = d.wait_for(r"\bjob (\S+) started: root pid %d \(rule fake\)" % r.pid, 0)
        c.check(started, "no 'job ... started' line for the adopted runner")
        c.check(r.wait(15) == 0, "the adopted runner did not finish normally")
        if started:
            job = Job(r)
            job.name = started[1].group(1)
            await_end(c, d, job)
            exits = [x.get("pid") for x in job.of_type("exit")]
            c.check(r.pid in exits, "the adopted job has no exit record of its root %d (exits "
                    "%r)" % (r.pid, exits))
            c.eq(job.summary_job(), {"name": job.name, "rule": "fake", "root_pid": r.pid},
                 "the adopted job's summary.job")
    finally:
        r.kill()
        rc = d.stop(10)
    c.eq(rc, 0, "the second daemon's exit status after SIGTERM")
    D.done(c, d)


def check_detached(c, d):
    """Nothing the daemon loaded or pinned outlives it. Other agents may run
    on this host meanwhile (other tests, other builds): only what is the
    daemon's, or what no live process holds and no other agent pinned,
    counts."""
    own_dir = "/sys/fs/bpf/buildwarden-%d" % d.pid
    new = D.bpffs_entries() - S.get("bpffs_before", set())
    ours = sorted(e for e in new
                  if e == own_dir or not re.fullmatch(r"/sys/fs/bpf/buildwarden-\d+", e))
    c.check(not ours, "left in bpffs after the daemon exited: %r" % ours)
    if S.get("progs_before") is None:
        print("# note: bpftool missing or failing: BPF program check skipped", flush=True)
        return
    mine, links = S.get("daemon_progs", set()), S.get("daemon_links", set())
    deadline = time.monotonic() + 3  # programs are freed after an RCU grace period
    while True:
        progs = D.bpftool_list("prog") or {}
        lnks = D.bpftool_list("link") or {}
        stay = {i: p.get("name") for i, p in progs.items() if i in mine}
        stay_links = sorted(i for i in lnks if i in links)
        fresh = {i: p.get("name") for i, p in progs.items()
                 if i not in S["progs_before"] and (p.get("name") or "").startswith("handle_")}
        others = set()
        if fresh:
            others = D.held_prog_ids() | D.pinned_prog_ids(progs, lnks, own_dir)
        # loaded since the test began, held by no process, pinned by no other agent
        leaked = {i: n for i, n in fresh.items() if i not in others or i in mine}
        if (not stay and not stay_links and not leaked) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    c.check(not stay, "BPF programs the daemon held are still loaded after it exited: %r"
            % stay)
    c.check(not stay_links, "BPF links the daemon held are still there after it exited: %r"
            % stay_links)
    c.check(not leaked, "handle_* BPF programs loaded since the test began are still there "
            "after the daemon exited, held by no process: %r" % leaked)
    ignored = len(fresh) - len(leaked)
    if ignored:
        print("# note: %d handle_* programs of other agents on this host (held by a live "
              "process or pinned by another agent) were ignored" % ignored, flush=True)
    if not mine:
        print("# note: the daemon held no BPF fds in /proc/PID/fdinfo", flush=True)


TESTS = [
    ("two concurrent runner jobs: separate job_ids, files and verdicts; kill-job ends "
     "only its own job; nothing outside a job recorded", t_two_jobs),
    ("metrics endpoint: jobs_total, jobs_active back to 0, kill-job verdicts", t_metrics),
    ("exports: all.jsonl, OTLP/HTTP and the alert webhook carry both jobs", t_exports),
    ("SIGHUP: broken, missing policy and broken config refused, old policy kept; "
     "a valid policy is taken", t_sighup),
    ("job rules narrowed by args and parent_basename: a candidate that does not match all of "
     "its rule is no job and nothing of it is recorded", t_narrowing),
    ("exec_env: the job's exec records carry the configured loader variable only",
     t_exec_env),
    ("daemon --check: 0 for a valid config, 2 with FILE:LINE:COL errors", t_check),
    ("default policy: a GitLab job's tracked-file change (CI_PROJECT_DIR) and its "
     "leftover process are verdicts in its stream", t_integrity),
    ("SIGTERM with a job running: exit 0, detached, report written, runner untouched, "
     "nothing left attached", t_sigterm),
    ("a job already running when the daemon starts is adopted with its processes, and "
     "ends with its root", t_adopt),
]


def setup():
    S["sc"] = P.Scratch("bw-daemon-")
    S["bin"] = sc().mkdir("bin")
    sc().copy_fixture("marker", "bin", "marker")
    sc().copy_fixture("marker", "bin", "evil-tool")
    S["runner"] = sc().write(RUNNER_SH, "bin", "bw-fake-runner")
    os.chmod(S["runner"], 0o755)
    S["otlp"] = D.Receiver(200, b"{}")
    S["hook"] = D.Receiver(200, b"ok", "text/plain")
    S["config_lines"] = config_lines(S["otlp"].url(), S["hook"].url("/hook"))
    S["config"] = write_config(("daemon",), S["config_lines"])
    S["bpffs_before"] = D.bpffs_entries()
    S["progs_before"] = D.bpftool_list("prog")


def remove_job_cgroups(pids):
    """A runner that outlived the daemon (SIGTERM test) may leave its job
    cgroup buildwarden-job-PID behind once killed; rmdir it (only an empty
    cgroup can be removed, so nothing live is touched)."""
    want = {"buildwarden-job-%d" % p for p in pids}
    for dirpath, dirs, _ in os.walk("/sys/fs/cgroup"):
        for name in want.intersection(dirs):
            path = os.path.join(dirpath, name)
            for _ in range(25):
                try:
                    os.rmdir(path)
                    print("# note: removed the leftover job cgroup %s" % path, flush=True)
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)
        if dirpath.count("/") > 6:
            dirs[:] = []


def teardown():
    d = S.get("daemon")
    if d is not None:
        rc = d.stop(10)
        if rc == "killed":
            print("# note: the daemon had to be killed at teardown\n" + "\n".join(
                "#   " + ln for ln in d.tail().splitlines()), flush=True)
    for r in S["runners"]:
        r.kill()
    if S["runners"]:
        remove_job_cgroups([r.pid for r in S["runners"]])
    for k in ("otlp", "hook"):
        if k in S:
            S[k].close()
    if "sc" in S:
        sc().cleanup()


def main():
    skip = T.skip_reason()
    if not skip:
        miss = P.missing_fixtures(["marker"])
        if miss:
            print("1..1")
            print("not ok 1 - %s" % miss)
            return 1
    try:
        if not skip:
            setup()
        return T.tap_run(TESTS, skip)
    finally:
        teardown()


if __name__ == "__main__":
    T.main_guard(main)
