#!/bin/bash
# technique: T1574.007 Hijack Execution Flow: Path Interception by PATH Environment Variable
# reproduces: GitHub Actions $GITHUB_PATH injection: a step puts a directory of its own first in PATH for every later step, whose `git`, `node` or `sudo` is then the attacker's wrapper (the add-path twin of the $GITHUB_ENV injections; GitHub's 2020 add-path deprecation advisory, CVE-2020-15228)
# expect: environment-file-injection ^(python3|bash)$
# exec-borne: no
#
# Written by a Python helper, the way a postinstall script would.
set -u

CMDS="${RUNNER_ROOT:?}/_work/_temp/_runner_file_commands"
[ -e "${RUNNER_ROOT}/_work/_temp" ] && { echo "_temp exists; not touching it" >&2; exit 1; }
SHIM_DIR=$(mktemp -d /tmp/.shims.XXXXXX)
trap 'rm -rf "${RUNNER_ROOT}/_work/_temp" "$SHIM_DIR"' EXIT
mkdir -p "$CMDS"
export GITHUB_PATH="$CMDS/add_path_$(printf '%08x' $$)"
: >"$GITHUB_PATH"
printf '#!/bin/sh\nexec /usr/bin/git "$@"\n' >"$SHIM_DIR/git"
chmod +x "$SHIM_DIR/git"

python3 - "$SHIM_DIR" <<'PY'
import os, sys
with open(os.environ["GITHUB_PATH"], "a") as f:
    f.write(sys.argv[1] + "\n")
PY
git --version >/dev/null
sleep 0.3
