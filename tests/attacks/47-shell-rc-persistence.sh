#!/bin/bash
# technique: T1546.004 Event Triggered Execution: Unix Shell Configuration Modification
# reproduces: nx "s1ngularity" (2025): the postinstall appended a command (`sudo shutdown -h 0`) to ~/.bashrc and ~/.zshrc; here an inert line is appended to ~/.bashrc (by the shell) and ~/.profile (with tee -a)
# expect: persistence-write ^bash$
# expect: persistence-write ^tee$
# exec-borne: no
#
# The appended lines would start a (non-existent) agent at the next
# login. Both files are restored afterwards.
set -u

backup="${BW_ATTACK_TMP:?}/rc-backup"
mkdir -p "$backup"
restore() {
	for f in .bashrc .profile; do
		if [ -e "$backup/$f" ]; then cat "$backup/$f" >"$HOME/$f"; else rm -f "$HOME/$f"; fi
	done
	rm -rf "$backup"
}
for f in .bashrc .profile; do
	[ -e "$HOME/$f" ] && cat "$HOME/$f" >"$backup/$f"
done
trap restore EXIT

agent='$HOME/.local/share/acme/agent'
line="[ -x \"$agent\" ] && \"$agent\" >/dev/null 2>&1 &  # acme-cli telemetry"

echo "$line" >>"$HOME/.bashrc"
printf '%s\n' "$line" | tee -a "$HOME/.profile" >/dev/null
grep -q acme-cli "$HOME/.bashrc" && grep -q acme-cli "$HOME/.profile"
