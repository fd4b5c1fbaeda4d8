#!/bin/bash
# technique: T1496 Resource Hijacking; T1036.005 Masquerading: Match Legitimate Name or Location
# reproduces: the XMRig miners dropped by CI compromises (Ultralytics 2024, the rspack and ua-parser-js npm packages) renamed to look like system processes and given their pool and Monero wallet on the command line (`-o pool:443 -u 4... -k --tls`)
# expect: crypto-miner ^kworker-cache$
# exec-borne: no
#
# The "miner" is the harness's harmless payload under another name; its
# pool is the harness's loopback server.
set -u

MINER="${BW_ATTACK_TMP:?}/.cache/kworker-cache"
trap 'rm -rf "${BW_ATTACK_TMP}/.cache"' EXIT
mkdir -p "$(dirname "$MINER")"
cp "${BW_ATTACK_PAYLOAD:?}" "$MINER"
chmod +x "$MINER"
WALLET=44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A
"$MINER" -o "127.0.0.1:${BW_ATTACK_PORT:?}" -u "$WALLET" -k --tls --cpu-max-threads-hint=50
