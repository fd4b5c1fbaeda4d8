/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* Rendering of decoded events as the JSON lines of docs/EVENTS.md. */
#ifndef BW_EVENT_JSON_H
#define BW_EVENT_JSON_H

#include <stdint.h>
#include "events/events.h"
#include "lib/json_out.h"

/* Kernel CLOCK_MONOTONIC -> wall clock, measured once at start. */
struct bw_clock {
	int64_t realtime_minus_mono_ns;
};

void clock_calibrate(struct bw_clock *c);

/* Opens a record with the common fields; caller adds more and closes it. */
void event_json_begin(struct jbuf *jb, uint64_t seq, const char *type, uint64_t ktime_ns,
		      uint64_t job_id, const struct bw_clock *clk);
/*
 * Opens a kernel record: the common fields, the process's (pid, tid,
 * start_ns) and "container" when the process runs in one.
 */
void event_json_begin_view(struct jbuf *jb, const struct bw_event_view *v, uint64_t seq,
			   const struct bw_clock *clk);
/* "argv": NUL-separated args as an array, secrets masked (lib/redact.h). */
void event_json_argv(struct jbuf *jb, const char *args, uint32_t len);
/* "none", "pipe", "socket", "tty", "null", "file", "other": BW_STDIO_* kinds. */
const char *stdio_kind_name(uint16_t kind);
/* One whole record for a kernel event, without the trailing newline. */
void event_json_render(struct jbuf *jb, const struct bw_event_view *v, uint64_t seq,
		       const struct bw_clock *clk);

#endif /* BW_EVENT_JSON_H */
