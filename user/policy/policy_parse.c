// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * YAML policy text to a compiled struct bw_policy: the document, its top
 * level and its rules. Conditions are compiled in policy_cond.c.
 *
 * Errors are reported as they are found and parsing goes on, so one run of
 * `policy check` shows every mistake; any error fails the whole load.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy_internal.h"
#include "lib/record_names.h"
#include "lib/safefile.h"
#include "lib/yaml_doc.h"

#define RULE_NAME_MAX 128

static const char *const severity_names[] = {
	[POLICY_SEV_INFO] = "info",	[POLICY_SEV_LOW] = "low",
	[POLICY_SEV_MEDIUM] = "medium", [POLICY_SEV_HIGH] = "high",
	[POLICY_SEV_CRITICAL] = "critical",
};

/* lib/record_names.c spells the actions, in this enum's order. */
_Static_assert(POLICY_ACT_LOG == 0 && POLICY_ACT_DENY + 1 == VERDICT_ACTIONS,
	       "verdict_action_names[] follows enum policy_action");

#define N_SEVERITIES (sizeof(severity_names) / sizeof(severity_names[0]))

const char *policy_severity_name(enum policy_severity s)
{
	return (unsigned)s < N_SEVERITIES ? severity_names[s] : "?";
}

const char *policy_action_name(enum policy_action a)
{
	return (unsigned)a < VERDICT_ACTIONS ? verdict_action_names[a] : "?";
}

static int lookup(const char *const *names, size_t n, const char *v)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(names[i], v))
			return (int)i;
	return -1;
}

static char *xstrdup(struct pol_parser *ps, const char *s)
{
	char *d = strdup(s);

	if (!d)
		ps->oom = true;
	return d;
}

static void parse_rule_name(struct pol_parser *ps, const yaml_node_t *v,
			    struct bw_rule *r)
{
	const char *s = policy_scalar(ps, v, "a rule name (string)");

	if (!s)
		return;
	if (strlen(s) > RULE_NAME_MAX) {
		policy_error(ps, v, "rule name is longer than %d bytes", RULE_NAME_MAX);
		return;
	}
	for (const char *c = s; *c; c++) {
		if ((unsigned char)*c < 0x20 || *c == 0x7f) {
			policy_error(ps, v, "rule name contains a control character");
			return;
		}
	}
	free(r->name);
	r->name = xstrdup(ps, s);
}

/* "a, b, c" for messages. */
static const char *names_text(const char *const *names, size_t n, char *buf, size_t size)
{
	size_t len = 0;

	buf[0] = '\0';
	for (size_t k = 0; k < n && len < size; k++)
		len += snprintf(buf + len, size - len, "%s%s", k ? ", " : "", names[k]);
	return buf;
}

static void parse_enum(struct pol_parser *ps, const yaml_node_t *v,
		       const char *what, const char *const *names, size_t n, int *out)
{
	const char *s = policy_scalar(ps, v, what);
	char valid[256];
	int i;

	if (!s)
		return;
	i = lookup(names, n, s);
	if (i < 0) {
		policy_error(ps, v, "unknown %s '%s'; valid: %s", what, s,
			     names_text(names, n, valid, sizeof(valid)));
		return;
	}
	*out = i;
}

static void parse_match(struct pol_parser *ps, const yaml_node_t *v,
			struct bw_rule *r, bool *ok)
{
	if (!v || v->type != YAML_MAPPING_NODE) {
		policy_error(ps, v, "expected 'match' to be a mapping of conditions, got %s",
			     yaml_node_kind(v));
		return;
	}
	if (v->data.mapping.pairs.start == v->data.mapping.pairs.top) {
		policy_error(ps, v, "'match' is empty: a rule needs at least one condition");
		return;
	}
	policy_group_clear(&r->match);
	*ok = policy_parse_group(ps, v, &r->match) == 0;
	r->late = *ok && policy_group_is_late(&r->match);
	r->reads_content = *ok && policy_group_uses(&r->match, POL_F_CONTENT);
}

static void parse_allow(struct pol_parser *ps, const yaml_node_t *v,
			struct bw_rule *r)
{
	if (ps->on < 0)
		return; /* the on: error says it all */
	if (ps->on != BW_ON_CONNECT && ps->on != BW_ON_DNS) {
		policy_error(ps, v, "'allow' is only valid in rules on: connect or dns; "
			     "this rule is on: %s", policy_on_name(ps->on));
		return;
	}
	policy_parse_allow(ps, v, r);
}

/*
 * A rule's on: decides which conditions it may use, wherever it is written
 * in the mapping, so it is read before anything else.
 */
static void parse_on(struct pol_parser *ps, const yaml_node_t *n, struct bw_rule *r)
{
	int x = -1;

	ps->on = BW_ON_EXEC;
	r->on = BW_ON_EXEC;
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start;
	     pr < n->data.mapping.pairs.top; pr++) {
		const yaml_node_t *kn = policy_node(ps, pr->key);

		if (!kn || kn->type != YAML_SCALAR_NODE ||
		    strcmp((const char *)kn->data.scalar.value, "on"))
			continue;
		parse_enum(ps, policy_node(ps, pr->value), "'on' event kind", policy_on_names,
			   POLICY_ON_KINDS, &x);
		ps->on = x;
		r->on = x < 0 ? BW_ON_EXEC : (enum bw_event_kind)x;
		return; /* a duplicate 'on' is reported with the other keys */
	}
}

/* The per-key part of a rule; returns false for an unknown key. */
static bool parse_rule_key(struct pol_parser *ps, const char *k,
			   const yaml_node_t *v, struct bw_rule *r,
			   const yaml_node_t **name, const yaml_node_t **action,
			   bool *match_ok)
{
	int x;

	if (!strcmp(k, "name")) {
		*name = v;
		parse_rule_name(ps, v, r);
	} else if (!strcmp(k, "description")) {
		const char *s = policy_scalar(ps, v, "a description (string)");

		if (s) {
			free(r->description);
			r->description = xstrdup(ps, s);
		}
	} else if (!strcmp(k, "severity")) {
		x = r->severity;
		parse_enum(ps, v, "severity", severity_names, N_SEVERITIES, &x);
		r->severity = x;
	} else if (!strcmp(k, "action")) {
		x = -1;
		parse_enum(ps, v, "action", verdict_action_names, VERDICT_ACTIONS, &x);
		if (x >= 0)
			r->action = x;
		*action = v;
	} else if (!strcmp(k, "match")) {
		parse_match(ps, v, r, match_ok);
	} else if (!strcmp(k, "on")) {
		/* read first, by parse_on(), so the conditions know the kind */
	} else if (!strcmp(k, "allow")) {
		parse_allow(ps, v, r);
	} else {
		return false;
	}
	return true;
}

/* Returns the node of the rule's name (for duplicate checks) or NULL. */
static const yaml_node_t *parse_rule(struct pol_parser *ps, const yaml_node_t *n,
				     struct bw_rule *r)
{
	const yaml_node_t *name = NULL, *action = NULL, *allow = NULL;
	bool have_match = false, match_ok = false;
	unsigned errors_before = ps->n_errors;
	char valid[128];

	r->severity = POLICY_SEV_MEDIUM;
	r->line = n ? n->start_mark.line + 1 : 1;
	r->col = n ? n->start_mark.column + 1 : 1;
	if (!n || n->type != YAML_MAPPING_NODE) {
		policy_error(ps, n, "expected a rule (a mapping with name, action and match), got %s",
			     yaml_node_kind(n));
		return NULL;
	}
	parse_on(ps, n, r);
	for (yaml_node_pair_t *pr = n->data.mapping.pairs.start;
	     pr < n->data.mapping.pairs.top; pr++) {
		const yaml_node_t *kn = policy_node(ps, pr->key);
		const char *k = policy_map_key(ps, n, pr, "a key (string)");

		if (!k)
			continue;
		if (!strcmp(k, "match"))
			have_match = true;
		if (!strcmp(k, "allow"))
			allow = kn;
		if (!parse_rule_key(ps, k, policy_node(ps, pr->value), r, &name,
				    &action, &match_ok))
			policy_error(ps, kn, "unknown key '%s' in rule; valid keys: "
				     "name, description, severity, action, on, match, allow", k);
	}
	if (!name)
		policy_error(ps, n, "rule has no 'name'");
	if (!action)
		policy_error(ps, n, "rule '%s' has no 'action'; valid: %s", r->name ? r->name : "?",
			     names_text(verdict_action_names, VERDICT_ACTIONS, valid, sizeof(valid)));
	/* An allowlist alone is a rule: "every connect it does not allow". */
	if (!have_match && !allow)
		policy_error(ps, n, "rule '%s' has no 'match'%s", r->name ? r->name : "?",
			     r->on == BW_ON_CONNECT || r->on == BW_ON_DNS ? " or 'allow'" : "");
	else if (!have_match)
		match_ok = true;
	/* The kernel can only stop an exec; other events have happened. */
	if (action && r->action == POLICY_ACT_DENY && ps->on > BW_ON_EXEC) {
		policy_error(ps, action, "action 'deny' is only valid in rules on: exec (the "
			     "kernel blocks an exec before it runs); a rule on: %s can log, "
			     "alert, kill-process or kill-job", policy_on_name(r->on));
		match_ok = false;
	}
	/* Deny-rule limits are only meaningful once the rest is sound. */
	if (ps->n_errors == errors_before && r->action == POLICY_ACT_DENY && match_ok)
		policy_deny_check(ps, r);
	return r->name ? name : NULL;
}

static void check_duplicate_names(struct pol_parser *ps, struct bw_policy *p,
				  const yaml_node_t **names)
{
	for (size_t i = 1; i < p->n_rules; i++) {
		if (!names[i])
			continue;
		for (size_t j = 0; j < i; j++) {
			if (names[j] && !strcmp(p->rules[i].name, p->rules[j].name)) {
				policy_error(ps, names[i], "duplicate rule name '%s' (first at line %u)",
					     p->rules[i].name, p->rules[j].line);
				break;
			}
		}
	}
}

static void parse_rules(struct pol_parser *ps, const yaml_node_t *n,
			struct bw_policy *p)
{
	const yaml_node_t **names;
	size_t count;

	if (!n || n->type != YAML_SEQUENCE_NODE) {
		policy_error(ps, n, "expected 'rules' to be a list of rules, got %s",
			     yaml_node_kind(n));
		return;
	}
	count = n->data.sequence.items.top - n->data.sequence.items.start;
	if (!count) {
		policy_error(ps, n, "'rules' is empty: a policy needs at least one rule");
		return;
	}
	p->rules = calloc(count, sizeof(*p->rules));
	names = calloc(count, sizeof(*names));
	if (!p->rules || !names) {
		ps->oom = true;
		free(names);
		return;
	}
	p->n_rules = count;
	for (size_t i = 0; i < count; i++) {
		p->rules[i].index = i;
		names[i] = parse_rule(ps, policy_node(ps, n->data.sequence.items.start[i]),
				      &p->rules[i]);
	}
	check_duplicate_names(ps, p, names);
	free(names);
}

static void parse_version(struct pol_parser *ps, const yaml_node_t *v)
{
	int64_t x;

	if (policy_parse_int(ps, v, INT64_MIN, INT64_MAX, &x) == 0 && x != 1)
		policy_error(ps, v, "unsupported policy version %" PRId64
			     "; this buildwarden reads version 1", x);
}

static void parse_mode(struct pol_parser *ps, const yaml_node_t *v,
		       struct bw_policy *p)
{
	int x = p->mode;

	parse_enum(ps, v, "mode", policy_mode_names, POLICY_MODES, &x);
	p->mode = x == POLICY_MODE_AUDIT ? POLICY_MODE_AUDIT : POLICY_MODE_ENFORCE;
}

/*
 * leftovers: alert | kill, the short form of a rule on: leftover with no
 * conditions (kill: kill-job, which reaps every process still running).
 * Added after the policy's own rules, which may be narrower.
 */
static void add_leftovers_rule(struct pol_parser *ps, const yaml_node_t *v,
			       struct bw_policy *p)
{
	static const char *const values[] = { "alert", "kill" };
	struct bw_rule *rules, *r;
	int x = -1;

	parse_enum(ps, v, "leftovers", values, 2, &x);
	if (x < 0)
		return;
	for (size_t i = 0; i < p->n_rules; i++) {
		if (p->rules[i].name && !strcmp(p->rules[i].name, "leftovers")) {
			policy_error(ps, v, "'leftovers' adds a rule named 'leftovers'; the rule "
				     "of that name at line %u is in the way", p->rules[i].line);
			return;
		}
	}
	rules = realloc(p->rules, (p->n_rules + 1) * sizeof(*rules));
	if (!rules) {
		ps->oom = true;
		return;
	}
	p->rules = rules;
	r = memset(&rules[p->n_rules], 0, sizeof(*r));
	r->index = p->n_rules++;
	r->name = xstrdup(ps, "leftovers");
	r->description = xstrdup(ps, "A process of the job was still running when the job's "
				 "root exited: a daemon or a detached payload outliving the job.");
	r->severity = POLICY_SEV_HIGH;
	r->action = x ? POLICY_ACT_KILL_JOB : POLICY_ACT_ALERT;
	r->on = BW_ON_LEFTOVER;
	r->line = v->start_mark.line + 1;
	r->col = v->start_mark.column + 1;
}

static void parse_top(struct pol_parser *ps, const yaml_node_t *root,
		      struct bw_policy *p)
{
	const yaml_node_t *leftovers = NULL;
	bool have_rules = false;

	if (!root || root->type != YAML_MAPPING_NODE) {
		policy_error(ps, root, "expected the policy to be a mapping with "
			     "'rules' (and optionally 'version', 'mode'), got %s",
			     root ? yaml_node_kind(root) : "an empty document");
		return;
	}
	for (yaml_node_pair_t *pr = root->data.mapping.pairs.start;
	     pr < root->data.mapping.pairs.top; pr++) {
		const yaml_node_t *kn = policy_node(ps, pr->key);
		const yaml_node_t *v = policy_node(ps, pr->value);
		const char *k = policy_map_key(ps, root, pr, "a key (string)");

		if (!k)
			continue;
		if (!strcmp(k, "version")) {
			parse_version(ps, v);
		} else if (!strcmp(k, "mode")) {
			parse_mode(ps, v, p);
		} else if (!strcmp(k, "rules")) {
			have_rules = true;
			parse_rules(ps, v, p);
		} else if (!strcmp(k, "leftovers")) {
			leftovers = v;
		} else {
			policy_error(ps, kn, "unknown top-level key '%s'; valid keys: "
				     "version, mode, leftovers, rules", k);
		}
	}
	if (!have_rules)
		policy_error(ps, root, "the policy has no 'rules' list");
	else if (leftovers)
		add_leftovers_rule(ps, leftovers, p);
}

/* Effects of the policy-wide mode, known only once the whole file is read. */
static void apply_mode(struct bw_policy *p)
{
	for (size_t i = 0; i < p->n_rules; i++) {
		struct bw_rule *r = &p->rules[i];
		bool kills = r->action == POLICY_ACT_KILL_PROCESS ||
			     r->action == POLICY_ACT_KILL_JOB ||
			     r->action == POLICY_ACT_DENY;

		r->effective = p->mode == POLICY_MODE_AUDIT && kills ?
				       POLICY_ACT_ALERT : r->action;
		r->in_kernel = r->effective == POLICY_ACT_DENY;
	}
}

static int compile_document(struct pol_parser *ps, const char *name,
			    struct bw_policy **out)
{
	struct bw_policy *p = calloc(1, sizeof(*p));
	int err = -ENOMEM;

	if (!p)
		return -ENOMEM;
	p->refs = 1;
	p->source = strdup(name);
	if (!p->source)
		goto err_free;
	parse_top(ps, yaml_document_get_root_node(ps->doc), p);
	if (ps->oom)
		goto err_free;
	err = -EINVAL;
	if (ps->n_errors)
		goto err_free;
	policy_regex_outcomes(p);
	apply_mode(p);
	err = policy_deny_compile(p);
	if (err)
		goto err_free;
	*out = p;
	return 0;
err_free:
	policy_free(p);
	return err;
}

int policy_load_buffer(const char *name, const char *buf, size_t len,
		       struct bw_policy **out, FILE *errs)
{
	struct pol_parser ps = { .name = name ? name : "<buffer>", .errs = errs,
				 .nodes_left = POLICY_MAX_NODES,
				 .regex_left = POLICY_MAX_REGEX_TOTAL };
	yaml_document_t doc;
	int err;

	if (!out || (!buf && len))
		return -EINVAL;
	*out = NULL;
	err = yaml_doc_load(ps.name, "a policy", buf, len, errs, &doc, &ps.n_errors);
	if (err)
		return err;
	ps.doc = &doc;
	ps.src = buf;
	ps.src_len = len;
	err = compile_document(&ps, ps.name, out);
	if (!err && ps.n_errors) {
		policy_free(*out);
		*out = NULL;
		err = -EINVAL;
	}
	yaml_document_delete(&doc);
	return err;
}

int policy_load_stream(const char *name, FILE *f, struct bw_policy **out,
		       FILE *errs)
{
	char *buf = NULL;
	size_t len = 0;
	int err;

	if (!out || !f || !name)
		return -EINVAL;
	*out = NULL;
	err = safe_read_stream(f, POLICY_MAX_BYTES, &buf, &len);
	if (err) {
		if (errs)
			fprintf(errs, "%s: error: cannot read policy: %s\n", name,
				strerror(-err));
		return err;
	}
	err = policy_load_buffer(name, buf, len, out, errs);
	free(buf);
	return err;
}

int policy_load_file(const char *path, struct bw_policy **out, FILE *errs)
{
	FILE *f;
	int err;

	if (!out || !path)
		return -EINVAL;
	*out = NULL;
	f = fopen(path, "re");
	if (!f) {
		err = -errno;
		if (errs)
			fprintf(errs, "%s: error: cannot open policy: %s\n", path,
				strerror(-err));
		return err;
	}
	err = policy_load_stream(path, f, out, errs);
	fclose(f);
	return err;
}

int policy_load_default(struct bw_policy **out, FILE *errs)
{
	const char *y = policy_default_yaml();

	return policy_load_buffer(POLICY_DEFAULT_NAME, y, strlen(y), out, errs);
}
