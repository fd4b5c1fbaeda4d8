// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A rule's `match:` mapping to compiled conditions. Each condition names a
 * field of the exec (exe, argv, parent …) and a test on it; a test is a
 * scalar (exact / equal), a list (any of), or a mapping of operators (all
 * of). Regexes are compiled here, once, so matching never compiles.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "policy_internal.h"

enum test_kind { KIND_STR, KIND_NUM };

struct op_name {
	const char *name;
	enum pol_op op;
};

static const struct op_name str_ops[] = {
	{ "exact", POL_EXACT }, { "prefix", POL_PREFIX }, { "suffix", POL_SUFFIX },
	{ "glob", POL_GLOB },	{ "regex", POL_REGEX },
};

static const struct op_name num_ops[] = {
	{ "eq", POL_EQ }, { "ne", POL_NE }, { "lt", POL_LT },
	{ "le", POL_LE }, { "gt", POL_GT }, { "ge", POL_GE },
};

#define STR_OPS_VALID "exact, prefix, suffix, glob, regex, not, any, all"
#define NUM_OPS_VALID "eq, ne, lt, le, gt, ge, not, any, all"
#define CONDS_VALID "exe, filename, basename, argv, arg0..arg4095, cmdline, " \
		    "argc, cwd, uid, euid, parent, ancestor, not, any"

struct field_name {
	const char *name;
	enum pol_field field;
	enum test_kind kind;
};

static const struct field_name fields[] = {
	{ "exe", POL_F_EXE, KIND_STR },		 { "filename", POL_F_FILENAME, KIND_STR },
	{ "basename", POL_F_BASENAME, KIND_STR }, { "argv", POL_F_ARGV, KIND_STR },
	{ "cmdline", POL_F_CMDLINE, KIND_STR },	 { "cwd", POL_F_CWD, KIND_STR },
	{ "argc", POL_F_ARGC, KIND_NUM },	 { "uid", POL_F_UID, KIND_NUM },
	{ "euid", POL_F_EUID, KIND_NUM },	 { "parent", POL_F_PARENT, KIND_STR },
	{ "ancestor", POL_F_ANCESTOR, KIND_STR }, { "not", POL_F_NOT, KIND_STR },
	{ "any", POL_F_ANY, KIND_STR },
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void policy_test_free(struct pol_test *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_kids; i++)
		policy_test_free(t->kids[i]);
	free(t->kids);
	if (t->re) {
		regfree(t->re);
		free(t->re);
	}
	free(t->text);
	free(t);
}

static void cond_clear(struct pol_cond *c)
{
	policy_test_free(c->test);
	policy_test_free(c->lin_exe);
	policy_test_free(c->lin_base);
	policy_test_free(c->lin_file);
	for (size_t i = 0; i < c->n_groups; i++)
		policy_group_clear(&c->groups[i]);
	free(c->groups);
	memset(c, 0, sizeof(*c));
}

void policy_group_clear(struct pol_group *g)
{
	for (size_t i = 0; i < g->n_conds; i++)
		cond_clear(&g->conds[i]);
	free(g->conds);
	g->conds = NULL;
	g->n_conds = 0;
}

/* Every node counts against a budget, so YAML aliases cannot explode. */
static struct pol_test *test_new(struct pol_parser *ps, const yaml_node_t *at,
				 enum pol_op op)
{
	struct pol_test *t;

	if (!ps->nodes_left)
		return NULL;
	if (--ps->nodes_left == 0) {
		policy_error(ps, at, "policy too large: more than %d conditions",
			     POLICY_MAX_NODES - 1);
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t) {
		ps->oom = true;
		return NULL;
	}
	t->op = op;
	t->line = at ? at->start_mark.line + 1 : 1;
	t->col = at ? at->start_mark.column + 1 : 1;
	return t;
}

static int compile_regex(struct pol_parser *ps, const yaml_node_t *at,
			 struct pol_test *t)
{
	char msg[256];
	int rc;

	t->re = malloc(sizeof(*t->re));
	if (!t->re) {
		ps->oom = true;
		return -ENOMEM;
	}
	/* REG_NOSUB: we only ask "does it match", which is cheaper. */
	rc = regcomp(t->re, t->text, REG_EXTENDED | REG_NOSUB);
	if (rc) {
		regerror(rc, t->re, msg, sizeof(msg));
		policy_error(ps, at, "bad regex '%s': %s", t->text, msg);
		free(t->re);
		t->re = NULL;
		return -EINVAL;
	}
	return 0;
}

static struct pol_test *parse_leaf(struct pol_parser *ps, const yaml_node_t *n,
				   enum pol_op op, enum test_kind kind)
{
	struct pol_test *t;
	const char *s;
	int64_t x = 0;

	if (kind == KIND_NUM) {
		if (policy_parse_int(ps, n, 0, UINT32_MAX, &x))
			return NULL;
	} else if (!(s = policy_scalar(ps, n, "a string"))) {
		return NULL;
	}
	t = test_new(ps, n, op);
	if (!t)
		return NULL;
	t->num = x;
	if (kind == KIND_STR) {
		t->text = strdup(s);
		if (!t->text) {
			ps->oom = true;
			goto err_free;
		}
		t->len = strlen(s);
		if (op == POL_REGEX && compile_regex(ps, n, t))
			goto err_free;
	}
	return t;
err_free:
	policy_test_free(t);
	return NULL;
}

typedef struct pol_test *(*item_parser)(struct pol_parser *ps,
					const yaml_node_t *n, enum pol_op op,
					enum test_kind kind);

/*
 * A list to ANY/ALL of its items. Every item is parsed even after a
 * failure, so all of their errors are reported.
 */
static struct pol_test *parse_list(struct pol_parser *ps, const yaml_node_t *n,
				   enum pol_op combine, item_parser item,
				   enum pol_op item_op, enum test_kind kind)
{
	size_t count = n->data.sequence.items.top - n->data.sequence.items.start;
	struct pol_test *t;
	bool failed = false;

	if (!count) {
		policy_error(ps, n, "empty list: it would never match");
		return NULL;
	}
	t = test_new(ps, n, combine);
	if (!t)
		return NULL;
	t->kids = calloc(count, sizeof(*t->kids));
	if (!t->kids) {
		ps->oom = true;
		goto err_free;
	}
	for (size_t i = 0; i < count; i++) {
		struct pol_test *kid = item(ps, policy_node(ps, n->data.sequence.items.start[i]),
					    item_op, kind);

		if (kid)
			t->kids[t->n_kids++] = kid;
		else
			failed = true;
	}
	if (failed)
		goto err_free;
	return t;
err_free:
	policy_test_free(t);
	return NULL;
}

static struct pol_test *parse_test(struct pol_parser *ps, const yaml_node_t *n,
				   enum pol_op unused, enum test_kind kind);

/* `prefix: x` or `prefix: [x, y]` (any of). */
static struct pol_test *parse_leaves(struct pol_parser *ps, const char *opname,
				     const yaml_node_t *v, enum pol_op op,
				     enum test_kind kind)
{
	if (v && v->type == YAML_SEQUENCE_NODE)
		return parse_list(ps, v, POL_ANY, parse_leaf, op, kind);
	if (v && v->type == YAML_SCALAR_NODE && !policy_node_is_null(v))
		return parse_leaf(ps, v, op, kind);
	policy_error(ps, v, "expected %s or a list of them for '%s', got %s",
		     kind == KIND_NUM ? "an integer" : "a string", opname,
		     policy_node_kind(v));
	return NULL;
}

static struct pol_test *wrap_not(struct pol_parser *ps, const yaml_node_t *at,
				 struct pol_test *kid)
{
	struct pol_test *t;

	if (!kid)
		return NULL;
	t = test_new(ps, at, POL_NOT);
	if (t && !(t->kids = malloc(sizeof(*t->kids)))) {
		ps->oom = true;
		policy_test_free(t);
		t = NULL;
	}
	if (!t) {
		policy_test_free(kid);
		return NULL;
	}
	t->kids[0] = kid;
	t->n_kids = 1;
	return t;
}

static struct pol_test *parse_op(struct pol_parser *ps, const yaml_node_t *kn,
				 const char *k, const yaml_node_t *v,
				 enum test_kind kind)
{
	const struct op_name *ops = kind == KIND_NUM ? num_ops : str_ops;
	size_t n_ops = kind == KIND_NUM ? ARRAY_SIZE(num_ops) : ARRAY_SIZE(str_ops);

	for (size_t i = 0; i < n_ops; i++)
		if (!strcmp(k, ops[i].name))
			return parse_leaves(ps, k, v, ops[i].op, kind);
	if (!strcmp(k, "not"))
		return wrap_not(ps, kn, parse_test(ps, v, POL_NOT, kind));
	if (!strcmp(k, "any") || !strcmp(k, "all")) {
		if (!v || v->type != YAML_SEQUENCE_NODE) {
			policy_error(ps, v, "expected a list for '%s', got %s", k,
				     policy_node_kind(v));
			return NULL;
		}
		return parse_list(ps, v, k[1] == 'n' ? POL_ANY : POL_ALL, parse_test,
				  POL_ANY, kind);
	}
	policy_error(ps, kn, "unknown operator '%s'; valid: %s", k,
		     kind == KIND_NUM ? NUM_OPS_VALID : STR_OPS_VALID);
	return NULL;
}

/* A mapping of operators: all must hold; one operator stands alone. */
static struct pol_test *parse_op_map(struct pol_parser *ps, const yaml_node_t *n,
				     enum test_kind kind)
{
	size_t count = n->data.mapping.pairs.top - n->data.mapping.pairs.start;
	struct pol_test *t, *kid;
	bool failed = false;

	if (!count) {
		policy_error(ps, n, "empty mapping: expected operators (%s)",
			     kind == KIND_NUM ? NUM_OPS_VALID : STR_OPS_VALID);
		return NULL;
	}
	t = test_new(ps, n, POL_ALL);
	if (!t)
		return NULL;
	t->kids = calloc(count, sizeof(*t->kids));
	if (!t->kids) {
		ps->oom = true;
		goto err_free;
	}
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start;
	     pr < n->data.mapping.pairs.top; pr++) {
		const yaml_node_t *kn = policy_node(ps, pr->key);
		const char *k = policy_scalar(ps, kn, "an operator name");

		kid = NULL;
		if (k && !policy_check_duplicate_keys(ps, n, pr))
			kid = parse_op(ps, kn, k, policy_node(ps, pr->value), kind);
		if (kid)
			t->kids[t->n_kids++] = kid;
		else
			failed = true;
	}
	if (failed)
		goto err_free;
	if (t->n_kids == 1) {
		kid = t->kids[0];
		t->n_kids = 0;
		policy_test_free(t);
		return kid;
	}
	return t;
err_free:
	policy_test_free(t);
	return NULL;
}

static struct pol_test *parse_test(struct pol_parser *ps, const yaml_node_t *n,
				   enum pol_op unused, enum test_kind kind)
{
	if (n && n->type == YAML_SEQUENCE_NODE)
		return parse_list(ps, n, POL_ANY, parse_test, POL_ANY, kind);
	if (n && n->type == YAML_MAPPING_NODE)
		return parse_op_map(ps, n, kind);
	return parse_leaf(ps, n, kind == KIND_NUM ? POL_EQ : POL_EXACT, kind);
}

static bool parse_depth(struct pol_parser *ps, const yaml_node_t *v,
			struct pol_cond *c)
{
	int64_t d;

	if (policy_parse_int(ps, v, 1, BW_ANCESTRY_MAX, &d))
		return false;
	c->depth = (uint32_t)d;
	return true;
}

/* parent: {exe: T, basename: T}; ancestor: the same plus depth: N. */
static bool parse_lineage(struct pol_parser *ps, const char *k,
			  const yaml_node_t *v, struct pol_cond *c)
{
	bool ancestor = c->field == POL_F_ANCESTOR, ok = true;

	c->depth = ancestor ? BW_ANCESTRY_MAX : 1;
	if (!v || v->type != YAML_MAPPING_NODE) {
		policy_error(ps, v, "expected '%s' to be a mapping with 'basename' and/or "
			     "'exe'%s (e.g. %s: {basename: make}), got %s", k,
			     ancestor ? " and optionally 'depth'" : "", k, policy_node_kind(v));
		return false;
	}
	for (yaml_node_pair_t *pr = v->data.mapping.pairs.start;
	     pr < v->data.mapping.pairs.top; pr++) {
		const yaml_node_t *kn = policy_node(ps, pr->key);
		const yaml_node_t *val = policy_node(ps, pr->value);
		const char *sub = policy_scalar(ps, kn, "a key (string)");

		if (!sub || policy_check_duplicate_keys(ps, v, pr))
			ok = false;
		else if (!strcmp(sub, "exe"))
			ok = (c->lin_exe = parse_test(ps, val, POL_ANY, KIND_STR)) && ok;
		else if (!strcmp(sub, "basename"))
			ok = (c->lin_base = parse_test(ps, val, POL_ANY, KIND_STR)) && ok;
		else if (!strcmp(sub, "filename"))
			ok = (c->lin_file = parse_test(ps, val, POL_ANY, KIND_STR)) && ok;
		else if (ancestor && !strcmp(sub, "depth"))
			ok = parse_depth(ps, val, c) && ok;
		else {
			policy_error(ps, kn, "unknown key '%s' in '%s'; valid keys: exe, basename, filename%s",
				     sub, k, ancestor ? ", depth" : "");
			ok = false;
		}
	}
	if (ok && !c->lin_exe && !c->lin_base && !c->lin_file) {
		policy_error(ps, v, "'%s' needs 'basename', 'exe' or 'filename'", k);
		ok = false;
	}
	return ok;
}

static bool parse_groups(struct pol_parser *ps, const char *k,
			 const yaml_node_t *v, struct pol_cond *c)
{
	bool is_not = c->field == POL_F_NOT, ok = true;
	size_t count;

	if (is_not ? !v || v->type != YAML_MAPPING_NODE
		   : !v || v->type != YAML_SEQUENCE_NODE) {
		policy_error(ps, v, "expected '%s' to be %s, got %s", k,
			     is_not ? "a mapping of conditions" : "a list of mappings of conditions",
			     policy_node_kind(v));
		return false;
	}
	count = is_not ? 1 : (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
	if (!count || (is_not && v->data.mapping.pairs.start == v->data.mapping.pairs.top)) {
		policy_error(ps, v, "'%s' is empty", k);
		return false;
	}
	c->groups = calloc(count, sizeof(*c->groups));
	if (!c->groups) {
		ps->oom = true;
		return false;
	}
	c->n_groups = count;
	for (size_t i = 0; i < count; i++) {
		const yaml_node_t *g = is_not ? v : policy_node(ps, v->data.sequence.items.start[i]);

		if (!g || g->type != YAML_MAPPING_NODE ||
		    g->data.mapping.pairs.start == g->data.mapping.pairs.top) {
			policy_error(ps, g, "expected a non-empty mapping of conditions in '%s', got %s",
				     k, policy_node_kind(g));
			ok = false;
			continue;
		}
		ok = policy_parse_group(ps, g, &c->groups[i]) == 0 && ok;
	}
	return ok;
}

/* "arg" followed by a decimal index, e.g. arg0, arg1, arg12. */
static bool parse_arg_key(struct pol_parser *ps, const yaml_node_t *kn,
			  const char *k, struct pol_cond *c)
{
	char *end;
	unsigned long i;

	if (strncmp(k, "arg", 3) || k[3] < '0' || k[3] > '9')
		return false;
	i = strtoul(k + 3, &end, 10);
	if (*end)
		return false;
	if (i > POLICY_MAX_ARG_INDEX) {
		policy_error(ps, kn, "argument index in '%s' is above %d", k,
			     POLICY_MAX_ARG_INDEX);
		return true;
	}
	c->field = POL_F_ARG;
	c->index = (uint32_t)i;
	return true;
}

static bool parse_cond(struct pol_parser *ps, const yaml_node_t *kn,
		       const char *k, const yaml_node_t *v, struct pol_cond *c)
{
	const struct field_name *f = NULL;
	unsigned errors = ps->n_errors;

	c->line = kn->start_mark.line + 1;
	c->col = kn->start_mark.column + 1;
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++)
		if (!strcmp(k, fields[i].name))
			f = &fields[i];
	if (!f && !parse_arg_key(ps, kn, k, c)) {
		policy_error(ps, kn, "unknown condition '%s'; valid: %s", k, CONDS_VALID);
		return false;
	}
	if (ps->n_errors != errors)
		return false;
	if (!f) /* argN */
		return (c->test = parse_test(ps, v, POL_ANY, KIND_STR)) != NULL;
	c->field = f->field;
	switch (f->field) {
	case POL_F_PARENT:
	case POL_F_ANCESTOR:
		return parse_lineage(ps, k, v, c);
	case POL_F_NOT:
	case POL_F_ANY:
		return parse_groups(ps, k, v, c);
	default:
		return (c->test = parse_test(ps, v, POL_ANY, f->kind)) != NULL;
	}
}

static bool test_has_regex(const struct pol_test *t)
{
	if (t->op == POL_REGEX || t->op == POL_GLOB)
		return true;
	for (size_t i = 0; i < t->n_kids; i++)
		if (test_has_regex(t->kids[i]))
			return true;
	return false;
}

/* Rough cost of evaluating a condition: cheap, selective tests go first. */
static int cond_cost(const struct pol_cond *c)
{
	static const int base[] = {
		[POL_F_UID] = 0,      [POL_F_EUID] = 0,	    [POL_F_ARGC] = 0,
		[POL_F_BASENAME] = 1, [POL_F_EXE] = 1,	    [POL_F_FILENAME] = 1,
		[POL_F_CWD] = 1,      [POL_F_ARG] = 1,	    [POL_F_PARENT] = 2,
		[POL_F_ARGV] = 4,     [POL_F_ANCESTOR] = 4, [POL_F_CMDLINE] = 6,
		[POL_F_NOT] = 8,      [POL_F_ANY] = 8,
	};

	return base[c->field] * 2 + (c->test && test_has_regex(c->test));
}

static int cond_cmp(const void *a, const void *b)
{
	const struct pol_cond *x = a, *y = b;
	int cx = cond_cost(x), cy = cond_cost(y);

	if (cx != cy)
		return cx - cy;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->col < y->col ? -1 : x->col > y->col;
}

int policy_parse_group(struct pol_parser *ps, const yaml_node_t *map,
		       struct pol_group *g)
{
	size_t count = map->data.mapping.pairs.top - map->data.mapping.pairs.start;
	bool ok = true;

	g->conds = calloc(count ? count : 1, sizeof(*g->conds));
	if (!g->conds) {
		ps->oom = true;
		return -ENOMEM;
	}
	for (yaml_node_pair_t *pr = map->data.mapping.pairs.start;
	     pr < map->data.mapping.pairs.top; pr++) {
		const yaml_node_t *kn = policy_node(ps, pr->key);
		const char *k = policy_scalar(ps, kn, "a condition name");
		struct pol_cond *c = &g->conds[g->n_conds];

		if (!k || policy_check_duplicate_keys(ps, map, pr)) {
			ok = false;
			continue;
		}
		if (parse_cond(ps, kn, k, policy_node(ps, pr->value), c)) {
			g->n_conds++;
		} else {
			cond_clear(c);
			ok = false;
		}
	}
	if (ps->oom)
		return -ENOMEM;
	if (!ok)
		return -EINVAL;
	qsort(g->conds, g->n_conds, sizeof(*g->conds), cond_cmp);
	return 0;
}
