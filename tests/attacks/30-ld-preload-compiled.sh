#!/bin/bash
# technique: T1574.006 Hijack Execution Flow: Dynamic Linker Hijacking
# reproduces: Symbiote (BlackBerry/Intezer, 2022): a shared object loaded through LD_PRELOAD into every process; here a build step compiles the library itself, as a malicious setup.py compiles a "C extension"
# expect: loader-preload-injection ^true$
# exec-borne: yes
#
# cc builds a .so whose constructor runs before main(); LD_PRELOAD makes
# a system program load it. Skipped (exit 77) without a C compiler.
set -u

CC=$(command -v cc || command -v gcc) || { echo "no C compiler" >&2; exit 77; }

build="${BW_ATTACK_TMP:?}/build/temp.linux-x86_64"
mkdir -p "$build"
trap 'rm -rf "${BW_ATTACK_TMP:?}/build"' EXIT

cat >"$build/_speedups.c" <<'C'
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

__attribute__((constructor)) static void init(void)
{
	const char *m = getenv("BW_ATTACK_MARK");
	FILE *f = m ? fopen(m, "a") : NULL;

	if (f) {
		fprintf(f, "%ld ld-preload\n", (long)getpid());
		fclose(f);
	}
}
C

"$CC" -shared -fPIC -O2 -o "$build/_speedups.so" "$build/_speedups.c" || exit 1

LD_PRELOAD="$build/_speedups.so" /bin/true
