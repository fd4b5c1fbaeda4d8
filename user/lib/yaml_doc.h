/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* One YAML document from text, for the policy and daemon config loaders. */
#ifndef BW_YAML_DOC_H
#define BW_YAML_DOC_H

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

#endif /* BW_YAML_DOC_H */
