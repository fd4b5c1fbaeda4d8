// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The compiled rules shown back to people (`policy check`) and to programs
 * (`policy check --json`). Printing the compiled form, not the YAML text,
 * shows what the engine will actually do: defaults filled in, the audit
 * mode applied, conditions in evaluation order, and which rules run in the
 * kernel.
 */
#include <inttypes.h>
#include <string.h>

#include "policy/policy_internal.h"

/* A JSON string; also the quoting used in human output. */
static void put_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(f, "\\%c", *c);
		else if (*c == '\n')
			fputs("\\n", f);
		else if (*c == '\t')
			fputs("\\t", f);
		else if (*c < 0x20 || *c == 0x7f)
			fprintf(f, "\\u%04x", *c);
		else
			fputc(*c, f);
	}
	fputc('"', f);
}

/* ---- human output ---- */

static const char *op_words(enum pol_op op)
{
	switch (op) {
	case POL_EXACT: return "is";
	case POL_PREFIX: return "starts with";
	case POL_SUFFIX: return "ends with";
	case POL_GLOB: return "matches glob";
	case POL_REGEX: return "matches regex";
	case POL_EQ: return "=";
	case POL_NE: return "!=";
	case POL_LT: return "<";
	case POL_LE: return "<=";
	case POL_GT: return ">";
	case POL_GE: return ">=";
	case POL_DOMAIN: return "is";
	default: return policy_op_name(op);
	}
}

static bool all_kids_are(const struct pol_test *t, enum pol_op op)
{
	for (size_t i = 0; i < t->n_kids; i++)
		if (t->kids[i]->op != op)
			return false;
	return true;
}

/* field: for names of numbers (qtype 16 (TXT)); POL_F_COUNT for none. */
static void put_leaf(FILE *f, const struct pol_test *t, enum pol_field field)
{
	const char *name = t->text ? NULL : policy_value_name(field, t->num);

	if (t->text)
		put_str(f, t->text);
	else if (t->milli)
		fprintf(f, "%" PRId64 ".%03" PRId64, t->num / 1000, t->num % 1000);
	else
		fprintf(f, "%" PRId64, t->num);
	if (name)
		fprintf(f, " (%s)", name);
}

static void put_test(FILE *f, const struct pol_test *t, enum pol_field field)
{
	const char *sep = t->op == POL_ALL ? " and " : " or ";

	switch (t->op) {
	case POL_NOT:
		fputs("not (", f);
		put_test(f, t->kids[0], field);
		fputc(')', f);
		return;
	case POL_ANY:
		/* Lists of one operator read best as "is one of a, b". */
		if (all_kids_are(t, t->kids[0]->op) && !t->kids[0]->n_kids) {
			fprintf(f, "%s one of ", op_words(t->kids[0]->op));
			for (size_t i = 0; i < t->n_kids; i++) {
				fputs(i ? ", " : "", f);
				put_leaf(f, t->kids[i], field);
			}
			return;
		}
		/* fallthrough */
	case POL_ALL:
		fputc('(', f);
		for (size_t i = 0; i < t->n_kids; i++) {
			fputs(i ? sep : "", f);
			put_test(f, t->kids[i], field);
		}
		fputc(')', f);
		return;
	default:
		fprintf(f, "%s ", op_words(t->op));
		put_leaf(f, t, field);
	}
}

static void put_cidrs(FILE *f, const struct pol_cidr *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ", " : "", f);
		fputs(c[i].text, f);
	}
}

static void put_group(FILE *f, const struct pol_group *g, int indent);

static void put_cond(FILE *f, const struct pol_cond *c, int indent)
{
	fprintf(f, "%*s", indent, "");
	switch (c->field) {
	case POL_F_ARG:
		fprintf(f, "arg%" PRIu32 " ", c->index);
		break;
	case POL_F_ARGV:
		fputs("some argument ", f);
		break;
	case POL_F_PARENT:
	case POL_F_ANCESTOR:
		if (c->field == POL_F_PARENT)
			fputs("parent", f);
		else
			fprintf(f, "an ancestor within %" PRIu32 " generation%s", c->depth,
				c->depth == 1 ? "" : "s");
		if (c->lin_exe) {
			fputs(": exe ", f);
			put_test(f, c->lin_exe, POL_F_COUNT);
		}
		if (c->lin_base) {
			fputs(c->lin_exe ? " and basename " : ": basename ", f);
			put_test(f, c->lin_base, POL_F_COUNT);
		}
		if (c->lin_file) {
			fputs(c->lin_exe || c->lin_base ? " and filename " : ": filename ", f);
			put_test(f, c->lin_file, POL_F_COUNT);
		}
		fputc('\n', f);
		return;
	case POL_F_ADDRESS:
		fputs("address in ", f);
		put_cidrs(f, c->cidrs, c->n_cidrs);
		fputc('\n', f);
		return;
	case POL_F_TARGET_IN_JOB:
		fprintf(f, "target %s the job\n", c->test->num ? "is in" : "is outside");
		return;
	case POL_F_TRACKED:
		fprintf(f, "%s\n", c->test->num ? "a tracked file of the checkout changed"
					      : "no tracked file of the checkout changed");
		return;
	case POL_F_APPEND:
		fprintf(f, "%s\n", c->test->num ? "opened for appending only"
					      : "not an open for appending only");
		return;
	case POL_F_IN_CONTAINER:
		fprintf(f, "%s\n", c->test->num ? "in a container" : "not in a container");
		return;
	case POL_F_NOT:
		fputs("not all of:\n", f);
		put_group(f, &c->groups[0], indent + 2);
		return;
	case POL_F_ANY:
		fputs("any of:\n", f);
		for (size_t i = 0; i < c->n_groups; i++) {
			fprintf(f, "%*s- all of:\n", indent + 2, "");
			put_group(f, &c->groups[i], indent + 6);
		}
		return;
	default:
		fprintf(f, "%s ", policy_field_name(c->field));
	}
	put_test(f, c->test, c->field);
	fputc('\n', f);
}

static void put_group(FILE *f, const struct pol_group *g, int indent)
{
	for (size_t i = 0; i < g->n_conds; i++)
		put_cond(f, &g->conds[i], indent);
}

static const struct policy_deny_rule *deny_of(const struct bw_policy *p,
					      const struct bw_rule *r)
{
	for (size_t i = 0; i < p->n_deny; i++)
		if (p->deny[i].rule_index == r->index)
			return &p->deny[i];
	return NULL;
}

static void put_strings(FILE *f, const char *const *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ", " : "", f);
		put_str(f, v[i]);
	}
}

static void put_runs_in(FILE *f, const struct bw_policy *p, const struct bw_rule *r)
{
	const struct policy_deny_rule *d = deny_of(p, r);

	if (!d) {
		fprintf(f, "  runs in:     userspace%s\n",
			r->action == POLICY_ACT_DENY ?
				" (audit mode; the kernel enforces it in enforce mode)" :
			policy_rule_kills_at_exec(r) ?
				" (an exec with a kernel hint is held before its first "
				"instruction until judged)" : "");
		return;
	}
	fprintf(f, "  runs in:     kernel (exec killed before its first instruction)\n");
	if (d->kind == POLICY_DENY_DROPPED || d->kind == POLICY_DENY_FILELESS) {
		fprintf(f, "  kernel key:  %s\n", d->kind == POLICY_DENY_DROPPED
			? "each file it flags, as the job writes it"
			: "the exec's flags: a memfd or unlinked executable");
		return;
	}
	fprintf(f, "  kernel key:  %s in {", policy_deny_kind_name(d->kind));
	put_strings(f, d->values, d->n_values);
	fputc('}', f);
	if (d->n_ancestor_basenames) {
		fprintf(f, ", with an ancestor within %" PRIu32 " generation%s named {",
			d->ancestor_depth, d->ancestor_depth == 1 ? "" : "s");
		put_strings(f, d->ancestor_basenames, d->n_ancestor_basenames);
		fputc('}', f);
	}
	fputc('\n', f);
}

static void put_allow(FILE *f, const struct bw_rule *r)
{
	fputs("  unless allowed by one of:\n", f);
	for (size_t i = 0; i < r->n_allow; i++) {
		const struct pol_allow *a = &r->allow[i];

		fputs("    - ", f);
		if (a->n_cidrs) {
			fputs("address in ", f);
			put_cidrs(f, a->cidrs, a->n_cidrs);
		}
		if (a->domains) {
			fputs(a->n_cidrs ? ", or name " : "name ", f);
			put_test(f, a->domains, POL_F_COUNT);
		}
		if (r->on == BW_ON_CONNECT && !a->n_cidrs && !a->domains)
			fputs("any destination", f);
		if (r->on == BW_ON_CONNECT) {
			fputs("; port ", f);
			if (a->ports)
				put_test(f, a->ports, POL_F_PORT);
			else
				fputs("any", f);
		}
		fputc('\n', f);
	}
}

static void put_rule(FILE *f, const struct bw_policy *p, const struct bw_rule *r)
{
	fprintf(f, "\nrule %zu: %s  (%s:%u)\n", r->index + 1, r->name, p->source, r->line);
	fprintf(f, "  on:          %s\n", policy_on_name(r->on));
	fprintf(f, "  severity:    %s\n", policy_severity_name(r->severity));
	fprintf(f, "  action:      %s", policy_action_name(r->action));
	if (r->effective != r->action)
		fprintf(f, " (audit mode: %s)", policy_action_name(r->effective));
	fputc('\n', f);
	put_runs_in(f, p, r);
	if (r->description)
		fprintf(f, "  description: %s\n", r->description);
	if (r->match.n_conds) {
		fputs("  when all of (in evaluation order):\n", f);
		put_group(f, &r->match, 4);
	} else {
		fprintf(f, "  when:        every %s event\n", policy_on_name(r->on));
	}
	if (r->n_allow)
		put_allow(f, r);
}

void policy_print(const struct bw_policy *p, FILE *f)
{
	fprintf(f, "policy %s: mode %s, %zu rule%s, %zu in the kernel\n", p->source,
		policy_mode_name(p->mode), p->n_rules, p->n_rules == 1 ? "" : "s",
		p->n_deny);
	for (size_t i = 0; i < p->n_rules; i++)
		put_rule(f, p, &p->rules[i]);
}

/* ---- JSON output: the YAML syntax in canonical form ---- */

static void json_test(FILE *f, const struct pol_test *t)
{
	fprintf(f, "{\"%s\":", policy_op_name(t->op));
	if (t->op == POL_NOT) {
		json_test(f, t->kids[0]);
	} else if (t->op == POL_ANY || t->op == POL_ALL) {
		fputc('[', f);
		for (size_t i = 0; i < t->n_kids; i++) {
			fputs(i ? "," : "", f);
			json_test(f, t->kids[i]);
		}
		fputc(']', f);
	} else {
		put_leaf(f, t, POL_F_COUNT);
	}
	fputc('}', f);
}

static void json_cidrs(FILE *f, const struct pol_cidr *c, size_t n)
{
	fputc('[', f);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? "," : "", f);
		put_str(f, c[i].text);
	}
	fputc(']', f);
}

static void json_group(FILE *f, const struct pol_group *g);

static void json_cond(FILE *f, const struct pol_cond *c)
{
	fprintf(f, "{\"field\":\"%s\"", policy_field_name(c->field));
	if (c->field == POL_F_ARG)
		fprintf(f, ",\"index\":%" PRIu32, c->index);
	if (c->field == POL_F_PARENT || c->field == POL_F_ANCESTOR) {
		fprintf(f, ",\"depth\":%" PRIu32, c->depth);
		if (c->lin_exe) {
			fputs(",\"exe\":", f);
			json_test(f, c->lin_exe);
		}
		if (c->lin_base) {
			fputs(",\"basename\":", f);
			json_test(f, c->lin_base);
		}
		if (c->lin_file) {
			fputs(",\"filename\":", f);
			json_test(f, c->lin_file);
		}
	} else if (c->field == POL_F_ADDRESS) {
		fputs(",\"cidrs\":", f);
		json_cidrs(f, c->cidrs, c->n_cidrs);
	} else if (c->field == POL_F_TARGET_IN_JOB || c->field == POL_F_TRACKED ||
		   c->field == POL_F_APPEND || c->field == POL_F_IN_CONTAINER) {
		fprintf(f, ",\"value\":%s", c->test->num ? "true" : "false");
	} else if (c->field == POL_F_NOT || c->field == POL_F_ANY) {
		fputs(c->field == POL_F_NOT ? ",\"match\":" : ",\"of\":[", f);
		for (size_t i = 0; i < c->n_groups; i++) {
			fputs(i ? "," : "", f);
			json_group(f, &c->groups[i]);
		}
		fputs(c->field == POL_F_NOT ? "" : "]", f);
	} else {
		fputs(",\"test\":", f);
		json_test(f, c->test);
	}
	fputc('}', f);
}

static void json_group(FILE *f, const struct pol_group *g)
{
	fputc('[', f);
	for (size_t i = 0; i < g->n_conds; i++) {
		fputs(i ? "," : "", f);
		json_cond(f, &g->conds[i]);
	}
	fputc(']', f);
}

static void json_strings(FILE *f, const char *const *v, size_t n)
{
	fputc('[', f);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? "," : "", f);
		put_str(f, v[i]);
	}
	fputc(']', f);
}

static void json_kernel(FILE *f, const struct policy_deny_rule *d)
{
	fprintf(f, ",\"kernel\":{\"kind\":\"%s\",\"values\":", policy_deny_kind_name(d->kind));
	json_strings(f, d->values, d->n_values);
	if (d->n_ancestor_basenames) {
		fputs(",\"ancestor_basenames\":", f);
		json_strings(f, d->ancestor_basenames, d->n_ancestor_basenames);
		fprintf(f, ",\"ancestor_depth\":%" PRIu32, d->ancestor_depth);
	}
	fputc('}', f);
}

static void json_rule(FILE *f, const struct bw_policy *p, const struct bw_rule *r)
{
	const struct policy_deny_rule *d = deny_of(p, r);

	fprintf(f, "{\"index\":%zu,\"name\":", r->index);
	put_str(f, r->name);
	fputs(",\"description\":", f);
	put_str(f, r->description ? r->description : "");
	fprintf(f, ",\"severity\":\"%s\",\"action\":\"%s\",\"effective_action\":\"%s\","
		   "\"runs_in\":\"%s\",\"line\":%u,\"on\":\"%s\",\"match\":",
		policy_severity_name(r->severity), policy_action_name(r->action),
		policy_action_name(r->effective), d ? "kernel" : "userspace", r->line,
		policy_on_name(r->on));
	json_group(f, &r->match);
	if (r->n_allow) {
		fputs(",\"allow\":[", f);
		for (size_t i = 0; i < r->n_allow; i++) {
			const struct pol_allow *a = &r->allow[i];

			const char *sep = "";

			fputs(i ? ",{" : "{", f);
			if (a->n_cidrs) {
				fputs("\"cidrs\":", f);
				json_cidrs(f, a->cidrs, a->n_cidrs);
				sep = ",";
			}
			if (a->domains) {
				fprintf(f, "%s\"domains\":", sep);
				json_test(f, a->domains);
				sep = ",";
			}
			if (a->ports) {
				fprintf(f, "%s\"ports\":", sep);
				json_test(f, a->ports);
			}
			fputc('}', f);
		}
		fputc(']', f);
	}
	if (d)
		json_kernel(f, d);
	fputc('}', f);
}

void policy_print_json(const struct bw_policy *p, FILE *f)
{
	fputs("{\"source\":", f);
	put_str(f, p->source);
	fprintf(f, ",\"mode\":\"%s\",\"rules\":[", policy_mode_name(p->mode));
	for (size_t i = 0; i < p->n_rules; i++) {
		fputs(i ? "," : "", f);
		json_rule(f, p, &p->rules[i]);
	}
	fputs("]}\n", f);
}
