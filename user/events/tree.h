/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The human process tree printed when a run ends. */
#ifndef BW_TREE_H
#define BW_TREE_H

#include <stdbool.h>
#include <stdio.h>
#include "events/proctab.h"

enum tree_mark {
	TREE_MARK_NONE,
	TREE_MARK_BRANCH,  /* an ancestor of a flagged process */
	TREE_MARK_FLAGGED, /* a policy rule matched this process */
};

struct tree_opts {
	unsigned width;      /* command lines are cut to this many columns */
	unsigned max_lines;  /* 0: unlimited */
	int collapse_min;    /* collapse runs of >= this many alike leaf siblings */
	bool color;          /* ANSI colour: flagged lines red, their ancestors yellow */
	/* Folding; flagged processes and their ancestors are never folded. */
	unsigned fold_depth;    /* children below this depth fold into one line (0: never) */
	unsigned fold_children; /* children shown per process before the rest fold (0: all) */
	/*
	 * Optional: which processes are flagged (*rule set) or on the way to
	 * one. Without it, a process the policy ended (ended_by_rule) is
	 * flagged and nothing is a branch.
	 */
	enum tree_mark (*mark)(const struct bw_proc *p, void *arg, const char **rule);
	void *mark_arg;
};

void tree_print(FILE *out, const struct bw_proctab *t, const struct tree_opts *opts);
/*
 * The command line of p, argv joined by spaces, printable, cut to size,
 * with secrets masked (redact.h).
 */
void tree_cmdline(const struct bw_proc *p, char *buf, size_t size);

#endif /* BW_TREE_H */
