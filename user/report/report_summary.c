// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * What every report format says of a whole job: lost records, the job's
 * status line and its command. The readers (report.c) fill struct report;
 * the writers (text, Markdown, JSON) only ask these.
 */
#include <string.h>

#include "events/tree.h"
#include "report/report_internal.h"

uint64_t report_lost(const struct report *r)
{
	uint64_t n = r->lost_sum;

	if (r->lost_total > n)
		n = r->lost_total;
	if (r->summary_lost > n)
		n = r->summary_lost;
	return n;
}

const char *report_status(const struct report *r)
{
	if (!r->have_summary)
		return "incomplete";
	if (r->job_killed)
		return "job terminated by policy";
	if (r->agent_stopped)
		return "agent stopped before the job ended";
	return r->exit_status ? "failed" : "passed";
}

void report_command(const struct report *r, char *buf, size_t size)
{
	struct bw_proc tmp;
	size_t n = 0;

	memset(&tmp, 0, sizeof(tmp));
	if (!r->command || !r->command[0]) {
		snprintf(buf, size, "(unknown command)");
		return;
	}
	while (r->command[n])
		n++;
	tmp.n_execs = 1;
	tmp.argv.v = r->command;
	tmp.argv.n = (uint32_t)n;
	tree_cmdline(&tmp, buf, size);
}

const char *report_source_program(const struct report *r, const struct report_source *s)
{
	const struct bw_proc *p = proctab_find(&r->procs, s->pid, s->start_ns);

	if (!p)
		return "?";
	return p->comm[0] ? p->comm : "?";
}
