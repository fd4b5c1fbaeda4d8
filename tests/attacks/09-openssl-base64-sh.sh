#!/bin/sh
# technique: T1140 Deobfuscate/Decode Files or Information; T1027 Obfuscated Files or Information; T1059.004 Unix Shell
# reproduces: droppers that decode with `openssl enc -d -base64` where coreutils base64 is watched or missing (Kinsing/TeamTNT-style Linux loaders; ATT&CK T1140 procedure examples)
# expect: decoded-script-to-shell ^(da)?sh$
# exec-borne: yes
#
# openssl decodes a here-document; its output is sh's program.
set -u

command -v openssl >/dev/null 2>&1 || { echo "openssl not installed" >&2; exit 77; }

decode() { openssl enc -d -base64; }

decode <<'B64' | sh
IyEvYmluL3NoCiMgc3RhZ2UgMjogbGVhdmUgdGhlIG1hcmtlciBhbmQgZ28gKHRlc3QgcGF5bG9h
ZCkKZWNobyAiJCQgc3RhZ2UyIiA+PiAiJHtCV19BVFRBQ0tfTUFSSzo/fSIK
B64
