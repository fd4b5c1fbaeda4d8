/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Paths as text: what the policy, the tree and the daemon read from them. */
#ifndef BW_PATH_H
#define BW_PATH_H

/*
 * The part of path after its last '/' (path itself when it has none; ""
 * when it ends in '/'): a pointer into path, nothing allocated.
 */
const char *path_basename(const char *path);

#endif /* BW_PATH_H */
