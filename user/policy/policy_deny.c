// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Deny rules run in the kernel, at sched_process_exec, as hash lookups: no
 * regex, no loop over rules. So a deny rule may only use conditions that
 * become map keys — the resolved exe (exact, or a directory prefix), its
 * basename, and optionally the basenames of its parent or ancestors. Here
 * we refuse anything else, with the reason (never a silent downgrade to a
 * userspace kill), and turn accepted rules into the keys the loader needs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <linux/types.h> /* the shared header includes nothing itself */

#include "buildwarden_events.h"
#include "policy/policy_internal.h"

#define DENY_CONDS "a deny rule may use only exe_origin alone, fileless: true alone, or exe (exact paths or {prefix: /dir/}), " \
		   "basename (exact names) and parent/ancestor basename (exact names)"
#define NAME_MAX_BYTES 255

struct deny_check {
	struct pol_parser *ps;
	const struct bw_rule *r;
	const char *what; /* "exe", "basename", "parent basename" … */
	bool allow_prefix;
	int kind; /* -1 until the first leaf decides exact vs prefix */
	bool ok;
};

static void deny_err(struct deny_check *dc, unsigned line, unsigned col,
		     const char *problem, const char *value)
{
	policy_error_at(dc->ps, line, col, "deny rule '%s': %s '%s' %s", dc->r->name,
		        dc->what, value, problem);
	dc->ok = false;
}

static unsigned path_depth(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		n += *s == '/' && s[1];
	return n;
}

/* Why the kernel cannot key path leaf t, or NULL when it can. */
static const char *path_leaf_problem(const struct pol_test *t)
{
	bool prefix = t->op == POL_PREFIX;

	if (t->text[0] != '/')
		return "is not an absolute path: the kernel matches the resolved path of the executable";
	if (t->len >= BW_DENY_KEY_LEN)
		return "is longer than the kernel's deny key (255 bytes)";
	if (prefix && t->text[t->len - 1] != '/')
		return "is not a directory: a deny prefix must end in '/' (the kernel looks up "
		       "whole directories)";
	if (prefix && t->len == 1)
		return "would deny every program";
	if (prefix && path_depth(t->text) >= BW_DENY_DIR_DEPTH)
		return "is deeper than the kernel's directory limit (15 levels)";
	return NULL;
}

/* Why the kernel cannot key name leaf t, or NULL when it can. */
static const char *name_leaf_problem(const struct pol_test *t)
{
	if (!t->len || strchr(t->text, '/'))
		return "is not a file name (empty or has '/')";
	if (t->len > NAME_MAX_BYTES)
		return "is longer than a file name can be";
	return NULL;
}

static void check_leaf(struct deny_check *dc, const struct pol_test *t)
{
	bool prefix = t->op == POL_PREFIX;
	const char *problem;

	if (t->op != POL_EXACT && !(prefix && dc->allow_prefix)) {
		policy_error_at(dc->ps, t->line, t->col, "deny rule '%s': operator '%s' on %s "
			        "cannot be evaluated in the kernel; %s", dc->r->name,
			        policy_op_name(t->op), dc->what, DENY_CONDS);
		dc->ok = false;
		return;
	}
	if (dc->kind >= 0 && dc->kind != prefix) {
		policy_error_at(dc->ps, t->line, t->col, "deny rule '%s': exe mixes exact "
			        "paths and directory prefixes; split it into two rules",
			        dc->r->name);
		dc->ok = false;
		return;
	}
	dc->kind = prefix;
	problem = dc->allow_prefix ? path_leaf_problem(t) : name_leaf_problem(t);
	if (problem)
		deny_err(dc, t->line, t->col, problem, t->text);
}

/* A test the kernel can use is a leaf or any-of-leaves, nested any depth. */
static void check_test(struct deny_check *dc, const struct pol_test *t)
{
	if (t->op == POL_ANY) {
		for (size_t i = 0; i < t->n_kids; i++)
			check_test(dc, t->kids[i]);
		return;
	}
	if (t->op == POL_NOT || t->op == POL_ALL) {
		policy_error_at(dc->ps, t->line, t->col, "deny rule '%s': '%s' on %s cannot be "
			        "evaluated in the kernel; %s", dc->r->name, policy_op_name(t->op),
			        dc->what, DENY_CONDS);
		dc->ok = false;
		return;
	}
	check_leaf(dc, t);
}

static void check_lineage(struct deny_check *dc, const struct pol_cond *c)
{
	if (c->lin_exe) {
		policy_error_at(dc->ps, c->lin_exe->line, c->lin_exe->col, "deny rule '%s': "
			        "%s exe cannot be evaluated in the kernel (it keeps only "
			        "ancestors' basenames); use basename", dc->r->name,
			        policy_field_name(c->field));
		dc->ok = false;
	}
	/* Per process the kernel keeps its parent's tags and all ancestors' tags. */
	if (c->field == POL_F_ANCESTOR && c->depth != 1 && c->depth != BW_ANCESTRY_MAX) {
		policy_error_at(dc->ps, c->line, c->col, "deny rule '%s': ancestor depth %u "
			        "cannot be evaluated in the kernel (it knows the parent, depth 1, "
			        "or any ancestor, no depth)", dc->r->name, c->depth);
		dc->ok = false;
	}
	if (c->lin_file) {
		policy_error_at(dc->ps, c->lin_file->line, c->lin_file->col, "deny rule '%s': "
			        "%s filename cannot be evaluated in the kernel (it keeps only "
			        "ancestors' basenames); use basename", dc->r->name,
			        policy_field_name(c->field));
		dc->ok = false;
	}
	if (c->lin_base) {
		dc->what = c->field == POL_F_PARENT ? "parent basename" : "ancestor basename";
		dc->allow_prefix = false;
		dc->kind = -1;
		check_test(dc, c->lin_base);
	}
}

static void cond_error(struct deny_check *dc, const struct pol_cond *c,
		       const char *why)
{
	policy_error_at(dc->ps, c->line, c->col, "deny rule '%s': %s", dc->r->name, why);
	dc->ok = false;
}

int policy_deny_check(struct pol_parser *ps, const struct bw_rule *r)
{
	struct deny_check dc = { .ps = ps, .r = r, .ok = true };
	const struct pol_cond *key = NULL, *lineage = NULL;

	/* Files flagged as they are written: their paths become kernel keys. */
	if (r->match.n_conds == 1 && r->match.conds[0].field == POL_F_EXE_ORIGIN)
		return 0;
	/* The kernel knows a fileless exec by its flags. */
	if (r->match.n_conds == 1 && r->match.conds[0].field == POL_F_FILELESS) {
		if (!r->match.conds[0].test || r->match.conds[0].test->num != 1) {
			policy_error_at(ps, r->match.conds[0].line, r->match.conds[0].col,
					"deny rule '%s': the kernel can deny 'fileless: true' only",
					r->name);
			return -EINVAL;
		}
		return 0;
	}

	for (size_t i = 0; i < r->match.n_conds; i++) {
		const struct pol_cond *c = &r->match.conds[i];

		if (c->field == POL_F_EXE || c->field == POL_F_BASENAME) {
			if (key)
				cond_error(&dc, c, "use one of 'exe' or 'basename', not both "
					   "(the kernel keys a rule by one of them)");
			key = key ? key : c;
		} else if (c->field == POL_F_PARENT || c->field == POL_F_ANCESTOR) {
			if (lineage)
				cond_error(&dc, c, "use one of 'parent' or 'ancestor', not both");
			lineage = lineage ? lineage : c;
		} else {
			policy_error_at(ps, c->line, c->col, "deny rule '%s': condition '%s' "
				        "cannot be evaluated in the kernel; %s", r->name,
				        policy_field_name(c->field), DENY_CONDS);
			dc.ok = false;
		}
	}
	if (!key) {
		policy_error_at(ps, r->line, r->col, "deny rule '%s' needs 'exe' or "
			        "'basename' (the kernel keys a rule by one of them)", r->name);
		return -EINVAL;
	}
	dc.what = policy_field_name(key->field);
	dc.allow_prefix = key->field == POL_F_EXE;
	dc.kind = -1;
	check_test(&dc, key->test);
	if (lineage)
		check_lineage(&dc, lineage);
	return dc.ok ? 0 : -EINVAL;
}

static size_t count_leaves(const struct pol_test *t)
{
	size_t n = t->op == POL_ANY ? 0 : 1;

	for (size_t i = 0; t->op == POL_ANY && i < t->n_kids; i++)
		n += count_leaves(t->kids[i]);
	return n;
}

static void fill_leaves(const struct pol_test *t, const char **out, size_t *n)
{
	if (t->op != POL_ANY) {
		out[(*n)++] = t->text;
		return;
	}
	for (size_t i = 0; i < t->n_kids; i++)
		fill_leaves(t->kids[i], out, n);
}

/* The leaves of a checked test as an array of strings. */
static const char **leaves(const struct pol_test *t, size_t *n)
{
	const char **v = calloc(count_leaves(t), sizeof(*v));

	*n = 0;
	if (v)
		fill_leaves(t, v, n);
	return v;
}

/* Lowest kid: an exe test's kind is that of any of its (uniform) leaves. */
static enum pol_op first_leaf_op(const struct pol_test *t)
{
	while (t->op == POL_ANY)
		t = t->kids[0];
	return t->op;
}

static int compile_rule(const struct bw_rule *r, struct policy_deny_rule *d)
{
	const struct pol_cond *key = NULL, *lin = NULL;

	for (size_t i = 0; i < r->match.n_conds; i++) {
		const struct pol_cond *c = &r->match.conds[i];

		if (c->field == POL_F_EXE || c->field == POL_F_BASENAME)
			key = c;
		else if (c->field == POL_F_PARENT || c->field == POL_F_ANCESTOR)
			lin = c;
	}
	if (!key && r->match.n_conds == 1 && (r->match.conds[0].field == POL_F_EXE_ORIGIN ||
					      r->match.conds[0].field == POL_F_FILELESS)) {
		d->rule_index = r->index;
		d->rule_name = r->name;
		d->kind = r->match.conds[0].field == POL_F_FILELESS ? POLICY_DENY_FILELESS
								   : POLICY_DENY_DROPPED;
		return 0;
	}
	if (!key)
		return -EINVAL; /* policy_deny_check() refused such a rule already */
	d->rule_index = r->index;
	d->rule_name = r->name;
	if (key->field == POL_F_BASENAME)
		d->kind = POLICY_DENY_BASENAME;
	else
		d->kind = first_leaf_op(key->test) == POL_PREFIX ? POLICY_DENY_DIR
								 : POLICY_DENY_PATH;
	d->values = leaves(key->test, &d->n_values);
	if (!d->values)
		return -ENOMEM;
	if (lin && lin->lin_base) {
		d->ancestor_basenames = leaves(lin->lin_base, &d->n_ancestor_basenames);
		if (!d->ancestor_basenames)
			return -ENOMEM;
		d->ancestor_depth = lin->depth;
	}
	return 0;
}

/* In audit mode nothing is installed: no rule may kill in the kernel. */
int policy_deny_compile(struct bw_policy *p)
{
	size_t n = 0;
	int err;

	for (size_t i = 0; i < p->n_rules; i++)
		n += p->rules[i].in_kernel;
	if (!n)
		return 0;
	p->deny = calloc(n, sizeof(*p->deny));
	if (!p->deny)
		return -ENOMEM;
	for (size_t i = 0; i < p->n_rules; i++) {
		if (!p->rules[i].in_kernel)
			continue;
		/* Count first, so policy_free() releases a half-built entry. */
		err = compile_rule(&p->rules[i], &p->deny[p->n_deny++]);
		if (err)
			return err;
	}
	return 0;
}

/* ---- wake keys: the exes a rule killing from userspace at exec can match ---- */

/* t's leaves are all exact names, or all exact paths or "/dir/" prefixes: deny's keys. */
static bool keyable(const struct pol_test *t, bool path)
{
	if (t->op == POL_ANY) {
		for (size_t i = 0; i < t->n_kids; i++)
			if (!keyable(t->kids[i], path))
				return false;
		return t->n_kids > 0;
	}
	if (!t->text || (t->op != POL_EXACT && !(path && t->op == POL_PREFIX)))
		return false;
	return !(path ? path_leaf_problem(t) : name_leaf_problem(t));
}

/* The condition of r that names the exes it can match, or NULL. */
static const struct pol_test *exe_key_test(const struct bw_rule *r)
{
	for (size_t i = 0; i < r->match.n_conds; i++) {
		const struct pol_cond *c = &r->match.conds[i];

		if ((c->field == POL_F_EXE || c->field == POL_F_BASENAME) && c->test &&
		    keyable(c->test, c->field == POL_F_EXE))
			return c->test;
	}
	return NULL;
}

static int keys_add(struct policy_keys *k, const char *s)
{
	const char **v;

	for (size_t i = 0; i < k->n; i++)
		if (!strcmp(k->v[i], s))
			return 0;
	if (k->n == k->cap) {
		size_t cap = k->cap ? 2 * k->cap : 16;

		v = realloc(k->v, cap * sizeof(*v));
		if (!v)
			return -ENOMEM;
		k->v = v;
		k->cap = cap;
	}
	k->v[k->n++] = s;
	return 0;
}

static int keys_add_leaves(struct policy_keys *k, const struct pol_test *t)
{
	int err = 0;

	if (t->op != POL_ANY)
		return keys_add(k, t->text);
	for (size_t i = 0; !err && i < t->n_kids; i++)
		err = keys_add_leaves(k, t->kids[i]);
	return err;
}

int policy_exec_wake_keys(const struct bw_policy *p, struct policy_keys *keys)
{
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct bw_rule *r = &p->rules[i];
		const struct pol_test *t;
		int err;

		if (!policy_rule_kills_at_exec(r))
			continue;
		t = r->late ? NULL : exe_key_test(r);
		if (!t)
			return 0;
		err = keys_add_leaves(keys, t);
		if (err)
			return err;
	}
	return 1;
}

void policy_keys_free(struct policy_keys *k)
{
	free(k->v);
	memset(k, 0, sizeof(*k));
}
