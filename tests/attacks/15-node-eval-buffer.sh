#!/bin/sh
# technique: T1059.007 Command and Scripting Interpreter: JavaScript; T1140 Deobfuscate/Decode Files or Information
# reproduces: event-stream/flatmap-stream (2018) decoded and evaluated its hidden payload inside node; npm stealers since ship `eval(Buffer.from(..., 'base64').toString())` in install hooks
# expect: interpreter-decode-eval ^node(js)?$
# exec-borne: yes
#
# Skipped (exit 77) where node is not installed.
set -u

command -v node >/dev/null 2>&1 || { echo "node not installed" >&2; exit 77; }

payload=cmVxdWlyZSgiZnMiKS5hcHBlbmRGaWxlU3luYyhwcm9jZXNzLmVudi5CV19BVFRBQ0tfTUFSSywgcHJvY2Vzcy5waWQgKyAiIG5vZGUtc3RhZ2VcbiIpOw==

node -e "eval(Buffer.from('$payload','base64').toString())"
