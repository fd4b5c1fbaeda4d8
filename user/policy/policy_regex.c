// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The policy's regexes (PCRE2, through lib/regex.h). Three policy
 * concerns on top of the engine: an error points at the character of the
 * YAML file where the pattern went wrong; the few GNU/POSIX spellings that
 * PCRE2 would read as something else without a word are refused, so an ERE
 * policy cannot silently change meaning; and a match stopped by a limit
 * (a hostile pattern or subject) gets the answer that makes its rule fire,
 * said once per regex. docs/POLICY.md, "Regular expressions".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/regex.h"
#include "policy/policy_internal.h"

/* Past the \Q...\E quoted run starting at s, or its end if unclosed. */
static const char *skip_quoted(const char *s)
{
	const char *e = strstr(s + 2, "\\E");

	return e ? e + 2 : s + strlen(s);
}

/* Past the character class starting at s ('['), or its end if unclosed. */
static const char *skip_class(const char *s)
{
	s++;
	if (*s == '^')
		s++;
	if (*s == ']')
		s++;
	while (*s && *s != ']') {
		if (s[0] == '[' && (s[1] == ':' || s[1] == '.' || s[1] == '=')) {
			const char *e = strchr(s + 2, s[1]);

			if (e && e[1] == ']') {
				s = e + 2;
				continue;
			}
		}
		if (s[0] == '\\' && s[1])
			s++;
		s++;
	}
	return *s ? s + 1 : s;
}

/*
 * A spelling PCRE2 accepts with another meaning than glibc's regcomp gave
 * it: its offset in re, its length, and what to write instead; or NULL.
 */
static const char *posix_habit(const char *re, size_t *at, int *len)
{
	const char *s = re;

	while (*s) {
		if (s[0] == '\\' && s[1] == 'Q') {
			s = skip_quoted(s);
			continue;
		}
		if (s[0] == '[') {
			s = skip_class(s);
			continue;
		}
		*at = (size_t)(s - re);
		*len = 2;
		if (s[0] == '\\' && (s[1] == '<' || s[1] == '>'))
			return "is a GNU word boundary in POSIX regexes but the character itself "
			       "in PCRE2: write \\b for a word boundary";
		if (s[0] == '\\' && (s[1] == '`' || s[1] == '\''))
			return "is a GNU buffer anchor in POSIX regexes but the character itself "
			       "in PCRE2: write \\A or \\z";
		if (s[0] == '{' && s[1] == ',' && s[2] >= '0' && s[2] <= '9') {
			size_t digits = strspn(s + 2, "0123456789");

			*len = (int)(2 + digits + (s[2 + digits] == '}'));
			return "means {0,n} in POSIX regexes but is literal text in this PCRE2: "
			       "write {0,n}";
		}
		s += s[0] == '\\' && s[1] ? 2 : 1;
	}
	return NULL;
}

/* "NAME:LINE:COL: error: bad regex 'RE': WHY" at the offending character. */
static void regex_error(struct pol_parser *ps, const yaml_node_t *at, const char *re,
			size_t offset, const char *why)
{
	unsigned line = at->start_mark.line + 1, col = at->start_mark.column + 1;

	yaml_scalar_pos(ps->src, ps->src_len, at, offset, &line, &col);
	policy_error_at(ps, line, col, "bad regex '%.64s%s': %s (at offset %zu)", re,
			strlen(re) > 64 ? "..." : "", why, offset);
}

int policy_regex_compile(struct pol_parser *ps, const yaml_node_t *at, struct pol_test *t)
{
	struct regex_error rerr = { .offset = 0 };
	const char *habit;
	size_t size, off;
	int err, len;

	habit = posix_habit(t->text, &off, &len);
	if (habit) {
		char why[200];

		snprintf(why, sizeof(why), "'%.*s' %s", len, t->text + off, habit);
		regex_error(ps, at, t->text, off, why);
		return -EINVAL;
	}
	t->rx = calloc(1, sizeof(*t->rx));
	if (!t->rx) {
		ps->oom = true;
		return -ENOMEM;
	}
	err = regex_compile(t->text, 0, &t->rx->re, &rerr);
	if (err == -ENOMEM)
		ps->oom = true;
	if (err == -EINVAL)
		regex_error(ps, at, t->text, rerr.offset, rerr.msg);
	if (err)
		goto err_free;
	size = regex_size(t->rx->re);
	if (size > ps->regex_left) {
		if (!ps->regex_over)
			policy_error(ps, at, "policy too large: its regexes take more than %lu "
				     "bytes compiled in all", POLICY_MAX_REGEX_TOTAL);
		ps->regex_over = true;
		err = -EINVAL;
		goto err_free;
	}
	ps->regex_left -= size;
	t->rx->on_limit = true;
	return 0;
err_free:
	policy_regex_free(t->rx);
	t->rx = NULL;
	return err;
}

bool policy_regex_test(const struct pol_test *t, const char *s)
{
	struct pol_regex *rx = t->rx;
	size_t len = strlen(s);
	int rc = regex_match(rx->re, s, len);

	if (rc >= 0)
		return rc;
	if (!rx->warned) {
		rx->warned = true;
		bw_warn("policy regex '%.64s%s' (line %u, column %u) stopped at a %s on a "
			"%zu-byte value; counted as %s so its rule fires (said once per regex)",
			t->text, t->len > 64 ? "..." : "", t->line, t->col,
			rc == -E2BIG ? "match limit" : "matcher error", len,
			rx->on_limit ? "a match" : "no match");
	}
	return rx->on_limit;
}

void policy_regex_free(struct pol_regex *rx)
{
	if (!rx)
		return;
	regex_free(rx->re);
	free(rx);
}

/* fire: whether a match of t makes its rule fire (false under a not). */
static void test_outcomes(struct pol_test *t, bool fire)
{
	if (!t)
		return;
	if (t->rx)
		t->rx->on_limit = fire;
	for (size_t i = 0; i < t->n_kids; i++)
		test_outcomes(t->kids[i], t->op == POL_NOT ? !fire : fire);
}

static void group_outcomes(struct pol_group *g, bool fire)
{
	for (size_t i = 0; i < g->n_conds; i++) {
		struct pol_cond *c = &g->conds[i];

		test_outcomes(c->test, fire);
		test_outcomes(c->lin_exe, fire);
		test_outcomes(c->lin_base, fire);
		test_outcomes(c->lin_file, fire);
		for (size_t j = 0; j < c->n_groups; j++)
			group_outcomes(&c->groups[j], c->field == POL_F_NOT ? !fire : fire);
	}
}

void policy_regex_outcomes(struct bw_policy *p)
{
	for (size_t i = 0; i < p->n_rules; i++) {
		struct bw_rule *r = &p->rules[i];

		group_outcomes(&r->match, true);
		/* An allow entry that matches keeps the rule quiet. */
		for (size_t j = 0; j < r->n_allow; j++)
			test_outcomes(r->allow[j].domains, false);
	}
}
