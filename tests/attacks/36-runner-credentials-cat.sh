#!/bin/bash
# technique: T1552.001 Unsecured Credentials: Credentials In Files
# reproduces: PyTorch self-hosted runner compromise (Praetorian, 2024): on a non-ephemeral runner the job can read the runner's own registration (.runner, .credentials, .credentials_rsaparams) and impersonate the runner
# expect: credential-file-access ^cat$
# exec-borne: no
#
# Finds the runner's directory the way such a payload does (the usual
# install locations; only fake ones here: $HOME is the harness's) and
# dumps its credential files.
set -u

runner_root=
for d in "${RUNNER_ROOT:-}" "$HOME/actions-runner" "${BW_ATTACK_TMP:?}/actions-runner"; do
	if [ -n "$d" ] && [ -f "$d/.credentials" ]; then
		runner_root=$d
		break
	fi
done
[ -n "$runner_root" ] || { echo "no runner found" >&2; exit 1; }

dump=$(cat "$runner_root/.runner" "$runner_root/.credentials" "$runner_root/.credentials_rsaparams" 2>/dev/null)
echo "runner registration: ${#dump} bytes"
[ ${#dump} -gt 0 ]
