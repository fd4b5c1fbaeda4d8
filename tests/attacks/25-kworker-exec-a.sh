#!/bin/bash
# technique: T1036.004 Masquerading: Masquerade Task or Service; T1036.011 Masquerading: Overwrite Process Arguments
# reproduces: Cyclops Blink (NCSC/CISA, 2022) and Linux miners that show up in ps as a kernel worker thread: argv[0] set to "[kworker/0:1]"
# expect: masquerade-kernel-thread ^\[kworker/
# exec-borne: yes
#
# A user-space program started with a kernel thread's name as argv[0]
# (bash's exec -a).
set -u

stash="${BW_ATTACK_TMP:?}/.cache/fontconfig"
mkdir -p "$stash"
trap 'rm -rf "${BW_ATTACK_TMP:?}/.cache"' EXIT

cp "${BW_ATTACK_PAYLOAD:?}" "$stash/fc-update"
chmod 755 "$stash/fc-update"

( exec -a '[kworker/0:1-events]' "$stash/fc-update" )
