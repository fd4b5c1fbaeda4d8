/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The host's configured DNS resolvers, read once from resolv.conf when the
 * agent starts, so a DNS query can be told apart when it goes to a server
 * of the job's own choosing (a tunnel endpoint, an attacker's resolver).
 */
#ifndef BW_RESOLVERS_H
#define BW_RESOLVERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RESOLVERS_PATH "/etc/resolv.conf"
#define RESOLVERS_MAX 16 /* glibc uses 3; more lines are kept, not used by it */

struct resolver_addr {
	int family; /* AF_INET or AF_INET6 */
	uint8_t addr[16];
};

struct resolvers {
	struct resolver_addr a[RESOLVERS_MAX];
	size_t n;
};

/*
 * Reads the nameserver lines of path. A missing file is not an error: it
 * leaves the list empty, which (as for the C library) means the loopback
 * resolver. Returns 0, or -errno when the file exists but cannot be read.
 */
int resolvers_load(struct resolvers *r, const char *path);

/*
 * Whether a query to addr goes to a configured resolver: one the file
 * lists; the local stubs that forward to the host's servers,
 * systemd-resolved's (127.0.0.53, 127.0.0.54) and Docker's embedded DNS of
 * user-defined networks (127.0.0.11, in the container's network
 * namespace); and 127.0.0.1 and ::1 when the file lists none (the C
 * library's default). IPv4-mapped IPv6 addresses are compared
 * as IPv4.
 */
bool resolvers_configured(const struct resolvers *r, int family, const uint8_t addr[16]);

#endif /* BW_RESOLVERS_H */
