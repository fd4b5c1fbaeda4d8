#!/bin/sh
# technique: T1574.006 Hijack Execution Flow: Dynamic Linker Hijacking
# reproduces: OrBit (Intezer, 2022) and Symbiote-style rootkits install themselves through /etc/ld.so.preload, loaded into every program on the host
# expect: persistence-write ^(ba|da)?sh$
# exec-borne: no
#
# Opens /etc/ld.so.preload for append and writes NOTHING (`: >>`), which
# is enough to be seen; removes it afterwards only if it did not exist.
set -u

PRELOAD=/etc/ld.so.preload
existed=false
[ -e "$PRELOAD" ] && existed=true
cleanup() {
	if ! $existed && [ -e "$PRELOAD" ] && [ ! -s "$PRELOAD" ]; then
		rm -f "$PRELOAD"
	fi
}
trap cleanup EXIT

: >>"$PRELOAD"
