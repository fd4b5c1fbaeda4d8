#!/bin/bash
# technique: T1574.006 Hijack Execution Flow: Dynamic Linker Hijacking
# reproduces: a library search path added in /etc/ld.so.conf.d pointing at a directory the attacker controls, so that after the next ldconfig every program on the host loading that library name loads theirs (the ld.so.conf variant of the ld.so.preload rootkits, e.g. in the PANIX Linux persistence toolkit)
# expect: library-search-path-hijack ^tee$
# exec-borne: no
#
# Written through sudo-less tee as a CI "install" step would; ldconfig is
# not run, so the host's cache never sees the directory.
set -u

CONF=/etc/ld.so.conf.d/zz-buildwarden-attack-test.conf
[ -d /etc/ld.so.conf.d ] || { echo "no /etc/ld.so.conf.d here" >&2; exit 77; }
[ -e "$CONF" ] && { echo "$CONF exists; not touching it" >&2; exit 1; }
LIBDIR="${BW_ATTACK_TMP:?}/.codecs"
trap 'rm -f "$CONF"; rm -rf "$LIBDIR"' EXIT
mkdir -p "$LIBDIR"
printf '# accelerated codecs\n%s\n' "$LIBDIR" | tee "$CONF" >/dev/null
sleep 0.3
