/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The agent's own process lines (fork, exec, failed exec, exit) read
 * straight back into kernel records, without JSON objects: nearly every
 * line of a build, and most of what a report that follows a stream (a run
 * handed to a daemon, or `report` on a file) spends its time on. Only the
 * exact shape event_json_render writes is taken, its strings without
 * escapes; any other line is declined and the caller parses it as JSON,
 * so what the record says is the same either way.
 */
#ifndef BW_EVENT_LINEVIEW_H
#define BW_EVENT_LINEVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "events/events.h"

/* An exec line's strings, each NUL-terminated, at the kernel's limits; a longer line is declined. */
#define EVENT_LINEVIEW_TEXT (BW_FILENAME_MAX + 2 * BW_PATH_MAX + BW_ARGS_MAX + 64)

/* The syscall arguments a privilege record carries: 3 from the agent, at most 6 read. */
#define EVENT_HOOK_ARGS 6

/*
 * A file or privilege record, as much of it as the report reads, the same
 * whoever fills it: this reader, the JSON one (report_review.c,
 * review_hook_read), or the agent from its own decoding when it does not
 * read back what it just wrote (report.c).
 */
struct event_hookline {
	const char *op, *path, *path2, *string, *comm; /* NULL: null or absent */
	uint32_t pid;
	uint64_t start_ns;
	int64_t result; /* file: 0 or -errno */
	bool tracked;   /* a file the checkout tracks */
	bool has_target; /* target_pid is a number */
	uint64_t target_pid;
	bool has_target_in_job, target_in_job;
	bool has_args; /* args is an array, n_args of it kept, each at most INT64_MAX */
	uint32_t n_args;
	int64_t args[EVENT_HOOK_ARGS];
};

struct event_lineview {
	uint64_t seq;
	struct event_hookline hook; /* file and privilege lines; v.hdr says which */
	size_t used; /* of text */
	char text[EVENT_LINEVIEW_TEXT];
	struct bw_event_view v; /* points into k and text */
	/* Last: an exec's record ends in its flexible data[], unused here. */
	union {
		struct bw_fork_event fork;
		struct bw_exec_event exec;
		struct bw_exec_failed_event exec_failed;
		struct bw_exit_event exit;
	} k;
};

/*
 * line (len bytes, a trailing newline allowed) as a fork, exec, failed
 * exec or exit record into *out, with what reading the JSON would fill
 * in, and nothing else: fork no parent_tid; exec only the header, ppid,
 * parent_start_ns, argc, uid, euid, comm, filename, exe, cwd, argv, the
 * container and the argv_truncated and job_root flags (stdio, env and
 * held are checked, not kept); exec_failed no container. A file or
 * privilege line gives only its header (v.hdr) and out->hook. false: not
 * one of those lines as the agent writes them; *out is then unspecified.
 */
bool event_lineview(const char *line, size_t len, struct event_lineview *out);

#endif /* BW_EVENT_LINEVIEW_H */
