/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * DNS that bypasses port 53: DNS over TLS (port 853), over QUIC (UDP 853)
 * and over HTTPS to the well-known public resolvers, by the name the job
 * resolved for the address or by the resolvers' anycast addresses. The
 * table is doh_endpoints.c; docs/EVENTS.md lists what it holds.
 */
#ifndef BW_DOH_ENDPOINTS_H
#define BW_DOH_ENDPOINTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DOT_PORT 853
#define DOH_PORT 443

/*
 * "tls" (TCP 853), "quic" (UDP 853), "https" (port 443 of a known DoH
 * resolver, by dns_name or by address), or NULL. proto is "tcp", "udp" or
 * "other"; dns_name is lower case without a final dot, or NULL.
 */
const char *doh_label(int family, const uint8_t addr[16], uint16_t port, const char *proto,
		      const char *dns_name);

/* Entries of the table that do not parse (an address) or misplace '*': 0. */
size_t doh_table_errors(void);

#endif /* BW_DOH_ENDPOINTS_H */
