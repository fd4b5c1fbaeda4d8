// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A loaded policy as the rest of buildwarden sees it: accessors, names for
 * the enums, and freeing. The struct layouts stay private to policy_*.c.
 */
#include <stdlib.h>

#include "policy_internal.h"

const char *policy_mode_name(enum policy_mode m)
{
	return m == POLICY_MODE_AUDIT ? "audit" : "enforce";
}

const char *policy_deny_kind_name(enum policy_deny_kind k)
{
	switch (k) {
	case POLICY_DENY_PATH:
		return "path";
	case POLICY_DENY_DIR:
		return "dir";
	case POLICY_DENY_BASENAME:
		return "basename";
	}
	return "?";
}

const char *policy_op_name(enum pol_op op)
{
	static const char *const names[] = {
		[POL_EXACT] = "exact", [POL_PREFIX] = "prefix", [POL_SUFFIX] = "suffix",
		[POL_GLOB] = "glob",   [POL_REGEX] = "regex",	[POL_EQ] = "eq",
		[POL_NE] = "ne",       [POL_LT] = "lt",		[POL_LE] = "le",
		[POL_GT] = "gt",       [POL_GE] = "ge",		[POL_NOT] = "not",
		[POL_ANY] = "any",     [POL_ALL] = "all",	[POL_DOMAIN] = "domain",
	};

	return (unsigned)op < sizeof(names) / sizeof(names[0]) ? names[op] : "?";
}

const char *policy_field_name(enum pol_field f)
{
	static const char *const names[] = {
		[POL_F_EXE] = "exe",	       [POL_F_FILENAME] = "filename",
		[POL_F_BASENAME] = "basename", [POL_F_ARGV] = "argv",
		[POL_F_ARG] = "arg",	       [POL_F_CMDLINE] = "cmdline",
		[POL_F_ARGC] = "argc",	       [POL_F_CWD] = "cwd",
		[POL_F_UID] = "uid",	       [POL_F_EUID] = "euid",
		[POL_F_PARENT] = "parent",     [POL_F_ANCESTOR] = "ancestor",
		[POL_F_NOT] = "not",	       [POL_F_ANY] = "any",
		[POL_F_ADDRESS] = "address",   [POL_F_PORT] = "port",
		[POL_F_PROTO] = "proto",       [POL_F_DOMAIN] = "domain",
		[POL_F_RESULT] = "result",     [POL_F_QNAME] = "qname",
		[POL_F_QTYPE] = "qtype",       [POL_F_PATH] = "path",
		[POL_F_FILE_OP] = "op",	       [POL_F_PRIV_OP] = "op",
		[POL_F_TARGET_IN_JOB] = "target_in_job",
	};

	return (unsigned)f < sizeof(names) / sizeof(names[0]) ? names[f] : "?";
}

const char *policy_on_name(enum bw_event_kind k)
{
	static const char *const names[] = {
		[BW_ON_EXEC] = "exec", [BW_ON_CONNECT] = "connect", [BW_ON_DNS] = "dns",
		[BW_ON_FILE] = "file", [BW_ON_PRIVILEGE] = "privilege",
	};

	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

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

bool policy_rule_in_kernel(const struct bw_rule *r)
{
	return r->in_kernel;
}

const struct policy_deny_rule *policy_deny_rules(const struct bw_policy *p,
						 size_t *n)
{
	*n = p ? p->n_deny : 0;
	return p && p->n_deny ? p->deny : NULL;
}

void policy_free(struct bw_policy *p)
{
	if (!p)
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
