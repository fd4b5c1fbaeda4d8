#!/bin/bash
# technique: T1529 System Shutdown/Reboot
# reproduces: the nx "s1ngularity" compromise (2025) appended `sudo shutdown -h 0` to ~/.bashrc and ~/.zshrc so that the next shell took the machine down; a self-hosted runner's next job would start that shell
# expect: host-shutdown ^shutdown$
# exec-borne: no
#
# The "shutdown" is the harness's harmless payload under that name, first
# in PATH: nothing goes down.
set -u

BIN="${BW_ATTACK_TMP:?}/bin"
trap 'rm -rf "$BIN"' EXIT
mkdir -p "$BIN"
cp "${BW_ATTACK_PAYLOAD:?}" "$BIN/shutdown"
chmod +x "$BIN/shutdown"
PATH="$BIN:$PATH" bash -c 'shutdown -h 0'
