#!/bin/sh
# Print a text file as the lines of a C string literal, for #include inside
# an initializer: every line keeps its newline, \ and " are escaped.
# Usage: tools/embed-text.sh FILE > FILE.inc
set -eu
[ $# -eq 1 ] || { echo "usage: $0 FILE" >&2; exit 2; }
[ -r "$1" ] || { echo "$0: cannot read $1" >&2; exit 1; }
LC_ALL=C sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/	/\\t/g' -e 's/^/	"/' -e 's/$/\\n"/' "$1"
