// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lib/safefile.h"
#include "lib/log.h"

FILE *safe_fopen_write(const char *path, bool append)
{
	int flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
	int fd = open(path, flags, 0600);
	FILE *f;

	if (fd < 0)
		return NULL;
	f = fdopen(fd, append ? "a" : "w");
	if (!f) {
		int e = errno;

		close(fd);
		errno = e;
	}
	return f;
}

int safe_open_regular(const char *path, int flags, unsigned mode, struct stat *st)
{
	int fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC, mode), err;

	if (fd < 0)
		return -errno;
	if (fstat(fd, st)) {
		err = -errno;
		close(fd);
		return err;
	}
	if (!S_ISREG(st->st_mode)) {
		close(fd);
		return -EINVAL;
	}
	return fd;
}

int safe_open_secret(const char *path, FILE **out)
{
	struct stat st;
	int fd = safe_open_regular(path, O_RDONLY, 0, &st), err;

	*out = NULL;
	if (fd < 0)
		return fd;
	if (st.st_mode & (S_IRGRP | S_IROTH)) {
		err = -EPERM;
		goto fail;
	}
	*out = fdopen(fd, "r");
	if (!*out) {
		err = -errno;
		goto fail;
	}
	return 0;
fail:
	close(fd);
	return err;
}

int safe_read_stream(FILE *f, size_t max, char **buf, size_t *len)
{
	size_t cap = 0, n = 0;
	char *b = NULL, *nb;
	int err;

	errno = 0;
	for (;;) {
		if (n == cap) {
			if (cap > max) { /* max + 1 bytes read: too long */
				free(b);
				return -EFBIG;
			}
			cap = cap ? cap * 2 : 8192;
			if (cap > max + 1)
				cap = max + 1;
			nb = realloc(b, cap + 1);
			if (!nb) {
				free(b);
				return -ENOMEM;
			}
			b = nb;
		}
		n += fread(b + n, 1, cap - n, f);
		if (n < cap)
			break;
	}
	if (ferror(f)) {
		err = errno ? -errno : -EIO; /* e.g. EISDIR */
		free(b);
		return err;
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

int safe_read_file(const char *path, size_t max, char **buf, size_t *len)
{
	FILE *f = fopen(path, "re");
	int err;

	if (!f)
		return -errno;
	err = safe_read_stream(f, max, buf, len);
	fclose(f);
	return err;
}

ssize_t safe_read_small(int dirfd, const char *name, char *buf, size_t size)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC), err;
	ssize_t n;

	if (fd < 0)
		return -errno;
	do
		n = read(fd, buf, size - 1);
	while (n < 0 && errno == EINTR);
	err = n < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	if (!n)
		return -ENODATA;
	buf[n] = '\0';
	return n;
}

int safe_write_output(const char *path, bool append, int (*fn)(FILE *f, const void *arg),
		      const void *arg)
{
	FILE *f = strcmp(path, "-") ? safe_fopen_write(path, append) : stdout;
	int err;

	if (!f) {
		err = -errno;
		bw_err("cannot open %s for writing: %s", path, strerror(errno));
		return err;
	}
	err = fn(f, arg);
	if (fflush(f) && !err)
		err = -errno;
	if (f != stdout && fclose(f) && !err)
		err = -errno;
	if (err)
		bw_err("cannot write %s: %s", path, strerror(-err));
	return err;
}
