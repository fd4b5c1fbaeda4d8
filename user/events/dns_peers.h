/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The DNS server a process connected its UDP socket to. A query sent on a
 * connected socket (glibc's stub resolver, Go's, busybox) carries no
 * address: the hook reports 0.0.0.0, and the server is the peer of the
 * process's last connect to port 53. A small table per job, keyed by the
 * process; a colliding process replaces the older entry.
 */
#ifndef BW_DNS_PEERS_H
#define BW_DNS_PEERS_H

#include <stdbool.h>
#include <stdint.h>

#define DNS_PEERS_SLOTS 256

struct dns_peer {
	uint32_t pid;
	uint64_t start_ns;
	int family;
	uint8_t addr[16];
};

struct dns_peers {
	struct dns_peer *slots; /* allocated on the first connect to port 53 */
};

/* Remember a UDP connect to port 53 by (pid, start_ns). */
void dns_peers_connect(struct dns_peers *t, uint32_t pid, uint64_t start_ns, int family,
		       const uint8_t addr[16]);
/* The peer of the process's last such connect: false when none is known. */
bool dns_peers_find(const struct dns_peers *t, uint32_t pid, uint64_t start_ns, int *family,
		    uint8_t addr[16]);
void dns_peers_free(struct dns_peers *t);

#endif /* BW_DNS_PEERS_H */
