/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Strings shared by reference count. The process table holds a few paths
 * per process (program, first program, exe, cwd, container, stdout) that
 * mostly equal its parent's or each other: a fork, or an exec of what the
 * parent runs, takes a reference instead of a copy, and an exit frees
 * only what no other process still holds. A refstr is an ordinary C
 * string to its readers; only refstr_* may make, share or drop one.
 */
#ifndef BW_REFSTR_H
#define BW_REFSTR_H

/* A new refstr holding a copy of s (s NULL: NULL); NULL with errno ENOMEM. */
char *refstr_new(const char *s);
/* Another holder of r (NULL: NULL). */
char *refstr_ref(char *r);
/* Drops one holder of r (NULL: nothing); the last frees it. */
void refstr_put(char *r);

/*
 * *dst becomes s: a reference to the first of the n candidate refstrs
 * (any may be NULL) equal to s, else a new copy; s NULL: NULL. The old
 * *dst is dropped after, so it may be a candidate. 0, or -ENOMEM with
 * *dst unchanged.
 */
int refstr_set(char **dst, const char *s, char *const *cands, unsigned n);

#endif /* BW_REFSTR_H */
