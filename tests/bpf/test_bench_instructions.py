#!/usr/bin/env python3
"""`make bench-instructions` (tools/bench/bench_instructions.py) on a small
storm: it counts the agent's event loop, per exec and per record, for the
build and a --base binary, and refuses to print a figure it could not
measure. Skipped without valgrind and for a sanitizer build, which
valgrind cannot run.
"""

import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtap as T  # noqa: E402

TOOL = os.path.join(T.SRC, "tools", "bench", "bench_instructions.py")
EXECS = 40  # per worker: two workers, and exec_storm's own exec
LINE_RE = re.compile(r"^  (\S+): ([\d,]+) instructions, (\d+) execs, (\d+) records: "
                     r"([\d,]+) per exec, ([\d,]+) per record$")


def skip_reason():
    for path in (os.path.join(T.BUILD, "bench", "exec_storm"),
                 os.path.join(T.BUILD, "bench", "tiny")):
        if not os.access(path, os.X_OK):
            return "%s not built (make test builds it)" % path
    return T.valgrind_skip_reason()


def tool(*args, base=None):
    env = dict(os.environ, BENCH_INSN_EXECS=str(EXECS))
    # The tool runs <build>/buildwarden: a build dir whose buildwarden is ours.
    argv = [sys.executable, TOOL, "--build", T.BUILD, *args]
    if base:
        argv += ["--base", base]
    return subprocess.run(argv, capture_output=True, text=True, env=env, timeout=900)


def t_counts_and_ratio():
    c = T.Checker()
    p = tool(base=T.BUILDWARDEN)
    c.eq(p.returncode, 0, "exit status (stderr: %s)" % p.stderr[-1500:])
    rows = [LINE_RE.match(line) for line in p.stdout.splitlines()]
    rows = [m for m in rows if m]
    c.eq(len(rows), 2, "figure lines in:\n%s" % p.stdout)
    for m in rows:
        total = int(m.group(2).replace(",", ""))
        execs, records = int(m.group(3)), int(m.group(4))
        per_exec = int(m.group(5).replace(",", ""))
        c.eq(execs, 2 * EXECS + 1, "execs counted (the storm's and exec_storm's own)")
        c.check(records >= 3 * execs - 3, "a fork, an exec and an exit a process: %d records "
                "for %d execs" % (records, execs))
        c.check(abs(per_exec - total / execs) <= 1, "per exec %d is not %d / %d" % (
            per_exec, total, execs))
        # Decoding, judging, rendering and reporting an exec is thousands of instructions.
        c.check(per_exec > 2000, "%d instructions per exec: was the loop counted?" % per_exec)
    ratio = re.search(r"ratio per exec: ([\d.]+)", p.stdout)
    c.check(ratio, "no ratio line in:\n%s" % p.stdout)
    if ratio:
        # The same binary twice: only the batching of records differs.
        c.check(0.8 <= float(ratio.group(1)) <= 1.25, "same binary, ratio %s" % ratio.group(1))
    c.done()


def t_refuses_unmeasured():
    c = T.Checker()
    p = tool(base="/bin/false")
    c.eq(p.returncode, 2, "exit status when the base cannot run")
    c.check("/bin/false" in p.stderr and "exited" in p.stderr,
            "names the binary and what happened: %r" % p.stderr[-500:])
    c.check("ratio" not in p.stdout, "no ratio printed for a failed run")
    c.done()


def main():
    tests = [
        ("counts the event loop per exec and per record, for the build and a --base, "
         "and their ratio", t_counts_and_ratio),
        ("a binary that cannot be measured: exit 2, named, no figure", t_refuses_unmeasured),
    ]
    return T.tap_run(tests, skip=skip_reason())


if __name__ == "__main__":
    T.main_guard(main)
