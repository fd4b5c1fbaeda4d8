// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Network values of the policy language: address networks (CIDRs), host
 * name patterns ("github.com", "*.githubusercontent.com"), and a rule's
 * `allow:` list, the egress allowlist whose misses make the rule match.
 * Everything is parsed to binary form here so matching compares bytes.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy_internal.h"

/* ---- host names ---- */

/* ---- networks ---- */

/* ---- allow: ---- */

static bool parse_allow_entry(struct pol_parser *ps, const yaml_node_t *m,
			      struct pol_allow *a)
{
	bool ok = true;

	a->line = m ? m->start_mark.line + 1 : 1;
	a->col = m ? m->start_mark.column + 1 : 1;
	if (!m || m->type != YAML_MAPPING_NODE ||
	    m->data.mapping.pairs.start == m->data.mapping.pairs.top) {
		policy_error(ps, m, "expected 'allow' to be a non-empty mapping with %s "
			     "(or a list of such mappings), got %s",
			     ps->on == BW_ON_DNS ? "'domains' and/or 'cidrs'" : "'domains', 'cidrs' and/or 'ports'",
			     m && m->type == YAML_MAPPING_NODE ? "an empty mapping" : yaml_node_kind(m));
		return false;
	}
	for (yaml_node_pair_t *pr = m->data.mapping.pairs.start;
	     pr < m->data.mapping.pairs.top; pr++) {
		const yaml_node_t *kn = policy_node(ps, pr->key);
		const yaml_node_t *v = policy_node(ps, pr->value);
		const char *k = policy_map_key(ps, m, pr, "a key (string)");

		if (!k) {
			ok = false;
		} else if (!strcmp(k, "domains")) {
			ok = (a->domains = policy_parse_domains(ps, v)) && ok;
		} else if (ps->on == BW_ON_DNS && !strcmp(k, "ports")) {
			policy_error(ps, kn, "'%s' in 'allow' is only valid on: connect; a "
				     "dns rule allows by 'domains' and the server's 'cidrs'", k);
			ok = false;
		} else if (!strcmp(k, "cidrs")) {
			ok = policy_parse_cidrs(ps, v, &a->cidrs, &a->n_cidrs) == 0 && ok;
		} else if (!strcmp(k, "ports")) {
			ok = (a->ports = policy_parse_ports(ps, v)) && ok;
		} else {
			policy_error(ps, kn, "unknown key '%s' in 'allow'; valid keys: %s", k,
				     ps->on == BW_ON_DNS ? "domains, cidrs" : "domains, cidrs, ports");
			ok = false;
		}
	}
	return ok;
}

int policy_parse_allow(struct pol_parser *ps, const yaml_node_t *n,
		       struct bw_rule *r)
{
	bool list = n && n->type == YAML_SEQUENCE_NODE, ok = true;
	size_t count = list ? (size_t)(n->data.sequence.items.top - n->data.sequence.items.start) : 1;

	if (!count) {
		policy_error(ps, n, "'allow' is empty: it would allow nothing; leave it out "
			     "to match every event");
		return -EINVAL;
	}
	policy_allow_free(r->allow, r->n_allow);
	r->n_allow = 0;
	r->allow = calloc(count, sizeof(*r->allow));
	if (!r->allow) {
		ps->oom = true;
		return -ENOMEM;
	}
	r->n_allow = count;
	for (size_t i = 0; i < count; i++)
		ok = parse_allow_entry(ps, list ? policy_node(ps, n->data.sequence.items.start[i]) : n,
				       &r->allow[i]) && ok;
	return ok ? 0 : -EINVAL;
}

void policy_allow_free(struct pol_allow *a, size_t n)
{
	for (size_t i = 0; a && i < n; i++) {
		policy_test_free(a[i].domains);
		policy_test_free(a[i].ports);
		free(a[i].cidrs);
	}
	free(a);
}
