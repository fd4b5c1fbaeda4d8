#!/bin/bash
# technique: T1546.004 Event Triggered Execution: Unix Shell Configuration Modification
# reproduces: rc-file implants edited in place from the home directory (`cd ~ && sed -i '$a …' .bashrc`, as Linux miner installers and the XMRig droppers of poisoned npm packages do): sed writes a temporary file beside .bashrc and renames it over by a relative name
# expect: persistence-write ^sed$
# exec-borne: no
#
# The line appended would start a (non-existent) agent at the next login.
# ~/.bashrc is restored afterwards.
set -u

backup="${BW_ATTACK_TMP:?}/rc-backup"
mkdir -p "$backup"
restore() {
	if [ -e "$backup/.bashrc" ]; then cat "$backup/.bashrc" >"$HOME/.bashrc"; else rm -f "$HOME/.bashrc"; fi
	rm -rf "$backup"
}
[ -e "$HOME/.bashrc" ] && cat "$HOME/.bashrc" >"$backup/.bashrc"
[ -e "$HOME/.bashrc" ] || : >"$HOME/.bashrc"
trap restore EXIT

install_hook() {
	cd "$HOME" || return 1
	sed -i '$a (nohup "$HOME/.cache/.kswapd" >/dev/null 2>\&1 \&)  # system update' .bashrc
}
install_hook && grep -q kswapd "$HOME/.bashrc"
