// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * YAML helpers of the policy parser: node access, scalars, integers,
 * duplicate keys, and errors that name file:line:col.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy_internal.h"

void policy_error_at(struct pol_parser *ps, unsigned line, unsigned col,
		     const char *fmt, ...)
{
	va_list ap;

	ps->n_errors++;
	if (!ps->errs)
		return;
	fprintf(ps->errs, "%s:%u:%u: error: ", ps->name, line, col);
	va_start(ap, fmt);
	vfprintf(ps->errs, fmt, ap);
	va_end(ap);
	fputc('\n', ps->errs);
}

void policy_error(struct pol_parser *ps, const yaml_node_t *at, const char *fmt, ...)
{
	va_list ap;
	unsigned line = at ? at->start_mark.line + 1 : 1;
	unsigned col = at ? at->start_mark.column + 1 : 1;

	ps->n_errors++;
	if (!ps->errs)
		return;
	fprintf(ps->errs, "%s:%u:%u: error: ", ps->name, line, col);
	va_start(ap, fmt);
	vfprintf(ps->errs, fmt, ap);
	va_end(ap);
	fputc('\n', ps->errs);
}

yaml_node_t *policy_node(struct pol_parser *ps, int id)
{
	return yaml_document_get_node(ps->doc, id);
}

const char *policy_node_kind(const yaml_node_t *n)
{
	if (!n)
		return "nothing";
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_SCALAR_NODE:
		return policy_node_is_null(n) ? "null" : "a scalar";
	default:
		return "nothing";
	}
}

/* Plain "", "~" and "null" are YAML's null: an empty value, never a string. */
bool policy_node_is_null(const yaml_node_t *n)
{
	const char *v;

	if (!n || n->type != YAML_SCALAR_NODE ||
	    n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = (const char *)n->data.scalar.value;
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") ||
	       !strcmp(v, "Null") || !strcmp(v, "NULL");
}

const char *policy_scalar(struct pol_parser *ps, const yaml_node_t *n,
		          const char *what)
{
	const char *v;

	if (!n || n->type != YAML_SCALAR_NODE || policy_node_is_null(n)) {
		policy_error(ps, n, "expected %s, got %s", what, policy_node_kind(n));
		return NULL;
	}
	v = (const char *)n->data.scalar.value;
	/* A "\0" escape would silently cut the string C code sees. */
	if (strlen(v) != n->data.scalar.length) {
		policy_error(ps, n, "%s contains a NUL byte", what);
		return NULL;
	}
	return v;
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

/* libyaml keeps duplicate keys; a second value silently winning is a trap. */
bool policy_check_duplicate_keys(struct pol_parser *ps, const yaml_node_t *map,
			         const yaml_node_pair_t *pair)
{
	const yaml_node_t *key = policy_node(ps, pair->key);
	const yaml_node_pair_t *q;

	if (!key || key->type != YAML_SCALAR_NODE)
		return false;
	for (q = map->data.mapping.pairs.start; q < pair; q++) {
		const yaml_node_t *k = policy_node(ps, q->key);

		if (k && k->type == YAML_SCALAR_NODE &&
		    !strcmp((const char *)k->data.scalar.value,
			    (const char *)key->data.scalar.value)) {
			policy_error(ps, key, "duplicate key '%s' (first at line %zu)",
				     (const char *)key->data.scalar.value,
				     k->start_mark.line + 1);
			return true;
		}
	}
	return false;
}
