// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The part of loading YAML the policy and the daemon config share:
 * libyaml's parser, its syntax errors with their position, and the rule
 * that a file is one document (a second one is a mistake, not ignored).
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include "lib/yaml_doc.h"

static void syntax_error(const char *name, FILE *errs, const yaml_parser_t *y)
{
	const char *problem = y->problem ? y->problem : "unknown problem";
	size_t line = y->problem_mark.line + 1, col = y->problem_mark.column + 1;

	if (!errs)
		return;
	if (y->error == YAML_READER_ERROR)
		fprintf(errs, "%s:1:1: error: invalid text at byte %zu: %s\n", name,
			y->problem_offset, problem);
	else if (y->context)
		fprintf(errs, "%s:%zu:%zu: error: YAML syntax: %s (%s at line %zu, column %zu)\n",
			name, line, col, problem, y->context, y->context_mark.line + 1,
			y->context_mark.column + 1);
	else
		fprintf(errs, "%s:%zu:%zu: error: YAML syntax: %s\n", name, line, col, problem);
}

/* After the first document: nothing else may follow. */
static int check_single(const char *name, const char *what, FILE *errs, yaml_parser_t *y,
			unsigned *n_errors)
{
	yaml_document_t extra;
	const yaml_node_t *root;

	if (!yaml_parser_load(y, &extra)) {
		if (y->error == YAML_MEMORY_ERROR)
			return -ENOMEM;
		syntax_error(name, errs, y);
		++*n_errors;
		return 0;
	}
	root = yaml_document_get_root_node(&extra);
	if (root) {
		++*n_errors;
		if (errs)
			fprintf(errs, "%s:%zu:%zu: error: %s is one YAML document; found another\n",
				name, root->start_mark.line + 1, root->start_mark.column + 1, what);
	}
	yaml_document_delete(&extra);
	return 0;
}

int yaml_doc_load(const char *name, const char *what, const char *text, size_t len, FILE *errs,
		  yaml_document_t *doc, unsigned *n_errors)
{
	yaml_parser_t y;
	int err = 0;

	if (!yaml_parser_initialize(&y))
		return -ENOMEM;
	yaml_parser_set_input_string(&y, (const unsigned char *)(text ? text : ""), len);
	if (!yaml_parser_load(&y, doc)) {
		err = y.error == YAML_MEMORY_ERROR ? -ENOMEM : -EINVAL;
		if (err == -EINVAL) {
			syntax_error(name, errs, &y);
			++*n_errors;
		}
		goto cleanup;
	}
	err = check_single(name, what, errs, &y, n_errors);
	if (err)
		yaml_document_delete(doc);
cleanup:
	yaml_parser_delete(&y);
	return err;
}

bool yaml_node_is_null(const yaml_node_t *n)
{
	const char *v;

	if (!n || n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = (const char *)n->data.scalar.value;
	return !*v || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
	       !strcmp(v, "NULL");
}

const char *yaml_node_kind(const yaml_node_t *n)
{
	if (!n)
		return "nothing";
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	case YAML_SCALAR_NODE:
		return yaml_node_is_null(n) ? "null" : "a scalar";
	default:
		return "nothing";
	}
}

int yaml_node_text(const yaml_node_t *n, const char **text)
{
	const char *v;

	if (!n || n->type != YAML_SCALAR_NODE || yaml_node_is_null(n))
		return -EINVAL;
	v = (const char *)n->data.scalar.value;
	if (strlen(v) != n->data.scalar.length)
		return -EILSEQ;
	*text = v;
	return 0;
}

const yaml_node_t *yaml_map_earlier_key(yaml_document_t *doc, const yaml_node_t *map,
					const yaml_node_pair_t *pair, bool ignore_case)
{
	const yaml_node_t *key = yaml_document_get_node(doc, pair->key), *k;
	const char *text;

	if (!key || key->type != YAML_SCALAR_NODE)
		return NULL;
	text = (const char *)key->data.scalar.value;
	for (const yaml_node_pair_t *q = map->data.mapping.pairs.start; q < pair; q++) {
		k = yaml_document_get_node(doc, q->key);
		if (k && k->type == YAML_SCALAR_NODE &&
		    !(ignore_case ? strcasecmp : strcmp)((const char *)k->data.scalar.value, text))
			return k;
	}
	return NULL;
}
