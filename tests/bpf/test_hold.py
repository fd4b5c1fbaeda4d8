#!/usr/bin/env python3
"""Execs held for their verdict: a kill-process rule stops a hinted exec
before its first instruction (TAP; needs root and BTF).

Where an enforcing policy kills from userspace at exec, the kernel stops
(SIGSTOP) an exec that shows a hint (bpf/hooks/bw_hold.bpf.h): argv[0]
that is not the started file's name, LD_PRELOAD/LD_AUDIT, a deceptive
path component, an IP socket on stdio. The agent judges the record, then
kills or resumes it. One job runs each case M times with copies of
tests/fixtures/marker, whose first action is to append to its marker file:

  masq     exec -a sshd bwmasq      rule: name_mismatch + basename bwmasq
  preload  LD_PRELOAD=... bwpre     rule: env LD_PRELOAD
  decept   .../.../bwdecept         rule: exe regex on "/.../"
  sock     bwsock <>/dev/tcp/...    rule: stdio socket + basename bwsock
  inline   python3bw -c CODE        rule: basename python3bw + arg1 -c
  loader   ld.so bwlded             rule: basename bwlded (the program the
                                    dynamic loader runs is the exec's)
  interp   python3bw FILE           an interpreter without an option: never held
  allowed  exec -a other bwok       hinted (name) but no rule: resumed
  plain    bwplain                  no hint: never held

Asserted: every killed case is held with its hint, judged kill-process M
times, exits 137 M times and never writes its marker; the allowed case is
held and runs to exit 0 M times; the plain case is never held. The same
job under the policy in audit mode holds nothing.

A third run keeps only the rules that name their programs by basename
and judge nothing that comes after the exec (masq, inline, loader; sock's
stdio is judged again on later records): the kernel then knows every exe a
kill rule can match (hook_config.exec_wake_keys), and holds only the
execs of those, and every exec of the dynamic loader (the program it runs
is the exe userspace judges). Asserted: those three are still held and killed M times of
M, and the hinted execs no rule can match (allowed, preload, decept, and
sock, whose rule is gone) are not held and run to exit 0. A fileless
exec (bwplain's bytes from a memfd, started as "sshd") is held under
both enforcing policies: userspace sees its exe as "/memfd:NAME
(deleted)", which no key of a path is.
"""

import os
import socket
import sys
import threading

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtap as T  # noqa: E402
import bwpolicy as P  # noqa: E402

M = 30
S = {}

JOB_SH = r"""
set -u
i=0
while [ $i -lt %(m)d ]; do
	(exec -a sshd '%(masq)s' '%(marks)s/masq' "$i"); echo $? >>'%(status)s/masq'
	LD_PRELOAD=/nonexistent/bwinject.so '%(pre)s' '%(marks)s/preload' "$i" 2>/dev/null
	echo $? >>'%(status)s/preload'
	'%(decept)s' '%(marks)s/decept' "$i"; echo $? >>'%(status)s/decept'
	'%(sock)s' '%(marks)s/sock' "$i" <>/dev/tcp/127.0.0.1/%(port)d; echo $? >>'%(status)s/sock'
	BW_MARKER='%(marks)s/inline' '%(py)s' -c 'exec(1)' "$i"; echo $? >>'%(status)s/inline'
	'%(py)s' '%(marks)s/interp' "$i"; echo $? >>'%(status)s/interp'
	'%(ldso)s' '%(lded)s' '%(marks)s/loader' "$i"; echo $? >>'%(status)s/loader'
	(exec -a other '%(ok)s' '%(marks)s/allowed' "$i"); echo $? >>'%(status)s/allowed'
	'%(plain)s' '%(marks)s/plain' "$i"; echo $? >>'%(status)s/plain'
	/usr/bin/python3 -c '%(memfd_py)s' '%(plain)s' '%(marks)s/memfd' "$i"
	echo $? >>'%(status)s/memfd'
	i=$((i + 1))
done
"""

RULES = [
    ("masq", "high", "kill-process", ["name_mismatch: true", "basename: bwmasq"]),
    ("preload", "high", "kill-process", ["env: {regex: '^LD_PRELOAD=.*bwinject'}"]),
    ("decept", "high", "kill-process", ["exe: {regex: '/[.][.][.]/'}"]),
    ("sock", "high", "kill-process", ["stdio: socket", "basename: bwsock"]),
    ("inline", "high", "kill-process", ["basename: python3bw", "arg1: -c"]),
    ("loader", "high", "kill-process", ["basename: bwlded"]),
]
# bwplain's bytes exec'd from a memfd as "sshd": fileless, with a name hint.
MEMFD_PY = ("import os,sys; fd=os.memfd_create(\"bwmem\"); "
            "os.write(fd, open(sys.argv[1], \"rb\").read()); "
            "os.execv(\"/proc/self/fd/%d\" % fd, [\"sshd\"] + sys.argv[2:])")

# Every kill rule names its programs (basename): execs of others are not held.
KEYED = ("masq", "inline", "loader")
RULES_KEYED = [r for r in RULES if r[0] in KEYED]
# The dynamic loader of this machine's programs: its path, its file's name.
LDSO = {"x86_64": "/lib64/ld-linux-x86-64.so.2",
        "aarch64": "/lib/ld-linux-aarch64.so.1"}.get(os.uname().machine, "/nonexistent/ld.so")
# case -> (program basename, hint in the exec record's "held")
KILLED = {"masq": ("bwmasq", "name"), "preload": ("bwpre", "loader"),
          "decept": ("bwdecept", "path"), "sock": ("bwsock", "socket"),
          "inline": ("python3bw", "inline"),
          "loader": (os.path.basename(os.path.realpath(LDSO)), "name")}


def listener():
    """A TCP server on loopback that accepts and holds every connection."""
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    conns = []

    def serve():
        while True:
            try:
                c, _ = srv.accept()
            except OSError:
                return
            conns.append(c)
    threading.Thread(target=serve, daemon=True).start()
    return srv, conns


def run_job(mode, rules=RULES, name=None):
    sc = S["sc"]
    name = name or mode
    pol = sc.write(P.policy_yaml(rules, mode=mode), "policy-%s.yaml" % name)
    kw = dict(S["kw"], marks=sc.mkdir(name, "marks"), status=sc.mkdir(name, "status"))
    script = sc.write(JOB_SH % kw, "job-%s.sh" % name)
    job = P.bw_run(sc, pol, ["bash", script], timeout=120, name="hold-" + name)
    job.marks, job.status = kw["marks"], kw["status"]
    return job


def setup():
    sc = S["sc"] = P.Scratch("bw-hold-")
    srv, conns = listener()
    S["srv"] = srv
    S["kw"] = dict(m=M, port=srv.getsockname()[1], memfd_py=MEMFD_PY,
                   masq=sc.copy_fixture("marker", "bin", "bwmasq"),
                   pre=sc.copy_fixture("marker", "bin", "bwpre"),
                   decept=sc.copy_fixture("marker", "...", "bwdecept"),
                   sock=sc.copy_fixture("marker", "bin", "bwsock"),
                   ok=sc.copy_fixture("marker", "bin", "bwok"),
                   plain=sc.copy_fixture("marker", "bin", "bwplain"),
                   py=sc.copy_fixture("marker", "bin", "python3bw"),
                   ldso=LDSO, lded=sc.copy_fixture("marker", "bin", "bwlded"))
    S["enforce"] = run_job("enforce")
    S["audit"] = run_job("audit")
    S["keyed"] = run_job("enforce", RULES_KEYED, "keyed")


def need(mode):
    if mode not in S:
        T.fail("setup did not complete: %s" % S.get("setup_error", "?"))
    return S[mode]


def lines(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return f.read().split()


def execs_named(job, base):
    """Exec records of base; python3bw's of the inline case only."""
    return [e for e in job.execs if os.path.basename(e.get("exe") or "") == base and
            (base != "python3bw" or (e.get("argv") or [None, None])[1:2] == ["-c"])]


def t_run_ok():
    c = T.Checker()
    for mode in ("enforce", "audit", "keyed"):
        job = need(mode)
        c.check(not job.run.timed_out, "%s: timed out (a held exec never resumed?): %s"
                % (mode, job.run.describe()))
        c.check(job.run.returncode == 0, "%s: expected exit 0, got %s"
                % (mode, job.run.describe()))
        for p in job.stream_problems()[:5]:
            c.check(False, "%s: event stream: %s" % (mode, p))
        c.eq((job.summary or {}).get("lost"), 0, "%s: summary.lost" % mode)
    c.done()


def t_killed(case, mode="enforce"):
    job = need(mode)
    base, hint = KILLED[case]
    c = T.Checker()
    ex = execs_named(job, base)
    c.eq(len(ex), M, "%s exec records" % base)
    bad = [e.get("held") for e in ex if hint not in (e.get("held") or [])]
    c.check(not bad, "%d of the %s execs not held for '%s': held=%r"
            % (len(bad), base, hint, bad[:3]))
    vs = [v for v in job.verdicts if v.get("rule") == case]
    c.eq(len(vs), M, "verdicts of rule %s" % case)
    c.check(all(v.get("action") == "kill-process" for v in vs), "actions: %r"
            % sorted({v.get("action") for v in vs}))
    st = lines(os.path.join(job.status, case))
    c.eq(st, ["137"] * M, "exit statuses of %s" % base)
    c.eq(lines(os.path.join(job.marks, case)), [],
         "%s's marker (its first instruction ran)" % base)
    c.done()


def t_allowed():
    job = need("enforce")
    c = T.Checker()
    ex = execs_named(job, "bwok")
    c.eq(len(ex), M, "bwok exec records")
    c.check(all(e.get("held") == ["name"] for e in ex), "held: %r"
            % sorted({str(e.get("held")) for e in ex}))
    c.eq(lines(os.path.join(job.status, "allowed")), ["0"] * M, "bwok exit statuses")
    c.eq(len(lines(os.path.join(job.marks, "allowed"))), M, "bwok marker lines")
    c.check(not [v for v in job.verdicts if v.get("pid") in {e.get("pid") for e in ex}],
            "a verdict on bwok")
    c.done()


def t_plain():
    job = need("enforce")
    c = T.Checker()
    hinted = {id(e) for base, _ in KILLED.values() for e in execs_named(job, base)}
    held = [e.get("argv") for e in job.execs
            if e.get("held") and id(e) not in hinted and
            os.path.basename(e.get("exe") or "") != "bwok" and
            not (e.get("exe") or "").startswith(("/memfd:", "/usr/bin/python3"))]
    c.check(not held, "execs without a hint held: %r" % held[:5])
    c.eq(lines(os.path.join(job.status, "plain")), ["0"] * M, "bwplain exit statuses")
    c.eq(lines(os.path.join(job.status, "interp")), ["0"] * M,
         "python3bw (no option) exit statuses")
    c.done()


def t_audit():
    job = need("audit")
    c = T.Checker()
    held = [e.get("argv") for e in job.execs if e.get("held")]
    c.check(not held, "audit mode held %d execs, e.g. %r" % (len(held), held[:3]))
    for case in list(KILLED) + ["allowed", "plain", "interp"]:
        c.eq(len(lines(os.path.join(job.marks, case))), M,
             "audit: %s marker lines (nothing killed)" % case)
    c.done()


def memfd_execs(job):
    return [e for e in job.execs if (e.get("exe") or "").startswith("/memfd:bwmem")]


def t_fileless_held():
    c = T.Checker()
    for mode in ("enforce", "keyed"):
        job = need(mode)
        ex = memfd_execs(job)
        c.eq(len(ex), M, "%s: memfd exec records" % mode)
        bad = [e.get("held") for e in ex if "name" not in (e.get("held") or [])]
        c.check(not bad, "%s: %d of the memfd execs not held: %r" % (mode, len(bad), bad[:3]))
        c.eq(lines(os.path.join(job.status, "memfd")), ["0"] * M,
             "%s: memfd exit statuses (resumed)" % mode)
    c.done()


def t_keyed_unmatched():
    job = need("keyed")
    c = T.Checker()
    for case, base in (("allowed", "bwok"), ("preload", "bwpre"), ("decept", "bwdecept"),
                       ("sock", "bwsock")):
        ex = execs_named(job, base)
        c.eq(len(ex), M, "%s exec records" % base)
        held = [e.get("held") for e in ex if e.get("held")]
        c.check(not held, "%d of the %s execs held though no kill rule names %s: %r"
                % (len(held), base, base, held[:3]))
        c.eq(lines(os.path.join(job.status, case)), ["0"] * M, "%s exit statuses" % base)
        c.eq(len(lines(os.path.join(job.marks, case))), M, "%s marker lines" % base)
    c.done()


TESTS = [
    ("the job runs to its end under enforce and audit, nothing lost", t_run_ok),
] + [
    ("%s: held for '%s', killed before its first instruction, %d of %d" % (
        KILLED[k][0], KILLED[k][1], M, M), (lambda k=k: t_killed(k)))
    for k in KILLED
] + [
    ("held but no rule fires: resumed, runs to exit 0 every time", t_allowed),
    ("execs without a hint are never held (an interpreter without an option included)",
     t_plain),
    ("audit mode holds nothing and kills nothing", t_audit),
] + [
    ("kill rules that all name their programs: %s still held and killed, %d of %d" % (
        KILLED[k][0], M, M), (lambda k=k: t_killed(k, "keyed")))
    for k in KEYED
] + [
    ("kill rules that all name their programs: hinted execs of others not held, run to 0",
     t_keyed_unmatched),
    ("a hinted fileless exec (memfd) is held whatever the kill rules name, and resumed",
     t_fileless_held),
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
            for mode in ("enforce", "audit", "keyed"):
                S.pop(mode, None)
    try:
        return T.tap_run(TESTS, skip)
    finally:
        if "srv" in S:
            S["srv"].close()
        if "sc" in S:
            S["sc"].cleanup()


if __name__ == "__main__":
    T.main_guard(main)
