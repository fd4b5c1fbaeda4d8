// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include "events/resolvers.h"
#include "lib/log.h"

static const uint8_t v4_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

/* IPv4 in the first 4 bytes; an IPv4-mapped IPv6 address becomes IPv4. */
static void canonical(int family, const uint8_t in[16], struct resolver_addr *out)
{
	memset(out, 0, sizeof(*out));
	if (family == AF_INET6 && !memcmp(in, v4_mapped, sizeof(v4_mapped))) {
		out->family = AF_INET;
		memcpy(out->addr, in + 12, 4);
		return;
	}
	out->family = family;
	memcpy(out->addr, in, family == AF_INET6 ? 16 : 4);
}

/* One "nameserver ADDR" line's address (a %scope suffix dropped). */
static void add_line(struct resolvers *r, char *line)
{
	char *word, *save = NULL, *pct;
	uint8_t buf[16] = { 0 };

	/* The C library reads the keyword at the start of the line only. */
	if (line[0] == ' ' || line[0] == '\t')
		return;
	word = strtok_r(line, " \t\r\n", &save);
	if (!word || strcmp(word, "nameserver") || r->n >= RESOLVERS_MAX)
		return;
	word = strtok_r(NULL, " \t\r\n", &save);
	if (!word)
		return;
	pct = strchr(word, '%');
	if (pct)
		*pct = '\0';
	if (inet_pton(AF_INET, word, buf) == 1)
		canonical(AF_INET, buf, &r->a[r->n++]);
	else if (inet_pton(AF_INET6, word, buf) == 1)
		canonical(AF_INET6, buf, &r->a[r->n++]);
}

int resolvers_load(struct resolvers *r, const char *path)
{
	char line[512];
	FILE *f;
	int err = 0;

	memset(r, 0, sizeof(*r));
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		err = -errno;
		bw_warn("cannot read the resolvers of %s: %s; only the loopback defaults count as "
			"configured", path, strerror(-err));
		return err;
	}
	while (fgets(line, sizeof(line), f))
		add_line(r, line);
	if (ferror(f)) {
		err = -EIO;
		bw_warn("error reading %s: the resolvers found before it are kept", path);
	}
	fclose(f);
	return err;
}

static bool is_default(const struct resolver_addr *a, bool none_listed)
{
	static const uint8_t v6_loopback[16] = { [15] = 1 };

	if (a->family == AF_INET && a->addr[0] == 127 && a->addr[1] == 0 && a->addr[2] == 0)
		return a->addr[3] == 53 || a->addr[3] == 54 || a->addr[3] == 11 ||
		       (none_listed && a->addr[3] == 1);
	return none_listed && a->family == AF_INET6 && !memcmp(a->addr, v6_loopback, 16);
}

bool resolvers_configured(const struct resolvers *r, int family, const uint8_t addr[16])
{
	struct resolver_addr a;

	if (family != AF_INET && family != AF_INET6)
		return false;
	canonical(family, addr, &a);
	if (is_default(&a, r->n == 0))
		return true;
	for (size_t i = 0; i < r->n; i++)
		if (r->a[i].family == a.family && !memcmp(r->a[i].addr, a.addr, 16))
			return true;
	return false;
}
