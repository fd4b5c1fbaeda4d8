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

bool report_exit_known(const struct report *r)
{
	/* The daemon's summary has neither when the job's root never exited. */
	return r->have_summary && !r->agent_stopped &&
	       !(r->have_build_fields && r->build_exit_code < 0 && r->build_signal < 0);
}

bool report_cut_end(const struct report *r)
{
	return !r->have_summary || (r->root_argv.v && !r->root_exited && !r->agent_stopped);
}

const char *report_status(const struct report *r)
{
	if (!r->have_summary)
		return "incomplete";
	if (r->job_killed)
		return "job terminated by policy";
	if (r->agent_stopped)
		return "agent stopped before the job ended";
	if (!report_exit_known(r))
		return "exit status unknown";
	return r->exit_status ? "failed" : "passed";
}

/* "no verdicts", "2 verdicts (1 blocked, 1 killed)". */
static void verdict_words(const struct report *r, char *buf, size_t size)
{
	if (!r->verdicts) {
		snprintf(buf, size, "no verdicts");
		return;
	}
	snprintf(buf, size, "%llu verdict%s", (unsigned long long)r->verdicts,
		 r->verdicts == 1 ? "" : "s");
	if (r->blocked || r->killed)
		snprintf(buf + strlen(buf), size - strlen(buf), " (%llu blocked, %llu killed)",
			 (unsigned long long)r->blocked, (unsigned long long)r->killed);
}

void report_headline(const struct report *r, char *buf, size_t size)
{
	char v[96];
	size_t n;

	verdict_words(r, v, sizeof(v));
	if (!r->have_summary)
		snprintf(buf, size, "incomplete (the log has no summary record%s): %s",
			 r->cut_start ? " and starts after the job began" : "", v);
	else if (r->job_killed)
		snprintf(buf, size, "job terminated by policy (exit %lld)", (long long)r->exit_status);
	else if (r->agent_stopped)
		snprintf(buf, size, "agent stopped before the job ended (exit status unknown): %s", v);
	else if (!report_exit_known(r))
		snprintf(buf, size, "exit status unknown: %s", v);
	else if (r->exit_status)
		snprintf(buf, size, "failed (exit %lld)", (long long)r->exit_status);
	else
		snprintf(buf, size, "passed");
	n = strlen(buf);
	if (r->have_summary && r->cut_start && n < size)
		snprintf(buf + n, size - n, "; the log starts after the job began");
}

void report_command(const struct report *r, char *buf, size_t size)
{
	char **argv = r->command && r->command[0] ? r->command : r->root_argv.v;
	struct bw_proc tmp;
	size_t n = 0;

	memset(&tmp, 0, sizeof(tmp));
	if (!argv || !argv[0]) {
		if (r->job_name)
			snprintf(buf, size, "job %s", r->job_name);
		else
			snprintf(buf, size, "(unknown command)");
		return;
	}
	while (argv[n])
		n++;
	tmp.n_execs = 1;
	tmp.argv.v = argv;
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
