#!/bin/bash
# technique: T1564.001 Hide Artifacts: Hidden Files and Directories; T1036 Masquerading
# reproduces: the "... " (three dots and a space) directories Linux miners and bots hide in, which `ls` lists as if they were . and .. (ATT&CK T1564.001 procedure examples)
# expect: exec-from-deceptive-path ^dbus-launch$
# exec-borne: yes
#
# The payload lives in "$BW_ATTACK_TMP/... /" and runs from there.
set -u

hide="${BW_ATTACK_TMP:?}/... "
mkdir -p "$hide"
trap 'rm -rf "$hide"' EXIT

cp "${BW_ATTACK_PAYLOAD:?}" "$hide/dbus-launch"
chmod 755 "$hide/dbus-launch"
cd "$hide" && ./dbus-launch --autolaunch
