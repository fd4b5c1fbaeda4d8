"""Helpers shared by the policy tests (test_deny, test_kill_window,
test_actions, test_pid_reuse): a scratch directory, copies of fixtures under
chosen names, policy files, and `buildwarden run --policy` with its event
stream split by type. Stdlib only; builds on bwtap.
"""

import os
import shutil
import tempfile

import bwtap as T


def fixture(name):
    return os.path.join(T.FIXTURES, name)


def missing_fixtures(names):
    """A reason to fail (not skip) when fixtures are not built, or None."""
    missing = [n for n in names if not os.access(fixture(n), os.X_OK)]
    if missing:
        return "fixtures not built (make test-build): %s" % ", ".join(missing)
    return None


class Scratch:
    """A temporary directory, resolved (the kernel reports resolved paths)."""

    def __init__(self, prefix):
        self._tmp = tempfile.TemporaryDirectory(prefix=prefix)
        self.dir = os.path.realpath(self._tmp.name)

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def mkdir(self, *parts):
        p = self.path(*parts)
        os.makedirs(p, exist_ok=True)
        return p

    def copy_fixture(self, name, *dst):
        """Copy build/tests/fixtures/NAME to DIR/dst..., executable."""
        p = self.path(*dst)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        shutil.copyfile(fixture(name), p)
        os.chmod(p, 0o755)
        return p

    def write(self, text, *dst):
        p = self.path(*dst)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)
        return p

    def cleanup(self):
        self._tmp.cleanup()


def policy_yaml(rules, mode="enforce"):
    """YAML text of a policy. rules: list of (name, severity, action, match
    lines) where match lines are YAML lines indented under 'match:'."""
    out = ["version: 1", "mode: %s" % mode, "rules:"]
    for name, severity, action, match in rules:
        out += ["  - name: %s" % name,
                "    description: test rule %s" % name,
                "    severity: %s" % severity,
                "    action: %s" % action,
                "    match:"]
        out += ["      " + line for line in match]
    return "\n".join(out) + "\n"


class Job:
    """The outcome of one `buildwarden run --policy`: the process result and
    the event stream split by type."""

    def __init__(self, run, records, problems, token):
        self.run = run
        self.records = records
        self.problems = problems
        self.token = token
        self.summary = T.summary_of(records)
        self.verdicts = [r for r in records if r.get("type") == "verdict"]
        self.execs = [r for r in records if r.get("type") == "exec"]
        self.forks = [r for r in records if r.get("type") == "fork"]
        self.exits = {}
        for r in records:
            if r.get("type") == "exit":
                self.exits.setdefault(ident(r), []).append(r)
        self.exec_by_id = {}
        for r in self.execs:
            self.exec_by_id.setdefault(ident(r), []).append(r)

    @property
    def stderr(self):
        return self.run.stderr.decode("utf-8", "replace")

    @property
    def stdout(self):
        return self.run.stdout.decode("utf-8", "replace")

    def root_exec(self):
        """The first exec record: the job root's."""
        return self.execs[0] if self.execs else None

    def exit_of(self, rec):
        ex = self.exits.get(ident(rec), [])
        return ex[0] if len(ex) == 1 else None

    def stream_problems(self):
        return list(self.problems) + T.common_problems(self.records)


def ident(r):
    return (r.get("pid"), r.get("start_ns"))


def bw_run(scratch, policy_path, cmd, timeout=60, cwd=None, keep_token=False,
           name="policy"):
    """buildwarden run --events FILE --policy POLICY -- cmd. Kills what is
    left of the job afterwards unless keep_token (then the caller must call
    T.kill_token(job.token))."""
    n = 0
    while os.path.exists(scratch.path("events-%d.jsonl" % n)):
        n += 1
    ev = scratch.path("events-%d.jsonl" % n)
    token = T.new_token(name)
    argv = [T.BUILDWARDEN, "run", "--events", ev]
    if policy_path:
        argv += ["--policy", policy_path]
    r = T.run(argv + ["--"] + list(cmd), cwd=cwd or scratch.dir, timeout=timeout,
              token=token)
    if not keep_token:
        T.kill_token(token)
    records, problems = T.read_events(ev)
    return Job(r, records, problems, token)


def lines_of(path):
    """Lines of a text file, [] when it does not exist."""
    try:
        with open(path) as f:
            return f.read().split()
    except FileNotFoundError:
        return []


def brief(r):
    keys = ("seq", "type", "rule", "action", "rule_action", "blocked", "pid",
            "start_ns", "exe", "argv")
    return {k: r.get(k) for k in keys if k in r}
