#!/bin/bash
# technique: T1222.002 File and Directory Permissions Modification: Linux and Mac File and Directory Permissions Modification
# reproduces: TeamTNT's and Kinsing's droppers, which chattr -i the files they overwrite (authorized_keys, cron) and chattr +i their own so that clean-up fails, here on a build host
# expect: file-made-immutable ^chattr$
# exec-borne: no
#
# The locked file is the script's own, under its temporary directory;
# unlocked again before it is removed.
set -u
command -v chattr >/dev/null || exit 77

DIR=$(mktemp -d "${BW_ATTACK_TMP:?}/c-XXXXXX")
trap 'chattr -i "$DIR/sync" 2>/dev/null; rm -rf "$DIR"' EXIT
printf '*/5 * * * * root /tmp/.x/sync\n' >"$DIR/sync"

chattr +i "$DIR/sync" 2>/dev/null || exit 77
