// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * A rule's `match:` mapping to compiled conditions. Each condition names a
 * field of the exec (exe, argv, parent …) and a test on it; a test is a
 * scalar (exact / equal), a list (any of), or a mapping of operators (all
 * of). Regexes are compiled here, once, so matching never compiles.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lib/record_names.h"
#include "policy/policy_internal.h"

/*
 * What a field's values are: strings or integers (with a range), and for
 * some fields names that stand for numbers (qtype TXT is 16) or the only
 * strings that can occur (a file op). Domain fields compare names without
 * regard to case and accept "*.name" for subdomains.
 */
struct vkind {
	bool num;
	bool milli; /* a decimal with up to 3 places, held in thousandths */
	bool domain;
	int64_t min, max;
	const struct record_name *names; /* lib/record_names.h: ends with a NULL name */
	const char *label; /* "DNS type": what names[] are, for errors */
	const char *more;  /* after the names in errors: "or a number from 0 to 65535" */
};

static const struct record_name result_names[] = {
	{ "ok", 0 },
	{ "in-progress", EINPROGRESS },
	{ "refused", ECONNREFUSED },
	{ "timed-out", ETIMEDOUT },
	{ "network-unreachable", ENETUNREACH },
	{ "host-unreachable", EHOSTUNREACH },
	{ "permission-denied", EACCES },
	{ "not-permitted", EPERM },
	{ NULL, 0 },
};

/* Index i names bit (1 << i): one table each, also for JSON (policy_prov_name). */
static const struct record_name prov_names[BW_PROV_COUNT + 1] = {
	{ "pipe", 0 },	  { "socket", 0 },  { "local-socket", 0 }, { "file", 0 },
	{ "tty", 0 },	  { "null", 0 },    { "closed", 0 },	   { "other", 0 },
	{ "network", 0 }, { "decoder", 0 }, { "package-manager", 0 }, { "written", 0 },
	{ "environment", 0 }, { NULL, 0 },
};

static const struct record_name prog_names[BW_PROG_COUNT + 1] = {
	{ "stdin", 0 }, { "argument", 0 }, { "file", 0 }, { "fd", 0 }, { "module", 0 },
	{ NULL, 0 },
};

#define N_MODE_BITS 4
static const struct record_name mode_names[N_MODE_BITS + 1] = {
	{ "setuid", 0 }, { "setgid", 0 }, { "sticky", 0 }, { "executable", 0 }, { NULL, 0 },
};

const char *policy_prov_name(unsigned i)
{
	return i < BW_PROV_COUNT ? prov_names[i].name : NULL;
}

const char *policy_prog_name(unsigned i)
{
	return i < BW_PROG_COUNT ? prog_names[i].name : NULL;
}

const char *policy_mode_bit_name(unsigned i)
{
	return i < N_MODE_BITS ? mode_names[i].name : NULL;
}

static const struct vkind k_str = { .label = "string" };
static const struct vkind k_prov = { .names = prov_names, .label = "provenance" };
static const struct vkind k_prog = { .names = prog_names, .label = "program source" };
static const struct vkind k_mode = { .names = mode_names, .label = "mode bit" };
static const struct vkind k_num = { .num = true, .max = UINT32_MAX };
static const struct vkind k_port = { .num = true, .max = 65535 };
static const struct vkind k_result = {
	.num = true, .max = 4095, .names = result_names, .label = "connect result",
	.more = "or an errno number from 0 to 4095",
};
/* IANA's numbers: the names the decoder writes, any other by number. */
static const struct vkind k_qtype = {
	.num = true, .max = 65535, .names = dns_type_names, .label = "DNS type",
	.more = "or a number from 0 to 65535",
};
static const struct vkind k_proto = { .names = sock_proto_names, .label = "protocol" };
static const struct vkind k_file_op = { .names = file_op_names, .label = "file op" };
static const struct vkind k_priv_op = { .names = priv_op_names, .label = "privilege op" };
static const struct vkind k_domain = { .domain = true, .label = "host name" };

static const struct record_name dns_over_names[] = {
	{ "tls", 0 }, { "quic", 0 }, { "https", 0 }, { NULL, 0 },
};
static const struct record_name resolver_names[] = {
	{ "configured", 0 }, { "other", 0 }, { NULL, 0 },
};
static const struct vkind k_dns_over = { .names = dns_over_names, .label = "DNS transport" };
static const struct vkind k_resolver = { .names = resolver_names, .label = "resolver" };
/* A DNS label has at most 63 octets. */
static const struct vkind k_label_len = { .num = true, .max = 63 };
/* 63 distinct octets are log2(63) < 6 bits per octet. */
static const struct vkind k_entropy = {
	.num = true, .milli = true, .max = 6000, .label = "bits per octet",
};
static const struct vkind k_count = { .num = true, .max = UINT32_MAX };

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
		    "argc, cwd, uid, euid, parent, ancestor, stdin, stdout, stdio, " \
		    "program_from, script_origin, exe_origin, sends, env, name_mismatch, fileless, " \
		    "container, " \
		    "not, any"

#define ON(k) (1u << (k))
#define ON_ALL (ON(BW_ON_EXEC) | ON(BW_ON_CONNECT) | ON(BW_ON_DNS) | \
		ON(BW_ON_FILE) | ON(BW_ON_PRIVILEGE) | ON(BW_ON_LEFTOVER))

struct field_name {
	const char *name;
	enum pol_field field;
	const struct vkind *kind; /* NULL: parsed by its own function */
	unsigned on;		  /* ON() of the rule kinds it is valid in */
};

static const struct field_name fields[] = {
	{ "exe", POL_F_EXE, &k_str, ON_ALL },
	{ "filename", POL_F_FILENAME, &k_str, ON_ALL },
	{ "basename", POL_F_BASENAME, &k_str, ON_ALL },
	{ "argv", POL_F_ARGV, &k_str, ON_ALL },
	{ "cmdline", POL_F_CMDLINE, &k_str, ON_ALL },
	{ "cwd", POL_F_CWD, &k_str, ON_ALL },
	{ "argc", POL_F_ARGC, &k_num, ON_ALL },
	{ "uid", POL_F_UID, &k_num, ON_ALL },
	{ "euid", POL_F_EUID, &k_num, ON_ALL },
	{ "parent", POL_F_PARENT, NULL, ON_ALL },
	{ "ancestor", POL_F_ANCESTOR, NULL, ON_ALL },
	{ "not", POL_F_NOT, NULL, ON_ALL },
	{ "any", POL_F_ANY, NULL, ON_ALL },
	{ "address", POL_F_ADDRESS, NULL, ON(BW_ON_CONNECT) },
	{ "port", POL_F_PORT, &k_port, ON(BW_ON_CONNECT) },
	{ "proto", POL_F_PROTO, &k_proto, ON(BW_ON_CONNECT) },
	{ "domain", POL_F_DOMAIN, &k_domain, ON(BW_ON_CONNECT) },
	{ "result", POL_F_RESULT, &k_result, ON(BW_ON_CONNECT) },
	{ "qname", POL_F_QNAME, &k_domain, ON(BW_ON_DNS) },
	{ "qtype", POL_F_QTYPE, &k_qtype, ON(BW_ON_DNS) },
	{ "path", POL_F_PATH, &k_str, ON(BW_ON_FILE) },
	{ "op", POL_F_FILE_OP, &k_file_op, ON(BW_ON_FILE) },
	{ "op", POL_F_PRIV_OP, &k_priv_op, ON(BW_ON_PRIVILEGE) },
	{ "target_in_job", POL_F_TARGET_IN_JOB, NULL, ON(BW_ON_FILE) | ON(BW_ON_PRIVILEGE) },
	{ "tracked", POL_F_TRACKED, NULL, ON(BW_ON_FILE) },
	{ "append", POL_F_APPEND, NULL, ON(BW_ON_FILE) },
	{ "stdin", POL_F_STDIN, &k_prov, ON_ALL },
	{ "stdout", POL_F_STDOUT, &k_prov, ON_ALL },
	{ "stdio", POL_F_STDIO, &k_prov, ON_ALL },
	{ "program_from", POL_F_PROGRAM_FROM, &k_prog, ON_ALL },
	{ "script_origin", POL_F_SCRIPT_ORIGIN, &k_prov, ON_ALL },
	{ "exe_origin", POL_F_EXE_ORIGIN, &k_prov, ON_ALL },
	{ "sends", POL_F_SENDS, &k_prov, ON_ALL },
	{ "env", POL_F_ENV, &k_str, ON_ALL },
	{ "name_mismatch", POL_F_NAME_MISMATCH, NULL, ON_ALL },
	{ "fileless", POL_F_FILELESS, NULL, ON_ALL },
	{ "container", POL_F_CONTAINER, &k_str, ON_ALL },
	{ "mode", POL_F_MODE, &k_mode, ON(BW_ON_FILE) },
	{ "xattr", POL_F_XATTR, &k_str, ON(BW_ON_FILE) },
	{ "dns_over", POL_F_DNS_OVER, &k_dns_over, ON(BW_ON_CONNECT) },
	{ "label_length", POL_F_LABEL_LENGTH, &k_label_len, ON(BW_ON_DNS) },
	{ "label_entropy", POL_F_LABEL_ENTROPY, &k_entropy, ON(BW_ON_DNS) },
	{ "subdomains", POL_F_SUBDOMAINS, &k_count, ON(BW_ON_DNS) },
	{ "refused_ports", POL_F_REFUSED_PORTS, &k_count, ON(BW_ON_CONNECT) },
	{ "resolver", POL_F_RESOLVER, &k_resolver, ON(BW_ON_DNS) },
	{ "content", POL_F_CONTENT, &k_str, ON(BW_ON_FILE) },
};

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

void policy_test_free(struct pol_test *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_kids; i++)
		policy_test_free(t->kids[i]);
	free(t->kids);
	policy_regex_free(t->rx);
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
	free(c->cidrs);
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

/* A combination with room for count kids, or NULL (reported, or ps->oom). */
static struct pol_test *test_new_kids(struct pol_parser *ps, const yaml_node_t *at,
				      enum pol_op op, size_t count)
{
	struct pol_test *t = test_new(ps, at, op);

	if (!t)
		return NULL;
	t->kids = calloc(count, sizeof(*t->kids));
	if (!t->kids) {
		ps->oom = true;
		policy_test_free(t);
		return NULL;
	}
	return t;
}

static const struct record_name *find_name(const struct vkind *kind, const char *s)
{
	for (const struct record_name *nm = kind->names; nm->name; nm++)
		if (kind->num ? !strcasecmp(s, nm->name) : !strcmp(s, nm->name))
			return nm;
	return NULL;
}

/* "unknown KIND 'S'; valid: NAME, NAME, ..., MORE" at n. */
static void unknown_name(struct pol_parser *ps, const yaml_node_t *n, const struct vkind *kind,
			 const char *s)
{
	char valid[1024];
	size_t len = 0;

	valid[0] = '\0';
	for (const struct record_name *nm = kind->names; nm->name && len < sizeof(valid); nm++)
		len += snprintf(valid + len, sizeof(valid) - len, "%s%s",
				nm == kind->names ? "" : ", ", nm->name);
	if (kind->more && len < sizeof(valid))
		snprintf(valid + len, sizeof(valid) - len, ", %s", kind->more);
	policy_error(ps, n, "unknown %s '%s'; valid: %s", kind->label, s, valid);
}

/*
 * A decimal number such as 4.1 (at most three places: entropy thresholds
 * need no more), in thousandths; kind->max is in thousandths too.
 */
static int parse_milli(struct pol_parser *ps, const yaml_node_t *n, const struct vkind *kind,
		       int64_t *out)
{
	const char *s = policy_scalar(ps, n, "a number");
	const char *dot, *p;
	int64_t whole = 0, frac = 0;
	int places = 0;

	if (!s)
		return -EINVAL;
	dot = strchr(s, '.');
	for (p = s; *p && (p < dot || !dot) && whole <= kind->max; p++) {
		if (*p < '0' || *p > '9')
			goto bad;
		whole = whole * 10 + (*p - '0');
	}
	if (p == s && !dot)
		goto bad;
	for (p = dot ? dot + 1 : p; *p; p++, places++) {
		if (*p < '0' || *p > '9' || places >= 3)
			goto bad;
		frac = frac * 10 + (*p - '0');
	}
	if (dot && !places) /* "4." */
		goto bad;
	for (; places < 3; places++)
		frac *= 10;
	*out = whole * 1000 + frac;
	if (*out < kind->min || *out > kind->max)
		goto bad;
	return 0;
bad:
	policy_error(ps, n, "expected a number from %" PRId64 " to %" PRId64 " (%s, at most 3 "
		     "decimal places), got '%s'", kind->min / 1000, kind->max / 1000, kind->label, s);
	return -EINVAL;
}

/* An integer in the kind's range, or one of its names. */
static int parse_num(struct pol_parser *ps, const yaml_node_t *n,
		     const struct vkind *kind, int64_t *out)
{
	const struct record_name *nm;
	const char *s;
	char *end;
	long long x;

	if (kind->milli)
		return parse_milli(ps, n, kind, out);
	if (!kind->names)
		return policy_parse_int(ps, n, kind->min, kind->max, out);
	s = policy_scalar(ps, n, kind->label);
	if (!s)
		return -EINVAL;
	nm = find_name(kind, s);
	if (nm) {
		*out = nm->value;
		return 0;
	}
	errno = 0;
	x = strtoll(s, &end, 10);
	if (errno || end == s || *end || x < kind->min || x > kind->max) {
		unknown_name(ps, n, kind, s);
		return -EINVAL;
	}
	*out = x;
	return 0;
}

static struct pol_test *parse_leaf(struct pol_parser *ps, const yaml_node_t *n,
				   enum pol_op op, const struct vkind *kind)
{
	struct pol_test *t;
	const char *s = NULL;
	int64_t x = 0;

	if (kind->num) {
		if (parse_num(ps, n, kind, &x))
			return NULL;
	} else if (!(s = policy_scalar(ps, n, "a string"))) {
		return NULL;
	} else if (kind->names && op == POL_EXACT && !find_name(kind, s)) {
		unknown_name(ps, n, kind, s);
		return NULL;
	}
	/* A domain's exact name compares without case, "*." for subdomains. */
	if (kind->domain && op == POL_EXACT)
		op = POL_DOMAIN;
	t = test_new(ps, n, op);
	if (!t)
		return NULL;
	t->num = x;
	t->milli = kind->milli;
	if (!kind->num) {
		t->text = strdup(s);
		if (!t->text) {
			ps->oom = true;
			goto err_free;
		}
		if (op == POL_DOMAIN && !policy_domain_normalize(ps, n, t->text))
			goto err_free;
		t->len = strlen(t->text);
		if (op == POL_REGEX && policy_regex_compile(ps, n, t))
			goto err_free;
	}
	return t;
err_free:
	policy_test_free(t);
	return NULL;
}

typedef struct pol_test *(*item_parser)(struct pol_parser *ps,
					const yaml_node_t *n, enum pol_op op,
					const struct vkind *kind);

/*
 * A list to ANY/ALL of its items. Every item is parsed even after a
 * failure, so all of their errors are reported.
 */
static struct pol_test *parse_list(struct pol_parser *ps, const yaml_node_t *n,
				   enum pol_op combine, item_parser item,
				   enum pol_op item_op, const struct vkind *kind)
{
	size_t count = n->data.sequence.items.top - n->data.sequence.items.start;
	struct pol_test *t;

	if (!count) {
		policy_error(ps, n, "empty list: it would never match");
		return NULL;
	}
	t = test_new_kids(ps, n, combine, count);
	if (!t)
		return NULL;
	for (size_t i = 0; i < count; i++) {
		struct pol_test *kid = item(ps, policy_node(ps, n->data.sequence.items.start[i]),
					    item_op, kind);

		if (kid)
			t->kids[t->n_kids++] = kid;
	}
	if (t->n_kids < count) /* an item failed */
		goto err_free;
	t->all_exact = combine == POL_ANY;
	for (size_t i = 0; i < t->n_kids; i++)
		t->all_exact = t->all_exact && t->kids[i]->op == POL_EXACT;
	return t;
err_free:
	policy_test_free(t);
	return NULL;
}

static struct pol_test *parse_test(struct pol_parser *ps, const yaml_node_t *n,
				   enum pol_op unused, const struct vkind *kind);

/* `prefix: x` or `prefix: [x, y]` (any of). */
static struct pol_test *parse_leaves(struct pol_parser *ps, const char *opname,
				     const yaml_node_t *v, enum pol_op op,
				     const struct vkind *kind)
{
	if (v && v->type == YAML_SEQUENCE_NODE)
		return parse_list(ps, v, POL_ANY, parse_leaf, op, kind);
	if (v && v->type == YAML_SCALAR_NODE && !yaml_node_is_null(v))
		return parse_leaf(ps, v, op, kind);
	policy_error(ps, v, "expected %s or a list of them for '%s', got %s",
		     kind->num ? "an integer" : "a string", opname,
		     yaml_node_kind(v));
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
				 const struct vkind *kind)
{
	const struct op_name *ops = kind->num ? num_ops : str_ops;
	size_t n_ops = kind->num ? ARRAY_SIZE(num_ops) : ARRAY_SIZE(str_ops);

	for (size_t i = 0; i < n_ops; i++)
		if (!strcmp(k, ops[i].name))
			return parse_leaves(ps, k, v, ops[i].op, kind);
	if (!strcmp(k, "not"))
		return wrap_not(ps, kn, parse_test(ps, v, POL_NOT, kind));
	if (!strcmp(k, "any") || !strcmp(k, "all")) {
		if (!v || v->type != YAML_SEQUENCE_NODE) {
			policy_error(ps, v, "expected a list for '%s', got %s", k,
				     yaml_node_kind(v));
			return NULL;
		}
		return parse_list(ps, v, k[1] == 'n' ? POL_ANY : POL_ALL, parse_test,
				  POL_ANY, kind);
	}
	policy_error(ps, kn, "unknown operator '%s'; valid: %s", k,
		     kind->num ? NUM_OPS_VALID : STR_OPS_VALID);
	return NULL;
}

/* A mapping of operators: all must hold; one operator stands alone. */
static struct pol_test *parse_op_map(struct pol_parser *ps, const yaml_node_t *n,
				     const struct vkind *kind)
{
	size_t count = n->data.mapping.pairs.top - n->data.mapping.pairs.start;
	struct pol_test *t, *kid;

	if (!count) {
		policy_error(ps, n, "empty mapping: expected operators (%s)",
			     kind->num ? NUM_OPS_VALID : STR_OPS_VALID);
		return NULL;
	}
	t = test_new_kids(ps, n, POL_ALL, count);
	if (!t)
		return NULL;
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start;
	     pr < n->data.mapping.pairs.top; pr++) {
		const yaml_node_t *kn = policy_node(ps, pr->key);
		const char *k = policy_map_key(ps, n, pr, "an operator name");

		kid = k ? parse_op(ps, kn, k, policy_node(ps, pr->value), kind) : NULL;
		if (kid)
			t->kids[t->n_kids++] = kid;
	}
	if (t->n_kids < count) /* an operator failed */
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

/*
 * Entering one more level of not/any/all: false once the budget is spent or
 * the nesting too deep (reported once; then nothing more is parsed, so a
 * cycle of aliases with many branches ends at once too).
 */
static bool nest_enter(struct pol_parser *ps, const yaml_node_t *at)
{
	if (!ps->nodes_left)
		return false;
	if (ps->depth >= POLICY_MAX_DEPTH) {
		policy_error(ps, at, "conditions nested more than %d deep"
			     " (a YAML alias used inside itself?)", POLICY_MAX_DEPTH);
		ps->nodes_left = 0;
		return false;
	}
	ps->depth++;
	return true;
}

static struct pol_test *parse_test(struct pol_parser *ps, const yaml_node_t *n,
				   enum pol_op unused, const struct vkind *kind)
{
	struct pol_test *t;

	if (!nest_enter(ps, n))
		return NULL;
	if (n && n->type == YAML_SEQUENCE_NODE)
		t = parse_list(ps, n, POL_ANY, parse_test, POL_ANY, kind);
	else if (n && n->type == YAML_MAPPING_NODE)
		t = parse_op_map(ps, n, kind);
	else
		t = parse_leaf(ps, n, kind->num ? POL_EQ : POL_EXACT, kind);
	ps->depth--;
	return t;
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
			     ancestor ? " and optionally 'depth'" : "", k, yaml_node_kind(v));
		return false;
	}
	for (yaml_node_pair_t *pr = v->data.mapping.pairs.start;
	     pr < v->data.mapping.pairs.top; pr++) {
		const yaml_node_t *kn = policy_node(ps, pr->key);
		const yaml_node_t *val = policy_node(ps, pr->value);
		const char *sub = policy_map_key(ps, v, pr, "a key (string)");

		if (!sub)
			ok = false;
		else if (!strcmp(sub, "exe"))
			ok = (c->lin_exe = parse_test(ps, val, POL_ANY, &k_str)) && ok;
		else if (!strcmp(sub, "basename"))
			ok = (c->lin_base = parse_test(ps, val, POL_ANY, &k_str)) && ok;
		else if (!strcmp(sub, "filename"))
			ok = (c->lin_file = parse_test(ps, val, POL_ANY, &k_str)) && ok;
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
			     yaml_node_kind(v));
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
				     k, yaml_node_kind(g));
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

static const char *policy_conds_valid(int on)
{
	switch (on) {
	case BW_ON_CONNECT:
		return CONDS_VALID ", address, port, proto, domain, result, dns_over, refused_ports";
	case BW_ON_DNS:
		return CONDS_VALID ", qname, qtype, label_length, label_entropy, subdomains, resolver";
	case BW_ON_FILE:
		return CONDS_VALID ", path, op, target_in_job, tracked, append, mode, xattr, content";
	case BW_ON_PRIVILEGE:
		return CONDS_VALID ", op, target_in_job";
	default:
		return CONDS_VALID;
	}
}

/* "connect" or "file, privilege": the kinds in an ON() mask. */
static void on_names(unsigned mask, char *buf, size_t size)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int k = BW_ON_EXEC; k < POLICY_ON_KINDS && n < size; k++)
		if (mask & ON(k))
			n += snprintf(buf + n, size - n, "%s%s", n ? ", " : "",
				      policy_on_name(k));
}

/* The field named k that a rule on: ps->on may use, or NULL (reported). */
static const struct field_name *find_field(struct pol_parser *ps,
					   const yaml_node_t *kn, const char *k)
{
	unsigned seen = 0;
	char kinds[64];

	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		if (strcmp(k, fields[i].name))
			continue;
		/* An unknown on: was reported already; take any reading. */
		if (ps->on < 0 || fields[i].on & ON(ps->on))
			return &fields[i];
		seen |= fields[i].on;
	}
	if (seen) {
		on_names(seen, kinds, sizeof(kinds));
		policy_error(ps, kn, "condition '%s' is only valid in rules on: %s; this "
			     "rule is on: %s%s", k, kinds, policy_on_name(ps->on),
			     ps->on == BW_ON_EXEC ? " (the default without 'on')" : "");
	}
	return NULL;
}

static bool parse_bool(struct pol_parser *ps, const char *k,
		       const yaml_node_t *v, struct pol_cond *c)
{
	const char *s = policy_scalar(ps, v, "true or false");
	int64_t x;

	if (!s)
		return false;
	if (!strcmp(s, "true")) {
		x = 1;
	} else if (!strcmp(s, "false")) {
		x = 0;
	} else {
		policy_error(ps, v, "expected true or false for '%s', got '%s'", k, s);
		return false;
	}
	c->test = test_new(ps, v, POL_EQ);
	if (c->test)
		c->test->num = x;
	return c->test != NULL;
}

/* true or false: in a container at all; anything else: a test on its id. */
static bool parse_container(struct pol_parser *ps, const char *k, const yaml_node_t *v,
			    struct pol_cond *c)
{
	const char *s = v && v->type == YAML_SCALAR_NODE ? (const char *)v->data.scalar.value : NULL;

	if (s && (!strcmp(s, "true") || !strcmp(s, "false"))) {
		c->field = POL_F_IN_CONTAINER;
		return parse_bool(ps, k, v, c);
	}
	return (c->test = parse_test(ps, v, POL_ANY, &k_str)) != NULL;
}

static bool parse_cond(struct pol_parser *ps, const yaml_node_t *kn,
		       const char *k, const yaml_node_t *v, struct pol_cond *c)
{
	const struct field_name *f = NULL;
	unsigned errors = ps->n_errors;

	c->line = kn->start_mark.line + 1;
	c->col = kn->start_mark.column + 1;
	f = find_field(ps, kn, k);
	if (ps->n_errors != errors)
		return false;
	if (!f && !parse_arg_key(ps, kn, k, c)) {
		policy_error(ps, kn, "unknown condition '%s'; valid: %s", k,
			     policy_conds_valid(ps->on));
		return false;
	}
	if (ps->n_errors != errors)
		return false;
	if (!f) /* argN */
		return (c->test = parse_test(ps, v, POL_ANY, &k_str)) != NULL;
	c->field = f->field;
	switch (f->field) {
	case POL_F_PARENT:
	case POL_F_ANCESTOR:
		return parse_lineage(ps, k, v, c);
	case POL_F_NOT:
	case POL_F_ANY:
		return parse_groups(ps, k, v, c);
	case POL_F_ADDRESS:
		return policy_parse_cidrs(ps, v, &c->cidrs, &c->n_cidrs) == 0;
	case POL_F_TARGET_IN_JOB:
	case POL_F_TRACKED:
	case POL_F_APPEND:
	case POL_F_NAME_MISMATCH:
	case POL_F_FILELESS:
		return parse_bool(ps, k, v, c);
	case POL_F_CONTAINER:
		return parse_container(ps, k, v, c);
	default:
		return (c->test = parse_test(ps, v, POL_ANY, f->kind)) != NULL;
	}
}

const char *policy_value_name(enum pol_field f, int64_t v)
{
	for (size_t i = 0; i < ARRAY_SIZE(fields); i++) {
		const struct vkind *k = fields[i].kind;

		if (fields[i].field != f || !k || !k->num || !k->names)
			continue;
		for (const struct record_name *nm = k->names; nm->name; nm++)
			if (nm->value == v)
				return nm->name;
	}
	return NULL;
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
	static const int base[POL_F_COUNT] = {
		[POL_F_UID] = 0,      [POL_F_EUID] = 0,	    [POL_F_ARGC] = 0,
		[POL_F_BASENAME] = 1, [POL_F_EXE] = 1,	    [POL_F_FILENAME] = 1,
		[POL_F_CWD] = 1,      [POL_F_ARG] = 1,	    [POL_F_PARENT] = 2,
		[POL_F_ARGV] = 4,     [POL_F_ANCESTOR] = 4, [POL_F_CMDLINE] = 6,
		[POL_F_NOT] = 8,      [POL_F_ANY] = 8,
		/* The event's own fields are the most selective: first. */
		[POL_F_PORT] = 0,     [POL_F_PROTO] = 0,    [POL_F_RESULT] = 0,
		[POL_F_QTYPE] = 0,    [POL_F_FILE_OP] = 0,  [POL_F_PRIV_OP] = 0,
		[POL_F_TARGET_IN_JOB] = 0, [POL_F_TRACKED] = 0, [POL_F_APPEND] = 0, [POL_F_ADDRESS] = 1, [POL_F_DOMAIN] = 1,
		[POL_F_QNAME] = 1,    [POL_F_PATH] = 1,
		[POL_F_STDIN] = 0,    [POL_F_STDOUT] = 0,   [POL_F_STDIO] = 0,
		[POL_F_PROGRAM_FROM] = 0, [POL_F_SCRIPT_ORIGIN] = 0, [POL_F_EXE_ORIGIN] = 0,
		[POL_F_SENDS] = 0,
		[POL_F_NAME_MISMATCH] = 0, [POL_F_FILELESS] = 0, [POL_F_MODE] = 0, [POL_F_XATTR] = 1, [POL_F_ENV] = 2,
		[POL_F_IN_CONTAINER] = 0, [POL_F_CONTAINER] = 1,
		[POL_F_DNS_OVER] = 0, [POL_F_LABEL_LENGTH] = 0, [POL_F_LABEL_ENTROPY] = 0,
		[POL_F_SUBDOMAINS] = 0, [POL_F_REFUSED_PORTS] = 0, [POL_F_RESOLVER] = 0,
		/* Reads the file: only once every other test of its group held. */
		[POL_F_CONTENT] = 32,
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

	if (!nest_enter(ps, map))
		return -EINVAL;
	/* a group counts against the budget as a test does */
	if (--ps->nodes_left == 0) {
		policy_error(ps, map, "policy too large: more than %d conditions",
			     POLICY_MAX_NODES - 1);
		ps->depth--;
		return -EINVAL;
	}
	g->conds = calloc(count ? count : 1, sizeof(*g->conds));
	if (!g->conds) {
		ps->oom = true;
		ps->depth--;
		return -ENOMEM;
	}
	for (yaml_node_pair_t *pr = map->data.mapping.pairs.start;
	     pr < map->data.mapping.pairs.top; pr++) {
		const yaml_node_t *kn = policy_node(ps, pr->key);
		const char *k = policy_map_key(ps, map, pr, "a condition name");
		struct pol_cond *c = &g->conds[g->n_conds];

		if (!k) {
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
	ps->depth--;
	if (ps->oom)
		return -ENOMEM;
	if (!ok)
		return -EINVAL;
	qsort(g->conds, g->n_conds, sizeof(*g->conds), cond_cmp);
	return 0;
}

bool policy_group_uses(const struct pol_group *g, enum pol_field f)
{
	for (size_t i = 0; i < g->n_conds; i++) {
		if (g->conds[i].field == f)
			return true;
		for (size_t j = 0; j < g->conds[i].n_groups; j++)
			if (policy_group_uses(&g->conds[i].groups[j], f))
				return true;
	}
	return false;
}

bool policy_group_is_late(const struct pol_group *g)
{
	for (size_t i = 0; i < g->n_conds; i++) {
		const struct pol_cond *c = &g->conds[i];

		if (c->field == POL_F_STDIN || c->field == POL_F_STDOUT || c->field == POL_F_STDIO ||
		    c->field == POL_F_SCRIPT_ORIGIN || c->field == POL_F_SENDS)
			return true;
		for (size_t j = 0; j < c->n_groups; j++)
			if (policy_group_is_late(&c->groups[j]))
				return true;
	}
	return false;
}

struct pol_test *policy_parse_domains(struct pol_parser *ps, const yaml_node_t *n)
{
	return parse_test(ps, n, POL_ANY, &k_domain);
}

struct pol_test *policy_parse_ports(struct pol_parser *ps, const yaml_node_t *n)
{
	return parse_test(ps, n, POL_ANY, &k_port);
}
