#!/bin/bash
# technique: T1036.005 Masquerading: Match Legitimate Name or Location
# reproduces: Linux miners and backdoors copied under a system daemon's name into a user-writable place and started by that name (a miner in ~/.cache/ as systemd-journald): argv[0], comm and the file all agree, so there is no mismatch to see
# expect: masquerade-system-daemon ^systemd-journald$
# exec-borne: no
#
# Not exec-borne for the enforcing harness: the rule is judged in
# userspace after the exec (no kernel hint holds it), so a kill races the
# payload's first instructions. The payload only creates the marker.
set -u

cache="$HOME/.cache"
made=false
[ -d "$cache" ] || { mkdir -p "$cache" && made=true; }
dest="$cache/systemd-journald"
[ -e "$dest" ] && { echo "$dest exists; not touching it" >&2; exit 1; }
trap 'rm -f "$dest"; $made && rmdir "$cache"' EXIT

install -m 0755 "${BW_ATTACK_PAYLOAD:?}" "$dest"
"$dest" &
wait $!
