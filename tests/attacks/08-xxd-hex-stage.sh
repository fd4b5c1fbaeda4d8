#!/bin/sh
# technique: T1140 Deobfuscate/Decode Files or Information; T1027 Obfuscated Files or Information; T1059.004 Unix Shell
# reproduces: hex-encoded second stages that sidestep base64 scanners (`xxd -r -p | sh`), as in Linux miner droppers and obfuscated npm install scripts
# expect: decoded-script-to-shell ^(da)?sh$
# exec-borne: yes
#
# The stage ships as an innocuous-looking asset file; xxd turns it back
# into a script on a pipe into sh.
set -u

command -v xxd >/dev/null 2>&1 || { echo "xxd not installed" >&2; exit 77; }

assets="${BW_ATTACK_TMP:?}/assets"
mkdir -p "$assets"
trap 'rm -rf "$assets"' EXIT

cat >"$assets/glyphs.hex" <<'HEX'
23212f62696e2f73680a2320737461676520323a206c6561766520746865206d61726b
657220616e6420676f202874657374207061796c6f6164290a6563686f202224242073
746167653222203e3e2022247b42575f41545441434b5f4d41524b3a3f7d220a
HEX

xxd -r -p "$assets/glyphs.hex" | sh
