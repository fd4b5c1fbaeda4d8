#!/usr/bin/env python3
"""The embedded default policy raises no verdict on ordinary builds (TAP;
needs root and BTF).

Four real builds run under `buildwarden run` with no --policy (so the
embedded default policy, `buildwarden policy default`, applies):

  - zlib from Debian's source package (tools/fetch-debian-source.sh fetches
    it once into $BW_BUILD/debian-src/), in a temporary copy:
    ./configure && make -j2 && make test
  - jq from Debian's source package (the same way; autotools sources with
    Debian's patches applied, no configure script), in a temporary copy:
    autoreconf -i && ./configure --disable-maintainer-mode --disable-docs
    --disable-valgrind --disable-shared (system oniguruma, libonig-dev) &&
    make -j2 && make -j2 check (its shell test alone runs thousands of execs)
  - an `npm install` of real npm packages with install scripts, from the npm
    registry into an empty project with a fresh npm cache:
    esbuild (its postinstall `node install.js` checks the platform binary
    npm downloaded, @esbuild/linux-x64, by running `esbuild --version`) and
    bufferutil built from source (its install script, node-gyp-build, runs
    node-gyp: python3 gyp, make, cc)
  - this project itself, from a temporary copy of its files (tracked and
    untracked, not ignored): the agent, its BPF objects and two unit tests
    built, then the layout check and those tests (not the BPF suite, which
    would load more BPF inside the wrapped job).

zlib and the npm install run once more under the enforcing example policy
(deploy/policies/enforce-detections.yaml, which kills and denies, and holds
hinted execs for their verdict): still exit 0, no verdict, and every held
exec resumed and exited 0. An enforcing policy must not break a build.

Each must exit 0, lose no event, run a sizable number of execs (more than
MIN_EXECS; the npm install, a few processes per package, more than
MIN_EXECS_NPM and its install scripts seen running), and produce zero
verdicts; a failure lists the offending verdict records. A Debian source
build is skipped only when Debian's archive cannot be reached (fetch exit
status 3), the npm install only when the npm registry cannot be reached (a
network error from `npm view`); any other fetch failure fails the test.
"""

import json
import os
import shutil
import subprocess
import sys
import time

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtap as T  # noqa: E402

FETCH = os.path.join(T.SRC, "tools", "fetch-debian-source.sh")
DEPS = os.path.join(T.SRC, "tools", "deps.sh")
SRC_CACHE = os.path.join(T.BUILD, "debian-src")
MIN_EXECS = 100
MIN_EXECS_NPM = 25
# Seconds per build, a bound against hangs (then the build is killed and the
# test fails), well above what each takes here (docs/TESTING.md).
BUILD_TIMEOUT = {"zlib": 300, "jq": 900, "npm": 300, "self": 900,
                 "zlib-enforce": 300, "npm-enforce": 300}
ENFORCE_POLICY = os.path.join(T.SRC, "deploy", "policies", "enforce-detections.yaml")
# The npm packages, pinned: the test must not change under it when a new
# release comes out (esbuild's releases require node >= 18).
NPM_PACKAGES = ("esbuild@0.28.2", "bufferutil@4.1.0")
# npm errors that mean the registry could not be reached.
NPM_NETWORK_ERRORS = ("ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED", "ECONNRESET",
                      "ETIMEDOUT", "ENETUNREACH", "EHOSTUNREACH", "ESOCKETTIMEDOUT",
                      "network request to", "request to https://", "socket hang up")
# Debian packages the jq build needs beyond gcc and make (tools/deps.sh test).
JQ_DEBS = ("autoconf", "automake", "libtool", "libonig-dev")
# The wrapped builds must not see the outer test run's settings: they build
# and test their own copy with its own binary and their own make jobserver.
SCRUB_ENV = ("BUILDWARDEN", "BW_BUILD", "BW_SRC", "BUILD", "MAKEFLAGS", "MFLAGS",
             "MAKELEVEL", "MAKEOVERRIDES", "CMOCKA_MESSAGE_OUTPUT")

S = {}  # results shared by the tests, per build: S["zlib"], S["jq"], S["npm"], S["self"]


def diag(msg):
    for line in msg.splitlines():
        print("# " + line, flush=True)


def run_build(key, workdir, script, env=(), policy=None):
    """Run `sh -c script` in workdir under `buildwarden run` (the default
    policy, or the file policy), with the extra environment variables env
    (NAME=VALUE strings)."""
    events = os.path.join(S["tmp"], key + ".events.jsonl")
    token = T.new_token("defpol-" + key)
    argv = ["env"] + ["-u" + v for v in SCRUB_ENV] + list(env) + [
        T.BUILDWARDEN, "run", "--events", events]
    if policy:
        argv += ["--policy", policy]
    argv += ["--", "sh", "-c", script]
    r = T.run(argv, cwd=workdir, timeout=BUILD_TIMEOUT[key], token=token)
    T.kill_token(token)
    records, problems = T.read_events(events)
    S[key] = dict(run=r, records=records, parse_problems=problems,
                  summary=T.summary_of(records), script=script)
    diag("%s: %s in %.1fs" % (key, script, r.elapsed))
    s = S[key]["summary"] or {}
    diag("%s: exit %s, execs %s, processes %s, lost %s, verdicts %s" % (
        key, r.returncode, s.get("execs"), s.get("processes"), s.get("lost"),
        s.get("verdicts")))


def get(key):
    if key not in S:
        T.fail("the %s build did not run: %s" % (key, S.get(key + "_error", "?")))
    return S[key]


def describe_verdict(v):
    lines = ["verdict seq %s: rule %r, severity %s, action %s (rule_action %s)" % (
        v.get("seq"), v.get("rule"), v.get("severity"), v.get("action"),
        v.get("rule_action"))]
    lines.append("  argv: %r" % (v.get("argv"),))
    if v.get("event"):
        lines.append("  on %s: %s" % (v.get("on"), json.dumps(v.get("event"))))
    lines.append("  exe: %r  filename: %r  cwd: %r" % (
        v.get("exe"), v.get("filename"), v.get("cwd")))
    for a in v.get("ancestry") or []:
        lines.append("  ancestor pid %s exe %r argv %r" % (
            a.get("pid"), a.get("exe"), a.get("argv")))
    return "\n".join(lines)


def check_ran_ok(key, min_execs=MIN_EXECS, policy="<default policy>"):
    b = get(key)
    r, s = b["run"], b["summary"]
    c = T.Checker()
    for p in b["parse_problems"][:5]:
        c.check(False, p)
    c.check(not r.timed_out, "%s: buildwarden run timed out after %ds" % (
        key, BUILD_TIMEOUT[key]))
    if not c.check(r.returncode == 0, "%s: `%s` under buildwarden run failed: %s" % (
            key, b["script"], r.describe())):
        out = r.stdout.decode("utf-8", "replace")
        c.problems.append("stdout (end):\n" + out[-3000:])
    if not c.check(s is not None, "%s: no summary record" % key):
        c.done()
    c.eq(s.get("exit_status"), 0, "%s: summary.exit_status" % key)
    c.eq(s.get("lost"), 0, "%s: summary.lost" % key)
    c.eq(s.get("calls_dropped"), 0, "%s: summary.calls_dropped" % key)
    c.eq(s.get("policy"), policy, "%s: summary.policy" % key)
    execs = s.get("execs")
    c.check(isinstance(execs, int) and execs > min_execs,
            "%s: summary.execs %r, expected more than %d (a real build)" % (
                key, execs, min_execs))
    c.done()


def check_no_verdicts(key):
    b = get(key)
    s = b["summary"]
    if s is None:
        T.fail("%s: no summary record" % key)
    verdicts = [r for r in b["records"] if r.get("type") == "verdict"]
    c = T.Checker()
    c.eq(s.get("verdicts"), 0, "%s: summary.verdicts" % key)
    c.eq(len(verdicts), 0, "%s: number of verdict records" % key)
    for v in verdicts[:20]:
        c.problems.append(describe_verdict(v))
    if len(verdicts) > 20:
        c.problems.append("... and %d more" % (len(verdicts) - 20))
    c.done()


# ---------------------------------------------------------------- Debian sources

def fetch_debian(pkg, marker):
    """Path of the unpacked Debian source of pkg (which must contain the file
    marker), or raise Skip (archive unreachable) / fail (any other failure)."""
    if pkg + "_src" in S:
        return S[pkg + "_src"]
    if pkg + "_skip" in S:
        raise T.Skip(S[pkg + "_skip"])
    if pkg + "_error" in S:
        T.fail(S[pkg + "_error"])
    t0 = time.monotonic()
    try:
        p = subprocess.run([FETCH, pkg, SRC_CACHE], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as e:
        S[pkg + "_error"] = "%s %s %s: %s" % (FETCH, pkg, SRC_CACHE, e)
        T.fail(S[pkg + "_error"])
    err = p.stderr.decode("utf-8", "replace").strip()
    if p.returncode == 3:
        last = err.splitlines()[-1] if err else "Debian's archive unreachable"
        S[pkg + "_skip"] = "cannot fetch %s's Debian source: %s" % (pkg, last)
        raise T.Skip(S[pkg + "_skip"])
    src = p.stdout.decode("utf-8", "replace").strip()
    if p.returncode != 0 or not os.path.isfile(os.path.join(src, marker)):
        S[pkg + "_error"] = "%s %s %s: exit %d, stdout %r%s, stderr:\n%s" % (
            FETCH, pkg, SRC_CACHE, p.returncode, src,
            "" if p.returncode else " (no %s in it)" % marker, err)
        T.fail(S[pkg + "_error"])
    diag("%s source: %s (fetched in %.1fs)" % (pkg, src, time.monotonic() - t0))
    # Which version: the current one, or the release's when the archive has
    # no source for the current one (fetch-debian-source.sh says on stderr).
    for line in err.splitlines():
        if ": using " in line or ": reusing " in line:
            diag(line)
    S[pkg + "_src"] = src
    return src


def skipped(pkg):
    if pkg + "_skip" in S:
        raise T.Skip(S[pkg + "_skip"])


ZLIB_SCRIPT = "./configure && make -j2 && make test"


def git_changed(work):
    """Tracked files of the checkout that differ from the commit (modified or deleted)."""
    out = T.git(work, "status", "--porcelain=v1", "-z", "--untracked-files=no")
    return sorted(os.path.join(work, os.fsdecode(e[3:]))
                  for e in out.split(b"\0") if len(e) > 3)


def t_zlib_builds():
    src = fetch_debian("zlib", "configure")
    work = os.path.join(S["tmp"], "zlib")
    shutil.copytree(src, work, symlinks=True)
    T.make_checkout(work)
    run_build("zlib", work, ZLIB_SCRIPT)
    S["zlib"]["changed"] = git_changed(work)
    check_ran_ok("zlib")


def t_zlib_no_verdicts():
    """zlib's configure rewrites two files its tarball ships (Makefile, zconf.h):
    those, and only those, are flagged; nothing else raises a verdict."""
    skipped("zlib")
    b = get("zlib")
    verdicts = [r for r in b["records"] if r.get("type") == "verdict"]
    c = T.Checker()
    flagged = set()
    for v in verdicts:
        ev = v.get("event") or {}
        if v.get("rule") != "source-file-modified":
            c.problems.append(describe_verdict(v))
            continue
        for k in ("path", "path2"):
            if ev.get(k) and ev[k] in b["changed"]:
                flagged.add(ev[k])
    c.eq((b["summary"] or {}).get("checkout"), os.path.join(S["tmp"], "zlib"),
         "zlib: summary.checkout")
    c.check(b["changed"], "zlib: git says the build changed no tracked file; "
            "configure rewrites Makefile and zconf.h")
    c.eq(sorted(flagged), b["changed"],
         "zlib: tracked files flagged (expected: what git status says the build changed)")
    c.done()


def missing_debs(pkgs):
    out = []
    for p in pkgs:
        q = subprocess.run(["dpkg-query", "-W", "-f=${Status}", p], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        if b"install ok installed" not in q.stdout:
            out.append(p)
    return out


def ensure_debs(what, pkgs):
    """Install the missing ones of pkgs through tools/deps.sh test, or fail."""
    missing = missing_debs(pkgs)
    if not missing:
        return
    diag("%s needs %s: running %s test" % (what, " ".join(missing), DEPS))
    p = subprocess.run([DEPS, "test"], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, timeout=900)
    still = missing_debs(pkgs)
    if p.returncode != 0 or still:
        T.fail("%s needs the Debian packages %s; `%s test` exited %d:\n%s" % (
            what, " ".join(still or missing), DEPS, p.returncode,
            p.stdout.decode("utf-8", "replace")[-2000:]))


def t_jq_builds():
    # Debian's jq source has no configure script (configure.ac only), and its
    # vendored oniguruma is removed: autoreconf, and the system libonig.
    src = fetch_debian("jq", "configure.ac")
    ensure_debs("the jq build", JQ_DEBS)
    work = os.path.join(S["tmp"], "jq")
    shutil.copytree(src, work, symlinks=True)
    # --disable-maintainer-mode: the shipped parser and lexer (no bison, no
    # flex); --disable-docs: no ruby; --disable-valgrind: the tests run jq
    # itself (valgrind is installed here for other suites and would make
    # `make check` take many minutes); --disable-shared: jq is a binary, not
    # a libtool wrapper script around one, and every object is compiled once.
    run_build("jq", work,
              "{ [ -x configure ] || autoreconf -i; } && "
              "./configure --disable-maintainer-mode --disable-docs --disable-valgrind "
              "--disable-shared --with-oniguruma=yes && make -j2 && make -j2 check")
    check_ran_ok("jq")


def t_jq_no_verdicts():
    skipped("jq")
    check_no_verdicts("jq")


# ---------------------------------------------------------------- npm install

def npm_reachable(cache):
    """Raise Skip when the npm registry cannot be reached; fail when npm is
    missing or answers anything but the pinned versions."""
    if shutil.which("npm") is None or shutil.which("node") is None:
        T.fail("npm or node not found on PATH (tools/deps.sh test installs Debian's)")
    for spec in NPM_PACKAGES:
        try:
            p = subprocess.run(["npm", "view", "--cache", cache, spec, "version"],
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, timeout=180)
        except subprocess.TimeoutExpired:
            S["npm_skip"] = "cannot reach the npm registry: `npm view %s` timed out" % spec
            raise T.Skip(S["npm_skip"])
        out = p.stdout.decode("utf-8", "replace").strip()
        err = p.stderr.decode("utf-8", "replace").strip()
        if p.returncode != 0 and any(e in err for e in NPM_NETWORK_ERRORS):
            lines = [ln for ln in err.splitlines() if ln.strip()]
            S["npm_skip"] = "cannot reach the npm registry: `npm view %s`: %s" % (
                spec, " / ".join(lines[:2]))
            raise T.Skip(S["npm_skip"])
        want = spec.rsplit("@", 1)[1]
        if p.returncode != 0 or out != want:
            S["npm_error"] = "`npm view %s version`: exit %d, stdout %r (expected %r), " \
                "stderr:\n%s" % (spec, p.returncode, out, want, err)
            T.fail(S["npm_error"])


def npm_install(key, policy=None):
    """npm install of NPM_PACKAGES into a new project, under policy."""
    work = os.path.join(S["tmp"], key)
    os.makedirs(work)
    with open(os.path.join(work, "package.json"), "w") as f:
        json.dump({"name": "bw-defpol-npm", "version": "1.0.0", "private": True,
                   "description": "buildwarden test: npm install under the default policy",
                   "license": "MIT"}, f)
    # The check uses a cache of its own; the install a fresh one, so every
    # package comes from the registry during the run.
    npm_reachable(os.path.join(S["tmp"], "npm-view-cache"))
    # bufferutil ships prebuilt binaries; build it from source instead, so
    # its install script compiles (node-gyp). With Node's headers installed
    # (/usr/include/node), node-gyp uses them rather than downloading them.
    env = ["npm_config_build_from_source=true"]
    if os.path.isfile("/usr/include/node/node_api.h"):
        env.append("npm_config_nodedir=/usr")
    run_build(key, work, "npm install --no-audit --no-fund --cache .npm-cache " +
              " ".join(NPM_PACKAGES), env=env, policy=policy)
    return work


def t_npm_installs():
    if "npm_error" in S:
        T.fail(S["npm_error"])
    work = npm_install("npm")
    check_ran_ok("npm", MIN_EXECS_NPM)
    # The install scripts must have run: a pass without them proves nothing.
    c = T.Checker()
    argvs = [r.get("argv") or [] for r in get("npm")["records"] if r.get("type") == "exec"]
    c.check(any(a[-1:] == ["install.js"] and os.path.basename(a[0]) == "node" for a in argvs),
            "npm: esbuild's postinstall (node install.js) did not run")
    c.check(any(a[:1] and a[0].endswith("/esbuild") and "--version" in a for a in argvs),
            "npm: esbuild's postinstall did not run the esbuild binary (esbuild --version)")
    c.check(any(a[:1] and os.path.basename(a[0]) == "make" for a in argvs),
            "npm: bufferutil's install script did not run make (node-gyp)")
    built = os.path.join(work, "node_modules", "bufferutil", "build", "Release",
                         "bufferutil.node")
    c.check(os.path.isfile(built), "npm: bufferutil was not built from source (no %s)" % built)
    c.done()


def t_npm_no_verdicts():
    skipped("npm")
    check_no_verdicts("npm")


# ------------------------------------------------- under the enforcing policy

def check_enforced_build(key, min_execs):
    """Exit 0, no verdict, and every held exec resumed and exited 0."""
    check_ran_ok(key, min_execs, ENFORCE_POLICY)
    check_no_verdicts(key)
    b = get(key)
    held = {(r.get("pid"), r.get("start_ns")): r for r in b["records"]
            if r.get("type") == "exec" and r.get("held")}
    exits = {(r.get("pid"), r.get("start_ns")): r for r in b["records"]
             if r.get("type") == "exit"}
    diag("%s: %d execs held for their verdict" % (key, len(held)))
    c = T.Checker()
    for ident, r in sorted(held.items(), key=lambda kv: kv[1].get("seq", 0)):
        x = exits.get(ident)
        c.check(x is not None and x.get("exit_code") == 0 and x.get("signal") is None,
                "%s: held exec %r (held for %r) did not run to exit 0: %r" % (
                    key, r.get("argv"), r.get("held"), x))
    c.done()


def t_zlib_enforced():
    skipped("zlib")
    work = os.path.join(S["tmp"], "zlib-enforce")
    shutil.copytree(fetch_debian("zlib", "configure"), work, symlinks=True)
    run_build("zlib-enforce", work, ZLIB_SCRIPT, policy=ENFORCE_POLICY)
    check_enforced_build("zlib-enforce", MIN_EXECS)


def t_npm_enforced():
    skipped("npm")
    if "npm_error" in S:
        T.fail(S["npm_error"])
    npm_install("npm-enforce", ENFORCE_POLICY)
    check_enforced_build("npm-enforce", MIN_EXECS_NPM)


# ---------------------------------------------------------------- this project

def project_files():
    """Relative paths of this project's files: tracked and untracked, not ignored."""
    try:
        p = subprocess.run(["git", "-C", T.SRC, "ls-files", "-z", "-c", "-o",
                            "--exclude-standard"], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=60)
    except OSError as e:
        T.fail("cannot run git to list the project's files: %s" % e)
    if p.returncode != 0:
        T.fail("git ls-files in %s failed: %s" % (
            T.SRC, p.stderr.decode("utf-8", "replace").strip()))
    names = [os.fsdecode(n) for n in p.stdout.split(b"\0") if n]
    # Deleted but not yet committed files are still listed by -c.
    return [n for n in names if os.path.lexists(os.path.join(T.SRC, n))]


# The agent, its BPF objects (clang) and two unit tests, then the layout
# check (nm) and those tests: every tool of the project's build, without
# compiling all of its tests (the suite's time goes elsewhere).
SELF_SCRIPT = ("make -j2 all build/tests/unit/test_policy build/tests/unit/test_report "
               "&& tests/run.sh layout unit")


def t_self_builds():
    work = os.path.join(S["tmp"], "buildwarden")
    files = project_files()
    if "Makefile" not in files:
        T.fail("the project's file list (git ls-files) has no Makefile: %r" % files[:20])
    for n in files:
        dst = os.path.join(work, n)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(os.path.join(T.SRC, n), dst, follow_symlinks=False)
    T.make_checkout(work)
    run_build("self", work, SELF_SCRIPT)
    S["self"]["changed"] = git_changed(work)
    check_ran_ok("self")


def t_self_no_verdicts():
    """A build that only writes untracked outputs, in a git checkout: silent."""
    b = get("self")
    c = T.Checker()
    c.eq(b["changed"], [], "self: tracked files git says the build changed")
    c.eq((b["summary"] or {}).get("checkout"), os.path.join(S["tmp"], "buildwarden"),
         "self: summary.checkout (the work tree was known)")
    c.check((b["summary"] or {}).get("checkout_tracked", 0) > 100,
            "self: summary.checkout_tracked %r, expected the project's files" % (
                (b["summary"] or {}).get("checkout_tracked"),))
    c.done()
    check_no_verdicts("self")


TESTS = [
    ("zlib (Debian source): configure, make, make test under the default policy "
     "exits 0, no events lost, > %d execs" % MIN_EXECS, t_zlib_builds),
    ("zlib (Debian source, in a git checkout): the only verdicts are for the tracked "
     "files configure rewrites (Makefile, zconf.h), exactly those git says changed",
     t_zlib_no_verdicts),
    ("jq (Debian source): autoreconf, configure, make, make check under the default "
     "policy exits 0, no events lost, > %d execs" % MIN_EXECS, t_jq_builds),
    ("jq (Debian source): build and test raise zero verdicts", t_jq_no_verdicts),
    ("npm install %s (install scripts: esbuild's postinstall, bufferutil built with "
     "node-gyp) under the default policy exits 0, no events lost, > %d execs" % (
         " ".join(NPM_PACKAGES), MIN_EXECS_NPM), t_npm_installs),
    ("npm install: the registry downloads and install scripts raise zero verdicts",
     t_npm_no_verdicts),
    ("zlib (Debian source) under enforce-detections.yaml: exit 0, no verdict, held "
     "execs resumed", t_zlib_enforced),
    ("npm install under enforce-detections.yaml: exit 0, no verdict, held execs resumed "
     "(node-gyp's python3 -c)", t_npm_enforced),
    ("buildwarden itself: its build, the layout check and unit tests under the "
     "default policy exit 0, no events lost, > %d execs" % MIN_EXECS, t_self_builds),
    ("buildwarden itself (in a git checkout): build and test write only untracked "
     "files and raise zero verdicts", t_self_no_verdicts),
]


def main():
    return T.tap_run_in_tmp(TESTS, S, "bw-defpol-", T.skip_reason())


if __name__ == "__main__":
    T.main_guard(main)
