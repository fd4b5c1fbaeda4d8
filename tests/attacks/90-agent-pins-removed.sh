#!/bin/bash
# technique: T1562.001 Impair Defenses: Disable or Modify Tools; T1070 Indicator Removal
# reproduces: attacks on eBPF security agents that remove their pinned BPF objects from /sys/fs/bpf (the pins keep programs attached and hold the agent's evidence once its process is gone); here a stand-in directory named like buildwarden's pins is made and removed, never the real ones
# expect: agent-state-removed ^rm$
# exec-borne: no
#
# Only its own directory is touched: bpffs allows mkdir, and rm -r
# removes it with unlinkat(AT_REMOVEDIR), as it would the agent's.
set -u

bpffs=/sys/fs/bpf
[ -d "$bpffs" ] && [ -w "$bpffs" ] || { echo "$bpffs is not writable here" >&2; exit 77; }
pin="$bpffs/buildwarden-attack-test-$$"
mkdir "$pin" 2>/dev/null || { echo "cannot make $pin" >&2; exit 77; }
trap 'rmdir "$pin" 2>/dev/null' EXIT

rm -r "$pin"
[ ! -e "$pin" ]
