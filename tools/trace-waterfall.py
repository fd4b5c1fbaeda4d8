#!/usr/bin/env python3
"""Draw a buildwarden trace as a text waterfall (docs/TRACES.md).

  tools/trace-waterfall.py [--width N] [--max-rows N] REQUEST.json...

Reads OTLP/HTTP JSON trace requests as a collector receives them (for
instance saved by a loopback receiver from `buildwarden run --otlp-traces
URL --otlp-protocol http/json`), and prints one row per span in tree
order: indentation for depth, the span's name, a bar placed and sized on
the job's time line, its duration, and `!` for an error status with its
message. Spans whose parent is not among them (the job's root, or a span
of the pipeline's) start the tree.
"""

import argparse
import json
import sys


def load(paths):
    spans = []
    for p in paths:
        with open(p, encoding="utf-8") as f:
            doc = json.load(f)
        for rs in doc.get("resourceSpans", []):
            for ss in rs.get("scopeSpans", []):
                spans += ss.get("spans", [])
    return spans


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--width", type=int, default=48, help="bar columns")
    ap.add_argument("--max-rows", type=int, default=0, help="stop after N rows (0: all)")
    ap.add_argument("files", nargs="+")
    a = ap.parse_args()
    spans = load(a.files)
    if not spans:
        sys.exit("no spans in %s" % ", ".join(a.files))
    by_id = {s["spanId"]: s for s in spans}
    kids = {}
    for s in spans:
        kids.setdefault(s.get("parentSpanId") if s.get("parentSpanId") in by_id else None,
                        []).append(s)
    for v in kids.values():
        v.sort(key=lambda s: int(s["startTimeUnixNano"]))
    t0 = min(int(s["startTimeUnixNano"]) for s in spans)
    t1 = max(int(s["endTimeUnixNano"]) for s in spans)
    scale = max(t1 - t0, 1) / a.width
    print("trace %s: %d spans, %.1f ms" % (spans[0]["traceId"], len(spans), (t1 - t0) / 1e6))
    rows = 0

    def row(s, depth):
        nonlocal rows
        if a.max_rows and rows >= a.max_rows:
            return
        rows += 1
        start, end = int(s["startTimeUnixNano"]), int(s["endTimeUnixNano"])
        b0 = int((start - t0) / scale)
        b1 = max(int((end - t0) / scale), b0 + 1)
        bar = " " * b0 + "#" * (b1 - b0)
        status = s.get("status") or {}
        mark = " ! " + status.get("message", "") if status.get("code") == 2 else ""
        label = ("  " * depth + s["name"])[:28]
        print("%-28s |%-*s| %8.1f ms%s" % (label, a.width, bar, (end - start) / 1e6, mark))
        for k in kids.get(s["spanId"], []):
            row(k, depth + 1)

    for r in kids.get(None, []):
        row(r, 0)
    if a.max_rows and rows >= a.max_rows and len(spans) > rows:
        print("... %d more spans" % (len(spans) - rows))


if __name__ == "__main__":
    main()
