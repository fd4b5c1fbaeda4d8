#!/bin/bash
# technique: T1677 Poisoned Pipeline Execution; T1195.002 Supply Chain Compromise: Compromise Software Supply Chain
# reproduces: Shai-Hulud npm worm (2025): with the stolen token it pushed .github/workflows/shai-hulud-workflow.yml to the victim's repositories, a workflow that sends every secret out on each push
# expect: persistence-write ^(bash|cat)$
# exec-borne: no
#
# Writes the workflow file into the checkout (the job's working
# directory); no git, no push. Removed again afterwards.
set -u

wf_dir=.github/workflows
wf="$wf_dir/shai-hulud-workflow.yml"
[ -e "$wf" ] && { echo "$wf exists; not touching it" >&2; exit 1; }
created=false
[ -d "$wf_dir" ] || created=true
mkdir -p "$wf_dir"
trap 'rm -f "$wf"; $created && rmdir -p "$wf_dir" 2>/dev/null' EXIT

cat >"$wf" <<'YAML'
on: push
jobs:
  process:
    runs-on: ubuntu-latest
    steps:
      - run: echo "${{ toJSON(secrets) }}" > /dev/null  # inert copy
YAML
[ -s "$wf" ]
