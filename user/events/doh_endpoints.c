// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The maintained list of public DNS-over-HTTPS resolvers. Add a resolver
 * here (its host names and anycast addresses) and to docs/EVENTS.md; the
 * unit test checks every entry parses and is found.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include "events/doh_endpoints.h"

/* Host names; "*.name" stands for the names under name (per-user hosts). */
static const char *const doh_hosts[] = {
	"dns.google", "dns.google.com", "dns64.dns.google",
	"cloudflare-dns.com", "mozilla.cloudflare-dns.com", "security.cloudflare-dns.com",
	"family.cloudflare-dns.com", "one.one.one.one", "1dot1dot1dot1.cloudflare-dns.com",
	"dns.quad9.net", "dns9.quad9.net", "dns10.quad9.net", "dns11.quad9.net",
	"doh.opendns.com", "doh.familyshield.opendns.com",
	"dns.adguard.com", "dns.adguard-dns.com", "unfiltered.adguard-dns.com",
	"family.adguard-dns.com", "dns.nextdns.io", "*.dns.nextdns.io",
	"doh.cleanbrowsing.org", "doh.dns.sb", "dns.alidns.com", "doh.pub", "doh.360.cn",
	"freedns.controld.com", "dns.controld.com", "dns.mullvad.net", "doh.mullvad.net",
	"adblock.dns.mullvad.net", "ordns.he.net", "dns0.eu", "doh.libredns.gr",
	"dns.switch.ch", "doh.ffmuc.net", "dns.digitale-gesellschaft.ch",
	NULL,
};

/* Their anycast addresses, IPv4 and IPv6. */
static const char *const doh_addrs[] = {
	"8.8.8.8", "8.8.4.4", "2001:4860:4860::8888", "2001:4860:4860::8844",
	"1.1.1.1", "1.0.0.1", "1.1.1.2", "1.0.0.2", "1.1.1.3", "1.0.0.3",
	"2606:4700:4700::1111", "2606:4700:4700::1001", "2606:4700:4700::1112",
	"2606:4700:4700::1002", "2606:4700:4700::1113", "2606:4700:4700::1003",
	"9.9.9.9", "149.112.112.112", "9.9.9.10", "149.112.112.10", "9.9.9.11",
	"149.112.112.11", "2620:fe::fe", "2620:fe::9", "2620:fe::10", "2620:fe::fe:10",
	"2620:fe::11", "2620:fe::fe:11",
	"208.67.222.222", "208.67.220.220", "2620:119:35::35", "2620:119:53::53",
	"94.140.14.14", "94.140.15.15", "2a10:50c0::ad1:ff", "2a10:50c0::ad2:ff",
	"185.228.168.168", "185.228.169.168", "185.228.168.9", "185.228.169.9",
	"45.90.28.0", "45.90.30.0", "194.242.2.2", "194.242.2.3",
	"76.76.2.0", "76.76.10.0", "223.5.5.5", "223.6.6.6",
	NULL,
};

static bool name_matches(const char *pattern, const char *name)
{
	size_t pl, nl;

	if (pattern[0] != '*')
		return !strcmp(pattern, name);
	pl = strlen(pattern + 1); /* ".dns.nextdns.io" */
	nl = strlen(name);
	return nl > pl && !strcmp(name + nl - pl, pattern + 1);
}

static bool doh_is_host(const char *name)
{
	if (!name)
		return false;
	for (const char *const *h = doh_hosts; *h; h++)
		if (name_matches(*h, name))
			return true;
	return false;
}

size_t doh_table_errors(void)
{
	uint8_t buf[16];
	size_t bad = 0;

	for (const char *const *s = doh_addrs; *s; s++)
		bad += inet_pton(strchr(*s, ':') ? AF_INET6 : AF_INET, *s, buf) != 1;
	for (const char *const *h = doh_hosts; *h; h++)
		bad += !**h || strchr(*h, '*') != (*h[0] == '*' ? *h : NULL);
	return bad;
}

static bool doh_is_addr(int family, const uint8_t addr[16])
{
	static const uint8_t v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	uint8_t buf[16];
	const uint8_t *a = addr;

	if (family == AF_INET6 && !memcmp(addr, v4_mapped, sizeof(v4_mapped))) {
		family = AF_INET;
		a = addr + 12;
	}
	for (const char *const *s = doh_addrs; *s; s++) {
		bool v6 = strchr(*s, ':') != NULL;

		if (v6 != (family == AF_INET6) || inet_pton(v6 ? AF_INET6 : AF_INET, *s, buf) != 1)
			continue;
		if (!memcmp(buf, a, v6 ? 16 : 4))
			return true;
	}
	return false;
}

const char *doh_label(int family, const uint8_t addr[16], uint16_t port, const char *proto,
		      const char *dns_name)
{
	bool udp = proto && !strcmp(proto, "udp");

	if (port == DOT_PORT)
		return udp ? "quic" : "tls";
	if (port != DOH_PORT)
		return NULL;
	if (doh_is_host(dns_name) || doh_is_addr(family, addr))
		return "https";
	return NULL;
}
