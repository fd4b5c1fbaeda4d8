#!/bin/sh
# technique: T1059.006 Command and Scripting Interpreter: Python; T1140 Deobfuscate/Decode Files or Information
# reproduces: malicious PyPI packages (W4SP stealer family, 2022, and many since) whose setup.py runs `exec(base64.b64decode(...))`; here the same line as a build step's `python3 -c`
# expect: interpreter-decode-eval ^python3(\.[0-9]+)?$
# exec-borne: yes
#
# The program python runs is only visible after decoding.
set -u

command -v python3 >/dev/null 2>&1 || { echo "python3 not installed" >&2; exit 77; }

blob='aW1wb3J0IG9zCndpdGggb3Blbihvcy5lbnZpcm9uWyJCV19BVFRBQ0tfTUFSSyJdLCAiYSIpIGFzIGY6CiAgICBmLndyaXRlKCIlZCBweXRob24tc3RhZ2VcbiIgJSBvcy5nZXRwaWQoKSkK'

echo "running post-build hook"
python3 -c "import base64;exec(base64.b64decode('$blob'))"
