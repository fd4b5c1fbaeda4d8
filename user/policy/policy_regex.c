// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * How large a POSIX extended regex grows once compiled. glibc's regcomp
 * copies a bounded repetition's operand once per bound, so nested bounds
 * multiply: '((a{1000}){1000}){100}' asks for 10^8 nodes, minutes of CPU
 * and gigabytes. A policy may come from the repository being built, so the
 * parser estimates the expanded size first and refuses what would not fit.
 */
#include <ctype.h>
#include <stdlib.h>

#include "policy/policy_internal.h"

/* Group nesting followed; deeper groups are refused, as regcomp would
 * spend its own stack on them. */
#define REGEX_MAX_GROUPS 64

struct regex_level {
	unsigned long sum;  /* finished elements of this group */
	unsigned long last; /* the element a quantifier would repeat */
};

static unsigned long sat_add(unsigned long a, unsigned long b, unsigned long cap)
{
	return a >= cap || b >= cap - a ? cap : a + b;
}

static unsigned long sat_mul(unsigned long a, unsigned long b, unsigned long cap)
{
	return b && a >= (cap + b - 1) / b ? cap : a * b;
}

/* Past a bracket expression starting at s ('['); its end if unclosed. */
static const char *skip_bracket(const char *s)
{
	s++;
	if (*s == '^')
		s++;
	if (*s == ']')
		s++;
	while (*s && *s != ']') {
		if (s[0] == '[' && (s[1] == ':' || s[1] == '.' || s[1] == '=')) {
			char close = s[1];

			for (s += 2; *s && !(s[0] == close && s[1] == ']'); s++)
				;
			s += *s ? 2 : 0;
			continue;
		}
		s++;
	}
	return *s ? s + 1 : s;
}

/*
 * The copies a bound "{m}", "{m,}" or "{m,n}" at s makes of its operand,
 * and its end in *end; 0 when s is not a well-formed bound (regcomp then
 * takes or refuses the brace itself).
 */
static unsigned long bound_copies(const char *s, const char **end)
{
	unsigned long lo = 0, hi;
	char *p;

	if (!isdigit((unsigned char)s[1]))
		return 0;
	lo = strtoul(s + 1, &p, 10);
	hi = lo;
	if (*p == ',') {
		p++;
		hi = isdigit((unsigned char)*p) ? strtoul(p, &p, 10) : lo + 1;
	}
	if (*p != '}')
		return 0;
	*end = p + 1;
	hi = hi > lo ? hi : lo;
	return hi ? hi : 1;
}

unsigned long policy_regex_size(const char *re, unsigned long cap)
{
	struct regex_level lv[REGEX_MAX_GROUPS] = { { 0, 0 } };
	unsigned depth = 0;
	const char *s = re, *end;
	unsigned long copies;

	while (*s) {
		struct regex_level *l = &lv[depth];

		switch (*s) {
		case '(':
			if (++depth == REGEX_MAX_GROUPS)
				return cap;
			lv[depth] = (struct regex_level){ 0, 0 };
			s++;
			continue;
		case ')':
			if (!depth)
				break; /* a literal ')' in an ERE */
			copies = sat_add(l->sum, l->last, cap);
			l = &lv[--depth];
			l->sum = sat_add(l->sum, l->last, cap);
			l->last = sat_add(copies, 1, cap);
			s++;
			continue;
		case '|':
			l->sum = sat_add(l->sum, l->last, cap);
			l->last = 0;
			s++;
			continue;
		case '*':
		case '+':
		case '?':
			l->last = sat_mul(l->last, 2, cap);
			s++;
			continue;
		case '{':
			copies = bound_copies(s, &end);
			if (copies) {
				l->last = sat_mul(l->last, copies, cap);
				s = end;
				continue;
			}
			break;
		case '[':
			l->sum = sat_add(l->sum, l->last, cap);
			l->last = 1;
			s = skip_bracket(s);
			continue;
		case '\\':
			if (s[1])
				s++;
			break;
		}
		l->sum = sat_add(l->sum, l->last, cap);
		l->last = 1;
		s++;
	}
	while (depth) {
		unsigned long inner = sat_add(lv[depth].sum, lv[depth].last, cap);

		depth--;
		lv[depth].sum = sat_add(lv[depth].sum, inner, cap);
	}
	return sat_add(lv[0].sum, lv[0].last, cap);
}
