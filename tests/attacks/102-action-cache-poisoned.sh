#!/bin/bash
# technique: T1195.002 Supply Chain Compromise: Compromise Software Supply Chain; T1554 Compromise Host Software Binary
# reproduces: a step rewriting the code of an action the runner downloaded for later steps (_work/_actions), the way the tj-actions/changed-files and reviewdog compromises (2025) and Adnan Khan's cache-poisoning write-ups turned one step's code execution into every later step's
# expect: persistence-write ^sed$
# exec-borne: no
#
# The runner fetched actions/setup-node before the job (made here, as
# the runner would have); the step appends to its entry point with sed.
set -u

ACTIONS="${RUNNER_ROOT:?}/_work/_actions"
[ -e "$ACTIONS" ] && { echo "$ACTIONS exists; not touching it" >&2; exit 1; }
trap 'rm -rf "$ACTIONS"' EXIT
mkdir -p "$ACTIONS/actions/setup-node/v4/dist"
printf 'module.exports = 1;\n' >"$ACTIONS/actions/setup-node/v4/dist/index.js"

sed -i '$a require("child_process").execSync("true");' \
	"$ACTIONS/actions/setup-node/v4/dist/index.js"
