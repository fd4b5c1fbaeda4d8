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
#include <sys/types.h>
#include "lib/privdrop.h"

struct checkout {
	char *root;      /* the work tree's top directory, no trailing '/' */
	size_t root_len;
	char *names;     /* git's NUL-separated list, owned */
	size_t names_len;
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

/*
 * checkout_load in a child, for dirs in order until one is in a work tree
 * (or fails otherwise): git lists the files while the caller loads its
 * BPF programs. Forks: call it before anything a fork would make slow
 * (heap_hold). 0, or -errno with nothing started.
 */
struct checkout_pending {
	pid_t pid;
	int fd;
	size_t n_dirs;
};
int checkout_start(struct checkout_pending *p, const char *const *dirs, size_t n_dirs,
		   const struct build_user *user);
/* Each dir tried, in order: its index in dirs, its error (0: c is loaded) and why not. */
typedef void (*checkout_report_fn)(void *arg, size_t dir, int err, const char *why);
/*
 * Waits for the child: report() hears of each dir it tried and answered
 * for in full; c is the checkout of the last (0), or empty. Returns that
 * error; -EPROTO when the answer ends before a dir's (the child died);
 * another -errno when it could not be read (report() then heard nothing).
 */
int checkout_finish(struct checkout_pending *p, struct checkout *c, checkout_report_fn report,
		    void *arg);
/* The answer is not wanted (an error path): the child is reaped. */
void checkout_cancel(struct checkout_pending *p);

#endif /* BW_CHECKOUT_H */
