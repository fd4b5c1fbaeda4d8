#!/bin/sh
# Kernel-facing checks run inside the VM (busybox sh). Each scenario runs
# `buildwarden run` and prints, between BWVM-BEGIN NAME / BWVM-END NAME
# lines, its event stream and the agent's stderr, plus "BWVM-RC NAME STATUS";
# tests/vm/test_vm.py judges them on the host. Nothing here decides pass/fail
# beyond what is cheaper to see in the guest (marker files, exit statuses).
BW=/bw/buildwarden
FX=/bw/fixtures
cd /tmp || exit 1

emit() { # NAME FILE
	echo "BWVM-BEGIN $1"
	[ -f "$2" ] && cat "$2"
	echo
	echo "BWVM-END $1"
}
info() { echo "BWVM-INFO $*"; }

info btf=$([ -e /sys/kernel/btf/vmlinux ] && echo yes || echo no)
info lsm=$(cat /sys/kernel/security/lsm 2>/dev/null || echo unknown)
info cmdline=$(cat /proc/cmdline)
info tracefs=$([ -d /sys/kernel/tracing/events ] && echo yes || echo no)
info cgroup2=$([ -f /sys/fs/cgroup/cgroup.controllers ] && echo yes || echo no)
info agent="$($BW --version 2>&1 | head -n1)"

# 1. exec/fork/exit lineage: every kind of exec (tests/fixtures/exec_zoo.c),
#    exec hooks only, so a failing syscalls object cannot mask this result.
t0=$(cut -d' ' -f1 /proc/uptime)
$BW run --record exec --no-tree --events /tmp/zoo.jsonl -- $FX/exec_zoo all \
	>/tmp/zoo.out 2>&1
echo "BWVM-RC lineage $? start=$t0 end=$(cut -d' ' -f1 /proc/uptime)"
emit lineage-stderr /tmp/zoo.out
emit lineage /tmp/zoo.jsonl

# 2. deny-exec: a denied copy of tests/fixtures/marker must never write its
#    marker; an allowed copy in the same job must, each time. A third copy,
#    under a kill-process rule on LD_PRELOAD, is held at its exec (SIGSTOP)
#    for the agent's verdict: it never writes its marker either.
mkdir -p /tmp/deny /tmp/ok /tmp/marks
cp $FX/marker /tmp/deny/bwmarker
cp $FX/marker /tmp/ok/bwallowed
cp $FX/marker /tmp/ok/bwheld
cat >/tmp/deny.yaml <<'YAML'
version: 1
mode: enforce
rules:
  - name: vm-deny-marker
    description: the VM test's deny rule
    severity: high
    action: deny
    match:
      exe: /tmp/deny/bwmarker
  - name: vm-hold-marker
    description: the VM test's userspace kill of a held exec
    severity: high
    action: kill-process
    match:
      basename: bwheld
      env: {regex: '^LD_PRELOAD='}
YAML
cat >/tmp/deny.sh <<'SH'
i=0
while [ $i -lt 5 ]; do
	/tmp/deny/bwmarker /tmp/marks/denied; echo "denied $?" >>/tmp/deny.status
	/tmp/ok/bwallowed /tmp/marks/allowed; echo "allowed $?" >>/tmp/deny.status
	LD_PRELOAD=/tmp/none.so /tmp/ok/bwheld /tmp/marks/held; echo "held $?" >>/tmp/deny.status
	i=$((i + 1))
done
SH
$BW run --policy /tmp/deny.yaml --no-tree --events /tmp/deny.jsonl -- sh /tmp/deny.sh \
	>/tmp/deny.out 2>&1
echo "BWVM-RC deny $?"
echo "BWVM-INFO deny_marker_lines=$(cat /tmp/marks/denied 2>/dev/null | wc -l) allowed_marker_lines=$(cat /tmp/marks/allowed 2>/dev/null | wc -l) held_marker_lines=$(cat /tmp/marks/held 2>/dev/null | wc -l)"
emit deny-status /tmp/deny.status
emit deny-stderr /tmp/deny.out
emit deny /tmp/deny.jsonl

# 3. network: a TCP connect to a listener on loopback, and a DNS query to a
#    (closed) resolver on loopback, with the default hooks.
nc -l -p 7777 </dev/null >/tmp/nc.got 2>&1 &
ncpid=$!
sleep 1
cat >/tmp/net.sh <<'SH'
echo hello-from-vm | timeout 5 nc -w 2 127.0.0.1 7777
echo "nc $?"
timeout 5 nslookup buildwarden-vm.test 127.0.0.1 >/dev/null 2>&1
echo "nslookup $?"
exit 0
SH
$BW run --no-tree --events /tmp/net.jsonl -- sh /tmp/net.sh >/tmp/net.out 2>&1
echo "BWVM-RC network $?"
kill $ncpid 2>/dev/null
emit network-stderr /tmp/net.out
emit network /tmp/net.jsonl

# 3b. tampering: a job process sends SIGUSR1 (fatal by default) to the agent.
#    With BPF LSM attached the kill fails with EPERM and the agent lives on;
#    without it the agent dies, and the next run reports who killed it.
$BW run --no-tree --events /tmp/tamper1.jsonl -- \
	sh -c 'kill -USR1 $PPID; echo "kill $?" >/tmp/tamper.status; sleep 1' \
	>/tmp/tamper1.out 2>&1
echo "BWVM-RC tamper1 $?"
$BW run --no-tree --events /tmp/tamper2.jsonl -- true >/tmp/tamper2.out 2>&1
echo "BWVM-RC tamper2 $?"
emit tamper-status /tmp/tamper.status
emit tamper1-stderr /tmp/tamper1.out
emit tamper1 /tmp/tamper1.jsonl
emit tamper2-stderr /tmp/tamper2.out
emit tamper2 /tmp/tamper2.jsonl

# 4. 32-bit processes: a static i686 (x86_64 guest, IA32 emulation) or
#    armhf (arm64 guest, AArch32) program (tests/fixtures/compat32.c)
#    connects, queries a DNS server of its own on 127.0.0.1:53, reads a
#    credential file the default policy watches, writes, chmods, renames and
#    unlinks a file and makes privilege calls, by 32-bit syscall numbers
#    (ia32: and through socketcall); the same source built for x86_64 opens
#    the credential file with int 0x80.
c32=
for f in $FX/compat32-i386 $FX/compat32-armhf; do [ -x "$f" ] && c32=$f; done
if [ -n "$c32" ]; then
	mkdir -p /root/.ssh /tmp/c32
	echo not-a-key >/root/.ssh/id_compat32
	nc -l -p 7780 </dev/null >/dev/null 2>&1 &
	ncpid=$!
	sleep 1
	cat >/tmp/c32.sh <<SH
$c32 /root/.ssh/id_compat32 7780; echo "compat32 \$?"
$FX/compat32 /root/.ssh/id_compat32; echo "int80 \$?"
SH
	(cd /tmp/c32 && HOME=/root $BW run --no-tree --events /tmp/c32.jsonl -- sh /tmp/c32.sh \
		>/tmp/c32.out 2>&1)
	echo "BWVM-RC compat $?"
	kill $ncpid 2>/dev/null
	emit compat-stderr /tmp/c32.out
	emit compat /tmp/c32.jsonl
else
	info compat=no-fixture
fi

# 5. diagnostics: libbpf's own output (-vv) for a run with every hook, so a
#    program that does not load on this kernel is reported verbatim
#    (first 60 and last 300 lines).
$BW run -vv --record all --no-tree -- true >/tmp/diag.out 2>&1
echo "BWVM-RC diag $?"
n=$(wc -l </tmp/diag.out)
if [ "$n" -gt 360 ]; then
	{ head -n 60 /tmp/diag.out; echo "... ($((n - 360)) lines cut) ..."; tail -n 300 /tmp/diag.out; } >/tmp/diag.cut
else
	cp /tmp/diag.out /tmp/diag.cut
fi
emit diag /tmp/diag.cut
# The CO-RE relocations as this kernel resolved them (field -> offset), to
# compare layouts across kernels; and any that found no target.
grep -E 'matching candidate|no matching targets|substituting insn|poison' /tmp/diag.out |
	sed -e 's/^.*relo #[0-9]*: //' -e 's/candidate #[0-9]* //' | sort -u >/tmp/core.txt
emit core /tmp/core.txt
