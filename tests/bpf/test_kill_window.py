#!/usr/bin/env python3
"""The userspace kill-process action leaves a window; deny does not
(TAP; needs root and BTF).

One job runs, M times each, alternately:
  bwwindow  a copy of tests/fixtures/marker under a kill-process rule
  bwdenied  a copy of the same fixture under a deny rule (in the kernel)
Each run of the fixture appends its pid to its marker file as the first
thing main() does.

Asserted (guaranteed): every bwwindow exec is judged, exactly once, with
action kill-process, and each of those processes either died of SIGKILL or
had already exited 0 by itself; the shell saw 137 exactly for the killed
ones; bwdenied never wrote its marker (M blocked verdicts, M x 137).
Reported, not asserted (it depends on scheduling): how many bwwindow runs
wrote their marker before the kill landed, as the TAP diagnostic
  # window: N of M runs wrote the marker before the kill
which is what docs/POLICY.md can quote.
"""

import os
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtap as T  # noqa: E402
import bwpolicy as P  # noqa: E402

M = 200
S = {}

JOB_SH = r"""
set -u
i=0
while [ $i -lt %(m)d ]; do
	'%(window)s' '%(marks)s/window' "$i"; echo $? >>'%(status)s/window'
	'%(denied)s' '%(marks)s/denied' "$i"; echo $? >>'%(status)s/denied'
	i=$((i + 1))
done
"""


def setup():
    sc = S["sc"] = P.Scratch("bw-window-")
    kw = dict(m=M, marks=sc.mkdir("marks"), status=sc.mkdir("status"),
              window=sc.copy_fixture("marker", "bin", "bwwindow"),
              denied=sc.copy_fixture("marker", "bin", "bwdenied"))
    S.update(kw)
    script = sc.write(JOB_SH % kw, "job.sh")
    pol = sc.write(P.policy_yaml([
        ("kill-window", "high", "kill-process", ["basename: bwwindow"]),
        ("deny-counterpart", "high", "deny", ["basename: bwdenied"]),
    ]), "policy.yaml")
    S["job"] = P.bw_run(sc, pol, ["sh", script], timeout=80, name="window")


def need():
    if "job" not in S:
        T.fail("setup did not complete: %s" % S.get("setup_error", "?"))
    return S["job"]


def execs_of(job, path):
    return [e for e in job.execs if e.get("exe") == path]


def t_run_ok():
    job = need()
    c = T.Checker()
    c.check(not job.run.timed_out, "timed out: " + job.run.describe())
    c.check(job.run.returncode == 0, "expected exit 0 (the job's), got " + job.run.describe())
    for p in job.stream_problems()[:5]:
        c.check(False, "event stream: " + p)
    s = job.summary or {}
    c.eq(s.get("lost"), 0, "summary.lost")
    c.eq(s.get("job_killed"), False, "summary.job_killed")
    c.done()


def t_every_exec_judged():
    job = need()
    c = T.Checker()
    ex = execs_of(job, S["window"])
    c.eq(len(ex), M, "exec records of bwwindow")
    vs = [v for v in job.verdicts if v.get("rule") == "kill-window"]
    c.eq(len(vs), M, "kill-window verdicts")
    by_id = {}
    for v in vs:
        by_id.setdefault(P.ident(v), []).append(v)
    missing = [P.ident(e) for e in ex if len(by_id.get(P.ident(e), [])) != 1]
    c.check(not missing, "%d bwwindow execs without exactly one verdict, e.g. %r"
            % (len(missing), missing[:3]))
    want = dict(action="kill-process", rule_action="kill-process", mode="enforce",
                blocked=False, exe=S["window"])
    wrong = [v for v in vs if {k: v.get(k) for k in want} != want]
    c.check(not wrong, "%d verdicts differ from %r, e.g. %r"
            % (len(wrong), want, wrong and P.brief(wrong[0])))
    c.done()


def window_outcomes(job):
    """(killed, exited, other) lists of bwwindow exec records by how they ended."""
    killed, exited, other = [], [], []
    for e in execs_of(job, S["window"]):
        x = job.exit_of(e)
        if x and x.get("signal") == 9:
            killed.append(e)
        elif x and x.get("exit_code") == 0 and x.get("signal") is None:
            exited.append(e)
        else:
            other.append((e, x))
    return killed, exited, other


def t_killed_or_exited():
    job = need()
    c = T.Checker()
    killed, exited, other = window_outcomes(job)
    c.check(not other, "%d bwwindow processes neither killed by SIGKILL nor exited 0: %r"
            % (len(other), [(P.brief(e), x) for e, x in other[:3]]))
    st = P.lines_of(os.path.join(S["status"], "window"))
    c.eq(len(st), M, "statuses the shell recorded for bwwindow")
    c.eq(st.count("137"), len(killed), "shell statuses 137 vs processes killed by SIGKILL")
    c.eq(st.count("0"), len(exited), "shell statuses 0 vs processes that exited 0")
    marks = P.lines_of(os.path.join(S["marks"], "window"))
    # A process that exited 0 by itself necessarily wrote its marker first.
    exited_pids = {str(e.get("pid")) for e in exited}
    c.check(exited_pids <= set(marks), "processes that exited 0 without writing a marker: %r"
            % sorted(exited_pids - set(marks))[:5])
    s = job.summary or {}
    c.check(s.get("killed") is not None and s.get("killed") >= len(killed),
            "summary.killed %r < %d processes that died of SIGKILL" % (s.get("killed"),
                                                                        len(killed)))
    c.done()
    S["window_count"] = len(marks)
    S["killed"], S["exited"] = len(killed), len(exited)
    S["kill_errors"] = sum(1 for v in job.verdicts
                           if v.get("rule") == "kill-window" and "kill_error" in v)


def t_deny_counterpart():
    job = need()
    c = T.Checker()
    marks = P.lines_of(os.path.join(S["marks"], "denied"))
    c.check(not marks, "the denied fixture RAN %d of %d times" % (len(marks), M))
    st = P.lines_of(os.path.join(S["status"], "denied"))
    c.check(st == ["137"] * M, "bwdenied: expected %d x 137, got %d: %r"
            % (M, len(st), sorted(set(st))))
    vs = [v for v in job.verdicts if v.get("rule") == "deny-counterpart"]
    c.eq(len(vs), M, "deny-counterpart verdicts")
    c.eq(sum(1 for v in vs if v.get("blocked") is True and v.get("action") == "deny"), M,
         "deny-counterpart verdicts with blocked true, action deny")
    c.eq((job.summary or {}).get("blocked"), M, "summary.blocked")
    c.done()


def t_report():
    need()
    if "window_count" not in S:
        T.fail("the outcome check failed; no window count")
    print("# window: %d of %d runs wrote the marker before the kill"
          % (S["window_count"], M), flush=True)
    print("# (kill-process: %d killed by SIGKILL, %d had already exited 0, %d verdicts "
          "with kill_error; deny: 0 of %d ran)"
          % (S["killed"], S["exited"], S["kill_errors"], M), flush=True)


TESTS = [
    ("run: %d x kill-process fixture + %d x deny fixture, exit 0, clean stream" % (M, M),
     t_run_ok),
    ("every kill-process exec judged exactly once, action kill-process", t_every_exec_judged),
    ("every kill-process target killed by SIGKILL or already exited 0", t_killed_or_exited),
    ("deny counterpart in the same job never wrote its marker", t_deny_counterpart),
    ("report the kill-process window", t_report),
]


def main():
    skip = T.skip_reason()
    if not skip:
        miss = P.missing_fixtures(["marker"])
        if miss:
            print("1..1")
            print("not ok 1 - %s" % miss)
            return 1
        try:
            setup()
        except Exception as e:
            import traceback
            S["setup_error"] = "%s\n%s" % (e, traceback.format_exc())
            S.pop("job", None)
    try:
        return T.tap_run(TESTS, skip)
    finally:
        if "sc" in S:
            S["sc"].cleanup()


if __name__ == "__main__":
    T.main_guard(main)
