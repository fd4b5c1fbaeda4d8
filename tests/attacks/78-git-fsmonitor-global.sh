#!/bin/bash
# technique: T1546 Event Triggered Execution; T1677 Poisoned Pipeline Execution
# reproduces: git's core.fsmonitor as a hook that every later `git status` runs (the configuration git's 2022 advisories warn about in untrusted repositories), set for the runner's user so that the next job's checkout on a self-hosted runner executes it
# expect: git-config-persistence ^git$
# exec-borne: no
#
# Writes the temporary HOME's ~/.gitconfig (the command would only echo)
# and puts it back as it was.
set -u

command -v git >/dev/null 2>&1 || { echo "git not installed" >&2; exit 77; }

cfg="$HOME/.gitconfig"
backup="${BW_ATTACK_TMP:?}/gitconfig.bak"
had=false
[ -e "$cfg" ] && { cp -p "$cfg" "$backup" && had=true; }
restore() {
	if $had; then cat "$backup" >"$cfg" && rm -f "$backup"; else rm -f "$cfg"; fi
}
trap restore EXIT

git config --global core.fsmonitor 'echo "fsmonitor (buildwarden attack corpus: inert)" >/dev/null; true'
[ -n "$(git config --global core.fsmonitor)" ]
