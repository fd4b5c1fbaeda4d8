#!/bin/bash
# technique: T1552.001 Unsecured Credentials: Credentials In Files; T1083 File and Directory Discovery
# reproduces: Shai-Hulud npm worm (2025): the postinstall payload ran TruffleHog (`trufflehog filesystem ...`) over the machine to harvest secrets
# expect: credential-hunting ^trufflehog$
# exec-borne: no
#
# A stand-in trufflehog (a copy of /bin/true: no real scanning) first in
# PATH, run as the worm ran the real one.
set -u

tools="${BW_ATTACK_TMP:?}/bin"
mkdir -p "$tools"
trap 'rm -rf "$tools"' EXIT
cp /bin/true "$tools/trufflehog"
chmod 755 "$tools/trufflehog"
export PATH="$tools:$PATH"

trufflehog filesystem "$HOME" --json --no-update --only-verified >"${BW_ATTACK_TMP}/th.json"
status=$?
rm -f "${BW_ATTACK_TMP}/th.json"
exit "$status"
