#!/bin/bash
# technique: T1546.018 Event Triggered Execution: Python Startup Hooks
# reproduces: Python startup hooks as ATT&CK T1546.018 describes them: a .pth file (or sitecustomize.py) added to site-packages, whose `import` lines Python runs at every interpreter start, planted by a build step so that every later Python process of the runner's user runs the payload
# expect: persistence-write ^python3(\.[0-9]+)?$
# exec-borne: no
#
# Written by a plain python3 -c, not by pip: no package is installed. The
# hook is in the user's site-packages under the job's home, removed again.
set -u

command -v python3 >/dev/null 2>&1 || { echo "python3 not installed" >&2; exit 77; }

site=$(python3 -c 'import site; print(site.getusersitepackages())') || exit 1
case "$site" in "$HOME"/*) ;; *) echo "user site $site is outside the job's home" >&2; exit 77 ;; esac
created=$HOME/.local
[ -d "$created" ] && created=
trap '[ -n "$created" ] && rm -rf "$created"; rm -f "$site/zz-telemetry.pth"' EXIT

python3 - "$site" <<'PY'
import os
import sys

site = sys.argv[1]
os.makedirs(site, exist_ok=True)
with open(os.path.join(site, "zz-telemetry.pth"), "w") as f:
    f.write("import os; os.environ.get('BW_ATTACK_MARK') and open(os.environ['BW_ATTACK_MARK'], 'a').write('%d pth\\n' % os.getpid())\n")
PY
python3 -c 'pass'
