#!/bin/bash
# technique: T1677 Poisoned Pipeline Execution; T1546 Event Triggered Execution
# reproduces: persistence on self-hosted runners whose workspace outlives the job (the PyTorch runner research, 2024): a pull request's build writes .git/hooks/post-checkout into the checkout, and the next job's actions/checkout runs it with that job's token
# expect: persistence-write ^(bash|install)$
# exec-borne: no
#
# The hook is staged in a temporary file and installed executable with
# install(1); removed again afterwards. It would only echo.
set -u

hooks=$(git rev-parse --git-path hooks 2>/dev/null) || { echo "not in a git work tree" >&2; exit 1; }
hook="$hooks/post-checkout"
[ -e "$hook" ] && { echo "$hook exists; not touching it" >&2; exit 1; }
stage="${BW_ATTACK_TMP:?}/post-checkout"
trap 'rm -f "$hook" "$stage"' EXIT

printf '#!/bin/sh\necho "post-checkout (buildwarden attack corpus: inert)" >/dev/null\n' >"$stage"
install -m 755 "$stage" "$hook"
[ -x "$hook" ]
