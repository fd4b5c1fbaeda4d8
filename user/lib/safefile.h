/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Files the agent (root) writes or reads secrets from. Output files are
 * created 0600 and never through a symlink, so a build cannot point a
 * predictable report path in a shared directory at /etc/shadow. Secrets
 * are refused from files other users can read.
 */
#ifndef BW_SAFEFILE_H
#define BW_SAFEFILE_H

#include <stdbool.h>
#include <stdio.h>

/* fopen(path, append ? "a" : "w") without following a final symlink. */
FILE *safe_fopen_write(const char *path, bool append);
/* Open a secret for reading: 0 and *f, or -errno (-EPERM: group/other can read it). */
int safe_open_secret(const char *path, FILE **f);

#endif /* BW_SAFEFILE_H */
