/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The daemon's JSON-lines export (docs/DAEMON.md, "JSON-lines export"):
 * records appended to one file, rotated by size the way logrotate's
 * numbered scheme does it: PATH -> PATH.1 -> ... -> PATH.KEEP, the oldest
 * removed. Lines are never split across files. Files are created 0600 and
 * never through a symlink. Not thread-safe: one owner (the event loop).
 */
#ifndef BW_EXPORT_JSONL_H
#define BW_EXPORT_JSONL_H

#include <stddef.h>
#include <stdint.h>

/* Bytes held before they are written (a line longer than this goes straight out). */
#define EXPORT_JSONL_BUF 65536
/* Most rotated files kept (PATH.1 .. PATH.EXPORT_JSONL_KEEP_MAX). */
#define EXPORT_JSONL_KEEP_MAX 1000

struct export_jsonl_stats {
	uint64_t lines;     /* lines accepted by export_jsonl_write */
	uint64_t bytes;     /* bytes of them, newlines included */
	uint64_t rotations;
	uint64_t errors;    /* writes or rotations that failed (lines lost) */
};

struct export_jsonl;

/*
 * Open PATH for appending (created 0600; an existing regular file is
 * continued and its size counts toward max_bytes; a symlink or anything
 * but a regular file is refused). max_bytes 0: never rotate. keep: how
 * many rotated files to keep (0: the full file is removed at rotation).
 * 0 or -errno, said on stderr.
 */
int export_jsonl_open(struct export_jsonl **out, const char *path, uint64_t max_bytes,
		      unsigned keep);
/*
 * Append one record: line[0..len), a newline added when it has none
 * (a line must hold no other newline: -EINVAL). When the file's size plus
 * this line would pass max_bytes and the file is not empty, the file is
 * rotated first. The line may stay buffered until export_jsonl_flush,
 * the buffer filling, a rotation, or close. 0 or -errno (said on stderr
 * once per run of failures; counted in errors).
 */
int export_jsonl_write(struct export_jsonl *e, const char *line, size_t len);
/* Write out what is buffered: 0 or -errno. The daemon calls it after each batch of events. */
int export_jsonl_flush(struct export_jsonl *e);
void export_jsonl_stats(const struct export_jsonl *e, struct export_jsonl_stats *st);
/* Flush, close, free. 0 or the flush's -errno. NULL-safe. */
int export_jsonl_close(struct export_jsonl *e);

#endif /* BW_EXPORT_JSONL_H */
