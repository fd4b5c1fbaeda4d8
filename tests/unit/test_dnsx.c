// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * DNS exfiltration and DNS-over-HTTPS/TLS visibility: the label measures
 * (length, entropy), the registrable-domain approximation, the per-job
 * subdomain tally and its bounds, the configured-resolver list, the DoH
 * table, the policy conditions that test them (values, errors with their
 * positions, matching), and the default policy's DNS rules on the names of
 * real builds and on encoded ones.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "events/dns_peers.h"
#include "events/dns_shape.h"
#include "events/dns_tally.h"
#include "events/doh_endpoints.h"
#include "events/resolvers.h"
#include "policy/policy.h"
#include "policy_load.h"

/* ---- label shape ---- */

static struct dns_shape shape(const char *name)
{
	struct dns_shape s;

	dns_shape_of(name, &s);
	return s;
}

#define len_of(name) (shape(name).label_len)
#define entropy_of(name) (shape(name).label_entropy)

static void test_label_shape(void **state)
{
	(void)state;
	assert_int_equal(len_of("registry.npmjs.org"), 8);
	assert_int_equal(len_of("a.bb.ccc"), 3);
	assert_int_equal(len_of("."), 0);
	assert_int_equal(len_of(""), 0);
	/* an escape is one octet: "a\046b" is the 3-octet label a.b */
	assert_int_equal(len_of("a\\046b.example"), 7);
	assert_int_equal(len_of("x\\046y\\046z"), 5);
	/* 16 distinct octets: exactly 4 bits each */
	assert_int_equal(entropy_of("0123456789abcdef.example.com"), 4000);
	/* one repeated octet: 0 bits */
	assert_int_equal(entropy_of("aaaaaaaaaaaaaaaaaaaa.example.com"), 0);
	/* two octets half and half: 1 bit */
	assert_int_equal(entropy_of("abababababababab.x"), 1000);
	/* too short to tell: 0 whatever it holds */
	assert_int_equal(entropy_of("0123456789abcde.example.com"), 0);
	/* the longest label is the one measured */
	assert_int_equal(entropy_of("ab.0123456789abcdef.aaaa"), 4000);
	assert_int_equal(entropy_of("ab.0123456789abcdef.aaaaaaaaaaaaaaaaaa"), 0);
}

static void test_registrable(void **state)
{
	(void)state;
	assert_string_equal(dns_registrable("registry.npmjs.org"), "npmjs.org");
	assert_string_equal(dns_registrable("a.b.c.example.com"), "example.com");
	assert_string_equal(dns_registrable("github.com"), "github.com");
	assert_string_equal(dns_registrable("x.bbc.co.uk"), "bbc.co.uk");
	assert_string_equal(dns_registrable("bbc.co.uk"), "bbc.co.uk");
	assert_string_equal(dns_registrable("co.uk"), "co.uk");
	assert_string_equal(dns_registrable("www.example.com.au"), "example.com.au");
	/* a two-letter TLD without a generic second level: two labels */
	assert_string_equal(dns_registrable("a.b.example.de"), "example.de");
	/* a generic-looking label under a long TLD is an ordinary name */
	assert_string_equal(dns_registrable("x.co.com"), "co.com");
	assert_string_equal(dns_registrable("_http._tcp.deb.debian.org"), "debian.org");
	assert_null(dns_registrable("localhost"));
	assert_null(dns_registrable("."));
	assert_null(dns_registrable(""));
	assert_null(dns_registrable("4.3.2.1.in-addr.arpa"));
	assert_null(dns_registrable("1.0.0.ip6.arpa"));
}

/* ---- subdomain tally ---- */

static uint32_t tally(struct dns_tally *t, const char *name)
{
	return dns_tally_add(t, name, dns_registrable(name));
}

static void test_tally_counts_distinct(void **state)
{
	struct dns_tally t = { 0 };
	char name[64];

	(void)state;
	assert_int_equal(tally(&t, "a.evil.test"), 1);
	assert_int_equal(tally(&t, "a.evil.test"), 1); /* a repeat (A then AAAA) */
	assert_int_equal(tally(&t, "b.evil.test"), 2);
	assert_int_equal(tally(&t, "x.y.evil.test"), 3);
	assert_int_equal(tally(&t, "evil.test"), 0);   /* the domain itself */
	assert_int_equal(tally(&t, "a.other.test"), 1); /* per domain */
	assert_int_equal(tally(&t, "c.evil.test"), 4);
	assert_int_equal(tally(&t, "localhost"), 0);
	for (int i = 0; i < 200; i++) {
		snprintf(name, sizeof(name), "chunk%d.evil.test", i);
		assert_int_equal(tally(&t, name), 5 + (uint32_t)i);
	}
	dns_tally_free(&t);
	/* a freed tally starts again */
	assert_int_equal(tally(&t, "a.evil.test"), 1);
	dns_tally_free(&t);
}

static void test_tally_bounds(void **state)
{
	struct dns_tally t = { 0 };
	char name[64];
	uint32_t n = 0;

	(void)state;
	/* More distinct names than the table holds: every one still counts,
	 * and none is taken for a repeat. */
	for (int i = 0; i < DNS_TALLY_NAMES + 100; i++) {
		snprintf(name, sizeof(name), "n%d.tunnel.test", i);
		n = tally(&t, name);
		assert_int_equal(n, (uint32_t)i + 1);
	}
	assert_true(t.n_names < DNS_TALLY_NAMES);
	/* more domains than the table holds: those past it are not counted */
	for (int i = 0; i < DNS_TALLY_PARENTS + 10; i++) {
		snprintf(name, sizeof(name), "www.d%d.test", i);
		n = tally(&t, name);
		if (t.n_parents + 1 < DNS_TALLY_PARENTS)
			assert_int_equal(n, 1);
	}
	assert_int_equal(n, 0);
	assert_true(t.n_parents < DNS_TALLY_PARENTS);
	/* the domains already counted go on */
	snprintf(name, sizeof(name), "new.tunnel.test");
	assert_int_equal(tally(&t, name), DNS_TALLY_NAMES + 101);
	dns_tally_free(&t);
}

/* ---- the server of a connected socket ---- */

static void test_dns_peers(void **state)
{
	struct dns_peers t = { 0 };
	uint8_t a[16] = { 10, 0, 0, 2 }, b[16] = { 192, 0, 2, 9 }, got[16];
	int family = 0;

	(void)state;
	assert_false(dns_peers_find(&t, 10, 5, &family, got)); /* nothing yet */
	dns_peers_connect(&t, 10, 5, AF_INET, a);
	assert_true(dns_peers_find(&t, 10, 5, &family, got));
	assert_int_equal(family, AF_INET);
	assert_memory_equal(got, a, 16);
	/* the same pid started again is another process */
	assert_false(dns_peers_find(&t, 10, 6, &family, got));
	/* the last connect wins */
	dns_peers_connect(&t, 10, 5, AF_INET, b);
	assert_true(dns_peers_find(&t, 10, 5, &family, got));
	assert_memory_equal(got, b, 16);
	dns_peers_free(&t);
	assert_false(dns_peers_find(&t, 10, 5, &family, got));
}

/* ---- configured resolvers ---- */

static char *write_tmp(const char *text)
{
	static char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/bw-test-resolv-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static bool configured(const struct resolvers *r, const char *addr)
{
	uint8_t a[16] = { 0 };
	int family = strchr(addr, ':') ? AF_INET6 : AF_INET;

	assert_int_equal(inet_pton(family, addr, a), 1);
	return resolvers_configured(r, family, a);
}

static void test_resolvers(void **state)
{
	struct resolvers r;
	char *path;

	(void)state;
	path = write_tmp("# generated\nsearch corp.example\nnameserver 10.0.0.2\n"
			 "nameserver\tfe80::1%eth0\n  nameserver 192.0.2.53 # trailing\n"
			 "options ndots:5\nnameserver bogus\n");
	assert_int_equal(resolvers_load(&r, path), 0);
	unlink(path);
	assert_int_equal(r.n, 2); /* an indented line is not a nameserver line for glibc either */
	assert_true(configured(&r, "10.0.0.2"));
	assert_true(configured(&r, "::ffff:10.0.0.2")); /* from an IPv6 socket */
	assert_true(configured(&r, "fe80::1"));
	assert_false(configured(&r, "192.0.2.53"));
	assert_false(configured(&r, "8.8.8.8"));
	/* the local forwarding stubs always count */
	assert_true(configured(&r, "127.0.0.53"));
	assert_true(configured(&r, "127.0.0.54"));
	assert_true(configured(&r, "127.0.0.11"));
	/* loopback is the default only when nothing is listed */
	assert_false(configured(&r, "127.0.0.1"));
	assert_false(configured(&r, "::1"));

	path = write_tmp("search x\n");
	assert_int_equal(resolvers_load(&r, path), 0);
	unlink(path);
	assert_int_equal(r.n, 0);
	assert_true(configured(&r, "127.0.0.1"));
	assert_true(configured(&r, "::1"));
	assert_false(configured(&r, "127.0.0.2"));
	assert_false(configured(&r, "10.0.0.2"));

	/* a missing file is the C library's default; a directory is an error */
	assert_int_equal(resolvers_load(&r, "/nonexistent/resolv.conf"), 0);
	assert_int_equal(r.n, 0);
	assert_true(configured(&r, "127.0.0.1"));
	assert_true(resolvers_load(&r, "/") < 0);
}

/* ---- DoH / DoT ---- */

static const char *label(const char *addr, uint16_t port, const char *proto, const char *name)
{
	uint8_t a[16] = { 0 };
	int family = strchr(addr, ':') ? AF_INET6 : AF_INET;

	assert_int_equal(inet_pton(family, addr, a), 1);
	return doh_label(family, a, port, proto, name);
}

static void test_doh_table(void **state)
{
	(void)state;
	assert_int_equal(doh_table_errors(), 0);
	/* DoT and DoQ by port, whatever the address */
	assert_string_equal(label("192.0.2.1", 853, "tcp", NULL), "tls");
	assert_string_equal(label("2001:db8::1", 853, "udp", NULL), "quic");
	/* DoH by the well-known addresses */
	assert_string_equal(label("8.8.8.8", 443, "tcp", NULL), "https");
	assert_string_equal(label("1.1.1.1", 443, "tcp", NULL), "https");
	assert_string_equal(label("1.0.0.1", 443, "udp", NULL), "https"); /* HTTP/3 */
	assert_string_equal(label("9.9.9.9", 443, "tcp", NULL), "https");
	assert_string_equal(label("149.112.112.112", 443, "tcp", NULL), "https");
	assert_string_equal(label("208.67.222.222", 443, "tcp", NULL), "https");
	assert_string_equal(label("2001:4860:4860::8888", 443, "tcp", NULL), "https");
	assert_string_equal(label("2606:4700:4700::1111", 443, "tcp", NULL), "https");
	assert_string_equal(label("2620:fe::fe", 443, "tcp", NULL), "https");
	assert_string_equal(label("::ffff:8.8.4.4", 443, "tcp", NULL), "https");
	/* DoH by the name the job resolved for the address */
	assert_string_equal(label("192.0.2.7", 443, "tcp", "dns.google"), "https");
	assert_string_equal(label("192.0.2.7", 443, "tcp", "cloudflare-dns.com"), "https");
	assert_string_equal(label("192.0.2.7", 443, "tcp", "dns.quad9.net"), "https");
	assert_string_equal(label("192.0.2.7", 443, "tcp", "doh.opendns.com"), "https");
	assert_string_equal(label("192.0.2.7", 443, "tcp", "abc123.dns.nextdns.io"), "https");
	/* not DNS: other ports, other hosts, look-alikes */
	assert_null(label("8.8.8.8", 53, "udp", NULL));
	assert_null(label("8.8.8.8", 80, "tcp", NULL));
	assert_null(label("192.0.2.7", 443, "tcp", "registry.npmjs.org"));
	assert_null(label("192.0.2.7", 443, "tcp", "dns.google.evil.test"));
	assert_null(label("192.0.2.7", 443, "tcp", "xdns.nextdns.io.test"));
	assert_null(label("192.0.2.7", 443, "tcp", "dns.nextdns.io.evil"));
	assert_null(label("8.8.8.9", 443, "tcp", NULL));
	assert_null(label("192.0.2.7", 443, "tcp", NULL));
}

/* ---- policy conditions ---- */

/* Whether the one-rule policy (on: ON, then body) fires for e. */
static bool fires(const char *on, const char *body, const struct bw_event_info *e)
{
	char yaml[2048], *errs = NULL;
	const struct bw_rule *out[4];
	struct bw_policy *p;
	size_t n;

	snprintf(yaml, sizeof(yaml), "rules:\n  - name: r\n    action: alert\n    on: %s\n%s",
		 on, body);
	p = load(yaml, &errs);
	if (!p)
		fail_msg("policy did not load:\n%s\n%s", yaml, errs);
	free(errs);
	n = policy_match_event(p, e, out, 4);
	policy_free(p);
	return n == 1;
}

/* The load fails with an error at POS ("line:col") that contains what. */
static void refused(const char *body, const char *pos, const char *what)
{
	char yaml[2048], *errs = NULL, prefix[64];
	struct bw_policy *p;

	snprintf(yaml, sizeof(yaml), "rules:\n  - name: r\n    action: alert\n%s", body);
	p = load(yaml, &errs);
	assert_null(p);
	snprintf(prefix, sizeof(prefix), "t.yaml:%s: error: ", pos);
	if (!strstr(errs, prefix) || !strstr(errs, what))
		fail_msg("expected '%s...%s' in:\n%s", prefix, what, errs);
	free(errs);
}

static struct bw_event_info dns_event(const char *qname, const char *server,
				      const char *resolver, uint32_t subdomains)
{
	struct bw_event_info e = { .kind = BW_ON_DNS };
	struct dns_shape s;

	dns_shape_of(qname, &s);
	e.dns.qname = qname;
	e.dns.qtype = 1;
	e.dns.label_len = s.label_len;
	e.dns.label_entropy = s.label_entropy;
	e.dns.subdomains = subdomains;
	e.dns.resolver = resolver;
	e.dns.server_family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, server, e.dns.server), 1);
	return e;
}

static void test_policy_dns_conditions(void **state)
{
	struct bw_event_info e = dns_event("0123456789abcdefghij.x.test", "10.0.0.2", "other", 7);

	(void)state;
	assert_true(fires("dns", "    match: {label_length: 20}\n", &e));
	assert_false(fires("dns", "    match: {label_length: {gt: 20}}\n", &e));
	/* 20 distinct octets: log2(20) = 4.322 bits */
	assert_true(fires("dns", "    match: {label_entropy: {ge: 4.3}}\n", &e));
	assert_true(fires("dns", "    match: {label_entropy: {ge: 4.322}}\n", &e));
	assert_false(fires("dns", "    match: {label_entropy: {ge: 4.323}}\n", &e));
	assert_true(fires("dns", "    match: {label_entropy: {lt: 5}}\n", &e));
	assert_true(fires("dns", "    match: {subdomains: {ge: 7}}\n", &e));
	assert_false(fires("dns", "    match: {subdomains: {ge: 8}}\n", &e));
	assert_true(fires("dns", "    match: {resolver: other}\n", &e));
	assert_false(fires("dns", "    match: {resolver: configured}\n", &e));
	assert_true(fires("dns", "    match: {resolver: [configured, other]}\n", &e));
	/* the server in allow: cidrs lets the query through, as do domains */
	assert_false(fires("dns", "    match: {resolver: other}\n    allow: {cidrs: [10.0.0.0/8]}\n",
			   &e));
	assert_true(fires("dns", "    match: {resolver: other}\n    allow: {cidrs: [10.0.0.3]}\n", &e));
	assert_false(fires("dns", "    match: {resolver: other}\n    allow: {domains: '*.test'}\n",
			   &e));
	/* a query whose server was not judged (an answer) has no resolver */
	e.dns.resolver = NULL;
	assert_false(fires("dns", "    match: {resolver: other}\n", &e));
	assert_false(fires("dns", "    match: {resolver: configured}\n", &e));
}

static void test_policy_dns_over(void **state)
{
	struct bw_event_info e = { .kind = BW_ON_CONNECT };

	(void)state;
	e.connect.family = AF_INET;
	e.connect.port = 853;
	e.connect.proto = "tcp";
	e.connect.dns_over = "tls";
	assert_true(fires("connect", "    match: {dns_over: tls}\n", &e));
	assert_true(fires("connect", "    match: {dns_over: [https, tls]}\n", &e));
	assert_false(fires("connect", "    match: {dns_over: https}\n", &e));
	e.connect.dns_over = NULL; /* plain connects have none: not even {not: ...} holds */
	assert_false(fires("connect", "    match: {dns_over: {not: https}}\n", &e));
	assert_true(fires("connect", "    match: {not: {dns_over: [tls, quic, https]}}\n", &e));
}

static void test_policy_errors(void **state)
{
	(void)state;
	refused("    on: dns\n    match: {label_length: 64}\n", "5:27", "from 0 to 63");
	refused("    on: dns\n    match: {label_entropy: {ge: 6.5}}\n", "5:33",
		"expected a number from 0 to 6 (bits per octet");
	refused("    on: dns\n    match: {label_entropy: {ge: 4.1234}}\n", "5:33",
		"at most 3 decimal places), got '4.1234'");
	refused("    on: dns\n    match: {label_entropy: high}\n", "5:28", "got 'high'");
	refused("    on: dns\n    match: {label_entropy: -1}\n", "5:28", "got '-1'");
	refused("    on: dns\n    match: {label_entropy: '4.'}\n", "5:28", "got '4.'");
	refused("    on: dns\n    match: {subdomains: many}\n", "5:25", "many");
	refused("    on: dns\n    match: {resolver: mine}\n",
		"5:23", "unknown resolver 'mine'; valid: configured, other");
	refused("    on: connect\n    match: {dns_over: doh}\n",
		"5:23", "unknown DNS transport 'doh'; valid: tls, quic, https");
	refused("    on: connect\n    match: {label_length: 60}\n", "5:13",
		"condition 'label_length' is only valid in rules on: dns");
	refused("    on: dns\n    match: {dns_over: tls}\n", "5:13",
		"condition 'dns_over' is only valid in rules on: connect");
	refused("    match: {subdomains: 3}\n", "4:13",
		"condition 'subdomains' is only valid in rules on: dns");
	refused("    on: dns\n    allow: {ports: 53}\n", "5:13",
		"'ports' in 'allow' is only valid on: connect");
}

/* ---- the default policy ---- */

static size_t default_hits(const struct bw_event_info *e, const char **rule)
{
	static struct bw_policy *p;
	const struct bw_rule *out[8];
	size_t n;

	if (!p)
		assert_int_equal(policy_load_default(&p, stderr), 0);
	n = policy_match_event(p, e, out, 8);
	*rule = n ? policy_rule_name(out[0]) : NULL;
	return n;
}

/* Names real builds ask (npm, Debian, GitHub, CDNs, cloud storage, SRV). */
static const char *const build_names[] = {
	"registry.npmjs.org", "registry.yarnpkg.com", "deb.debian.org", "security.debian.org",
	"_http._tcp.deb.debian.org", "_https._tcp.security.debian.org",
	"objects.githubusercontent.com", "raw.githubusercontent.com", "codeload.github.com",
	"pipelinesghubeus6.actions.githubusercontent.com",
	"results-receiver.actions.githubusercontent.com",
	"productionresultssa19.blob.core.windows.net", "d2xyz1abc.cloudfront.net",
	"d3rlzzh2fhqbrq.cloudfront.net", "my-build-artifacts-prod.s3.amazonaws.com",
	"s3.us-east-1.amazonaws.com", "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
	"files.pythonhosted.org", "pypi.org", "proxy.golang.org", "sum.golang.org",
	"repo.maven.apache.org", "storage.googleapis.com", "ghcr.io",
	"pkg-containers.githubusercontent.com", "production.cloudflare.docker.com",
	"registry-1.docker.io", "index.crates.io", "static.crates.io",
	/* hashed CDN and storage names: hex account ids, an ELB-like label */
	"pub-3e5f0a9b1c2d4e6f7a8b9c0d1e2f3a4b.r2.dev",
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4.r2.cloudflarestorage.com",
	"a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6-1234567890.us-east-1.elb.amazonaws.com",
	"actions-results-receiver-production.githubapp.com",
	"ypv1f0fkfrmu5ejrpwxpb11uyh.bx.internal.cloudapp.net",
	NULL,
};

static void test_default_silent_on_builds(void **state)
{
	const char *rule;

	(void)state;
	for (const char *const *n = build_names; *n; n++) {
		struct bw_event_info e = dns_event(*n, "10.0.0.2", "configured", 3);

		if (default_hits(&e, &rule))
			fail_msg("default rule %s fires for %s", rule, *n);
	}
}

static void test_default_catches_exfil(void **state)
{
	static const char *const encoded[] = {
		/* base32 of a token, 52 and 40 characters */
		"mfrggzdfmztwq2lknnwg23tpobyxe43uov3ho6dzpjqwe3dfmztwq2lknnwg.x.evil.test",
		"rt6s7awcbzqmpy7h3wmlv4b3az437qucodgi2apq.evil.test",
		/* a 63-character hex chunk, as dnscat2 sends */
		"4a6f686e20446f652073656372657420746f6b656e3a206768705f61626364.evil.test",
		/* base64-ish, case folded */
		"z2hwx2fiy2rlzmdoawprbg1ub3bxcnn0dxz3egl6mtizndu2.a.evil.test",
		NULL,
	};
	const char *rule;

	(void)state;
	for (const char *const *n = encoded; *n; n++) {
		struct bw_event_info e = dns_event(*n, "10.0.0.2", "configured", 1);

		assert_int_equal(default_hits(&e, &rule), 1);
		assert_string_equal(rule, "dns-encoded-label");
	}
	{
		struct bw_event_info e = dns_event("c17.evil.test", "10.0.0.2", "configured", 64);

		assert_int_equal(default_hits(&e, &rule), 1);
		assert_string_equal(rule, "dns-many-subdomains");
		e.dns.subdomains = 65; /* once per domain */
		assert_int_equal(default_hits(&e, &rule), 0);
		e.dns.resolver = "other";
		assert_int_equal(default_hits(&e, &rule), 1);
		assert_string_equal(rule, "dns-to-unconfigured-resolver");
	}
	{
		struct bw_event_info e = { .kind = BW_ON_CONNECT };

		e.connect.port = 443;
		e.connect.proto = "tcp";
		e.connect.dns_name = "dns.google";
		e.connect.dns_over = "https";
		assert_int_equal(default_hits(&e, &rule), 1);
		assert_string_equal(rule, "dns-over-https-or-tls");
		e.connect.dns_over = NULL;
		e.connect.dns_name = "registry.npmjs.org";
		assert_int_equal(default_hits(&e, &rule), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_label_shape),
		cmocka_unit_test(test_registrable),
		cmocka_unit_test(test_tally_counts_distinct),
		cmocka_unit_test(test_tally_bounds),
		cmocka_unit_test(test_dns_peers),
		cmocka_unit_test(test_resolvers),
		cmocka_unit_test(test_doh_table),
		cmocka_unit_test(test_policy_dns_conditions),
		cmocka_unit_test(test_policy_dns_over),
		cmocka_unit_test(test_policy_errors),
		cmocka_unit_test(test_default_silent_on_builds),
		cmocka_unit_test(test_default_catches_exfil),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
