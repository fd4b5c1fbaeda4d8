#!/usr/bin/env python3
"""Processes in containers: attributed to the job, with their container id (TAP, root, BTF).

  podman container      `buildwarden run -- podman run ...` on a root file
                        system of Debian's busybox-static (no image, no
                        registry; podman, runc and busybox-static installed by
                        tools/deps-containers.sh): the container's processes
                        are in the job by fork lineage (podman -> conmon ->
                        runc -> the container), their exec records carry the
                        id podman gave the container (--cidfile), podman and
                        conmon carry none; `container:` rules fire on them
                        with the right pid; the report lists the container
                        and the tree marks where it starts
  scope job             a process started outside the job, in a cgroup shaped
                        like Docker's (system.slice/docker-ID.scope) and a
                        new pid namespace (unshare), is not recorded: Docker's
                        daemon, not the job, forks containers
  scope host            the same process under `run --scope host` is recorded
                        with the id parsed from its cgroup; the agent itself
                        and kernel threads are never recorded
  docker                `docker run` (Debian's docker.io; a private dockerd the
                        test starts on its own socket and data directory, an
                        image imported from the busybox root file system):
                        under scope job the container's processes are not in
                        the job (dockerd's containerd-shim forks them); under
                        scope host they are, with the id docker gave them,
                        below containerd-shim in the tree
  exited process        a job process moves into a Docker-shaped cgroup, execs
                        and exits while the agent is stopped (SIGSTOP from the
                        job): its exec still names the container, resolved
                        from the cgroup id the kernel recorded, not from the
                        gone process's /proc entry
  scope host refuses fail-closed

The podman and docker tests skip with the reason when the engine cannot be
installed or cannot start a container on this host; the scope tests skip
without a cgroup2 mount.
"""

import json
import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtap as T  # noqa: E402

DEPS = os.path.join(T.SRC, "tools", "deps-containers.sh")
BUSYBOX = "/bin/busybox"
# Without CAP_SYS_RESOURCE (some CI sandboxes) podman's default limits
# cannot be set in the container; these are below any host's.
PODMAN_LIMITS = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]
HEX64 = re.compile(r"^[0-9a-f]{64}$")

S = {}


def tmpdir():
    if "tmp" not in S:
        S["tmp"] = tempfile.mkdtemp(prefix="bw-containers-")
    return S["tmp"]


def cgroup2_mount():
    with open("/proc/self/mountinfo") as f:
        for line in f:
            left, _, right = line.partition(" - ")
            if right.split()[:1] == ["cgroup2"]:
                return left.split()[4]
    return None


def exec_records(recs, marker):
    return [r for r in recs if r.get("type") == "exec" and marker in r.get("argv", [])]


def podman_setup():
    """A busybox root file system, and podman able to start a container on it."""
    if "podman" in S:
        if isinstance(S["podman"], str):
            raise T.Skip(S["podman"])
        return S["podman"]
    S["podman"] = "podman unavailable"
    dep = subprocess.run([DEPS], stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=900)
    if dep.returncode != 0:
        S["podman"] = "tools/deps-containers.sh failed: %s" % dep.stderr.decode(errors="replace").strip()[-300:]
        raise T.Skip(S["podman"])
    root = busybox_root()
    # crun refuses hybrid cgroup hosts (v1 controllers, v2 mounted at
    # .../unified); runc puts the container into both hierarchies.
    probe = subprocess.run(podman_argv(root, None, ["/bin/true"]), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=120)
    if probe.returncode != 0:
        S["podman"] = "podman cannot start a container here: %s" % (
            probe.stderr.decode(errors="replace").strip()[-300:])
        raise T.Skip(S["podman"])
    S["podman"] = root
    return root


def busybox_root():
    """A root file system of Debian's busybox-static, made once."""
    root = os.path.join(tmpdir(), "rootfs")
    if os.path.isdir(root):
        return root
    os.makedirs(os.path.join(root, "bin"))
    for d in ("proc", "sys", "dev", "tmp", "etc"):
        os.makedirs(os.path.join(root, d))
    shutil.copy(BUSYBOX, os.path.join(root, "bin", "busybox"))
    for applet in ("sh", "true", "sleep", "cat"):
        os.symlink("busybox", os.path.join(root, "bin", applet))
    return root


def podman_argv(root, cidfile, cmd):
    argv = ["podman", "--runtime", "runc", "run", "--rm", "--network", "none"] + PODMAN_LIMITS
    if cidfile:
        argv += ["--cidfile", cidfile]
    return argv + ["--rootfs", root] + cmd


def test_podman():
    root = podman_setup()
    d = tmpdir()
    marker = "bw-container-marker-%s" % secrets.token_hex(4)
    cidfile = os.path.join(d, "cid")
    events = os.path.join(d, "podman.jsonl")
    report = os.path.join(d, "podman-report.json")
    policy = os.path.join(d, "policy.yaml")
    with open(policy, "w") as f:
        f.write("rules:\n"
                "  - name: in-container\n    action: alert\n"
                "    match: {container: true, argv: %s}\n"
                "  - name: on-host\n    action: log\n"
                "    match: {container: false, argv: %s}\n"
                "  - name: this-container\n    action: log\n"
                "    match: {container: {regex: \"^[0-9a-f]{64}$\"}, argv: %s}\n"
                % (marker, marker, marker))
    res = T.run([T.BUILDWARDEN, "run", "-e", events, "-r", report, "-p", policy, "--"]
              + podman_argv(root, cidfile, ["/bin/sh", "-c", "/bin/true %s; /bin/true" % marker]),
              timeout=180)
    c = T.Checker()
    c.check(res.returncode == 0 and not res.timed_out, "run: " + res.describe())
    try:
        with open(cidfile) as f:
            cid = f.read().strip()
    except OSError as e:
        raise T.TestFailure("podman wrote no container id (%s): %s" % (e, res.describe()))
    recs, problems = T.read_events(events)
    c.check(not problems, "events: %s" % problems)
    marks = exec_records(recs, marker)
    c.check(len(marks) == 1, "one exec of the marker in the job, got %d" % len(marks))
    for m in marks:
        c.eq(m.get("container"), cid, "marker exec's container")
    in_ctr = [r for r in recs if r.get("type") == "exec" and r.get("container")]
    c.check(all(r["container"] == cid for r in in_ctr),
            "every container exec names podman's id: %s" %
            sorted({r["container"] for r in in_ctr}))
    # The container's shell and the marker, at least; all of the container's
    # processes (not only execs) carry it, forks and exits included.
    c.check(len(in_ctr) >= 2, "container execs: %d" % len(in_ctr))
    for comm in ("podman", "conmon"):
        host = [r for r in recs if r.get("type") == "exec" and r.get("comm") == comm]
        c.check(host, "%s's exec recorded" % comm)
        c.check(all("container" not in r for r in host), "%s runs on the host" % comm)
    if marks:
        pid = marks[0]["pid"]
        exits = [r for r in recs if r.get("type") == "exit" and r.get("pid") == pid]
        c.check(exits and exits[0].get("container") == cid, "marker's exit names the container")
        # Lineage: fork records lead from the marker up to the job's root.
        parent = {r["pid"]: r["parent_pid"] for r in recs if r.get("type") == "fork"}
        comms = {}
        for r in recs:
            if r.get("type") == "exec":
                comms.setdefault(r["pid"], set()).add(r.get("comm"))
        chain, p = [], pid
        while p in parent and len(chain) < 64:
            p = parent[p]
            chain.append(p)
        names = set().union(*(comms.get(p, set()) for p in chain)) if chain else set()
        for want in ("podman", "conmon", "runc"):
            c.check(want in names, "%s among the marker's ancestors (%s)" % (want, sorted(names)))
        verdicts = [r for r in recs if r.get("type") == "verdict"]
        hits = {v["rule"] for v in verdicts if v.get("pid") == pid}
        c.check("in-container" in hits and "this-container" in hits,
                "container rules fired on the marker: %s" % sorted(hits))
        c.check("on-host" not in {v["rule"] for v in verdicts},
                "container: false fired on nothing of the marker")
        for v in verdicts:
            if v.get("pid") == pid:
                c.eq(v.get("container"), cid, "verdict's container")
    try:
        with open(report) as f:
            rep = json.load(f)
        ids = [x["id"] for x in rep.get("containers", [])]
        c.eq(ids, [cid], "report's containers")
    except (OSError, ValueError) as e:
        c.check(False, "report: %s" % e)
    c.check(("{container %s}" % cid[:12]) in res.stderr.decode(errors="replace"),
            "the tree marks the container's first process")
    c.done()


def fake_docker_cgroup():
    """A cgroup named like Docker's (systemd driver) for a made-up id."""
    mnt = cgroup2_mount()
    if not mnt:
        raise T.Skip("no cgroup2 mount")
    cid = secrets.token_hex(32)
    path = os.path.join(mnt, "system.slice", "docker-%s.scope" % cid)
    try:
        os.makedirs(path)
    except OSError as e:
        raise T.Skip("cannot create cgroup %s: %s" % (path, e))
    return cid, path


def outside_run(scope):
    """`run` of a job that only signals; meanwhile a process the test
    started outside the job moves into a Docker-like cgroup and pid
    namespace and execs a marker. Returns (records, stderr, marker, id, agent pid)."""
    d = tmpdir()
    cid, cg = fake_docker_cgroup()
    marker = "bw-outside-marker-%s" % secrets.token_hex(4)
    trig = os.path.join(d, "trigger-%s" % marker)
    events = os.path.join(d, "outside-%s.jsonl" % scope)
    # The helper waits for the job's trigger, joins the cgroup, then runs
    # its "container" as the engine's shim would: not a child of the job.
    helper = ("while [ ! -e %s ]; do sleep 0.05; done; echo $$ > %s/cgroup.procs; "
              "exec unshare --pid --fork /bin/sh -c '/bin/true %s; /bin/true'"
              % (trig, cg, marker))
    outside = subprocess.Popen(["/bin/sh", "-c", helper], start_new_session=True)
    try:
        argv = [T.BUILDWARDEN, "run", "--no-tree", "-e", events]
        if scope:
            argv += ["--scope", scope]
        agent = subprocess.Popen(argv + ["--", "sh", "-c", "touch %s; sleep 1.5" % trig],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 start_new_session=True)
        try:
            _, err = agent.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            T.kill_group(agent)
            _, err = agent.communicate()
            raise T.TestFailure("run timed out: %s" % err.decode(errors="replace")[-1000:])
        outside.wait(timeout=30)
    finally:
        T.kill_group(outside)
        outside.wait()
        for _ in range(50):
            try:
                os.rmdir(cg)
                break
            except OSError:
                time.sleep(0.1)
    if agent.returncode != 0:
        raise T.TestFailure("run exited %d: %s" % (agent.returncode, err.decode(errors="replace")))
    recs, problems = T.read_events(events)
    if problems:
        raise T.TestFailure("events: %s" % problems)
    return recs, marker, cid, agent.pid


def test_scope_job():
    recs, marker, _, _ = outside_run(None)
    c = T.Checker()
    summary = [r for r in recs if r.get("type") == "summary"]
    c.check(summary and summary[0].get("scope") == "job", "summary says scope job")
    c.eq(exec_records(recs, marker), [], "the outside process's exec in the job")
    c.check(not [r for r in recs if r.get("container")], "no record names a container")
    c.done()


def test_scope_host():
    recs, marker, cid, agent_pid = outside_run("host")
    c = T.Checker()
    summary = [r for r in recs if r.get("type") == "summary"]
    c.check(summary and summary[0].get("scope") == "host", "summary says scope host")
    marks = exec_records(recs, marker)
    c.check(len(marks) == 1, "one exec of the outside marker, got %d" % len(marks))
    for m in marks:
        c.eq(m.get("container"), cid, "its container, parsed from its cgroup")
        c.check(HEX64.match(m.get("container", "")), "a 64-hex-digit id")
    # unshare (before the pid namespace) ran in the cgroup too, so did the
    # namespace's init sh: everything from the cgroup names the id.
    c.check(len([r for r in recs if r.get("container") == cid]) >= 3,
            "the fake container's processes carry its id")
    c.check(not [r for r in recs if r.get("pid") == agent_pid], "the agent recorded itself")
    c.check(not [r for r in recs if r.get("type") == "fork" and r.get("parent_pid") == 2],
            "kthreadd's workers recorded")
    c.done()


DOCKER = "/usr/bin/docker"  # Debian's client; another may come first on PATH
DOCKERD = "/usr/sbin/dockerd"


class Dockerd:
    """A private dockerd: its own socket, data and exec roots, no iptables
    or bridge, its containerd namespace; stopped by the test."""

    def __init__(self, base):
        self.base = base
        self.sock = os.path.join(base, "docker.sock")
        self.log = os.path.join(base, "dockerd.log")
        self.proc = None

    def start(self):
        os.makedirs(os.path.join(self.base, "data"))
        os.makedirs(os.path.join(self.base, "exec"))
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [DOCKERD, "--data-root", os.path.join(self.base, "data"),
                 "--exec-root", os.path.join(self.base, "exec"), "-H", "unix://" + self.sock,
                 "--pidfile", os.path.join(self.base, "docker.pid"), "--iptables=false",
                 "--ip6tables=false", "--bridge=none", "--containerd-namespace", "bwtest"],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            if self.cli(["version"], timeout=10).returncode == 0:
                return None
            time.sleep(0.5)
        return "dockerd did not come up: %s" % self.tail()

    def tail(self):
        try:
            with open(self.log, "rb") as f:
                return f.read().decode(errors="replace").strip()[-400:]
        except OSError as e:
            return str(e)

    def argv(self, args):
        return [DOCKER, "-H", "unix://" + self.sock] + args

    def cli(self, args, timeout=120, stdin=None):
        return subprocess.run(self.argv(args), input=stdin, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=timeout)

    def stop(self):
        """SIGTERM: dockerd stops its containerd and unmounts; then the group."""
        if not self.proc:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                pass
        T.kill_group(self.proc)
        self.proc.wait()


def docker_runs(d, root):
    """Import the busybox image, then `docker run` it under both scopes."""
    tar = subprocess.run(["tar", "-C", root, "-c", "."], stdout=subprocess.PIPE, check=True)
    imp = d.cli(["import", "-", "bwtest-busybox:1"], stdin=tar.stdout)
    if imp.returncode != 0:
        raise T.Skip("docker import failed: %s" % imp.stderr.decode(errors="replace")[-300:])
    probe = d.cli(["run", "--rm", "--network", "none", "bwtest-busybox:1", "/bin/true"])
    if probe.returncode != 0:
        raise T.Skip("docker cannot start a container here: %s"
                     % probe.stderr.decode(errors="replace")[-300:])
    out = {}
    for scope in ("job", "host"):
        marker = "bw-docker-marker-%s" % secrets.token_hex(4)
        cidfile = os.path.join(tmpdir(), "docker-cid-%s" % scope)
        events = os.path.join(tmpdir(), "docker-%s.jsonl" % scope)
        res = T.run([T.BUILDWARDEN, "run", "--scope", scope, "-e", events, "--"]
                    + d.argv(["run", "--rm", "--network", "none", "--cidfile", cidfile,
                              "bwtest-busybox:1", "/bin/sh", "-c",
                              "/bin/true %s; /bin/true" % marker]), timeout=180)
        if res.returncode != 0 or res.timed_out:
            raise T.TestFailure("run --scope %s: %s" % (scope, res.describe()))
        with open(cidfile) as f:
            cid = f.read().strip()
        recs, problems = T.read_events(events)
        if problems:
            raise T.TestFailure("events: %s" % problems)
        out[scope] = (recs, marker, cid, res.stderr.decode(errors="replace"))
    return out


def test_docker():
    dep = subprocess.run([DEPS, "docker"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         timeout=900)
    if dep.returncode != 0:
        raise T.Skip("tools/deps-containers.sh docker failed: %s"
                     % dep.stderr.decode(errors="replace").strip()[-300:])
    root = busybox_root()
    d = Dockerd(os.path.join(tmpdir(), "docker"))
    try:
        why = d.start()
        if why:
            raise T.Skip(why)
        out = docker_runs(d, root)
    finally:
        d.stop()
    c = T.Checker()
    recs, marker, _, _ = out["job"]
    c.eq(exec_records(recs, marker), [], "scope job: the container's marker exec in the job")
    recs, marker, cid, err = out["host"]
    marks = exec_records(recs, marker)
    c.check(len(marks) == 1, "scope host: one exec of the marker, got %d" % len(marks))
    for m in marks:
        c.eq(m.get("container"), cid, "scope host: the marker's container")
    c.check(any(r.get("type") == "exec" and (r.get("comm") or "").startswith("containerd-shim")
                for r in recs), "scope host: containerd-shim's exec recorded")
    c.check(("{container %s}" % cid[:12]) in err, "the tree marks the container")
    c.done()


def test_exited_process():
    cid, cg = fake_docker_cgroup()
    marker = "bw-exited-marker-%s" % secrets.token_hex(4)
    events = os.path.join(tmpdir(), "exited.jsonl")
    # The root's parent is the agent: stopped, it reads nothing until the
    # marker has exec'd and exited.
    job = ("kill -STOP $PPID; sh -c 'echo $$ > %s/cgroup.procs; exec /bin/true %s'; "
           "ls /proc/$(cat %s/cgroup.procs 2>/dev/null | head -1)/cgroup >/dev/null 2>&1 "
           "&& echo still-there; kill -CONT $PPID" % (cg, marker, cg))
    try:
        res = T.run([T.BUILDWARDEN, "run", "--no-tree", "-e", events, "--", "sh", "-c", job],
                    timeout=60)
    finally:
        os.rmdir(cg)
    c = T.Checker()
    c.check(res.returncode == 0 and not res.timed_out, "run: " + res.describe())
    c.check(b"still-there" not in res.stdout, "the cgroup was empty when the agent resumed")
    recs, problems = T.read_events(events)
    c.check(not problems, "events: %s" % problems)
    marks = exec_records(recs, marker)
    c.check(len(marks) == 1, "one exec of the marker, got %d" % len(marks))
    for m in marks:
        c.eq(m.get("container"), cid, "the exited marker's container")
        exits = [r for r in recs if r.get("type") == "exit" and r.get("pid") == m["pid"]]
        c.check(exits and exits[0].get("container") == cid, "its exit record names it too")
    c.done()


def test_host_refuses_fail_closed():
    r = T.run([T.BUILDWARDEN, "run", "--scope", "host", "--fail-closed", "--", "true"])
    c = T.Checker()
    c.check(r.returncode not in (0, None), "refused: " + r.describe())
    c.check(b"--scope host cannot be combined with --fail-closed" in r.stderr,
            "says why: " + r.describe())
    r = T.run([T.BUILDWARDEN, "run", "--scope", "pod", "--", "true"])
    c.check(r.returncode not in (0, None) and b"expected job or host" in r.stderr,
            "--scope pod refused: " + r.describe())
    c.done()


TESTS = [
    ("podman: the container's processes are in the job with podman's container id",
     test_podman),
    ("scope job: a process outside the job in a Docker-like cgroup is not recorded",
     test_scope_job),
    ("scope host: the same process is recorded, with the id from its cgroup", test_scope_host),
    ("an exited process's exec still names its container (by cgroup id)", test_exited_process),
    ("docker: scope job misses the container, scope host records it with docker's id",
     test_docker),
    ("scope host cannot be combined with fail-closed", test_host_refuses_fail_closed),
]


def main():
    try:
        return T.tap_run(TESTS, T.skip_reason())
    finally:
        if "tmp" in S:
            shutil.rmtree(S["tmp"], ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
