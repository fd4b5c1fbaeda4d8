/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What the agent learns from network, DNS, file and privilege records:
 * their JSON form, the names DNS answers gave to addresses (so a connect
 * reads github.com:443, not only an address), and their policy view.
 */
#ifndef BW_NETINFO_H
#define BW_NETINFO_H

#include <stdbool.h>
#include <stdint.h>
#include "events/dns.h"
#include "events/dns_peers.h"
#include "events/dns_tally.h"
#include "events/event_json.h"
#include "events/events.h"
#include "events/resolvers.h"
#include "policy/exec_info.h"

#define DNS_CACHE_SLOTS 4096

struct dns_cache_entry {
	uint64_t job_id;
	uint16_t family;
	uint8_t addr[16];
	char name[DNS_NAME_MAX];
};

/* A bounded address -> name map per job; a colliding answer replaces. */
struct dns_cache {
	struct dns_cache_entry *slots;
	uint64_t malformed; /* DNS payloads that did not parse */
};

int dns_cache_init(struct dns_cache *c);
void dns_cache_free(struct dns_cache *c);

/*
 * The parts of a record the JSON and the policy both need, decoded once.
 * Strings point into the record, into `scratch`, or are static.
 */
struct netinfo {
	struct bw_event_info info; /* kind and union; info.proc is the caller's */
	struct dns_msg dns;
	int dns_err;
	char addr_text[64];
	char path_buf[2048];
	char path2_buf[2048];
};

/* Decode v (connect/dns/file/privilege) into ni; learns DNS answers. */
void netinfo_decode(struct netinfo *ni, const struct bw_event_view *v, struct dns_cache *c);
/* What the job's earlier DNS traffic says of a new query (per job). */
struct dns_job_state {
	struct dns_tally tally; /* names asked per domain */
	struct dns_peers peers; /* the server of each process's connected socket */
	struct dns_tally refused; /* ports refused per address (connect_info.refused_ports) */
};

/*
 * What a record means in its job: for a query, whether its server is a
 * configured resolver and how many names under its domain the job asked;
 * a UDP connect to port 53 is remembered as its process's server.
 */
void netinfo_dns_context(struct netinfo *ni, const struct bw_event_view *v,
			 const struct resolvers *r, struct dns_job_state *st);
void dns_job_state_free(struct dns_job_state *st);
/* Adds the record-specific JSON fields of v (after the common ones). */
void netinfo_json(struct jbuf *jb, const struct netinfo *ni, const struct bw_event_view *v);
/* One whole record: common fields, process fields, then netinfo_json. */
void netinfo_json_record(struct jbuf *jb, const struct netinfo *ni, const struct bw_event_view *v,
			 uint64_t seq, const struct bw_clock *clk);

#endif /* BW_NETINFO_H */
