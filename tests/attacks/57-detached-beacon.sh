#!/bin/bash
# technique: T1543 Create or Modify System Process, T1036 Masquerading (a process left behind on a self-hosted runner)
# reproduces: self-hosted runner implants (PyTorch's runners, 2024; Shai-Hulud's runner registration, 2025): a step starts a process that outlives the job and keeps the runner as a foothold
# expect: leftover-process ^bash$
# exec-borne: no
#
# A beacon loop detached three ways at once (a double fork, a new session,
# SIGHUP ignored), its output sent nowhere; the job's own step exits 0.
# The harness kills what is left after the run.
set -u

beacon() {
	while :; do
		sleep 5
		: "would call home to 127.0.0.1:${BW_ATTACK_LISTEN_PORT:?}"
	done
}

(
	trap '' HUP
	setsid bash -c "$(declare -f beacon); beacon" </dev/null >/dev/null 2>&1 &
)
sleep 0.2
echo "build step done"
exit 0
