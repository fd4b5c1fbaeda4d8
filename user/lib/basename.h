/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
#ifndef BW_BASENAME_H
#define BW_BASENAME_H

/* The part of path after its last '/' (path itself when it has none);
 * never NULL for a non-NULL path, and "" for NULL. */
const char *path_basename(const char *path);

#endif /* BW_BASENAME_H */
