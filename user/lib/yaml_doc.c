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

/* Start of line (0-based) in text, or NULL. */
static const char *line_start(const char *text, size_t len, size_t line)
{
	const char *p = text, *end = text + len;

	while (line && p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));

		if (!nl)
			return NULL;
		p = nl + 1;
		line--;
	}
	return line ? NULL : p;
}

/* Bytes a double-quoted escape at p (p[0] == '\\') yields, and in *width
 * the bytes it is written with; 0 for one this reader does not follow. */
static size_t escape_bytes(const char *p, const char *end, size_t *width)
{
	static const char one[] = "0abtnvfre \"/\\\t";
	unsigned long cp;
	size_t digits;

	if (end - p < 2)
		return 0;
	*width = 2;
	if (p[1] && strchr(one, p[1]))
		return 1;
	if (p[1] == 'N' || p[1] == '_')
		return 2;
	if (p[1] == 'L' || p[1] == 'P')
		return 3;
	digits = p[1] == 'x' ? 2 : p[1] == 'u' ? 4 : p[1] == 'U' ? 8 : 0;
	if (!digits || (size_t)(end - p) < 2 + digits)
		return 0;
	cp = 0;
	for (size_t i = 0; i < digits; i++) {
		char c = p[2 + i];
		int v = c >= '0' && c <= '9' ? c - '0' : (c | 0x20) >= 'a' && (c | 0x20) <= 'f'
			? (c | 0x20) - 'a' + 10 : -1;

		if (v < 0)
			return 0;
		cp = cp * 16 + (unsigned long)v;
	}
	*width = 2 + digits;
	return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

bool yaml_scalar_pos(const char *text, size_t len, const yaml_node_t *n, size_t offset,
		     unsigned *line, unsigned *col)
{
	const char *p, *end = text + len, *value;
	yaml_scalar_style_t style;
	size_t out = 0, c, vlen, produced, width;

	if (!text || !n || n->type != YAML_SCALAR_NODE)
		return false;
	style = n->data.scalar.style;
	value = (const char *)n->data.scalar.value;
	vlen = n->data.scalar.length;
	if (offset > vlen)
		return false;
	p = line_start(text, len, n->start_mark.line);
	if (!p)
		return false;
	/* libyaml counts columns in characters: skip UTF-8 continuation bytes. */
	for (c = 0; c < n->start_mark.column && p < end; p++)
		if ((*p & 0xC0) != 0x80)
			c++;
	if (style == YAML_SINGLE_QUOTED_SCALAR_STYLE || style == YAML_DOUBLE_QUOTED_SCALAR_STYLE) {
		p++;
		c++;
	} else if (style != YAML_PLAIN_SCALAR_STYLE) {
		return false;
	}
	while (out < offset) {
		if (p >= end || *p == '\n' || *p == '\r')
			return false;
		width = 1;
		produced = 1;
		if (style == YAML_SINGLE_QUOTED_SCALAR_STYLE && p[0] == '\'') {
			if (end - p < 2 || p[1] != '\'')
				return false;
			width = 2;
		} else if (style == YAML_DOUBLE_QUOTED_SCALAR_STYLE && p[0] == '\\') {
			produced = escape_bytes(p, end, &width);
			if (!produced)
				return false;
		} else if (value[out] != *p) {
			return false;
		}
		if (out + produced > offset)
			break; /* offset is inside what this escape yields */
		out += produced;
		for (size_t i = 0; i < width; i++)
			c += (p[i] & 0xC0) != 0x80;
		p += width;
	}
	*line = (unsigned)n->start_mark.line + 1;
	*col = (unsigned)c + 1;
	return true;
}
