#!/bin/sh
# technique: T1136.001 Create Account: Local Account; T1098 Account Manipulation
# reproduces: backdoor accounts added by appending a uid-0 line to /etc/passwd (`echo 'x:x:0:0::/:/bin/sh' >> /etc/passwd`), a staple of Linux post-exploitation kits (ATT&CK T1136.001), here on a self-hosted runner so that root stays reachable after the job
# expect: account-files-modified ^(ba|da)?sh$
# exec-borne: no
#
# Opens /etc/passwd for append and writes NOTHING (`: >>`): the open is
# what gives it away; the line is only composed.
set -u

[ -w /etc/passwd ] || { echo "/etc/passwd is not writable here" >&2; exit 77; }
line="sysbackup:x:0:0:System Backup:/var/lib/sysbackup:/bin/sh"
echo "would append: $line" >&2
: >>/etc/passwd
