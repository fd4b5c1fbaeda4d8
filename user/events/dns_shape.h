/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What a DNS query name looks like to an exfiltration check: its longest
 * label, how random that label is, and the registrable domain the name
 * falls under. Pure functions of the name; docs/DETECTIONS.md explains the
 * thresholds the default policy applies to them.
 */
#ifndef BW_DNS_SHAPE_H
#define BW_DNS_SHAPE_H

#include <stdint.h>

/* Shorter labels have too few characters for their entropy to say
 * anything: 15 octets can hold at most log2(15) < 4 bits per octet. */
#define DNS_ENTROPY_MIN_LABEL 16

struct dns_shape {
	uint32_t label_len;     /* longest label in octets (an escape \DDD is one) */
	uint32_t label_entropy; /* its Shannon entropy, thousandths of a bit per octet;
				 * 0 below DNS_ENTROPY_MIN_LABEL octets */
};

/* name in dns_parse()'s presentation form (lower case, \DDD escapes). */
void dns_shape_of(const char *name, struct dns_shape *out);

/*
 * The registrable domain of name, approximated without a public-suffix
 * list: its last two labels, or three when the last is a two-letter
 * country code and the one before a short generic (co.uk, com.au, ac.jp).
 * Returns a pointer into name, or NULL when name has no parent to count
 * under: one label, the root, or a reverse lookup (in-addr.arpa, ip6.arpa).
 * The name itself may be its own registrable domain (github.com).
 */
const char *dns_registrable(const char *name);

#endif /* BW_DNS_SHAPE_H */
