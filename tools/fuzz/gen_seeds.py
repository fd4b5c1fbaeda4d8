#!/usr/bin/env python3
"""Writes the binary seed corpora of tests/fuzz/: ring-buffer record
sequences (tests/fuzz/events/) and DNS messages (tests/fuzz/dns/).

The record layouts follow include/buildwarden_events.h on a little-endian
64-bit host (x86_64, arm64); tests/unit/test_layout.c keeps that header
and the BPF side in agreement, and fuzz_events's framing is documented in
tests/fuzz/fuzz_events.c: each record is a u16 length and its bytes.
Run from the top of the tree: tools/fuzz/gen_seeds.py
"""

import os
import struct

FORK, EXEC, EXEC_FAILED, EXIT, CONNECT, DNS, FILE, PRIV = range(1, 9)
JOB = 1


def hdr(typ, size, pid, start, ktime=1000, tid=None):
    return struct.pack("<QQQIIII", ktime, start, JOB, typ, size, pid, pid if tid is None else tid)


def comm(s):
    return s.encode()[:15].ljust(16, b"\0")


def cstr(s):
    return s.encode() + b"\0" if s is not None else b""


def fork(pid, start, ppid, pstart):
    body = struct.pack("<QII", pstart, ppid, ppid)
    return hdr(FORK, 40 + len(body), pid, start) + body


PIPE, SOCKET, TTY, NULL_DEV, FILE_KIND = 1, 2, 3, 4, 5
EXEC_FIXED = 248  # sizeof(struct bw_exec_event): where data[] starts


def stdio_(kind=TTY, ident=0, mode=3, path=None, family=0, addr=b"", port=0):
    """One struct bw_stdio and the path that goes into data[] (or b"")."""
    p = cstr(path)
    return (struct.pack("<Q16sIHHHHHH", ident, addr.ljust(16, b"\0"), 0, kind, family, port,
                        mode, len(p), 0), p)


def exec_(pid, start, ppid, pstart, filename, exe, cwd, argv, flags=0, deny_rule=0, uid=1000,
          stdio=None, env=()):
    args = b"".join(a.encode() + b"\0" for a in argv)
    envb = b"".join(v.encode() + b"\0" for v in env)
    f, e, c = cstr(filename), cstr(exe), cstr(cwd)
    sio = stdio or [stdio_(NULL_DEV, 3, 1), stdio_(PIPE, 77, 2), stdio_(PIPE, 77, 2)]
    fixed = struct.pack("<QQIIIIIIIIII", pstart, 4242, ppid, pid, uid, uid, uid, uid, len(argv),
                        flags, deny_rule, 0)
    fixed += struct.pack("<HHHH", len(f), len(e), len(c), len(args))
    fixed += struct.pack("<H3H", len(envb), 0, 0, 0) + b"".join(x[0] for x in sio)
    fixed += comm(os.path.basename(exe or "x"))
    data = f + e + c + b"".join(x[1] for x in sio) + envb + args
    return hdr(EXEC, 40 + len(fixed) + len(data), pid, start) + fixed + data


def exec_failed(pid, start, filename, error=-2):
    f = cstr(filename)
    body = struct.pack("<iIH3H", error, 0, len(f), 0, 0, 0) + comm("sh") + f
    return hdr(EXEC_FAILED, 40 + len(body), pid, start) + body


def exit_(pid, start, ppid, pstart, status=0):
    body = struct.pack("<QII", pstart, ppid, status) + comm("x")
    return hdr(EXIT, 40 + len(body), pid, start) + body


def connect(pid, start, addr=b"\xc0\x00\x02\x01", port=443, family=2, ret=0):
    body = addr.ljust(16, b"\0") + struct.pack("<iIiHH", ret, 1, 3, family, port) + comm("curl")
    return hdr(CONNECT, 40 + len(body), pid, start) + body


def dns(pid, start, payload, direction=0):
    body = b"\x08\x08\x08\x08".ljust(16, b"\0") + struct.pack(
        "<IIHHHH", direction, len(payload), 2, 53, len(payload), 0) + comm("curl") + payload
    return hdr(DNS, 40 + len(body), pid, start) + body


def file_(pid, start, op, path, path2=None, cwd="/src", flags=1, open_flags=0o101):
    p, p2, c = cstr(path), cstr(path2), cstr(cwd)
    body = struct.pack("<IiIIiHHH3H", op, 3, open_flags, flags, -100, len(p), len(p2), len(c),
                       0, 0, 0) + comm("sh") + p + p2 + c
    return hdr(FILE, 40 + len(body), pid, start) + body


def priv(pid, start, op, args=(0, 0, 0), target=0, s=None):
    d = cstr(s)
    body = struct.pack("<QQQIIIHH", *args, op, 101, target, len(d), 0) + comm("gdb") + d
    return hdr(PRIV, 40 + len(body), pid, start) + body


def frame(recs):
    return b"".join(struct.pack("<H", len(r)) + r for r in recs)


def name(n):
    return b"".join(bytes([len(l)]) + l.encode() for l in n.split(".")) + b"\0"


def dns_query(qname, qtype=1, qid=0x1234):
    return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + name(qname) + struct.pack(">HH", qtype, 1)


def dns_answer():
    q = struct.pack(">HHHHHH", 0x1234, 0x8180, 1, 3, 0, 0) + name("www.example.com") + struct.pack(">HH", 1, 1)
    cname = name("example.com")
    a = b"\xc0\x0c" + struct.pack(">HHIH", 5, 1, 300, len(cname)) + cname
    target = len(q) + 12  # offset of the CNAME target (its rdata)
    a += struct.pack(">H", 0xC000 | target) + struct.pack(">HHIH", 1, 1, 60, 4) + bytes([93, 184, 216, 34])
    a += struct.pack(">H", 0xC000 | target) + struct.pack(">HHIH", 28, 1, 60, 16) + bytes(range(16))
    return q + a


def main():
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "fuzz")
    ev, dn = os.path.join(root, "events"), os.path.join(root, "dns")
    os.makedirs(ev, exist_ok=True)
    os.makedirs(dn, exist_ok=True)
    S = 5000
    build = [
        exec_(100, S, 1, 1, "/bin/sh", "/usr/bin/dash", "/src", ["sh", "-c", "make all"]),
        fork(101, S + 1, 100, S),
        exec_(101, S + 1, 100, S, "/usr/bin/make", "/usr/bin/make", "/src", ["make", "all"]),
        fork(102, S + 2, 101, S + 1),
        exec_(102, S + 2, 101, S + 1, "/usr/bin/curl", "/usr/bin/curl", "/src",
              ["curl", "-H", "Authorization: Bearer abc", "https://u:p@example.com/x.sh"]),
        dns(102, S + 2, dns_query("example.com")),
        dns(102, S + 2, dns_answer(), direction=1),
        connect(102, S + 2, bytes([93, 184, 216, 34])),
        connect(102, S + 2, bytes(range(16)), family=10, ret=-111),
        file_(102, S + 2, 1, "/home/runner/.ssh/id_rsa", flags=1, open_flags=0),
        file_(102, S + 2, 2, "a.tmp", "/etc/passwd", flags=0),
        file_(102, S + 2, 3, "/proc/self/mem", flags=1),
        priv(102, S + 2, 1, (16, 0, 0), target=100),
        priv(102, S + 2, 4, (0, 0, 0), s="/mnt"),
        priv(102, S + 2, 8, (9, 0, 0), target=1),
        exit_(102, S + 2, 101, S + 1, 9),
        exec_failed(101, S + 1, "./configure"),
        exec_(103, S + 3, 101, S + 1, "/tmp/evil", "/tmp/evil", None, ["evil"], flags=0x80 | 0x8,
              deny_rule=1),
        exit_(101, S + 1, 100, S, 2 << 8),
        exit_(100, S, 1, 1, 0),
    ]
    reuse = [
        exec_(200, 10, 1, 1, "/bin/sh", "/bin/sh", "/", ["sh"]),
        fork(201, 11, 200, 10),
        exit_(201, 11, 200, 10),
        fork(201, 12, 200, 10),
        exec_(201, 12, 200, 10, "/bin/ls", "/bin/ls", "/", ["ls", "-l"]),
        exit_(201, 12, 200, 10),
        exit_(200, 10, 1, 1),
    ]
    storm = [exec_(300, 1, 1, 0, "/bin/sh", "/bin/sh", "/", ["sh"])]
    for i in range(24):
        storm += [fork(400 + i, 100 + i, 300, 1),
                  exec_(400 + i, 100 + i, 300, 1, "/bin/true", "/bin/true", "/", ["true", str(i)]),
                  exit_(400 + i, 100 + i, 300, 1)]
    prov = [
        exec_(600, 1, 1, 0, "/bin/bash", "/usr/bin/bash", "/src", ["bash", "ci.sh"]),
        fork(601, 2, 600, 1),
        exec_(601, 2, 600, 1, "/bin/sh", "/usr/bin/dash", "/src", ["sh"],
              stdio=[stdio_(PIPE, 900, 1), stdio_(PIPE, 77, 2), stdio_(PIPE, 77, 2)]),
        fork(602, 3, 600, 1),
        exec_(602, 3, 600, 1, "/usr/bin/python3", "/usr/bin/python3.11", "/src",
              ["python3", "-c", "import urllib.request"],
              stdio=[stdio_(NULL_DEV, 3, 1), stdio_(PIPE, 900, 2), stdio_(PIPE, 77, 2)]),
        connect(602, 3, bytes([127, 0, 0, 1])),
        file_(602, 3, 1, "/tmp/payload", flags=1 | 4, open_flags=0o1101),
        fork(603, 4, 600, 1),
        exec_(603, 4, 600, 1, "/usr/bin/base64", "/usr/bin/base64", "/src", ["base64", "-d"],
              stdio=[stdio_(PIPE, 901, 1), stdio_(FILE_KIND, 55, 2, "/tmp/stage2"),
                     stdio_(PIPE, 77, 2)]),
        fork(604, 5, 600, 1),
        exec_(604, 5, 600, 1, "/tmp/payload", "/tmp/payload", "/src", ["sshd"],
              env=["LD_PRELOAD=/tmp/x.so", "LD_AUDIT=/tmp/a.so"]),
        exec_(604, 5, 600, 1, "/proc/self/fd/3", "/memfd:x", "/src", ["x"], flags=(1 << 10) | (1 << 11),
              stdio=[stdio_(SOCKET, 12, 3, family=2, addr=bytes([127, 0, 0, 1]), port=4444),
                     stdio_(SOCKET, 12, 3, family=2, addr=bytes([127, 0, 0, 1]), port=4444),
                     stdio_(NULL_DEV, 3, 2)]),
        file_(602, 3, 4, "/tmp/x", flags=1, open_flags=0o4755),
    ]
    weird = exec_(500, 1, 1, 0, "\xff\xfe", "/bin/\u00e9", "/tmp/\n\"q\"", ["a\x01b", "\x7f", "\ud7ff"],
                  flags=0x7f)
    seeds = {
        "build.bin": frame(build),
        "provenance.bin": frame(prov),
        "pid_reuse.bin": frame(reuse),
        "prune.bin": frame(storm),
        "weird_bytes.bin": frame([weird.replace(b"\xc3\xa9", b"\xc3")]),
        # hdr.size larger than the record, smaller than the header, and a
        # filename without its NUL
        "bad_size.bin": frame([build[0][:60], hdr(EXEC, 39, 1, 1)]),
        "bad_string.bin": frame([build[2][:EXEC_FIXED + len("/usr/bin/make")] + b"x" +
                                 build[2][EXEC_FIXED + 1 + len("/usr/bin/make"):]]),
        "bad_type.bin": frame([hdr(0, 40, 1, 1), hdr(99, 40, 1, 1), priv(1, 1, 0)]),
    }
    for n, b in seeds.items():
        with open(os.path.join(ev, n), "wb") as f:
            f.write(b)
    dseeds = {
        "query_a.bin": dns_query("example.com"),
        "query_aaaa.bin": dns_query("pypi.org", 28),
        "answer_cname_a_aaaa.bin": dns_answer(),
        "answer_cut.bin": dns_answer()[:-10],
        "pointer_loop.bin": struct.pack(">HHHHHH", 1, 0x8180, 1, 0, 0, 0) + b"\xc0\x0c" + struct.pack(">HH", 1, 1),
        "short.bin": b"\x12\x34\x01",
    }
    for n, b in dseeds.items():
        with open(os.path.join(dn, n), "wb") as f:
            f.write(b)


if __name__ == "__main__":
    main()
