#!/bin/sh
# technique: T1496.001 Resource Hijacking: Compute Hijacking; T1036.005 Masquerading: Match Legitimate Name or Location
# reproduces: ua-parser-js (2021): the hijacked package's preinstall started XMRig renamed "jsextension" with `-k --tls --rig-id q -o POOL -u WALLET --cpu-max-threads-hint=50 --donate-level=1 --background`; only the pool URL gives it away
# expect: crypto-miner ^jsextension$
# exec-borne: yes
#
# The renamed miner is a copy of the payload; the pool is a stratum+ssl
# URL on the harness's listener.
set -u

bin="${BW_ATTACK_TMP:?}/jsextension"
trap 'rm -f "$bin"' EXIT
cp "${BW_ATTACK_PAYLOAD:?}" "$bin" && chmod +x "$bin" || exit 1

"$bin" -k --tls --rig-id q -o "stratum+ssl://127.0.0.1:${BW_ATTACK_LISTEN_PORT:?}" \
	-u 49fakeWalletForBuildwardenTests --cpu-max-threads-hint=50 --donate-level=1
