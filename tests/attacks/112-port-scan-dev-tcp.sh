#!/bin/bash
# technique: T1046 Network Service Discovery
# reproduces: the reconnaissance step of CI compromises that look for a way off the runner (an exposed Docker API, a database, the Kubernetes API, a metadata proxy): a bash loop over /dev/tcp, the port scanner of every post-exploitation cheat sheet, needing no tool
# expect: network-port-scan ^bash$
# exec-borne: no
#
# Loopback's low ports, most of them closed; the open ones are noted as a
# scanner does.
set -u

OPEN=$(mktemp "${BW_ATTACK_TMP:?}/open-XXXXXX")
trap 'rm -f "$OPEN"' EXIT

for port in $(seq 1 48); do
	if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
		echo "$port" >>"$OPEN"
	fi
done
