#!/bin/sh
# Print buildwarden's version: `git describe` of the newest release tag
# (vX.Y.Z -> X.Y.Z, or X.Y.Z-N-gHASH N commits after it) in a git checkout
# that has one, else tools/VERSION: the release this tree is, or will be
# when tagged (a source tree without git history, or no tag yet). The
# binary (--version), `make dist` and `make deb` all take it from here.
# Usage: tools/version.sh [--release]   (--release: X.Y.Z only)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
v=
if command -v git >/dev/null 2>&1 && [ -e "$top/.git" ]; then
	v=$(git -C "$top" describe --tags --match 'v[0-9]*' 2>/dev/null || true)
	v=${v#v}
fi
[ -n "$v" ] || v=$(cat "$top/tools/VERSION")
case ${1:-} in
--release) v=${v%%-*} ;;
"") ;;
*) echo "usage: $0 [--release]" >&2; exit 2 ;;
esac
printf '%s\n' "$v"
