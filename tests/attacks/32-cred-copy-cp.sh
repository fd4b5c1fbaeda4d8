#!/bin/sh
# technique: T1552.004 Unsecured Credentials: Private Keys; T1552.001 Unsecured Credentials: Credentials In Files; T1074.001 Data Staged: Local Data Staging
# reproduces: Shai-Hulud npm worm (2025) and the nx "s1ngularity" postinstall (2025) gathered SSH keys, cloud and registry credentials into one staging file before exfiltration; here they are staged with cp
# expect: credential-file-access ^cp$
# exec-borne: no
#
# Reads (copies) the job user's keys and cloud/registry credentials into
# a staging directory. The harness put fakes in $HOME.
set -u

stage=$(mktemp -d "${BW_ATTACK_TMP:?}/.s-XXXXXX")
trap 'rm -rf "$stage"' EXIT

n=0
for f in .ssh/id_rsa .ssh/id_ed25519 .aws/credentials .docker/config.json .kube/config; do
	if [ -r "$HOME/$f" ]; then
		cp "$HOME/$f" "$stage/$(printf %s "$f" | tr / _)" && n=$((n + 1))
	fi
done
echo "staged $n files"
[ "$n" -gt 0 ]
