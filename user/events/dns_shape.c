// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <math.h>
#include <stdbool.h>
#include <string.h>
#include "events/dns_shape.h"

/* The octet an escape or a plain character stands for; *adv: its width. */
static unsigned char octet_at(const char *p, size_t *adv)
{
	if (p[0] == '\\' && p[1] >= '0' && p[1] <= '9' && p[2] >= '0' && p[2] <= '9' &&
	    p[3] >= '0' && p[3] <= '9') {
		*adv = 4;
		return (unsigned char)((p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0'));
	}
	*adv = 1;
	return (unsigned char)p[0];
}

static uint32_t entropy_milli(const char *label, size_t bytes, uint32_t octets)
{
	uint32_t count[256] = { 0 };
	double h = 0;
	size_t i = 0, adv;

	if (octets < DNS_ENTROPY_MIN_LABEL)
		return 0;
	while (i < bytes) {
		count[octet_at(label + i, &adv)]++;
		i += adv;
	}
	for (i = 0; i < 256; i++) {
		double p = (double)count[i] / octets;

		if (count[i])
			h -= p * log2(p);
	}
	return (uint32_t)lround(h * 1000);
}

void dns_shape_of(const char *name, struct dns_shape *out)
{
	const char *best = NULL, *start = name, *p = name;
	size_t best_bytes = 0, adv;
	uint32_t octets = 0, best_octets = 0;

	memset(out, 0, sizeof(*out));
	if (!name || !strcmp(name, "."))
		return;
	for (;;) {
		if (*p == '.' || !*p) {
			if (octets > best_octets) {
				best = start;
				best_octets = octets;
				best_bytes = (size_t)(p - start);
			}
			if (!*p)
				break;
			start = ++p;
			octets = 0;
			continue;
		}
		octet_at(p, &adv);
		p += adv;
		octets++;
	}
	out->label_len = best_octets;
	if (best)
		out->label_entropy = entropy_milli(best, best_bytes, best_octets);
}

/* Second-level labels that registries sell names under, as in co.uk. */
static const char *const generic_slds[] = {
	"ac", "co", "com", "edu", "go", "gob", "gov", "mil", "ne", "net", "or", "org", NULL,
};

static bool is_generic_sld(const char *label, size_t len)
{
	for (const char *const *g = generic_slds; *g; g++)
		if (strlen(*g) == len && !memcmp(*g, label, len))
			return true;
	return false;
}

static bool ends_with_label(const char *name, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && !memcmp(name + len - n, suffix, n) &&
	       (len == n || name[len - n - 1] == '.');
}

const char *dns_registrable(const char *name)
{
	const char *dots[3] = { NULL, NULL, NULL }; /* the last three dots, nearest the end first */
	size_t len, n_dots = 0;

	if (!name || !*name || !strcmp(name, "."))
		return NULL;
	len = strlen(name);
	if (ends_with_label(name, len, "in-addr.arpa") || ends_with_label(name, len, "ip6.arpa"))
		return NULL;
	for (const char *p = name + len; p > name && n_dots < 3; p--)
		if (p[-1] == '.')
			dots[n_dots++] = p - 1;
	if (!n_dots)
		return NULL;
	/* tld: after dots[0]; sld: between dots[1] (or the start) and dots[0] */
	if (name + len - dots[0] - 1 == 2 && n_dots >= 2 &&
	    is_generic_sld(dots[1] + 1, (size_t)(dots[0] - dots[1] - 1)))
		return n_dots >= 3 ? dots[2] + 1 : name;
	if (n_dots == 1 && name + len - dots[0] - 1 == 2 &&
	    is_generic_sld(name, (size_t)(dots[0] - name)))
		return name; /* co.uk itself */
	return n_dots >= 2 ? dots[1] + 1 : name;
}
