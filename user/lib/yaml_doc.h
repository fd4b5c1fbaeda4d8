/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * One YAML document from text, and what the policy and daemon config loaders
 * ask of its nodes.
 */
#ifndef BW_YAML_DOC_H
#define BW_YAML_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <yaml.h>

/*
 * Parse text (len bytes) as exactly one YAML document into *doc. Syntax
 * errors, and a second document, are printed to errs (may be NULL) as
 * "NAME:LINE:COL: error: ..." and counted in *n_errors. Returns 0 with
 * *doc loaded (the caller deletes it; errors may still have been counted
 * for a second document), -EINVAL when no document could be read (*doc
 * untouched), or -ENOMEM. what names the thing in messages ("a policy").
 */
int yaml_doc_load(const char *name, const char *what, const char *text, size_t len, FILE *errs,
		  yaml_document_t *doc, unsigned *n_errors);

/* ---- nodes: each parser reports what these find in its own words ---- */

/* YAML's null (the core schema's): a plain "", "~", "null", "Null" or "NULL". */
bool yaml_node_is_null(const yaml_node_t *n);

/* What n is, for messages: "a mapping", "a list", "null", "a scalar", or "nothing". */
const char *yaml_node_kind(const yaml_node_t *n);

/*
 * The text of a scalar in *text: 0; -EINVAL when n is no scalar, or null;
 * -EILSEQ when it holds a NUL byte (a "\0" escape, which would silently cut
 * the string C code sees).
 */
int yaml_node_text(const yaml_node_t *n, const char **text);

/*
 * libyaml keeps duplicate keys, and a second value silently winning is a
 * trap: the key of an earlier pair of map with the same text as pair's
 * (ignore_case: ASCII letters compare without case), or NULL.
 */
const yaml_node_t *yaml_map_earlier_key(yaml_document_t *doc, const yaml_node_t *map,
					const yaml_node_pair_t *pair, bool ignore_case);

/*
 * Where byte offset of scalar n's value was written in text (the len
 * bytes n was parsed from): its line and column, 1-based and counted as
 * libyaml counts them. Followed for scalars on one line (plain, single or
 * double quoted); false for anything else (a block, a folded line) or when
 * the text does not read back as n's value: point at n itself then.
 */
bool yaml_scalar_pos(const char *text, size_t len, const yaml_node_t *n, size_t offset,
		     unsigned *line, unsigned *col);

#endif /* BW_YAML_DOC_H */
