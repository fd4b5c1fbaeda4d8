// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The policy parser's side of YAML: errors that name file:line:col, and
 * scalars, integers and duplicate keys reported in its words (lib/yaml_doc.c
 * finds them).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy_internal.h"

__attribute__((format(printf, 4, 0)))
static void verror_at(struct pol_parser *ps, unsigned line, unsigned col, const char *fmt,
		      va_list ap)
{
	ps->n_errors++;
	if (!ps->errs)
		return;
	fprintf(ps->errs, "%s:%u:%u: error: ", ps->name, line, col);
	vfprintf(ps->errs, fmt, ap);
	fputc('\n', ps->errs);
}

void policy_error_at(struct pol_parser *ps, unsigned line, unsigned col,
		     const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror_at(ps, line, col, fmt, ap);
	va_end(ap);
}

void policy_error(struct pol_parser *ps, const yaml_node_t *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verror_at(ps, at ? at->start_mark.line + 1 : 1, at ? at->start_mark.column + 1 : 1, fmt,
		  ap);
	va_end(ap);
}

yaml_node_t *policy_node(struct pol_parser *ps, int id)
{
	return yaml_document_get_node(ps->doc, id);
}

const char *policy_scalar(struct pol_parser *ps, const yaml_node_t *n,
		          const char *what)
{
	const char *v;
	int err = yaml_node_text(n, &v);

	if (err == -EILSEQ)
		policy_error(ps, n, "%s contains a NUL byte", what);
	else if (err)
		policy_error(ps, n, "expected %s, got %s", what, yaml_node_kind(n));
	return err ? NULL : v;
}

int policy_parse_int(struct pol_parser *ps, const yaml_node_t *n, int64_t min,
		     int64_t max, int64_t *out)
{
	const char *v = policy_scalar(ps, n, "an integer");
	char *end;
	long long x;

	if (!v)
		return -EINVAL;
	errno = 0;
	x = strtoll(v, &end, 10);
	if (errno || end == v || *end || x < min || x > max) {
		policy_error(ps, n, "expected an integer from %" PRId64 " to %" PRId64
			     ", got '%s'", min, max, v);
		return -EINVAL;
	}
	*out = x;
	return 0;
}

const char *policy_map_key(struct pol_parser *ps, const yaml_node_t *map,
			   const yaml_node_pair_t *pair, const char *what)
{
	const yaml_node_t *kn = policy_node(ps, pair->key), *first;
	const char *k = policy_scalar(ps, kn, what);

	if (!k)
		return NULL;
	first = yaml_map_earlier_key(ps->doc, map, pair, false);
	if (first) {
		policy_error(ps, kn, "duplicate key '%s' (first at line %zu)", k,
			     first->start_mark.line + 1);
		return NULL;
	}
	return k;
}
