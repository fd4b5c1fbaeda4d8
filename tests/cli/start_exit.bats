#!/usr/bin/env bats
# What `run` does to start and to leave fast: the note that spares later
# agents of a boot a BPF LSM load the kernel refuses, and the detaches left
# to a holder after the agent's exit. Run: bats --tap tests/cli/start_exit.bats

bats_require_minimum_version 1.5.0

BW=${BUILDWARDEN:-$BATS_TEST_DIRNAME/../../build/buildwarden}
T="timeout -k 5 60"
NOTE=/run/buildwarden/bpf-lsm-refused

setup() {
	[ -x "$BW" ] || skip "buildwarden not built ($BW)"
	[ "$(id -u)" -eq 0 ] || skip "needs root"
	[ -e /sys/kernel/btf/vmlinux ] || skip "kernel has no BTF"
	TMP=$(mktemp -d)
	[ ! -e "$NOTE" ] || cp -p "$NOTE" "$TMP/note.saved"
}

teardown() {
	if [ -e "$TMP/note.saved" ]; then cp -p "$TMP/note.saved" "$NOTE"; else rm -f "$NOTE"; fi
	rm -rf "$TMP"
}

# Hosts whose kernel lists BPF LSM but refuses its programs (this VM): the case the note is for.
need_refused_lsm() {
	grep -qw bpf /sys/kernel/security/lsm 2>/dev/null || skip "BPF LSM is not listed here"
	rm -f "$NOTE"
	run -0 $T "$BW" run -vv --no-tree -- true
	[[ "$output" == *"BPF LSM deny hook unavailable"* ]] || skip "BPF LSM programs load here: no note to write"
}

@test "run: a refused BPF LSM load is noted for this boot, and the next run does not try it" {
	need_refused_lsm
	[ -f "$NOTE" ]
	[ "$(stat -c '%u %a' "$NOTE")" = "0 600" ]
	[ "$(cat "$NOTE")" = "$(cat /proc/sys/kernel/random/boot_id)" ]
	run -0 $T "$BW" run -vv --no-tree -- true
	[[ "$output" == *"refused earlier this boot"* ]]
	[[ "$output" != *"BPF LSM deny hook unavailable"* ]]
}

@test "run: a note of another boot, or one others may write, is not believed" {
	need_refused_lsm
	echo 00000000-0000-0000-0000-000000000000 > "$NOTE"
	run -0 $T "$BW" run -vv --no-tree -- true
	[[ "$output" == *"BPF LSM deny hook unavailable"* ]]
	[ "$(cat "$NOTE")" = "$(cat /proc/sys/kernel/random/boot_id)" ]
	chmod 0666 "$NOTE"
	run -0 $T "$BW" run -vv --no-tree -- true
	[[ "$output" == *"BPF LSM deny hook unavailable"* ]]
	[[ "$output" != *"refused earlier this boot"* ]]
}

@test "run: --deny-hook sigkill neither tries BPF LSM nor writes the note" {
	rm -f "$NOTE"
	run -0 $T "$BW" run -vv --deny-hook sigkill --no-tree -- true
	[[ "$output" != *"BPF LSM deny hook unavailable"* ]]
	[ ! -e "$NOTE" ]
}

@test "run: the build's status and every output are there when run exits, before the detaches" {
	run $T "$BW" run --no-tree --events "$TMP/e.jsonl" --report "$TMP/r.json" -- sh -c 'exit 7'
	[ "$status" -eq 7 ]
	[[ "$output" == *"exit status 7"* ]]
	tail -n 1 "$TMP/e.jsonl" | python3 -c 'import json,sys; r=json.load(sys.stdin); assert r["type"] == "summary" and r["exit_status"] == 7, r'
	python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert r["exit_status"] == 7, r' "$TMP/r.json"
}

@test "run: the holder left behind for the detaches keeps only BPF descriptors, no environment, and goes with run" {
	# run's own exit is held back 3 s (strace delays its exit_group): the
	# holder, forked just before, waits for that exit, so it can be found
	# and looked at, however fast run leaves. run's stdout is a pipe: the
	# holder must not keep it (a CI reading it would wait for the detaches).
	command -v strace >/dev/null || skip "strace missing (tools/deps.sh installs it)"
	run $T python3 - "$BW" <<'PY'
import os, subprocess, sys, time
mark = "secret-%d" % os.getpid()
p = subprocess.Popen(["strace", "-qq", "-o", "/dev/null", "-e", "trace=exit_group",
                      "-e", "inject=exit_group:delay_enter=3000000",
                      sys.argv[1], "run", "--no-tree", "--", "true"],
                     # LeakSanitizer's exit check cannot run under strace's ptrace
                     env=dict(os.environ, BW_HOLDER_MARK=mark,
                              ASAN_OPTIONS=os.environ.get("ASAN_OPTIONS", "") + ":detect_leaks=0"),
                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

def procs():
    for d in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/stat" % d) as f:
                st = f.read()
        except OSError:
            continue
        yield d, st.split(" (", 1)[1].rsplit(")", 1)[0], st.rsplit(")", 1)[1].split()[1]

def kinds(pid):
    out = []
    for fd in os.listdir("/proc/%s/fd" % pid):
        try:
            out.append(os.readlink("/proc/%s/fd/%s" % (pid, fd)))
        except OSError:
            pass
    return out

agent = holder = None
while holder is None and p.poll() is None:
    for pid, comm, ppid in procs():
        if ppid == str(p.pid) and comm == "buildwarden":
            agent = pid
        elif agent and ppid == agent and comm == "bw-detach":
            holder = pid
if holder is None:
    print("no holder seen while run's exit was held back (agent %s)" % agent)
    sys.exit(1)
# Seen by its name, which it takes first: run leaves only once it has let
# go of the environment and the pipes, so that must happen within 2 s.
deadline = time.monotonic() + 2
while True:
    with open("/proc/%s/environ" % holder, "rb") as f:
        env = f.read()
    fds = kinds(holder)
    other = [k for k in fds if not k.startswith("anon_inode:")]
    if (not env.strip(b"\0") and not other) or time.monotonic() > deadline:
        break
    time.sleep(0.01)
links = [k for k in fds if k in ("anon_inode:bpf_link", "anon_inode:[perf_event]")]
print("holder %s: environment %r; %d descriptors, %d links, others %r" % (holder, env[:200], len(fds), len(links), other))
p.stdout.read()  # end of file: the pipe's last writer (run) is gone, the holder let go of it
p.wait()
deadline = time.monotonic() + 10
while os.path.exists("/proc/%s/fd" % holder) and kinds(holder) and time.monotonic() < deadline:
    time.sleep(0.05)
left = os.path.exists("/proc/%s/fd" % holder) and kinds(holder)
print("run exited %d; holder still holds %r" % (p.returncode, left))
sys.exit(1 if env.strip(b"\0") or mark.encode() in env or not links or other or left or p.returncode else 0)
PY
	echo "$output"
	[ "$status" -eq 0 ]
}
