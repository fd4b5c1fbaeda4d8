// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * JSON-lines export with size-based rotation (docs/DAEMON.md). Lines are
 * gathered in a buffer and written with write(2) in whole lines, so a
 * reader never sees half a record at a flush boundary; a write that fails
 * half-way is cut back to the last whole line. The size that decides
 * rotation is what is on disk plus what is buffered.
 *
 * Rotation renames PATH.(K-1) -> PATH.K down to PATH -> PATH.1 (rename
 * moves a planted symlink itself, never what it points at), then creates
 * a new PATH with O_EXCL | O_NOFOLLOW, mode 0600.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "export/export_jsonl.h"
#include "lib/log.h"
#include "lib/safefile.h"

struct export_jsonl {
	char *path;
	char *tmp;                /* room for "PATH.N" */
	size_t tmp_size;
	int fd;                   /* -1 after a failed re-creation: retried at each write */
	uint64_t max_bytes;
	unsigned keep;
	uint64_t size;            /* bytes in the file */
	size_t blen;              /* bytes in buf */
	bool failing;             /* the last operation failed: said once, until one succeeds */
	struct export_jsonl_stats st;
	char buf[EXPORT_JSONL_BUF];
};

/* Say what failed the first time in a run of failures; count every one. */
static int fail(struct export_jsonl *e, int err, const char *what)
{
	e->st.errors++;
	if (!e->failing)
		bw_err("events export %s: %s: %s (further errors are counted until it works again)",
		       e->path, what, strerror(-err));
	e->failing = true;
	return err;
}

/*
 * Open path for appending: a regular file of ours, never through a
 * symlink; fresh: it must not exist yet (after a rotation).
 */
static int open_file(const char *path, bool fresh, int *fd_out, uint64_t *size_out)
{
	int flags = O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK;
	struct stat st;
	int fd, err;

	fd = safe_open_regular(path, flags | (fresh ? O_EXCL : 0), 0600, &st);
	if (fd < 0)
		return fd == -ENXIO ? -EINVAL : fd; /* ENXIO: a FIFO nobody reads */
	if (st.st_uid != geteuid()) {
		err = -EPERM; /* someone else's file: our records are not theirs to read */
		goto err_close;
	}
	/* O_NONBLOCK was only for the open (a FIFO must not block it); drop it */
	if (fcntl(fd, F_SETFL, O_APPEND) < 0) {
		err = -errno;
		goto err_close;
	}
	*fd_out = fd;
	*size_out = (uint64_t)st.st_size;
	return 0;
err_close:
	close(fd);
	return err;
}

static const char *numbered(struct export_jsonl *e, unsigned n)
{
	snprintf(e->tmp, e->tmp_size, "%s.%u", e->path, n);
	return e->tmp;
}

/* Write data[0..n) whole, or cut the file back to where it was: 0 or -errno. */
static int write_whole(struct export_jsonl *e, const char *data, size_t n)
{
	size_t done = 0;
	ssize_t w;
	int err;

	while (done < n) {
		w = write(e->fd, data + done, n - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err = w < 0 ? -errno : -EIO;
			/* no half record left behind for a reader to trip on */
			if (done && ftruncate(e->fd, (off_t)e->size) == 0)
				done = 0;
			e->size += done;
			return err;
		}
		done += (size_t)w;
	}
	e->size += n;
	return 0;
}

int export_jsonl_flush(struct export_jsonl *e)
{
	int err;

	if (!e || !e->blen)
		return 0;
	if (e->fd < 0) {
		/* PATH could not be created at the last rotation: try again */
		err = open_file(e->path, false, &e->fd, &e->size);
		if (err) {
			e->fd = -1;
			e->blen = 0;
			return fail(e, err, "cannot create the file; buffered records lost");
		}
	}
	err = write_whole(e, e->buf, e->blen);
	e->blen = 0;
	if (err)
		return fail(e, err, "write failed; buffered records lost");
	e->failing = false;
	return 0;
}

/*
 * Make room: PATH.(keep-1) -> PATH.keep ... PATH -> PATH.1 (keep 0:
 * remove PATH), then a new PATH. 0, or -errno with the current file
 * still open when nothing was moved.
 */
static int rotate(struct export_jsonl *e)
{
	char *to = NULL;
	int err;

	err = export_jsonl_flush(e);
	if (err)
		return err;
	if (e->keep) {
		to = malloc(e->tmp_size);
		if (!to)
			return fail(e, -ENOMEM, "cannot rotate");
		for (unsigned k = e->keep; k >= 2; k--) {
			snprintf(to, e->tmp_size, "%s.%u", e->path, k);
			if (rename(numbered(e, k - 1), to) && errno != ENOENT) {
				err = -errno;
				free(to);
				return fail(e, err, "cannot rotate (renaming an old file)");
			}
		}
		free(to);
		if (rename(e->path, numbered(e, 1)) && errno != ENOENT)
			return fail(e, -errno, "cannot rotate (renaming the current file)");
	} else if (unlink(e->path) && errno != ENOENT) {
		return fail(e, -errno, "cannot rotate (removing the full file)");
	}
	e->st.rotations++;
	if (e->fd >= 0)
		close(e->fd);
	e->fd = -1;
	e->size = 0;
	err = open_file(e->path, true, &e->fd, &e->size);
	if (err) {
		e->fd = -1;
		return fail(e, err, "cannot create the file after rotating");
	}
	return 0;
}

int export_jsonl_write(struct export_jsonl *e, const char *line, size_t len)
{
	size_t body = len, total;
	int err;

	if (!e || !line)
		return -EINVAL;
	if (body && line[body - 1] == '\n')
		body--;
	if (!body || memchr(line, '\n', body))
		return -EINVAL; /* empty, or more than one line */
	total = body + 1;
	if (e->max_bytes && e->size + e->blen > 0 && e->size + e->blen + total > e->max_bytes) {
		/*
		 * A rotation that cannot move the file leaves it growing past
		 * max_bytes rather than losing records; it is retried next line.
		 */
		rotate(e);
	}
	if (e->blen + total > sizeof(e->buf)) {
		err = export_jsonl_flush(e);
		if (err)
			return err;
	}
	if (total > sizeof(e->buf)) {
		/* longer than the buffer (empty now): straight out, newline included */
		char *tmp = malloc(total);

		if (!tmp)
			return fail(e, -ENOMEM, "cannot copy a long record");
		memcpy(tmp, line, body);
		tmp[body] = '\n';
		if (e->fd < 0)
			err = open_file(e->path, false, &e->fd, &e->size);
		else
			err = 0;
		if (err)
			e->fd = -1;
		else
			err = write_whole(e, tmp, total);
		free(tmp);
		if (err)
			return fail(e, err, "write failed; a record was lost");
		e->failing = false;
	} else {
		memcpy(e->buf + e->blen, line, body);
		e->buf[e->blen + body] = '\n';
		e->blen += total;
	}
	e->st.lines++;
	e->st.bytes += total;
	return 0;
}

void export_jsonl_stats(const struct export_jsonl *e, struct export_jsonl_stats *st)
{
	if (!e) {
		memset(st, 0, sizeof(*st));
		return;
	}
	*st = e->st;
}

int export_jsonl_open(struct export_jsonl **out, const char *path, uint64_t max_bytes,
		      unsigned keep)
{
	struct export_jsonl *e;
	int err;

	*out = NULL;
	if (!path || !*path) {
		bw_err("events export: no file name given");
		return -EINVAL;
	}
	if (keep > EXPORT_JSONL_KEEP_MAX) {
		bw_err("events export %s: keep %u is more than %u rotated files", path, keep,
		       EXPORT_JSONL_KEEP_MAX);
		return -EINVAL;
	}
	e = malloc(sizeof(*e));
	if (!e) {
		bw_err("events export %s: cannot allocate: %s", path, strerror(ENOMEM));
		return -ENOMEM;
	}
	memset(e, 0, offsetof(struct export_jsonl, buf));
	e->fd = -1;
	e->max_bytes = max_bytes;
	e->keep = keep;
	e->path = strdup(path);
	e->tmp_size = strlen(path) + sizeof(".4294967295");
	e->tmp = malloc(e->tmp_size);
	if (!e->path || !e->tmp) {
		err = -ENOMEM;
		bw_err("events export %s: cannot allocate: %s", path, strerror(-err));
		goto err_free;
	}
	err = open_file(path, false, &e->fd, &e->size);
	if (err) {
		if (err == -ELOOP)
			bw_err("events export %s: the path is a symbolic link; refusing to follow it",
			       path);
		else if (err == -EINVAL)
			bw_err("events export %s: not a regular file", path);
		else if (err == -EPERM)
			bw_err("events export %s: the file belongs to another user; refusing to "
			       "write records into it", path);
		else
			bw_err("events export %s: cannot open: %s", path, strerror(-err));
		goto err_free;
	}
	*out = e;
	return 0;
err_free:
	free(e->tmp);
	free(e->path);
	free(e);
	return err;
}

int export_jsonl_close(struct export_jsonl *e)
{
	int err;

	if (!e)
		return 0;
	err = export_jsonl_flush(e);
	if (e->fd >= 0 && close(e->fd) && !err)
		err = fail(e, -errno, "close failed");
	free(e->tmp);
	free(e->path);
	free(e);
	return err;
}
