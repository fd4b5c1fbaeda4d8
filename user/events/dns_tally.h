/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Per job: how many distinct names under one registrable domain the job
 * has asked for. A DNS tunnel or a chunked exfiltration spreads its data
 * over many names of one domain the attacker controls; a build asks for a
 * handful of names per domain. Memory is bounded: DNS_TALLY_NAMES name
 * hashes and DNS_TALLY_PARENTS domains per job, allocated on first use.
 */
#ifndef BW_DNS_TALLY_H
#define BW_DNS_TALLY_H

#include <stddef.h>
#include <stdint.h>

#define DNS_TALLY_NAMES 16384  /* distinct names remembered (128 KiB) */
#define DNS_TALLY_PARENTS 1024 /* domains counted */

struct dns_tally_parent {
	uint64_t hash; /* 0: free */
	uint32_t count;
};

struct dns_tally {
	uint64_t *names; /* open addressing, 0: free */
	size_t n_names;
	struct dns_tally_parent *parents;
	size_t n_parents;
};

/*
 * Records a query for name under parent (dns_registrable(name)) and
 * returns the number of distinct names below parent asked so far, this one
 * included: 0 for the parent itself, for a NULL parent, when the domain
 * table is full, or when memory ran out. Once the name table is full every
 * name counts as new (a count can only grow too fast, never stall).
 */
uint32_t dns_tally_add(struct dns_tally *t, const char *name, const char *parent);
void dns_tally_free(struct dns_tally *t);

#endif /* BW_DNS_TALLY_H */
