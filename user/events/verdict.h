/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/* A policy verdict on one exec: its record, its alert line, its report. */
#ifndef BW_VERDICT_H
#define BW_VERDICT_H

#include <stdbool.h>
#include <stdio.h>
#include "events/event_json.h"
#include "policy/policy.h"
#include "events/proctab.h"

struct verdict {
	const struct bw_rule *rule;
	enum policy_mode mode;
	enum policy_action taken;  /* what was done (effective action) */
	bool blocked;              /* the kernel killed it before it ran */
	bool kernel_missed;        /* a deny rule the kernel did not apply: killed from here */
	int kill_err;              /* 0, or why a kill failed */
	struct bw_proc *proc;
	uint64_t ktime_ns;
	/* Non-exec verdicts: the kind ("connect", ...) and the event's own
	 * fields as a JSON object, written under "event". */
	const char *on;
	const char *event_json;
	size_t event_json_len;
};

void verdict_json(struct jbuf *jb, uint64_t seq, const struct bw_clock *clk,
		  const struct verdict *v);
/* One line on stderr for alerts and kills, as they happen. */
void verdict_print_line(FILE *out, const struct verdict *v);
/* The block printed when a job was terminated: rule, command, ancestry. */
void verdict_print_block(FILE *out, const struct verdict *v);

#endif /* BW_VERDICT_H */
