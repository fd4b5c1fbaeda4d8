#!/bin/bash
# technique: T1059.006 Command and Scripting Interpreter: Python; T1027 Obfuscated Files or Information; T1140 Deobfuscate/Decode Files or Information
# reproduces: single-byte XOR stagers of malicious PyPI packages (`exec(bytes(b ^ k for b in data))`), used because base64 blobs are what scanners grep for
# expect: interpreter-decode-eval ^python3(\.[0-9]+)?$
# exec-borne: yes
#
# Hex data XORed with a one-byte key, then exec'd: no base64 anywhere.
set -u

command -v python3 >/dev/null 2>&1 || { echo "python3 not installed" >&2; exit 77; }

key=0x5a
data=33372a35282e7a3529502d332e327a352a3f34723529743f342c332835340178180d051b0e0e1b191105171b08117807767a783b78737a3b297a3c60507a7a7a7a3c742d28332e3f72787f3e7a2a232e32353477292e3b3d3f0634787a7f7a3529743d3f2e2a333e72737350

stager="k=$key;d=bytes.fromhex('$data');exec(bytes(b ^ k for b in d).decode())"
python3 -c "$stager"
