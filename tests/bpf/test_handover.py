#!/usr/bin/env python3
"""`buildwarden run` handing its build to a running daemon through the
daemon's run_socket (TAP; needs root and BTF).

One daemon (a job rule nothing matches, run_socket in a scratch directory)
serves every test:

  handed over   the build runs under the daemon's programs: its exit
                status, its stdout, a complete stream (seq 1..n, one
                summary) with the daemon's job id, the JSON report, the
                daemon's "handed over by run" line; the first exec's
                latency after run started is printed, not judged
                (make bench judges speed)
  kill-job      a kill-job rule in run's own policy: exit 124, the block
                on stderr, nothing of the job survives run
  bad policy    a policy with an error: exit 65, FILE:LINE:COL on stderr,
                the command never ran
  policies      runs with different policy texts at one path, the same
                text at two paths, and none (the embedded policy) one
                after another: each judged by its own rules and named by
                its own path (the daemon shares what it compiled)
  signals       SIGTERM to run reaches the build (exit 143)
  standalone    no daemon at the socket, --daemon-socket none, and an option
                only run's own agent honours (--record exec): the build
                runs standalone, and says why when the socket was named
  stop          the daemon's SIGTERM removes the socket

Every process started here is killed in a finally; every wait has a deadline.
"""

import json
import os
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtap as T  # noqa: E402
import bwpolicy as P  # noqa: E402
import bwdaemon as D  # noqa: E402

S = {}
ATTACH_S = 30
HANDED = "handed over to the daemon at"


def sc():
    return S["sc"]


def sock():
    return sc().path("run.sock")


def daemon():
    if "daemon_error" in S:
        raise T.TestFailure("the daemon did not start: " + S["daemon_error"])
    d = S.get("daemon")
    if d is not None:
        if not d.alive():
            raise T.TestFailure("the daemon is no longer running\n" + d.tail())
        return d
    sc().mkdir("reports")
    cfg = sc().write("\n".join([
        "reports: reports",
        "run_socket: run.sock",
        "jobs:",
        "  - name: never",
        "    match: {exe_basename: bw-never-a-runner}",
    ]) + "\n", "daemon.yaml")
    d = D.Daemon(cfg)
    S["daemon"] = d
    if not d.wait_for(r"\battached\b", ATTACH_S) or not d.wait_for(r"handed over at", 2):
        S["daemon_error"] = "no 'attached' and 'handed over at' lines\n" + d.tail()
        d.stop(5)
        raise T.TestFailure(S["daemon_error"])
    return d


def run(args, cmd, timeout=60, name="handover"):
    token = T.new_token(name)
    r = T.run([T.BUILDWARDEN, "run", "-v"] + args + ["--"] + cmd, cwd=sc().dir,
              timeout=timeout, token=token)
    return r, token


def err_of(r):
    return r.stderr.decode("utf-8", "replace")


def events(path):
    records, problems = T.read_events(path)
    return records, problems + T.common_problems(records)


def t_handed_over():
    d = daemon()
    c = T.Checker()
    ev, rep = sc().path("h.jsonl"), sc().path("h.json")
    mark = d.mark()
    t0 = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
    r, token = run(["--daemon-socket", sock(), "--events", ev, "--report", rep],
                   ["sh", "-c", "echo out-of-build; /bin/true handover-step; exit 3"])
    T.kill_token(token)
    c.eq(r.returncode, 3, "run's exit status (the build's)")
    c.check(HANDED in err_of(r), "run did not say it handed the build over:\n" + err_of(r))
    c.check(b"out-of-build" in r.stdout, "the build's stdout: %r" % r.stdout)
    got = d.wait_for(r"job (run-\d+) started: root pid (\d+) handed over by run", 0, since=mark)
    c.check(got, "no 'handed over by run' line in the daemon's log")
    records, problems = events(ev)
    c.eq(problems, [], "stream problems")
    execs = [x for x in records if x.get("type") == "exec"]
    steps = [x for x in execs if (x.get("argv") or [])[-1:] == ["handover-step"]]
    c.eq(len(steps), 1, "exec records of /bin/true handover-step")
    if got and execs:
        c.eq(execs[0].get("pid"), int(got[1].group(2)), "the first exec's pid (the root's)")
        first_ms = (execs[0].get("ktime_ns", 0) - t0) / 1e6
        print("# first exec %.1f ms after run started (handed over)" % first_ms)
    s = T.summary_of(records) or {}
    c.eq(s.get("exit_status"), 3, "summary.exit_status")
    c.eq((s.get("job") or {}).get("rule"), "run", "summary.job.rule")
    try:
        with open(rep) as f:
            c.eq(json.load(f).get("exit_status"), 3, "the JSON report's exit_status")
    except (OSError, ValueError) as e:
        c.check(False, "no JSON report %s: %s" % (rep, e))
    D.done(c, d, err_of(r))


def t_kill_job():
    d = daemon()
    c = T.Checker()
    trig = sc().copy_fixture("marker", "kill", "bwhandtrigger")
    pol = sc().write(P.policy_yaml([("stop-handed", "critical", "kill-job",
                                     ["basename: bwhandtrigger"])]), "kill", "p.yaml")
    ev = sc().path("kill", "e.jsonl")
    r, token = run(["--daemon-socket", sock(), "--policy", pol, "--events", ev],
                   ["sh", "-c", '(setsid sleep 37.5 </dev/null >/dev/null 2>&1 &); '
                    '"$0" "$1"; sleep 30; echo survived', trig, sc().path("kill", "m")])
    left = T.live_procs_with_token(token)
    T.kill_token(token)
    err = err_of(r)
    c.eq(r.returncode, 124, "run's exit status after kill-job")
    c.check(HANDED in err, "not handed over:\n" + err)
    c.check("==== buildwarden terminated this job ====" in err and "stop-handed" in err,
            "no block naming the rule on stderr:\n" + err[-2000:])
    c.check(b"survived" not in r.stdout, "the shell went on after kill-job")
    c.eq(left, [], "job processes alive right after run exited")
    records, problems = events(ev)
    c.eq(problems, [], "stream problems")
    c.eq((T.summary_of(records) or {}).get("job_killed"), True, "summary.job_killed")
    D.done(c, d)


def t_bad_policy():
    d = daemon()
    c = T.Checker()
    pol = sc().write("version: 1\nmode: enforce\nrules:\n  - name: x\n    severity: high\n"
                     "    action: explode\n    match: {basename: sh}\n", "bad", "p.yaml")
    flag = sc().path("bad", "ran")
    r, _ = run(["--daemon-socket", sock(), "--policy", pol], ["touch", flag])
    err = err_of(r)
    c.eq(r.returncode, 65, "run's exit status for an invalid policy")
    c.check("p.yaml:6:" in err and "explode" in err,
            "no FILE:LINE:COL error naming 'explode':\n" + err)
    c.check(not os.path.exists(flag), "the command ran")
    D.done(c, d)


def policy_run(pol, tag):
    """A handed-over run of /bin/true under pol (None: the embedded policy):
    its verdicts' rule names and its summary's policy."""
    ev = sc().path("pols", tag + ".jsonl")
    args = ["--daemon-socket", sock(), "--events", ev] + (["--policy", pol] if pol else [])
    r, token = run(args, ["/bin/true", tag])
    T.kill_token(token)
    if r.returncode != 0 or HANDED not in err_of(r):
        raise T.TestFailure("run %s: exit %s, not handed over?\n%s"
                            % (tag, r.returncode, err_of(r)))
    records, _ = events(ev)
    rules = sorted({x.get("rule") for x in records if x.get("type") == "verdict"})
    return rules, (T.summary_of(records) or {}).get("policy")


def t_policies():
    d = daemon()
    c = T.Checker()

    def text(rule):
        return P.policy_yaml([(rule, "low", "alert", ["basename: true"])])

    pol = sc().write(text("first-rule"), "pols", "p.yaml")
    c.eq(policy_run(pol, "a1"), (["first-rule"], pol), "the first policy text")
    sc().write(text("second-rule"), "pols", "p.yaml")
    c.eq(policy_run(pol, "b1"), (["second-rule"], pol), "another text at the same path")
    sc().write(text("first-rule"), "pols", "p.yaml")
    c.eq(policy_run(pol, "a2"), (["first-rule"], pol), "the first text again")
    other = sc().write(text("first-rule"), "pols", "q.yaml")
    c.eq(policy_run(other, "a3"), (["first-rule"], other), "the same text at another path")
    rules, name = policy_run(None, "embedded")
    c.eq([x for x in rules if x.endswith("-rule")], [], "the embedded policy's verdicts")
    c.check(name and name != pol and name != other, "summary.policy of the embedded run: %r"
            % (name,))
    c.eq(policy_run(pol, "a4"), (["first-rule"], pol), "the first text after the embedded")
    D.done(c, d)


def t_signals():
    d = daemon()
    c = T.Checker()
    token = T.new_token("handover-sig")
    env = dict(os.environ, **{T.RUN_TOKEN_VAR: token})
    p = subprocess.Popen([T.BUILDWARDEN, "run", "-v", "--daemon-socket", sock(), "--",
                          "sleep", "20"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True, env=env)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(T.live_procs_with_token(token)) < 2:
            time.sleep(0.05)
        time.sleep(0.2)
        p.send_signal(signal.SIGTERM)
        out, err = p.communicate(timeout=15)
        c.eq(p.returncode, 143, "run's exit status after SIGTERM (the build's: 128+15)")
        c.check(HANDED.encode() in err, "not handed over:\n%s" % err.decode())
    except subprocess.TimeoutExpired:
        c.check(False, "run did not end within 15 s of SIGTERM")
    finally:
        T.kill_group(p)
        T.kill_token(token)
    D.done(c, d)


def t_standalone():
    d = daemon()
    c = T.Checker()
    cases = [
        (["--daemon-socket", sc().path("nobody.sock")], "cannot reach the daemon"),
        (["--daemon-socket", "none"], None),
        (["--daemon-socket", sock(), "--record", "exec"], "needs an agent of our own"),
    ]
    for i, (args, said) in enumerate(cases):
        ev = sc().path("alone-%d.jsonl" % i)
        r, token = run(args + ["--events", ev], ["/bin/true", "alone-%d" % i])
        T.kill_token(token)
        err = err_of(r)
        what = " ".join(args)
        c.eq(r.returncode, 0, "%s: exit status" % what)
        c.check(HANDED not in err, "%s: handed over all the same" % what)
        c.check("watching with" in err, "%s: did not run standalone:\n%s" % (what, err))
        if said:
            c.check(said in err and "standalone" in err, "%s: does not say '%s':\n%s"
                    % (what, said, err))
        records, problems = events(ev)
        c.eq(problems, [], "%s: stream problems" % what)
        c.check(any((x.get("argv") or [])[-1:] == ["alone-%d" % i] for x in records
                    if x.get("type") == "exec"), "%s: the exec is not recorded" % what)
    D.done(c, d)


def t_stop():
    d = daemon()
    c = T.Checker()
    c.check(os.path.exists(sock()), "no socket at %s while the daemon runs" % sock())
    c.eq(d.stop(10), 0, "the daemon's exit status after SIGTERM")
    c.check(not os.path.exists(sock()), "the socket %s outlived the daemon" % sock())
    D.done(c, d)


TESTS = [
    ("handed over: the build's status and output, a complete stream, the report", t_handed_over),
    ("kill-job in a handed-over build: exit 124, the block, nothing survives", t_kill_job),
    ("an invalid policy: exit 65 with FILE:LINE:COL, nothing runs", t_bad_policy),
    ("policies: each run judged by its own text and named by its path", t_policies),
    ("SIGTERM to run reaches the handed-over build", t_signals),
    ("standalone when no daemon answers, when asked, and for options of our own", t_standalone),
    ("the daemon's stop removes its run socket", t_stop),
]


def main():
    skip = T.skip_reason()
    if not skip:
        miss = P.missing_fixtures(["marker"])
        if miss:
            print("1..1")
            print("not ok 1 - %s" % miss)
            return 1
        S["sc"] = P.Scratch("bw-handover-")
    try:
        return T.tap_run(TESTS, skip)
    finally:
        if S.get("daemon"):
            S["daemon"].stop(5)
        if "sc" in S:
            S["sc"].cleanup()


if __name__ == "__main__":
    sys.exit(T.main_guard(main))
