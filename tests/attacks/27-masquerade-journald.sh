#!/bin/bash
# technique: T1036.005 Masquerading: Match Legitimate Name or Location; T1036.011 Masquerading: Overwrite Process Arguments
# reproduces: BPFDoor (PwC/Elastic, 2022) renames itself after common daemons, e.g. "/usr/lib/systemd/systemd-journald", "dbus-daemon --system"
# expect: masquerade-process-name ^systemd-journald$
# exec-borne: yes
#
# The payload is named like the daemon it imitates and started with the
# daemon's full path as argv[0] — but it runs from a temp directory.
set -u

workdir="${BW_ATTACK_TMP:?}/runtime"
mkdir -p "$workdir"
trap 'rm -rf "$workdir"' EXIT

cp "${BW_ATTACK_PAYLOAD:?}" "$workdir/systemd-journald"
chmod +x "$workdir/systemd-journald"

( exec -a /usr/lib/systemd/systemd-journald "$workdir/systemd-journald" )
