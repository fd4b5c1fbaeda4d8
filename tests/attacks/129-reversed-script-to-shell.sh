#!/bin/bash
# technique: T1140 Deobfuscate/Decode Files or Information; T1059.004 Command and Scripting Interpreter: Unix Shell
# reproduces: a stage shipped reversed in a test fixture and turned back by `rev` straight into a shell (string reversal is one of the obfuscations of Bashfuscator and of the xz-utils backdoor's build-to-host.m4 style of hiding a script in test data)
# expect: decoded-script-to-shell ^(da)?sh$
# exec-borne: yes
set -u

FIX="${BW_ATTACK_TMP:?}/fixtures"
mkdir -p "$FIX"
trap 'rm -rf "$FIX"' EXIT
printf 'echo "$$ reversed" >> %s\n' "${BW_ATTACK_MARK:?}" | rev >"$FIX/corrupt-3.txt"

rev "$FIX/corrupt-3.txt" | /bin/sh
