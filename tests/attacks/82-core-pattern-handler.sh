#!/bin/sh
# technique: T1611 Escape to Host; T1546 Event Triggered Execution
# reproduces: privileged-container breakouts through the kernel's own helpers (the core_pattern pipe handler; CVE-2022-0492's cgroup release_agent is the same idea): a "|/path" written to /proc/sys/kernel/core_pattern is run by the kernel, as root on the host, at the next crash
# expect: kernel-handler-hijack ^(sh|dash|bash)$
# exec-borne: no
#
# Harmless: the handler is composed but the value written is the one
# that was there (the open for writing is what gives the escape away).
set -u

knob=/proc/sys/kernel/core_pattern
[ -w "$knob" ] || { echo "$knob is not writable here" >&2; exit 77; }
saved=$(cat "$knob") || exit 1
dir=$(mktemp -d "${BW_ATTACK_TMP:?}/.x-XXXXXX")
trap 'rm -rf "$dir"' EXIT
handler="|$dir/crash-report %p"
echo "would install: $handler" >&2
printf '%s\n' "$saved" >"$knob" || { echo "cannot write $knob" >&2; exit 77; }
[ "$(cat "$knob")" = "$saved" ]
