// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <stdlib.h>
#include <string.h>
#include "events/dns_peers.h"
#include "lib/hash.h"

static struct dns_peer *slot(const struct dns_peers *t, uint32_t pid, uint64_t start_ns)
{
	return &t->slots[hash_proc(pid, start_ns) % DNS_PEERS_SLOTS];
}

void dns_peers_connect(struct dns_peers *t, uint32_t pid, uint64_t start_ns, int family,
		       const uint8_t addr[16])
{
	struct dns_peer *p;

	if (!t->slots && !(t->slots = calloc(DNS_PEERS_SLOTS, sizeof(*t->slots))))
		return; /* out of memory: such queries keep an unknown server */
	p = slot(t, pid, start_ns);
	p->pid = pid;
	p->start_ns = start_ns;
	p->family = family;
	memcpy(p->addr, addr, sizeof(p->addr));
}

bool dns_peers_find(const struct dns_peers *t, uint32_t pid, uint64_t start_ns, int *family,
		    uint8_t addr[16])
{
	const struct dns_peer *p;

	if (!t->slots)
		return false;
	p = slot(t, pid, start_ns);
	if (p->pid != pid || p->start_ns != start_ns || !p->family)
		return false;
	*family = p->family;
	memcpy(addr, p->addr, 16);
	return true;
}

void dns_peers_free(struct dns_peers *t)
{
	free(t->slots);
	t->slots = NULL;
}
