"""Settings the bench tools (bench_agents, bench_syscalls, bench_instructions)
read from the environment."""

import os
import sys


def env_int(name, default):
    """$name as an integer, default when unset or blank; anything else ends
    the tool with a message naming it and the value."""
    v = os.environ.get(name, "")
    try:
        return int(v) if v.strip() else default
    except ValueError:
        tool = os.path.splitext(os.path.basename(sys.argv[0]))[0]
        sys.exit(f"{tool}: {name}={v!r} is not an integer")
