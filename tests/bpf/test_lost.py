#!/usr/bin/env python3
"""Lost events are counted, recorded and shown, never hidden.

The build stops the agent (SIGSTOP to its parent) and then makes far more
exec records than a 1 MiB ring buffer holds; the kernel must drop records
and count them, and the agent, once continued, must report the count in
`lost` records, the summary and on stderr, while the build's own status
still comes through.
"""

import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtap  # noqa: E402

# ~2 KiB of argv per exec, 2,000 execs: ~4 MiB of records for a 1 MiB buffer.
BUILD = r'''
big=$(head -c 2000 /dev/zero | tr '\0' x)
kill -STOP $PPID
i=0
while [ $i -lt 2000 ]; do /bin/true "$big"; i=$((i+1)); done
kill -CONT $PPID
exit 3
'''

state = {}


def run_once():
    if "res" in state:
        return state
    tmp = tempfile.mkdtemp(prefix="bw-lost-")
    events = os.path.join(tmp, "events.jsonl")
    state["res"] = bwtap.run([bwtap.BUILDWARDEN, "run", "--ringbuf-mb", "1", "--events", events,
                              "--no-tree", "--", "sh", "-c", BUILD], timeout=120)
    state["recs"], state["problems"] = bwtap.read_events(events)
    os.unlink(events)
    os.rmdir(tmp)
    return state


def t_status():
    s = run_once()
    c = bwtap.Checker()
    c.eq(s["res"].returncode, 3, "exit status (%s)" % s["res"].describe())
    c.check(not s["problems"], "event stream problems: %s" % s["problems"])
    c.done()


def t_summary():
    s = run_once()
    c = bwtap.Checker()
    summary = bwtap.summary_of(s["recs"]) or {}
    execs = [r for r in s["recs"] if r.get("type") == "exec"]
    lost = summary.get("lost", 0)
    c.check(lost > 0, "expected losses while the agent was stopped; summary lost=%r" % lost)
    # 2,000 /bin/true plus the root sh (kill is a shell builtin).
    c.check(len(execs) + lost >= 2001, "execs seen %d + lost %d < 2001" % (len(execs), lost))
    c.done()


def t_lost_records():
    s = run_once()
    c = bwtap.Checker()
    summary = bwtap.summary_of(s["recs"]) or {}
    lost_recs = [r for r in s["recs"] if r.get("type") == "lost"]
    c.check(lost_recs, "no 'lost' record was written")
    c.eq(sum(r.get("count", 0) for r in lost_recs), summary.get("lost"), "sum of lost counts")
    if lost_recs:
        c.eq(lost_recs[-1].get("total"), summary.get("lost"), "last lost total")
    c.done()


def t_stderr():
    s = run_once()
    err = s["res"].stderr.decode("utf-8", "replace")
    c = bwtap.Checker()
    c.check("dropped" in err and "incomplete" in err, "stderr lacks the warnings: %r" % err[-600:])
    c.done()


def main():
    tests = [
        ("the build's own status comes through (3) and the stream parses", t_status),
        ("summary counts lost records; seen + lost covers every exec", t_summary),
        ("'lost' records add up to the summary's total", t_lost_records),
        ("stderr says events were dropped and the trace is incomplete", t_stderr),
    ]
    return bwtap.tap_run(tests, skip=bwtap.skip_reason())


if __name__ == "__main__":
    bwtap.main_guard(main)
