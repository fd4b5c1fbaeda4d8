/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Files the agent (root) writes, reads secrets from, or reads whole.
 * Output files are created 0600 and never through a symlink, so a build
 * cannot point a predictable report path in a shared directory at
 * /etc/shadow. Secrets are refused from files other users can read. A
 * whole file is read up to a limit, so /dev/zero or a runaway file is
 * refused rather than read forever.
 */
#ifndef BW_SAFEFILE_H
#define BW_SAFEFILE_H

#include <stdbool.h>
#include <sys/types.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/stat.h>

/*
 * open(path, flags | O_NOFOLLOW | O_CLOEXEC, mode) of a regular file only
 * (-EINVAL for anything else, a FIFO or a device), its stat in *st: the
 * fd, or -errno.
 */
int safe_open_regular(const char *path, int flags, unsigned mode, struct stat *st);
/* fopen(path, append ? "a" : "w") without following a final symlink. */
FILE *safe_fopen_write(const char *path, bool append);
/*
 * An output file written by fn(f, arg): "-" is standard output, any other
 * path is opened as safe_fopen_write does. Open and write errors are
 * reported naming the path. 0, fn's error, or -errno.
 */
int safe_write_output(const char *path, bool append, int (*fn)(FILE *f, const void *arg),
		      const void *arg);
/* Open a secret for reading: 0 and *f, or -errno (-EPERM: group/other can read it). */
int safe_open_secret(const char *path, FILE **f);

/*
 * All of f into *buf (NUL-terminated, to free) and its length (without the
 * NUL) into *len: 0, -EFBIG when it holds more than max bytes, -ENOMEM, or
 * the read's -errno (-EIO when it set none). *buf is only set on success.
 */
int safe_read_stream(FILE *f, size_t max, char **buf, size_t *len);
/* The same for the file at path; also fopen's -errno. */
int safe_read_file(const char *path, size_t max, char **buf, size_t *len);
/*
 * One read of the file name under dirfd (AT_FDCWD: a path) into buf,
 * NUL-terminated, without stdio's buffers: for the kernel's small files
 * (/proc, /sys), which one read returns whole. Its length, or -errno
 * (-ENODATA: empty).
 */
ssize_t safe_read_small(int dirfd, const char *name, char *buf, size_t size);

#endif /* BW_SAFEFILE_H */
