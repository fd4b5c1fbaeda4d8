/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* The `tamper` record of docs/EVENTS.md: a signal aimed at an agent. */
#ifndef BW_TAMPER_JSON_H
#define BW_TAMPER_JSON_H

#include <stdint.h>
#include "events/event_json.h"
#include "kernel/tamper.h"

/*
 * One whole record without the trailing newline. earlier: the record was
 * left by an agent that is gone (found at start), not sent to this one.
 */
void tamper_json_render(struct jbuf *jb, const struct bw_tamper_record *r, uint64_t total,
			bool earlier, uint64_t seq, uint64_t job_id, const struct bw_clock *clk);

#endif /* BW_TAMPER_JSON_H */
