#!/usr/bin/env python3
"""Every policy action does what it says (TAP; needs
root and BTF).

  log           verdict recorded, the process runs, the build's status kept
  alert         verdict with action alert and a stderr line naming the rule
  kill-process  a matched long-running process (sleep) dies of SIGKILL, the
                rest of the build goes on and its status is passed on
  kill-job      a job with a daemonised grandchild (setsid, reparented away
                from the job): run exits 124, prints the block (rule,
                severity, command, ancestry) and nothing of the job survives
  audit         the same kill-job policy in mode audit: the build's own
                status, an alert verdict, the daemon lives on
  ancestors     a rule "true whose ancestors include make" matches true run
                by make, and not true run without make

Fixtures: copies of tests/fixtures/marker (appends its pid to the file given
as argv[1]) under the names the rules match.
"""

import os
import re
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtap as T  # noqa: E402
import bwpolicy as P  # noqa: E402

S = {}
DAEMON_SLEEP = "3.37"   # unique duration: the daemon's sleep, found by argv
TRUE_REAL = os.path.realpath("/bin/true")


def sc():
    return S["sc"]


def check_run(c, job, want_exit):
    c.check(not job.run.timed_out, "buildwarden run timed out: " + job.run.describe())
    c.check(job.run.returncode == want_exit, "expected exit %d, got %s"
            % (want_exit, job.run.describe()))
    for p in job.stream_problems()[:5]:
        c.check(False, "event stream: " + p)
    c.eq((job.summary or {}).get("exit_status"), want_exit, "summary.exit_status")


def one_verdict(c, job, rule):
    vs = [v for v in job.verdicts if v.get("rule") == rule]
    if c.eq(len(vs), 1, "verdicts of rule %s (all: %r)" % (
            rule, [P.brief(v) for v in job.verdicts][:5])):
        return vs[0]
    return {}


def t_log():
    prog = sc().copy_fixture("marker", "log", "bwlog")
    mark = sc().path("log", "mark")
    pol = sc().write(P.policy_yaml([("log-it", "low", "log", ["basename: bwlog"])]),
                     "log", "p.yaml")
    job = P.bw_run(sc(), pol, ["sh", "-c", '"$0" "$1"; echo "st=$?"; exit 3', prog, mark])
    c = T.Checker()
    check_run(c, job, 3)
    v = one_verdict(c, job, "log-it")
    want = dict(action="log", rule_action="log", blocked=False, severity="low", exe=prog,
                argv=[prog, mark])
    c.eq({k: v.get(k) for k in want}, want, "log verdict fields")
    c.eq(len(P.lines_of(mark)), 1, "marker lines (the process ran)")
    c.check("st=0" in job.stdout, "the shell did not see status 0: %r" % job.stdout)
    ex = [e for e in job.execs if e.get("exe") == prog]
    if c.eq(len(ex), 1, "exec records of bwlog"):
        x = job.exit_of(ex[0]) or {}
        c.eq((x.get("exit_code"), x.get("signal")), (0, None), "bwlog exit")
    c.eq((job.summary or {}).get("verdicts"), 1, "summary.verdicts")
    c.eq((job.summary or {}).get("killed"), 0, "summary.killed")
    c.done()


def t_alert():
    prog = sc().copy_fixture("marker", "alert", "bwalert")
    mark = sc().path("alert", "mark")
    pol = sc().write(P.policy_yaml([("alert-it", "medium", "alert", ["basename: bwalert"])]),
                     "alert", "p.yaml")
    job = P.bw_run(sc(), pol, ["sh", "-c", '"$0" "$1"; echo "st=$?"; exit 4', prog, mark])
    c = T.Checker()
    check_run(c, job, 4)
    v = one_verdict(c, job, "alert-it")
    want = dict(action="alert", rule_action="alert", blocked=False, severity="medium",
                mode="enforce", exe=prog)
    c.eq({k: v.get(k) for k in want}, want, "alert verdict fields")
    c.eq(len(P.lines_of(mark)), 1, "marker lines (the process ran)")
    c.check("st=0" in job.stdout, "the shell did not see status 0: %r" % job.stdout)
    lines = [ln for ln in job.stderr.splitlines() if "alert-it" in ln]
    c.check(lines, "no stderr line names the rule alert-it:\n" + job.stderr[-2000:])
    c.check(any("alert" in ln.replace("alert-it", "") for ln in lines),
            "the stderr line does not say alert: %r" % lines)
    c.check(any(prog in ln for ln in lines), "the stderr line does not show the command: %r"
            % lines)
    c.eq((job.summary or {}).get("killed"), 0, "summary.killed")
    c.done()


def t_kill_process():
    mark = sc().path("killp", "after")
    sc().mkdir("killp")
    pol = sc().write(P.policy_yaml([("kill-long-sleep", "high", "kill-process",
                                     ["basename: sleep", "arg1: '29.5'"])]), "killp", "p.yaml")
    script = ('sleep 29.5; echo "sleep=$?"; sleep 0.01; /bin/true after-sleep; '
              'echo continued >"$0"; exit 5')
    job = P.bw_run(sc(), pol, ["sh", "-c", script, mark], timeout=40)
    c = T.Checker()
    check_run(c, job, 5)
    c.check(job.run.elapsed < 15, "the sleep was not killed promptly: run took %.1fs"
            % job.run.elapsed)
    c.check("sleep=137" in job.stdout, "the shell should see 137 for sleep: %r" % job.stdout)
    c.eq(P.lines_of(mark), ["continued"], "the build went on after the kill")
    v = one_verdict(c, job, "kill-long-sleep")
    want = dict(action="kill-process", rule_action="kill-process", blocked=False,
                argv=["sleep", "29.5"])
    c.eq({k: v.get(k) for k in want}, want, "kill-process verdict fields")
    c.check("kill_error" not in v, "kill failed: %r" % v.get("kill_error"))
    sl = [e for e in job.execs if (e.get("argv") or [])[:2] == ["sleep", "29.5"]]
    if c.eq(len(sl), 1, "exec records of sleep 29.5"):
        x = job.exit_of(sl[0]) or {}
        c.eq(x.get("signal"), 9, "sleep's exit signal")
    after = [e for e in job.execs if e.get("argv") == ["/bin/true", "after-sleep"]]
    c.eq(len(after), 1, "exec of the command after the killed one")
    s = job.summary or {}
    c.eq(s.get("killed"), 1, "summary.killed")
    c.eq(s.get("job_killed"), False, "summary.job_killed")
    c.done()


def daemon_cmd(trigger, tmark, dmark, tail):
    """sh -c: a daemonised grandchild (a subshell starts setsid sh in the
    background and exits, so the daemon is reparented; its stdio is
    /dev/null like a real daemon's, so run() does not wait for it), then
    the trigger, then TAIL."""
    return ["sh", "-c",
            '(setsid sh -c "sleep %s; touch \\"\\$0\\"" "$2" </dev/null >/dev/null 2>&1 &); '
            'sleep 1; "$0" "$1"; %s'
            % (DAEMON_SLEEP, tail), trigger, tmark, dmark]


def daemon_pids():
    """Live processes running 'sleep DAEMON_SLEEP' (ours only: the duration
    is unique to this test)."""
    r = subprocess.run(["pgrep", "-x", "-f", "sleep %s" % DAEMON_SLEEP],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return [int(x) for x in r.stdout.split()]


def kill_job_policy(mode):
    return sc().write(P.policy_yaml([("stop-on-trigger", "critical", "kill-job",
                                      ["basename: bwtrigger"])], mode),
                      "killjob-" + mode, "p.yaml")


def t_kill_job_daemon():
    d = sc().mkdir("killjob")
    trig = sc().copy_fixture("marker", "killjob", "bwtrigger")
    tmark, dmark = os.path.join(d, "trigger.mark"), os.path.join(d, "daemon.mark")
    pol = kill_job_policy("enforce")
    t0 = time.monotonic()
    job = P.bw_run(sc(), pol, daemon_cmd(trig, tmark, dmark, "sleep 5; echo survived"),
                   timeout=30, keep_token=True, name="killjob")
    left_now = T.live_procs_with_token(job.token)
    daemons_now = daemon_pids()
    c = T.Checker()
    try:
        check_run(c, job, 124)
        c.check(job.run.elapsed < 4.5, "the job was not terminated promptly (%.1fs)"
                % job.run.elapsed)
        c.check("survived" not in job.stdout, "the shell went on after kill-job: %r"
                % job.stdout)
        c.check(not left_now, "job processes alive right after run exited: %r" % left_now)
        c.check(not daemons_now, "'sleep %s' alive right after run exited: %r"
                % (DAEMON_SLEEP, daemons_now))
        v = one_verdict(c, job, "stop-on-trigger")
        want = dict(action="kill-job", rule_action="kill-job", blocked=False,
                    severity="critical", exe=trig, argv=[trig, tmark])
        c.eq({k: v.get(k) for k in want}, want, "kill-job verdict fields")
        anc = v.get("ancestry") or []
        root = job.root_exec() or {}
        c.check(anc and P.ident(anc[0]) == P.ident(root),
                "verdict ancestry does not start at the job root: %r" % anc)
        s = job.summary or {}
        c.eq(s.get("job_killed"), True, "summary.job_killed")
        # The daemon really was one: setsid'd and reparented out of the job's tree.
        ds = [e for e in job.execs if (e.get("argv") or [])[:2] == ["sleep", DAEMON_SLEEP]]
        if c.eq(len(ds), 1, "exec records of the daemon's sleep"):
            x = job.exit_of(ds[0]) or {}
            c.eq(x.get("signal"), 9, "the daemon's sleep exit signal")
        dsh = [e for e in job.execs if (e.get("argv") or [])[:2] == ["sh", "-c"]
               and (e.get("argv") + [""])[2].startswith("sleep %s;" % DAEMON_SLEEP)]
        if c.eq(len(dsh), 1, "exec records of the daemon's shell"):
            forks = [f for f in job.forks if P.ident(f) == P.ident(dsh[0])]
            x = job.exit_of(dsh[0]) or {}
            if c.eq(len(forks), 1, "fork records of the daemon's shell"):
                c.check(x.get("ppid") not in (None, forks[0].get("parent_pid")),
                        "the daemon was not reparented (exit ppid %r, forked by %r): "
                        "the test did not make a daemon" % (x.get("ppid"),
                                                            forks[0].get("parent_pid")))
            c.eq(x.get("signal"), 9, "the daemon's shell exit signal")
        # The block on stderr.
        err = job.stderr
        blk = re.search(r"==== buildwarden terminated this job ====\n(.*?)\n=+\n", err, re.S)
        if c.check(blk, "no 'terminated this job' block on stderr:\n" + err[-2500:]):
            b = blk.group(1)
            c.check(re.search(r"^rule:\s+stop-on-trigger\b.*critical", b, re.M),
                    "block lacks rule and severity:\n" + b)
            c.check(re.search(r"^command:\s+%s %s\s*$" % (re.escape(trig), re.escape(tmark)),
                              b, re.M), "block lacks the command line:\n" + b)
            c.check("ancestry:" in b, "block lacks the ancestry:\n" + b)
            c.check(str(root.get("pid")) in b and "sh -c" in b,
                    "block's ancestry lacks the job root %r:\n%s" % (root.get("pid"), b))
            c.check(str(v.get("pid")) in b, "block's ancestry lacks the offender:\n" + b)
        # Past the daemon's own time: it never wrote, nothing came back.
        wait = float(DAEMON_SLEEP) + 0.8 - (time.monotonic() - t0)
        if wait > 0:
            time.sleep(wait)
        c.check(not os.path.exists(dmark), "the daemonised grandchild survived and wrote %s"
                % dmark)
        left = T.live_procs_with_token(job.token)
        c.check(not left, "job processes alive %.1fs later: %r" % (
            time.monotonic() - t0, left))
        c.check(not daemon_pids(), "'sleep %s' alive later" % DAEMON_SLEEP)
    finally:
        T.kill_token(job.token)
    c.done()


def t_audit_kill_job():
    d = sc().mkdir("killjob-audit")
    trig = sc().copy_fixture("marker", "killjob-audit", "bwtrigger")
    tmark, dmark = os.path.join(d, "trigger.mark"), os.path.join(d, "daemon.mark")
    pol = kill_job_policy("audit")
    job = P.bw_run(sc(), pol, daemon_cmd(trig, tmark, dmark, "exit 6"),
                   timeout=30, keep_token=True, name="killjob-audit")
    try:
        alive = T.live_procs_with_token(job.token)
        daemons = daemon_pids()
        c = T.Checker()
        check_run(c, job, 6)
        v = one_verdict(c, job, "stop-on-trigger")
        want = dict(action="alert", rule_action="kill-job", mode="audit", blocked=False)
        c.eq({k: v.get(k) for k in want}, want, "audit verdict fields")
        c.eq(len(P.lines_of(tmark)), 1, "the trigger ran (marker lines)")
        c.check(alive, "audit: the daemon should survive, no job process is alive")
        c.check(daemons, "audit: 'sleep %s' should still run" % DAEMON_SLEEP)
        s = job.summary or {}
        c.eq(s.get("job_killed"), False, "summary.job_killed")
        c.eq(s.get("killed"), 0, "summary.killed")
        c.check((s.get("still_running") or 0) >= 1, "summary.still_running %r, expected >= 1"
                % s.get("still_running"))
        c.check("terminated this job" not in job.stderr,
                "audit mode printed the termination block:\n" + job.stderr[-1500:])
    finally:
        T.kill_token(job.token)
    left = []
    for _ in range(50):
        left = T.live_procs_with_token(job.token)
        if not left:
            break
        time.sleep(0.02)
    c.check(not left, "could not clean up the audit daemon: %r" % left)
    remove_job_cgroup(job)
    c.done()


def remove_job_cgroup(job):
    """A job whose daemon outlives `run` keeps its job cgroup busy, so run
    cannot remove it and, once the daemon is gone, an empty
    buildwarden-job-PID directory stays behind. Remove ours (rmdir only
    succeeds on an empty cgroup) and say so."""
    root = (job.root_exec() or {}).get("pid")
    if not root:
        return
    for base in ("/sys/fs/cgroup", "/sys/fs/cgroup/unified"):
        for dirpath, dirs, _ in os.walk(base):
            if "buildwarden-job-%d" % root in dirs:
                d = os.path.join(dirpath, "buildwarden-job-%d" % root)
                for _ in range(50):
                    try:
                        os.rmdir(d)
                        print("# note: run left the job cgroup %s behind (its daemon "
                              "outlived run); removed it" % d, flush=True)
                        break
                    except FileNotFoundError:
                        break
                    except OSError:
                        time.sleep(0.02)
            if dirpath.count("/") > 6:
                dirs[:] = []


def t_ancestor_make():
    d = sc().mkdir("anc")
    mk = sc().write("all:\n\t/bin/true bw-under-make\n", "anc", "Makefile")
    pol = sc().write(P.policy_yaml([("true-under-make", "medium", "alert", [
        "basename: true", "ancestor: {basename: make}"])]), "anc", "p.yaml")
    c = T.Checker()
    job = P.bw_run(sc(), pol, ["make", "-s", "-f", mk], cwd=d)
    check_run(c, job, 0)
    ran = [e for e in job.execs if (e.get("argv") or [])[1:] == ["bw-under-make"]]
    c.eq(len(ran), 1, "exec records of true under make")
    v = one_verdict(c, job, "true-under-make")
    c.eq((v.get("exe"), v.get("argv"), v.get("action")),
         (TRUE_REAL, ["/bin/true", "bw-under-make"], "alert"), "verdict exe/argv/action")
    names = [os.path.basename(a.get("exe") or "") for a in v.get("ancestry") or []]
    c.check("make" in names, "verdict ancestry has no make: %r" % names)

    job2 = P.bw_run(sc(), pol, ["sh", "-c", "/bin/true bw-no-make; /bin/true again"], cwd=d)
    check_run(c, job2, 0)
    ran2 = [e for e in job2.execs if e.get("exe") == TRUE_REAL]
    c.eq(len(ran2), 2, "exec records of true without make")
    c.eq(len(job2.verdicts), 0, "verdicts for true without make: %r"
         % [P.brief(x) for x in job2.verdicts][:3])
    c.done()


TESTS = [
    ("log: verdict recorded, process runs, build status passed on", t_log),
    ("alert: verdict action alert, stderr line names the rule", t_alert),
    ("kill-process: matched sleep dies of SIGKILL, build continues, status kept",
     t_kill_process),
    ("kill-job with a setsid'd daemonised grandchild: exit 124, block on stderr, "
     "nothing survives", t_kill_job_daemon),
    ("kill-job in mode audit: build's own status, alert verdict, daemon lives on",
     t_audit_kill_job),
    ("ancestor basename make: true under make matches, true without make does not",
     t_ancestor_make),
]


def main():
    skip = T.skip_reason()
    if not skip:
        miss = P.missing_fixtures(["marker"])
        if miss:
            print("1..1")
            print("not ok 1 - %s" % miss)
            return 1
        S["sc"] = P.Scratch("bw-actions-")
    try:
        return T.tap_run(TESTS, skip)
    finally:
        if "sc" in S:
            S["sc"].cleanup()
        for pid in daemon_pids():
            try:
                os.kill(pid, 9)
            except ProcessLookupError:
                pass


if __name__ == "__main__":
    T.main_guard(main)
