#!/bin/bash
# technique: T1140 Deobfuscate/Decode Files or Information; T1027 Obfuscated Files or Information; T1059.004 Unix Shell
# reproduces: tj-actions/changed-files (2025) and reviewdog/action-setup (2025): the compromised action carried its payload base64-encoded and ran it as `echo $B64 | base64 -d | bash`
# expect: decoded-script-to-shell ^bash$
# exec-borne: yes
#
# The blob is what a reviewer sees in the diff; the decoder's output is
# what bash runs.
set -u

# "telemetry" blob, as it appears in the tampered action
B64='IyEvYmluL3NoCiMgc3RhZ2UgMjogbGVhdmUgdGhlIG1hcmtlciBhbmQgZ28gKHRlc3QgcGF5bG9hZCkKZWNobyAiJCQgc3RhZ2UyIiA+PiAiJHtCV19BVFRBQ0tfTUFSSzo/fSIK'

run_stage() {
	echo "$B64" | base64 -d | bash
}

if [[ "$OSTYPE" == linux* ]]; then
	run_stage || { echo "stage failed" >&2; exit 1; }
fi
