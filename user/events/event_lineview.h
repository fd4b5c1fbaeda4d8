/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The agent's own fork and exit lines read straight back into kernel
 * records, without JSON objects: two thirds of a build's lines, and most
 * of what a report that follows a stream (a run handed to a daemon, or
 * `report` on a file) spends its time on. Only the exact shape
 * event_json_render writes is taken, its strings without escapes; any
 * other line is declined and the caller parses it as JSON, so what the
 * record says is the same either way.
 */
#ifndef BW_EVENT_LINEVIEW_H
#define BW_EVENT_LINEVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "events/events.h"

struct event_lineview {
	uint64_t seq;
	union {
		struct bw_fork_event fork;
		struct bw_exit_event exit;
	} k;
	struct bw_event_view v; /* points into k */
};

/*
 * line (len bytes, a trailing newline allowed) as a fork or exit record
 * into *out, with what reading the JSON would fill in (fork: no
 * parent_tid; neither: container). false: not one of those lines as the
 * agent writes them; *out is then unspecified.
 */
bool event_lineview(const char *line, size_t len, struct event_lineview *out);

#endif /* BW_EVENT_LINEVIEW_H */
