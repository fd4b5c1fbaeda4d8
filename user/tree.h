/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The human process tree printed when a run ends. */
#ifndef BW_TREE_H
#define BW_TREE_H

#include <stdio.h>
#include "proctab.h"

struct tree_opts {
	unsigned width;      /* command lines are cut to this many columns */
	unsigned max_lines;  /* 0: unlimited */
	int collapse_min;    /* collapse runs of >= this many alike leaf siblings */
};

void tree_print(FILE *out, const struct bw_proctab *t, const struct tree_opts *opts);
/* The command line of p, argv joined by spaces, printable, cut to width. */
void tree_cmdline(const struct bw_proc *p, char *buf, size_t size);

#endif /* BW_TREE_H */
