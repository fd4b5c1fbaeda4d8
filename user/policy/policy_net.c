// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Network values in policies: domain names and patterns, CIDRs, ports.
 * Shared by allowlists (policy_allow.c) and conditions (policy_cond.c).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy_internal.h"

const char *policy_name_fold(const char *name, char *buf, size_t size)
{
	size_t n = 0;

	for (; name && name[n] && n < size - 1; n++)
		buf[n] = (char)tolower((unsigned char)name[n]);
	if (n && buf[n - 1] == '.')
		n--;
	buf[n] = '\0';
	return buf;
}

bool policy_domain_normalize(struct pol_parser *ps, const yaml_node_t *at,
			     char *name)
{
	size_t len = strlen(name);
	const char *star = strchr(name, '*');

	policy_name_fold(name, name, len + 1);
	if (!*name || !strcmp(name, "*") || !strcmp(name, "*.")) {
		policy_error(ps, at, "'%s' is not a host name or a '*.' pattern", name);
		return false;
	}
	if (star && (star != name || name[1] != '.' || strchr(name + 1, '*'))) {
		policy_error(ps, at, "'%s': '*' may only start a name, as in '*.example.com' "
			     "(its subdomains); use glob or regex for other patterns", name);
		return false;
	}
	if (name[0] == '.' || strstr(name, "..")) {
		policy_error(ps, at, "'%s' has an empty label", name);
		return false;
	}
	return true;
}

/*
 * "*.example.com" is every name under example.com, not example.com itself;
 * anything else is that one name. Both sides are folded already.
 */
bool policy_domain_match(const char *pattern, size_t len, const char *name)
{
	size_t n;

	if (pattern[0] != '*')
		return !strcmp(name, pattern);
	n = strlen(name);
	return n > len - 1 && !memcmp(name + n - (len - 1), pattern + 1, len - 1);
}

static bool parse_one_cidr(struct pol_parser *ps, const yaml_node_t *n,
			   struct pol_cidr *c)
{
	const char *s = policy_scalar(ps, n, "an address or network (CIDR)");
	char addr[64], *slash, *end, shown[INET6_ADDRSTRLEN];
	unsigned long bits;
	unsigned max;

	if (!s)
		return false;
	if (strlen(s) >= sizeof(addr)) {
		policy_error(ps, n, "'%s' is not an IPv4 or IPv6 address or network", s);
		return false;
	}
	strcpy(addr, s);
	slash = strchr(addr, '/');
	if (slash)
		*slash = '\0';
	memset(c, 0, sizeof(*c));
	if (inet_pton(AF_INET, addr, c->addr) == 1) {
		max = 32;
	} else if (inet_pton(AF_INET6, addr, c->addr) == 1) {
		c->v6 = 1;
		max = 128;
	} else {
		policy_error(ps, n, "'%s' is not an IPv4 or IPv6 address or network "
			     "(e.g. 10.0.0.0/8, 127.0.0.1, \"::1/128\")", s);
		return false;
	}
	bits = max;
	if (slash) {
		errno = 0;
		bits = strtoul(slash + 1, &end, 10);
		if (errno || end == slash + 1 || *end || bits > max) {
			policy_error(ps, n, "'%s': prefix length must be 0 to %u", s, max);
			return false;
		}
	}
	c->bits = (uint8_t)bits;
	for (unsigned i = 0; i < max / 8; i++) {
		unsigned keep = bits >= (i + 1) * 8 ? 8 : bits > i * 8 ? bits - i * 8 : 0;
		uint8_t mask = keep ? (uint8_t)(0xff << (8 - keep)) : 0;

		if (c->addr[i] & ~mask) {
			c->addr[i] &= mask;
			for (i++; i < max / 8; i++)
				c->addr[i] = 0;
			inet_ntop(c->v6 ? AF_INET6 : AF_INET, c->addr, shown, sizeof(shown));
			policy_error(ps, n, "'%s' has bits set after the /%lu prefix; did you "
				     "mean %s/%lu?", s, bits, shown, bits);
			return false;
		}
	}
	inet_ntop(c->v6 ? AF_INET6 : AF_INET, c->addr, shown, sizeof(shown));
	snprintf(c->text, sizeof(c->text), "%s/%u", shown, c->bits);
	return true;
}

int policy_parse_cidrs(struct pol_parser *ps, const yaml_node_t *n,
		       struct pol_cidr **out, size_t *n_out)
{
	bool list = n && n->type == YAML_SEQUENCE_NODE, ok = true;
	size_t count = list ? (size_t)(n->data.sequence.items.top - n->data.sequence.items.start) : 1;
	struct pol_cidr *c;

	*out = NULL;
	*n_out = 0;
	if (n && n->type == YAML_MAPPING_NODE) {
		policy_error(ps, n, "expected an address or network (CIDR) or a list of "
			     "them, got a mapping (to negate, use not: {address: ...})");
		return -EINVAL;
	}
	if (!count) {
		policy_error(ps, n, "empty list: it would never match");
		return -EINVAL;
	}
	if (!ps->nodes_left)
		return -EINVAL; /* reported once already */
	if (count >= ps->nodes_left) {
		ps->nodes_left = 0;
		policy_error(ps, n, "policy too large: more than %d conditions",
			     POLICY_MAX_NODES - 1);
		return -EINVAL;
	}
	ps->nodes_left -= count;
	c = calloc(count, sizeof(*c));
	if (!c) {
		ps->oom = true;
		return -ENOMEM;
	}
	for (size_t i = 0; i < count; i++)
		ok = parse_one_cidr(ps, list ? policy_node(ps, n->data.sequence.items.start[i]) : n,
				    &c[i]) && ok;
	if (!ok) {
		free(c);
		return -EINVAL;
	}
	*out = c;
	*n_out = count;
	return 0;
}

static bool cidr_contains(const struct pol_cidr *c, const uint8_t *a)
{
	unsigned full = c->bits / 8, rest = c->bits % 8;

	if (memcmp(c->addr, a, full))
		return false;
	return !rest || !((c->addr[full] ^ a[full]) & (uint8_t)(0xff << (8 - rest)));
}

/* An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is tested as IPv4. */
bool policy_cidrs_contain(const struct pol_cidr *c, size_t n, int family,
			  const uint8_t addr[16])
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	bool v6 = family == AF_INET6;

	if (family != AF_INET && family != AF_INET6)
		return false;
	if (v6 && !memcmp(addr, mapped, sizeof(mapped))) {
		v6 = false;
		addr += 12;
	}
	for (size_t i = 0; i < n; i++)
		if (c[i].v6 == v6 && cidr_contains(&c[i], addr))
			return true;
	return false;
}
