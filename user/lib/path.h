/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Paths as text: what the policy, the tree and the daemon read from them. */
#ifndef BW_PATH_H
#define BW_PATH_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The part of path after its last '/' (path itself when it has none; ""
 * when it ends in '/'): a pointer into path, nothing allocated.
 */
const char *path_basename(const char *path);

/*
 * An absolute path with "//", "/./" and "/../" resolved as text into buf
 * (a caller's relative name joined to its cwd holds them, and a policy's
 * prefix or regex must see /etc/cron.d/x in /tmp/../etc/cron.d/x). Symbolic
 * links are not followed. False if it does not fit or is not absolute.
 */
bool path_normalize(const char *path, char *buf, size_t size);

#endif /* BW_PATH_H */
