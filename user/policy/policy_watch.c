// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The directories `on: file` rules name, for the kernel's file watch: a
 * rule on a path the kernel does not report could never fire. Exact and
 * prefix tests give a directory to watch; glob and regex tests cannot be
 * turned into one and are reported so the user knows what is watched.
 */
#include <string.h>
#include "policy/policy_internal.h"

/* The directory (with its trailing '/') an exact or prefix path lies in. */
static size_t dir_len(const struct pol_test *t)
{
	const char *slash;

	if (t->op == POL_PREFIX && t->len && t->text[t->len - 1] == '/')
		return t->len;
	slash = strrchr(t->text, '/');
	return slash ? (size_t)(slash - t->text) + 1 : 0;
}

static void walk_test(const struct pol_test *t, const struct bw_rule *r,
		      policy_watch_fn fn, void *arg)
{
	char dir[1024];
	size_t n, i;

	if (t->op == POL_ANY) {
		for (i = 0; i < t->n_kids; i++)
			walk_test(t->kids[i], r, fn, arg);
		return;
	}
	if ((t->op != POL_EXACT && t->op != POL_PREFIX) || !t->text || t->text[0] != '/') {
		fn(NULL, r->name, t->line, arg);
		return;
	}
	n = dir_len(t);
	if (!n || n >= sizeof(dir)) {
		fn(NULL, r->name, t->line, arg);
		return;
	}
	memcpy(dir, t->text, n);
	dir[n] = '\0';
	fn(dir, r->name, t->line, arg);
}

static void walk_group(const struct pol_group *g, const struct bw_rule *r,
		       policy_watch_fn fn, void *arg)
{
	size_t i, j;

	for (i = 0; i < g->n_conds; i++) {
		const struct pol_cond *c = &g->conds[i];

		if (c->field == POL_F_PATH && c->test)
			walk_test(c->test, r, fn, arg);
		else if (c->field == POL_F_ANY)
			for (j = 0; j < c->n_groups; j++)
				walk_group(&c->groups[j], r, fn, arg);
	}
}

void policy_file_watch_dirs(const struct bw_policy *p, policy_watch_fn fn, void *arg)
{
	size_t i;

	for (i = 0; p && i < p->n_rules; i++)
		if (p->rules[i].on == BW_ON_FILE)
			walk_group(&p->rules[i].match, &p->rules[i], fn, arg);
}
