/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * What a job process wrote into a file, for rules that test a file's
 * content (`content:`): a write's record is read when the file was opened,
 * before the writer wrote, so the file is read again once it has (at the
 * job's next exec, and when the writer exits). Only files a content rule
 * wanted to read are kept: GitHub's $GITHUB_ENV, /etc/environment, APT's
 * configuration, the loader's search path, /etc/hosts.
 */
#ifndef BW_CONTENT_CHECKS_H
#define BW_CONTENT_CHECKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include "policy/exec_info.h"

/* Bytes of a file read for content: tests (config files are small). */
#define CONTENT_READ_MAX (64 * 1024)
/* Files kept per job for another read; the oldest is read a last time and dropped. */
#define CONTENT_PENDING_MAX 64

/* A file's content, read on first use (bw_file_info.content). */
struct content_src {
	const char *path;
	char *buf;        /* malloc'd; NULL until read, or unreadable */
	bool read;        /* the reader was called: a content: test was reached */
	struct stat st;   /* of what was read (st_ino 0: nothing) */
};

/* The file a record changed that holds the new content: a rename's or link's new name. */
const char *content_path(const struct bw_file_info *f);
void content_src_init(struct content_src *s, const char *path);
const char *content_src_read(void *arg);
void content_src_free(struct content_src *s);

/* A write judged once, to judge again when its file changes. */
struct content_pending {
	uint32_t pid;
	uint64_t start_ns;
	uint64_t ktime_ns;
	struct bw_file_info file; /* strings owned */
	char *event_json;         /* the record's event, for the verdict */
	size_t event_json_len;
	struct stat seen;         /* as last read */
	struct content_pending *next;
};

/* Rules that fired on a file's content, so later writes do not repeat them. */
struct content_fired {
	size_t rule;
	char *path;
	struct content_fired *next;
};

struct content_checks {
	struct content_pending *head;
	unsigned n;
	struct content_fired *fired;
};

/*
 * Keep f (written by pid) for another read; seen: the file as last read.
 * One entry per writer and file. Returns the entry dropped to make room
 * (the caller reads it a last time and frees it), or NULL.
 */
struct content_pending *content_checks_add(struct content_checks *c, uint32_t pid,
					   uint64_t start_ns, uint64_t ktime_ns,
					   const struct bw_file_info *f, const struct stat *seen,
					   const char *event_json, size_t event_json_len);
/* Whether the file changed since p last read it (or is gone: false). */
bool content_pending_changed(const struct content_pending *p, struct stat *now);
void content_pending_free(struct content_pending *p);
/* True the first time rule fires on path in this job (remembered), false after. */
bool content_checks_mark(struct content_checks *c, size_t rule, const char *path);
void content_checks_free(struct content_checks *c);

#endif /* BW_CONTENT_CHECKS_H */
