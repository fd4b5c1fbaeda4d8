#!/bin/bash
# technique: T1552.003 Unsecured Credentials: Bash History
# reproduces: credential harvesters on CI and build hosts (TeamTNT's and the Shai-Hulud worm's secret sweeps) that grep the users' shell histories for passwords and tokens typed on command lines
# expect: credential-file-access ^grep$
# exec-borne: no
#
# The history exists on a self-hosted runner where people log in; the
# harvest greps every history it finds for token-shaped strings.
set -u

trap 'rm -f "$HOME/.bash_history"' EXIT
printf 'ls\nexport VAULT_TOKEN=hvs.buildwardenAttackTest\nmake deploy\n' >"$HOME/.bash_history"

for h in "$HOME"/.*_history; do
	[ -f "$h" ] || continue
	grep -E -h -i 'token|passw|secret|AKIA' "$h" >/dev/null || true
done
