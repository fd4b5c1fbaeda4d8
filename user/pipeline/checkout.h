/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The job's checkout: the files its git work tree tracks, known before the
 * build starts, so a write, rename over or unlink of one of them is named
 * for what it is (a source file changed by the build) and the report can
 * list them (docs/DETECTIONS.md, source-file-modified).
 */
#ifndef BW_CHECKOUT_H
#define BW_CHECKOUT_H

#include <stdbool.h>
#include <stddef.h>
#include "lib/privdrop.h"

struct checkout {
	char *root;      /* the work tree's top directory, no trailing '/' */
	size_t root_len;
	char *names;     /* git's NUL-separated list, owned */
	const char **paths; /* into names, sorted: relative to root */
	size_t n;
};

/*
 * Load the tracked files of the git work tree dir lies in, listed by git
 * run as user (the build's own privileges: a repository's configuration is
 * the build's input, never the agent's). 0; -ENOENT when dir is in no work
 * tree or git is missing (why says which); another -errno with why set.
 */
int checkout_load(struct checkout *c, const char *dir, const struct build_user *user,
		  char *why, size_t why_size);
/* path (absolute; "." and ".." are resolved as text) is a tracked file. */
bool checkout_tracked(const struct checkout *c, const char *path);
void checkout_free(struct checkout *c);

#endif /* BW_CHECKOUT_H */
