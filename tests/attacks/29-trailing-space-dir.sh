#!/bin/sh
# technique: T1036.006 Masquerading: Space after Filename; T1564.001 Hide Artifacts: Hidden Files and Directories
# reproduces: paths with a trailing space ("lib " next to "lib") that read as the real directory in logs and `ps` (ATT&CK T1036.006)
# expect: exec-from-deceptive-path ^ld-update$
# exec-borne: yes
#
# "$BW_ATTACK_TMP/lib /ld-update": the space is invisible in most output.
set -u

real="${BW_ATTACK_TMP:?}/lib"
fake="${BW_ATTACK_TMP}/lib "
mkdir -p "$real" "$fake"
trap 'rm -rf "$real" "$fake"' EXIT

cp "${BW_ATTACK_PAYLOAD:?}" "$fake/ld-update"
chmod 755 "$fake/ld-update"
"$fake/ld-update"
