#!/bin/sh
# `make demo`: build a small C project under `buildwarden run` in a scratch
# copy, print its process tree, and keep the event stream for a look.
# Usage: tools/demo.sh BUILDWARDEN_BINARY
set -eu

bin=${1:?usage: tools/demo.sh path/to/buildwarden}
# The build runs in a scratch directory: make the binary's path absolute.
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/buildwarden-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT

cp "$here"/demo-project/* "$work"/
events="$(pwd)/build/demo-events.jsonl"
rm -f "$events"
mkdir -p "$(dirname "$events")"

echo "== buildwarden run -- make -j2 (in $work)"
status=0
(cd "$work" && "$bin" run --events "$events" -- make -j2) || status=$?
echo "== events: $events ($(wc -l <"$events") records); summary:"
tail -n 1 "$events"
exit "$status"
