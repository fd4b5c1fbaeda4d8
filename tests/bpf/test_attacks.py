#!/usr/bin/env python3
"""The attack corpus raises the verdicts it expects (TAP; needs root and BTF).

tests/attacks/NN-name.sh are small, harmless re-enactments of real CI
supply-chain attacks (tests/attacks/README.md). Each is headed by:

  # technique: <MITRE ATT&CK id and name>
  # reproduces: <the public incident or write-up>
  # expect: RULE PROCESS        (one or more)
  # exec-borne: yes|no
  # todo: <why>                (optional: a known detection gap)

This harness runs every script, one after the other, as
`buildwarden run --events EV -- bash SCRIPT` under the embedded default
policy (no --policy), with a loopback HTTP server serving the payloads
(127.0.0.1:$BW_ATTACK_PORT, files in $BW_ATTACK_WWW; a POST's body is read
and dropped, for exfiltration scripts) and a TCP "C2"
listener ($BW_ATTACK_LISTEN_PORT) that sends a command leaving the marker,
then `exit`. Both run as threads of this process, outside the job. Every
script gets its own temporary HOME (with fake credentials), $BW_ATTACK_TMP
(with a fake GitHub runner directory, also in $RUNNER_ROOT), working
directory (a fake checkout, a git work tree) and marker path ($BW_ATTACK_MARK).

TAP tests:
  - the corpus is well formed: every script has the four headers, valid
    rule names and PROCESS regexes;
  - every rule the corpus expects is in the default policy;
  - per script: it ran (exit 0, or 77 = skipped here), lost no event,
    left its payload's marker when it is exec-borne, and cleaned up after
    itself (HOME, $BW_ATTACK_TMP and the checkout as they were, and the
    /etc files it names, which the harness also undoes if need be);
  - per (script, expect line): some verdict has that rule and names a
    process whose exe basename, argv[0], argv[0]'s basename or filename's
    basename (" (deleted)" removed) matches PROCESS (re.search);
  - per exec-borne script: under deploy/policies/enforce-detections.yaml
    a verdict of an expected rule kills or denies it; when the kernel
    denied the exec the marker is never created (a userspace kill-process
    may come after the payload's first instructions: said, not failed).

A script with a `# todo:` header documents a known gap: its expectations
that fail are reported `not ok ... # TODO <why>` (tests/run.sh counts them
as skipped) until the detection exists; then drop the header.
$BW_ENFORCE_POLICY overrides the enforcing policy's path (to try a draft);
$BW_ATTACKS_ONLY, a regex, runs only the scripts whose names match it;
$BW_ATTACKS_KEEP=1 keeps the temporary directory (events files included).

Each script is stopped after SCRIPT_TIMEOUT seconds.
"""

import base64
import functools
import hashlib
import http.server
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
import traceback

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtap as T  # noqa: E402

ATTACKS = os.path.join(T.SRC, "tests", "attacks")
ENFORCE_POLICY = os.environ.get("BW_ENFORCE_POLICY") or os.path.join(
    T.SRC, "deploy", "policies", "enforce-detections.yaml")
PAYLOAD_SRC = os.path.join(T.SRC, "tests", "fixtures", "attack_payload.c")
PAYLOAD_BIN = os.path.join(T.FIXTURES, "attack_payload")
LD_HOOK_SRC = os.path.join(ATTACKS, "payloads", "ld-hook.c")
SCRIPT_TIMEOUT = 30
SKIP_STATUS = 77  # a script that cannot run here (a tool is missing)
SYSTEM_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
# Sanitizer settings of the san suite reach the agent; nothing else of ours.
PASS_ENV = ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "TERM")
ETC_CRON = "/etc/cron.d/buildwarden-attack-test"
ETC_PRELOAD = "/etc/ld.so.preload"
ETC_PASSWD = "/etc/passwd"
# Created by one script each and removed again.
ETC_CREATED = ("/etc/apt/apt.conf.d/99buildwarden-attack-test",
               "/etc/ld.so.conf.d/zz-buildwarden-attack-test.conf")
# Appended to by one script each and put back byte for byte.
ETC_RESTORED = (ETC_PASSWD, "/etc/hosts", "/etc/resolv.conf")
# The command the "C2" sends a reverse shell: leave the marker, then leave.
C2_COMMANDS = b'echo "$$ c2" >> "$BW_ATTACK_MARK"\nexit\n'

NAME_RE = re.compile(r"^([0-9]{2,3})-[a-z0-9][a-z0-9-]*\.sh$")
HEADER_RE = re.compile(r"^#\s*(technique|reproduces|expect|exec-borne|todo):\s*(.*?)\s*$")
RULE_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
ATTACK_ID_RE = re.compile(r"\bT[0-9]{4}(\.[0-9]{3})?\b")

S = {}  # shared state: tmp, www, ports, runs


def diag(msg):
    for line in msg.splitlines():
        print("# " + line, flush=True)


class Todo(Exception):
    """A test that cannot pass yet for a known reason: `not ok ... # TODO`."""


# ------------------------------------------------------------ the corpus

class Script:
    def __init__(self, path):
        self.path = path
        self.file = os.path.basename(path)
        self.name = self.file[:-3] if self.file.endswith(".sh") else self.file
        self.technique, self.reproduces, self.exec_borne, self.todo = [], [], [], []
        self.expect = []  # (rule, regex source, compiled or None)
        self.problems = []
        self.touches_etc = False  # checked and restored around its runs
        self._parse()

    def _parse(self):
        try:
            with open(self.path, encoding="utf-8") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError) as e:
            self.problems.append("cannot read: %s" % e)
            return
        lines = text.splitlines()
        self.touches_etc = (ETC_CRON in text or ETC_PRELOAD in text or "/etc/cron.d" in text or
                            any(p in text for p in ETC_CREATED + ETC_RESTORED))
        for n, line in enumerate(lines, 1):
            if n == 1 and line.startswith("#!"):
                continue
            if not line.startswith("#"):
                break  # the header is the leading comment block
            m = HEADER_RE.match(line)
            if not m:
                continue
            key, value = m.group(1), m.group(2)
            if key == "technique":
                self.technique.append(value)
            elif key == "reproduces":
                self.reproduces.append(value)
            elif key == "exec-borne":
                self.exec_borne.append(value)
            elif key == "todo":
                self.todo.append(value)
            else:
                self._parse_expect(n, value)
        if not NAME_RE.match(self.file):
            self.problems.append("file name is not NN-short-name.sh (two or three digits)")
        if len(self.technique) != 1 or not ATTACK_ID_RE.search(self.technique[0]):
            self.problems.append("needs one '# technique:' line with an ATT&CK id "
                                 "(T1234 or T1234.001), has %r" % self.technique)
        if len(self.reproduces) != 1 or len(self.reproduces[0]) < 10:
            self.problems.append("needs one '# reproduces:' line naming the incident "
                                 "or write-up, has %r" % self.reproduces)
        if not self.expect:
            self.problems.append("needs at least one '# expect: RULE PROCESS' line")
        if len(self.exec_borne) != 1 or self.exec_borne[0] not in ("yes", "no"):
            self.problems.append("needs one '# exec-borne: yes|no' line, has %r"
                                 % self.exec_borne)
        if any(not t for t in self.todo):
            self.problems.append("'# todo:' needs a reason")

    def _parse_expect(self, n, value):
        parts = value.split(None, 1)
        if len(parts) != 2:
            self.problems.append("line %d: expect needs RULE and PROCESS: %r" % (n, value))
            return
        rule, proc = parts[0], parts[1].strip()
        if len(proc) >= 2 and proc[0] == proc[-1] and proc[0] in "'\"":
            proc = proc[1:-1]
        if not RULE_RE.match(rule):
            self.problems.append("line %d: %r is not a rule name" % (n, rule))
        try:
            rx = re.compile(proc)
        except re.error as e:
            self.problems.append("line %d: PROCESS %r is not a regex: %s" % (n, proc, e))
            rx = None
        self.expect.append((rule, proc, rx))

    def number(self):
        """The script's number: what its name starts with, before the first '-'."""
        return self.name.split("-", 1)[0]

    @property
    def is_exec_borne(self):
        return self.exec_borne == ["yes"]


def load_corpus():
    try:
        names = sorted(n for n in os.listdir(ATTACKS) if n.endswith(".sh"))
    except OSError as e:
        return [], "cannot list %s: %s" % (ATTACKS, e)
    return [Script(os.path.join(ATTACKS, n)) for n in names], None


def selected(corpus):
    """The scripts to run: all, or those $BW_ATTACKS_ONLY matches."""
    only = os.environ.get("BW_ATTACKS_ONLY")
    return [sc for sc in corpus if not only or re.search(only, sc.name)]


# ------------------------------------------------------------ loopback services

class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, fmt, *args):
        pass

    def do_POST(self):
        """An exfiltration endpoint: the body is read and thrown away."""
        length = int(self.headers.get("Content-Length") or 0)
        while length > 0:
            chunk = self.rfile.read(min(length, 65536))
            if not chunk:
                break
            length -= len(chunk)
        self.send_response(204)
        self.end_headers()


def start_http(www):
    handler = functools.partial(QuietHandler, directory=www)
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    srv.daemon_threads = True
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def c2_session(conn):
    """One reverse-shell connection: wait like an operator, command, hang up."""
    with conn:
        try:
            conn.settimeout(10)
            time.sleep(0.3)
            conn.sendall(C2_COMMANDS)
            while conn.recv(4096):
                pass
        except OSError:
            pass


def start_listener():
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", 0))
    ls.listen(16)

    def accept_loop():
        while True:
            try:
                conn, _ = ls.accept()
            except OSError:
                return
            threading.Thread(target=c2_session, args=(conn,), daemon=True).start()

    threading.Thread(target=accept_loop, daemon=True).start()
    return ls


INSTALL_SH = """#!/bin/sh
# acme-cli installer: a harmless stand-in served by tests/bpf/test_attacks.py.
# All it does is leave the marker the harness looks for.
set -e
echo "acme-cli: installing..." >&2
echo "$$ install.sh" >> "${BW_ATTACK_MARK:?}"
echo "acme-cli: done" >&2
"""


STAGE_PY = """# acme telemetry stage: a harmless stand-in served by tests/bpf/test_attacks.py.
# All it does is leave the marker the harness looks for.
import os
with open(os.environ["BW_ATTACK_MARK"], "a") as f:
    f.write("%d stage.py\\n" % os.getpid())
"""
STAGE_JS = """// acme telemetry stage: a harmless stand-in served by tests/bpf/test_attacks.py.
require("fs").appendFileSync(process.env.BW_ATTACK_MARK, process.pid + " stage.js\\n");
"""
STAGE_PL = """# acme build stage: a harmless stand-in served by tests/bpf/test_attacks.py.
open(my $m, ">>", $ENV{BW_ATTACK_MARK}) or die; print $m "$$ stage.pl\\n"; close($m);
"""


def compile_c(src, out, extra):
    cc = shutil.which("cc") or shutil.which("gcc")
    if not cc:
        return "no C compiler to build %s" % src
    p = subprocess.run([cc, "-O2"] + extra + ["-o", out, src], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120)
    if p.returncode != 0:
        return "%s failed: %s" % (cc, p.stdout.decode("utf-8", "replace"))
    return None


def prepare_payloads():
    """Fill the web root; returns the path of the payload program."""
    tmp, www = S["tmp"], S["www"]
    payload = os.path.join(tmp, "payload", "attack_payload")
    os.makedirs(os.path.dirname(payload))
    if os.access(PAYLOAD_BIN, os.X_OK):
        shutil.copyfile(PAYLOAD_BIN, payload)
    else:
        err = compile_c(PAYLOAD_SRC, payload, [])
        if err:
            raise RuntimeError("payload fixture %s not built and cannot be compiled: %s"
                               % (PAYLOAD_BIN, err))
        diag("payload fixture %s not built; compiled it from %s" % (PAYLOAD_BIN, PAYLOAD_SRC))
    os.chmod(payload, 0o555)
    with open(payload, "rb") as f:
        elf = f.read()
    files = {
        "install.sh": INSTALL_SH.encode(),
        "bash": INSTALL_SH.encode(),  # the Codecov uploader's URL path
        "agent": elf,
        "agent.b64": base64.encodebytes(elf),
        "stage.py": STAGE_PY.encode(),
        "stage.js": STAGE_JS.encode(),
        "stage.pl": STAGE_PL.encode(),
    }
    for name, data in files.items():
        with open(os.path.join(www, name), "wb") as f:
            f.write(data)
    subprocess.run(["gzip", "-9", "-k", os.path.join(www, "install.sh")], check=True)
    with tarfile.open(os.path.join(www, "tools.tgz"), "w:gz") as tar:
        tar.add(payload, arcname="tools/bin/cache-warmer")
    err = compile_c(LD_HOOK_SRC, os.path.join(www, "libnss_cache.so"), ["-shared", "-fPIC"])
    if err:
        diag("libnss_cache.so not built (31-ld-audit-downloaded will fail): " + err)
    return payload


# ------------------------------------------------------------ per-run fixtures

FAKE_KEY = "\n".join([
    "-----BEGIN " + "OPENSSH PRIVATE KEY-----",
    "RkFLRS1LRVktRk9SLUJVSUxEV0FSREVOLUFUVEFDSy1DT1JQVVMtTk9ULUEtUkVBTC1LRVkK",
    "-----END " + "OPENSSH PRIVATE KEY-----", ""])

HOME_FILES = {
    ".bashrc": "# ~/.bashrc\ncase $- in *i*) ;; *) return ;; esac\nHISTSIZE=1000\n",
    ".profile": "# ~/.profile\n[ -n \"$BASH_VERSION\" ] && [ -f \"$HOME/.bashrc\" ] && . \"$HOME/.bashrc\"\n",
    ".ssh/id_rsa": FAKE_KEY,
    ".ssh/id_ed25519": FAKE_KEY,
    ".ssh/known_hosts": "github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n",
    ".ssh/config": "Host github.com\n  IdentityFile ~/.ssh/id_ed25519\n",
    ".aws/credentials": ("[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
                         "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"),
    ".aws/config": "[default]\nregion = eu-west-1\n",
    ".netrc": "machine api.github.com login ci-bot password not-a-real-password\n",
    ".git-credentials": "https://ci-bot:not-a-real-token@github.com\n",
    ".docker/config.json": json.dumps({"auths": {"ghcr.io": {
        "auth": "Y2ktYm90Om5vdC1hLXJlYWwtdG9rZW4="}}}) + "\n",
    ".kube/config": ("apiVersion: v1\nkind: Config\nusers:\n- name: ci\n  user:\n"
                     "    token: not-a-real-token\n"),
    ".npmrc": "//registry.npmjs.org/:_authToken=00000000-0000-4000-8000-000000000000\n",
    ".pypirc": "[pypi]\nusername = __token__\npassword = pypi-not-a-real-token\n",
    ".config/gh/hosts.yml": "github.com:\n    oauth_token: not-a-real-token\n    user: ci-bot\n",
    ".cache/pip/.keep": "",
}

RUNNER_FILES = {
    ".runner": json.dumps({"agentId": 42, "agentName": "ci-runner-7", "poolId": 1,
                           "serverUrl": "https://pipelines.actions.githubusercontent.com/x",
                           "gitHubUrl": "https://github.com/acme/widget",
                           "workFolder": "_work"}, indent=2) + "\n",
    ".credentials": json.dumps({"scheme": "OAuth", "data": {
        "clientId": "00000000-0000-4000-8000-000000000000",
        "authorizationUrl": "https://vstoken.actions.githubusercontent.com/x",
        "requireFipsCryptography": "False"}}, indent=2) + "\n",
    ".credentials_rsaparams": json.dumps({"d": "bm90LWEta2V5", "modulus": "bm90LWEta2V5"}) + "\n",
    ".env": "LANG=C.UTF-8\nImageOS=ubuntu22\n",
    ".path": SYSTEM_PATH + "\n",
    "svc.sh": "#!/bin/bash\n\nSVC_NAME=\"actions.runner.acme.ci-runner-7\"\necho \"$SVC_NAME\"\n",
    "_diag/Runner_20260101-000000-utc.log": "[2026-01-01 00:00:00Z INFO Runner] started\n",
}

CHECKOUT_FILES = {
    "README.md": "# widget\n",
    "Makefile": "all:\n\tcc -o widget src/main.c\n",
    "src/main.c": "int main(void) { return 0; }\n",
    "package.json": json.dumps({"name": "widget", "version": "1.0.0"}) + "\n",
    ".github/workflows/ci.yml": "on: push\njobs:\n  build:\n    runs-on: self-hosted\n    steps:\n      - run: make\n",
}


def write_tree(root, files, mode=0o600):
    for rel, text in files.items():
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)


def snapshot(root):
    """{relative path: (kind, digest)} of everything under root."""
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for d in dirnames:
            p = os.path.join(dirpath, d)
            out[os.path.relpath(p, root)] = ("link", os.readlink(p)) \
                if os.path.islink(p) else ("dir", None)
        for n in filenames:
            p = os.path.join(dirpath, n)
            rel = os.path.relpath(p, root)
            if os.path.islink(p):
                out[rel] = ("link", os.readlink(p))
                continue
            try:
                with open(p, "rb") as f:
                    out[rel] = ("file", hashlib.sha256(f.read()).hexdigest())
            except OSError as e:
                out[rel] = ("file", "unreadable: %s" % e)
    return out


def snapshot_diff(before, after):
    added = sorted(set(after) - set(before))
    removed = sorted(set(before) - set(after))
    changed = sorted(k for k in set(before) & set(after) if before[k] != after[k])
    out = []
    if added:
        out.append("left behind: %s" % ", ".join(repr(a) for a in added[:10]))
    if removed:
        out.append("removed: %s" % ", ".join(repr(r) for r in removed[:10]))
    if changed:
        out.append("changed and not restored: %s" % ", ".join(repr(c) for c in changed[:10]))
    return out


def etc_state():
    st = {}
    for p in (ETC_CRON, ETC_PRELOAD) + ETC_CREATED + ETC_RESTORED:
        try:
            with open(p, "rb") as f:
                st[p] = f.read()
        except FileNotFoundError:
            st[p] = None
        except OSError as e:
            st[p] = "unreadable: %s" % e
    return st


def etc_restore(before):
    """Undo what a (possibly killed) script left in /etc. Returns problems."""
    problems = []
    after = etc_state()
    for p in (ETC_CRON,) + ETC_CREATED:
        if after[p] is not None and before[p] is None:
            problems.append("%s left behind (removed by the harness)" % p)
            try:
                os.unlink(p)
            except OSError:
                pass
    if before[ETC_PRELOAD] is None and after[ETC_PRELOAD] is not None:
        problems.append("%s left behind (removed by the harness)" % ETC_PRELOAD)
        if after[ETC_PRELOAD] == b"":
            try:
                os.unlink(ETC_PRELOAD)
            except OSError:
                pass
        else:
            problems.append("%s HAS CONTENT, not removed: %r" % (ETC_PRELOAD, after[ETC_PRELOAD]))
    elif before[ETC_PRELOAD] != after[ETC_PRELOAD]:
        problems.append("%s changed: %r -> %r" % (ETC_PRELOAD, before[ETC_PRELOAD],
                                                  after[ETC_PRELOAD]))
    for p in ETC_RESTORED:
        if isinstance(before[p], bytes) and before[p] != after[p]:
            problems.append("%s changed (its content put back by the harness)" % p)
            with open(p, "wb") as f:
                f.write(before[p])
    return problems


# ------------------------------------------------------------ running one script

class AttackRun:
    pass


def run_script(sc, mode):
    """Run one script under buildwarden; mode is "default" or "enforce"."""
    root = os.path.join(S["tmp"], mode, sc.name)
    home = os.path.join(root, "home")
    atmp = os.path.join(root, "tmp")
    runner = os.path.join(atmp, "actions-runner")
    os.makedirs(os.path.join(runner, "_work", "widget"))
    os.makedirs(os.path.join(runner, "_work", "_tool"))
    work = os.path.join(root, "work", "widget")
    mark = os.path.join(root, "marker")
    events = os.path.join(root, "events.jsonl")
    write_tree(home, HOME_FILES)
    os.chmod(os.path.join(home, ".ssh"), 0o700)
    write_tree(runner, RUNNER_FILES)
    os.chmod(os.path.join(runner, "svc.sh"), 0o755)
    write_tree(work, CHECKOUT_FILES, 0o644)
    # A real checkout: its git index is what says which files are the source.
    T.make_checkout(work)
    before = {k: snapshot(d) for k, d in (("HOME", home), ("BW_ATTACK_TMP", atmp),
                                          ("the checkout", work))}
    # Only scripts that name /etc files are held to them: another run on
    # this host may change /etc meanwhile.
    etc_before = etc_state() if sc.touches_etc else None

    token = T.new_token("attack-" + sc.number())
    env = {k: os.environ[k] for k in PASS_ENV if k in os.environ}
    env.update({
        "PATH": SYSTEM_PATH, "HOME": home, "TMPDIR": atmp, "LANG": "C.UTF-8",
        "USER": "root", "LOGNAME": "root", "SHELL": "/bin/bash",
        # A self-hosted runner's variables: the agent watches its directory.
        "RUNNER_ROOT": runner,
        "RUNNER_WORKSPACE": os.path.join(runner, "_work", "widget"),
        "RUNNER_TOOL_CACHE": os.path.join(runner, "_work", "_tool"),
        "BW_ATTACK_PORT": str(S["http_port"]), "BW_ATTACK_WWW": S["www"],
        "BW_ATTACK_LISTEN_PORT": str(S["listen_port"]), "BW_ATTACK_MARK": mark,
        "BW_ATTACK_TMP": atmp, "BW_ATTACK_PAYLOAD": S["payload"],
        T.RUN_TOKEN_VAR: token,
    })
    argv = [T.BUILDWARDEN, "run", "--events", events]
    if mode == "enforce":
        argv += ["--policy", ENFORCE_POLICY]
    argv += ["--", "/bin/bash", sc.path]

    t0 = time.monotonic()
    p = subprocess.Popen(argv, cwd=work, env=env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         start_new_session=True)
    timed_out = False
    try:
        out, err = p.communicate(timeout=SCRIPT_TIMEOUT)
    except subprocess.TimeoutExpired:
        timed_out = True
        T.kill_group(p)
        T.kill_token(token)
        out, err = p.communicate()
    T.kill_token(token)  # daemonised leftovers (a miner started in the background)
    r = AttackRun()
    r.mode, r.script = mode, sc
    r.run = T.Run(p.returncode, out, err, timed_out, time.monotonic() - t0)
    r.records, r.parse_problems = T.read_events(events)
    r.summary = T.summary_of(r.records)
    r.verdicts = [x for x in r.records if x.get("type") == "verdict"]
    r.marker = None
    if os.path.exists(mark):
        with open(mark, "rb") as f:
            r.marker = f.read().decode("utf-8", "replace")
    r.leftovers = []
    for k, d in (("HOME", home), ("BW_ATTACK_TMP", atmp), ("the checkout", work)):
        r.leftovers += ["%s: %s" % (k, x) for x in snapshot_diff(before[k], snapshot(d))]
    if etc_before is not None:
        r.leftovers += etc_restore(etc_before)
    s = r.summary or {}
    diag("%s [%s]: exit %s%s in %.1fs, %s verdicts: %s" % (
        sc.name, mode, r.run.returncode, " (TIMED OUT)" if timed_out else "",
        r.run.elapsed, len(r.verdicts),
        ", ".join(sorted({"%s" % v.get("rule") for v in r.verdicts})) or "-"))
    if s.get("lost"):
        diag("%s [%s]: %s events lost" % (sc.name, mode, s.get("lost")))
    if not os.environ.get("BW_ATTACKS_KEEP"):
        shutil.rmtree(root, ignore_errors=True)
    return r


def get_run(sc, mode):
    if S.get("setup_error"):
        T.fail("the harness could not set up the payloads and servers:\n" + S["setup_error"])
    key = (sc.name, mode)
    if key not in S["runs"]:
        try:
            S["runs"][key] = run_script(sc, mode)
        except Exception:
            S["runs"][key] = traceback.format_exc()
    r = S["runs"][key]
    if isinstance(r, str):
        T.fail("running %s [%s] failed in the harness:\n%s" % (sc.file, mode, r))
    return r


def script_status(r):
    """The exit status of the script itself (the build's), or None."""
    s = r.summary or {}
    return s.get("build_exit_code")


def skipped(r):
    return script_status(r) == SKIP_STATUS and not r.run.timed_out


def skip_reason_of(r):
    """The script's own last words on stderr (not the agent's report)."""
    lines = [x for x in r.run.stderr.decode("utf-8", "replace").splitlines()
             if x.strip() and not x.startswith("buildwarden") and not x[:1].isdigit()
             and not x.startswith(" ")]
    return lines[-1][:200] if lines else "?"


def basename(s):
    return s.rstrip("/").rsplit("/", 1)[-1] if s else ""


def process_names(v):
    """What PROCESS is matched against, for one verdict."""
    names = []
    for path in (v.get("exe"), v.get("filename")):
        if isinstance(path, str) and path:
            b = basename(path)
            names.append(b)
            if b.endswith(" (deleted)"):
                names.append(b[:-len(" (deleted)")])
    argv = v.get("argv") or []
    if argv and isinstance(argv[0], str):
        names += [argv[0], basename(argv[0])]
    return [n for n in names if n]


def judged_exec_held(r, v):
    """Whether the exec a verdict judged (its process's latest exec before
    it: a process may exec twice, python then sh) was held by the kernel."""
    last = None
    for x in r.records:
        if x.get("seq", 0) >= v.get("seq", 0):
            break
        if (x.get("type") == "exec" and x.get("pid") == v.get("pid") and
                x.get("start_ns") == v.get("start_ns")):
            last = x
    return bool(last and last.get("held"))


def describe_verdicts(verdicts, limit=25):
    if not verdicts:
        return ["(no verdict records at all)"]
    lines = []
    for v in verdicts[:limit]:
        ev = v.get("event")
        evs = ""
        if isinstance(ev, dict):
            keep = {k: ev[k] for k in ("op", "path", "path2", "address", "port",
                                       "target_pid", "target_in_job") if k in ev}
            evs = " event %s" % json.dumps(keep or ev)[:300]
        lines.append("verdict seq %s: rule %r (%s, on %s) pid %s exe %r argv %r%s" % (
            v.get("seq"), v.get("rule"), v.get("action"), v.get("on"), v.get("pid"),
            v.get("exe"), (v.get("argv") or [])[:6], evs))
    if len(verdicts) > limit:
        lines.append("... and %d more" % (len(verdicts) - limit))
    return lines


def run_problems(r):
    """Why a run produced no usable trace, or []."""
    out = list(r.parse_problems[:5])
    if r.summary is None:
        out.append("no summary record: buildwarden did not run the job to the end: "
                   + r.run.describe())
    return out


# ------------------------------------------------------------ tests

def t_headers(corpus, err):
    if err:
        T.fail(err)
    c = T.Checker()
    c.check(len(corpus) >= 14, "only %d scripts in %s" % (len(corpus), ATTACKS))
    numbers = {}
    for sc in corpus:
        for p in sc.problems:
            c.check(False, "%s: %s" % (sc.file, p))
        m = NAME_RE.match(sc.file)
        if m:
            numbers.setdefault(m.group(1), []).append(sc.file)
    for nn, files in sorted(numbers.items()):
        c.check(len(files) == 1, "number %s used by %s" % (nn, ", ".join(files)))
    c.done()


def default_policy_rules():
    p = subprocess.run([T.BUILDWARDEN, "policy", "default"], stdin=subprocess.DEVNULL,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    if p.returncode != 0:
        T.fail("buildwarden policy default failed: %s" % p.stderr.decode("utf-8", "replace"))
    text = p.stdout.decode("utf-8", "replace")
    return set(re.findall(r"^\s*-\s*name:\s*['\"]?([^'\"\s#]+)", text, re.M))


def t_rules_exist(corpus):
    have = default_policy_rules()
    want = {}
    for sc in corpus:
        for rule, _, _ in sc.expect:
            want.setdefault(rule, []).append(sc.number())
    missing = sorted(r for r in want if r not in have)
    if missing:
        T.fail("rules the corpus expects but the default policy lacks:\n" + "\n".join(
            "  %s (scripts %s)" % (r, ", ".join(want[r])) for r in missing))


def t_ran(sc):
    if sc.problems:
        T.fail("malformed headers: " + "; ".join(sc.problems))
    r = get_run(sc, "default")
    if skipped(r):
        raise T.Skip("the script cannot run here (exit 77): %s" % skip_reason_of(r))
    c = T.Checker()
    problems = run_problems(r)
    for p in problems:
        c.check(False, p)
    c.check(not r.run.timed_out, "timed out after %ds" % SCRIPT_TIMEOUT)
    s = r.summary or {}
    if not c.check(script_status(r) == 0 and r.run.returncode == 0,
                   "the attack failed: script exit %r, buildwarden exit %r" % (
                       script_status(r), r.run.returncode)):
        c.problems.append("stdout (end): " + r.run.stdout.decode("utf-8", "replace")[-1500:])
        if not problems:
            c.problems.append(r.run.describe())
    if r.summary is not None:
        c.eq(s.get("lost"), 0, "summary.lost")
        c.eq(s.get("calls_dropped"), 0, "summary.calls_dropped")
        c.eq(s.get("policy"), "<default policy>", "summary.policy")
    if sc.is_exec_borne:
        c.check(r.marker, "exec-borne, but its payload never ran: no marker file "
                "(the corpus is broken, not the agent)")
    for p in r.leftovers:
        c.check(False, "not self-cleaning: " + p)
    c.done()


def t_expect(sc, rule, proc, rx):
    if rx is None:
        T.fail("PROCESS %r is not a regex" % proc)
    r = get_run(sc, "default")
    if skipped(r):
        raise T.Skip("the script cannot run here (exit 77)")
    probs = run_problems(r)
    if probs:
        T.fail("\n".join(probs))
    same_rule = [v for v in r.verdicts if v.get("rule") == rule]
    for v in same_rule:
        if any(rx.search(n) for n in process_names(v)):
            return
    lines = []
    if same_rule:
        lines.append("%d %s verdict(s), none names a process matching %r:" % (
            len(same_rule), rule, proc))
        lines += ["  names: %r" % process_names(v) for v in same_rule[:10]]
    else:
        lines.append("no %s verdict; the verdicts of this run:" % rule)
    lines += ["  " + x for x in describe_verdicts(r.verdicts)]
    if script_status(r) != 0:
        lines.append("(the script itself exited %r)" % script_status(r))
    if sc.todo:
        for line in lines:
            diag("  " + line)
        raise Todo("; ".join(sc.todo))
    T.fail("\n".join(lines))


def shown(path):
    """path relative to the source tree when it is inside it."""
    rel = os.path.relpath(path, T.SRC)
    return path if rel.startswith("..") else rel


def check_enforce_policy():
    """None when the enforcing policy loads; raises Todo or fails otherwise."""
    if "enforce_ok" in S:
        if S["enforce_ok"] is not True:
            T.fail(S["enforce_ok"])
        return
    if not os.path.exists(ENFORCE_POLICY):
        raise Todo("enforcing policy not written yet (%s)" % shown(ENFORCE_POLICY))
    p = subprocess.run([T.BUILDWARDEN, "policy", "check", ENFORCE_POLICY],
                       stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=30)
    if p.returncode != 0:
        S["enforce_ok"] = "buildwarden policy check %s failed (exit %d):\n%s" % (
            ENFORCE_POLICY, p.returncode, p.stderr.decode("utf-8", "replace")[-3000:])
        T.fail(S["enforce_ok"])
    S["enforce_ok"] = True


def t_enforced(sc):
    if not os.path.exists(ENFORCE_POLICY):
        raise Todo("enforcing policy not written yet")
    check_enforce_policy()
    base = get_run(sc, "default")
    if skipped(base):
        raise T.Skip("the script cannot run here (exit 77)")
    if not base.marker:
        T.fail("without enforcement the payload did not run either (no marker): "
               "nothing to prove; see the test that the attack runs")
    r = get_run(sc, "enforce")
    c = T.Checker()
    for p in run_problems(r):
        c.check(False, p)
    s = r.summary or {}
    c.check(r.summary is None or os.path.basename(str(s.get("policy"))) ==
            os.path.basename(ENFORCE_POLICY),
            "summary.policy is %r, not the enforcing policy" % s.get("policy"))
    # A deny is enforced in the kernel, and a kill-process of an exec the
    # kernel held for its verdict ("held" in its record) comes before its
    # first instruction: nothing of the payload may run. Any other
    # kill-process is judged while the program starts: it must be killed,
    # but its first instructions may have run (the window
    # test_kill_window.py measures), which is said, not failed.
    stops = [v for v in r.verdicts if v.get("action") in ("deny", "kill-process", "kill-job")]
    before_start = [v for v in stops if v.get("blocked") or judged_exec_held(r, v)]
    if not c.check(stops, "no verdict of %s killed or denied the payload" % (
                       shown(ENFORCE_POLICY))):
        c.problems += ["  " + x for x in describe_verdicts(r.verdicts)]
    elif r.marker and not before_start:
        diag("%s: killed from userspace at its exec, after its first instructions "
             "wrote the marker (the kill-process window)" % sc.name)
    elif not c.check(not r.marker, "the payload ran under %s although its exec was denied "
                     "or held for its verdict: marker written:\n%s" % (
                         shown(ENFORCE_POLICY), (r.marker or "").strip()[:500])):
        c.problems += ["  " + x for x in describe_verdicts(r.verdicts)]
    if c.problems and sc.todo:
        for line in c.problems:
            diag("  " + line)
        raise Todo("; ".join(sc.todo))
    for p in r.leftovers:
        if p.startswith("/etc") or "/etc/" in p:
            c.check(False, p)
    c.done()


def build_tests(corpus, err):
    tests = [("corpus: every script in tests/attacks/ carries technique, reproduces, "
              "expect and exec-borne headers", lambda: t_headers(corpus, err)),
             ("corpus: every rule the scripts expect is in the default policy",
              lambda: t_rules_exist(corpus))]
    for sc in selected(corpus):
        desc = "%s: the attack runs under the default policy (exit 0, no lost events%s, " \
               "self-cleaning)" % (sc.name, ", payload ran" if sc.is_exec_borne else "")
        tests.append((desc, functools.partial(t_ran, sc)))
        for rule, proc, rx in sc.expect:
            tests.append(("%s: %s flags %s" % (sc.name, rule, proc),
                          functools.partial(t_expect, sc, rule, proc, rx)))
    for sc in selected(corpus):
        if sc.is_exec_borne:
            tests.append(("%s: enforce-detections.yaml stops the payload (denied before "
                          "it runs, or killed at its exec)" % sc.name,
                          functools.partial(t_enforced, sc)))
    return tests


def tap_run(tests, skip=None):
    """bwtap.tap_run, plus Todo: `not ok N - name # TODO reason`."""
    print("1..%d" % len(tests), flush=True)
    failed = 0
    for i, (name, fn) in enumerate(tests, 1):
        if skip:
            print("ok %d - %s # SKIP %s" % (i, name, skip), flush=True)
            continue
        try:
            fn()
        except T.Skip as e:
            print("ok %d - %s # SKIP %s" % (i, name, e), flush=True)
        except Todo as e:
            print("not ok %d - %s # TODO %s" % (i, name, e), flush=True)
        except Exception as e:
            failed += 1
            print("not ok %d - %s" % (i, name), flush=True)
            text = (str(e) or "assertion failed") if isinstance(e, AssertionError) \
                else traceback.format_exc()
            for line in text.splitlines():
                print("#   " + line[:2000], flush=True)
        else:
            print("ok %d - %s" % (i, name), flush=True)
    return 1 if failed else 0


def main():
    corpus, err = load_corpus()
    tests = build_tests(corpus, err)
    skip = T.skip_reason()
    if skip:
        return tap_run(tests, skip)
    S["tmp"] = os.path.realpath(tempfile.mkdtemp(prefix="bw-attacks-"))
    S["runs"] = {}
    S["www"] = os.path.join(S["tmp"], "www")
    os.makedirs(S["www"])
    os.chmod(S["tmp"], 0o755)
    httpd = listener = None
    t0 = time.monotonic()
    try:
        try:
            S["payload"] = prepare_payloads()
            httpd = start_http(S["www"])
            listener = start_listener()
            S["http_port"] = httpd.server_address[1]
            S["listen_port"] = listener.getsockname()[1]
            diag("%d scripts; payloads on http://127.0.0.1:%d/, C2 listener on 127.0.0.1:%d"
                 % (len(corpus), S["http_port"], S["listen_port"]))
        except Exception:
            S["setup_error"] = traceback.format_exc()
        return tap_run(tests)
    finally:
        diag("attack corpus: %.0fs" % (time.monotonic() - t0))
        if httpd:
            httpd.shutdown()
            httpd.server_close()
        if listener:
            listener.close()
        if os.environ.get("BW_ATTACKS_KEEP"):
            diag("kept %s (BW_ATTACKS_KEEP)" % S["tmp"])
        else:
            shutil.rmtree(S["tmp"], ignore_errors=True)


if __name__ == "__main__":
    T.main_guard(main)
