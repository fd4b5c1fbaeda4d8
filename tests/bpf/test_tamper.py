#!/usr/bin/env python3
"""Who signalled the agent (docs/SECURITY.md, "Tampering with the agent").

- A job process SIGKILLs `buildwarden run`: the killed run can say
  nothing, but `buildwarden doctor` then reports the sender (pid, exe,
  argv) without clearing it, and the next `run` reports it on stderr and
  as a `tamper` record of its stream (sender pid, start, exe, argv,
  lineage up to the killed agent), then clears it: a third run and doctor
  no longer see it.
- A job process SIGTERMs `run`: the run itself says who (signalfd's pid
  and the kernel's record, exe and argv) before it exits, in its output
  and its stream, and leaves nothing pinned after its clean exit.
- The agent's own parent stopping it is told apart from a job process.
- A flood is bounded: 40 signals keep 16 records, and the count of the
  rest is reported.
- `buildwarden daemon`, SIGKILLed by a process outside any job, is
  reported by the next daemon start, in its log and its JSON-lines export.
- Where BPF LSM is usable, a job process's signal to the agent fails with
  EPERM and is recorded as denied (skipped elsewhere, with the reason).
"""

import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtap as T  # noqa: E402
import bwdaemon as D  # noqa: E402
import bwpolicy as P  # noqa: E402

PIN_DIR = "/sys/fs/bpf/buildwarden-tamper"
PY = os.path.realpath(sys.executable)

# A job process that signals its parent (the agent) after saying who it is.
SENDER = r'''
import os, signal, sys, time
sig = getattr(signal, sys.argv[2])
with open(sys.argv[1], "w") as f:
    f.write("%d %d" % (os.getpid(), os.getppid()))
os.kill(os.getppid(), sig)
time.sleep(1)
'''

FLOOD = r'''
import os, signal, sys, time
signal.signal(signal.SIGHUP, signal.SIG_IGN)
for _ in range(int(sys.argv[1])):
    os.kill(os.getppid(), signal.SIGHUP)
    time.sleep(0.002)
'''

S = {}


def sc():
    return S["sc"]


def tampers(records):
    return [r for r in records if r.get("type") == "tamper"]


def read_pids(path):
    """(the sender's pid, its parent's: the agent)."""
    with open(path) as f:
        pid, ppid = f.read().split()
    return int(pid), int(ppid)


def doctor_tamper():
    """doctor -j's tamper check, and the records human doctor prints in full."""
    h = T.run([T.BUILDWARDEN, "doctor"], timeout=60)
    full = [ln for ln in h.stdout.decode("utf-8", "replace").splitlines()
            if ln.lstrip().startswith("tamper: ")]
    r = T.run([T.BUILDWARDEN, "doctor", "-j"], timeout=60)
    try:
        checks = json.loads(r.stdout)["checks"]
    except (ValueError, KeyError):
        raise T.TestFailure("doctor -j printed no JSON: " + r.describe())
    for c in checks:
        if c["name"] == "tamper":
            return c, full
    raise T.TestFailure("doctor has no 'tamper' check: %r" % [c["name"] for c in checks])


def check_sender(c, rec, pid, argv, what):
    c.eq(rec.get("pid"), pid, what + ": sender pid")
    c.eq(rec.get("exe"), PY, what + ": sender exe")
    c.eq(rec.get("argv"), argv, what + ": sender argv")
    c.check(isinstance(rec.get("start_ns"), int) and rec["start_ns"] > 0,
            what + ": sender start_ns %r" % rec.get("start_ns"))
    c.eq(rec.get("sender"), "job", what + ": sender role")
    c.check(T.TIME_RE.match(rec.get("time", "")), what + ": time %r" % rec.get("time"))


def signalled_run(name, sig):
    """`run` whose build signals the agent with sig (SENDER). Returns the
    run, the sender's argv, its token, the stream's path and the pids of
    the sender and the agent."""
    pidfile = sc().path(name + ".pid")
    token = T.new_token("tamper-" + name)
    argv = [PY, S["sender"], pidfile, sig, token]
    ev = sc().path(name + ".jsonl")
    r = T.run([T.BUILDWARDEN, "run", "--events", ev, "--", *argv], timeout=60, token=token)
    T.kill_token(token)
    if not os.path.exists(pidfile):
        raise T.TestFailure("the sender never ran: " + r.describe())
    sender, agent = read_pids(pidfile)
    return r, argv, token, ev, sender, agent


def t_sigkill_next_run():
    r, argv, token, _, killer, agent = signalled_run("killed", "SIGKILL")
    c = T.Checker()
    c.eq(r.returncode, -signal.SIGKILL, "the killed run's status")
    agent_dir = os.path.join(PIN_DIR, str(agent))
    c.check(os.path.isdir(agent_dir), "records of the dead agent pinned in %s" % agent_dir)

    # doctor reports it, twice: it does not clear.
    for n in (1, 2):
        d, full = doctor_tamper()
        c.eq(d["status"], "warn", "doctor #%d: tamper status" % n)
        for part in ("SIGKILL", "by pid %d " % killer, "exe %s " % PY):
            c.check(part in d["detail"], "doctor #%d: %r in %r" % (n, part, d["detail"]))
        c.check("rm -r" in d["hint"], "doctor says how to clear: %r" % d["hint"])
        mine = [ln for ln in full if "by pid %d " % killer in ln]
        c.check(mine and "argv '%s %s" % (PY, " ".join(argv[1:])) in mine[0],
                "doctor #%d prints the record in full, argv included: %r" % (n, full))

    # The next run reports and clears it.
    ev2 = sc().path("after-kill.jsonl")
    r2 = T.run([T.BUILDWARDEN, "run", "--events", ev2, "--", "/bin/true"], timeout=60)
    c.eq(r2.returncode, 0, "the next run's status")
    err = r2.stderr.decode("utf-8", "replace")
    line = [ln for ln in err.splitlines() if "by pid %d " % killer in ln]
    c.check(line and "SIGKILL" in line[0] and PY in line[0] and token in line[0],
            "the next run names the killer on stderr:\n" + err)
    c.check("the first: before this run: SIGKILL to agent %d by pid %d (job)" % (agent, killer)
            in err, "the next run's report names it:\n" + err)
    recs, problems = T.read_events(ev2)
    c.eq(problems, [], "the next run's stream")
    mine = [t for t in tampers(recs) if t.get("pid") == killer]
    if c.eq(len(mine), 1, "tamper records of the killer in the next run's stream"):
        t = mine[0]
        check_sender(c, t, killer, argv, "tamper record")
        c.eq(t.get("signal"), "SIGKILL", "signal")
        c.eq(t.get("earlier_agent"), True, "earlier_agent")
        c.eq(t.get("result"), "delivered", "result")
        c.eq(t.get("sender_job_id"), 1, "the sender's job in the killed run")
        lin = t.get("lineage") or [{}]
        c.eq(lin[0].get("pid"), t.get("agent_pid"), "lineage starts at the killed agent")
        c.eq(lin[0].get("comm"), "buildwarden", "the killed agent's comm in the lineage")
        c.eq(t.get("agent_pid"), agent, "agent_pid: the killed run")
    c.check(not os.path.exists(agent_dir),
            "%s removed after being reported" % agent_dir)

    # Cleared: reported once only.
    ev3 = sc().path("third.jsonl")
    T.run([T.BUILDWARDEN, "run", "--events", ev3, "--", "/bin/true"], timeout=60)
    recs3, _ = T.read_events(ev3)
    c.eq([t for t in tampers(recs3) if t.get("pid") == killer], [],
         "a third run no longer reports it")
    d, full = doctor_tamper()
    c.check("by pid %d " % killer not in d["detail"] + "".join(full),
            "doctor no longer reports it: %r %r" % (d["detail"], full))
    c.done()


def t_sigterm_own_output():
    r, argv, token, ev, sender, agent = signalled_run("term", "SIGTERM")
    c = T.Checker()
    c.eq(r.returncode, 128 + signal.SIGTERM, "the build got the forwarded SIGTERM")
    err = r.stderr.decode("utf-8", "replace")
    c.check("received SIGTERM from pid %d " % sender in err,
            "the run says who sent SIGTERM (signalfd):\n" + err)
    line = [ln for ln in err.splitlines() if "was sent SIGTERM" in ln]
    c.check(line and "by pid %d " % sender in line[0] and "exe %s " % PY in line[0]
            and token in line[0] and "sender: job" in line[0],
            "the run gives the kernel's record of the sender:\n" + err)
    c.check("1 signal aimed at the agent (tamper records); the first: SIGTERM to agent %d by "
            "pid %d (job) %s" % (agent, sender, PY) in err,
            "the run's end-of-job report counts it:\n" + err)
    recs, problems = T.read_events(ev)
    c.eq(problems, [], "stream problems")
    mine = tampers(recs)
    if c.eq(len(mine), 1, "tamper records in the killed run's own stream"):
        check_sender(c, mine[0], sender, argv, "own tamper record")
        c.eq(mine[0].get("earlier_agent"), False, "earlier_agent")
        c.eq(mine[0].get("signal"), "SIGTERM", "signal")
    if mine:
        c.eq(mine[0].get("agent_pid"), agent, "agent_pid: the run")
    left = os.listdir(PIN_DIR) if os.path.isdir(PIN_DIR) else []
    c.check(str(agent) not in left, "nothing pinned for agent %s after its clean exit: %r"
            % (agent, left))
    c.done()


def t_parent_told_apart():
    ev = sc().path("parent.jsonl")
    token = T.new_token("tamper-parent")
    env = dict(os.environ, **{T.RUN_TOKEN_VAR: token})
    p = subprocess.Popen([T.BUILDWARDEN, "run", "--events", ev, "--", "sleep", "30"],
                         stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, start_new_session=True, env=env)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            recs, _ = T.read_events(ev) if os.path.exists(ev) else ([], [])
            if any(x.get("type") == "exec" for x in recs):
                break
            time.sleep(0.1)
        os.kill(p.pid, signal.SIGTERM)
        _, err = p.communicate(timeout=30)
    finally:
        T.kill_group(p)
        T.kill_token(token)
    c = T.Checker()
    recs, _ = T.read_events(ev)
    mine = tampers(recs)
    if c.eq(len(mine), 1, "tamper records when the parent stops the run"):
        c.eq(mine[0].get("sender"), "parent", "the sender is the agent's parent")
        c.eq(mine[0].get("pid"), os.getpid(), "the parent's pid")
        c.eq(mine[0].get("sender_job_id"), None, "the parent is in no job")
    c.check(b"sender: parent" in err, "stderr says it was the parent:\n" + err.decode())
    c.done()


def t_flood_bounded():
    ev = sc().path("flood.jsonl")
    r = T.run([T.BUILDWARDEN, "run", "--events", ev, "--", PY, "-c", FLOOD, "40"],
              timeout=60)
    c = T.Checker()
    c.eq(r.returncode, 0, "the build ignores the SIGHUPs forwarded to it")
    recs, _ = T.read_events(ev)
    mine = tampers(recs)
    c.eq(len(mine), 16, "records kept (BW_TAMPER_SLOTS)")
    drops = [x for x in recs if x.get("type") == "tamper_dropped"]
    if c.check(drops, "tamper_dropped records in the stream"):
        c.eq(drops[-1].get("sent_total"), 40, "signals counted")
        c.eq(drops[-1].get("not_kept"), 24, "signals not kept")
    c.check(b"24 more signal(s) that were not kept (40 in all)" in r.stderr,
            "stderr counts the overflow:\n" + r.describe())
    c.done()


def daemon_config():
    d = sc().mkdir("daemon")
    sc().mkdir("daemon", "reports")
    return sc().write("\n".join([
        "reports: reports",
        "jobs:",
        "  - name: never",
        "    match: {exe_basename: bw-tamper-never-runs}",
        "export:",
        "  jsonl: {path: all.jsonl}",
    ]) + "\n", "daemon", "daemon.yaml"), d


def t_daemon_restart():
    cfg, ddir = daemon_config()
    d1 = D.Daemon(cfg)
    c = T.Checker()
    try:
        if not d1.wait_for(r"\battached\b", 60):
            raise T.TestFailure("the first daemon did not attach\n" + d1.tail())
        token = T.new_token("tamper-daemon")
        k = subprocess.run([PY, "-c", "import os, sys; os.kill(int(sys.argv[1]), 9)",
                            str(d1.pid), token], timeout=30)
        c.eq(k.returncode, 0, "the killer ran")
        c.eq(d1.wait_exit(10), -signal.SIGKILL, "the first daemon died of SIGKILL")
    finally:
        d1.stop(5)
    d2 = D.Daemon(cfg)
    try:
        got = d2.wait_for(r"agent %d was sent SIGKILL .* by pid (\d+) \(sender: other" % d1.pid,
                          60)
        if c.check(got, "the restarted daemon reports the kill\n" + d2.tail()):
            line = d2.log_since(got[0])[0]
            c.check(token in line and PY in line, "with the killer's exe and argv: " + line)
        c.check(d2.wait_for(r"\battached\b", 60), "the second daemon attached\n" + d2.tail())
    finally:
        rc = d2.stop(10)
    c.eq(rc, 0, "the second daemon stops cleanly")
    recs, _ = T.read_events(os.path.join(ddir, "all.jsonl"))
    mine = [t for t in tampers(recs) if t.get("agent_pid") == d1.pid]
    if c.eq(len(mine), 1, "the kill in the daemon's JSON-lines export"):
        c.eq(mine[0].get("signal"), "SIGKILL", "signal")
        c.eq(mine[0].get("sender"), "other", "sender role")
        c.eq(mine[0].get("argv", [None])[-1], token, "the killer's argv")
    c.check(not os.path.exists(os.path.join(PIN_DIR, str(d1.pid))),
            "the dead daemon's records cleared")
    c.check(not os.path.exists(os.path.join(PIN_DIR, str(d2.pid))),
            "nothing pinned for the daemon stopped cleanly")
    c.done()


def lsm_usable():
    try:
        with open("/sys/kernel/security/lsm") as f:
            lsms = f.read().strip().split(",")
    except OSError as e:
        return "no LSM list (%s)" % e
    if "bpf" not in lsms:
        return "BPF LSM not active (lsm=%s)" % ",".join(lsms)
    return None


def t_lsm_denies():
    why = lsm_usable()
    if why:
        raise T.Skip(why)
    probe = sc().path("lsm-probe.jsonl")
    T.run([T.BUILDWARDEN, "run", "--events", probe, "--", "/bin/true"], timeout=60)
    summ = T.summary_of(T.read_events(probe)[0]) or {}
    if summ.get("deny_hook") != "lsm":
        # Without LSM the job's signal would kill the agent: not tried.
        raise T.Skip("BPF LSM is listed but its programs do not attach here (deny_hook %r)"
                     % summ.get("deny_hook"))
    out = sc().path("lsm.out")
    code = ("import os, signal, sys\n"
            "try:\n    os.kill(os.getppid(), signal.SIGUSR1); r = 'sent'\n"
            "except PermissionError:\n    r = 'EPERM'\n"
            "open(sys.argv[1], 'w').write(r)\n")
    ev = sc().path("lsm.jsonl")
    r = T.run([T.BUILDWARDEN, "run", "--events", ev, "--", PY, "-c", code, out], timeout=60)
    recs, _ = T.read_events(ev)
    c = T.Checker()
    c.eq(r.returncode, 0, "the run survives a job's SIGUSR1")
    c.eq(open(out).read() if os.path.exists(out) else None, "EPERM", "kill() result")
    mine = tampers(recs)
    c.check(mine and mine[0].get("result") == "denied", "recorded as denied: %r" % mine)
    c.done()


TESTS = [
    ("a job SIGKILLs run: doctor reports the sender (pid, exe, argv) and keeps it; the next "
     "run reports it with its lineage in its output and stream, then it is cleared",
     t_sigkill_next_run),
    ("a job SIGTERMs run: the run's own output and stream name the sender", t_sigterm_own_output),
    ("the agent's parent stopping it is told apart from a job process", t_parent_told_apart),
    ("a flood of signals keeps 16 records and counts the rest", t_flood_bounded),
    ("a SIGKILLed daemon is reported by the next daemon start, log and export",
     t_daemon_restart),
    ("BPF LSM: a job's signal to the agent fails with EPERM, recorded as denied", t_lsm_denies),
]


def main():
    skip = T.skip_reason()
    if not skip:
        S["sc"] = P.Scratch("bw-tamper-")
        S["sender"] = sc().write(SENDER, "signal-parent.py")
    try:
        return T.tap_run(TESTS, skip)
    finally:
        if "sc" in S:
            sc().cleanup()


if __name__ == "__main__":
    sys.exit(main())
