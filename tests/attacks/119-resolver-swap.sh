#!/bin/bash
# technique: T1565.002 Data Manipulation: Transmitted Data Manipulation; T1071.004 Application Layer Protocol: DNS
# reproduces: the job's name server replaced in /etc/resolv.conf, so that every later name the runner resolves is answered (and logged) by the attacker's server (Shai-Hulud 2.0 rewrote the runner's DNS configuration from a privileged container, 2025)
# expect: resolver-changed ^python3$
# exec-borne: no
#
# A Python helper appends the server; the file is put back at exit (the
# appended line comes last, so the host's resolution is unchanged).
set -u

[ -w /etc/resolv.conf ] || { echo "/etc/resolv.conf is not writable here" >&2; exit 77; }
SAVED="${BW_ATTACK_TMP:?}/resolv.saved"
cp -p /etc/resolv.conf "$SAVED"
trap 'cat "$SAVED" >/etc/resolv.conf; rm -f "$SAVED"' EXIT
python3 -c 'import sys; open("/etc/resolv.conf", "a").write("nameserver %s\n" % sys.argv[1])' 127.0.0.9
sleep 0.3
