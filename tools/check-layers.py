#!/usr/bin/env python3
"""Check that the source tree keeps its architecture (docs/ARCHITECTURE.md).

  tools/check-layers.py [--build DIR] [--tap]

1. Layers: user/ is folders by layer. A file includes only headers of its
   own folder or of a lower layer, always by "folder/name.h"; folders of
   the same rank (report, alerts, export) never include each other. In
   bpf/, lib/ helpers never include hooks/.
2. No cycles: from the objects' symbol tables (nm), file A depends on file B
   when A uses a function or variable B defines. Any strongly connected
   group of two or more files is a circle.
3. No needless externals: a global function or variable of user/ that no
   other object, test, fuzzer or benchmark names must be static.

Prints one line per problem (file, what, why) and exits 1 if there is any.
With --tap it speaks TAP (one test per check), for tests/run.sh.
"""

import argparse
import os
import re
import subprocess
import sys

SRC = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Lower number = lower layer. Same number: siblings that must not include
# each other.
RANKS = {
    "lib": 0,
    "policy": 1,
    "kernel": 2,
    "events": 3,
    "report": 4,
    "alerts": 4,
    "export": 4,
    "pipeline": 5,
    "daemon": 6,
    "cmd": 7,
}
# Headers that are not user/'s own: include/'s shared with the BPF side
# (the event ABI, the hooked syscalls), generated skeletons and embedded
# text (build/*.inc).
EXTERNAL = re.compile(r'^(buildwarden_[a-z]+\.h|[a-z_]+\.skel\.h|[a-z_]+\.inc)$')
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def user_files():
    top = os.path.join(SRC, "user")
    for folder in sorted(os.listdir(top)):
        path = os.path.join(top, folder)
        if not os.path.isdir(path):
            yield None, os.path.join("user", folder)
            continue
        for name in sorted(os.listdir(path)):
            if name.endswith((".c", ".h")):
                yield folder, os.path.join("user", folder, name)


def check_includes():
    problems = []
    for folder, rel in user_files():
        if folder is None:
            problems.append("%s: a file directly in user/; it belongs in a layer folder" % rel)
            continue
        if folder not in RANKS:
            problems.append("%s: folder '%s' has no rank in tools/check-layers.py" % (rel, folder))
            continue
        with open(os.path.join(SRC, rel), encoding="utf-8") as f:
            text = f.read()
        for m in INCLUDE.finditer(text):
            inc = m.group(1)
            line = text.count("\n", 0, m.start()) + 1
            if EXTERNAL.match(inc):
                continue
            if "/" not in inc:
                problems.append('%s:%d: #include "%s" must name its folder ("%s/%s" or another layer)'
                                % (rel, line, inc, folder, inc))
                continue
            dep = inc.split("/", 1)[0]
            if dep not in RANKS:
                problems.append('%s:%d: #include "%s": no such layer' % (rel, line, inc))
            elif not os.path.exists(os.path.join(SRC, "user", inc)):
                problems.append('%s:%d: #include "%s": no such file' % (rel, line, inc))
            elif RANKS[dep] > RANKS[folder]:
                problems.append('%s:%d: #include "%s": %s/ (layer %d) includes the higher layer %s/ (%d)'
                                % (rel, line, inc, folder, RANKS[folder], dep, RANKS[dep]))
            elif RANKS[dep] == RANKS[folder] and dep != folder:
                problems.append('%s:%d: #include "%s": sibling layers %s/ and %s/ must not include each other'
                                % (rel, line, inc, folder, dep))
    for sub in ("lib",):
        top = os.path.join(SRC, "bpf", sub)
        for name in sorted(os.listdir(top)):
            rel = os.path.join("bpf", sub, name)
            with open(os.path.join(top, name), encoding="utf-8") as f:
                text = f.read()
            for m in INCLUDE.finditer(text):
                if m.group(1).startswith("hooks/"):
                    line = text.count("\n", 0, m.start()) + 1
                    problems.append('%s:%d: #include "%s": a BPF helper includes a hook' % (rel, line, m.group(1)))
    return problems


def symbols(build):
    """{object: (defined set, undefined set)} for every user/ object."""
    objs = {}
    top = os.path.join(build, "user")
    for folder in sorted(os.listdir(top)):
        d = os.path.join(top, folder)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            if name.endswith(".o"):
                objs["user/%s/%s" % (folder, name[:-2] + ".c")] = os.path.join(d, name)
    out = {}
    for src, obj in objs.items():
        r = subprocess.run(["nm", "--defined-only", "-g", obj], capture_output=True, text=True, check=True)
        defined = {l.split()[-1] for l in r.stdout.splitlines() if l.strip()}
        r = subprocess.run(["nm", "-u", obj], capture_output=True, text=True, check=True)
        undefined = {l.split()[-1] for l in r.stdout.splitlines() if l.strip()}
        out[src] = (defined, undefined)
    return out


def strongly_connected(graph):
    index, low, stack, on, sccs = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = []
            while True:
                w = stack.pop()
                on.discard(w)
                scc.append(w)
                if w == v:
                    break
            sccs.append(sorted(scc))

    sys.setrecursionlimit(10000)
    for v in sorted(graph):
        if v not in index:
            visit(v)
    return [s for s in sccs if len(s) > 1]


def check_cycles(syms):
    owner = {}
    for src, (defined, _) in syms.items():
        for s in defined:
            owner[s] = src
    graph = {src: set() for src in syms}
    why = {}
    for src, (_, undefined) in syms.items():
        for s in undefined:
            dst = owner.get(s)
            if dst and dst != src:
                graph[src].add(dst)
                why.setdefault((src, dst), s)
    problems = []
    for scc in strongly_connected(graph):
        edges = ["%s -> %s (%s)" % (a, b, why[(a, b)]) for a in scc for b in sorted(graph[a]) if b in scc]
        problems.append("circular dependency between %s: %s" % (", ".join(scc), "; ".join(edges)))
    return problems


def check_statics(syms):
    used = set()
    for _, (_, undefined) in syms.items():
        used |= undefined
    # Tests, fuzzers, fixtures and benchmarks may call internals on purpose.
    extra = []
    for d in ("tests/unit", "tests/fuzz", "tests/fixtures", "tools/bench"):
        p = os.path.join(SRC, d)
        for name in sorted(os.listdir(p)) if os.path.isdir(p) else []:
            if name.endswith((".c", ".h")):
                with open(os.path.join(p, name), encoding="utf-8") as f:
                    extra.append(f.read())
    words = set(re.findall(r"[A-Za-z_][A-Za-z0-9_]*", "\n".join(extra)))
    problems = []
    for src, (defined, _) in sorted(syms.items()):
        for s in sorted(defined):
            if s in ("main",) or s in used or s in words:
                continue
            problems.append("%s: %s is used in this file only: make it static" % (src, s))
    return problems


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(SRC, "build"))
    ap.add_argument("--tap", action="store_true")
    args = ap.parse_args()
    syms = symbols(args.build)
    checks = [("layers: no file includes a higher or sibling layer", check_includes()),
              ("files: no circular dependencies", check_cycles(syms)),
              ("symbols: what one file uses is static", check_statics(syms))]
    failed = 0
    if args.tap:
        print("1..%d" % len(checks))
    for n, (name, problems) in enumerate(checks, 1):
        failed += bool(problems)
        if args.tap:
            print("%s %d - %s" % ("not ok" if problems else "ok", n, name))
            for p in problems:
                print("# " + p)
        else:
            for p in problems:
                print(p)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
