#!/bin/bash
# technique: T1070.002 Indicator Removal: Clear Linux or Mac System Logs; T1070.003 Clear Command History
# reproduces: the clean-up stage of cryptojacking and backdoor kits on build hosts (TeamTNT's and Kinsing's `history -c; rm ~/.bash_history; : > /var/log/...`), run by a poisoned build step before it leaves
# expect: indicator-removal ^bash$
# expect: indicator-removal ^ln$
# exec-borne: no
#
# A log of the harness's own under /var/log (a real one is never
# touched) truncated by a redirection; the history pointed at /dev/null.
set -u

LOGDIR=/var/log/buildwarden-attack-test
[ -e "$LOGDIR" ] && { echo "$LOGDIR exists; not touching it" >&2; exit 1; }
trap 'rm -rf "$LOGDIR" "$HOME/.bash_history"' EXIT
mkdir -p "$LOGDIR"
printf 'Dec  6 10:00:01 runner sshd[1]: Accepted publickey for ci\n' >>"$LOGDIR/auth.log"
printf 'ls\n' >>"$HOME/.bash_history"

wipe() {
	: >"$LOGDIR/auth.log"
	ln -sf /dev/null "$HOME/.bash_history"
	unset HISTFILE
}
wipe
