// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A loaded policy as the rest of buildwarden sees it: accessors, names for
 * the enums, and freeing. The struct layouts stay private to policy_*.c.
 */
#include <stdlib.h>

#include "policy/policy_internal.h"

bool policy_has_rules_on(const struct bw_policy *p, enum bw_event_kind k)
{
	for (size_t i = 0; p && i < p->n_rules; i++)
		if (p->rules[i].on == k)
			return true;
	return false;
}

const char *policy_source(const struct bw_policy *p)
{
	return p->source;
}

enum policy_mode policy_mode(const struct bw_policy *p)
{
	return p->mode;
}

size_t policy_rule_count(const struct bw_policy *p)
{
	return p ? p->n_rules : 0;
}

const struct bw_rule *policy_rule(const struct bw_policy *p, size_t i)
{
	return p && i < p->n_rules ? &p->rules[i] : NULL;
}

const char *policy_rule_name(const struct bw_rule *r)
{
	return r->name;
}

enum bw_event_kind policy_rule_on(const struct bw_rule *r)
{
	return r->on;
}

const char *policy_rule_description(const struct bw_rule *r)
{
	return r->description ? r->description : "";
}

enum policy_severity policy_rule_severity(const struct bw_rule *r)
{
	return r->severity;
}

enum policy_action policy_rule_action(const struct bw_rule *r)
{
	return r->action;
}

enum policy_action policy_rule_effective_action(const struct bw_rule *r)
{
	return r->effective;
}

size_t policy_rule_index(const struct bw_rule *r)
{
	return r->index;
}

unsigned policy_rule_line(const struct bw_rule *r)
{
	return r->line;
}

bool policy_rule_is_late(const struct bw_rule *r)
{
	return r->late;
}

bool policy_rule_reads_content(const struct bw_rule *r)
{
	return r->reads_content;
}

bool policy_has_late_rules(const struct bw_policy *p)
{
	for (size_t i = 0; p && i < p->n_rules; i++)
		if (p->rules[i].late)
			return true;
	return false;
}

bool policy_uses_written_files(const struct bw_policy *p)
{
	for (size_t i = 0; p && i < p->n_rules; i++)
		if (policy_group_uses(&p->rules[i].match, POL_F_EXE_ORIGIN))
			return true;
	return false;
}

bool policy_rule_in_kernel(const struct bw_rule *r)
{
	return r->in_kernel;
}

bool policy_rule_kills_at_exec(const struct bw_rule *r)
{
	return r->on == BW_ON_EXEC && !r->in_kernel &&
	       policy_rule_effective_action(r) >= POLICY_ACT_KILL_PROCESS;
}

const struct policy_deny_rule *policy_deny_rules(const struct bw_policy *p,
						 size_t *n)
{
	*n = p ? p->n_deny : 0;
	return p && p->n_deny ? p->deny : NULL;
}

struct bw_policy *policy_ref(struct bw_policy *p)
{
	p->refs++;
	return p;
}

void policy_free(struct bw_policy *p)
{
	if (!p || --p->refs)
		return;
	for (size_t i = 0; i < p->n_deny; i++) {
		free((void *)p->deny[i].values);
		free((void *)p->deny[i].ancestor_basenames);
	}
	free(p->deny);
	for (size_t i = 0; i < p->n_rules; i++) {
		free(p->rules[i].name);
		free(p->rules[i].description);
		policy_group_clear(&p->rules[i].match);
		policy_allow_free(p->rules[i].allow, p->rules[i].n_allow);
	}
	free(p->rules);
	free(p->source);
	free(p);
}
