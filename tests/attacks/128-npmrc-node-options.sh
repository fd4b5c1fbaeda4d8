#!/bin/bash
# technique: T1546 Event Triggered Execution; T1574 Hijack Execution Flow
# reproduces: npm configuration poisoning: a `node-options=--require <hook>` line in the user's .npmrc makes every later npm script of the runner load the attacker's module (the .npmrc variant of the NODE_OPTIONS injections behind GitHub Actions environment-file attacks)
# expect: environment-file-injection ^python3(\.[0-9]+)?$
# exec-borne: no
#
# A Python helper appends the line; the file is put back at exit.
set -u

NPMRC="${HOME:?}/.npmrc"
SAVED="${BW_ATTACK_TMP:?}/npmrc.saved"
cp -p "$NPMRC" "$SAVED"
trap 'cat "$SAVED" >"$NPMRC"; rm -f "$SAVED"' EXIT
HOOK="${BW_ATTACK_TMP}/.npm-telemetry.js"
python3 - "$NPMRC" "$HOOK" <<'PY'
import sys
with open(sys.argv[1], "a") as f:
    f.write("node-options=--require %s\n" % sys.argv[2])
PY
sleep 0.3
