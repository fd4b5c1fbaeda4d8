#!/usr/bin/env python3
"""Write the man page buildwarden(1) from docs/CLI.md, so the page and the
reference cannot drift apart: CLI.md is the one text, roff is its rendering.

Only the Markdown CLI.md uses is understood: ATX headings, paragraphs,
fenced code blocks, pipe tables, "- " lists, `code`, **bold** and
[text](link). Tables become tagged paragraphs (first column as the tag),
since tbl(1) tables in a terminal are cramped at 80 columns.

Usage: tools/gen-man.py --version V --date YYYY-MM-DD docs/CLI.md > buildwarden.1
"""
import argparse
import re
import sys

NAME_LINE = "buildwarden \\- eBPF runtime observability and enforcement for CI builds"


def esc(text):
    """Escape plain text for roff: backslashes, and non-ASCII as \\[uXXXX]."""
    out = text.replace("\\", "\\e")
    return "".join(c if ord(c) < 128 else "\\[u%04X]" % ord(c) for c in out)


def inline(text):
    """Markdown inline markup to roff fonts."""
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    parts = re.split(r"(`[^`]*`)", text)
    out = []
    for p in parts:
        if len(p) >= 2 and p.startswith("`") and p.endswith("`"):
            # Hyphens in code are options and minus signs: \- keeps them
            # ASCII when copied from the terminal.
            out.append("\\fB" + esc(p[1:-1]).replace("-", "\\-") + "\\fR")
        else:
            p = esc(p)
            p = re.sub(r"\*\*([^*]+)\*\*", r"\\fB\1\\fR", p)
            out.append(p)
    return "".join(out)


def line_start(s):
    """A text line must not start with a control character."""
    return "\\&" + s if s[:1] in (".", "'") else s


def cells(row):
    row = row.strip()
    if row.startswith("|"):
        row = row[1:]
    if row.endswith("|") and not row.endswith("\\|"):
        row = row[:-1]
    # A cell may hold an escaped pipe (`auto\|sigkill`).
    parts = re.split(r"(?<!\\)\|", row)
    return [p.strip().replace("\\|", "|") for p in parts]


def render(md, version, date):
    out = ['.TH BUILDWARDEN 1 "%s" "buildwarden %s" "User Commands"' % (date, version),
           ".SH NAME", NAME_LINE]
    lines = md.splitlines()
    i = 0
    para = []
    synopsis_done = False

    def flush():
        if para:
            out.append(".PP")
            out.append(line_start(inline(" ".join(para))))
            para.clear()

    while i < len(lines):
        ln = lines[i]
        if ln.startswith("```"):
            flush()
            block = []
            i += 1
            while i < len(lines) and not lines[i].startswith("```"):
                block.append(lines[i])
                i += 1
            i += 1
            if not synopsis_done:
                # The first block of CLI.md is the synopsis.
                out.append(".SH SYNOPSIS")
                out.append(".nf")
                out.extend(line_start(esc(b).replace("-", "\\-")) for b in block)
                out.append(".fi")
                synopsis_done = True
                continue
            out.extend([".PP", ".RS 4", ".nf"])
            out.extend(line_start(esc(b)) for b in block)
            out.extend([".fi", ".RE"])
            continue
        m = re.match(r"^(#+)\s+(.*)$", ln)
        if m:
            flush()
            level, title = len(m.group(1)), m.group(2).replace("`", "")
            if level == 2:
                out.append('.SH "%s"' % esc(title.upper()))
            elif level >= 3:
                out.append('.SS "%s"' % esc(title))
            i += 1
            continue
        if ln.startswith("|"):
            flush()
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                rows.append(cells(lines[i]))
                i += 1
            # Drop the header row and the |---| separator.
            body = [r for r in rows[2:]] if len(rows) >= 2 and set(rows[1][0]) <= set("-: ") else rows
            for r in body:
                out.append(".TP")
                out.append(line_start(inline(r[0])))
                out.append(line_start(inline("; ".join(c for c in r[1:] if c))))
            continue
        if ln.startswith("- "):
            flush()
            item = [ln[2:]]
            i += 1
            while i < len(lines) and lines[i].startswith("  ") and lines[i].strip():
                item.append(lines[i].strip())
                i += 1
            out.append(".IP \\(bu 2")
            out.append(line_start(inline(" ".join(item))))
            continue
        if not ln.strip():
            flush()
        else:
            para.append(ln.strip())
        i += 1
    flush()
    out += [".SH FILES", ".TP", "\\fI/etc/buildwarden/config.yaml\\fR",
            "the daemon's configuration (the Debian package and \\fBmake dist\\fR ship an example)",
            ".SH SEE ALSO",
            "The full documentation, in Markdown, is in \\fI/usr/share/doc/buildwarden/docs/\\fR "
            "(\\fIshare/doc/buildwarden/docs/\\fR of a release tarball): POLICY.md, DAEMON.md, "
            "EVENTS.md, REPORTS.md, DEPLOY.md, SECURITY.md."]
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--version", required=True)
    ap.add_argument("--date", required=True)
    ap.add_argument("cli_md")
    a = ap.parse_args()
    with open(a.cli_md, encoding="utf-8") as f:
        sys.stdout.write(render(f.read(), a.version, a.date))


if __name__ == "__main__":
    main()
